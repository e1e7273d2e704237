"""The DebugLLM language server (pygls 2.x).

``DebugLLMServer`` holds the session (settings, open documents, their analyses); every LSP
feature is registered at the end of this module, in one place, with thin handlers. Documents are
analysed by ``debugllm.analysis``, fixes planned by ``debugllm.pipeline``; per document and
version the server keeps one ``lsp.documents.DocumentState`` (an ``Analysis`` and a background
``FixPlan`` task), so listing code actions and hovering read what is already computed. The
embedded engine's code actions are ``lsp.code_actions``, the remote model's ("Fix this function
with DebugLLM") ``lsp.model_actions``, which the server hands only a notifier (itself) and, per
request, the document state with its pipeline and settings. Imports run one way: server ->
model_actions, code_actions -> documents.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, BinaryIO

from debugllm import __version__, logs
from debugllm.analysis.analyzer import Analysis
from debugllm.config import ProjectConfig, project_config
from debugllm.lsp import code_actions, convert, notebooks, opened, sync
from debugllm.lsp.code_actions import FIX_ALL_KIND, is_index, wants
from debugllm.lsp.documents import DocumentState
from debugllm.lsp.leaks import forget_finished_handlers
from debugllm.lsp.model_actions import STATUS_NOTIFICATION, ModelActions
from debugllm.lsp.protocol import DebugLLMProtocol, start_server
from debugllm.lsp.test_commands import TestCommands, register_test_commands
from debugllm.pipeline import FixPipeline, FixPlan, load_repair_engines
from debugllm.remote.stats import Stats
from debugllm.settings import Settings, load_settings
from debugllm.text import Encoding, LineIndex
from lsprotocol import types
from pygls import uris
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

log = logging.getLogger("debugllm.lsp")

SECTION = "debugllm"
STATS_COMMAND = "debugllm.stats"


class DebugLLMServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "debugllm",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=notebooks.SYNC_OPTIONS,
            protocol_cls=DebugLLMProtocol,
        )
        self.notebooks = notebooks.Notebooks(self)
        forget_finished_handlers(self.protocol)  # pygls 2.1.1 keeps one per notification
        self.settings = Settings()
        #: The editor's ``debugllm`` section as sent; a project's ``pyproject.toml`` lies under it.
        self.raw_settings: dict[str, Any] = {}
        #: The section per workspace folder (``workspace/configuration`` with its ``scopeUri``),
        #: by the folder's path; a folder the client answered ``null`` for is absent.
        self.folder_settings: dict[str, dict[str, Any]] = {}
        #: Settings and pipeline per workspace folder and project file (``None``: none), for this
        #: session's editor settings; emptied when they change.
        self._projects: dict[tuple[str | None, str | None, int], tuple[Settings, FixPipeline]] = {}
        self._reported: set[str] = set()
        self.stats = Stats()
        self.model_actions = ModelActions(self, self.stats)
        #: "Fix failing test", "Explain traceback" (lsp/test_commands.py)
        self.test_commands: TestCommands = TestCommands(self)
        self._progress_ids = itertools.count(1)
        self.pipeline = self._make_pipeline(self.settings)
        self.states: dict[str, DocumentState] = {}
        self._debounced: dict[str, asyncio.Task[None]] = {}
        #: The opening of each open URI (see ``opened``); keys the computations with the version.
        self._generations: dict[str, int] = {}
        self._next_generation = itertools.count(1)
        self._computing: dict[tuple[str, int, int], asyncio.Future[DocumentState]] = {}
        #: Fix plans under way (``debugllm.stats``: code actions list only what is ready).
        self.plans_running = 0

    # --- settings ---------------------------------------------------------------------------

    def _make_pipeline(self, settings: Settings) -> FixPipeline:
        return FixPipeline.for_settings(settings, self.model_actions.source)

    def apply_settings(self, raw: Any) -> None:
        if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
            raw = raw[SECTION]
        settings, problems = load_settings(raw if raw is not None else {})
        self.raw_settings = dict(raw) if isinstance(raw, dict) else {}
        self._reported.update(problems)  # not again for each project that inherits them
        self.warn_settings("invalid settings, using defaults for", problems)
        logging.getLogger("debugllm").setLevel(settings.log_level.upper())
        changed = settings != self.settings
        endpoint_changed = settings.endpoint != self.settings.endpoint or (
            self.model_actions.source is None and settings.endpoint.enabled
        )
        self.settings = settings
        if endpoint_changed:
            self.model_actions.configure(settings.endpoint)
        if changed or endpoint_changed:
            self.pipeline = self._make_pipeline(settings)
            self.reanalyse()

    def reanalyse(self) -> None:
        """Settings changed: forget every computed state and analyse the open documents again."""
        self._projects.clear()
        self.states.clear()
        for uri in opened.open_uris(self.workspace):
            self.schedule(uri, delay=0.0)

    def apply_folder_settings(self, by_folder: dict[str, dict[str, Any]]) -> None:
        """The section per workspace folder (the model endpoint stays the session's)."""
        if by_folder != self.folder_settings:
            self.folder_settings = by_folder
            self.reanalyse()

    def folder_of(self, path: str) -> str | None:
        """The innermost workspace folder with its own settings that holds ``path``."""
        inside = [
            folder
            for folder in self.folder_settings
            if path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)
        ]
        return max(inside, key=len) if inside else None

    def settings_for(self, path: str) -> tuple[Settings, FixPipeline]:
        """The settings and pipeline for a file: its project's ``pyproject.toml`` under the
        editor's settings for its workspace folder (else the session's), which win."""
        folder = self.folder_of(path) if path else None
        project = project_config(path) if path else ProjectConfig()
        if project.path is None and folder is None:
            return self.settings, self.pipeline
        # The config object lives while the file is unchanged.
        key = (folder, project.path, id(project))
        known = self._projects.get(key)
        if known is not None:
            return known
        raw = self.folder_settings[folder] if folder is not None else self.raw_settings
        settings, problems = load_settings(raw, project.settings)
        new = [p for p in (*project.problems, *problems) if p not in self._reported]
        self._reported.update(new)
        self.warn_settings(f"ignored in {project.path or folder}", new)
        entry = (settings, self._make_pipeline(settings))
        self._projects = {k: v for k, v in self._projects.items() if k[:2] != key[:2]}
        self._projects[key] = entry
        return entry

    def warn_settings(self, headline: str, problems: Sequence[str]) -> None:
        """Settings that were ignored: a log line each and one message the user sees."""
        for problem in problems:
            log.warning("bad setting: %s", problem)
        if problems:
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Warning,
                    message=f"DebugLLM: {headline}: " + "; ".join(problems),
                )
            )

    async def pull_configuration(self) -> None:
        """Ask for the section once for the session and once per workspace folder (its
        ``scopeUri``), as the Python tool extensions do: folders may differ."""
        capabilities = self.client_capabilities.workspace
        if not (capabilities and capabilities.configuration):
            return
        folders = list(self.workspace.folders.values())
        items = [types.ConfigurationItem(section=SECTION)] + [
            types.ConfigurationItem(scope_uri=f.uri, section=SECTION) for f in folders
        ]
        try:
            result = await self.workspace_configuration_async(types.ConfigurationParams(items))
        except Exception:  # a client that fails the request keeps the settings we have
            log.exception("workspace/configuration failed")
            return
        answers = list(result or [])
        if answers and answers[0] is not None:
            self.apply_settings(answers[0])
        by_folder: dict[str, dict[str, Any]] = {}
        for folder, raw in zip(folders, answers[1:], strict=False):
            if isinstance(raw, dict) and isinstance(raw.get(SECTION), dict):
                raw = raw[SECTION]
            # The same as the session's: nothing of the folder's own (a client that ignores
            # scopeUri answers every item alike).
            if isinstance(raw, dict) and raw != self.raw_settings:
                by_folder[uris.to_fs_path(folder.uri) or folder.uri] = dict(raw)
        self.apply_folder_settings(by_folder)

    # --- what the model actions tell the client (lsp.model_actions.Notifier) ------------------

    def notify_status(self, status: dict[str, str]) -> None:
        self.protocol.notify(STATUS_NOTIFICATION, status)

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=level, message=message))

    def show(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        self.window_show_message(types.ShowMessageParams(type=level, message=message))

    async def begin_progress(self, title: str, message: str, on_cancel: Callable[[], None]) -> str:
        window = self.client_capabilities.window
        if not (window and window.work_done_progress):
            return ""
        token = f"debugllm-model-{next(self._progress_ids)}"
        try:
            await asyncio.wait_for(self.work_done_progress.create_async(token), 2.0)
        except Exception:
            return ""
        self.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, message=message, cancellable=True)
        )
        cancelled = self.work_done_progress.tokens.get(token)
        if cancelled is not None:
            cancelled.add_done_callback(lambda _: on_cancel())
        return token

    def end_progress(self, token: str) -> None:
        self.work_done_progress.end(token, types.WorkDoneProgressEnd())

    # --- documents ---------------------------------------------------------------------------

    @property
    def encoding(self) -> Encoding:
        value = str(self.workspace.position_encoding or "utf-16")
        return value if value in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[return-value]

    def cancel_model(self, uri: str) -> None:
        """A document change or close cancels the model requests in flight for it."""
        state = self.states.get(uri)
        if state is not None:
            self.model_actions.cancel(state)

    def changed(self, uri: str) -> None:
        """A change makes the last version's fix plan useless: stop it now, not once the new
        version is analysed (its verifications would hold the GIL the analysis needs)."""
        self.cancel_model(uri)
        state = self.states.get(uri)
        if state is not None and not self.is_current(state):
            state.plan.cancel()

    def schedule(self, uri: str, delay: float, small_edit: bool = False) -> None:
        """(Re)start the debounced analysis of ``uri``; the newest change wins. After a
        ``small_edit`` that breaks the syntax, the errors are published without the wait."""
        if self.notebooks.owns_cell(uri):
            return  # analysed with its notebook (lsp/notebooks.py)
        previous = self._debounced.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self._debounced[uri] = asyncio.create_task(self._analyse_later(uri, delay, small_edit))

    async def _analyse_later(self, uri: str, delay: float, small_edit: bool = False) -> None:
        try:
            document = opened.text_document(self.workspace, uri)
            if (
                delay
                and small_edit
                and document is not None
                and await asyncio.to_thread(sync.has_syntax_error, document.source)
            ):
                delay = 0.0  # a syntax error (no static checks to run): show it at once
            if delay:
                await asyncio.sleep(delay)
            state = await self.state_for(uri)
            if state is not None:
                self.publish(state)
                await self.model_actions.prefetch(state)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("analysis of %s failed", uri)

    def opened(self, uri: str) -> None:
        """A didOpen: a new document, even at the version and URI of one just closed."""
        self._generations[uri] = next(self._next_generation)

    def is_current(self, state: DocumentState) -> bool:
        """Whether ``state`` was computed from the document's text as it is now.

        The version alone does not say so: a client may close and reopen a URI at the same
        version with other text. Comparing the text is cheap (identical strings short-circuit,
        different lengths too; else one memcmp) next to what a request does with the state.
        """
        document = opened.text_document(self.workspace, uri := state.uri)
        return (
            document is not None
            and self._generations.get(uri) == state.generation
            and (document.version or 0) == state.version
            and document.source == state.analysis.source
        )

    async def state_for(self, uri: str) -> DocumentState | None:
        """The analysis of the document's current text, computed once per opening and version.

        ``None`` when the document is not open, or was replaced while it was being analysed.
        """
        document = opened.text_document(self.workspace, uri)
        if document is None:
            return None
        version = document.version or 0
        generation = self._generations.get(uri, 0)
        state = self.states.get(uri)
        if state is not None and self.is_current(state):
            return state
        key = (uri, generation, version)
        pending = self._computing.get(key)
        if pending is None:
            pending = asyncio.ensure_future(
                self._compute_state(uri, generation, version, document.source, document.path)
            )
            self._computing[key] = pending
            pending.add_done_callback(lambda _: self._computing.pop(key, None))
        state = await asyncio.shield(pending)
        # The text may have been replaced meanwhile (a change, or a close and reopen): callers
        # must never publish or offer fixes for text the editor no longer has.
        return state if self.is_current(state) else None

    async def _compute_state(
        self, uri: str, generation: int, version: int, source: str, path: str
    ) -> DocumentState:
        settings, pipeline = self.settings_for(path)
        analysis = await asyncio.to_thread(pipeline.analyze, source, path)
        budget = settings.repair.budget_ms / 1000
        progress: FixPlan | None = None
        if analysis.static_checked:
            progress = FixPlan(analysis, remaining=analysis.problems)
            plan = asyncio.ensure_future(self._timed_plan(pipeline, analysis, budget, progress))
            self.plans_running += 1  # counted from now: a plan cancelled unstarted ends too
            plan.add_done_callback(self._plan_ended)
        else:
            # A file of several MB (every verification would re-parse it for seconds while
            # holding the GIL; the CLI still fixes it), or newer Python than the server's.
            log.info("%s cannot be checked here for fixes; diagnostics only", uri)
            plan = asyncio.ensure_future(_no_plan(analysis))
        state = DocumentState(
            uri,
            version,
            generation,
            analysis,
            LineIndex(source),
            plan,
            progress=progress,
            settings=settings,
            pipeline=pipeline,
        )
        if not self.is_current(state):
            # The document is gone or replaced: nobody may use this state, so keep nothing.
            plan.cancel()
            return state
        old = self.states.get(uri)
        if old is not None:
            old.plan.cancel()
            self.model_actions.cancel(old)
        self.states[uri] = state
        return state

    def _plan_ended(self, _: asyncio.Future[FixPlan]) -> None:
        self.plans_running -= 1

    async def _timed_plan(
        self, pipeline: FixPipeline, analysis: Analysis, budget: float, progress: FixPlan
    ) -> FixPlan:
        started = time.perf_counter()
        plan = await pipeline.plan(analysis, budget, into=progress)
        self.stats.record("embedded", (time.perf_counter() - started) * 1000)
        return plan

    def publish(self, state: DocumentState) -> None:
        diagnostics: list[types.Diagnostic] = []
        if state.settings.diagnostics.enable:
            diagnostics = state.diagnostics(self.encoding)
        diagnostics += self.test_commands.diagnostics(state.uri)
        if self.notebooks.publish(state, diagnostics):
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=state.uri, version=state.version, diagnostics=diagnostics
            )
        )

    def close(self, uri: str) -> None:
        # A reopen must not find this opening's pending analysis (see ``state_for``).
        self._generations.pop(uri, None)
        task = self._debounced.pop(uri, None)
        if task is not None:
            task.cancel()
        self.cancel_model(uri)
        state = self.states.pop(uri, None)
        if state is not None:
            state.plan.cancel()
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def check_current(self, state: DocumentState) -> None:
        """Refuse to hand out edits for text the editor no longer has (see ``is_current``)."""
        if not self.is_current(state):
            raise JsonRpcContentModified("The document changed; request code actions again.")

    def supports_resolve(self) -> bool:
        text_document = self.client_capabilities.text_document
        code_action = text_document.code_action if text_document else None
        support = code_action.resolve_support if code_action else None
        return bool(support and "edit" in support.properties)


