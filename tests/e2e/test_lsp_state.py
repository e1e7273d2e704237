"""End-to-end: the server's per-document state under abuse (issue 15), over stdio.

A document closed and reopened at the same version with other text, forged resolve data,
stale requests: the real ``debugllm-lsp`` process, driven by pytest-lsp.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import apply_text_edits, open_document


def _big_text_with_an_error() -> str:
    # The error sits at the start so that its fix's offsets fall inside the short text too: a fix
    # carried over to the new text would corrupt it instead of failing to apply.
    lines = ["for i in range(3)\n", "    print(i)\n"]
    n = 0
    while len(lines) < 12_000:
        lines += [f"def f{n}(x):\n", f"    return x + {n}\n"]
        n += 1
    return "".join(lines)


BIG = _big_text_with_an_error()
SHORT = "total = 1234567890\nprint(total)\n"
#: 20 runs: close and reopen at these delays after opening the big text (its analysis takes
#: ~0.2 s, so every delay lands while it is still running).
DELAYS_MS = [0, 5, 20, 50, 100] * 4


def _item(uri: str, text: str, version: int = 1) -> types.DidOpenTextDocumentParams:
    return types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(
            uri=uri, language_id="python", version=version, text=text
        )
    )


def _whole(text: str) -> types.Range:
    end = types.Position(line=text.count("\n") + 1, character=0)
    return types.Range(start=types.Position(line=0, character=0), end=end)


def _record_publications(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every publishDiagnostics, in order (``wait_for_notification`` misses one that arrives
    with another in the same read; pytest-lsp keeps only the last per URI)."""
    features = client.protocol.fm.features
    original = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    published: list[types.PublishDiagnosticsParams] = []

    def record(params: types.PublishDiagnosticsParams) -> Any:
        published.append(params)
        return original(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    return published


async def test_a_reopened_document_never_gets_the_old_texts_diagnostics_or_fixes(
    client: LanguageClient,
) -> None:
    publications = _record_publications(client)
    for run, delay_ms in enumerate(DELAYS_MS):
        uri = f"file:///tmp/project/reopen_{run}.py"
        client.text_document_did_open(_item(uri, BIG))
        await asyncio.sleep(delay_ms / 1000)
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        client.text_document_did_open(_item(uri, SHORT))
        # The server answers in order: this request's answer comes after the reopen was
        # handled, and it waits for the analysis of the text it sees.
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=_whole(SHORT),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        for action in actions or []:
            assert isinstance(action, types.CodeAction)
            resolved = await client.code_action_resolve_async(action)
            assert resolved.edit is not None
            fixed = apply_text_edits(SHORT, resolved.edit, version=1)
            pytest.fail(f"run {run} ({delay_ms} ms): a fix for the old text: {fixed!r}")
        # Let the old text's analysis finish: whatever it yields must never be published.
        await asyncio.sleep(0.4)
        published = [p for p in publications if p.uri == uri]
        # The close clears the diagnostics (no version); everything after it is for SHORT.
        closes = [i for i, p in enumerate(published) if p.version is None]
        assert closes, f"run {run}: the close published nothing"
        after = published[closes[-1] + 1 :]
        assert after, f"run {run} ({delay_ms} ms): no diagnostics for the reopened text"
        for params in after:
            assert params.diagnostics == [], (
                f"run {run} ({delay_ms} ms): the old text's diagnostics published for the new "
                f"one: {[d.message for d in params.diagnostics]}"
            )


MISSING_COLON = "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n"


#: Resolve data a client could forge: Python would index from the end (-1), coerce ("0", 0.5) or
#: take a bool for an int; each must be refused, not resolved to some real fix.
FORGED: list[dict[str, object]] = [
    {"problem": -1},
    {"problem": 0.5},
    {"problem": "0"},
    {"problem": True},
    {"problem": False},
    {"problem": 10**6},
    {"problem": None},
    {"rank": -1},
    {"rank": 0.0},
    {"rank": "0"},
    {"rank": True},
    {"rank": False},
    {"rank": 2**63},
    {"version": True},
    {"version": "1"},
]


async def test_forged_resolve_data_is_refused_as_invalid_params(client: LanguageClient) -> None:
    uri = "file:///tmp/project/forged.py"
    await open_document(client, uri, MISSING_COLON, version=1)
    genuine: dict[str, object] = {"uri": uri, "version": 1, "problem": 0, "rank": 0}
    resolved = await client.code_action_resolve_async(
        types.CodeAction(title="DebugLLM", kind="quickfix", data=dict(genuine))
    )
    assert resolved.edit is not None, "the genuine data resolves"
    resolved_forged = []
    for forged in FORGED:
        try:
            await client.code_action_resolve_async(
                types.CodeAction(title="DebugLLM", kind="quickfix", data={**genuine, **forged})
            )
        except JsonRpcException as exc:
            assert exc.code == types.ErrorCodes.InvalidParams, (forged, exc)
        else:
            resolved_forged.append(forged)
    assert resolved_forged == [], "forged data resolved to a fix"
