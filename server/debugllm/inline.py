"""Run a coroutine that never suspends without an event loop.

An offline ``debugllm fix`` awaits nothing that waits (its pipeline runs CPU work inline,
``pipeline.run_cpu``), so it needs no event loop, and skipping ``asyncio`` (its import alone is
a fifth of a small file's run) keeps the command quick to start.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

_T = TypeVar("_T")


def run_inline(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """The coroutine's result; ``RuntimeError`` if it suspends (it needed an event loop)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("run_inline: the coroutine suspended; it needs an event loop")
