"""The model as a fix source: region, answer mapping, the shared verifier, faults, no key leaks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from debugllm.analysis.analyzer import Analysis
from debugllm.pipeline import FixPipeline, FixPlan, ModelTarget
from debugllm.problems import Code, Problem
from debugllm.prompt import build_prompt
from debugllm.region import find_region
from debugllm.remote.answer import AnswerError, clean_answer, map_answer
from debugllm.remote.breaker import CircuitBreaker
from debugllm.remote.endpoint import Endpoint
from debugllm.remote.source import ModelSource, build_model_source
from debugllm.settings import load_settings
from debugllm.text import apply_edits

from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Received, Reply

KEY = "sk-unit-secret-abcdef"
PADDING = "".join(f"CONSTANT_{i} = {i}\n" for i in range(120))  # makes the file "not small"
BUGGY_ADD = "def add(a, b):\n    return a - b\n"
FIXED_ADD = "def add(a, b):\n    return a + b\n"
FILE = f"import os\n\n{PADDING}\n\n{BUGGY_ADD}\n\nprint(os.sep)\n"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def source_for(fake: FakeOpenAI, **kwargs: object) -> ModelSource:
    endpoint = Endpoint(
        base_url=fake.url, api_key=KEY, read_timeout_s=1.0, total_timeout_s=3.0, retries=1
    )
    return ModelSource(endpoint, **kwargs)  # type: ignore[arg-type]


def pipeline_for(fake: FakeOpenAI, **kwargs: object) -> FixPipeline:
    return FixPipeline(model=source_for(fake, **kwargs))


def request_at(pipeline: FixPipeline, text: str, needle: str) -> tuple[Analysis, ModelTarget]:
    """The pipeline's model target at ``needle`` ("fix this function" there)."""
    analysis = pipeline.analyze(text)
    offset = text.index(needle)
    region = find_region(text, offset, analysis.tree)
    assert region is not None
    return analysis, ModelTarget(Problem(Code.FOREIGN, "fix this function", offset, offset), region)


def test_region_is_the_enclosing_top_level_function() -> None:
    import ast

    region = find_region(FILE, FILE.index("a - b"), ast.parse(FILE))
    assert region is not None and FILE[region.start : region.end] == BUGGY_ADD
    assert region.where == "function `add`"
    assert find_region(FILE, FILE.index("CONSTANT_3"), ast.parse(FILE)) is None
    small = "x = 1\n" + BUGGY_ADD
    whole = find_region(small, 0, ast.parse(small))
    assert whole is not None and (whole.start, whole.end, whole.where) == (
        0,
        len(small),
        "the file",
    )


def test_region_of_a_file_that_does_not_parse_is_found_textually() -> None:
    text = FILE.replace("return a - b", "return (a - b")
    region = find_region(text, text.index("(a - b"), None)
    assert region is not None and text[region.start : region.end].startswith("def add")
    assert "print" not in text[region.start : region.end]


def test_answers_are_cleaned_of_fences_echoes_and_stop_markers() -> None:
    assert clean_answer(f"```python\n{FIXED_ADD}```\nThe bug was...", BUGGY_ADD) == FIXED_ADD
    echoed = build_prompt(BUGGY_ADD) + FIXED_ADD + "\nInstruction:\nFix the bug"
    assert clean_answer(echoed, BUGGY_ADD) == FIXED_ADD
    assert clean_answer(FIXED_ADD + "<|endoftext|>garbage", BUGGY_ADD) == FIXED_ADD
    with pytest.raises(AnswerError, match="unchanged"):
        map_answer(BUGGY_ADD, 0, len(BUGGY_ADD), BUGGY_ADD)
    with pytest.raises(AnswerError, match="too large"):
        map_answer(BUGGY_ADD, 0, len(BUGGY_ADD), FIXED_ADD * 500)
    with pytest.raises(AnswerError, match="no code"):
        map_answer(BUGGY_ADD, 0, len(BUGGY_ADD), "```\n```")


