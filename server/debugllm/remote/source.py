"""``ModelSource``: the remote model as a ``FixSource``.

Region sent: the enclosing top-level function or class of the request position, or the whole
file when it is small; above ``max_region_chars`` nothing is sent and the message says why. The
answer is cleaned and mapped back as minimal edits inside that region; the pipeline then runs the
same verifier as for embedded fixes. Failures never raise out of ``fix``: they become a message.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from debugllm.candidates import Candidate
from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for
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
    from debugllm.pipeline import FixRequest
    from debugllm.remote.client import ModelClient
    from debugllm.settings import EndpointSettings

log = logging.getLogger("debugllm.remote")
_ids = itertools.count(1)
_TOP_LEVEL = re.compile(r"(?:async[ \t]+def|def|class)[ \t]|@")


@dataclass(frozen=True)
class Region:
    start: int
    end: int
    where: str
    first_line: int  # 1-based


@dataclass(frozen=True)
class ModelOutcome:
    candidates: tuple[Candidate, ...] = ()
    #: Why no candidate came back ("" when one did): a message for the user.
    message: str = ""
    cache_hit: bool = False
    error: str = ""


def _line_starts(source: str) -> list[int]:
    starts = [0]
    for line in source.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def find_region(
    source: str, offset: int, tree: ast.Module | None, small_file_chars: int = 1500
) -> Region | None:
    """The region to send for a request at ``offset``, or ``None`` (not inside a function)."""
    if len(source) <= small_file_chars:
        return Region(0, len(source), "the file", 1)
    starts = _line_starts(source)
    if tree is not None:
        for node in tree.body:
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                continue
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            last = node.end_lineno or node.lineno
            start, end = starts[first - 1], starts[min(last, len(starts) - 1)]
            if start <= offset < end or (offset == end and last == len(starts) - 1):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                return Region(start, end, f"{kind} `{node.name}`", first)
        return None
    # The file does not parse: find the block textually (top-level def/class and what follows).
    lines = source.splitlines(keepends=True)
    line = max(0, next((i for i, s in enumerate(starts) if s > offset), len(starts)) - 1)
    line = min(line, len(lines) - 1)
    block: int | None = None
    for i in range(line, -1, -1):
        text = lines[i]
        if _TOP_LEVEL.match(text):
            block = i
            while block > 0 and lines[block - 1].startswith("@"):
                block -= 1
            break
        if text.strip() and not text[0].isspace() and not text.startswith("#") and i != line:
            return None
    if block is None:
        return None
    last = block + 1
    while last < len(lines):
        text = lines[last]
        if text.strip() and not text[0].isspace() and not text.startswith(("#", ")", "]", "}")):
            break
        last += 1
    name = re.search(r"(?:def|class)[ \t]+(\w+)", "".join(lines[block : block + 3]))
    kind = "class" if lines[block].lstrip("@").startswith("class") else "function"
    where = f"{kind} `{name.group(1)}`" if name else "this block"
    return Region(starts[block], starts[last], where, block + 1)


class ModelSource:
    """Proposes the model's rewrite of the region around the request as one candidate."""

    name = "model"

    def __init__(
        self,
        endpoint: Endpoint,
        *,
        cache_size: int = 256,
        cache_ttl_s: float = 600.0,
        max_region_chars: int = 6000,
        small_file_chars: int = 1500,
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
        details = dict(candidate.details)
        if not model or "region_start" not in details:
            return candidate.explanation
        start, end = int(details["region_start"]), int(details["region_end"])
        original = source[start:end]
        fixed = apply_edits(source, candidate.edits)[start : end + _delta(candidate)]
        messages = chat_messages(details.get("where", "this code"), unified_diff(original, fixed))
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

    def region_for(self, source: str, offset: int, tree: ast.Module | None) -> Region | None:
        return find_region(source, offset, tree, self.small_file_chars)

    async def propose(self, request: FixRequest) -> Sequence[Candidate]:
        return (await self.fix(request)).candidates

    async def fix(self, request: FixRequest) -> ModelOutcome:
        request_id = f"m{next(_ids)}"
        started = time.perf_counter()
        upstream = 0.0
        outcome = ModelOutcome(message="internal error")
        trace = self.tracer.trace("debugllm.model-fix", request_id)
        try:
            with trace.span("prompt"):
                analysis = request.analysis
                source = analysis.source
                region = find_region(
                    source, request.problem.start, analysis.tree, self.small_file_chars
                )
                if region is None:
                    outcome = ModelOutcome(
                        message="DebugLLM's model fixes a function or class: place the cursor "
                        "inside one",
                        error="no-region",
                    )
                    return outcome
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
                target=request.problem,
                kind="model-fix",
                title=f"Fix {region.where} with DebugLLM (model)",
                explanation=explanation,
                edits=answer.edits,
                origin="model",
                cost=10.0,
                details=(
                    ("where", region.where),
                    ("region_start", str(region.start)),
                    ("region_end", str(region.end)),
                    ("first_line", str(region.first_line)),
                ),
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
