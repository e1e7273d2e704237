"""Incremental document sync and the debounce that fits the work, against the real server."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER, _collect, open_document, start, vscode_capabilities

#: Long enough that anything published well before it did not wait for it.
DEBOUNCE_MS = 8000
URI = "file:///tmp/sync/doc.py"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def slow_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await start(lsp_client, options={"debugllm": {"diagnostics": {"debounceMs": DEBOUNCE_MS}}})
    yield lsp_client
    await lsp_client.shutdown_session()


def _edit(client: LanguageClient, version: int, line: int, start: int, end: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=line, character=start),
                        end=types.Position(line=line, character=end),
                    ),
                    text=text,
                )
            ],
        )
    )


async def _published(client: LanguageClient, version: int, timeout: float) -> tuple[float, list]:
    received: list[types.PublishDiagnosticsParams] = []
    started = time.monotonic()
    await asyncio.wait_for(_collect(client, URI, version, received), timeout)
    return time.monotonic() - started, list(received[-1].diagnostics)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def bare_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client  # the test initializes it, to read the result


async def test_the_server_asks_for_incremental_sync(bare_client: LanguageClient) -> None:
    result = await bare_client.initialize_session(
        types.InitializeParams(capabilities=vscode_capabilities(), root_uri="file:///tmp")
    )
    sync = result.capabilities.text_document_sync
    kind = sync.change if isinstance(sync, types.TextDocumentSyncOptions) else sync
    assert kind == types.TextDocumentSyncKind.Incremental
    await bare_client.shutdown_session()


async def test_a_keystroke_that_breaks_the_syntax_is_published_at_once(
    slow_client: LanguageClient,
) -> None:
    # A form feed is a line break to str.splitlines, not to the LSP: the edits below it must
    # land on the LSP's line (pygls's own incremental apply put them one line off). The
    # astral character counts two UTF-16 units.
    text = "x = 1\n\x0c\ndef f(a):\n    return '😀' + a\n"
    assert not (await open_document(slow_client, URI, text)).diagnostics
    waiter = asyncio.ensure_future(_published(slow_client, 2, DEBOUNCE_MS / 1000 - 2))
    await asyncio.sleep(0)
    _edit(slow_client, 2, 2, 8, 9, "")  # delete the colon of `def f(a):` (LSP line 2)
    elapsed, diagnostics = await waiter
    assert elapsed < DEBOUNCE_MS / 1000 / 2, elapsed  # not after the debounce
    assert [(d.code, d.range.start.line) for d in diagnostics] == [("syntax-error", 2)]
    # Fixing it is a change that parses: published after the configured debounce only.
    waiter = asyncio.ensure_future(_published(slow_client, 3, DEBOUNCE_MS / 1000 + 20))
    await asyncio.sleep(0)
    _edit(slow_client, 3, 2, 8, 8, ":")
    elapsed, diagnostics = await waiter
    assert elapsed >= DEBOUNCE_MS / 1000 * 0.9, elapsed
    assert diagnostics == []


async def test_incremental_edits_after_astral_characters_use_utf16_columns(
    slow_client: LanguageClient,
) -> None:
    text = "s = '😀'; t = s +\n"  # a syntax error: published at once on open
    first = await open_document(slow_client, URI, text)
    assert first.diagnostics
    # "+" is at code point 15, UTF-16 column 16: delete it so the line becomes valid again.
    waiter = asyncio.ensure_future(_published(slow_client, 2, DEBOUNCE_MS / 1000 + 20))
    await asyncio.sleep(0)
    _edit(slow_client, 2, 0, 16, 17, "")
    _, diagnostics = await waiter
    assert diagnostics == [], diagnostics
