"""Langfuse tracing when ``LANGFUSE_PUBLIC_KEY``/``LANGFUSE_SECRET_KEY``/``LANGFUSE_HOST`` are set.

One trace per fix request with spans for prompt building, the upstream call and mapping; token
usage and latency as metadata. Never the API key, never the user's code. Without the variables,
or without the ``langfuse`` package, every call is a no-op.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

log = logging.getLogger("debugllm.remote")


class _Span:
    def __init__(self, handle: Any = None) -> None:
        self.handle = handle

    def update(self, **metadata: Any) -> None:
        if self.handle is not None:
            with contextlib.suppress(Exception):
                usage = {
                    k.removesuffix("_tokens") if k.endswith("_tokens") else k: v
                    for k, v in metadata.items()
                    if k.endswith("_tokens") and isinstance(v, int)
                }
                if usage:
                    self.handle.update(metadata=metadata, usage_details=usage)
                else:
                    self.handle.update(metadata=metadata)


def _start(parent: Any, name: str, metadata: dict[str, Any] | None) -> Any:
    """A child observation on Langfuse 3.x (``start_span``) or later (``start_observation``)."""
    start = getattr(parent, "start_observation", None)
    if start is not None:
        kind = "generation" if metadata and "model" in metadata else "span"
        extra = {"model": metadata["model"]} if kind == "generation" and metadata else {}
        return start(name=name, as_type=kind, metadata=metadata, **extra)
    return parent.start_span(name=name, metadata=metadata)


class Trace:
    def __init__(self, root: Any = None) -> None:
        self.root = root

    @contextlib.contextmanager
    def span(self, name: str, **metadata: Any) -> Iterator[_Span]:
        if self.root is None:
            yield _Span()
            return
        try:
            handle = _start(self.root, name, metadata or None)
        except Exception:
            yield _Span()
            return
        try:
            yield _Span(handle)
        finally:
            with contextlib.suppress(Exception):
                handle.end()

    def end(self, **metadata: Any) -> None:
        if self.root is not None:
            with contextlib.suppress(Exception):
                self.root.update(metadata=metadata)
                self.root.end()


class Tracer:
    def __init__(self, client: Any = None) -> None:
        self.client = client

    @classmethod
    def from_environment(cls) -> Tracer:
        names = ("LANGFUSE_PUBLIC_KEY", "LANGFUSE_SECRET_KEY", "LANGFUSE_HOST")
        if not all(os.environ.get(name) for name in names):
            return cls()
        try:
            from langfuse import Langfuse

            return cls(
                Langfuse(
                    public_key=os.environ["LANGFUSE_PUBLIC_KEY"],
                    secret_key=os.environ["LANGFUSE_SECRET_KEY"],
                    host=os.environ["LANGFUSE_HOST"],
                )
            )
        except Exception as exc:  # tracing must never break fixing
            log.warning("Langfuse tracing is off: %s", type(exc).__name__)
            return cls()

    def trace(self, name: str, request_id: str) -> Trace:
        if self.client is None:
            return Trace()
        try:
            return Trace(_start(self.client, name, {"request_id": request_id}))
        except Exception:
            return Trace()

    def flush(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.flush()