async def _no_plan(analysis: Analysis) -> FixPlan:
    return FixPlan(analysis, remaining=analysis.problems)


server = DebugLLMServer()

# --- features: every LSP feature the server offers is registered here ------------------------


@server.feature(types.INITIALIZE)
def on_initialize(ls: DebugLLMServer, params: types.InitializeParams) -> None:
    # Settings may come from the environment alone (no initializationOptions): apply them the
    # same way, so the fix pipeline gets the model and a bad key is reported.
    options = params.initialization_options
    ls.apply_settings(options if options is not None else {})


@server.feature(types.INITIALIZED)
async def on_initialized(ls: DebugLLMServer, params: types.InitializedParams) -> None:
    # The repair engines load lazily (the CLI's start); the server loads them now, after its
    # initialize result, so the first broken file's analysis does not pay for the import.
    threading.Thread(target=load_repair_engines, name="load-repair", daemon=True).start()
    await ls.pull_configuration()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: DebugLLMServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
        ls.apply_settings(settings[SECTION])
    else:
        await ls.pull_configuration()


@server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
async def on_folders(ls: DebugLLMServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
    await ls.pull_configuration()  # pygls has updated ls.workspace.folders already


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: DebugLLMServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.opened(params.text_document.uri)
    ls.schedule(params.text_document.uri, delay=0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: DebugLLMServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri)
    ls.schedule(
        params.text_document.uri,
        delay=ls.settings.diagnostics.debounce_ms / 1000,
        small_edit=sync.is_small_edit(params.content_changes),
    )


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def on_close(ls: DebugLLMServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.close(params.text_document.uri)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
        resolve_provider=True,
    ),
)
async def on_code_action(
    ls: DebugLLMServer, params: types.CodeActionParams
) -> list[types.CodeAction] | None:
    if ls.notebooks.owns_cell(params.text_document.uri):
        return await ls.notebooks.code_action(
            params,
            functools.partial(on_code_action, ls),
            functools.partial(on_code_action_resolve, ls),
        )
    state = await ls.state_for(params.text_document.uri)
    if state is None:
        return None
    lazy = ls.supports_resolve()
    only = params.context.only
    encoding = ls.encoding
    quick_fixes = wants(only, types.CodeActionKind.QuickFix)
    if quick_fixes:
        # The lightbulb never waits for the whole plan: what is ready is listed, the rest
        # (lazy clients) as actions whose resolve waits. Only "fix all" asked alone (on save)
        # waits for the plan: its edit is the whole chain.
        plan = await state.plan_within(0.0 if lazy else code_actions.EAGER_WAIT_S)
    else:
        plan = await state.fix_plan()
    ls.check_current(state)
    actions: list[types.CodeAction] = []
    if quick_fixes:
        limit = state.settings.repair.max_fixes_per_diagnostic
        found = state.problems_for(params.context.diagnostics, params.range, encoding)
        ready = plan if plan is not None else state.progress
        for problem, diagnostic in found:
            ranked = ready.fixes.get(problem) if ready is not None else None
            if ranked is None and plan is None:
                if lazy:
                    pending = code_actions.pending_action(state, problem, diagnostic, encoding)
                    actions.append(pending)
                continue
            for rank, fix in enumerate((ranked or [])[:limit]):
                action = code_actions.fix_action(
                    state, problem, diagnostic, fix, rank, lazy, encoding
                )
                actions.append(action)
        if plan is not None:  # the model is offered for what the whole plan left unfixed
            model = await ls.model_actions.action(state, plan, params, lazy, encoding)
            if model is not None:
                actions.append(model)
    if plan is not None and plan.applied and wants(only, FIX_ALL_KIND):
        actions.append(code_actions.fix_all_action(state, plan, lazy, encoding))
    return actions


