"""The remote model on the test oracle, against the scripted OpenAI server on loopback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from debugllm.oracle.model import model_proposer
from debugllm.oracle.search import TestFixResult, TestRepair
from debugllm.remote.source import build_model_source
from debugllm.settings import load_settings

from tests.fakes.openai_server import FakeOpenAI, Received, Reply

# Two slips at once: no single mutation fixes it, the model's rewrite does.
SCALE = "def scale(a, b):\n    return a - b * 3\n"
TESTS = (
    "from mod import scale\n\n\n"
    "def test_scale():\n    assert scale(1, 2) == 5\n    assert scale(0, 1) == 2\n"
    "    assert scale(3, 0) == 3\n"
)


@pytest.fixture(autouse=True)
def _no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def answer_with(text: str, replacement: str) -> object:
    def respond(received: Received) -> Reply:
        code = received.json["prompt"].split("Input:\n", 1)[1].rsplit("\n\nResponse:\n", 1)[0]
        return Reply.completion(code.replace(text, replacement))

    return respond


def search(root: Path, fake: FakeOpenAI) -> TestFixResult:
    settings, problems = load_settings({"endpoint": {"url": fake.url, "retries": 0}})
    assert not problems
    model, refusal = build_model_source(settings.endpoint)
    assert model is not None and not refusal
    loop = asyncio.new_event_loop()
    try:
        propose = model_proposer(model, loop.run_until_complete)
        command = f"{sys.executable} -m pytest -x test_mod.py"
        return TestRepair(root, command, budget_s=30, propose=propose).run()
    finally:
        loop.run_until_complete(model.aclose())
        loop.close()


def project(root: Path) -> Path:
    root.mkdir()
    (root / "mod.py").write_text(SCALE)
    (root / "test_mod.py").write_text(TESTS)
    return root


def test_an_admissible_model_answer_is_run_by_the_tests(tmp_path: Path, fake: FakeOpenAI) -> None:
    fake.responder("/v1/completions", answer_with(" - b * 3", " + b * 2"))  # type: ignore[arg-type]
    root = project(tmp_path / "model-oracle")
    result = search(root, fake)
    assert result.fix is not None
    assert result.fix.origin == "model"
    assert result.fix.fixed == "def scale(a, b):\n    return a + b * 2\n"
    assert result.fix.fixed_tests == ("test_mod.py::test_scale",)
    assert (root / "mod.py").read_text() == SCALE  # the user's file: untouched
    assert "Instruction:" in fake.requests[0].json["prompt"]  # the training prompt


def test_a_model_answer_with_a_new_call_is_shown_unexecuted(
    tmp_path: Path, fake: FakeOpenAI
) -> None:
    fake.responder(  # type: ignore[arg-type]
        "/v1/completions", answer_with("return a - b * 3", "return abs(a) + b * 2")
    )
    root = project(tmp_path / "model-oracle-refused")
    result = search(root, fake)
    assert result.fix is None
    [(path, text, added)] = result.unexecuted
    assert path == root / "mod.py"
    assert added == ("call abs",)
    assert "abs(a)" in text
