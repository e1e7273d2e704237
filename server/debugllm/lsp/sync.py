"""Incremental document sync: content changes applied by the LSP's own line rules.

The server asks for ``TextDocumentSyncKind.Incremental``, so a keystroke sends a small range
and its new text instead of the whole file. pygls applies such changes on ``str.splitlines``
lines, which also break at form feeds and other separators the LSP does not count as line
ends (the standard library has files with form feeds): a change below one would land on the
wrong line. Here positions are resolved with ``text.LineIndex`` (LSP line breaks, the
negotiated position encoding), as every other position the server reads.
"""

from __future__ import annotations

from collections.abc import Sequence

from debugllm.analysis import lastgood
from debugllm.analysis.analyzer import cheap_syntax_error
from debugllm.analysis.syntax import compile_fault
from debugllm.text import Encoding, LineIndex
from lsprotocol import types

#: A change this small (in characters, inserted or removed, on one line) is a keystroke-sized
#: edit: its syntax errors are published at once rather than after the debounce.
SMALL_EDIT_CHARS = 64


def apply_changes(
    source: str, changes: Sequence[types.TextDocumentContentChangeEvent], encoding: Encoding
) -> str:
    """``source`` after ``changes``, in order (each range is in the text its predecessors made)."""
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            index = LineIndex(source)
            rng = change.range
            start = index.offset(rng.start.line, rng.start.character, encoding)
            end = max(start, index.offset(rng.end.line, rng.end.character, encoding))
            source = source[:start] + change.text + source[end:]
        else:
            source = change.text
    return source


def is_small_edit(changes: Sequence[types.TextDocumentContentChangeEvent]) -> bool:
    """One ranged change of a few characters within a line (a keystroke, a short paste)."""
    if len(changes) != 1 or not isinstance(changes[0], types.TextDocumentContentChangePartial):
        return False
    change = changes[0]
    rng = change.range
    removed = rng.end.character - rng.start.character if rng.start.line == rng.end.line else None
    return (
        removed is not None
        and removed <= SMALL_EDIT_CHARS
        and len(change.text) <= SMALL_EDIT_CHARS
        and "\n" not in change.text
        and "\r" not in change.text
    )


def has_syntax_error(source: str, filename: str = "<file>") -> bool:
    """Whether the parser (the cheapest pass that finds one) rejects ``source``.

    After an edit of a version that compiled, only the statements it touched are checked
    (``analysis.lastgood``): a wrong answer would only change the wait, never a result.
    """
    span = lastgood.edited_statements(filename, source)
    if span is not None:
        return compile_fault(source[span[0] : span[1]], stage="symbols") is not None
    return cheap_syntax_error(source) is not None
