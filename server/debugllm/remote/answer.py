"""Untrusted model answers -> cleaned code -> minimal edits confined to the region sent.

The adapter answers with code only, but a served model may echo the prompt, wrap the code in
fences, run past the end into a new ``Instruction:`` block, or append prose. Nothing here trusts
the answer: the edits it yields still go through the verifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from debugllm.prompt import STOP_SEQUENCES
from debugllm.text import Edit, minimal_edits

#: Markers after which nothing is code (the stop sequences and common prose headers).
_CUT_MARKERS: tuple[str, ...] = (
    *STOP_SEQUENCES,
    "\nResponse:",
    "\n### ",
    "\nExplanation:",
    "\nExplanation of",
    "\n</s>",
    "<|end|>",
    "<|assistant|>",
)
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:\n?```|\Z)", re.DOTALL)


_DEFINITION = re.compile(r"^(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)", re.MULTILINE)


def _definitions(code: str) -> set[str]:
    return set(_DEFINITION.findall(code))


class AnswerError(ValueError):
    """The answer cannot be used; ``str(exc)`` says why."""


@dataclass(frozen=True)
class RegionAnswer:
    code: str
    edits: tuple[Edit, ...]


def clean_answer(text: str, original: str) -> str:
    """The code in ``text``: echoed prompt parts, fences and trailing prose removed."""
    # An echoed prompt: keep what follows the last "Response:" header.
    for header in ("\nResponse:\n", "Response:\n"):
        if header in text:
            text = text.rsplit(header, 1)[1]
            break
    if text.lstrip().startswith(("Instruction:", "Input:")) and "\nInput:\n" in text:
        text = text.split("\nInput:\n", 1)[1]
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    for marker in _CUT_MARKERS:
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    text = text.strip("\n")
    text = text.rstrip()
    # Keep the region's own trailing whitespace so a fix does not touch the file's last line.
    tail = original[len(original.rstrip()) :]
    lead = original[: len(original) - len(original.lstrip("\n"))]
    return lead + text + tail if text else ""


def map_answer(
    source: str, start: int, end: int, text: str, max_growth: float = 3.0
) -> RegionAnswer:
    """Minimal edits turning ``source[start:end]`` into the code of ``text`` (offsets in source)."""
    original = source[start:end]
    if len(text) > max(4096, int(len(original) * max_growth) + 1024):
        raise AnswerError(
            f"the model's answer is too large ({len(text)} characters for a "
            f"{len(original)}-character region)"
        )
    code = clean_answer(text, original)
    if not code.strip():
        raise AnswerError("the model's answer holds no code")
    if len(code) > int(len(original) * max_growth) + 512:
        raise AnswerError(
            f"the model's answer is too large ({len(code)} characters of code for a "
            f"{len(original)}-character region)"
        )
    if code == original:
        raise AnswerError("the model returned the code unchanged")
    missing = _definitions(original) - _definitions(code)
    if missing:
        names = ", ".join(f"`{name}`" for name in sorted(missing)[:3])
        raise AnswerError(f"the model's answer drops code ({names}); it is not used")
    old_lines, new_lines = len(original.splitlines()), len(code.splitlines())
    if new_lines < old_lines * 0.6 - 2:
        raise AnswerError(
            f"the model's answer drops code ({old_lines} lines became {new_lines}); it is not used"
        )
    edits = tuple(
        Edit(e.start + start, e.end + start, e.new_text) for e in minimal_edits(original, code)
    )
    if not edits:
        raise AnswerError("the model returned the code unchanged")
    return RegionAnswer(code, edits)
