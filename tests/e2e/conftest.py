"""pytest-lsp fixtures: the real ``debugllm-lsp`` process, driven over stdio."""

from __future__ import annotations

import asyncio
import socket
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

# As ``debugllm-lsp`` starts: through ``lsp.bootstrap`` (the early initialize answer).
SERVER = [sys.executable, "-m", "debugllm.lsp"]


def vscode_capabilities(resolve: bool = True) -> types.ClientCapabilities:
    caps = client_capabilities("visual-studio-code")
    if not resolve:
        assert caps.text_document and caps.text_document.code_action
        caps.text_document.code_action.resolve_support = None
    return caps


async def start(client: LanguageClient, resolve: bool = True, options: Any = None) -> None:
    await client.initialize_session(
        types.InitializeParams(
            capabilities=vscode_capabilities(resolve),
            initialization_options=options,
            root_uri="file:///tmp",
        )
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await start(lsp_client)
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def eager_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A client without codeAction/resolve support: edits must come inline."""
    await start(lsp_client, resolve=False)
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def quiet_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """Our diagnostics switched off, as for an editor that shows another linter's."""
    await start(lsp_client, options={"debugllm": {"diagnostics": {"enable": False}}})
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def unsafe_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """The user opted in to unsafe fixes in "fix all"."""
    await start(lsp_client, options={"debugllm": {"unsafeFixes": True}})
    yield lsp_client
    await lsp_client.shutdown_session()


def free_loopback_port() -> int:
    """A TCP port nothing listens on now (for a server's environment, fixed before it starts)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def hover_at(
    client: LanguageClient, uri: str, line: int, character: int
) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=line, character=character),
        )
    )


async def wait_until(predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("timed out waiting for the server")
        await asyncio.sleep(0.02)


async def open_document(
    client: LanguageClient, uri: str, text: str, version: int = 1, settle: bool = True
) -> types.PublishDiagnosticsParams:
    """Open ``uri`` and return the diagnostics the server publishes for this version; with
    ``settle``, once the fix plans are done too (see ``settled``)."""
    received: list[types.PublishDiagnosticsParams] = []
    waiter = asyncio.ensure_future(_collect(client, uri, version, received, published(client)))
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="python", version=version, text=text
            )
        )
    )
    await asyncio.wait_for(waiter, 30)
    if settle:
        await settled(client)
    return received[-1]


async def change_document(
    client: LanguageClient, uri: str, text: str, version: int, settle: bool = True
) -> types.PublishDiagnosticsParams:
    received: list[types.PublishDiagnosticsParams] = []
    waiter = asyncio.ensure_future(_collect(client, uri, version, received, published(client)))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    await asyncio.wait_for(waiter, 30)
    if settle:
        await settled(client)
    return received[-1]


async def plans_running(client: LanguageClient) -> int:
    stats = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="debugllm.stats", arguments=[])
    )
    return int(stats["plans_running"])


async def settled(client: LanguageClient, timeout: float = 30.0) -> None:
    """Wait until no fix plan runs: code actions list only the fixes verified so far, and
    tests that check what is offered check the whole plan's offer."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while await plans_running(client):
        if loop.time() > deadline:
            raise AssertionError("the server's fix plans did not end")
        await asyncio.sleep(0.02)


def _publish_log(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every publishDiagnostics the client received since the first call, in order.

    ``wait_for_notification`` resolves only a future registered before the notification came:
    of a burst (a settings change re-publishes every open document at once) a loop of such
    waits sees the first and misses the rest, so the tests read this log instead.
    """
    log: list[types.PublishDiagnosticsParams] | None = getattr(client, "_debugllm_published", None)
    if log is None:
        log = []
        features = client.protocol.fm.features
        previous = features.get(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

        def record(params: types.PublishDiagnosticsParams) -> Any:
            log.append(params)  # type: ignore[union-attr]
            return previous(params) if previous is not None else None

        features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
        client._debugllm_published = log  # type: ignore[attr-defined]
    return log


def published(client: LanguageClient) -> int:
    """Where the next publishDiagnostics will be in the client's log (see ``_collect``)."""
    return len(_publish_log(client))


async def _collect(
    client: LanguageClient,
    uri: str,
    version: int,
    into: list[types.PublishDiagnosticsParams],
    since: int = 0,
) -> None:
    """Wait for the diagnostics of ``uri`` at ``version`` published from ``since`` on."""
    log = _publish_log(client)
    seen = since
    while True:
        for params in log[seen:]:
            if params.uri == uri and params.version == version:
                into.append(params)
                return
        seen = len(log)
        await asyncio.sleep(0.01)


def apply_text_edits(text: str, edit: types.WorkspaceEdit, version: int) -> str:
    """Apply a WorkspaceEdit the way a client does, refusing a version mismatch."""
    assert edit.document_changes, "edits must use documentChanges"
    (change,) = edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.version == version
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(pos: types.Position) -> int:
        # UTF-16 columns; the test files are ASCII except where a test converts explicitly.
        return starts[min(pos.line, len(lines))] + pos.character

    for text_edit in sorted(
        change.edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True
    ):
        assert isinstance(text_edit, types.TextEdit)
        start, end = offset(text_edit.range.start), offset(text_edit.range.end)
        text = text[:start] + text_edit.new_text + text[end:]
    return text