async def test_a_verified_model_fix_is_minimal_and_confined_to_the_region(
    fake: FakeOpenAI,
) -> None:
    fake.script(COMPLETIONS, Reply.completion(FIXED_ADD))
    pipeline = pipeline_for(fake)
    result = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    assert result.fix is not None, result.message
    candidate = result.fix.candidate
    assert candidate.origin == "model" and not result.fix.preferred
    (edit,) = candidate.edits
    assert FILE[edit.start : edit.end] == "-" and edit.new_text == "+"
    assert result.fix.fixed_source == FILE.replace("a - b", "a + b")
    assert "`return a - b` became `return a + b`" in candidate.explanation
    (request,) = fake.requests
    assert request.json["prompt"] == build_prompt(BUGGY_ADD)  # only the function is sent
    assert request.json["max_tokens"] > 0 and request.json["temperature"] == 0


async def test_a_second_identical_request_is_a_cache_hit(fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD))
    pipeline = pipeline_for(fake)
    first = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    second = await pipeline.model_fix(*request_at(pipeline, FILE, "return a"))
    assert first.fix and second.fix and second.cache_hit and not first.cache_hit
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply.completion(BUGGY_ADD), "unchanged"),
        (Reply.completion("def add(a, b:\n    return a + b\n"), "failed verification"),
        (Reply.completion("x" * 50_000), "too large"),
        (Reply.completion("def add(a, b):\n    return a + c\n"), "failed verification"),
        (Reply(body="{oops"), "malformed JSON"),
        (Reply.empty_choices(), "no choices"),
        (Reply(status=401), "refused the API key"),
    ],
)
async def test_bad_answers_are_never_offered_and_say_why(
    fake: FakeOpenAI, reply: Reply, words: str
) -> None:
    fake.default(COMPLETIONS, reply)
    pipeline = pipeline_for(fake)
    result = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    assert result.fix is None
    assert words in result.message
    assert KEY not in result.message


async def test_too_large_a_region_sends_nothing(fake: FakeOpenAI) -> None:
    pipeline = pipeline_for(fake, max_region_chars=200)
    big = "def big():\n" + "".join(f"    v{i} = {i}\n" for i in range(100)) + PADDING
    result = await pipeline.model_fix(*request_at(pipeline, big, "v5"))
    assert result.fix is None and "too large" in result.message and "no request" in result.message
    assert fake.requests == []


async def test_outside_any_function_sends_nothing(fake: FakeOpenAI) -> None:
    pipeline = pipeline_for(fake)
    analysis = pipeline.analyze(FILE)
    plan = FixPlan(analysis)
    assert pipeline.model_target(plan, [], FILE.index("CONSTANT_7")) is None
    assert pipeline.model_target(plan, [], FILE.index("a - b")) is not None
    assert fake.requests == []


async def test_breaker_opens_and_embedded_fixes_keep_working(fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply(status=503))
    pipeline = pipeline_for(fake, breaker=CircuitBreaker(2, 60))
    for _ in range(2):
        result = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
        assert result.fix is None and "unavailable (503)" in result.message
    calls = len(fake.requests)
    result = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    assert "paused" in result.message and len(fake.requests) == calls
    assert pipeline.model is not None and not pipeline.model.available()
    broken = "def total(xs):\n    for x in xs\n        pass\n"
    plan = await pipeline.plan(pipeline.analyze(broken))
    assert plan.fixed_source == "def total(xs):\n    for x in xs:\n        pass\n"


async def test_the_endpoint_vanishing_mid_session(fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD))
    pipeline = pipeline_for(fake)
    assert (await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))).fix is not None
    fake.stop()
    other = FILE.replace("a - b", "a - b - 0")
    result = await pipeline.model_fix(*request_at(pipeline, other, "a - b"))
    assert result.fix is None and "cannot reach" in result.message


