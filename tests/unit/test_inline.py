"""``run_inline``: a coroutine that never suspends runs to its result without an event loop;
one that does suspend is refused, never left half-run."""

import asyncio

import pytest
from debugllm.inline import run_inline


async def _add(a: int, b: int) -> int:
    async def inner(x: int) -> int:
        return x * 2

    return await inner(a) + b  # awaits a coroutine that returns at once


async def _sleeps() -> int:
    await asyncio.sleep(0)  # yields to an event loop
    return 1


def test_a_coroutine_that_never_suspends_gives_its_result() -> None:
    assert run_inline(_add(2, 3)) == 7


def test_an_exception_comes_through() -> None:
    async def fails() -> None:
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        run_inline(fails())


def test_a_coroutine_that_suspends_is_refused_and_closed() -> None:
    coroutine = _sleeps()
    with pytest.raises(RuntimeError, match="needs an event loop"):
        run_inline(coroutine)
    assert coroutine.cr_frame is None  # closed: nothing left pending
