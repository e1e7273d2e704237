"""Notebooks over LSP 3.17 notebook document sync, against the real server process.

A notebook's Python cells are one program: names from earlier cells are known, each cell gets
its own diagnostics, and quick fixes and hovers are asked and answered in the cell's coordinates.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    SERVER,
    apply_text_edits,
    hover_at,
    settled,
    vscode_capabilities,
    wait_until,
)

NOTEBOOK = "file:///tmp/debugllm-notebook/analysis.ipynb"
CELLS = {
    # Quoted as VS Code sends them (pygls keys its documents unquoted).
    f"vscode-notebook-cell:/tmp/debugllm-notebook/analysis.ipynb#W{i}sZmlsZQ%3D%3D": text
    for i, text in enumerate(
        [
            "import math\nradius = 2\n",
            "%matplotlib inline\nfor i in range(3)\n    print(i * radius)",
            "# Notes (a markdown cell)",
            "!pip list\ndisplay(math.pi * radius)\nprint(raduis)\n",
        ],
        start=1,
    )
}
URIS = list(CELLS)
MARKDOWN = URIS[2]


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    # VS Code's language client announces notebook sync (pytest-lsp's VS Code profile does not).
    capabilities = vscode_capabilities()
    capabilities.notebook_document = types.NotebookDocumentClientCapabilities(
        synchronization=types.NotebookDocumentSyncClientCapabilities(execution_summary_support=True)
    )
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities, root_uri="file:///tmp")
    )
    sync = result.capabilities.notebook_document_sync
    assert isinstance(sync, types.NotebookDocumentSyncOptions)
    (selector,) = sync.notebook_selector
    assert isinstance(selector, types.NotebookDocumentFilterWithNotebook)
    assert selector.cells and [c.language for c in selector.cells] == ["python"]
    yield lsp_client
    await lsp_client.shutdown_session()


def open_notebook(client: LanguageClient) -> None:
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=NOTEBOOK,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[
                    types.NotebookCell(
                        kind=types.NotebookCellKind.Markup
                        if uri == MARKDOWN
                        else types.NotebookCellKind.Code,
                        document=uri,
                    )
                    for uri in URIS
                ],
            ),
            cell_text_documents=[
                types.TextDocumentItem(
                    uri=uri,
                    language_id="markdown" if uri == MARKDOWN else "python",
                    version=1,
                    text=text,
                )
                for uri, text in CELLS.items()
            ],
        )
    )


def insert_in_cell(
    client: LanguageClient, uri: str, at: types.Position, text: str, version: int
) -> None:
    """An edit of one cell as VS Code sends it: a range, even to a Full-sync server."""
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(
                version=version, uri=NOTEBOOK
            ),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(
                                uri=uri, version=version
                            ),
                            changes=[
                                types.TextDocumentContentChangePartial(
                                    range=types.Range(start=at, end=at), text=text
                                )
                            ],
                        )
                    ]
                )
            ),
        )
    )


def diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    return list(client.diagnostics.get(uri, []))


async def test_cells_of_one_notebook_are_one_program(client: LanguageClient) -> None:
    open_notebook(client)
    cell1, cell2, _, cell4 = URIS
    await wait_until(lambda: any(d.code == "syntax-error" for d in diagnostics(client, cell2)))

    # The missing colon is on the cell's own line 2 (0-based 1), nowhere else; the magic
    # and the shell escape are not errors.
    (error,) = diagnostics(client, cell2)
    assert error.message == "expected ':'"
    assert error.range.start.line == 1
    assert diagnostics(client, cell1) == [] and diagnostics(client, cell4) == []
    assert MARKDOWN not in client.diagnostics

    hover = await hover_at(client, cell2, 1, error.range.start.character)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "line 2 of this cell" in hover.contents.value
    assert hover.range is not None and hover.range.start.line == 1

    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell2),
            range=error.range,
            context=types.CodeActionContext(diagnostics=[error]),
        )
    )
    assert actions
    fix = next(a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred)
    assert fix.title.startswith("DebugLLM: Insert missing ':'")
    assert fix.edit is not None and fix.edit.document_changes
    (change,) = fix.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == cell2  # the cell, never the notebook or another cell
    fixed = apply_text_edits(CELLS[cell2], fix.edit, version=1)
    assert fixed == "%matplotlib inline\nfor i in range(3):\n    print(i * radius)"

    # Once the notebook parses, the static checks run across cells: `radius` and `math`
    # (cell 1) and `display` (IPython) are known, the typo in cell 4 is reported there.
    (colon,) = change.edits
    assert isinstance(colon, types.TextEdit) and colon.new_text == ":"
    insert_in_cell(client, cell2, colon.range.start, ":", version=2)
    await wait_until(lambda: any(d.code == "undefined-name" for d in diagnostics(client, cell4)))
    assert diagnostics(client, cell2) == [] and diagnostics(client, cell1) == []
    (typo,) = diagnostics(client, cell4)
    assert "raduis" in typo.message and typo.range.start.line == 2
    await settled(client)  # code actions list only the fixes verified so far
    rename = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=cell4),
            range=typo.range,
            context=types.CodeActionContext(diagnostics=[typo]),
        )
    )
    assert rename
    edit = next(a for a in rename if isinstance(a, types.CodeAction) and a.edit).edit
    assert edit is not None
    renamed = apply_text_edits(CELLS[cell4], edit, version=1)
    assert renamed.endswith("print(radius)\n")

    client.notebook_document_did_close(
        types.DidCloseNotebookDocumentParams(
            notebook_document=types.NotebookDocumentIdentifier(uri=NOTEBOOK),
            cell_text_documents=[types.TextDocumentIdentifier(uri=u) for u in URIS],
        )
    )
    await wait_until(lambda: diagnostics(client, cell4) == [])
    await asyncio.sleep(0.1)
    assert all(diagnostics(client, uri) == [] for uri in URIS if uri != MARKDOWN)
