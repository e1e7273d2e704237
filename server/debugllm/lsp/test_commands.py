"""The editor's test commands: "Fix failing test" and "Explain traceback".

``debugllm.tests.fix`` runs the test command the user gave (only then: never on open or save)
through ``debugllm.oracle`` on a temporary copy of the workspace, publishes the failure as a
``test-failure`` diagnostic on the innermost frame of the user's code, and offers the fix the
tests verified: it is unsafe, so the user is asked (``window/showMessageRequest``) before it is
applied with ``workspace/applyEdit``, unless they opted in to unsafe fixes. ``debugllm.tests.
explain`` reads a pasted traceback and publishes the same diagnostic without running anything.
Both answer a JSON object (the command line's ``--json`` shape).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from debugllm.lsp import opened
from debugllm.text import LineIndex
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path
from pygls.workspace import Workspace

if TYPE_CHECKING:
    from debugllm.lsp.documents import DocumentState
    from debugllm.lsp.model_actions import ModelActions
    from debugllm.oracle.search import TestFix, TestRepair
    from debugllm.pipeline import FixPipeline
    from debugllm.settings import Settings
    from debugllm.text import Encoding

log = logging.getLogger("debugllm.lsp.tests")

FIX_COMMAND = "debugllm.tests.fix"
EXPLAIN_COMMAND = "debugllm.tests.explain"
APPLY = "Apply fix"
DEFAULT_TEST_COMMAND = "python -m pytest -x"


class TestCommandsHost(Protocol):
    """What the commands need of the language server (``lsp.server``, which imports this
    module): its documents, settings and model, and the LSP messages it sends."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def states(self) -> dict[str, DocumentState]: ...

    @property
    def model_actions(self) -> ModelActions: ...

    @property
    def encoding(self) -> Encoding: ...

    def settings_for(self, path: str) -> tuple[Settings, FixPipeline]: ...

    def publish(self, state: DocumentState) -> None: ...

    def text_document_publish_diagnostics(self, params: types.PublishDiagnosticsParams) -> None: ...

    def window_log_message(self, params: types.LogMessageParams) -> None: ...

    def window_show_message(self, params: types.ShowMessageParams) -> None: ...

    async def window_show_message_request_async(
        self, params: types.ShowMessageRequestParams
    ) -> types.MessageActionItem | None: ...

    async def workspace_apply_edit_async(
        self, params: types.ApplyWorkspaceEditParams
    ) -> types.ApplyWorkspaceEditResult: ...


