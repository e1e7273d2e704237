"""Counters and latency percentiles by path, errors by class, tokens and an estimated cost."""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


@dataclass
class Stats:
    #: Price of one GPU hour, for the cost estimate (``debugllm.endpoint.gpuHourPrice``).
    gpu_hour_price: float = 0.0
    window: int = 2048
    requests: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    upstream_s: float = 0.0
    _latency: dict[str, deque[float]] = field(default_factory=dict)
    _overhead: deque[float] = field(default_factory=lambda: deque(maxlen=2048))

    def record(self, path: str, latency_ms: float, outcome: str = "ok") -> None:
        self.requests[path] += 1
        self.outcomes[outcome] += 1
        self._latency.setdefault(path, deque(maxlen=self.window)).append(latency_ms)

    def record_upstream(self, seconds: float, prompt_tokens: int, completion_tokens: int) -> None:
        self.upstream_s += seconds
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens

    def record_overhead(self, ms: float) -> None:
        self._overhead.append(ms)

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        latency = {
            path: {
                "count": self.requests[path],
                "p50_ms": round(percentile(list(values), 50), 3),
                "p95_ms": round(percentile(list(values), 95), 3),
                "p99_ms": round(percentile(list(values), 99), 3),
            }
            for path, values in sorted(self._latency.items())
        }
        upstream_calls = self.requests["model"]
        cost = (
            self.gpu_hour_price * (self.upstream_s / upstream_calls) * 1000 / 3600
            if upstream_calls
            else 0.0
        )
        overhead = list(self._overhead)
        return {
            "requests": dict(self.requests),
            "outcomes": dict(self.outcomes),
            "latency": latency,
            "overhead_ms": {
                "p50": round(percentile(overhead, 50), 3),
                "p95": round(percentile(overhead, 95), 3),
            },
            "errors": dict(self.errors),
            "tokens": {"prompt": self.prompt_tokens, "completion": self.completion_tokens},
            # An upper bound: one upstream request charged as if it held the GPU alone.
            "estimated_cost_per_1000_requests": round(cost, 4),
        }
