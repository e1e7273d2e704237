"""Benchmark the model path against the scripted loopback endpoint (not a timed unit test).

Measures, in-process, the code the language server runs for a "Fix this function with DebugLLM"
request (region, prompt, cache, HTTP client, answer mapping, verification):

1. overhead: time inside DebugLLM per cache-missing request, excluding the upstream wait
   (network + the fake's delay + backoff), over ``--requests`` distinct functions;
2. cache hits: the same request again (no network);
3. concurrency: ``--concurrency`` distinct requests at once against an endpoint answering after
   ``--delay`` seconds (client limit ``--max-in-flight``), plus as many identical requests at
   once (which must share one upstream call).

    .venv/bin/python bench/model_path.py
    .venv/bin/python bench/model_path.py --requests 300 --delay 0.05 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "server"))

from debugllm.analysis.analyzer import Analysis  # noqa: E402
from debugllm.pipeline import FixPipeline, FixPlan, ModelResult  # noqa: E402
from debugllm.remote.endpoint import Endpoint  # noqa: E402
from debugllm.remote.source import ModelSource  # noqa: E402
from debugllm.remote.stats import percentile  # noqa: E402

from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Received, Reply  # noqa: E402

PADDING = "".join(f"SETTING_{i} = {i}\n" for i in range(150))


def function(i: int) -> str:
    return (
        f"def scale_{i}(values, factor):\n"
        "    out = []\n"
        "    for v in values:\n"
        "        if v > 0:\n"
        "            out.append(v * factor - 1)\n"
        "    return out\n"
    )


def document(i: int) -> str:
    return f"import math\n\n{PADDING}\n\n{function(i)}\n\nprint(math.pi)\n"


def fixer(delay: float):  # type: ignore[no-untyped-def]
    def respond(received: Received) -> Reply:
        code = received.json["prompt"].split("Input:\n", 1)[1].rsplit("\n\nResponse:\n", 1)[0]
        return Reply.completion(code.replace("- 1", "+ 1"), delay=delay)

    return respond


def request(pipeline: FixPipeline, text: str) -> tuple[Analysis, int]:
    """An analysed document and the position of a "Fix this function" request in it."""
    return pipeline.analyze(text), text.index("v * factor")


async def ask(pipeline: FixPipeline, req: tuple[Analysis, int]) -> ModelResult:
    """What the server does for the request: the pipeline's model policy, then the model."""
    analysis, offset = req
    target = pipeline.model_target(FixPlan(analysis), [], offset)
    assert target is not None
    return await pipeline.model_fix(analysis, target)


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "p50_ms": round(percentile(values, 50), 3),
        "p95_ms": round(percentile(values, 95), 3),
        "max_ms": round(max(values), 3) if values else 0.0,
        "mean_ms": round(statistics.fmean(values), 3) if values else 0.0,
    }


async def run(args: argparse.Namespace) -> dict[str, object]:
    results: dict[str, object] = {}
    with FakeOpenAI() as fake:
        fake.responder(COMPLETIONS, fixer(0.0))
        endpoint = Endpoint(base_url=fake.url, api_key="sk-bench", max_in_flight=args.max_in_flight)
        source = ModelSource(endpoint, cache_size=10_000)
        pipeline = FixPipeline(model=source)
        requests = [request(pipeline, document(i)) for i in range(args.requests)]
        await ask(pipeline, request(pipeline, document(-1)))  # warm-up: connection, imports

        overhead: list[float] = []
        model_part: list[float] = []
        for req in requests:
            before = source.stats.upstream_s
            started = time.perf_counter()
            result = await ask(pipeline, req)
            elapsed = time.perf_counter() - started
            assert result.fix is not None, result.message
            upstream = source.stats.upstream_s - before
            overhead.append((elapsed - upstream) * 1000)
        model_part = list(source.stats._overhead)
        results["overhead_excluding_upstream"] = summary(overhead)
        results["overhead_model_source_only"] = summary(model_part[-len(requests) :])

        hits: list[float] = []
        for req in requests[: min(200, len(requests))]:
            started = time.perf_counter()
            result = await ask(pipeline, req)
            hits.append((time.perf_counter() - started) * 1000)
            assert result.cache_hit and result.fix is not None
        results["cache_hit_with_verification"] = summary(hits)
        raw_hits: list[float] = []
        for analysis, offset in requests[: min(200, len(requests))]:
            started = time.perf_counter()
            target = pipeline.model_target(FixPlan(analysis), [], offset)  # the region, as before
            assert target is not None
            outcome = await source.fix(analysis, target)
            raw_hits.append((time.perf_counter() - started) * 1000)
            assert outcome.cache_hit
        results["cache_hit_answer_only"] = summary(raw_hits)

        fake.responder(COMPLETIONS, fixer(args.delay))
        burst = [request(pipeline, document(10_000 + i)) for i in range(args.concurrency)]
        calls_before = len(fake.requests_to(COMPLETIONS))

        async def timed(req: tuple[Analysis, int]) -> tuple[float, bool]:
            started = time.perf_counter()
            result = await ask(pipeline, req)
            return (time.perf_counter() - started) * 1000, result.fix is not None

        started = time.perf_counter()
        outcomes = await asyncio.gather(*(timed(r) for r in burst))
        wall = (time.perf_counter() - started) * 1000
        results["concurrent_distinct"] = {
            "requests": args.concurrency,
            "upstream_delay_s": args.delay,
            "max_in_flight": args.max_in_flight,
            "wall_ms": round(wall, 1),
            "verified": sum(ok for _, ok in outcomes),
            "upstream_calls": len(fake.requests_to(COMPLETIONS)) - calls_before,
            "latency": summary([ms for ms, _ in outcomes]),
        }
        same = request(pipeline, document(20_000))
        calls_before = len(fake.requests_to(COMPLETIONS))
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(timed(same) for _ in range(args.concurrency)))
        results["concurrent_identical"] = {
            "requests": args.concurrency,
            "wall_ms": round((time.perf_counter() - started) * 1000, 1),
            "verified": sum(ok for _, ok in outcomes),
            "upstream_calls": len(fake.requests_to(COMPLETIONS)) - calls_before,
        }
        await source.aclose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--delay", type=float, default=0.05)
    parser.add_argument("--max-in-flight", type=int, default=4)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = asyncio.run(run(args))
    text = json.dumps(results, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
