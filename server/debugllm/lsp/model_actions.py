"""The remote-model path of the language server: "Fix this function with DebugLLM".

``ModelActions`` owns the model source (``remote.source.ModelSource``) and its reported state,
and turns the pipeline's model policy (``FixPipeline.model_target/model_targets``) into LSP: one
code action per request position, resolved with cancellable work-done progress (or awaited a
bounded time for clients without resolve), prefetching for errors the embedded engine left
unfixed, ``debugllm/status`` notifications and the circuit breaker's messages. It knows nothing
of the server: it is handed a ``Notifier`` (what it tells the client) and, per request, a
``DocumentState`` with the version's pipeline and settings. The answers live per document version
in ``DocumentState.model`` so listing, resolve and prefetch share them.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from debugllm.lsp import convert
from debugllm.lsp.documents import DocumentState
from debugllm.pipeline import FixPlan, ModelResult, ModelTarget, VerifiedFix
from debugllm.remote.stats import Stats
from debugllm.settings import EndpointSettings
from debugllm.text import Encoding
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified, JsonRpcInvalidParams

if TYPE_CHECKING:
    from debugllm.remote.source import ModelSource

log = logging.getLogger("debugllm.lsp")

MODEL_ACTION_TITLE = "Fix this function with DebugLLM"
STATUS_NOTIFICATION = "debugllm/status"


class Notifier(Protocol):
    """What the model actions tell the client (the server implements it)."""

    def notify_status(self, status: dict[str, str]) -> None: ...

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None: ...

    def show(self, message: str, level: types.MessageType = types.MessageType.Info) -> None: ...

    async def begin_progress(self, title: str, message: str, on_cancel: Callable[[], None]) -> str:
        """Cancellable work-done progress; its token, or "" when the client has none."""
        ...

    def end_progress(self, token: str) -> None: ...


class ModelActions:
    """The model-action state the server owns, and what its handlers call."""

    def __init__(self, notifier: Notifier, stats: Stats) -> None:
        self._notifier = notifier
        self._stats = stats
        #: ``None`` when no endpoint is configured (or it was refused): no network at all.
        self.source: ModelSource | None = None
        self.status: dict[str, str] = {"state": "offline", "message": ""}
        # Explanations still being written; referenced so they are not garbage-collected.
        self._background: set[asyncio.Task[None]] = set()

    # --- the endpoint ------------------------------------------------------------------------

    def configure(self, endpoint: EndpointSettings) -> None:
        """(Re)create the model source; an empty URL means no network at all."""
        old = self.source
        if old is not None:
            task = asyncio.ensure_future(old.aclose())
            task.add_done_callback(lambda t: t.cancelled() or t.exception())
        self.source, refusal = None, ""
        if endpoint.enabled:
            # The model path (remote.*) loads only when an endpoint is configured.
            from debugllm.remote.source import build_model_source

            self.source, refusal = build_model_source(endpoint, self._on_breaker, self._stats)
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
        notifier = self._notifier
        try:
            notifier.notify_status(dict(self.status))
            notifier.log(message, level)
            if show:
                notifier.show(message, level)
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

    def _task(self, state: DocumentState, target: ModelTarget) -> asyncio.Task[ModelResult]:
        """The model request for this version and target (one per target, shared)."""
        task = state.model.get(target)
        if (
            task is not None
            and not task.cancelled()
            and (not task.done() or task.exception() is not None or not task.result().transient)
        ):
            return task
        task = asyncio.ensure_future(state.pipeline.model_fix(state.analysis, target))
        task.add_done_callback(_log_model_result)
        state.model[target] = task
        return task

    async def prefetch(self, state: DocumentState) -> None:
        """``debugllm.prefetch: errors``: ask the model early for errors left unfixed."""
        if state.settings.prefetch != "errors" or self.source is None:
            return
        plan = await state.fix_plan()
        for target in state.pipeline.model_targets(plan):
            self._task(state, target)

    # --- code actions ------------------------------------------------------------------------

    def _target(
        self,
        state: DocumentState,
        plan: FixPlan,
        params: types.CodeActionParams,
        encoding: Encoding,
    ) -> tuple[ModelTarget, types.Diagnostic | None] | None:
        """The one model target here (and the client's diagnostic for it), or ``None``."""
        if self.source is None:
            return None
        found = state.problems_for(params.context.diagnostics, params.range, encoding)
        start, _ = convert.to_offsets(state.index, params.range, encoding)
        target = state.pipeline.model_target(plan, [p for p, _ in found], start)
        if target is None:
            return None
        diagnostic = next((d for p, d in found if p is target.problem and d is not None), None)
        return target, diagnostic

    async def action(
        self,
        state: DocumentState,
        plan: FixPlan,
        params: types.CodeActionParams,
        lazy: bool,
        encoding: Encoding,
    ) -> types.CodeAction | None:
        """At most one model action per request position; listing never waits when lazy."""
        found = self._target(state, plan, params, encoding)
        if found is None:
            return None
        target, diagnostic = found
        problem = target.problem
        problem_id = state.problem_id(problem)
        if problem_id >= 0 and diagnostic is None:
            diagnostic = state.diagnostic(problem, encoding)
        action = types.CodeAction(
            title=f"DebugLLM: {MODEL_ACTION_TITLE}",
            kind=types.CodeActionKind.QuickFix,
            diagnostics=[diagnostic] if diagnostic else None,
            data={
                "uri": state.uri,
                "version": state.version,
                "model": True,
                "problem": problem_id,
                "offset": problem.start,
                # A model answer is never safe: never preferred, never in fix-all.
                "applicability": "unsafe",
            },
        )
        if lazy:
            return action
        # An eager client: ask only when the user invoked the menu, wait a bounded time.
        if params.context.trigger_kind == types.CodeActionTriggerKind.Automatic:
            return None
        task = self._task(state, target)
        timeout = state.settings.endpoint.eager_wait_ms / 1000
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done or task.cancelled():
            self._notifier.log(
                "DebugLLM: the model has not answered yet; no model fix offered "
                "(ask again in a moment)"
            )
            return None
        result = task.result()
        if result.fix is None:
            self._notifier.log(result.message)
            return None
        action.edit = state.edit_for(result.fix.candidate.edits, encoding)
        return action

    async def resolve(
        self,
        state: DocumentState,
        action: types.CodeAction,
        data: dict[str, Any],
        encoding: Encoding,
    ) -> types.CodeAction:
        """``codeAction/resolve`` of a model action: wait for the model, then edit or explain.

        The caller checks the document is still the version the edit is for."""
        index, offset = data.get("problem"), data.get("offset")
        if type(index) is not int or type(offset) is not int or offset < 0:
            raise JsonRpcInvalidParams(f"unknown DebugLLM model fix: {index!r} at {offset!r}")
        if self.source is None:
            self._tell("DebugLLM: no model endpoint is configured (debugllm.endpoint.url)")
            return action
        plan = await state.fix_plan()
        problem = state.problem(index)
        target = state.pipeline.model_target(plan, [problem] if problem else [], offset)
        if target is None:
            self._tell("DebugLLM: the model cannot fix this code now; request code actions again")
            return action
        result = await self._await_with_progress(state, target)
        if result.fix is None:
            self._tell(
                result.message
                if result.message.startswith("DebugLLM")
                else f"DebugLLM: {result.message}"
            )
            return action
        action.edit = state.edit_for(result.fix.candidate.edits, encoding)
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
        self._notifier.show(message, level)

    # --- work-done progress and cancellation -------------------------------------------------

    async def _await_with_progress(self, state: DocumentState, target: ModelTarget) -> ModelResult:
        """Wait for the model with work-done progress; cancellable by the client."""
        task = self._task(state, target)
        stopped: list[bool] = []

        def stop() -> None:
            stopped.append(True)
            task.cancel()

        token = ""
        if not task.done():
            token = await self._notifier.begin_progress(
                "DebugLLM", "asking the model for a fix", stop
            )
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
            if token:
                self._notifier.end_progress(token)


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
