"""The HTTP client for the OpenAI-compatible endpoint (vLLM).

One long-lived ``httpx.AsyncClient`` (connection reuse; connect/read timeouts), tenacity retries
for connection errors, timeouts, 429 (``Retry-After`` honoured, capped) and 500/502/503/504 with
exponential backoff and jitter, all under a total deadline; other 4xx are never retried. A
semaphore bounds the requests in flight. The key is sent only as ``Authorization: Bearer`` and is
scrubbed from every message this module produces. ``complete(stream=True)`` reads the answer as
server-sent events and records the time to the first token. The one client of the project: the
editor, the CLI and the GPU host's ``check``, ``bench`` and ``eval`` all use it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
    wait_random,
)

# Re-exported: callers catch ModelError from here.
from debugllm.remote.completion import Completion as Completion
from debugllm.remote.completion import ModelError as ModelError
from debugllm.remote.endpoint import Endpoint

RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})

#: An answer of ``max_tokens`` tokens is rarely more than 4 bytes a token of text, and JSON
#: escaping (``\uXXXX``) or an SSE framing can multiply that: 4 x 4 bytes a token, never less
#: than the floor. Past it the endpoint is misbehaving (an endless stream took the server to
#: 1.7 GB before the deadline): the read stops there.
BYTES_PER_TOKEN = 16
MIN_ANSWER_BYTES = 256 * 1024
#: An answer's text, in characters: 8 a token is already more than any tokenizer's average.
CHARS_PER_TOKEN = 8
MIN_ANSWER_CHARS = 64 * 1024
#: Enough of an error body for its message (only 200 characters of it are shown).
ERROR_BODY_BYTES = 64 * 1024


def answer_byte_cap(max_tokens: object) -> int:
    tokens = max_tokens if isinstance(max_tokens, int) and max_tokens > 0 else 0
    return max(MIN_ANSWER_BYTES, BYTES_PER_TOKEN * tokens)


def answer_char_cap(max_tokens: int) -> int:
    return max(MIN_ANSWER_CHARS, CHARS_PER_TOKEN * max(0, max_tokens))


def parse_retry_after(value: str | None, cap: float) -> float:
    if not value:
        return 0.0
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return 0.0
    return max(0.0, min(cap, seconds))


class ModelClient:
    def __init__(self, endpoint: Endpoint, transport: httpx.AsyncBaseTransport | None = None):
        self.endpoint = endpoint
        headers = {"User-Agent": "debugllm"}
        if endpoint.api_key:
            headers["Authorization"] = f"Bearer {endpoint.api_key}"
        self._http = httpx.AsyncClient(
            base_url=endpoint.base_url + "/",
            headers=headers,
            timeout=httpx.Timeout(
                connect=endpoint.connect_timeout_s,
                read=endpoint.read_timeout_s,
                write=endpoint.read_timeout_s,
                pool=endpoint.total_timeout_s,
            ),
            limits=httpx.Limits(max_connections=max(1, endpoint.max_in_flight) * 2),
            transport=transport,
            trust_env=False,
        )
        self._slots = asyncio.Semaphore(max(1, endpoint.max_in_flight))

    async def aclose(self) -> None:
        await self._http.aclose()

    def scrub(self, text: str) -> str:
        key = self.endpoint.api_key
        return text.replace(key, "***") if key else text

    async def complete(
        self,
        prompt: str,
        max_tokens: int,
        stop: tuple[str, ...],
        *,
        model: str | None = None,
        stream: bool = False,
    ) -> Completion:
        """``/completions`` at temperature 0 for ``model`` (default: the endpoint's); streamed
        as server-sent events when ``stream``, for the time to the first token."""
        body: dict[str, Any] = {
            "model": model or self.endpoint.model,
            "prompt": prompt,
            "temperature": 0,
            "max_tokens": max_tokens,
            "stop": list(stop),
        }
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        payload, upstream, attempts = await self._post("completions", body)
        choice = _first_choice(payload, "the model endpoint")
        text = choice.get("text")
        if not isinstance(text, str):
            raise ModelError("bad-answer", "the model endpoint returned a choice without text")
        self._check_text(text, max_tokens, "the model endpoint")
        return _completion(text, choice, payload, upstream, attempts)

    async def chat(self, model: str, messages: list[dict[str, str]], max_tokens: int) -> Completion:
        body = {"model": model, "messages": messages, "temperature": 0, "max_tokens": max_tokens}
        payload, upstream, attempts = await self._post("chat/completions", body)
        choice = _first_choice(payload, "the explain model")
        message = choice.get("message")
        content = message.get("content") if isinstance(message, dict) else None
        if not isinstance(content, str):
            raise ModelError("bad-answer", "the explain model returned no message content")
        self._check_text(content, max_tokens, "the explain model")
        return _completion(content, choice, payload, upstream, attempts)

    def _check_text(self, text: str, max_tokens: int, who: str) -> None:
        """Refuse an answer too long for ``max_tokens``, or one that contains the API key (an
        echoing or compromised endpoint): it would be offered as a fix and written into the
        user's file. The message never contains the key."""
        cap = answer_char_cap(max_tokens)
        if len(text) > cap:
            raise ModelError(
                "bad-answer",
                f"{who}'s answer exceeded {cap} characters ({max_tokens} tokens asked)",
            )
        key = self.endpoint.api_key
        if key and key in text:
            raise ModelError(
                "bad-answer", f"{who}'s answer contains the API key: it is not offered"
            )

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[dict[str, Any], float, int]:
        endpoint = self.endpoint
        attempts = 0
        upstream = 0.0

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            if isinstance(exc, ModelError) and exc.retry_after > 0:
                return exc.retry_after
            return float(backoff(state))

        backoff = wait_exponential(multiplier=0.2, max=2.0) + wait_random(0, 0.2)
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(0, endpoint.retries) + 1),
            wait=wait,
            retry=retry_if_exception(lambda e: isinstance(e, ModelError) and e.retryable),
            reraise=True,
        )
        started = time.perf_counter()
        try:
            async with asyncio.timeout(endpoint.total_timeout_s):
                async for attempt in retrying:
                    with attempt:
                        attempts += 1
                        async with self._slots:
                            t0 = time.perf_counter()
                            try:
                                payload = await self._once(path, body)
                            finally:
                                upstream += time.perf_counter() - t0
        except TimeoutError:
            raise ModelError(
                "timeout",
                f"the model endpoint did not answer within {endpoint.total_timeout_s:g} s "
                f"({attempts} attempt{'s' if attempts != 1 else ''})",
            ) from None
        # Backoff sleeps and waiting for a free slot count as waiting on the upstream too.
        upstream = time.perf_counter() - started
        return payload, upstream, attempts

    async def _once(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        where = f"{self.endpoint.base_url}/{path}"
        cap = answer_byte_cap(body.get("max_tokens"))
        started = time.perf_counter()
        try:
            # Streamed, so that an endless or huge answer is cut at the cap, not buffered whole.
            async with self._http.stream("POST", path, json=body) as response:
                status = response.status_code
                if status >= 400:
                    content = await _read_capped(response, ERROR_BODY_BYTES, where, truncate=True)
                elif 300 <= status < 400:
                    # Never followed (httpx's default, kept): the Authorization header would go
                    # to wherever the endpoint points, possibly another host or plain http.
                    raise ModelError(
                        "rejected",
                        f"the model endpoint answered a redirect ({status}): redirect refused; "
                        "set debugllm.endpoint.url to the address that serves the API",
                        status,
                    )
                elif body.get("stream"):
                    return await _read_events(response, cap, where, started)
                else:
                    content = await _read_capped(response, cap, where)
        except httpx.TimeoutException:
            raise ModelError("timeout", f"the model endpoint {where} timed out") from None
        except httpx.HTTPError as exc:
            raise ModelError(
                "connection",
                self.scrub(f"cannot reach the model endpoint {where}: {type(exc).__name__}"),
                cause="connect" if isinstance(exc, httpx.ConnectError) else "protocol",
            ) from None
        if status >= 400:
            detail = self.scrub(_error_detail(content))
            if status == 429:
                retry_after = parse_retry_after(
                    response.headers.get("retry-after"), self.endpoint.retry_after_cap_s
                )
                raise ModelError(
                    "rate-limited",
                    f"the model endpoint is rate limiting (429){detail}",
                    status,
                    retry_after,
                )
            if status in RETRYABLE_STATUS:
                raise ModelError(
                    "unavailable", f"the model endpoint is unavailable ({status}){detail}", status
                )
            if status in (401, 403):
                raise ModelError(
                    "auth",
                    f"the model endpoint refused the API key ({status}): check "
                    "debugllm.endpoint.apiKey / DEBUGLLM_API_KEY",
                    status,
                )
            raise ModelError(
                "rejected", f"the model endpoint rejected the request ({status}){detail}", status
            )
        try:
            payload = json.loads(content)
        except ValueError:
            raise ModelError("bad-answer", "the model endpoint returned malformed JSON") from None
        if not isinstance(payload, dict):
            raise ModelError("bad-answer", "the model endpoint returned JSON that is not an object")
        return payload


async def _read_events(
    response: httpx.Response, cap: int, where: str, started: float
) -> dict[str, Any]:
    """A streamed answer (server-sent events) joined into the shape of a plain one, with
    ``_ttft_s``; at most ``cap`` bytes of events are read."""
    pieces: list[str] = []
    ttft: float | None = None
    finish: object = None
    usage: dict[str, Any] = {}
    size = chunks = 0
    async for line in response.aiter_lines():
        size += len(line) + 1
        if size > cap:
            raise ModelError("bad-answer", f"the endpoint's answer exceeded {cap} bytes ({where})")
        if not line.startswith("data:"):
            continue
        data = line[len("data:") :].strip()
        if data == "[DONE]":
            break
        try:
            event = json.loads(data)
        except ValueError:
            raise ModelError("bad-answer", "the model endpoint sent a malformed event") from None
        if not isinstance(event, dict):
            continue
        if isinstance(event.get("usage"), dict):
            usage = event["usage"]
        choices = event.get("choices")
        if isinstance(choices, list) and choices and isinstance(choices[0], dict):
            text = choices[0].get("text") or ""
            if text and ttft is None:
                ttft = time.perf_counter() - started
            pieces.append(str(text))
            chunks += 1
            finish = choices[0].get("finish_reason") or finish
    else:
        raise ModelError(
            "connection",
            f"the model endpoint's stream ended without [DONE] ({where})",
            cause="protocol",
        )
    if not chunks:
        raise ModelError("bad-answer", "the model endpoint returned no choices")
    if not usage.get("completion_tokens"):
        usage = {**usage, "completion_tokens": chunks}  # one token per event, as vLLM sends
    return {
        "choices": [{"text": "".join(pieces), "finish_reason": finish}],
        "usage": usage,
        "_ttft_s": ttft,
    }


async def _read_capped(
    response: httpx.Response, cap: int, where: str, truncate: bool = False
) -> bytes:
    """The body, read chunk by chunk; past ``cap`` bytes: the first ``cap`` if ``truncate``,
    else a ``ModelError`` (leaving the block closes the connection, the rest is never read)."""
    declared = response.headers.get("content-length", "")
    if not truncate and declared.isdigit() and int(declared) > cap:
        raise ModelError("bad-answer", f"the endpoint's answer exceeded {cap} bytes ({where})")
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > cap:
            if truncate:
                break
            raise ModelError("bad-answer", f"the endpoint's answer exceeded {cap} bytes ({where})")
    return b"".join(chunks)[:cap]


def _completion(
    text: str, choice: dict[str, Any], payload: dict[str, Any], upstream: float, attempts: int
) -> Completion:
    ttft = payload.get("_ttft_s")
    return Completion(
        text=text,
        finish_reason=str(choice.get("finish_reason") or ""),
        **_usage(payload),
        upstream_s=upstream,
        attempts=attempts,
        ttft_s=ttft if isinstance(ttft, float) else None,
    )


def _first_choice(payload: dict[str, Any], who: str) -> dict[str, Any]:
    """The first choice of an OpenAI-style answer; anything else is a bad answer."""
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelError("bad-answer", f"{who} returned no choices")
    return choices[0]


def _usage(payload: dict[str, Any]) -> dict[str, Any]:
    usage = payload.get("usage")
    if not isinstance(usage, dict):
        return {"prompt_tokens": 0, "completion_tokens": 0}

    def number(name: str) -> int:
        value = usage.get(name)
        return value if isinstance(value, int) and value >= 0 else 0

    return {
        "prompt_tokens": number("prompt_tokens"),
        "completion_tokens": number("completion_tokens"),
    }


def _error_detail(content: bytes) -> str:
    try:
        payload = json.loads(content)
    except ValueError:
        return ""
    error = payload.get("error") if isinstance(payload, dict) else None
    message = (
        error.get("message")
        if isinstance(error, dict)
        else payload.get("message")
        if isinstance(payload, dict)
        else None
    )
    if isinstance(message, str) and message:
        return ": " + message[:200]
    return ""
