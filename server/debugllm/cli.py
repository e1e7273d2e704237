"""``debugllm fix PATH... [--json] [--write] [--offline]``: the command-line contract.

Exit status: 0 when no error remains in any file, 1 when some remain, 2 on usage or I/O errors
(the other files are still processed). ``--json`` prints one JSON object per input per line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from debugllm import __version__
from debugllm.inline import run_inline

if TYPE_CHECKING:
    from debugllm.filecheck import Pipelines, RunStatus
    from debugllm.verdicts import Verdict


class HelpFormatter(argparse.HelpFormatter):
    """argparse's, sized to the terminal without ``shutil``: argparse makes a formatter for
    every ``add_argument`` and sizes it with ``shutil.get_terminal_size``, whose import (bz2,
    lzma ...) was a few ms of every run. The same width, as ``shutil`` finds it."""

    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        if width is None:
            width = _terminal_columns() - 2  # argparse's own margin
        super().__init__(prog, indent_increment, max_help_position, width)


def _terminal_columns() -> int:
    """``shutil.get_terminal_size().columns``: ``$COLUMNS``, else the terminal's, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debugllm",
        description="Find Python errors and apply verified fixes.",
        formatter_class=HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"debugllm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    fix = commands.add_parser(
        "fix", help="report problems and verified fixes for files", formatter_class=HelpFormatter
    )
    fix.add_argument(
        "paths", nargs="*", metavar="PATH", help="Python files; '-' reads standard input"
    )
    fix.add_argument("--json", action="store_true", help="one JSON object per file per line")
    fix.add_argument(
        "--write",
        action="store_true",
        help="write the safe verified fixes back to the files (with --unsafe-fixes, the unsafe "
        "ones too); each file is replaced atomically, in its own encoding, and only if it did "
        "not change since it was read",
    )
    fix.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also apply unsafe fixes (renames, removed imports, guessed operators, model "
        "answers) with --write and in the fixed source; by default they are only shown",
    )
    fix.add_argument(
        "--target-version",
        metavar="3.X",
        type=_target_version,
        help="the Python version the files are for (default: [tool.debugllm] target-version "
        "or requires-python of the nearest pyproject.toml, else this interpreter's)",
    )
    fix.add_argument(
        "--force-python",
        action="store_true",
        help="check (and with --write, fix) files that are not named *.py, *.pyi or *.pyw and "
        "have no Python shebang; without it they are refused",
    )
    fix.add_argument(
        "--offline",
        action="store_true",
        help="use the embedded engine only (no network); without it, DEBUGLLM_ENDPOINT_URL "
        "enables the model for errors the engine cannot fix",
    )
    fix.add_argument(
        "--budget-ms", type=int, default=2000, help="time budget per file for repairs (ms)"
    )
    fix.add_argument(
        "--no-cache",
        action="store_true",
        help="check the file even if an earlier run found it, unchanged, without problems "
        "(also DEBUGLLM_NO_CACHE=1)",
    )
    fix.add_argument(
        "--test",
        metavar="CMD",
        help='run this test command once (e.g. "pytest -x tests/test_x.py"), explain the '
        "failure and search a fix verified by the tests (on a temporary copy of the project)",
    )
    fix.add_argument(
        "--test-budget-ms",
        type=int,
        help="search budget of --test (ms; default: [tool.debugllm.repair] test-budget-ms, 5000)",
    )
    return parser


def _target_version(value: str) -> str:
    from debugllm.settings import load_settings

    settings, problems = load_settings({"targetVersion": value})
    if problems:
        raise argparse.ArgumentTypeError(problems[0].split(": ", 1)[-1])
    return settings.target_version


def model_wanted(args: argparse.Namespace) -> bool:
    """Whether the remote model may be asked (then the run needs an event loop)."""
    return not args.offline and bool(os.environ.get("DEBUGLLM_ENDPOINT_URL"))


class _Watched:
    """Standard error, noting whether the run wrote to it (a warning a cached verdict would
    not repeat)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.written = False

    def write(self, text: str) -> int:
        self.written = True
        return self.stream.write(text)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


async def run(
    args: argparse.Namespace,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
    verdict: Verdict | None = None,
) -> int:
    """The run; with ``verdict`` (a one-file run's), recorded when the file is clean."""
    watched = _Watched(err)
    err = watched  # type: ignore[assignment]
    model = None
    if model_wanted(args):
        # The HTTP stack (httpx, tenacity, langfuse) loads only when a model may be asked.
        from debugllm.remote.source import build_model_source
        from debugllm.settings import load_settings

        settings, problems = load_settings({})
        for problem in problems:
            err.write(f"debugllm: {problem}\n")
        model, refusal = build_model_source(settings.endpoint)
        if refusal:
            err.write(f"{refusal}\n")
    from debugllm.filecheck import Pipelines

    try:
        status = await _run(Pipelines(args, model, err), args, stdin, out, err)
    finally:
        if model is not None:
            await model.aclose()
    if verdict is not None and status.clean and not status.io_error and not watched.written:
        verdict.record()
    if status.io_error:
        return 2
    return 1 if status.remaining else 0


async def _run(
    pipelines: Pipelines, args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO
) -> RunStatus:
    from debugllm.filecheck import RunStatus, check_path

    paths = args.paths
    if len(paths) > 1 or (paths[0] != "-" and os.path.isdir(paths[0])):
        # Folders walked, several files checked in parallel: debugllm.parallel (a one-file run,
        # the common case, does not load it).
        from debugllm.parallel import expand_paths

        paths = expand_paths(paths)
    if pipelines.model is None and len(paths) > 1 and "-" not in paths:
        from debugllm.parallel import run_parallel

        # Offline, every file is independent work for a core (the model pass is sequential).
        status = run_parallel(args, paths, out, err, show_progress=_progress_wanted(args, out))
    else:
        status = RunStatus()
        for path in paths:
            status.add(await check_path(pipelines, args, path, stdin, out, err))
    return status


def _progress_wanted(args: argparse.Namespace, out: TextIO) -> bool:
    """A progress bar on a terminal only: never in JSON output, never when piped."""
    return not args.json and out.isatty() and sys.stderr.isatty()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.test is not None:
        from debugllm.oracle.command import run_test_fix  # its own module: runs the tests

        return run_test_fix(args, sys.stdout, sys.stderr)
    if not args.paths:
        parser.error("the following arguments are required: PATH (or --test CMD)")
    verdict = None
    if len(args.paths) == 1 and not args.no_cache:
        # One unchanged file found clean before: the verdict, without the checker.
        import time

        from debugllm.verdicts import VerdictKeys, clean_report

        started = time.perf_counter()
        verdict = VerdictKeys(args.target_version, args.force_python).verdict(args.paths[0])
        if verdict is not None and verdict.known_clean():
            elapsed_ms = (time.perf_counter() - started) * 1000
            sys.stdout.write(clean_report(args.paths[0], args.json, elapsed_ms))
            return 0
    from debugllm.codecache import cached_dataclass_code

    # The checker's modules define ~120 dataclass methods, compiled from source at import
    # unless their code comes from the cache: a third of the import.
    with cached_dataclass_code("cli"):
        import debugllm.filecheck  # noqa: F401
    try:
        if not model_wanted(args):
            # Nothing waits for the network: the run never suspends and needs no event loop.
            return run_inline(run(args, sys.stdin, sys.stdout, sys.stderr, verdict))
        import asyncio

        return asyncio.run(run(args, sys.stdin, sys.stdout, sys.stderr, verdict))
    except BrokenPipeError:
        # `debugllm fix ... | head`: the reader left; say nothing more (Python's documented way).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
