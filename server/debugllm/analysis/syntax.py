"""Syntax errors as CPython reports them: the first one exactly, faults, line scanning.

The repair engine builds on this module; listing every error of a file (which repairs each one
to find the next) is ``debugllm.analysis.syntax_errors``, above the repair engine.
"""

from __future__ import annotations

import ast
import functools
import re
import symtable
import warnings
from dataclasses import dataclass

from debugllm.problems import Code, Problem, Severity
from debugllm.text import (
    LINE_BREAK,
    STRING_REST_SINGLE,
    STRING_REST_TRIPLE,
    LineIndex,
)

DEEP_MESSAGE = "too deeply nested for Python's parser"
#: Key in ``Problem.extra`` for CPython's offset when the Problem had to start before it.
EXACT_OFFSET = "cpython-offset"

_WORD = re.compile(r"\w+|\S")
_LINE_NUMBER = re.compile(r"\bline \d+")


@dataclass(frozen=True)
class Fault:
    """A syntax error where CPython puts it: 1-based lines, 0-based code-point columns."""

    code: str
    msg: str
    line: int
    col: int
    end_line: int
    end_col: int

    def same_error(self, other: Fault) -> bool:
        """Same message and line (messages name other lines, which move with edits)."""
        return self.line == other.line and normalise_message(self.msg) == normalise_message(
            other.msg
        )


def normalise_message(msg: str) -> str:
    return _LINE_NUMBER.sub("line N", msg)


def compile_fault(
    source: str, filename: str = "<file>", *, stage: str = "compile", line_offset: int = 0
) -> Fault | None:
    """The first error CPython reports for ``source`` (None when it compiles); never raises.

    ``stage`` "parse" runs the parser only, "symbols" also builds the symbol table (about half
    the cost of a full compile; no 'return' outside function checks). ``line_offset`` is added to
    reported lines, for callers compiling a slice of a larger file.
    """
    if stage == "symbols" and line_offset == 0:
        # The repair, the verifier and the re-analysis of a fix each check the same fixed text.
        return _symbols_fault(source, filename)
    return _compile_fault(source, filename, stage, line_offset)


@functools.lru_cache(maxsize=4)
def _symbols_fault(source: str, filename: str) -> Fault | None:
    return _compile_fault(source, filename, "symbols", 0)


