"""The prompt format the DebugLLM adapter was trained on: one place, imported by every caller.

The adapter (``Sud1212/phi3-debug-llm-lora``) saw exactly this text during training, with the
correct code after ``Response:``; no ``###`` headers and no code fences. Its answers hold only
code. Stop sequences matter: pad = eos = ``<|endoftext|>``, so the model may not stop by itself.
"""

from __future__ import annotations

PROMPT_TEMPLATE = (
    "\nInstruction:\nFix the bug in the following Python code and explain the issue."
    "\n\nInput:\n{code}\n\nResponse:\n"
)

STOP_SEQUENCES: tuple[str, ...] = ("\nInstruction:", "\nInput:", "<|endoftext|>")


def build_prompt(code: str) -> str:
    """The completion prompt for ``code`` (inserted verbatim: braces in code are safe)."""
    return PROMPT_TEMPLATE.replace("{code}", code)


def max_tokens_for(code: str, floor: int = 64, ceiling: int = 2048) -> int:
    """Room for a fixed copy of ``code``: its rough token count with margin (~3 chars a token)."""
    return max(floor, min(ceiling, len(code) // 3 + 64))
