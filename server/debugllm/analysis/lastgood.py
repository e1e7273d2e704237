"""The last good parses: texts that compiled as a whole, kept so the syntax check of a later
version skips compiling the parts it shares with one of them.

The fact used: when a module compiles, so does every slice of it that starts and ends where its
top-level statements start (decorators included) or at its ends. Each such slice is a run of
whole statements beginning at column 0 with no bracket, string or continuation open, so the
tokenizer and the parser see the same statements; the symbol table and the compiler check a
statement against the statements it shares the module with (a ``global`` after a use, a
``from __future__`` import after other code), and dropping statements can only remove such a
conflict. The one way a dropped statement changes how the rest is compiled is a
``from __future__`` import (``barry_as_FLUFL`` changes the grammar): a slice that does not
start at the beginning is trusted only when the module imports no feature that could.

A slice of a new version is matched to a good text through their common prefix and suffix, so
only the statements around an edit are compiled again; anything not proven falls back to
compiling. The answer is the one compiling would give (``syntax_errors`` relies on it: its
listing must stay what a from-scratch analysis reports).

The same fact finds CPython's first syntax error of an edited text without parsing what comes
before the edit (``parse_error_after_edit``): the parser reads a proven prefix as it reads it
alone, so a parse error of the text from the edited statements on is the whole file's first.
Only a parse error counts (the compiler's checks look across statements); a message that names
a line (counted from the slice) or any number is left to the whole-file compile.
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import NamedTuple

from debugllm.text import LineIndex

#: Features that change nothing CPython 3 accepts, or only make it stricter (``annotations``
#: turns annotations into strings and forbids ``yield``/``await``/``:=`` in them).
_HARMLESS_FEATURES = frozenset(
    {
        "nested_scopes", "generators", "division", "absolute_import", "with_statement",
        "print_function", "unicode_literals", "generator_stop", "annotations",
    }
)  # fmt: skip
#: Good texts kept per file (the document's last versions, or a fix plan's fixed texts), and
#: files: each document's own reuse only, so opening one file never speeds up another's check.
_PER_FILE = 3
_FILES = 16


@dataclass(frozen=True, slots=True)
class GoodText:
    source: str
    #: Offsets where a top-level statement's first line starts, with 0 and ``len(source)``.
    boundaries: frozenset[int]
    #: Whether a slice not starting at 0 compiles like it does inside the module.
    slices_stand_alone: bool


_good: OrderedDict[str, deque[GoodText]] = OrderedDict()
_lock = threading.Lock()


def remember(filename: str, source: str, tree: ast.Module) -> None:
    """Keep ``source`` of ``filename``, which compiled (``tree`` is its AST), as a good text."""
    with _lock:
        kept = _good.get(filename)
        if kept is not None and any(good.source == source for good in kept):
            return
    good = GoodText(source, _boundaries(source, tree), _slices_stand_alone(tree))
    with _lock:
        kept = _good.pop(filename, None) or deque(maxlen=_PER_FILE)
        kept.append(good)
        _good[filename] = kept
        while len(_good) > _FILES:
            _good.popitem(last=False)


def forget() -> None:
    """Drop every good text (tests compare against analyses made without them)."""
    with _lock:
        _good.clear()


def compiles(filename: str, source: str, start: int, end: int) -> bool:
    """Whether ``source[start:end]`` is proven to compile by a good text of ``filename``
    (``False``: not known)."""
    with _lock:
        goods = list(_good.get(filename, ()))
    return any(_proven(good, source, start, end) for good in reversed(goods))


def edited_statements(filename: str, source: str) -> tuple[int, int] | None:
    """The span of ``source`` holding the top-level statements an edit of a good text of
    ``filename`` touched: the text before and after it is that good text's, cut at its
    statement boundaries. ``None`` when no good text of the file shares both ends.

    Compiling that span alone says quickly whether the edit broke the syntax, though not
    always what CPython reports for the whole file: only for decisions that change no result
    (the debounce of ``lsp.server``).
    """
    with _lock:
        goods = list(_good.get(filename, ()))
    best: tuple[int, int] | None = None
    for good in reversed(goods):
        if not good.slices_stand_alone:
            continue
        old = good.source
        prefix = _common_prefix(source, old)
        suffix = _common_suffix(source, old, limit=min(len(source), len(old)) - prefix)
        start = max(b for b in good.boundaries if b <= prefix)
        shift = len(old) - len(source)
        ends = [b - shift for b in good.boundaries if b >= len(old) - suffix and b - shift >= start]
        if not ends:
            continue
        span = (start, min(ends))
        if best is None or span[1] - span[0] < best[1] - best[0]:
            best = span
    return best


def parse_error_after_edit(filename: str, source: str) -> SyntaxError | None:
    """CPython's first syntax error of ``source`` when it is a parse error in or after the
    statements an edit of a good text touched, found by parsing from those statements on;
    ``None`` when that is not proven (the caller compiles the whole file, as without this).

    The error's lines are the whole file's. The edited statements are parsed alone first: when
    they parse, the edit most likely broke nothing and parsing the rest would be wasted work.
    """
    found = edit_error(filename, source)
    return found[0] if found is not None else None


class EditError(NamedTuple):
    error: SyntaxError
    #: The offset the error was parsed from: a top-level statement's start, the text before
    #: which is proven to compile (``compiles``).
    start: int
    #: Where the statements the edit touched end: the text from here on is a good text's, cut
    #: at one of its top-level statement starts.
    end: int


def edit_error(filename: str, source: str) -> EditError | None:
    """``parse_error_after_edit``'s error, with the span of the statements the edit touched."""
    span = edited_statements(filename, source)
    if span is None:
        return None
    start, end = span
    if not _starts_statement(source, start):
        return None
    if _parse_error(source[start:end]) is None or not compiles(filename, source, 0, start):
        return None
    error = _parse_error(source[start:])
    if error is None or error.lineno is None or any(c.isdigit() for c in error.msg or "0"):
        return None
    # The slice starts at a line start, where the tokenizer counts lines as LineIndex does.
    shift = LineIndex(source).line_of(start)
    error.lineno += shift
    if error.end_lineno:
        error.end_lineno += shift
    return EditError(error, start, end)


