"""Incremental content changes, applied on the LSP's lines (lsp/sync.py)."""

from debugllm.lsp.sync import apply_changes, is_small_edit
from lsprotocol import types
from pygls.workspace import TextDocument


def _change(line: int, start: int, end: int, text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=line, character=end),
        ),
        text=text,
    )


def test_a_form_feed_is_not_a_line_break() -> None:
    text = "x = 1\n\x0c\ndef f(a):\n    return 1\n"
    colon = _change(2, 8, 9, "")
    assert apply_changes(text, [colon], "utf-16") == "x = 1\n\x0c\ndef f(a)\n    return 1\n"
    # pygls's own apply counts str.splitlines lines and misses the colon.
    document = TextDocument("file:///x.py", text, sync_kind=types.TextDocumentSyncKind.Incremental)
    document.apply_change(colon)
    assert document.source == text


def test_changes_apply_in_order_with_the_negotiated_encoding() -> None:
    text = "s = '😀' + t\r\nu = 2\n"
    changes = [
        _change(0, 11, 12, "v"),  # UTF-16: the emoji is two units, so 't' is at 11
        types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=0, character=12), end=types.Position(line=1, character=0)
            ),
            text="\n",
        ),
        types.TextDocumentContentChangeWholeDocument(text="a = 1\n"),
        _change(0, 4, 5, "2"),
    ]
    assert apply_changes(text, changes[:2], "utf-16") == "s = '😀' + v\nu = 2\n"
    assert apply_changes(text, [_change(0, 10, 11, "v")], "utf-32") == "s = '😀' + v\r\nu = 2\n"
    assert apply_changes(text, changes, "utf-16") == "a = 2\n"


def test_a_small_edit_is_one_short_change_within_a_line() -> None:
    assert is_small_edit([_change(3, 4, 5, "")])
    assert is_small_edit([_change(3, 4, 4, "x" * 64)])
    assert not is_small_edit([_change(3, 4, 4, "x" * 65)])
    assert not is_small_edit([_change(3, 4, 4, "a\nb")])
    assert not is_small_edit([_change(3, 4, 5, ""), _change(4, 0, 1, "")])
    assert not is_small_edit([types.TextDocumentContentChangeWholeDocument(text="x")])
    span = types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=1, character=0), end=types.Position(line=2, character=0)
        ),
        text="",
    )
    assert not is_small_edit([span])
