"""The remote-model path of the language server: "Fix this function with DebugLLM".

``ModelActions`` owns the model source (``remote.source.ModelSource``) and its reported state,
and turns it into LSP: one code action per request position, resolved with cancellable
work-done progress (or awaited a bounded time for clients without resolve), prefetching for
errors the embedded engine left unfixed, ``debugllm/status`` notifications and the circuit
breaker's messages. The server owns one instance and calls it from its handlers; the answers
themselves live per document version in ``DocumentState.model`` so listing and resolve share them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from typing import TYPE_CHECKING, Any

from debugllm.lsp import convert
from debugllm.pipeline import FixPlan, FixRequest, ModelResult, VerifiedFix
from debugllm.problems import Code, Problem, Severity
from debugllm.remote.source import ModelSource, build_model_source
from debugllm.settings import EndpointSettings
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams

if TYPE_CHECKING:  # the server imports this module; these are only annotations here
    from debugllm.lsp.server import DebugLLMServer, DocumentState

log = logging.getLogger("debugllm.lsp")

MODEL_ACTION_TITLE = "Fix this function with DebugLLM"
STATUS_NOTIFICATION = "debugllm/status"


class ModelActions:
    """The model-action state a ``DebugLLMServer`` owns, and what its handlers call."""

    def __init__(self, server: DebugLLMServer) -> None:
        self._server = server
        #: ``None`` when no endpoint is configured (or it was refused): no network at all.
        self.source: ModelSource | None = None
        self.status: dict[str, str] = {"state": "offline", "message": ""}
        self._progress_ids = itertools.count(1)
        # Explanations still being written; referenced so they are not garbage-collected.
        self._background: set[asyncio.Task[None]] = set()

    # --- the endpoint ------------------------------------------------------------------------

    def configure(self, endpoint: EndpointSettings) -> None:
        """(Re)create the model source; an empty URL means no network at all."""
        old = self.source
        if old is not None:
            task = asyncio.ensure_future(old.aclose())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self.source, refusal = build_model_source(endpoint, self._on_breaker, self._server.stats)
        if refusal:
            self._report_status("refused", refusal, types.MessageType.Warning, show=True)
        elif self.source is None:
            self._report_status("offline", "no model endpoint configured", types.MessageType.Info)
        else:
            endpoint_url, model = self.source.endpoint.base_url, self.source.endpoint.model
            self._report_status(
                "closed", f"model fixes from {endpoint_url} ({model})", types.MessageType.Info
            )

    def _on_breaker(self, state: str, reason: str) -> None:
        if state == "open":
            message = f"DebugLLM: model fixes paused after repeated failures: {reason}"
            self._report_status("open", message, types.MessageType.Warning)
        else:
            self._report_status(state, f"DebugLLM: model endpoint {reason}", types.MessageType.Info)

    def _report_status(
        self, state: str, message: str, level: types.MessageType, show: bool = False
    ) -> None:
        """The model path's state: a ``debugllm/status`` notification and a log message."""
        self.status = {"state": state, "message": message}
        server = self._server
        try:
            server.protocol.notify(STATUS_NOTIFICATION, dict(self.status))
            server.window_log_message(types.LogMessageParams(type=level, message=message))
            if show:
                server.window_show_message(types.ShowMessageParams(type=level, message=message))
        except Exception:  # no client connected yet (tests, start-up)
            log.debug("status not sent: %s", state)

    def stats_snapshot(self) -> dict[str, Any]:
        """The model's part of ``debugllm.stats``: its state, breaker and cache size."""
        snapshot: dict[str, Any] = {"model": dict(self.status)}
        if self.source is not None:
            snapshot["model"]["breaker"] = self.source.breaker.state
            snapshot["cache_entries"] = len(self.source.cache)
        return snapshot

    # --- requests per document version --------------------------------------------------------

    def cancel(self, state: DocumentState) -> None:
        """Cancel the model requests in flight for this document version."""
        for task in state.model.values():
            task.cancel()

    def _task(self, state: DocumentState, index: int, offset: int) -> asyncio.Task[ModelResult]:
        """The model request for this version and position (one per position, shared)."""
        key = offset if index < 0 else -1 - index
        task = state.model.get(key)
        if (
            task is not None
            and not task.cancelled()
            and (not task.done() or task.exception() is not None or not task.result().transient)
        ):
            return task
        if 0 <= index < len(state.analysis.problems):
            problem = state.analysis.problems[index]
        else:
            problem = Problem(Code.FOREIGN, "fix this function", offset, offset)
        server = self._server
        deadline = time.monotonic() + server.settings.endpoint.timeout_ms / 1000
        request = FixRequest(state.analysis, problem, deadline)
        task = asyncio.ensure_future(server.pipeline.model_fix(request))
        task.add_done_callback(_log_model_result)
        state.model[key] = task
        return task

    async def prefetch(self, state: DocumentState) -> None:
        """``debugllm.prefetch: errors``: ask the model early for errors left unfixed."""
        if self._server.settings.prefetch != "errors" or self.source is None:
            return
        plan = await self._server.plan_of(state)
        analysis = state.analysis
        for index, problem in enumerate(analysis.problems):
            if (
                problem.severity == Severity.ERROR
                and not plan.fixes.get(problem)
                and self.source.available()
                and self.source.region_for(analysis.source, problem.start, analysis.tree)
            ):
                self._task(state, index, problem.start)

    # --- code actions ------------------------------------------------------------------------

    def _target(
        self, state: DocumentState, plan: FixPlan, params: types.CodeActionParams
    ) -> tuple[int, int] | None:
        """``(problem index or -1, offset)`` of the one model action here, or ``None``."""
        model = self.source
        if model is None or not model.available() or not state.analysis.static_checked:
            return None
        server = self._server
        start, _ = convert.to_offsets(state.index, params.range, server.encoding)
        target = (-1, start)
        # A diagnostic the embedded engine could not fix: the model action targets it.
        for problem, _ in server.problems_for(state, params.context.diagnostics, params.range):
            if not plan.fixes.get(problem):
                target = (state.analysis.problems.index(problem), problem.start)
                break
        analysis = state.analysis
        if model.region_for(analysis.source, target[1], analysis.tree) is None:
            return None
        return target

    async def action(
        self, state: DocumentState, plan: FixPlan, params: types.CodeActionParams, lazy: bool
    ) -> types.CodeAction | None:
        """At most one model action per request position; listing never waits when lazy."""
        target = self._target(state, plan, params)
        if target is None:
            return None
        server = self._server
        index, offset = target
        diagnostic = None
        if index >= 0:
            problem = state.analysis.problems[index]
            found = server.problems_for(state, params.context.diagnostics, params.range)
            diagnostic = next(
                (d for p, d in found if p is problem and d is not None),
                convert.to_diagnostic(state.index, problem, server.encoding),
            )
        action = types.CodeAction(
            title=f"DebugLLM: {MODEL_ACTION_TITLE}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic] if diagnostic else None,
            data={
                "uri": state.uri,
                "version": state.version,
                "model": True,
                "problem": index,
                "offset": offset,
                # A model answer is never safe: never preferred, never in fix-all.
                "applicability": "unsafe",
            },
        )
        if lazy:
            return action
        # An eager client: ask only when the user invoked the menu, wait a bounded time.
        if params.context.trigger_kind == types.CodeActionTriggerKind.Automatic:
            return None
        task = self._task(state, index, offset)
        timeout = server.settings.endpoint.eager_wait_ms / 1000
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done or task.cancelled():
            server.window_log_message(
                types.LogMessageParams(
                    type=types.MessageType.Info,
                    message="DebugLLM: the model has not answered yet; no model fix offered "
                    "(ask again in a moment)",
                )
            )
            return None
        result = task.result()
        if result.fix is None:
            server.window_log_message(
                types.LogMessageParams(type=types.MessageType.Info, message=result.message)
            )
            return None
        action.edit = server.edit_for(state, result.fix.candidate.edits)
        return action

    async def resolve(
        self, state: DocumentState, action: types.CodeAction, data: dict[str, Any]
    ) -> types.CodeAction:
        """``codeAction/resolve`` of a model action: wait for the model, then edit or explain."""
        try:
            index, offset = int(data["problem"]), int(data["offset"])
        except (KeyError, TypeError, ValueError) as exc:
            raise JsonRpcInvalidParams(f"unknown DebugLLM model fix: {exc}") from exc
        if self.source is None:
            self._tell("DebugLLM: no model endpoint is configured (debugllm.endpoint.url)")
            return action
        server = self._server
        result = await self._await_with_progress(state, index, offset)
        if not server.is_current(state):  # changed, or closed and reopened with other text
            raise JsonRpcContentModified(
                "The document changed while DebugLLM's model was answering; "
                "request code actions again."
            )
        if result.fix is None:
            self._tell(
                result.message
                if result.message.startswith("DebugLLM")
                else f"DebugLLM: {result.message}"
            )
            return action
        action.edit = server.edit_for(state, result.fix.candidate.edits)
        if self.source is not None and self.source.endpoint.explain_model:
            # Off the critical path: the edit goes back now, the explanation follows.
            task = asyncio.ensure_future(
                self._explain(self.source, result.fix, state.analysis.source)
            )
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        return action

    async def _explain(self, model: ModelSource, fix: VerifiedFix, source: str) -> None:
        text = await model.explain(fix.candidate, source)
        self._tell(f"DebugLLM: {text}")

    def _tell(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        self._server.window_show_message(types.ShowMessageParams(type=level, message=message))

    # --- work-done progress and cancellation -------------------------------------------------

    async def _await_with_progress(
        self, state: DocumentState, index: int, offset: int
    ) -> ModelResult:
        """Wait for the model with work-done progress; cancellable by the client."""
        task = self._task(state, index, offset)
        token = f"debugllm-model-{next(self._progress_ids)}"
        stopped: list[bool] = []
        progress = await self._begin_progress(token, task, stopped)
        try:
            return await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise  # $/cancelRequest: pygls answers RequestCancelled
            if stopped:
                return ModelResult(None, "DebugLLM: cancelled", error="cancelled")
            if task.cancelled():
                raise JsonRpcContentModified(
                    "The document changed while DebugLLM's model was answering; "
                    "request code actions again."
                ) from None
            raise
        finally:
            if progress:
                self._server.work_done_progress.end(token, types.WorkDoneProgressEnd())

    async def _begin_progress(
        self, token: str, task: asyncio.Task[ModelResult], stopped: list[bool]
    ) -> bool:
        server = self._server
        window = server.client_capabilities.window
        if task.done() or not (window and window.work_done_progress):
            return False
        try:
            await asyncio.wait_for(server.work_done_progress.create_async(token), 2.0)
        except Exception:
            return False
        server.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title="DebugLLM", message="asking the model for a fix", cancellable=True
            ),
        )
        cancelled = server.work_done_progress.tokens.get(token)
        if cancelled is not None:

            def stop(_: object) -> None:
                stopped.append(True)
                task.cancel()

            cancelled.add_done_callback(stop)
        return True


def _log_model_result(task: asyncio.Task[ModelResult]) -> None:
    if task.cancelled():
        return
    exc = task.exception()
    if exc is not None:
        log.error("model fix failed: %s", type(exc).__name__)
        return
    result = task.result()
    outcome = "verified" if result.fix else result.message
    log.info(
        json.dumps({"event": "model-result", "outcome": outcome, "cache_hit": result.cache_hit})
    )
