"""Explanations for model fixes, composed from the diff and the catalog (the adapter has none)."""

from __future__ import annotations

import difflib

from debugllm.repair.catalog import explain

_NAMED = {
    "+": "plus",
    "-": "minus",
    "<": "less-than",
    ">": "greater-than",
    "<=": "less-or-equal",
    ">=": "greater-or-equal",
    "==": "equality",
    "!=": "inequality",
}


def describe_diff(original: str, fixed: str, first_line: int = 1) -> str:
    """A short sentence per changed line: "on line 4, `a - b` became `a + b`"."""
    old_lines = original.splitlines()
    new_lines = fixed.splitlines()
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        line = first_line + i1
        if tag == "replace":
            for k, (old, new) in enumerate(zip(old_lines[i1:i2], new_lines[j1:j2], strict=False)):
                parts.append(f"on line {line + k}, `{old.strip()}` became `{new.strip()}`")
            extra = (j2 - j1) - (i2 - i1)
            if extra > 0:
                parts.append(f"{extra} line{'s' if extra > 1 else ''} added after line {line}")
            elif extra < 0:
                parts.append(f"{-extra} line{'s' if extra < -1 else ''} removed near line {line}")
        elif tag == "insert":
            added = "; ".join(f"`{text.strip()}`" for text in new_lines[j1:j2] if text.strip())
            parts.append(f"after line {line - 1}, added {added or 'a blank line'}")
        elif tag == "delete":
            removed = "; ".join(f"`{text.strip()}`" for text in old_lines[i1:i2] if text.strip())
            parts.append(f"on line {line}, removed {removed or 'a blank line'}")
        if len(parts) >= 4:
            parts.append("and more")
            break
    return "; ".join(parts) if parts else "no visible change"


def compose_explanation(where: str, original: str, fixed: str, first_line: int = 1) -> str:
    summary = describe_diff(original, fixed, first_line)
    return explain("model-fix", {"where": where, "summary": summary + "."})


def chat_messages(where: str, diff: str) -> list[dict[str, str]]:
    """The explain model's prompt: two plain sentences about the diff."""
    return [
        {
            "role": "system",
            "content": "You explain Python bug fixes to a programmer in exactly two plain "
            "sentences, without code blocks.",
        },
        {
            "role": "user",
            "content": f"This diff fixes a bug in {where}. Say what was wrong and why the change "
            f"fixes it.\n\n{diff}",
        },
    ]


def unified_diff(original: str, fixed: str) -> str:
    return "".join(
        difflib.unified_diff(
            original.splitlines(keepends=True), fixed.splitlines(keepends=True), "before", "after"
        )
    )