async def test_cancellation_closes_the_upstream_request(fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=2.0))
    pipeline = pipeline_for(fake)
    task = asyncio.ensure_future(pipeline.model_fix(*request_at(pipeline, FILE, "a - b")))
    await asyncio.to_thread(fake.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert pipeline.model is not None and pipeline.model.cache.get("x") is None


async def test_the_key_is_never_logged(fake: FakeOpenAI, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script(COMPLETIONS, Reply(status=500), Reply.completion(FIXED_ADD))
    pipeline = pipeline_for(fake)
    await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    assert caplog.records
    assert all(KEY not in record.getMessage() for record in caplog.records)
    assert all("return a" not in record.getMessage() for record in caplog.records)  # no code


def test_settings_build_the_source_or_refuse_with_a_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DEBUGLLM_ENDPOINT_URL", raising=False)
    settings, _ = load_settings({})
    assert build_model_source(settings.endpoint) == (None, "")  # offline: nothing at all
    settings, _ = load_settings({"endpoint": {"url": "http://gpu-host:8000/v1"}})
    source, message = build_model_source(settings.endpoint)
    assert source is None and "allowInsecure" in message
    settings, problems = load_settings(
        {"endpoint": {"url": "http://gpu-host:8000/v1", "allowInsecure": True, "retries": 1}}
    )
    source, message = build_model_source(settings.endpoint)
    assert problems == [] and source is not None and message == ""


async def test_answers_from_the_prompt(fake: FakeOpenAI) -> None:
    """A responder that fixes whatever it receives: the fake as a tiny "model"."""

    def respond(received: Received) -> Reply:
        code = received.json["prompt"].split("Input:\n", 1)[1].rsplit("\n\nResponse:", 1)[0]
        return Reply.completion(code.replace(" - ", " + "))

    fake.responder(COMPLETIONS, respond)
    pipeline = pipeline_for(fake)
    text = "def sub(a, b):\n    return a - b\n"
    result = await pipeline.model_fix(*request_at(pipeline, text, "a - b"))
    assert result.fix is not None
    assert apply_edits(text, result.fix.candidate.edits) == text.replace("a - b", "a + b")


async def test_explain_model_is_asked_once_about_the_diff_and_falls_back(
    fake: FakeOpenAI,
) -> None:
    from tests.fakes.openai_server import CHAT

    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD))
    fake.script(CHAT, Reply.chat("It subtracted b.\nNow it adds b, as the name says."))
    endpoint = Endpoint(base_url=fake.url, api_key=KEY, explain_model="phi3", retries=0)
    pipeline = FixPipeline(model=ModelSource(endpoint))
    result = await pipeline.model_fix(*request_at(pipeline, FILE, "a - b"))
    assert result.fix is not None and pipeline.model is not None
    text = await pipeline.model.explain(result.fix.candidate, FILE)
    assert text == "It subtracted b. Now it adds b, as the name says."
    assert await pipeline.model.explain(result.fix.candidate, FILE) == text  # cached
    (chat,) = fake.requests_to(CHAT)
    assert chat.json["model"] == "phi3"
    assert "-    return a - b" in chat.json["messages"][-1]["content"]
    fake.default(CHAT, Reply(status=500))
    pipeline.model.explanations = type(pipeline.model.explanations)(8, 60)
    fallback = await pipeline.model.explain(result.fix.candidate, FILE)
    assert fallback == result.fix.candidate.explanation


def test_an_answer_that_drops_code_is_refused() -> None:
    whole = BUGGY_ADD + "\n\ndef total(xs):\n    return sum(xs)\n"
    with pytest.raises(AnswerError, match=r"drops code .*`total`"):
        map_answer(whole, 0, len(whole), FIXED_ADD)
    long = "def f():\n" + "".join(f"    x{i} = {i}\n" for i in range(20))
    with pytest.raises(AnswerError, match="drops code"):
        map_answer(long, 0, len(long), "def f():\n    pass\n")
