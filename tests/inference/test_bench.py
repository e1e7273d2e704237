"""`debugllm-serve bench` against the scripted vLLM: counts, errors by class, the JSON last line."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from debugllm.remote.client import Completion
from debugllm_inference.cli import main
from debugllm_inference.client import Attempt
from debugllm_inference.loadtest import (
    BenchOptions,
    load_prompts,
    percentile,
    run_bench_cli,
    summarize,
)

from tests.fakes.openai_server import COMPLETIONS, Received, Reply
from tests.inference.conftest import ScriptedVLLM

CODES = ["def f(a, b):\n    return a - b\n", "def g(xs):\n    return max(xs) < 0\n" * 5]


def _bench(vllm: ScriptedVLLM, **kwargs: object) -> tuple[int, dict[str, object], str]:
    out = io.StringIO()
    options = BenchOptions(url=vllm.url, codes=list(CODES), timeout_s=5.0, **kwargs)  # type: ignore[arg-type]
    status = run_bench_cli(options, out)
    text = out.getvalue()
    return status, json.loads(text.strip().splitlines()[-1]), text


def test_healthy_run_reports_latency_ttft_and_throughput(vllm: ScriptedVLLM) -> None:
    status, summary, text = _bench(vllm, requests=20, concurrency=4)
    assert status == 0
    for key in ("requests", "errors", "p50_ms", "p95_ms", "p99_ms", "throughput_rps"):
        assert key in summary
    assert summary["requests"] == 20 and summary["errors"] == 0 and summary["ok"] == 20
    assert summary["ttft_p50_ms"] is not None and summary["output_tokens_per_s"] > 0  # type: ignore[operator]
    assert summary["p50_ms"] <= summary["p95_ms"] <= summary["p99_ms"]  # type: ignore[operator]
    assert "latency p50" in text
    assert 1 <= vllm.max_in_flight <= 4
    # Every request is the editor's prompt for one of the programs, streamed.
    bodies = [r.json for r in vllm.fake.requests_to(COMPLETIONS)]
    assert all(b["stream"] and b["temperature"] == 0.0 for b in bodies)


def test_errors_are_counted_by_class(vllm: ScriptedVLLM) -> None:
    vllm.fake.responder(COMPLETIONS, None)
    vllm.fake.default(COMPLETIONS, Reply.completion("def f(a, b):\n    return a + b\n"))
    vllm.fake.script(
        COMPLETIONS,
        Reply(status=500),
        Reply(status=500),
        Reply(status=429, headers={"Retry-After": "1"}),
        Reply(drop=True),
        Reply.empty_choices(),
    )
    status, summary, _ = _bench(vllm, requests=12, concurrency=1, stream=False)
    assert status == 1
    assert summary["requests"] == 12 and summary["errors"] == 5 and summary["ok"] == 7
    assert summary["errors_by_class"] == {
        "bad_response": 1,
        "http_429": 1,
        "http_500": 2,
        "protocol": 1,
    }
    assert summary["error_rate"] == round(5 / 12, 4)


def test_failing_and_slow_servers(vllm: ScriptedVLLM) -> None:
    vllm.scenario = "failing"
    status, summary, _ = _bench(vllm, requests=6, concurrency=3)
    assert status == 1 and summary["errors"] == 6 and summary["p50_ms"] is None
    assert summary["errors_by_class"] == {"http_500": 6}
    vllm.scenario = "slow"
    vllm.delay = 0.2
    status, summary, _ = _bench(vllm, requests=4, concurrency=4)
    assert status == 0 and summary["p50_ms"] >= 200  # type: ignore[operator]
    # A client timeout is its own class.
    vllm.delay = 1.5
    out = io.StringIO()
    options = BenchOptions(url=vllm.url, codes=CODES, requests=2, concurrency=2, timeout_s=0.5)
    assert run_bench_cli(options, out) == 1
    assert json.loads(out.getvalue().splitlines()[-1])["errors_by_class"] == {"timeout": 2}


def test_rate_mode_and_cost(vllm: ScriptedVLLM) -> None:
    status, summary, text = _bench(
        vllm, requests=10, concurrency=10, rate=50.0, gpu_hour_price=1.2, gpus=1
    )
    assert status == 0 and summary["rate"] == 50.0
    cost = summary["cost_per_1k_requests_usd"]
    assert cost == pytest.approx(1.2 / 3600 / summary["good_rps"] * 1000, rel=0.01)  # type: ignore[operator]
    assert "cost per 1,000 requests" in text


def test_connection_refused_is_counted(vllm: ScriptedVLLM) -> None:
    vllm.fake.stop()
    status, summary, _ = _bench(vllm, requests=3, concurrency=1)
    assert status == 1 and summary["errors_by_class"] == {"connect": 3}


def test_summary_arithmetic() -> None:
    assert percentile([], 50) is None
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(101))), 99) == 99.0
    answer = Completion("x", "stop", completion_tokens=10)
    results = [Attempt(answer, latency_s=0.1 * (i + 1)) for i in range(10)]
    results.append(Attempt(error="http_503"))
    summary = summarize(results, 2.0, BenchOptions(url="x", gpu_hour_price=3.6))
    assert summary["requests"] == 11 and summary["errors"] == 1
    assert summary["p50_ms"] == 550.0 and summary["output_tokens_per_s"] == 50.0
    assert summary["cost_per_1k_requests_usd"] == pytest.approx(0.2)  # $0.001/s / 5 rps * 1000


def test_prompts_from_shared_bench_or_any_folder(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def a():\n    return 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("x = (\n")
    assert len(load_prompts(tmp_path)) == 2
    shared = Path(__file__).resolve().parents[3] / "shared" / "bench"
    if shared.is_dir():
        codes = load_prompts(shared)
        assert len(codes) > 1000 and min(map(len, codes)) < 300 < max(map(len, codes))


def test_cli_last_line_is_json(
    vllm: ScriptedVLLM, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text("def a():\n    return 1 - 1\n")

    def echo(received: Received) -> Reply:
        return Reply.completion("def a():\n    return 1 + 1\n")

    vllm.fake.responder(COMPLETIONS, echo)
    argv = ["bench", "--url", vllm.url, "-n", "5", "-c", "2", "--prompts", str(tmp_path)]
    assert main([*argv, "--no-stream"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out.strip().splitlines()[-1])["requests"] == 5
    assert "bench: 5/5 done" in captured.err  # progress on stderr
