"""End-to-end: settings per workspace folder, asked with ``scopeUri`` (as the Microsoft Python
tool extensions do), over stdio with the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER, open_document, vscode_capabilities, wait_until

A, B, C = "file:///tmp/ws-a", "file:///tmp/ws-b", "file:///tmp/ws-c"
TEXT = "import os\n"  # one unused-import warning
QUIET = {"debugllm": {"diagnostics": {"enable": False}}}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def folders_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    asked: list[types.ConfigurationParams] = []
    answer = lsp_client.protocol.fm.features[types.WORKSPACE_CONFIGURATION]

    def record(params: types.ConfigurationParams) -> Any:
        asked.append(params)
        return answer(params)

    lsp_client.protocol.fm.features[types.WORKSPACE_CONFIGURATION] = record
    lsp_client.asked = asked  # type: ignore[attr-defined]
    lsp_client.set_configuration(QUIET, scope_uri=B)  # folder B: our diagnostics off
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=vscode_capabilities(),
            workspace_folders=[
                types.WorkspaceFolder(uri=A, name="a"),
                types.WorkspaceFolder(uri=B, name="b"),
            ],
        )
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_each_workspace_folder_gets_its_own_settings(folders_client: LanguageClient) -> None:
    asked = folders_client.asked  # type: ignore[attr-defined]
    await wait_until(lambda: bool(asked))
    scopes = [item.scope_uri for item in asked[0].items]
    assert scopes == [None, A, B] and {i.section for i in asked[0].items} == {"debugllm"}
    in_a = await open_document(folders_client, f"{A}/m.py", TEXT)
    in_b = await open_document(folders_client, f"{B}/m.py", TEXT)
    outside = await open_document(folders_client, "file:///tmp/elsewhere/m.py", TEXT)
    assert [d.code for d in in_a.diagnostics] == ["unused-import"]
    assert list(in_b.diagnostics) == []
    assert [d.code for d in outside.diagnostics] == ["unused-import"]

    # A folder added later is asked about too, and its settings apply to its files.
    folders_client.set_configuration(QUIET, scope_uri=C)
    folders_client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=C, name="c")], removed=[]
            )
        )
    )
    await wait_until(lambda: len(asked) >= 2)
    assert C in [item.scope_uri for item in asked[-1].items]
    in_c = await open_document(folders_client, f"{C}/m.py", TEXT)
    assert list(in_c.diagnostics) == []
