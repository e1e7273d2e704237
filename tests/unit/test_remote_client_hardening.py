"""Issue 15 items 4 and 8: bounded answers, redirects refused, the key never offered back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from debugllm.prompt import STOP_SEQUENCES
from debugllm.remote.client import (
    MIN_ANSWER_BYTES,
    ModelClient,
    ModelError,
    answer_byte_cap,
    answer_char_cap,
)
from debugllm.remote.endpoint import Endpoint

from tests.fakes.openai_server import CHAT, COMPLETIONS, FakeOpenAI, Reply

KEY = "sk-test-very-secret-0123456789"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def client_for(fake: FakeOpenAI) -> ModelClient:
    return ModelClient(
        Endpoint(
            base_url=fake.url, api_key=KEY, read_timeout_s=5.0, total_timeout_s=20.0, retries=0
        )
    )


async def test_an_endless_answer_is_cut_at_the_cap(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply(endless=b"x" * 65536, endless_for=20))
    client = client_for(fake)
    started = time.monotonic()
    with pytest.raises(ModelError) as caught:
        await client.complete("p", 256, STOP_SEQUENCES)
    await client.aclose()
    assert time.monotonic() - started < 5  # not the 20 s deadline
    assert str(caught.value).startswith(
        f"the endpoint's answer exceeded {answer_byte_cap(256)} bytes"
    )
    assert caught.value.kind == "bad-answer" and KEY not in str(caught.value)


async def test_a_huge_declared_body_is_refused_unread(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply.completion("y" * (2 * MIN_ANSWER_BYTES)))
    client = client_for(fake)
    with pytest.raises(ModelError, match="exceeded 262144 bytes"):
        await client.complete("p", 16, STOP_SEQUENCES)
    await client.aclose()


def test_caps_scale_with_max_tokens() -> None:
    assert answer_byte_cap(10) == MIN_ANSWER_BYTES
    assert answer_byte_cap(100_000) == 1_600_000
    assert answer_byte_cap("lots") == MIN_ANSWER_BYTES
    assert answer_char_cap(100_000) == 800_000


async def test_a_text_too_long_for_max_tokens_is_refused(fake: FakeOpenAI) -> None:
    # Within the byte cap for 20,000 tokens, but far more characters than 20,000 tokens make.
    fake.script(COMPLETIONS, Reply.completion("z" * 200_000))
    client = client_for(fake)
    with pytest.raises(ModelError, match="exceeded 160000 characters"):
        await client.complete("p", 20_000, STOP_SEQUENCES)
    await client.aclose()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_a_redirect_is_refused_and_never_followed(fake: FakeOpenAI, status: int) -> None:
    fake.script(
        COMPLETIONS, Reply(status=status, headers={"Location": f"{fake.base}/elsewhere"}, body="")
    )
    client = client_for(fake)
    with pytest.raises(ModelError, match="redirect refused") as caught:
        await client.complete("p", 16, STOP_SEQUENCES)
    await client.aclose()
    assert caught.value.status == status and not caught.value.retryable
    assert [r.path for r in fake.requests] == ["/v1/completions"]  # never followed


async def test_an_answer_with_the_key_is_not_offered(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply.completion(f"API_KEY = '{KEY}'\n"))
    fake.script(CHAT, Reply.chat(f"the key is {KEY}"))
    client = client_for(fake)
    with pytest.raises(ModelError, match="contains the API key") as caught:
        await client.complete("p", 64, STOP_SEQUENCES)
    assert KEY not in str(caught.value)
    with pytest.raises(ModelError, match="contains the API key"):
        await client.chat("phi3", [{"role": "user", "content": "hi"}], 64)
    await client.aclose()


async def test_error_bodies_are_still_read_for_their_message(fake: FakeOpenAI) -> None:
    fake.script(COMPLETIONS, Reply(status=400, json={"error": {"message": "prompt too long"}}))
    client = client_for(fake)
    with pytest.raises(ModelError, match="rejected the request \\(400\\): prompt too long"):
        await client.complete("p", 16, STOP_SEQUENCES)
    await client.aclose()
