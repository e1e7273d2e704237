"""``debugllm fix`` with an endpoint configured: the model handles what the engine cannot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from debugllm.cli import main

from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Reply

UNFIXABLE = "def f(xs):\n    return undefined_thing + xs\n"
MODEL_FIX = "def f(xs):\n    return 0 + xs\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        monkeypatch.setenv("DEBUGLLM_ENDPOINT_URL", server.url)
        monkeypatch.setenv("DEBUGLLM_API_KEY", "sk-cli-secret")
        yield server


def run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_model_answer_is_shown_not_applied_unasked(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.default(COMPLETIONS, Reply.completion(MODEL_FIX))
    path = tmp_path / "u.py"
    path.write_text(UNFIXABLE)
    code, out, err = run_cli(["fix", "--json", "--write", str(path)], capsys)
    result = json.loads(out)
    assert code == 1, err
    assert result["fixed_source"] is None and path.read_text() == UNFIXABLE
    (fix,) = result["fixes"]
    assert fix["source"] == "model" and fix["verified"] and not fix["applied"]
    assert fix["applicability"] == "unsafe" and not fix["preferred"]
    assert "sk-cli-secret" not in out + err


def test_the_model_fixes_what_the_engine_cannot_with_unsafe_fixes(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.default(COMPLETIONS, Reply.completion(MODEL_FIX))
    path = tmp_path / "u.py"
    path.write_text(UNFIXABLE)
    code, out, err = run_cli(["fix", "--json", "--unsafe-fixes", str(path)], capsys)
    result = json.loads(out)
    assert code == 0, err
    assert result["fixed_source"] == MODEL_FIX
    (fix,) = result["fixes"]
    assert fix["source"] == "model" and fix["verified"] and fix["applied"]
    assert "sk-cli-secret" not in out + err


def test_offline_sends_nothing(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.py"
    path.write_text(UNFIXABLE)
    code, out, _ = run_cli(["fix", "--json", "--offline", str(path)], capsys)
    assert code == 1 and json.loads(out)["fixes"] == [] and fake.requests == []


def test_a_failing_endpoint_is_a_message_and_the_engine_still_runs(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.stop()
    path = tmp_path / "u.py"
    path.write_text(UNFIXABLE)
    colon = tmp_path / "colon.py"
    colon.write_text("for x in []\n    pass\n")
    code, out, err = run_cli(["fix", "--json", str(path), str(colon)], capsys)
    first, second = (json.loads(line) for line in out.splitlines())
    assert code == 1 and first["fixed_source"] is None
    assert second["fixed_source"] == "for x in []:\n    pass\n"  # the engine still fixes
    assert "cannot reach" in err and "sk-cli-secret" not in err


def test_unverified_model_answers_are_not_applied(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.default(COMPLETIONS, Reply.completion("def f(xs:\n    return xs\n"))
    path = tmp_path / "u.py"
    path.write_text(UNFIXABLE)
    code, out, err = run_cli(["fix", "--json", "--write", str(path)], capsys)
    assert code == 1 and json.loads(out)["fixed_source"] is None
    assert path.read_text() == UNFIXABLE and "failed verification" in err


def test_an_answer_that_guts_the_function_is_refused_even_with_unsafe_fixes(
    fake: FakeOpenAI, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = (
        "def f(xs):\n"
        "    total = 0\n"
        "    for x in xs:\n"
        "        total += x * 2\n"
        "    result = total - undefined_thing\n"
        "    return result\n"
    )
    # Same line count as the original: the body replaced by `pass` and blank lines.
    gutted = "def f(xs):\n    pass\n\n\n\n\n"
    fake.default(COMPLETIONS, Reply.completion(gutted))
    path = tmp_path / "u.py"
    path.write_text(original)
    code, out, err = run_cli(["fix", "--json", "--write", "--unsafe-fixes", str(path)], capsys)
    result = json.loads(out)
    assert code == 1 and path.read_text() == original
    assert result["fixes"] == [] and result["fixed_source"] is None
    assert "drop" in err or "statement" in err, err
