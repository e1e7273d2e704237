"""Pause CPython's cyclic garbage collector while an analysis builds its trees.

Parsing a 5,000-line file makes some 300,000 objects; every 700 new ones start a collection,
and the older generations' collections walk every live object of the process (the server's
protocol types, the recent trees). Measured on the benchmark's 5,000-line module, that was a
third of ``analyze()``. Nothing an analysis makes needs collecting before it ends: the cycles
(pyflakes links nodes to their parents) are freed by the first collection once it is resumed.

Analyses run in several threads at once (diagnostics, the fix plan's verifications): the pause
is counted, and the collector resumes when the last one ends, unless it was off before.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_resume = False


@contextmanager
def paused_gc() -> Iterator[None]:
    global _depth, _resume
    with _lock:
        if _depth == 0:
            _resume = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _resume:
                gc.enable()
