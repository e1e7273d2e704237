"""Every syntax error of a file: CPython's first one exactly as it reports it, then the others.

CPython stops at the first syntax error. ``find_syntax_errors`` keeps going: it repairs (or, when
no repair is known, neutralises) each error with the repair engine, compiles again and maps the
next error back to the original text. Large files are compiled in top-level groups so a deadline
can stop the work. It sits above both ``analysis.syntax`` and the repair engine (which uses
``analysis.syntax``), so the imports run one way.
"""

from __future__ import annotations

import logging
import re
import time

from debugllm.analysis import lastgood
from debugllm.analysis.syntax import (
    Fault,
    compile_fault,
    fault_from_exception,
    fault_to_problem,
    normalise_message,
)
from debugllm.problems import Problem, Severity
from debugllm.repair.syntax import recover
from debugllm.text import Edit, LineIndex, apply_edits, split_lines

#: Large files are compiled in groups of top-level statements of about this many characters, so
#: the deadline is checked between groups and later errors need not recompile the whole file.
_GROUP_CHARS = 64_000
#: Errors a wrong cut between groups can cause; such a group is merged with the next one.
_CUT_ERRORS = ("was never closed", "unterminated triple-quoted", "unexpected EOF")
_CUT_LINE = re.compile(r"[A-Za-z_@]")
_CONTINUATION_KEYWORDS = frozenset({"else", "elif", "except", "finally", "case"})


def _is_cut(lines: list[str], i: int) -> bool:
    """Could a new top-level statement start at line ``i``? Verified later by compiling."""
    text = lines[i]
    if not _CUT_LINE.match(text):
        return False
    word = re.match(r"\w*", text)
    if word and word.group() in _CONTINUATION_KEYWORDS:
        return False
    for j in range(i - 1, max(i - 50, -1), -1):
        previous = lines[j].rstrip()
        if previous and not previous.lstrip().startswith("#"):
            return not (previous.startswith("@") or previous.endswith("\\"))
    return True


def _first_fault_from(
    source: str,
    index: LineIndex,
    first_line: int,
    deadline: float | None,
    filename: str,
    known: Fault | None = None,
) -> tuple[Fault | None, int]:
    """The first fault at or after ``first_line`` (0-based, a proven statement boundary).

    Returns the fault (None when the rest compiles or time ran out) and the start line of the
    group it was found in, which is again a proven boundary. The first group is compiled even
    past the deadline, so the first error of a file is always found.

    ``known`` is the file's first *parse* error when the caller has it (``lastgood`` found it
    after an edit). The group holding it is not compiled: its parse stops at that same error,
    which a parse error makes the group's fault (the compiler's checks never run). The groups
    before it are checked as always, so the answer is the one compiling gives.
    """
    count = index.line_count
    lines = split_lines(source) if len(source) > _GROUP_CHARS else []
    start = first_line
    while start < count:
        if start > first_line and deadline is not None and time.monotonic() > deadline:
            return None, start
        size = _GROUP_CHARS
        while True:
            end = _group_end(index, lines, start, size)
            begin, stop = index.line_starts[start], _line_start(index, end, len(source))
            # Statements shared with a text that compiled need no compiling (analysis.lastgood).
            if lastgood.compiles(filename, source, begin, stop):
                fault = None
            elif known is not None and start < known.line <= end and known.line <= count:
                fault = known
            else:
                fault = compile_fault(source[begin:stop], line_offset=start)
            if fault is None or end >= count or not any(c in fault.msg for c in _CUT_ERRORS):
                break
            size *= 2
        if fault is not None:
            return fault, start
        start = end
    return None, start


def _line_start(index: LineIndex, line: int, length: int) -> int:
    return index.line_starts[line] if line < index.line_count else length


def _group_end(index: LineIndex, lines: list[str], start: int, size: int) -> int:
    count = index.line_count
    if not lines:
        return count
    target = index.line_starts[start] + size
    line = index.line_of(min(target, index.line_starts[-1]))
    line = max(line, start + 1)
    while line < count and not _is_cut(lines, line):
        line += 1
    return line


def _map_back(offset: int, steps: list[list[Edit]]) -> int:
    """Map an offset in the repaired text back through the repairs to the original text."""
    for edits in reversed(steps):
        shift = 0
        mapped = None
        for edit in sorted(edits):
            post_start = edit.start + shift
            post_end = post_start + len(edit.new_text)
            if offset < post_start:
                mapped = offset - shift
                break
            if offset < post_end or (offset == post_end and edit.end == edit.start):
                mapped = edit.start
                break
            shift += len(edit.new_text) - (edit.end - edit.start)
        offset = mapped if mapped is not None else offset - shift
    return offset


def find_syntax_errors(
    source: str,
    deadline: float | None = None,
    limit: int = 50,
    filename: str = "<file>",
    first: SyntaxError | None = None,
) -> list[Problem]:
    """Every syntax error in ``source`` (at most ``limit``), ordered by position.

    ``filename`` names whose last good parses may spare compiling (``analysis.lastgood``), and
    ``first`` is CPython's first error of ``source`` when it is known to be a parse error
    (``lastgood.parse_error_after_edit``); the result depends on neither.

    The first is exactly CPython's; later ones are found by repairing each error (or blanking its
    statement when no repair is known) and compiling again, and are mapped back to ``source``.
    """
    original_index = LineIndex(source)
    current = source
    steps: list[list[Edit]] = []
    found: dict[tuple[int, str], Problem] = {}
    first_line = 0
    known = fault_from_exception(source, first) if first is not None else None
    if known is not None and any(c in known.msg for c in _CUT_ERRORS):
        known = None  # such an error in a group may be the cut's: the group decides
    for attempt in range(limit * 2):
        late = deadline is not None and time.monotonic() > deadline
        if len(found) >= limit or (attempt and late):
            break
        index = LineIndex(current)
        fault, group_start = _first_fault_from(
            current, index, first_line, deadline, filename, known if not attempt else None
        )
        if fault is None:
            break
        problem = fault_to_problem(current, fault, index)
        start = _map_back(problem.start, steps)
        end = max(_map_back(problem.end, steps), start + 1)
        end = min(end, len(source))
        start = min(start, max(len(source) - 1, 0))
        line = original_index.line_of(start)
        key = (start, normalise_message(problem.message))
        if key in found:
            break  # the last repair made no progress
        found[key] = Problem(
            code=problem.code,
            message=problem.message,
            start=start,
            end=end,
            severity=Severity.ERROR,
            subject=f"{normalise_message(problem.message)} @ "
            f"{original_index.line_text(line).strip()[:80]}",
            line=line + 1 if steps else problem.line,
        )
        if deadline is not None and time.monotonic() > deadline:
            break
        try:
            edits = recover(current, problem, deadline)
        except Exception:  # a repair heuristic's fault ends the listing, keeping what was found
            logging.getLogger("debugllm.analysis").exception("recovery failed")
            break
        if not edits:
            break
        steps.append(edits)
        current = apply_edits(current, edits)
        first_line = group_start
    return sorted(found.values(), key=lambda p: (p.start, p.end, p.message))