def _compile_fault(source: str, filename: str, stage: str, line_offset: int) -> Fault | None:
    try:
        with warnings.catch_warnings():
            # SyntaxWarnings ("is" with a literal) must not turn into errors under -W error.
            warnings.simplefilter("ignore")
            if stage == "symbols":
                symtable.symtable(source, filename, "exec")
            else:
                flags = ast.PyCF_ONLY_AST if stage == "parse" else 0
                compile(source, filename, "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        return _fault_from_exception(source, exc, line_offset)
    except ValueError as exc:  # null bytes, on Pythons that raise ValueError for them
        line, col = _null_position(source)
        return Fault(Code.SYNTAX_ERROR, str(exc), line + line_offset, col, 0, 0)
    except (RecursionError, MemoryError):
        line, col = _deepest_position(source)
        return Fault(Code.SYNTAX_ERROR, DEEP_MESSAGE, line + line_offset, col, 0, 0)
    return None


_LINE_IN_MESSAGE = re.compile(r"\b((?:on|at) line) (\d+)\b")


def fault_from_exception(source: str, exc: SyntaxError) -> Fault:
    """The fault CPython raised as ``exc`` for ``source``."""
    return _fault_from_exception(source, exc, 0)


def _fault_from_exception(source: str, exc: SyntaxError, line_offset: int) -> Fault:
    if isinstance(exc, TabError):
        code = Code.TAB_ERROR
    elif isinstance(exc, IndentationError):
        code = Code.INDENTATION_ERROR
    else:
        code = Code.SYNTAX_ERROR
    msg = exc.msg or "invalid syntax"
    if line_offset:
        # The message names lines of the slice compiled ("expected an indented block after
        # function definition on line 12"): the file's are ``line_offset`` further down.
        msg = _LINE_IN_MESSAGE.sub(lambda m: f"{m[1]} {int(m[2]) + line_offset}", msg)
    if exc.lineno is None:
        line, col = _null_position(source) if "\0" in source else (1, 0)
        return Fault(code, msg, line + line_offset, col, 0, 0)
    line = max(exc.lineno, 1)
    col = max((exc.offset or 1) - 1, 0)
    end_line = exc.end_lineno or 0
    end_col = (exc.end_offset or 1) - 1
    return Fault(code, msg, line + line_offset, col, end_line + line_offset, end_col)


def _null_position(source: str) -> tuple[int, int]:
    offset = max(source.find("\0"), 0)
    index = LineIndex(source[: offset + 1])
    line = index.line_of(offset)
    return line + 1, offset - index.line_starts[line]


_BRACKET = re.compile(r"[()\[\]{}]")


def _deepest_position(source: str) -> tuple[int, int]:
    """Where the parser gave up on depth: the first deepest bracket, else the longest line."""
    depth = best = 0
    best_offset = -1
    for match in _BRACKET.finditer(source):
        if match.group() in "([{":
            depth += 1
            if depth > best:
                best, best_offset = depth, match.start()
        else:
            depth = max(depth - 1, 0)
    index = LineIndex(source)
    if best_offset < 0:
        lengths = [len(index.line_text(i)) for i in range(index.line_count)]
        line = lengths.index(max(lengths))
        return line + 1, 0
    line = index.line_of(best_offset)
    return line + 1, best_offset - index.line_starts[line]


def fault_to_problem(source: str, fault: Fault, index: LineIndex | None = None) -> Problem:
    """A Problem covering the fault, clamped to the source and at least one character wide."""
    index = index or LineIndex(source)
    start = index.offset_of_line_col(fault.line, fault.col)
    end = start
    if fault.end_line >= fault.line and (fault.end_line, fault.end_col) > (fault.line, fault.col):
        end = index.offset_of_line_col(fault.end_line, fault.end_col)
    if end <= start:
        end = _token_end(source, index, start)
    # At the very end of a file the one character shown is the last one; the repair engine
    # still needs CPython's own position, so it is kept in ``extra``.
    exact = start
    if start == len(source) and start > 0:
        start -= 1
    end = max(end, min(start + 1, len(source)))
    line_text = index.line_text(index.line_of(start)).strip()
    subject = f"{normalise_message(fault.msg)} @ {line_text[:80]}"
    return Problem(
        code=fault.code,
        message=fault.msg,
        start=start,
        end=end,
        severity=Severity.ERROR,
        subject=subject,
        line=fault.line,
        extra=((EXACT_OFFSET, str(exact)),) if exact != start else (),
    )


def _token_end(source: str, index: LineIndex, start: int) -> int:
    """The end of the token at ``start``: a word or one character, never past the line."""
    line_end = index.line_end(index.line_of(start))
    match = _WORD.match(source, start, line_end)
    if match:
        return match.end()
    return min(start + 1, len(source))


def problem_from_exception(
    source: str, exc: SyntaxError | ValueError | RecursionError | MemoryError
) -> Problem:
    """The Problem for an exception that compiling ``source`` raised (saves compiling again)."""
    if isinstance(exc, SyntaxError):
        return fault_to_problem(source, _fault_from_exception(source, exc, 0))
    if isinstance(exc, ValueError):
        line, col = _null_position(source)
        return fault_to_problem(source, Fault(Code.SYNTAX_ERROR, str(exc), line, col, 0, 0))
    line, col = _deepest_position(source)
    return fault_to_problem(source, Fault(Code.SYNTAX_ERROR, DEEP_MESSAGE, line, col, 0, 0))


def first_syntax_error(source: str, filename: str = "<file>") -> Problem | None:
    """CPython's first syntax error in ``source`` as a Problem, or None; never raises."""
    # Parse first: on a file that does not parse this skips the (slower) full compile.
    fault = compile_fault(source, filename, stage="parse") or compile_fault(source, filename)
    return fault_to_problem(source, fault) if fault else None


# --- light line scanner -------------------------------------------------------------------------

_SCAN = re.compile(r"(\r\n|\r|\n)|(#)|('''|\"\"\")|(['\"])|([(\[{])|([)\]}])|(\\(?:\r\n|\r|\n))")


@dataclass
class LineScan:
    """What each physical line starts inside of, from a fast scan of strings and brackets.

    ``depth``: brackets open at the line start; ``string``: the quote of a string the line starts
    inside ("" when none); ``continued``: the previous line ended with a backslash. Exact for
    valid code; after a syntax error it is a guess that callers must verify with the compiler.
    """

    starts: list[int]
    depth: list[int]
    string: list[str]
    continued: list[bool]

    def is_logical_start(self, line: int) -> bool:
        return not self.depth[line] and not self.string[line] and not self.continued[line]


def scan_lines(
    source: str, starts: list[int] | None = None, stop_line: int | None = None, first_line: int = 0
) -> LineScan:
    """Scan ``source`` from ``first_line`` (taken to start outside strings and brackets) to
    ``stop_line``; lines outside that range read as plain statement starts."""
    starts = starts if starts is not None else LineIndex(source).line_starts
    count = len(starts)
    depth = [0] * count
    string = [""] * count
    continued = [False] * count
    last = count - 1 if stop_line is None else min(stop_line, count - 1)
    limit = starts[last + 1] if last + 1 < count else len(source)
    line = first_line
    level = 0
    pos = starts[first_line]
    search = _SCAN.search
    while pos < limit:
        match = search(source, pos, limit)
        if match is None:
            break
        group = match.lastindex
        pos = match.end()
        if group == 1:  # newline
            line += 1
            depth[line] = level
        elif group == 2:  # comment: skip to the line end
            newline = LINE_BREAK.search(source, pos)
            pos = newline.start() if newline else len(source)
        elif group == 3 or group == 4:
            quote = match.group()
            closer = (STRING_REST_TRIPLE if group == 3 else STRING_REST_SINGLE)[quote].match(
                source, pos
            )
            end = closer.end() if closer else len(source)
            for _ in LINE_BREAK.finditer(source, pos, end):
                line += 1
                depth[line] = level
                string[line] = quote
            pos = end
        elif group == 5:
            level += 1
        elif group == 6:
            level = max(level - 1, 0)
        else:  # backslash continuation
            line += 1
            depth[line] = level
            continued[line] = True
    return LineScan(starts, depth, string, continued)
