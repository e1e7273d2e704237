"""How ``check``, ``bench`` and ``eval`` talk to the GPU host: the editor's own client.

Completions go through ``debugllm.remote.client.ModelClient`` (the one OpenAI-compatible client of
the project, with its answer caps and key scrubbing) and every prompt comes from
``debugllm.prompt`` (the template the adapter was trained on, its stop sequences and its
``max_tokens`` rule), so the GPU host is measured with exactly what the editor sends. Here the
client never retries (a load test counts failures), and a failure becomes an ``Attempt`` with a
class name (``http_500``, ``timeout``, ``connect``, ``protocol``, ``bad_response``) instead of an
exception. ``make_client`` is a plain httpx client for the routes that are not completions
(``/health``, ``/v1/models``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import httpx
from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for
from debugllm.remote.client import Completion, ModelClient, ModelError
from debugllm.remote.endpoint import Endpoint, validate_url

CLIENT_KEY_ENV = "DEBUGLLM_API_KEY"


@dataclass(frozen=True)
class Attempt:
    """One request's outcome: the ``Completion``, or ``error`` (a class name) and its detail."""

    completion: Completion | None = None
    error: str | None = None
    detail: str = ""
    status: int = 0
    latency_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.completion is not None

    @property
    def text(self) -> str:
        return self.completion.text if self.completion else ""

    @property
    def ttft_s(self) -> float | None:
        return self.completion.ttft_s if self.completion else None

    @property
    def prompt_tokens(self) -> int:
        return self.completion.prompt_tokens if self.completion else 0

    @property
    def completion_tokens(self) -> int:
        return self.completion.completion_tokens if self.completion else 0

    @property
    def finish_reason(self) -> str:
        return self.completion.finish_reason if self.completion else ""


def api_root(url: str) -> str:
    """The server root: ``http://h:8000/v1`` and ``http://h:8000`` both give ``http://h:8000``."""
    url = url.rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def api_key_from(api_key: str | None = None) -> str:
    return api_key if api_key is not None else os.environ.get(CLIENT_KEY_ENV, "")


def auth_headers(api_key: str | None = None) -> dict[str, str]:
    key = api_key_from(api_key)
    return {"Authorization": f"Bearer {key}"} if key else {}


def model_client(
    url: str, api_key: str | None = None, timeout_s: float = 60.0, connections: int = 100
) -> ModelClient:
    """The editor's client for the GPU host at ``url``: no retries, ``connections`` in flight.
    Plain HTTP is allowed: the GPU host is often reached through an SSH tunnel or a LAN."""
    endpoint = Endpoint(
        base_url=validate_url(api_root(url) + "/v1", allow_insecure=True),
        api_key=api_key_from(api_key),
        connect_timeout_s=min(10.0, timeout_s),
        read_timeout_s=timeout_s,
        total_timeout_s=timeout_s,
        retries=0,
        max_in_flight=max(1, connections),
    )
    return ModelClient(endpoint)


def _error_class(exc: ModelError) -> str:
    if exc.status is not None and exc.status >= 400:
        return f"http_{exc.status}"
    if exc.kind == "timeout":
        return "timeout"
    if exc.kind == "connection":
        return exc.cause or "connect"
    if exc.kind == "bad-answer":
        return "bad_response"
    return exc.kind


async def complete(client: ModelClient, code: str, model: str, stream: bool = False) -> Attempt:
    """The editor's request for ``code`` to ``model``; failures classified, never raised."""
    started = time.perf_counter()
    try:
        completion = await client.complete(
            build_prompt(code), max_tokens_for(code), STOP_SEQUENCES, model=model, stream=stream
        )
    except ModelError as exc:
        return Attempt(
            error=_error_class(exc),
            detail=str(exc),
            status=exc.status or 0,
            latency_s=time.perf_counter() - started,
        )
    return Attempt(completion, status=200, latency_s=time.perf_counter() - started)


def make_client(
    url: str, api_key: str | None = None, timeout_s: float = 60.0, connections: int = 100
) -> httpx.AsyncClient:
    """A plain client for ``/health`` and ``/v1/models`` (not completions: ``model_client``)."""
    return httpx.AsyncClient(
        base_url=api_root(url),
        headers=auth_headers(api_key),
        timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
