"""Suppression comments users already write: a suppressed problem is never reported.

Recognised forms (the ``noqa`` word is matched case-insensitively, as flake8 and ruff do):

* ``# noqa`` on a line suppresses every problem reported on that line;
* ``# noqa: F401`` / ``# noqa: F401,E501`` / ``# NOQA:F401`` only the problems whose code the
  flake8/ruff codes map to (``FLAKE8_CODES``; unknown codes such as E501 suppress nothing here);
* ``# debugllm: ignore`` is a bare ``noqa``; ``# debugllm: ignore[unused-import, is-literal]``
  names DebugLLM's own codes (``problems.Code``);
* ``# ruff: noqa`` / ``# flake8: noqa`` anywhere in the file suppress the whole file;
  ``# ruff: noqa: F401`` (or ``flake8:``) only the mapped codes, in the whole file.

A problem is matched on the line it starts on, as ruff does, except that a line inside a
multi-line string or a backslash-continued statement is matched on the last line of that string
or statement (where a comment can go). Comments are found by a scan that skips string literals as
``tokenize`` does, so ``"# noqa"`` inside a string is not a suppression; unlike ``tokenize`` it
also reads text with a syntax error (where ``tokenize`` stops), and it is several times faster,
which matters because the verifier analyses the text of every candidate fix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from debugllm.problems import SYNTAX_CODES, Code, Problem
from debugllm.text import STRING_REST_SINGLE, STRING_REST_TRIPLE, LineIndex

#: What each flake8/ruff code means in DebugLLM's codes. pyflakes reports a module-level name
#: read before its assignment as F821 (undefined name), which DebugLLM calls
#: used-before-assignment, so F821 covers both.
FLAKE8_CODES: dict[str, frozenset[str]] = {
    "F401": frozenset({Code.UNUSED_IMPORT}),
    "F821": frozenset({Code.UNDEFINED_NAME, Code.USED_BEFORE_ASSIGNMENT}),
    "F822": frozenset({Code.UNDEFINED_NAME}),
    "F823": frozenset({Code.USED_BEFORE_ASSIGNMENT}),
    "F632": frozenset({Code.LITERAL_IS_COMPARISON}),
    "B006": frozenset({Code.MUTABLE_DEFAULT}),
    "E999": SYNTAX_CODES,
}

#: ``None`` in a line's entry: every code is suppressed there.
Codes = frozenset[str] | None

_CODE_LIST = r"[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*"


class _Patterns:
    """The comment patterns, compiled when first needed: most files hold no suppression, and
    compiling them took longer than the rest of this module's import (about 2 ms at start-up)."""

    @cached_property
    def noqa(self) -> re.Pattern[str]:
        return re.compile(rf"#\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>{_CODE_LIST}))?", re.IGNORECASE)

    @cached_property
    def own(self) -> re.Pattern[str]:
        return re.compile(
            r"#\s*debugllm\s*:\s*ignore(?![\w-])(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE
        )

    @cached_property
    def file(self) -> re.Pattern[str]:
        return re.compile(
            rf"#\s*(?:ruff|flake8)\s*:\s*noqa(?![\w-])(?:\s*:\s*(?P<codes>{_CODE_LIST}))?",
            re.IGNORECASE,
        )


_PATTERNS = _Patterns()
_CODE_SPLIT = re.compile(r"[\s,]+")
#: Cheap test that a file may contain a suppression (saves scanning the rest).
#: What the comment scan stops at: a comment, a string's opening quote, a backslash continuation.
_SCAN_START = re.compile(r"[#'\"\\]")
_SCAN = re.compile(r"(#)|('''|\"\"\")|(['\"])|(\\(?:\r\n|\r|\n))")


@dataclass(frozen=True)
class Suppressions:
    """The suppressions of one file: 1-based lines to the codes suppressed there."""

    lines: dict[int, Codes] = field(default_factory=dict)
    #: Codes suppressed in the whole file; ``None`` for all of them.
    whole_file: Codes = frozenset()
    #: A line inside a multi-line string or continued statement -> the line its comment is on.
    comment_line: dict[int, int] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.lines) or self.whole_file != frozenset()

    def suppresses(self, code: str, line: int) -> bool:
        if _covers(self.whole_file, code):
            return True
        line = self.comment_line.get(line, line)
        return line in self.lines and _covers(self.lines[line], code)


def _covers(codes: Codes, code: str) -> bool:
    return codes is None or code in codes


def _merge(a: Codes, b: Codes) -> Codes:
    return None if a is None or b is None else a | b


