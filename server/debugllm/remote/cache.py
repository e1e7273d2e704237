"""A TTL cache of model answers with in-flight de-duplication.

Keyed by a hash of (model, prompt, parameters). Identical concurrent requests share one upstream
call; only successes are cached. A hit is a dictionary lookup: microseconds.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from cachetools import TTLCache

T = TypeVar("T")


def cache_key(model: str, prompt: str, **parameters: Any) -> str:
    blob = json.dumps([model, prompt, parameters], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode()).hexdigest()


class AnswerCache(Generic[T]):
    def __init__(self, maxsize: int = 256, ttl_s: float = 600.0) -> None:
        self._cache: TTLCache[str, T] = TTLCache(maxsize=max(1, maxsize), ttl=ttl_s)
        self._inflight: dict[str, tuple[asyncio.Task[T], list[int]]] = {}

    def get(self, key: str) -> T | None:
        return self._cache.get(key)

    def __len__(self) -> int:
        return len(self._cache)

    async def get_or_fetch(self, key: str, fetch: Callable[[], Awaitable[T]]) -> tuple[T, bool]:
        """``(value, hit)``; ``hit`` is true for a cached or shared answer.

        The upstream call runs as one task shared by every identical request; it is cancelled
        (closing the HTTP request) only when the last caller waiting on it is cancelled.
        """
        cached = self._cache.get(key)
        if cached is not None:
            return cached, True
        entry = self._inflight.get(key)
        shared = entry is not None
        if entry is None:
            task = asyncio.ensure_future(fetch())
            entry = (task, [0])
            self._inflight[key] = entry
            task.add_done_callback(lambda done: self._settle(key, done))
        task, waiters = entry
        waiters[0] += 1
        try:
            value = await asyncio.shield(task)
        except asyncio.CancelledError:
            waiters[0] -= 1
            if waiters[0] <= 0 and not task.done():
                task.cancel()
            raise
        waiters[0] -= 1
        return value, shared

    def _settle(self, key: str, task: asyncio.Task[T]) -> None:
        entry = self._inflight.get(key)
        if entry is not None and entry[0] is task:
            del self._inflight[key]
        if task.cancelled():
            return
        if task.exception() is None:
            self._cache[key] = task.result()
