"""End-to-end: documents whose URI is percent-encoded (a folder with a space, as VS Code sends
``file:///home/u/my%20project/a.py``). pygls keys its documents by the *unquoted* URI; the
server must find them under the URI the client sent, and answer with that same URI."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import apply_text_edits, change_document, hover_at, open_document
from tests.e2e.test_lsp import FIXED_COLON, MISSING_COLON, quick_fixes

QUOTED = "file:///tmp/my%20project/caf%C3%A9.py"


async def test_a_quoted_uri_gets_diagnostics_fixes_and_hover(client: LanguageClient) -> None:
    published = await open_document(client, QUOTED, MISSING_COLON, version=1)
    assert published.uri == QUOTED
    (diagnostic,) = published.diagnostics
    assert diagnostic.code == "syntax-error"

    actions = await quick_fixes(client, QUOTED, [diagnostic])
    assert actions and actions[0].is_preferred
    resolved = await client.code_action_resolve_async(actions[0])
    assert resolved.edit is not None
    (change,) = resolved.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == QUOTED
    assert apply_text_edits(MISSING_COLON, resolved.edit, version=1) == FIXED_COLON

    start = diagnostic.range.start
    hover = await hover_at(client, QUOTED, start.line, start.character)
    assert hover is not None

    after = await change_document(client, QUOTED, FIXED_COLON, version=2)
    assert after.uri == QUOTED and after.diagnostics == []
