"""`debugllm-serve check` against the scripted vLLM: passes healthy, fails for the right reason."""

from __future__ import annotations

import pytest
from debugllm_inference.check import CHECK_CASES, run_check, verify_fix
from debugllm_inference.cli import main

from tests.fakes.openai_server import HEALTH, MODELS, FakeOpenAI, Reply
from tests.inference.conftest import CHECK_FIXES, ScriptedVLLM


async def _check(vllm: ScriptedVLLM, **kwargs: object) -> tuple[bool, dict[str, str]]:
    lines: list[str] = []
    report = await run_check(vllm.url, emit=lines.append, **kwargs)  # type: ignore[arg-type]
    by_what = {line.what: str(line) for line in report.lines}
    assert len(lines) == len(report.lines)
    return report.ok, by_what


async def test_healthy_endpoint_passes_every_check(vllm: ScriptedVLLM) -> None:
    ok, lines = await _check(vllm)
    assert ok, lines
    assert set(lines) == {"health", "models", "fix", "latency", "adapter active"}
    assert all(line.startswith("ok") for line in lines.values())
    assert "time to first token" in lines["latency"]
    # The editor's prompt, stop sequences and temperature went over the wire.
    sent = vllm.fake.requests_to("/v1/completions")[0].json
    assert sent["temperature"] == 0.0 and "\nInstruction:" in sent["stop"]


async def test_inactive_adapter_fails_with_the_reason(vllm: ScriptedVLLM) -> None:
    vllm.scenario = "inactive"
    ok, lines = await _check(vllm)
    assert not ok
    assert lines["adapter active"].startswith("FAIL")
    assert "NOT active" in lines["adapter active"] and "merge" in lines["adapter active"]
    assert lines["health"].startswith("ok") and lines["models"].startswith("ok")


async def test_failing_engine_fails_the_fix_check(vllm: ScriptedVLLM) -> None:
    vllm.scenario = "failing"
    ok, lines = await _check(vllm)
    assert not ok
    assert lines["fix"].startswith("FAIL") and "http_500" in lines["fix"]
    assert lines["adapter active"].startswith("FAIL")


async def test_slow_endpoint_fails_only_the_latency_limit(vllm: ScriptedVLLM) -> None:
    vllm.scenario = "slow"
    vllm.delay = 0.3
    ok, lines = await _check(vllm, max_ttft_ms=100.0)
    assert not ok
    assert lines["latency"].startswith("FAIL") and "ttft limit 100 ms" in lines["latency"]
    assert lines["fix"].startswith("ok") and lines["adapter active"].startswith("ok")


async def test_a_wrong_fix_is_rejected_by_verifier_or_tests(vllm: ScriptedVLLM) -> None:
    # Only the colon fixed: the verifier accepts it, the function's tests do not.
    buggy = CHECK_CASES[0].buggy
    vllm.fixes[buggy] = buggy.replace("(numbers)\n", "(numbers):\n")
    ok, lines = await _check(vllm)
    assert not ok and "tests fail" in lines["fix"]
    # Still a syntax error: the verifier itself says no.
    vllm.fixes[buggy] = buggy.replace("total = 0", "total = 1")
    ok, lines = await _check(vllm)
    assert not ok and "verifier rejects" in lines["fix"]


async def test_missing_adapter_or_wrong_parent_fails_models(vllm: ScriptedVLLM) -> None:
    vllm.fake.default(
        MODELS, Reply(json={"object": "list", "data": [{"id": "phi3", "parent": None}]})
    )
    ok, lines = await _check(vllm)
    assert not ok and "'debugllm' is not served" in lines["models"]
    vllm.fake.default(
        MODELS,
        Reply(json={"data": [{"id": "phi3"}, {"id": "debugllm", "parent": "other"}]}),
    )
    ok, lines = await _check(vllm)
    assert not ok and "parent 'other'" in lines["models"]


async def test_health_down_stops_early(vllm: ScriptedVLLM) -> None:
    vllm.fake.default(HEALTH, Reply(status=503))
    ok, lines = await _check(vllm)
    assert not ok and list(lines) == ["health"] and "503" in lines["health"]
    vllm.fake.stop()
    ok, lines = await _check(vllm)
    assert not ok and "GET /health failed" in lines["health"]


def test_key_from_environment_is_sent(
    vllm: ScriptedVLLM, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEBUGLLM_API_KEY", "sk-test")
    assert main(["check", "--url", vllm.url]) == 0
    out = capsys.readouterr().out
    assert out.strip().splitlines()[-1] == "check passed"
    assert vllm.fake.requests_to("/v1/models")[0].headers["authorization"] == "Bearer sk-test"
    vllm.scenario = "inactive"
    assert main(["check", "--url", vllm.url]) == 1
    assert "check FAILED" in capsys.readouterr().out


def test_verify_fix_uses_the_project_verifier() -> None:
    buggy = CHECK_CASES[0].buggy
    assert verify_fix(buggy, CHECK_FIXES[buggy])[0]
    assert not verify_fix(buggy, buggy)[0]


async def test_merged_model_is_compared_with_a_separate_base_server(vllm: ScriptedVLLM) -> None:
    with FakeOpenAI() as base_fake:
        base = ScriptedVLLM(base_fake)
        vllm.fake.default(MODELS, Reply(json={"data": [{"id": "debugllm", "parent": None}]}))
        ok, lines = await _check(vllm, base_url=base.url)
        assert ok, lines
        assert "merged model" in lines["models"]
        assert base_fake.requests_to("/v1/completions")[0].json["model"] == "phi3"
        # The merged weights answer like the base model: the merge did not take.
        vllm.scenario = "inactive"
        ok, lines = await _check(vllm, base_url=base.url)
        assert not ok and "NOT active" in lines["adapter active"]
