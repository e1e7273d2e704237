"""A scripted vLLM on loopback: ``tests/fakes/openai_server.FakeOpenAI`` answering from the prompt.

Scenarios (``vllm`` fixture, ``scenario`` attribute switches them at any time):
- ``healthy``: the adapter answers with the fix (``fixes`` maps buggy code to fixed code), the
  base model answers differently (code plus an explanation, as an instruct model would).
- ``inactive``: the adapter's weights were skipped, so both models give the base answer.
- ``slow``: healthy, but every completion waits ``delay`` seconds first.
- ``failing``: every completion answers HTTP 500.
Streaming requests get SSE chunks (a few characters each, usage last, then ``[DONE]``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from debugllm.prompt import PROMPT_TEMPLATE
from debugllm_inference.check import CHECK_CASES

from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Received, Reply

CHECK_FIXES = {
    CHECK_CASES[0].buggy: CHECK_CASES[0]
    .buggy.replace("(numbers)\n", "(numbers):\n")
    .replace("total - n", "total + n"),
    CHECK_CASES[1].buggy: CHECK_CASES[1].buggy.replace("item < best", "item > best"),
}

_BEFORE, _AFTER = PROMPT_TEMPLATE.split("{code}")


def code_of(prompt: str) -> str:
    assert prompt.startswith(_BEFORE) and prompt.endswith(_AFTER), prompt[:80]
    return prompt[len(_BEFORE) : -len(_AFTER)]


def sse_chunks(text: str, model: str, size: int = 7) -> list[Any]:
    pieces = [text[i : i + size] for i in range(0, len(text), size)] or [""]
    chunks: list[Any] = [
        {"id": "cmpl-fake", "model": model, "choices": [{"index": 0, "text": p}]} for p in pieces
    ]
    chunks[-1]["choices"][0]["finish_reason"] = "stop"
    tokens = max(1, len(text) // 4)
    chunks.append(
        {
            "id": "cmpl-fake",
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": 60,
                "completion_tokens": tokens,
                "total_tokens": 60 + tokens,
            },
        }
    )
    chunks.append("[DONE]")
    return chunks


class ScriptedVLLM:
    def __init__(self, fake: FakeOpenAI) -> None:
        self.fake = fake
        self.scenario = "healthy"
        self.delay = 0.3
        self.fixes: dict[str, str] = dict(CHECK_FIXES)
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0
        fake.responder(COMPLETIONS, self._answer)

    @property
    def url(self) -> str:
        return self.fake.url

    def answer_text(self, model: str, code: str) -> str:
        base_answer = f"{code}\nThe bug is somewhere in this function.\n"
        if self.scenario == "inactive" or model != "debugllm":
            return base_answer
        return self.fixes.get(code, code)

    def _answer(self, received: Received) -> Reply:
        body = received.json or {}
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.scenario == "failing":
                return Reply(status=500, json={"error": {"message": "engine dead"}})
            model = str(body.get("model"))
            text = self.answer_text(model, code_of(str(body.get("prompt", ""))))
            # Sleep here (not Reply.delay) so in_flight counts requests being "generated".
            time.sleep(self.delay if self.scenario == "slow" else 0.01)
            if body.get("stream"):
                return Reply(sse=sse_chunks(text, model))
            tokens = max(1, len(text) // 4)
            return Reply.completion(
                text,
                model=model,
                usage={"prompt_tokens": 60, "completion_tokens": tokens, "total_tokens": 60},
            )
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def vllm() -> Iterator[ScriptedVLLM]:
    with FakeOpenAI() as fake:
        yield ScriptedVLLM(fake)
