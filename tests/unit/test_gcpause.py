"""The collector pause of an analysis: counted across threads, never turning on a collector
that was off."""

from __future__ import annotations

import gc
import threading

from debugllm.gcpause import paused_gc


def test_nested_pauses_resume_once_the_last_ends() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pauses_in_threads_overlap() -> None:
    inside = threading.Barrier(2)
    leave = threading.Event()
    first_done = threading.Event()

    def hold() -> None:
        with paused_gc():
            inside.wait()
            leave.wait()
        first_done.set()

    worker = threading.Thread(target=hold)
    worker.start()
    with paused_gc():
        inside.wait()
        leave.set()
        first_done.wait()
        # The other thread's pause ended, this one has not: the collector stays off.
        assert not gc.isenabled()
    worker.join()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_resumes_after_an_exception() -> None:
    try:
        with paused_gc():
            raise ValueError("analysis failed")
    except ValueError:
        pass
    assert gc.isenabled()
