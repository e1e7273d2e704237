"""The diff of a fix as people read it (hovers, the command line's output)."""

from __future__ import annotations

import difflib
from typing import Literal

from debugllm.text import changed_span


def fix_diff(source: str, fixed: str, context: int = 1) -> str:
    """A small unified diff of the lines a fix changes, for hovers and the CLI.

    Only the lines of the changed span are diffed (a diff of whole files is quadratic on
    repeated lines); the lines before and after it are equal by construction.
    """
    old_lines = source.splitlines()
    new_lines = fixed.splitlines()
    start, old_end, new_end = changed_span(source, fixed)
    head = max(0, len(source[:start].splitlines()) - 1)  # lines wholly before the change
    tail = min(
        len(old_lines) - len(source[:old_end].splitlines()),
        len(new_lines) - len(fixed[:new_end].splitlines()),
    )
    tail = max(0, min(tail, len(old_lines) - head, len(new_lines) - head))
    middle = difflib.SequenceMatcher(
        None, old_lines[head : len(old_lines) - tail], new_lines[head : len(new_lines) - tail]
    )
    opcodes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    opcodes += [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in middle.get_opcodes()
    ]
    if tail:
        opcodes.append(
            ("equal", len(old_lines) - tail, len(old_lines), len(new_lines) - tail, len(new_lines))
        )
    return "\n".join(_unified(old_lines, new_lines, _merge_equal(opcodes), context))


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _GivenOpcodes(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping over opcodes computed elsewhere (for the changed span only)."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        super().__init__(None, "", "")
        self.given = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self.given


def _merge_equal(opcodes: list[Opcode]) -> list[Opcode]:
    merged: list[Opcode] = []
    for op in opcodes:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if merged and merged[-1][0] == op[0] == "equal":
            last = merged.pop()
            op = ("equal", last[1], op[2], last[3], op[4])
        merged.append(op)
    return merged


def _unified(old: list[str], new: list[str], opcodes: list[Opcode], context: int) -> list[str]:
    """``difflib.unified_diff``'s hunks (without the file header) from given opcodes."""
    out: list[str] = []
    for group in _GivenOpcodes(opcodes).get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        old_range = _range(first[1], last[2])
        new_range = _range(first[3], last[4])
        out.append(f"@@ -{old_range} +{new_range} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in old[i1:i2])
                continue
            if tag in {"replace", "delete"}:
                out.extend("-" + line for line in old[i1:i2])
            if tag in {"replace", "insert"}:
                out.extend("+" + line for line in new[j1:j2])
    return out


def _range(start: int, stop: int) -> str:
    # As difflib formats a unified range: "start,length", "start" alone for one line.
    beginning = start + 1
    length = stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"
