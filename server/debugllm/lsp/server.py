"""The DebugLLM language server (pygls 2.x).

Feature handlers stay thin: documents are analysed by ``debugllm.analysis``, fixes planned by
``debugllm.pipeline``, and the results converted by ``debugllm.lsp.convert``. Per document and
version the server keeps one ``Analysis`` and one background ``FixPlan`` task, so listing code
actions and hovering read what is already computed instead of repairing again. The remote
model's actions ("Fix this function with DebugLLM") live in ``debugllm.lsp.model_actions``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from debugllm import __version__, logs
from debugllm.analysis.analyzer import Analysis
from debugllm.config import ProjectConfig, project_config
from debugllm.lsp import convert
from debugllm.lsp.leaks import forget_finished_handlers
from debugllm.lsp.model_actions import ModelActions
from debugllm.lsp.protocol import DebugLLMProtocol, start_server
from debugllm.lsp.test_commands import TestCommands, register_test_commands
from debugllm.pipeline import FixPipeline, FixPlan, ModelResult, VerifiedFix
from debugllm.problems import Problem
from debugllm.remote.stats import Stats
from debugllm.settings import Settings, load_settings
from debugllm.text import Encoding, LineIndex, minimal_edits
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer

log = logging.getLogger("debugllm.lsp")

FIX_ALL_KIND = "source.fixAll.debugllm"
SECTION = "debugllm"
STATS_COMMAND = "debugllm.stats"


@dataclass
class DocumentState:
    uri: str
    version: int
    #: Which opening of ``uri`` this is: a close and reopen may reuse the version with other text.
    generation: int
    analysis: Analysis
    index: LineIndex
    plan: asyncio.Task[FixPlan]
    #: Model answers for this version, by request offset (shared by listing and resolve).
    model: dict[int, asyncio.Task[ModelResult]] = field(default_factory=dict)
    #: The settings this version was analysed with (the editor's over its project's).
    settings: Settings = field(default_factory=Settings)


class DebugLLMServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(
            "debugllm",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            protocol_cls=DebugLLMProtocol,
        )
        forget_finished_handlers(self.protocol)  # pygls 2.1.1 keeps one per notification
        self.settings = Settings()
        #: The editor's ``debugllm`` section as sent; a project's ``pyproject.toml`` lies under it.
        self.raw_settings: dict[str, Any] = {}
        #: Settings and pipeline per project file (``None``: no project file), for this session's
        #: editor settings; emptied when they change.
        self._projects: dict[tuple[str | None, int], tuple[Settings, FixPipeline]] = {}
        self._reported: set[str] = set()
        self.stats = Stats()
        self.model_actions = ModelActions(self)
        self.test_commands = TestCommands(self)  # "Fix failing test", "Explain traceback"
        self.pipeline = self._make_pipeline(self.settings)
        self.states: dict[str, DocumentState] = {}
        self._debounced: dict[str, asyncio.Task[None]] = {}
        #: The opening of each open URI (see ``opened``); keys the computations with the version.
        self._generations: dict[str, int] = {}
        self._next_generation = itertools.count(1)
        self._computing: dict[tuple[str, int, int], asyncio.Future[DocumentState]] = {}

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
            self._projects.clear()
            self.states.clear()
            for uri in list(self.workspace.text_documents):
                self.schedule(uri, delay=0.0)

    def settings_for(self, path: str) -> tuple[Settings, FixPipeline]:
        """The settings and pipeline for a file: its project's ``pyproject.toml`` under the
        editor's settings, which win."""
        project = project_config(path) if path else ProjectConfig()
        if project.path is None:
            return self.settings, self.pipeline
        key = (project.path, id(project))  # the config object lives while the file is unchanged
        known = self._projects.get(key)
        if known is not None:
            return known
        settings, problems = load_settings(self.raw_settings, project.settings)
        new = [p for p in (*project.problems, *problems) if p not in self._reported]
        self._reported.update(new)
        self.warn_settings(f"ignored in {project.path}", new)
        entry = (settings, self._make_pipeline(settings))
        self._projects = {k: v for k, v in self._projects.items() if k[0] != project.path}
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
        capabilities = self.client_capabilities.workspace
        if not (capabilities and capabilities.configuration):
            return
        try:
            result = await self.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception:  # a client that fails the request keeps the settings we have
            log.exception("workspace/configuration failed")
            return
        if result and result[0] is not None:
            self.apply_settings(result[0])

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

    def schedule(self, uri: str, delay: float) -> None:
        """(Re)start the debounced analysis of ``uri``; the newest change wins."""
        previous = self._debounced.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self._debounced[uri] = asyncio.create_task(self._analyse_later(uri, delay))

    async def _analyse_later(self, uri: str, delay: float) -> None:
        try:
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
        document = self.workspace.text_documents.get(uri := state.uri)
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
        if uri not in self.workspace.text_documents:
            return None
        document = self.workspace.get_text_document(uri)
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
        if analysis.static_checked:
            plan = asyncio.ensure_future(self._timed_plan(pipeline, analysis, budget))
        else:
            # A file of several MB (every verification would re-parse it for seconds while
            # holding the GIL; the CLI still fixes it), or newer Python than the server's.
            log.info("%s cannot be checked here for fixes; diagnostics only", uri)
            plan = asyncio.ensure_future(_no_plan(analysis))
        state = DocumentState(
            uri, version, generation, analysis, LineIndex(source), plan, settings=settings
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

    async def _timed_plan(
        self, pipeline: FixPipeline, analysis: Analysis, budget: float
    ) -> FixPlan:
        started = time.perf_counter()
        plan = await pipeline.plan(analysis, budget)
        self.stats.record("embedded", (time.perf_counter() - started) * 1000)
        return plan

    def publish(self, state: DocumentState) -> None:
        diagnostics: list[types.Diagnostic] = []
        if state.settings.diagnostics.enable:
            diagnostics = [
                convert.to_diagnostic(state.index, p, self.encoding)
                for p in state.analysis.problems
            ]
        diagnostics += self.test_commands.diagnostics(state.uri)
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

    async def plan_of(self, state: DocumentState) -> FixPlan:
        """The version's fix plan; shielded so a cancelled request does not cancel shared work."""
        try:
            return await asyncio.shield(state.plan)
        except asyncio.CancelledError:
            if state.plan.cancelled():
                raise JsonRpcContentModified("The document changed; request again.") from None
            raise

    # --- code actions ------------------------------------------------------------------------

    def supports_resolve(self) -> bool:
        text_document = self.client_capabilities.text_document
        code_action = text_document.code_action if text_document else None
        support = code_action.resolve_support if code_action else None
        return bool(support and "edit" in support.properties)

    def problems_for(
        self, state: DocumentState, diagnostics: Sequence[types.Diagnostic], rng: types.Range
    ) -> list[tuple[Problem, types.Diagnostic | None]]:
        """Our problems behind the client's diagnostics (ours or another tool's), else in rng."""
        found: list[tuple[Problem, types.Diagnostic | None]] = []
        for diagnostic in diagnostics:
            problem = self.match(state, diagnostic)
            if problem is not None and all(problem is not p for p, _ in found):
                found.append((problem, diagnostic))
        if not diagnostics:
            start, end = convert.to_offsets(state.index, rng, self.encoding)
            for problem in state.analysis.problems:
                if problem.start <= end and start <= max(problem.end, problem.start + 1):
                    found.append((problem, None))
        return found

    def match(self, state: DocumentState, diagnostic: types.Diagnostic) -> Problem | None:
        start, end = convert.to_offsets(state.index, diagnostic.range, self.encoding)
        problems = state.analysis.problems
        if diagnostic.source == convert.SOURCE:
            for problem in problems:
                if problem.code == diagnostic.code and problem.start == start:
                    return problem
            return None
        # Another tool's diagnostic: ours on the same line, the closest one first.
        line = state.index.line_of(start)
        same_line = [p for p in problems if state.index.line_of(p.start) == line]
        if not same_line:
            return None
        return min(same_line, key=lambda p: (abs(p.start - start) + abs(p.end - end), p.start))

    def fix_action(
        self,
        state: DocumentState,
        problem: Problem,
        diagnostic: types.Diagnostic | None,
        fix: VerifiedFix,
        rank: int,
        lazy: bool,
    ) -> types.CodeAction:
        diagnostic = diagnostic or convert.to_diagnostic(state.index, problem, self.encoding)
        candidate = fix.candidate
        # The title says when a fix needs review: editors show nothing else of its applicability
        # (the syntax engine's guesses already end in "(a guess)").
        review = ""
        if not candidate.safe and not candidate.title.endswith("(a guess)"):
            review = " (unsafe: review)"
        action = types.CodeAction(
            title=f"DebugLLM: {candidate.title}{review}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic],
            is_preferred=fix.preferred or None,
            data={
                "uri": state.uri,
                "version": state.version,
                "problem": state.analysis.problems.index(problem),
                "rank": rank,
                "applicability": candidate.applicability,
            },
        )
        if not lazy:
            action.edit = self.edit_for(state, fix.candidate.edits)
        return action

    def fix_all_action(self, state: DocumentState, plan: FixPlan, lazy: bool) -> types.CodeAction:
        count = len(plan.applied)
        action = types.CodeAction(
            title=f"DebugLLM: fix all ({count} verified fix{'es' if count != 1 else ''})",
            kind=FIX_ALL_KIND,
            data={"uri": state.uri, "version": state.version, "fixAll": True},
        )
        if not lazy:
            action.edit = self.fix_all_edit(state, plan)
        return action

    def edit_for(self, state: DocumentState, edits: Sequence[Any]) -> types.WorkspaceEdit:
        return convert.workspace_edit(state.uri, state.version, state.index, edits, self.encoding)

    def fix_all_edit(self, state: DocumentState, plan: FixPlan) -> types.WorkspaceEdit:
        fixed = plan.fixed_source or state.analysis.source
        return self.edit_for(state, minimal_edits(state.analysis.source, fixed))


async def _no_plan(analysis: Analysis) -> FixPlan:
    return FixPlan(analysis, remaining=analysis.problems)


server = DebugLLMServer()


def _is_index(value: object) -> TypeGuard[int]:
    """A non-negative int as we put it in resolve data (a bool is an int to Python: not here)."""
    return type(value) is int and value >= 0


def _wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a ``context.only`` filter admits actions of ``kind`` (kinds are hierarchical)."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


@server.feature(types.INITIALIZE)
def on_initialize(ls: DebugLLMServer, params: types.InitializeParams) -> None:
    # Settings may come from the environment alone (no initializationOptions): apply them the
    # same way, so the fix pipeline gets the model and a bad key is reported.
    options = params.initialization_options
    ls.apply_settings(options if options is not None else {})


@server.feature(types.INITIALIZED)
async def on_initialized(ls: DebugLLMServer, params: types.InitializedParams) -> None:
    await ls.pull_configuration()


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def on_configuration(ls: DebugLLMServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get(SECTION), dict):
        ls.apply_settings(settings[SECTION])
    else:
        await ls.pull_configuration()


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def on_open(ls: DebugLLMServer, params: types.DidOpenTextDocumentParams) -> None:
    ls.opened(params.text_document.uri)
    ls.schedule(params.text_document.uri, delay=0.0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def on_change(ls: DebugLLMServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.cancel_model(params.text_document.uri)
    ls.schedule(params.text_document.uri, delay=ls.settings.diagnostics.debounce_ms / 1000)


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
    state = await ls.state_for(params.text_document.uri)
    if state is None:
        return None
    plan = await ls.plan_of(state)
    ls.check_current(state)
    lazy = ls.supports_resolve()
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wants(only, types.CodeActionKind.QuickFix):
        limit = state.settings.repair.max_fixes_per_diagnostic
        for problem, diagnostic in ls.problems_for(state, params.context.diagnostics, params.range):
            for rank, fix in enumerate(plan.fixes.get(problem, [])[:limit]):
                actions.append(ls.fix_action(state, problem, diagnostic, fix, rank, lazy))
        model = await ls.model_actions.action(state, plan, params, lazy)
        if model is not None:
            actions.append(model)
    if plan.applied and _wants(only, FIX_ALL_KIND):
        actions.append(ls.fix_all_action(state, plan, lazy))
    return actions


@server.feature(types.CODE_ACTION_RESOLVE)
async def on_code_action_resolve(ls: DebugLLMServer, action: types.CodeAction) -> types.CodeAction:
    data = action.data
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("uri"), str)
        or not _is_index(data.get("version"))
    ):
        raise JsonRpcInvalidParams("this code action was not created by DebugLLM")
    state = await ls.state_for(data["uri"])
    if state is None or state.version != data["version"]:
        # Never hand out an edit computed for text the user has since changed.
        raise JsonRpcContentModified(
            "The document changed since this fix was computed; request code actions again."
        )
    if data.get("model"):
        return await ls.model_actions.resolve(state, action, data)
    plan = await ls.plan_of(state)
    ls.check_current(state)
    if data.get("fixAll"):
        action.edit = ls.fix_all_edit(state, plan)
        return action
    index, rank = data.get("problem"), data.get("rank")
    # Strictly the ints we sent: Python would read -1 from the end, and int() accepts "0", 0.5
    # and True, so forged data would resolve to some real fix.
    if not (_is_index(index) and _is_index(rank)) or index >= len(state.analysis.problems):
        raise JsonRpcInvalidParams(f"unknown DebugLLM fix: problem {index!r}, rank {rank!r}")
    fixes = plan.fixes.get(state.analysis.problems[index], [])
    if rank >= len(fixes):
        raise JsonRpcInvalidParams(f"unknown DebugLLM fix: problem {index}, rank {rank}")
    fix = fixes[rank]
    action.edit = ls.edit_for(state, fix.candidate.edits)
    return action


register_test_commands(server)


@server.command(STATS_COMMAND)
def on_stats(ls: DebugLLMServer, *args: Any) -> dict[str, Any]:
    snapshot = ls.stats.snapshot()
    snapshot.update(ls.model_actions.stats_snapshot())
    return snapshot


@server.feature(types.TEXT_DOCUMENT_HOVER)
async def on_hover(ls: DebugLLMServer, params: types.HoverParams) -> types.Hover | None:
    state = await ls.state_for(params.text_document.uri)
    if state is None:
        return None
    offset = state.index.offset(params.position.line, params.position.character, ls.encoding)
    hits = [p for p in state.analysis.problems if p.start <= offset <= max(p.end, p.start + 1)]
    if not hits:
        return None
    plan = await ls.plan_of(state)
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


class _ContentModifiedIsNormal(logging.Filter):
    """pygls logs every request that ends in an exception as an error with a traceback, also
    ContentModified, the normal answer to a request about text the user has since changed."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, JsonRpcContentModified):
            log.debug("request answered ContentModified: %s", exc)
            return False
        return True


def main(argv: list[str] | None = None) -> None:
    logs.configure(logging.INFO)
    # pygls logs every JSON-RPC message at INFO: source text and edits would flood the log.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    # It reports handler exceptions (pygls 2.1.1: JsonRPCProtocol._send_handler_result).
    logging.getLogger("pygls.protocol.json_rpc").addFilter(_ContentModifiedIsNormal())
    code = 0
    try:
        code = start_server(server, argv)
    except SystemExit as exc:  # argparse, and pygls's `exit` handler over --tcp/--ws
        code = exc.code if isinstance(exc.code, int) else 1
    # Leave now: a repair still running in a worker thread must not delay the editor's shutdown.
    with contextlib.suppress(ValueError, OSError):  # pygls may have closed stdout already
        sys.stdout.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
