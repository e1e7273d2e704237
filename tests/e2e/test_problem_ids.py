"""End-to-end: each published diagnostic carries its problem's id, and code actions read it back
(as ruff does) instead of matching positions; a client that drops ``data`` still gets its fixes."""

from __future__ import annotations

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import open_document

URI = "file:///tmp/project/ids.py"
# Two problems with the same code on one line: matching by code and position alone is fragile.
TEXT = "import os, sys\n\n\ndef f(x):\n    return x\n"


async def fixes_for(
    client: LanguageClient, diagnostic: types.Diagnostic, rng: types.Range | None = None
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=rng or diagnostic.range,
            context=types.CodeActionContext(
                diagnostics=[diagnostic], only=[types.CodeActionKind.QuickFix]
            ),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_diagnostics_carry_problem_ids_that_code_actions_read_back(
    client: LanguageClient,
) -> None:
    published = await open_document(client, URI, TEXT, version=1)
    diagnostics = list(published.diagnostics)
    assert [d.code for d in diagnostics] == ["unused-import", "unused-import"]
    assert [d.data for d in diagnostics] == [
        {"problemId": 0, "version": 1},
        {"problemId": 1, "version": 1},
    ]
    for diagnostic in diagnostics:
        (action,) = await fixes_for(client, diagnostic)
        name = "os" if diagnostic.data["problemId"] == 0 else "sys"
        assert name in action.title and action.data["problem"] == diagnostic.data["problemId"]
        assert action.diagnostics == [diagnostic]
    # The id wins over the range: an editor may send a diagnostic's range as it has moved it.
    first, second = diagnostics
    moved = types.Diagnostic(
        range=second.range,
        message=first.message,
        code=first.code,
        source=first.source,
        data=first.data,
    )
    (action,) = await fixes_for(client, moved)
    assert "os" in action.title
    # Without data (a client that drops it), the problem is found by code and position.
    bare = types.Diagnostic(
        range=second.range, message=second.message, code=second.code, source=second.source
    )
    (action,) = await fixes_for(client, bare)
    assert "sys" in action.title
    # An id from another version, or for a problem of another code, matches nothing by id.
    stale = types.Diagnostic(
        range=second.range,
        message=second.message,
        code=second.code,
        source=second.source,
        data={"problemId": 0, "version": 7},
    )
    (action,) = await fixes_for(client, stale)
    assert "sys" in action.title  # the position decides, as for a client without data
