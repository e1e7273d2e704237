"""``debugllm-serve bench``: a load test with real bug-fix prompts.

Prompts are real buggy programs (``../shared/bench``: QuixBugs, HumanEvalFix, DebugBench, or any
folder of .py files), so input and output lengths have the spread the editor will send; each goes
through ``debugllm.prompt`` exactly as the editor sends it.

Why a loop of our own rather than Locust or k6: what matters here is time to first token of an
SSE stream, tokens per second from the server's ``usage``, and error classes, none of which those
tools report for OpenAI streaming without custom code; Locust is also gevent-based and is not a
dependency. ``httpx`` + ``asyncio`` with a semaphore (closed loop, ``--concurrency``) or Poisson
arrivals (open loop, ``--rate``) is the same shape as vLLM's own ``benchmarks/benchmark_serving``.

The last stdout line is one JSON object: ``requests``, ``errors``, ``p50_ms``, ``p95_ms``,
``p99_ms``, ``throughput_rps`` and more (time to first token, tokens/s, errors by class, cost).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from debugllm_inference.client import Attempt, complete, model_client

#: Where the benchmark data lives relative to a checkout (``<repo>/../shared/bench``).
_REPO = Path(__file__).resolve().parents[2]
BENCH_ENV = "DEBUGLLM_BENCH_DATA"


def default_bench_dir() -> Path | None:
    candidates = [
        Path(os.environ[BENCH_ENV]) if os.environ.get(BENCH_ENV) else None,
        _REPO.parent / "shared" / "bench",
        _REPO / "shared" / "bench",
        Path.cwd() / "shared" / "bench",
    ]
    for candidate in candidates:
        if candidate is not None and candidate.is_dir():
            return candidate
    return None


def load_prompts(folder: Path | None, limit: int = 2000) -> list[str]:
    """Buggy programs: the datasets of ``shared/bench`` when present, else every .py file."""
    folder = folder or default_bench_dir()
    if folder is None:
        raise FileNotFoundError(f"no prompt folder: pass --prompts DIR or set {BENCH_ENV}")
    codes: list[str] = []
    quix = folder / "quixbugs" / "python_programs"
    if quix.is_dir():
        codes += [p.read_text("utf-8") for p in sorted(quix.glob("*.py")) if "_test" not in p.name]
    heval = folder / "humanevalpack" / "humanevalpack_python.jsonl"
    if heval.is_file():
        for line in heval.read_text("utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                codes.append(item["declaration"] + item["buggy_solution"])
    for path in sorted((folder / "debugbench" / "benchmark").glob("python3_*.json")):
        codes += [item["buggy_code"] for item in json.loads(path.read_text("utf-8"))]
    if not codes:
        codes = [p.read_text("utf-8", "replace") for p in sorted(folder.rglob("*.py"))]
    codes = [c for c in codes if c.strip()]
    if not codes:
        raise FileNotFoundError(f"no Python programs under {folder}")
    return codes[:limit] if len(codes) > limit else codes


def percentile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None when empty."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass
class BenchOptions:
    url: str
    model: str = "debugllm"
    requests: int = 100
    concurrency: int = 8
    rate: float | None = None
    prompts: Path | None = None
    gpu_hour_price: float = 0.0
    gpus: int = 1
    stream: bool = True
    timeout_s: float = 60.0
    seed: int = 0
    codes: list[str] | None = field(default=None, repr=False)


class Progress:
    """A progress bar on stderr (redrawn on a terminal, every 10% otherwise)."""

    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(1, total)
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done = 0
        self.errors = 0
        self._last_decile = -1

    def update(self, ok: bool) -> None:
        self.done += 1
        self.errors += not ok
        fraction = self.done / self.total
        if self.tty:
            filled = int(30 * fraction)
            self.stream.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total}"
                f" errors {self.errors}"
            )
            if self.done >= self.total:
                self.stream.write("\n")
        elif int(fraction * 10) > self._last_decile:
            self._last_decile = int(fraction * 10)
            self.stream.write(f"bench: {self.done}/{self.total} done, {self.errors} errors\n")
        self.stream.flush()


def summarize(
    results: Sequence[Attempt], duration_s: float, options: BenchOptions
) -> dict[str, Any]:
    ok = [r for r in results if r.ok]
    errors = Counter(r.error for r in results if r.error is not None)
    latencies = [r.latency_s * 1000 for r in ok]
    ttfts = [r.ttft_s * 1000 for r in ok if r.ttft_s is not None]
    completion_tokens = sum(r.completion_tokens for r in ok)
    decode_rates = [
        r.completion_tokens / (r.latency_s - r.ttft_s)
        for r in ok
        if r.ttft_s is not None and r.latency_s > r.ttft_s and r.completion_tokens > 1
    ]
    throughput = len(results) / duration_s if duration_s > 0 else 0.0
    good_rps = len(ok) / duration_s if duration_s > 0 else 0.0
    cost = None
    if options.gpu_hour_price > 0 and good_rps > 0:
        # The GPUs are paid for the whole run: cost per successful request at this load.
        cost = options.gpu_hour_price * options.gpus / 3600.0 / good_rps * 1000.0

    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 2)

    return {
        "requests": len(results),
        "ok": len(ok),
        "errors": sum(errors.values()),
        "error_rate": round(sum(errors.values()) / len(results), 4) if results else 0.0,
        "errors_by_class": dict(sorted(errors.items())),
        "p50_ms": rounded(percentile(latencies, 50)),
        "p95_ms": rounded(percentile(latencies, 95)),
        "p99_ms": rounded(percentile(latencies, 99)),
        "ttft_p50_ms": rounded(percentile(ttfts, 50)),
        "ttft_p95_ms": rounded(percentile(ttfts, 95)),
        "ttft_p99_ms": rounded(percentile(ttfts, 99)),
        "throughput_rps": round(throughput, 3),
        "good_rps": round(good_rps, 3),
        "output_tokens_per_s": round(completion_tokens / duration_s, 1) if duration_s else 0.0,
        "decode_tokens_per_s_p50": rounded(percentile(decode_rates, 50)),
        "prompt_tokens_mean": rounded(sum(r.prompt_tokens for r in ok) / len(ok) if ok else None),
        "completion_tokens_mean": rounded(completion_tokens / len(ok) if ok else None),
        "duration_s": round(duration_s, 3),
        "concurrency": options.concurrency,
        "rate": options.rate,
        "model": options.model,
        "stream": options.stream,
        "gpu_hour_price": options.gpu_hour_price or None,
        "gpus": options.gpus,
        "cost_per_1k_requests_usd": rounded(cost) if cost is None else round(cost, 4),
    }


async def run_bench(
    options: BenchOptions, on_result: Callable[[Attempt], None] | None = None
) -> tuple[list[Attempt], float]:
    codes = options.codes if options.codes is not None else load_prompts(options.prompts)
    rng = random.Random(options.seed)
    chosen = [rng.choice(codes) for _ in range(options.requests)]
    semaphore = asyncio.Semaphore(max(1, options.concurrency))
    results: list[Attempt] = []
    client = model_client(
        options.url, timeout_s=options.timeout_s, connections=max(1, options.concurrency)
    )
    try:

        async def one(code: str) -> None:
            async with semaphore:
                result = await complete(client, code, options.model, stream=options.stream)
            results.append(result)
            if on_result is not None:
                on_result(result)

        started = time.perf_counter()
        tasks: list[asyncio.Task[None]] = []
        for code in chosen:
            tasks.append(asyncio.create_task(one(code)))
            if options.rate:
                await asyncio.sleep(rng.expovariate(options.rate))
        await asyncio.gather(*tasks)
        duration = time.perf_counter() - started
    finally:
        await client.aclose()
    return results, duration


def report_lines(summary: dict[str, Any]) -> list[str]:
    def ms(key: str) -> str:
        value = summary.get(key)
        return "n/a" if value is None else f"{value:.0f} ms"

    lines = [
        f"requests {summary['requests']}, ok {summary['ok']}, errors {summary['errors']} "
        f"({summary['error_rate']:.1%})"
        + (f": {summary['errors_by_class']}" if summary["errors_by_class"] else ""),
        f"latency p50 {ms('p50_ms')}, p95 {ms('p95_ms')}, p99 {ms('p99_ms')}",
        f"time to first token p50 {ms('ttft_p50_ms')}, p95 {ms('ttft_p95_ms')}",
        f"throughput {summary['throughput_rps']} req/s, "
        f"{summary['output_tokens_per_s']} output tokens/s",
    ]
    if summary["cost_per_1k_requests_usd"] is not None:
        lines.append(
            f"cost per 1,000 requests ${summary['cost_per_1k_requests_usd']:.4f} at "
            f"${summary['gpu_hour_price']}/GPU-hour x {summary['gpus']}"
        )
    return lines


def run_bench_cli(options: BenchOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        if options.codes is None:
            options.codes = load_prompts(options.prompts)
    except FileNotFoundError as exc:
        print(f"debugllm-serve bench: {exc}", file=sys.stderr)
        return 2
    progress = Progress(options.requests)
    results, duration = asyncio.run(run_bench(options, on_result=lambda r: progress.update(r.ok)))
    summary = summarize(results, duration, options)
    for line in report_lines(summary):
        print(line, file=out)
    print(json.dumps(summary), file=out)
    return 0 if summary["errors"] == 0 else 1
