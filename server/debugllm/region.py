"""The region of code the model is asked to rewrite for a request position.

The enclosing top-level function or class (found textually when the file does not parse), or the
whole file when it is small. One place computes it: the pipeline's model policy
(``FixPipeline.model_target``), whose ``ModelTarget`` carries it to the model and, in the fix,
to the explanation.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

_TOP_LEVEL = re.compile(r"(?:async[ \t]+def|def|class)[ \t]|@")
#: A file up to this size is sent whole.
SMALL_FILE_CHARS = 1500


@dataclass(frozen=True)
class Region:
    """``source[start:end]``, described for the user as ``where`` ("function `add`")."""

    start: int
    end: int
    where: str
    first_line: int  # 1-based


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def find_region(
    source: str, offset: int, tree: ast.Module | None, small_file_chars: int = SMALL_FILE_CHARS
) -> Region | None:
    """The region to send for a request at ``offset``, or ``None`` (not inside a function)."""
    if len(source) <= small_file_chars:
        return Region(0, len(source), "the file", 1)
    starts = _line_starts(source)
    if tree is not None:
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            last = node.end_lineno or node.lineno
            start, end = starts[first - 1], starts[min(last, len(starts) - 1)]
            if start <= offset < end or (offset == end and last == len(starts) - 1):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                return Region(start, end, f"{kind} `{node.name}`", first)
        return None
    # The file does not parse: find the block textually (top-level def/class and what follows).
    lines = source.splitlines(keepends=True)
    line = max(0, next((i for i, s in enumerate(starts) if s > offset), len(starts)) - 1)
    line = min(line, len(lines) - 1)
    block: int | None = None
    for i in range(line, -1, -1):
        text = lines[i]
        if _TOP_LEVEL.match(text):
            block = i
            while block > 0 and lines[block - 1].startswith("@"):
                block -= 1
            break
        if text.strip() and not text[0].isspace() and not text.startswith("#") and i != line:
            return None
    if block is None:
        return None
    last = block + 1
    while last < len(lines):
        text = lines[last]
        if text.strip() and not text[0].isspace() and not text.startswith(("#", ")", "]", "}")):
            break
        last += 1
    name = re.search(r"(?:def|class)[ \t]+(\w+)", "".join(lines[block : block + 3]))
    kind = "class" if lines[block].lstrip("@").startswith("class") else "function"
    where = f"{kind} `{name.group(1)}`" if name else "this block"
    return Region(starts[block], starts[last], where, block + 1)
