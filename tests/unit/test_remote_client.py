"""The HTTP client against the scripted OpenAI-compatible server on loopback (real sockets)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from debugllm.prompt import STOP_SEQUENCES, build_prompt
from debugllm.remote.breaker import CircuitBreaker
from debugllm.remote.cache import AnswerCache
from debugllm.remote.client import ModelClient, ModelError, parse_retry_after
from debugllm.remote.endpoint import Endpoint, EndpointConfigError, validate_url

from tests.fakes.openai_server import CHAT, COMPLETIONS, FakeOpenAI, Reply

KEY = "sk-test-very-secret-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def client_for(fake: FakeOpenAI, **overrides: object) -> ModelClient:
    options: dict[str, object] = {
        "base_url": fake.url,
        "api_key": KEY,
        "read_timeout_s": 2.0,
        "total_timeout_s": 5.0,
        "retries": 2,
        "retry_after_cap_s": 1.0,
    }
    options.update(overrides)
    return ModelClient(Endpoint(**options))  # type: ignore[arg-type]


async def test_request_shape_key_only_in_the_authorization_header(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply.completion("def f():\n    return 1\n"))
    client = client_for(fake)
    prompt = build_prompt("def f():\n    return 0\n")
    result = await client.complete(prompt, 128, STOP_SEQUENCES)
    await client.aclose()
    assert result.text == "def f():\n    return 1\n"
    assert result.prompt_tokens == 50 and result.completion_tokens == 20
    (request,) = fake.requests
    assert request.method == "POST" and request.path == "/v1/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    body = request.json
    assert body == {
        "model": "debugllm",
        "prompt": prompt,
        "temperature": 0,
        "max_tokens": 128,
        "stop": list(STOP_SEQUENCES),
    }
    assert KEY not in request.body.decode()
    assert KEY not in repr(client.endpoint)


async def test_503_twice_then_success_is_retried(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply(status=503), Reply(status=503), Reply.completion("x = 1\n"))
    client = client_for(fake)
    result = await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert result.text == "x = 1\n" and result.attempts == 3
    assert len(fake.requests_to(COMPLETIONS)) == 3


async def test_429_honours_retry_after(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply(status=429, headers={"Retry-After": "0.5"}))
    fake.script(COMPLETIONS, Reply.completion("ok\n"))
    client = client_for(fake)
    await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    first, second = fake.requests_to(COMPLETIONS)
    assert second.time - first.time >= 0.45


def test_retry_after_is_capped() -> None:
    assert parse_retry_after("3600", cap=2.0) == 2.0
    assert parse_retry_after("garbage", cap=2.0) == 0.0
    assert parse_retry_after(None, cap=2.0) == 0.0


@pytest.mark.parametrize("status", [401, 400, 413])
async def test_other_4xx_are_never_retried(fake: FakeOpenAI, status: int) -> None:
    fake.script(COMPLETIONS, Reply(status=status, json={"error": {"message": f"no {KEY}"}}))
    client = client_for(fake)
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert len(fake.requests_to(COMPLETIONS)) == 1
    assert KEY not in str(caught.value)
    assert str(status) in str(caught.value)
    if status == 401:
        assert caught.value.kind == "auth" and "apiKey" in str(caught.value)


async def test_slow_answer_past_the_timeout_is_a_clear_timeout(fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply.completion("late\n", delay=3.0))
    client = client_for(fake, read_timeout_s=0.3, total_timeout_s=1.0, retries=5)
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2.0  # the total deadline holds


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(body="{not json"), "malformed JSON"),
        (Reply.empty_choices(), "no choices"),
        (Reply(json={"choices": [{"index": 0}]}), "without text"),
        (Reply(json=[1, 2]), "not an object"),
    ],
)
async def test_bad_bodies_are_clear_errors(fake: FakeOpenAI, reply: Reply, words: str) -> None:
    fake.default(COMPLETIONS, reply)
    client = client_for(fake)
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert words in str(caught.value) and caught.value.kind == "bad-answer"


async def test_truncated_body_is_retried_then_reported(fake: FakeOpenAI) -> None:
    full = Reply.completion("def f():\n    return 1\n")
    full.truncate = 20
    fake.default(COMPLETIONS, full)
    client = client_for(fake, retries=1)
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert caught.value.kind == "connection"
    assert len(fake.requests_to(COMPLETIONS)) == 2


async def test_endpoint_vanishing_is_a_connection_error(fake: FakeOpenAI) -> None:
    client = client_for(fake, retries=1)
    await client.complete("p", 64, STOP_SEQUENCES)
    fake.stop()
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert caught.value.kind == "connection" and "cannot reach" in str(caught.value)


async def test_chat_for_the_explain_model(fake: FakeOpenAI) -> None:
    fake.script(CHAT, Reply.chat("It subtracted. Now it adds."))
    client = client_for(fake)
    result = await client.chat("phi3", [{"role": "user", "content": "x"}], 80)
    await client.aclose()
    assert result.text == "It subtracted. Now it adds."
    assert fake.requests_to(CHAT)[0].json["model"] == "phi3"


async def test_connections_are_reused(fake: FakeOpenAI) -> None:
    client = client_for(fake)
    for _ in range(3):
        await client.complete("p", 64, STOP_SEQUENCES)
    await client.aclose()
    assert len(fake.requests) == 3  # same keep-alive client; no error between calls


def test_plain_http_to_a_remote_host_is_refused_unless_allowed() -> None:
    assert validate_url("http://127.0.0.1:8000/v1/") == "http://127.0.0.1:8000/v1"
    assert validate_url("http://localhost:8000/v1") == "http://localhost:8000/v1"
    assert validate_url("http://[::1]:8000/v1") == "http://[::1]:8000/v1"
    assert validate_url("https://gpu.example.com/v1") == "https://gpu.example.com/v1"
    with pytest.raises(EndpointConfigError, match="allowInsecure"):
        validate_url("http://gpu-host:8000/v1")
    assert validate_url("http://gpu-host:8000/v1", allow_insecure=True)
    with pytest.raises(EndpointConfigError, match="apiKey"):
        validate_url("https://user:pw@gpu.example.com/v1")
    with pytest.raises(EndpointConfigError):
        validate_url("gpu-host:8000")


def test_breaker_opens_after_failures_then_probes() -> None:
    now = [0.0]
    changes: list[str] = []
    breaker = CircuitBreaker(
        2, 10.0, clock=lambda: now[0], on_change=lambda s, _: changes.append(s)
    )
    assert breaker.allow()
    breaker.failure("down")
    assert breaker.available()
    breaker.failure("down")
    assert breaker.state == "open" and not breaker.allow() and not breaker.available()
    now[0] = 11.0
    assert breaker.state == "half-open"
    assert breaker.allow() and not breaker.allow()  # one probe at a time
    breaker.success()
    assert breaker.state == "closed" and changes == ["open", "closed"]


async def test_cache_shares_identical_concurrent_calls_and_caches_successes() -> None:
    import asyncio

    calls = 0

    async def fetch() -> str:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0.05)
        return "answer"

    cache: AnswerCache[str] = AnswerCache(8, 60)
    results = await asyncio.gather(*(cache.get_or_fetch("k", fetch) for _ in range(5)))
    assert calls == 1
    assert [value for value, _ in results] == ["answer"] * 5
    assert sum(1 for _, shared in results if not shared) == 1
    assert await cache.get_or_fetch("k", fetch) == ("answer", True)


async def test_cache_cancels_upstream_only_when_every_waiter_left() -> None:
    import asyncio

    started = asyncio.Event()
    cancelled = asyncio.Event()

    async def fetch() -> str:
        started.set()
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "never"

    cache: AnswerCache[str] = AnswerCache(8, 60)
    one = asyncio.ensure_future(cache.get_or_fetch("k", fetch))
    two = asyncio.ensure_future(cache.get_or_fetch("k", fetch))
    await started.wait()
    one.cancel()
    await asyncio.sleep(0.01)
    assert not cancelled.is_set()
    two.cancel()
    await asyncio.wait_for(cancelled.wait(), 1)
    assert cache.get("k") is None


async def test_a_streamed_answer_is_joined_with_its_time_to_first_token(fake: FakeOpenAI) -> None:
    events = [
        {"choices": [{"text": "def f():\n", "finish_reason": None}]},
        {"choices": [{"text": "    return 1\n", "finish_reason": "stop"}]},
        {"choices": [], "usage": {"prompt_tokens": 31, "completion_tokens": 7}},
        "[DONE]",
    ]
    fake.script(COMPLETIONS, Reply(sse=events))
    client = client_for(fake)
    result = await client.complete("p", 64, STOP_SEQUENCES, model="phi3", stream=True)
    assert result.text == "def f():\n    return 1\n" and result.finish_reason == "stop"
    assert (result.prompt_tokens, result.completion_tokens) == (31, 7)
    assert result.ttft_s is not None and 0 < result.ttft_s <= result.upstream_s
    body = fake.requests[0].json
    assert body["stream"] is True and body["model"] == "phi3"
    # A stream cut before [DONE] is a dropped connection, not an answer.
    fake.script(COMPLETIONS, *[Reply(sse=events[:2])] * 3)
    with pytest.raises(ModelError) as failed:
        await client.complete("p", 64, STOP_SEQUENCES, stream=True)
    assert failed.value.kind == "connection" and failed.value.cause == "protocol"
    await client.aclose()
