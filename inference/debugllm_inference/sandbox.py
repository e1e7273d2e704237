"""Run model-written code with its tests in a child Python, with time and memory limits.

The code comes from a model: it runs in a fresh interpreter (``-I``: isolated, no user site),
in a temporary working directory, with ``RLIMIT_AS`` (memory), ``RLIMIT_CPU`` (CPU seconds),
``RLIMIT_FSIZE`` (no large files) and ``RLIMIT_CORE`` 0, plus a wall-clock timeout that kills
its whole process group. This is a resource limit, not a security boundary: run ``eval`` on a
host (or container) where the model's code can do no harm.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunResult:
    passed: bool
    reason: str  # "passed", "failed", "timeout", "memory", "error"
    output: str
    seconds: float


def _limits(memory_mb: int, cpu_s: int) -> Callable[[], None]:
    def apply() -> None:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024 * 1024, 16 * 1024 * 1024))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


def run_python(
    program: str, timeout_s: float = 10.0, memory_mb: int = 1024, python: str | None = None
) -> RunResult:
    """Run ``program``; passed when it exits 0 within the limits."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="debugllm-eval-") as tmp:
        path = os.path.join(tmp, "program.py")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(program)
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONHASHSEED": "0", "HOME": tmp}
        process = subprocess.Popen(
            [python or sys.executable, "-I", path],
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_limits(memory_mb, max(1, int(timeout_s) + 1)),
        )
        try:
            out, _ = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            out, _ = process.communicate()
            text = out.decode("utf-8", "replace")[-2000:]
            return RunResult(False, "timeout", text, time.monotonic() - started)
    seconds = time.monotonic() - started
    text = out.decode("utf-8", "replace")[-2000:]
    if process.returncode == 0:
        return RunResult(True, "passed", text, seconds)
    if "MemoryError" in text:
        return RunResult(False, "memory", text, seconds)
    if process.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        return RunResult(False, "timeout", text, seconds)
    return RunResult(False, "failed", text, seconds)
