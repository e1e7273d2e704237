"""``ModelSource``: the remote model, asked by the pipeline's model policy for one ``ModelTarget``.

The region sent is the target's (``debugllm.region``); above ``max_region_chars`` nothing is sent
and the message says why. The answer is cleaned and mapped back as minimal edits inside that
region; the pipeline then runs the same verifier as for embedded fixes. Failures never raise out
of ``fix``: they become a message.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from debugllm.candidates import Candidate
from debugllm.pipeline import ModelOutcome, ModelTarget
from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for
from debugllm.region import SMALL_FILE_CHARS
from debugllm.remote.answer import AnswerError, map_answer
from debugllm.remote.breaker import CircuitBreaker
from debugllm.remote.cache import AnswerCache, cache_key
from debugllm.remote.completion import Completion, ModelError
from debugllm.remote.endpoint import Endpoint, EndpointConfigError, validate_url
from debugllm.remote.explain import chat_messages, compose_explanation, unified_diff
from debugllm.remote.stats import Stats
from debugllm.remote.tracing import Tracer
from debugllm.text import apply_edits

if TYPE_CHECKING:
    from debugllm.analysis.analyzer import Analysis
    from debugllm.remote.client import ModelClient
    from debugllm.settings import EndpointSettings

log = logging.getLogger("debugllm.remote")
_ids = itertools.count(1)


class ModelSource:
    """Asks for the model's rewrite of a target's region; one candidate, or why there is none."""

    name = "model"

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        cache_size: int = 256,
        cache_ttl_s: float = 600.0,
        max_region_chars: int = 6000,
        small_file_chars: int = SMALL_FILE_CHARS,
        breaker: CircuitBreaker | None = None,
        stats: Stats | None = None,
        tracer: Tracer | None = None,
        client: ModelClient | None = None,
        log_code: bool = False,
    ) -> None:
        self.endpoint = endpoint
        if client is None:
            # httpx and tenacity load with the first configured endpoint, not at start-up.
            from debugllm.remote.client import ModelClient

            client = ModelClient(endpoint)
        self.client = client
        self.cache: AnswerCache[Completion] = AnswerCache(cache_size, cache_ttl_s)
        self.explanations: AnswerCache[Completion] = AnswerCache(cache_size, cache_ttl_s)
        self.breaker = breaker or CircuitBreaker()
        self.stats = stats or Stats()
        self.tracer = tracer or Tracer.from_environment()
        self.max_region_chars = max_region_chars
        self.small_file_chars = small_file_chars
        self.log_code = log_code

    async def aclose(self) -> None:
        await self.client.aclose()
        self.tracer.flush()

    def available(self) -> bool:
        return self.breaker.available()

    async def explain(self, candidate: Candidate, source: str) -> str:
        """Two plain sentences from ``explainModel`` about a model fix (cached); else the
        explanation composed from the diff. Never on the critical path of applying the fix."""
        model = self.endpoint.explain_model
        region = candidate.region
        if not model or region is None:
            return candidate.explanation
        original = source[region.start : region.end]
        fixed = apply_edits(source, candidate.edits)[region.start : region.end + _delta(candidate)]
        messages = chat_messages(region.where, unified_diff(original, fixed))
        key = cache_key(model, json.dumps(messages), kind="explain")
        try:
            answer, _ = await self.explanations.get_or_fetch(
                key, lambda: self.client.chat(model, messages, 120)
            )
        except ModelError as exc:
            self.stats.error(f"explain-{exc.kind}")
            return candidate.explanation
        text = " ".join(answer.text.split())
        return text or candidate.explanation

    async def fix(self, analysis: Analysis, target: ModelTarget) -> ModelOutcome:
        request_id = f"m{next(_ids)}"
        started = time.perf_counter()
        upstream = 0.0
        outcome = ModelOutcome(message="internal error")
        trace = self.tracer.trace("debugllm.model-fix", request_id)
        try:
            with trace.span("prompt"):
                source = analysis.source
                region = target.region
                code = source[region.start : region.end]
                if len(code) > self.max_region_chars:
                    outcome = ModelOutcome(
                        message=f"{region.where} is too large for the model "
                        f"({len(code)} characters, limit {self.max_region_chars}); no request "
                        "was sent",
                        error="too-large",
                    )
                    return outcome
                prompt = build_prompt(code)
                max_tokens = max_tokens_for(code)
                key = cache_key(
                    self.endpoint.model, prompt, max_tokens=max_tokens, stop=STOP_SEQUENCES
                )
            cached = self.cache.get(key)
            hit = cached is not None
            if cached is None:
                if not self.breaker.allow():
                    outcome = ModelOutcome(
                        message="DebugLLM's model endpoint is failing; model fixes are paused "
                        f"for a while ({self.breaker.last_error})",
                        error="breaker-open",
                    )
                    return outcome
                try:
                    with trace.span("upstream", model=self.endpoint.model) as span:
                        cached, hit = await self.cache.get_or_fetch(
                            key,
                            lambda: self.client.complete(prompt, max_tokens, STOP_SEQUENCES),
                        )
                        span.update(
                            prompt_tokens=cached.prompt_tokens,
                            completion_tokens=cached.completion_tokens,
                        )
                except ModelError as exc:
                    self.breaker.failure(str(exc))
                    self.stats.error(exc.kind)
                    outcome = ModelOutcome(message=f"DebugLLM's model: {exc}", error=exc.kind)
                    return outcome
                self.breaker.success()
                if not hit:
                    upstream = cached.upstream_s
                    self.stats.record_upstream(
                        cached.upstream_s, cached.prompt_tokens, cached.completion_tokens
                    )
            completion = cached
            with trace.span("map"):
                try:
                    answer = map_answer(source, region.start, region.end, completion.text)
                except AnswerError as exc:
                    self.stats.error("unusable-answer")
                    outcome = ModelOutcome(
                        message=f"DebugLLM's model: {exc}", cache_hit=hit, error="unusable-answer"
                    )
                    return outcome
            explanation = compose_explanation(region.where, code, answer.code, region.first_line)
            candidate = Candidate(
                target=target.problem,
                kind="model-fix",
                title=f"Fix {region.where} with DebugLLM (model)",
                explanation=explanation,
                edits=answer.edits,
                origin="model",
                cost=10.0,
                region=region,
            )
            outcome = ModelOutcome((candidate,), cache_hit=hit)
            return outcome
        except asyncio.CancelledError:
            self.breaker.release()
            outcome = ModelOutcome(message="cancelled", error="cancelled")
            raise
        except Exception as exc:  # a bug here must not take the editor's server down
            self.breaker.release()
            log.exception("model fix failed")
            outcome = ModelOutcome(
                message=f"DebugLLM's model path failed ({type(exc).__name__})", error="internal"
            )
            return outcome
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            overhead_ms = elapsed_ms - upstream * 1000
            path = "cache" if outcome.cache_hit else "model"
            self.stats.record(path, elapsed_ms, outcome.error or "candidate")
            if path == "model" and not outcome.error:
                self.stats.record_overhead(overhead_ms)
            trace.end(outcome=outcome.error or "candidate", latency_ms=round(elapsed_ms, 3))
            fields: dict[str, object] = {
                "event": "model-fix",
                "request_id": request_id,
                "latency_ms": round(elapsed_ms, 3),
                "overhead_ms": round(overhead_ms, 3),
                "cache_hit": outcome.cache_hit,
                "outcome": outcome.error or "candidate",
            }
            if self.log_code and outcome.candidates:
                fields["edits"] = [e.new_text for e in outcome.candidates[0].edits]
            log.info(json.dumps(fields))


def _delta(candidate: Candidate) -> int:
    return sum(len(e.new_text) - (e.end - e.start) for e in candidate.edits)


def build_model_source(
    settings: EndpointSettings,
    on_breaker_change: Callable[[str, str], None] | None = None,
    stats: Stats | None = None,
) -> tuple[ModelSource | None, str]:
    """A ``ModelSource`` for ``settings``; ``(None, "")`` when offline, ``(None, why)`` refused."""
    if not settings.enabled:
        return None, ""
    try:
        url = validate_url(settings.url, settings.allow_insecure)
    except EndpointConfigError as exc:
        return None, f"DebugLLM: model fixes are off: {exc}"
    endpoint = Endpoint(
        base_url=url,
        model=settings.model,
        api_key=settings.api_key.get_secret_value(),
        explain_model=settings.explain_model,
        connect_timeout_s=settings.connect_timeout_ms / 1000,
        read_timeout_s=settings.read_timeout_ms / 1000,
        total_timeout_s=settings.timeout_ms / 1000,
        retries=settings.retries,
        retry_after_cap_s=settings.retry_after_cap_ms / 1000,
        max_in_flight=settings.max_concurrency,
    )
    breaker = CircuitBreaker(
        settings.breaker_threshold, settings.breaker_cooldown_s, on_change=on_breaker_change
    )
    if stats is not None:
        stats.gpu_hour_price = settings.gpu_hour_price
    source = ModelSource(
        endpoint,
        cache_size=settings.cache_size,
        cache_ttl_s=settings.cache_ttl_s,
        max_region_chars=settings.max_region_chars,
        breaker=breaker,
        stats=stats or Stats(),
        log_code=settings.log_code,
    )
    return source, ""