@server.feature(types.CODE_ACTION_RESOLVE)
async def on_code_action_resolve(ls: DebugLLMServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("uri"), str)
        or not is_index(data.get("version"))
    ):
        raise JsonRpcInvalidParams("this code action was not created by DebugLLM")
    state = await ls.state_for(data["uri"])
    if state is None or state.version != data["version"]:
        # Never hand out an edit computed for text the user has since changed.
        raise JsonRpcContentModified(
            "The document changed since this fix was computed; request code actions again."
        )
    if data.get("model"):
        resolved = await ls.model_actions.resolve(state, action, data, ls.encoding)
        if not ls.is_current(state):  # changed, or closed and reopened with other text
            raise JsonRpcContentModified(
                "The document changed while DebugLLM's model was answering; "
                "request code actions again."
            )
        return resolved
    plan = await state.fix_plan()
    ls.check_current(state)
    if data.get("pending"):
        action.edit, message = code_actions.resolve_pending(state, plan, data, ls.encoding)
        if message is not None:
            ls.show(message, types.MessageType.Warning)
        return action
    action.edit = code_actions.resolve_fix(state, plan, data, ls.encoding)
    return action


register_test_commands(server, lambda: server.test_commands)


@server.command(STATS_COMMAND)
def on_stats(ls: DebugLLMServer, *args: Any) -> dict[str, Any]:
    snapshot = ls.stats.snapshot()
    snapshot.update(ls.model_actions.stats_snapshot())
    snapshot["plans_running"] = ls.plans_running
    return snapshot


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: DebugLLMServer, params: types.HoverParams) -> types.Hover | None:
    if ls.notebooks.owns_cell(params.text_document.uri):
        return await ls.notebooks.hover(params, functools.partial(on_hover, ls))
    state = await ls.state_for(params.text_document.uri)
    if state is None:
        return None
    offset = state.index.offset(params.position.line, params.position.character, ls.encoding)
    hits = [p for p in state.analysis.problems if p.start <= offset <= max(p.end, p.start + 1)]
    if not hits:
        return None
    plan = await state.fix_plan()
    source = state.analysis.source
    # The client's preferred format: plain text for a client that cannot render markdown.
    kind = convert.hover_kind(ls.client_capabilities)
    sections = [
        convert.hover_text(p, state.index.line_of(p.start) + 1, plan.best(p), source, kind)
        for p in hits
    ]
    first = hits[0]
    return types.Hover(
        contents=types.MarkupContent(kind=kind, value=convert.HOVER_SEPARATOR[kind].join(sections)),
        range=convert.to_range(state.index, first.start, first.end, ls.encoding),
    )


notebooks.register(server)


class _ContentModifiedIsNormal(logging.Filter):
    """pygls logs every request that ends in an exception as an error with a traceback, also
    ContentModified, the normal answer to a request about text the user has since changed."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, JsonRpcContentModified):
            log.debug("request answered ContentModified: %s", exc)
            return False
        return True


def main(
    argv: list[str] | None = None, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """Serve until ``exit``; ``stdin``/``stdout`` replace the process's (``lsp.bootstrap``)."""
    logs.configure(logging.INFO)
    # pygls logs every JSON-RPC message at INFO: source text and edits would flood the log.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    # It reports handler exceptions (pygls 2.1.1: JsonRPCProtocol._send_handler_result).
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_ContentModifiedIsNormal())
    code = 0
    try:
        code = start_server(server, argv, stdin, stdout)
    except SystemExit as exc:  # argparse, and pygls's `exit` handler over --tcp/--ws
        code = exc.code if isinstance(exc.code, int) else 1
    # Leave now: a repair still running in a worker thread must not delay the editor's shutdown.
    with contextlib.suppress(ValueError, OSError):  # pygls may have closed stdout already
        sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