class TestCommands:
    """The test diagnostics per URI (kept until the next run) and the two commands."""

    __test__ = False  # not a pytest test class

    def __init__(self, server: TestCommandsHost) -> None:
        self.server = server
        self._diagnostics: dict[str, list[types.Diagnostic]] = {}

    def diagnostics(self, uri: str) -> list[types.Diagnostic]:
        """The test diagnostics of ``uri``, published with its analysis."""
        return list(self._diagnostics.get(uri, ()))

    def _root(self, given: Any) -> Path:
        if isinstance(given, str) and given:
            return Path(given)
        root = self.server.workspace.root_path
        return Path(root) if root else Path.cwd()

    def _publish(self, found: dict[str, list[types.Diagnostic]]) -> None:
        for uri in set(self._diagnostics) | set(found):
            self._diagnostics[uri] = found.get(uri, [])
            state = self.server.states.get(uri)
            if state is not None:
                self.server.publish(state)  # with the analysis' own diagnostics
            else:
                self.server.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(uri=uri, diagnostics=self._diagnostics[uri])
                )
            if not self._diagnostics[uri]:
                del self._diagnostics[uri]

    def _diagnostic(self, raw: dict[str, Any]) -> types.Diagnostic:
        start, end = raw["range"]["start"], raw["range"]["end"]
        return types.Diagnostic(
            range=types.Range(
                types.Position(start["line"], start["character"]),
                types.Position(end["line"], end["character"]),
            ),
            message=raw["message"],
            severity=types.DiagnosticSeverity.Error,
            code=raw["code"],
            source="debugllm",
        )

    async def explain(self, args: dict[str, Any]) -> dict[str, Any]:
        text = args.get("traceback")
        if not isinstance(text, str) or not text.strip():
            return {"diagnostics": [], "message": "paste a traceback to explain"}
        # The test oracle loads on first use: the server's start does not pay for it.
        from debugllm.oracle.failure import parse_failure
        from debugllm.oracle.report import diagnostic
        from debugllm.oracle.search import explain_failure

        root = self._root(args.get("cwd"))
        failure = parse_failure(text)
        location = explain_failure(failure, root)
        if location is None:
            message = "the traceback names no file of this workspace"
            self._message(types.MessageType.Info, message)
            return {"diagnostics": [], "message": message, "exception": failure.exception}
        raw = diagnostic(failure, *location)
        self._publish({from_fs_path(str(location[0])) or "": [self._diagnostic(raw)]})
        return {
            "path": str(location[0]),
            "diagnostics": [raw],
            "exception": failure.exception,
            "message": failure.message,
        }

    async def fix(self, args: dict[str, Any]) -> dict[str, Any]:
        from debugllm.oracle.model import model_proposer, run_on
        from debugllm.oracle.report import diagnostic, result_json
        from debugllm.oracle.runner import RunnerError
        from debugllm.oracle.search import TestRepair

        command = args.get("command") or DEFAULT_TEST_COMMAND
        root = self._root(args.get("cwd"))
        settings, _ = self.server.settings_for(str(root / "pyproject.toml"))
        started = time.monotonic()
        self._message(types.MessageType.Log, f"DebugLLM: running {command} in {root}")
        try:
            model = self.server.model_actions.source
            propose = model_proposer(model, run_on(asyncio.get_running_loop())) if model else None
            repair = TestRepair(
                root, str(command), settings.repair.test_budget_ms / 1000, propose=propose
            )
            result = await asyncio.to_thread(_run_with_model, repair)
        except RunnerError as error:
            self._message(types.MessageType.Error, f"DebugLLM: {error}")
            return {"diagnostics": [], "fixes": [], "message": str(error)}
        found: dict[str, list[types.Diagnostic]] = {}
        if result.location is not None:
            raw = diagnostic(result.failure, *result.location)
            uri = from_fs_path(str(result.location[0])) or ""
            found.setdefault(uri, []).append(self._diagnostic(raw))
        self._publish(found)
        applied = False
        fix = result.fix
        if fix is not None:
            applied = await self._offer(fix, settings.unsafe_fixes)
            if applied:
                self._publish({})
        elif not result.passed:
            self._message(types.MessageType.Info, f"DebugLLM: {result.message}")
        answer = result_json(result, applied, (time.monotonic() - started) * 1000)
        if fix is not None:
            answer["fixes"][0]["edits"] = [self._edit_json(fix)]
        return answer

    async def _offer(self, fix: TestFix, opted_in: bool) -> bool:
        """Ask before applying (the fix is unsafe), unless the user opted in."""
        from debugllm.oracle.report import explanation

        if not opted_in:
            choice = await self.server.window_show_message_request_async(
                types.ShowMessageRequestParams(
                    type=types.MessageType.Info,
                    message=f"DebugLLM: {explanation(fix)} Apply it? (unsafe: review the change)",
                    actions=[types.MessageActionItem(APPLY), types.MessageActionItem("Dismiss")],
                )
            )
            if choice is None or choice.title != APPLY:
                return False
        current = self._current_text(fix.path)
        if current != fix.original:
            self._message(
                types.MessageType.Warning,
                f"DebugLLM: {fix.path} changed since the tests ran; the fix is not applied",
            )
            return False
        uri = from_fs_path(str(fix.path)) or ""
        state = self.server.states.get(uri)
        edit = types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=state.version if state else None
                    ),
                    edits=[self._edit(fix)],
                )
            ]
        )
        answer = await self.server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="DebugLLM: fix verified by tests")
        )
        return bool(answer and answer.applied)

    def _current_text(self, path: Path) -> str | None:
        uri = from_fs_path(str(path)) or ""
        document = opened.text_document(self.server.workspace, uri)
        if document is not None:
            return str(document.source)
        try:
            from debugllm.sourcefile import SourceError, read_source

            return read_source(str(path), force_python=True).text
        except SourceError:
            return None

    def _edit(self, fix: TestFix) -> types.TextEdit:
        index = LineIndex(fix.original)
        encoding = self.server.encoding
        start = index.position(fix.mutation.start, encoding)
        end = index.position(fix.mutation.end, encoding)
        return types.TextEdit(
            range=types.Range(types.Position(*start), types.Position(*end)),
            new_text=fix.mutation.new_text,
        )

    def _edit_json(self, fix: TestFix) -> dict[str, Any]:
        edit = self._edit(fix)
        return {
            "range": {
                "start": {"line": edit.range.start.line, "character": edit.range.start.character},
                "end": {"line": edit.range.end.line, "character": edit.range.end.character},
            },
            "newText": edit.new_text,
        }

    def _message(self, kind: types.MessageType, text: str) -> None:
        if kind == types.MessageType.Log:
            self.server.window_log_message(types.LogMessageParams(type=kind, message=text))
        else:
            self.server.window_show_message(types.ShowMessageParams(type=kind, message=text))


def _run_with_model(repair: TestRepair) -> Any:
    from debugllm.repair.plausibility import TokenModel

    repair.model = TokenModel.load()
    return repair.run()


def _arguments(args: tuple[Any, ...]) -> dict[str, Any]:
    """``[{"command": ...}]``, ``["pytest -x"]`` or nothing."""
    first = args[0] if args else {}
    if isinstance(first, str):
        return {"command": first, "traceback": first}
    return dict(first) if isinstance(first, dict) else {}


def register_test_commands(server: LanguageServer, commands: Callable[[], TestCommands]) -> None:
    """Add the two commands to ``server`` (called once, where the server is made); ``commands``
    gives the server's ``TestCommands``."""

    @server.command(FIX_COMMAND)
    async def on_fix(*args: Any) -> dict[str, Any]:
        return await commands().fix(_arguments(args))

    @server.command(EXPLAIN_COMMAND)
    async def on_explain(*args: Any) -> dict[str, Any]:
        return await commands().explain(_arguments(args))