#: Words that continue the compound statement before them (`if ...:` then `else:`).
_CONTINUING = re.compile(r"(?:else|elif|except|finally)\b")
#: A line with no code: blank, or only a comment.
_NO_CODE = re.compile(r"[ \t\f]*(?:#[^\r\n]*)?(?:\r\n|\r|\n)")


def _starts_statement(source: str, start: int) -> bool:
    """Does the edited text at ``start`` begin a top-level statement of its own, as it would
    parsed alone? The good text had a statement start there, but an edit may have indented
    the line (it now continues the block before it) or made it an `else:` of the `if`
    before it: then the file's parse reads the proven prefix and the edit as one statement."""
    pos = start
    while (blank := _NO_CODE.match(source, pos)) is not None:
        pos = blank.end()
    if pos >= len(source):
        return True  # nothing but blank lines and comments follow: nothing continues
    char = source[pos]
    return not (char in " \t\f\\" or _CONTINUING.match(source, pos))


def _parse_error(text: str) -> SyntaxError | None:
    """The parser's (and tokenizer's) first error in ``text``: the compiler's own checks
    (``return`` outside a function ...) are not run. ``None`` also for a text that CPython
    cannot parse for another reason (NUL bytes, nesting too deep): not a parse error here."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings must not turn into errors
            compile(text, "<file>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix (bisected on slice comparisons, done in C)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """The length of the longest common suffix, at most ``limit``."""
    low, high = 0, max(limit, 0)
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle : len(a) - low] == b[len(b) - middle : len(b) - low]:
            low = middle
        else:
            high = middle - 1
    return low


def _proven(good: GoodText, source: str, start: int, end: int) -> bool:
    if start and not good.slices_stand_alone:
        return False
    old = good.source
    if end <= len(old) and source[:end] == old[:end]:
        # Before the edit: the same offsets in the good text.
        return start in good.boundaries and end in good.boundaries
    shift = len(old) - len(source)
    if start + shift >= 0 and source[start:] == old[start + shift :]:
        # After the edit: the same text, moved by what the edit added or removed.
        return start + shift in good.boundaries and end + shift in good.boundaries
    return False


def _boundaries(source: str, tree: ast.Module) -> frozenset[int]:
    # LineIndex breaks lines where the tokenizer does ("\r\n", "\r", "\n"), as ``lineno`` counts.
    line_starts = LineIndex(source).line_starts
    found = {0, len(source)}
    for stmt in tree.body:
        # Compound statements start their line; a simple one may follow a ";".
        if stmt.col_offset != 0:
            continue
        decorators: list[ast.expr] = getattr(stmt, "decorator_list", [])
        first = min([stmt.lineno, *(d.lineno for d in decorators)])
        if first - 1 < len(line_starts):
            start = line_starts[first - 1]
            # `x = 1; \` then `y = 2`: a line continued into does not start a statement text.
            if not source[max(start - 3, 0) : start].rstrip("\r\n").endswith("\\"):
                found.add(start)
    return frozenset(found)


def _slices_stand_alone(tree: ast.Module) -> bool:
    return not any(
        isinstance(stmt, ast.ImportFrom)
        and stmt.module == "__future__"
        and any(alias.name not in _HARMLESS_FEATURES for alias in stmt.names)
        for stmt in tree.body
    )
