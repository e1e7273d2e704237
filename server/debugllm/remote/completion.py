"""What a model call returns or raises, without the HTTP stack (httpx, tenacity) that makes it:
the server imports these at start-up, the client only when an endpoint is configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ErrorKind = Literal[
    "timeout", "connection", "unavailable", "rate-limited", "auth", "rejected", "bad-answer"
]


class ModelError(Exception):
    """A failed model call; ``str(exc)`` is a clear message without the key."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        status: int | None = None,
        retry_after: float = 0.0,
        cause: str = "",
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status
        self.retry_after = retry_after
        #: For a ``connection`` error: ``connect`` (never connected) or ``protocol`` (dropped).
        self.cause = cause

    @property
    def retryable(self) -> bool:
        return self.kind in ("timeout", "connection", "unavailable", "rate-limited")


@dataclass(frozen=True)
class Completion:
    text: str
    finish_reason: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Seconds spent waiting on the network/upstream (all attempts and backoff).
    upstream_s: float = 0.0
    attempts: int = 1
    #: Streamed answers: seconds from sending the (last) request to the first token.
    ttft_s: float | None = None