def _flake8_codes(text: str | None) -> Codes:
    """Our codes for a ``noqa: ...`` list; ``None`` (everything) when the list is absent."""
    if text is None:
        return None
    ours: set[str] = set()
    for code in _CODE_SPLIT.split(text.strip()):
        ours |= FLAKE8_CODES.get(code.upper(), frozenset())
    return frozenset(ours)


def _own_codes(text: str | None) -> Codes:
    if text is None:
        return None
    return frozenset(c for c in _CODE_SPLIT.split(text.strip().lower()) if c)


def _line_codes(comment: str) -> tuple[bool, Codes]:
    """Whether a comment is a line suppression, and the codes it suppresses on its line."""
    found = False
    codes: Codes = frozenset()
    for match in _PATTERNS.noqa.finditer(comment):
        found, codes = True, _merge(codes, _flake8_codes(match.group("codes")))
    for match in _PATTERNS.own.finditer(comment):
        found, codes = True, _merge(codes, _own_codes(match.group("codes")))
    return found, codes


def _file_codes(comment: str) -> tuple[bool, Codes]:
    match = _PATTERNS.file.match(comment.strip())
    return (False, None) if match is None else (True, _flake8_codes(match.group("codes")))


def find_suppressions(source: str) -> Suppressions:
    """Every suppression comment in ``source``; never raises."""
    # Lowered text searched for each word: 20x faster than one case-blind regex, and the same
    # answer (no other character matches these letters case-blind; checked over all of Unicode).
    lowered = source.lower()
    if "noqa" not in lowered and "debugllm" not in lowered:
        return Suppressions()
    index = LineIndex(source)
    comments, joined = _comments(source, index)
    lines: dict[int, Codes] = {}
    whole_file: Codes = frozenset()
    for line, comment in comments:
        is_file, codes = _file_codes(comment)
        if is_file:
            whole_file = _merge(whole_file, codes)
            continue
        is_line, codes = _line_codes(comment)
        if is_line:
            lines[line] = _merge(lines[line], codes) if line in lines else codes
    comment_line = {line: last for first, last in _chain(joined) for line in range(first, last)}
    return Suppressions(lines, whole_file, comment_line)


def _comments(source: str, index: LineIndex) -> tuple[list[tuple[int, str]], list[tuple[int, int]]]:
    """Comments as (1-based line, text), and the 1-based line spans that read as one line.

    A regular-expression scan that skips string literals as ``tokenize`` does, several times
    faster (the verifier analyses the text of every candidate): exact for code that tokenizes,
    and still usable for code that does not (an unterminated string runs to the end).
    """
    comments: list[tuple[int, str]] = []
    joined: list[tuple[int, int]] = []
    pos, size = 0, len(source)
    while pos < size:
        # Finding the first character with a character class, then matching there, is several
        # times faster than searching with the alternation itself.
        found = _SCAN_START.search(source, pos)
        if found is None:
            break
        match = _SCAN.match(source, found.start())
        if match is None:  # a backslash that does not end a line
            pos = found.end()
            continue
        group, start = match.lastindex, match.start()
        line = index.line_of(start) + 1
        if group == 1:  # a comment runs to the end of its line
            end = index.line_end(line - 1)
            comments.append((line, source[start:end]))
            pos = max(end, match.end())
        elif group in (2, 3):  # a string literal: skip it, noting the lines it spans
            quote = match.group()
            closers = STRING_REST_TRIPLE if group == 2 else STRING_REST_SINGLE
            closer = closers[quote].match(source, match.end())
            pos = closer.end() if closer else size
            last = index.line_of(max(pos - 1, start)) + 1
            if last > line:
                joined.append((line, last))
        else:  # a backslash continuation joins this line to the next
            joined.append((line, line + 1))
            pos = match.end()
    return comments, joined


def _chain(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching line spans merged (a continued line ending in a long string)."""
    merged: list[tuple[int, int]] = []
    for first, last in sorted(spans):
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return merged


def without_suppressed(
    source: str, problems: Iterable[Problem], suppressions: Suppressions | None = None
) -> list[Problem]:
    """``problems`` minus those a comment in ``source`` suppresses."""
    problems = list(problems)
    if not problems:
        return problems
    if suppressions is None:
        suppressions = find_suppressions(source)
    if not suppressions:
        return problems
    index: LineIndex | None = None
    kept: list[Problem] = []
    for problem in problems:
        line = problem.line
        if line <= 0:
            index = index or LineIndex(source)
            line = index.line_of(problem.start) + 1
        if not suppressions.suppresses(problem.code, line):
            kept.append(problem)
    return kept
