"""What makes a setting valid, shared by the dataclasses of ``debugllm.settings`` and the
pydantic models of ``debugllm.settings_schema`` (which must not import each other)."""

from __future__ import annotations

import re

#: What an API key may contain: printable ASCII, no whitespace. It travels in an HTTP header,
#: which httpx encodes as ASCII: anything else fails every request (``initialize`` failed with
#: a UnicodeEncodeError for ``sk-ключ``).
API_KEY = re.compile(r"[!-~]*")

BAD_API_KEY = (
    "debugllm.endpoint.apiKey (or DEBUGLLM_API_KEY): an API key must be printable ASCII "
    "without spaces; model fixes are off, DebugLLM works offline"
)


def python_version(value: str) -> str:
    """``target_version`` normalised to ``3.N`` ("" stays ""); ValueError when it is none."""
    if not value.strip():
        return ""
    match = re.fullmatch(r"\s*(?:py|python)?\s*3\.?(\d{1,2})\s*", value, re.IGNORECASE)
    if match is None:
        raise ValueError(f"expected a Python 3 version such as '3.12' or 'py312', got {value!r}")
    return f"3.{int(match.group(1))}"
