"""End to end over LSP: "Fix failing test" and "Explain traceback" on a real project.

The real server process, a pytest-lsp client that answers the server's question ("Apply fix")
and applies the workspace edit to the file on disk, and the project's own tests run before and
after: red, then green.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import SERVER, start
from tests.oracle_projects import (
    CALC,
    CALC_COMMAND,
    digests,
    flipped_operator_project,
    leftover_workers,
    run_tests,
)


def apply_to_disk(edit: types.WorkspaceEdit) -> None:
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        path = Path(change.text_document.uri.removeprefix("file://"))
        lines = path.read_text().splitlines(keepends=True)
        for text_edit in change.edits:
            assert isinstance(text_edit, types.TextEdit)
            start, end = text_edit.range.start, text_edit.range.end
            assert start.line == end.line
            line = lines[start.line]
            lines[start.line] = line[: start.character] + text_edit.new_text + line[end.character :]
        path.write_text("".join(lines))


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def test_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    # A generous budget: the search stops at its first verified fix, and CI machines are busy.
    await start(lsp_client, options={"debugllm": {"repair": {"testBudgetMs": 60000}}})
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_fix_failing_test_offers_applies_and_the_test_goes_green(
    test_client: LanguageClient, tmp_path: Path
) -> None:
    root = flipped_operator_project(tmp_path / "lsp-test-project")
    assert run_tests(root, "tests") != 0
    before = digests(root)
    asked: list[str] = []
    during_search: list[dict[str, str]] = []
    test_uri = (root / "tests" / "test_calc.py").as_uri()
    shown: list[types.Diagnostic] = []

    @test_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def on_question(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        asked.append(params.message)
        during_search.append(digests(root))  # the search is over: nothing of the user's changed
        shown.extend(test_client.diagnostics.get(test_uri) or [])  # published before the offer
        return types.MessageActionItem(title="Apply fix")

    @test_client.feature(types.WORKSPACE_APPLY_EDIT)
    def on_apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        apply_to_disk(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    command = CALC_COMMAND
    result: Any = await test_client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="debugllm.tests.fix", arguments=[{"command": command, "cwd": str(root)}]
        )
    )

    assert any(d.code == "test-failure" and "assert -1 == 3" in d.message for d in shown)
    assert test_client.diagnostics.get(test_uri) == []  # fixed: the failure is withdrawn
    assert result["diagnostics"][0]["range"]["start"]["line"] == 4  # `assert add(1, 2) == 3`
    fix = result["fixes"][0]
    assert fix["applicability"] == "unsafe" and fix["verified_by"] == "tests"
    assert fix["applied"] is True
    assert fix["edits"][0]["newText"] == "+"
    assert asked and "verified by tests" in asked[0]
    assert during_search == [before]
    assert (root / "calc.py").read_text() == CALC.replace("a - b", "a + b")
    assert run_tests(root, "tests") == 0
    assert leftover_workers(root.name) == []


async def test_dismissed_fix_is_not_applied(test_client: LanguageClient, tmp_path: Path) -> None:
    root = flipped_operator_project(tmp_path / "lsp-test-project")
    before = digests(root)

    @test_client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def on_question(params: types.ShowMessageRequestParams) -> types.MessageActionItem:
        return types.MessageActionItem(title="Dismiss")

    command = CALC_COMMAND
    result: Any = await test_client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="debugllm.tests.fix", arguments=[{"command": command, "cwd": str(root)}]
        )
    )
    assert result["fixes"][0]["applied"] is False
    assert digests(root) == before


async def test_explain_traceback_publishes_the_diagnostic_without_running_anything(
    test_client: LanguageClient, tmp_path: Path
) -> None:
    root = flipped_operator_project(tmp_path / "lsp-test-project")
    ran = subprocess.run(
        [sys.executable, "prog.py"], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert "ZeroDivisionError" in ran.stderr
    result: Any = await test_client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="debugllm.tests.explain",
            arguments=[{"traceback": ran.stderr, "cwd": str(root)}],
        )
    )
    assert result["exception"] == "ZeroDivisionError"
    diagnostic = result["diagnostics"][0]
    assert diagnostic["range"]["start"]["line"] == 1  # `return a / b`, in ratio
    assert "ZeroDivisionError: division by zero in ratio" in diagnostic["message"]
    published = test_client.diagnostics.get((root / "prog.py").as_uri()) or []
    assert [d.code for d in published] == ["test-failure"]
