"""A small OpenAI-compatible completions client for ``check``, ``bench`` and ``eval``.

Every prompt comes from ``debugllm.prompt`` (the template the adapter was trained on, its stop
sequences and its ``max_tokens`` rule), so the GPU host is measured with exactly what the editor
sends. Requests go to ``/v1/completions`` at temperature 0; streaming (SSE) gives the time to
the first token. Failures are classified, never raised, so a load test can count them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any

import httpx
from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for

CLIENT_KEY_ENV = "DEBUGLLM_API_KEY"


@dataclass(frozen=True)
class Completion:
    """One request's outcome; ``error`` is a class name (``http_500``, ``timeout`` ...) or None."""

    text: str = ""
    error: str | None = None
    detail: str = ""
    status: int = 0
    latency_s: float = 0.0
    ttft_s: float | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def api_root(url: str) -> str:
    """The server root: ``http://h:8000/v1`` and ``http://h:8000`` both give ``http://h:8000``."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def auth_headers(api_key: str | None = None) -> dict[str, str]:
    key = api_key if api_key is not None else os.environ.get(CLIENT_KEY_ENV, "")
    return {"Authorization": f"Bearer {key}"} if key else {}


def completion_body(code: str, model: str, stream: bool = False) -> dict[str, Any]:
    """The request body the editor sends for ``code`` (one template, in debugllm.prompt)."""
    body: dict[str, Any] = {
        "model": model,
        "prompt": build_prompt(code),
        "max_tokens": max_tokens_for(code),
        "temperature": 0.0,
        "stop": list(STOP_SEQUENCES),
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return body


def _classify(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "timeout"
    if isinstance(exc, httpx.ConnectError):
        return "connect"
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError):
        return "protocol"
    if isinstance(exc, httpx.HTTPError):
        return "http_error"
    return type(exc).__name__


def _parse_body(data: Any) -> tuple[str, str | None, int, int]:
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("no choices in the answer")
    text = choices[0].get("text")
    if not isinstance(text, str):
        raise ValueError("choices[0].text is not a string")
    usage = data.get("usage") or {}
    return (
        text,
        choices[0].get("finish_reason"),
        int(usage.get("prompt_tokens") or 0),
        int(usage.get("completion_tokens") or 0),
    )


async def complete(
    client: httpx.AsyncClient,
    code: str,
    model: str,
    stream: bool = False,
    body: dict[str, Any] | None = None,
) -> Completion:
    """POST ``{root}/v1/completions`` for ``code``; ``client`` carries base URL, key, timeout."""
    payload = body if body is not None else completion_body(code, model, stream)
    started = time.perf_counter()
    try:
        if stream:
            return await _complete_stream(client, payload, started)
        response = await client.post("/v1/completions", json=payload)
    except Exception as exc:
        return Completion(
            error=_classify(exc), detail=str(exc), latency_s=time.perf_counter() - started
        )
    latency = time.perf_counter() - started
    if response.status_code != 200:
        return Completion(
            error=f"http_{response.status_code}",
            detail=response.text[:200],
            status=response.status_code,
            latency_s=latency,
        )
    try:
        text, finish, p_tokens, c_tokens = _parse_body(response.json())
    except ValueError as exc:
        return Completion(error="bad_response", detail=str(exc), status=200, latency_s=latency)
    return Completion(text, None, "", 200, latency, None, p_tokens, c_tokens, finish)


async def _complete_stream(
    client: httpx.AsyncClient, payload: dict[str, Any], started: float
) -> Completion:
    pieces: list[str] = []
    ttft: float | None = None
    finish: str | None = None
    p_tokens = c_tokens = chunks = 0
    async with client.stream("POST", "/v1/completions", json=payload) as response:
        if response.status_code != 200:
            detail = (await response.aread()).decode("utf-8", "replace")[:200]
            return Completion(
                error=f"http_{response.status_code}",
                detail=detail,
                status=response.status_code,
                latency_s=time.perf_counter() - started,
            )
        done = False
        async for line in response.aiter_lines():
            if not line.startswith("data:"):
                continue
            data = line[len("data:") :].strip()
            if data == "[DONE]":
                done = True
                break
            try:
                event = json.loads(data)
            except ValueError:
                return Completion(
                    error="bad_response",
                    detail=f"bad SSE event: {data[:80]}",
                    status=200,
                    latency_s=time.perf_counter() - started,
                )
            usage = event.get("usage") if isinstance(event, dict) else None
            if isinstance(usage, dict):
                p_tokens = int(usage.get("prompt_tokens") or p_tokens)
                c_tokens = int(usage.get("completion_tokens") or c_tokens)
            choices = event.get("choices") if isinstance(event, dict) else None
            if isinstance(choices, list) and choices and isinstance(choices[0], dict):
                text = choices[0].get("text") or ""
                if text and ttft is None:
                    ttft = time.perf_counter() - started
                pieces.append(text)
                chunks += 1
                finish = choices[0].get("finish_reason") or finish
    latency = time.perf_counter() - started
    if not done:
        return Completion(
            error="protocol", detail="stream ended without [DONE]", status=200, latency_s=latency
        )
    if chunks == 0:
        return Completion(error="bad_response", detail="no choices", status=200, latency_s=latency)
    return Completion(
        "".join(pieces), None, "", 200, latency, ttft, p_tokens, c_tokens or chunks, finish
    )


def make_client(
    url: str, api_key: str | None = None, timeout_s: float = 60.0, connections: int = 100
) -> httpx.AsyncClient:
    """One pooled client per command run; ``connections`` bounds concurrent sockets."""
    return httpx.AsyncClient(
        base_url=api_root(url),
        headers=auth_headers(api_key),
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
