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
from contextlib import ExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from debugllm.filecheck import FileStatus, RunStatus
from debugllm.inline import run_inline

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

    from debugllm.filecheck import Pipelines
    from debugllm.verdicts import VerdictKeys

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
    known = _known_clean(args, paths)
    unknown = [path for path in paths if path not in known]
    jobs = max(1, min(workers(), len(unknown)))
    # Small chunks keep the cores busy to the end when a few files take most of the time.
    chunk = max(1, min(16, len(unknown) // (jobs * 8)))
    # Imported here: a run over one file (the common editor-like case) never starts a pool.
    from concurrent.futures import ProcessPoolExecutor

    with ExitStack() as stack:
        reports: Iterator[FileReport] = iter(())
        if unknown:  # no pool (and no fork server) when every file is known clean
            pool = ProcessPoolExecutor(max_workers=jobs, mp_context=_start_context())
            stack.enter_context(pool)
            reports = pool.map(_check_in_worker, _with_args(args, unknown), chunksize=chunk)
        for path in paths:
            # In the order of the paths, as a sequential run prints them.
            report = known[path] if path in known else next(reports)
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


def _known_clean(args: argparse.Namespace, paths: Sequence[str]) -> dict[str, FileReport]:
    """The reports of the files an earlier run found clean and that did not change since
    (``debugllm.verdicts``), made without the checker; none with ``--no-cache``."""
    if args.no_cache:
        return {}
    from debugllm.verdicts import VerdictKeys, clean_report

    keys = VerdictKeys(args.target_version, args.force_python)
    known: dict[str, FileReport] = {}
    for path in paths:
        started = time.perf_counter()
        verdict = keys.verdict(path)
        if verdict is not None and verdict.known_clean():
            elapsed_ms = (time.perf_counter() - started) * 1000
            report = clean_report(path, args.json, elapsed_ms)
            known[path] = FileReport(FileStatus(clean=True), report, "")
    return known


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
#: Per worker process: names the clean verdicts it records (None: none to record).
_verdicts: VerdictKeys | None = None
#: Whether this worker ever wrote to standard error. A project's settings message is written
#: once, with the first of its files the worker checks: after any message, no verdicts, so
#: that a later run checks the project's files and says it again.
_said_something = False


def _check_in_worker(job: tuple[object, str]) -> FileReport:
    from debugllm.filecheck import Pipelines, check_path

    global _pipelines, _verdicts, _said_something
    args, path = job
    assert isinstance(args, argparse.Namespace)
    out, err = io.StringIO(), io.StringIO()
    if _pipelines is None:
        _pipelines = Pipelines(args, None, err)
        if not args.no_cache:
            from debugllm.verdicts import VerdictKeys

            _verdicts = VerdictKeys(args.target_version, args.force_python)
    _pipelines.err = err
    # Named before the check reads the file: a save during the check is then a mismatch.
    verdict = _verdicts.verdict(path) if _verdicts is not None else None
    # Offline (the only way files are checked in parallel): nothing waits, no event loop.
    status = run_inline(check_path(_pipelines, args, path, sys.stdin, out, err))
    _said_something = _said_something or bool(err.getvalue())
    if verdict is not None and status.clean and not status.io_error and not _said_something:
        verdict.record()
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
