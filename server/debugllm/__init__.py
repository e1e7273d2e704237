"""DebugLLM: diagnostics, verified quick fixes and plain-language explanations for Python."""

__version__ = "0.1.0"
