"""Many files at once for ``debugllm fix``: folders expanded into their Python files, the files
checked in parallel over the cores, a progress bar on a terminal.

The analysis is CPU-bound Python, so the files go to worker processes (threads would share one
interpreter lock). Each worker writes a file's report into buffers that the parent prints in
the order of the paths, so the output is the same as a sequential run's.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from debugllm.filecheck import FileStatus, RunStatus
from debugllm.inline import run_inline

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from debugllm.filecheck import Pipelines

#: A run shorter than this shows no progress bar.
PROGRESS_AFTER_S = 1.0


@dataclass(frozen=True)
class FileReport:
    """One file's output, made in a worker."""

    status: FileStatus
    out: str
    err: str


def expand_paths(paths: Sequence[str]) -> list[str]:
    """The paths, each folder replaced by the Python files under it (``debugllm.walk``)."""
    expanded: list[str] = []
    for path in paths:
        if path != "-" and os.path.isdir(path):
            from debugllm.walk import python_files  # pathspec: only for a folder

            expanded.extend(python_files(path))
        else:
            expanded.append(path)
    return expanded


def workers() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def run_parallel(
    args: argparse.Namespace,
    paths: Sequence[str],
    out: TextIO,
    err: TextIO,
    show_progress: bool,
) -> RunStatus:
    status = RunStatus()
    progress = Progress(len(paths), sys.stderr if show_progress else None)
    said: set[str] = set()  # a project's configuration problem once per run, not per worker
    jobs = min(workers(), len(paths))
    # Small chunks keep the cores busy to the end when a few files take most of the time.
    chunk = max(1, min(16, len(paths) // (jobs * 8)))
    # Imported here: a run over one file (the common editor-like case) never starts a pool.
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=jobs, mp_context=_start_context()) as pool:
        for report in pool.map(_check_in_worker, _with_args(args, paths), chunksize=chunk):
            progress.clear()
            out.write(report.out)
            for line in report.err.splitlines(keepends=True):
                if line not in said:
                    said.add(line)
                    err.write(line)
            out.flush()
            status.add(report.status)
            progress.advance()
    progress.clear()
    return status


def _start_context() -> BaseContext:
    """How workers start: never by ``fork`` of this process, whose threads (the executor's
    manager thread, a caller's own) may hold locks a forked child would inherit held (3.12 warns
    of the deadlock). A fork server is forked once, before any thread, with the checker
    imported, so each worker starts from it about as fast as a fork; where there is none
    (Windows), workers are spawned."""
    import multiprocessing

    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["debugllm.filecheck"])
        return context
    return multiprocessing.get_context("spawn")


def _with_args(args: argparse.Namespace, paths: Sequence[str]) -> Iterator[tuple[object, str]]:
    options = argparse.Namespace(**vars(args))
    for path in paths:
        yield options, path


#: Per worker process: one ``Pipelines`` for all its files (pipelines are cached per project).
_pipelines: Pipelines | None = None


def _check_in_worker(job: tuple[object, str]) -> FileReport:
    from debugllm.filecheck import Pipelines, check_path

    global _pipelines
    args, path = job
    assert isinstance(args, argparse.Namespace)
    out, err = io.StringIO(), io.StringIO()
    if _pipelines is None:
        _pipelines = Pipelines(args, None, err)
    _pipelines.err = err
    # Offline (the only way files are checked in parallel): nothing waits, no event loop.
    status = run_inline(check_path(_pipelines, args, path, sys.stdin, out, err))
    return FileReport(status, out.getvalue(), err.getvalue())


class Progress:
    """``[#####.....] 120/2062 files`` on the terminal's last line, from one second on."""

    def __init__(self, total: int, stream: TextIO | None, width: int = 30) -> None:
        self.total = total
        self.stream = stream
        self.width = width
        self.done = 0
        self.started = time.monotonic()
        self.shown = False

    def advance(self) -> None:
        self.done += 1
        if self.stream is None or time.monotonic() - self.started < PROGRESS_AFTER_S:
            return
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r[{bar}] {self.done}/{self.total} files")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.stream is not None and self.shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
            self.shown = False
