"""Issue 15 (items 3, 5, 8 in part): valid code never reported, bad API keys, loopback names,
SyntaxWarnings kept off stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from debugllm.analysis.analyzer import analyze
from debugllm.remote.endpoint import EndpointConfigError, is_loopback, validate_url
from debugllm.settings import load_settings

TERMS = 1500


def plus_chain(terms: int = TERMS) -> str:
    return "x = " + " + ".join(f"a{i}" for i in range(terms)) + "\n"


def elif_chain(branches: int = TERMS) -> str:
    arms = "".join(f"elif x == {i}:\n    pass\n" for i in range(1, branches))
    return "x = 0\nif x == 0:\n    pass\n" + arms


def _nested(depth: int, fn: Callable[[], object]) -> object:
    # The server analyses from deep inside asyncio and pygls: the same text at a deeper stack.
    return fn() if depth == 0 else _nested(depth - 1, fn)


@pytest.mark.parametrize("make", [plus_chain, elif_chain])
def test_deep_but_valid_code_is_never_reported(make: Callable[[], str]) -> None:
    source = make()
    compile(source, "<file>", "exec", dont_inherit=True)  # CPython accepts the text
    analysis = analyze(source)
    assert analysis.problems == ()
    assert not analysis.static_checked  # too deep to walk: skipped, not reported


@pytest.mark.parametrize("make", [plus_chain, elif_chain])
def test_990_terms_deep_in_the_stack_are_not_reported(make: Callable[[int], str]) -> None:
    source = make(990)
    assert _nested(150, lambda: analyze(source).problems) == ()


def test_deep_code_skips_static_checks_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO", logger="debugllm.analysis"):
        analyze(plus_chain(), filename="chain.py")
    assert any("static checks skipped for chain.py" in r.getMessage() for r in caplog.records)


def test_ordinary_code_is_still_checked() -> None:
    analysis = analyze("import os\n\nx = 1 + 2\n")
    assert analysis.static_checked and analysis.tree is not None
    assert [p.code for p in analysis.problems] == ["unused-import"]


def test_an_invalid_deep_file_still_reports_its_error() -> None:
    analysis = analyze(plus_chain(200) + "def f(\n")
    assert analysis.syntax_errors


WARNS = 'x = 1\nif x is 1:\n    print("\\d")\n'


def test_syntax_warnings_of_user_code_do_not_reach_stderr(tmp_path: Path) -> None:
    path = tmp_path / "warns.py"
    path.write_text(WARNS)
    done = subprocess.run(
        [sys.executable, "-m", "debugllm.cli", "fix", "--json", "--offline", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "SyntaxWarning" not in done.stderr, done.stderr


def test_cli_reports_nothing_for_deep_valid_code(tmp_path: Path) -> None:
    chain = tmp_path / "chain.py"
    chain.write_text(plus_chain(990))
    elifs = tmp_path / "elifs.py"
    elifs.write_text(elif_chain(990))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "debugllm.cli",
            "fix",
            "--json",
            "--offline",
            str(chain),
            str(elifs),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["diagnostics"] for r in records] == [[], []]


# --- item 5: the API key ---------------------------------------------------------------------

BAD_KEYS = ["sk-ключ", "sk abc", "sk-\tabc", "sk-\x7f"]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_a_key_httpx_cannot_send_turns_the_model_off_with_one_message(key: str) -> None:
    settings, problems = load_settings(
        {"endpoint": {"url": "http://127.0.0.1:9/v1", "apiKey": key}}
    )
    assert not settings.endpoint.enabled
    assert settings.endpoint.api_key.get_secret_value() == ""
    (problem,) = problems
    assert "apiKey" in problem and "DEBUGLLM_API_KEY" in problem
    assert key not in problem and "ключ" not in problem


def test_a_bad_key_from_the_environment_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUGLLM_API_KEY", "sk-ключ")
    settings, problems = load_settings({"endpoint": {"url": "http://127.0.0.1:9/v1"}})
    assert not settings.endpoint.enabled
    assert len(problems) == 1 and "ключ" not in problems[0]


def test_a_printable_key_is_kept() -> None:
    settings, problems = load_settings(
        {"endpoint": {"url": "http://127.0.0.1:9/v1", "apiKey": "sk-Ab_9.~!"}}
    )
    assert problems == [] and settings.endpoint.enabled


def test_cli_with_a_non_ascii_key_processes_every_file_offline(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text("def f(x)\n    return x\n")
    env = {
        **os.environ,
        "DEBUGLLM_API_KEY": "sk-ключ",
        "DEBUGLLM_ENDPOINT_URL": "http://127.0.0.1:9/v1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "debugllm.cli", "fix", "--json", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "ключ" not in done.stderr
    assert "DEBUGLLM_API_KEY" in done.stderr
    (record,) = [json.loads(line) for line in done.stdout.splitlines()]
    assert record["fixed_source"] == "def f(x):\n    return x\n"


# --- item 8: loopback -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.localhost", "a.b.localhost", "localhost.evil.com", "127.0.0.1.nip.io"]
)
def test_names_under_localhost_are_not_loopback(host: str) -> None:
    assert not is_loopback(host)
    with pytest.raises(EndpointConfigError):
        validate_url(f"http://{host}/v1")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST", "127.0.0.1", "127.8.9.10", "[::1]"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)
    assert validate_url(f"http://{host}:8000/v1/")
