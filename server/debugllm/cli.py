"""``debugllm fix PATH... [--json] [--write] [--offline]``: the command-line contract.

Exit status: 0 when no error remains in any file, 1 when some remain, 2 on usage or I/O errors
(the other files are still processed). ``--json`` prints one JSON object per input per line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from lsprotocol.converters import get_converter

from debugllm import __version__
from debugllm.config import project_config
from debugllm.lsp import convert
from debugllm.pipeline import FixPipeline, FixPlan, FixRequest, VerifiedFix
from debugllm.problems import Problem, Severity
from debugllm.remote.source import ModelSource, build_model_source
from debugllm.settings import load_settings
from debugllm.sourcefile import SourceError, SourceFile, read_source, read_stream, write_source
from debugllm.text import LineIndex

_converter = get_converter()


@dataclass
class FileResult:
    path: str
    plan: FixPlan
    elapsed_ms: float
    #: The file as read (its encoding, BOM and fingerprint): what ``--write`` needs.
    file: SourceFile | None = None

    @property
    def source(self) -> str:
        return self.plan.analysis.source

    @property
    def remaining(self) -> tuple[Problem, ...]:
        return self.plan.remaining

    @property
    def remaining_errors(self) -> int:
        return sum(1 for p in self.remaining if p.severity == Severity.ERROR)


def read_input(path: str, stdin: TextIO, force_python: bool = False) -> SourceFile:
    """The file (``-``: standard input, always Python) decoded as CPython reads it."""
    if path != "-":
        return read_source(path, force_python=force_python)
    if hasattr(stdin, "buffer"):
        # The bytes, so a coding cookie or a BOM on standard input is honoured too.
        return read_stream(path, stdin.buffer)
    return SourceFile(path, stdin.read().removeprefix("\ufeff"), "utf-8", False, None)


async def fix_source(pipeline: FixPipeline, path: str, source: str, budget_s: float) -> FileResult:
    started = time.perf_counter()
    analysis = pipeline.analyze(source, path)
    plan = await pipeline.plan(analysis, budget_s)
    return FileResult(path, plan, (time.perf_counter() - started) * 1000)


async def model_pass(pipeline: FixPipeline, result: FileResult, err: TextIO) -> None:
    """Ask the model (one request per file) for the first error the engine could not fix.

    Its fix is verified like any other, and it is unsafe (an untrusted answer): it becomes the
    file's result only with ``--unsafe-fixes`` and when the embedded engine changed nothing,
    otherwise it is reported (``applied: false``) for review.
    """
    plan = result.plan
    if pipeline.model is None or not any(p.severity == Severity.ERROR for p in plan.remaining):
        return
    analysis = plan.analysis
    index = LineIndex(analysis.source)
    for problem in analysis.problems:
        if problem.severity != Severity.ERROR or plan.fixes.get(problem):
            continue
        deadline = time.monotonic() + pipeline.model.endpoint.total_timeout_s
        model = await pipeline.model_fix(FixRequest(analysis, problem, deadline))
        if model.fix is None:
            line = index.line_of(problem.start) + 1
            err.write(f"debugllm: {result.path}:{line}: {model.message}\n")
            return
        plan.fixes[problem] = [model.fix]
        if pipeline.unsafe_fixes and not plan.applied:
            plan.applied.append(model.fix)
            plan.fixed_source = model.fix.fixed_source
            plan.remaining = pipeline.analyze(model.fix.fixed_source, analysis.filename).problems
        return


def _fix_json(fix: VerifiedFix, index: LineIndex, applied: bool) -> dict[str, Any]:
    candidate = fix.candidate
    return {
        "title": candidate.title,
        "explanation": candidate.explanation,
        "kind": candidate.kind,
        "source": candidate.origin,
        "verified": True,
        "applied": applied,
        "preferred": fix.preferred,
        "applicability": candidate.applicability,
        "guess": candidate.guess,
        "diagnostic": {
            "code": candidate.target.code,
            "line": index.line_of(candidate.target.start) + 1,
        },
        "edits": _converter.unstructure(convert.to_text_edits(index, candidate.edits, "utf-16")),
    }


def result_json(result: FileResult) -> dict[str, Any]:
    index = LineIndex(result.source)
    plan = result.plan
    fixes = [_fix_json(fix, index, applied=True) for fix in plan.applied]
    applied_targets = {fix.candidate.target.start for fix in plan.applied}
    # Verified fixes that were not applied (unsafe ones, unless opted in) are reported.
    for problem, ranked in plan.fixes.items():
        if problem.start not in applied_targets and ranked:
            fixes.append(_fix_json(ranked[0], index, applied=False))
    fixes.extend(_fix_json(fix, index, applied=False) for fix in plan.pending)
    return {
        "path": result.path,
        "diagnostics": [
            _converter.unstructure(convert.to_diagnostic(index, p, "utf-16"))
            for p in plan.analysis.problems
        ],
        "fixes": fixes,
        "fixed_source": plan.fixed_source,
        "remaining_errors": result.remaining_errors,
        "elapsed_ms": round(result.elapsed_ms, 3),
    }


def print_human(result: FileResult, out: TextIO) -> None:
    index = LineIndex(result.source)
    plan = result.plan
    problems = plan.analysis.problems
    if not problems:
        out.write(f"{result.path}: no problems found\n")
        return
    for problem in problems:
        _print_problem(result, index, problem, plan.best(problem), out)
    # Problems that only showed once earlier fixes made the file parse (e.g. a misspelt name).
    shown = {p.start for p in problems}
    for fix in (*plan.applied, *plan.pending):
        if fix.candidate.target.start not in shown:
            _print_problem(result, index, fix.candidate.target, fix, out, later=True)
    out.write(
        f"{result.path}: {len(problems)} problem(s), {len(plan.applied)} verified fix(es) "
        f"applicable, {result.remaining_errors} error(s) remain after fixing\n"
    )


def _print_problem(
    result: FileResult,
    index: LineIndex,
    problem: Problem,
    fix: VerifiedFix | None,
    out: TextIO,
    later: bool = False,
) -> None:
    line, col = index.position(problem.start, "utf-32")
    severity = problem.severity.name.lower()
    found = " (found after the fixes above)" if later else ""
    where = f"{result.path}:{line + 1}:{col + 1}"
    out.write(f"{where}: {severity} [{problem.code}] {problem.message}{found}\n")
    if fix is None:
        out.write("    no verified fix\n")
        return
    note = ""
    if not fix.candidate.safe:
        why = "a guess" if fix.candidate.guess else "may change behaviour"
        note = f" (unsafe, {why}: review before applying)"
    out.write(f"    {fix.candidate.explanation}\n    fix{note}: {fix.candidate.title}\n")
    for diff_line in convert.fix_diff(result.source, fix.fixed_source).splitlines():
        out.write(f"      {diff_line}\n")


def write_back(result: FileResult) -> None:
    """Write the fixed text over the file, atomically; ``SourceError`` leaves it untouched."""
    if result.plan.fixed_source is None or result.file is None or result.path == "-":
        return
    write_source(result.file, result.plan.fixed_source)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="debugllm", description="Find Python errors and apply verified fixes."
    )
    parser.add_argument("--version", action="version", version=f"debugllm {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    fix = commands.add_parser("fix", help="report problems and verified fixes for files")
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


class Pipelines:
    """One fix pipeline per project configuration: a run may span several projects, each with
    its own ``pyproject.toml``; the command line's flags win over the files."""

    def __init__(self, args: argparse.Namespace, model: ModelSource | None, err: TextIO) -> None:
        self.model = model
        self.err = err
        self.overrides: dict[str, Any] = {}
        if args.unsafe_fixes:
            self.overrides["unsafeFixes"] = True
        if args.target_version:
            self.overrides["targetVersion"] = args.target_version
        self._by_settings: dict[str, FixPipeline] = {}
        self._reported: set[str] = set()

    def for_path(self, path: str) -> FixPipeline:
        project = project_config(os.getcwd() if path == "-" else path)
        settings, problems = load_settings(self.overrides, project.settings)
        for problem in (*project.problems, *problems):
            if problem not in self._reported:  # once per run, not once per file
                self._reported.add(problem)
                self.err.write(f"debugllm: {problem}\n")
        key = settings.model_dump_json()  # equal settings share one pipeline
        if key not in self._by_settings:
            self._by_settings[key] = FixPipeline.for_settings(settings, self.model)
        return self._by_settings[key]


def _target_version(value: str) -> str:
    settings, problems = load_settings({"targetVersion": value})
    if problems:
        raise argparse.ArgumentTypeError(problems[0].split(": ", 1)[-1])
    return settings.target_version


async def run(args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO) -> int:
    model = None
    if not args.offline:
        settings, problems = load_settings({})
        for problem in problems:
            err.write(f"debugllm: {problem}\n")
        model, refusal = build_model_source(settings.endpoint)
        if refusal:
            err.write(f"{refusal}\n")
    try:
        return await _run(Pipelines(args, model, err), args, stdin, out, err)
    finally:
        if model is not None:
            await model.aclose()


async def _run(
    pipelines: Pipelines, args: argparse.Namespace, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    io_error = False
    any_remaining = False
    for path in args.paths:
        try:
            file = read_input(path, stdin, args.force_python)
        except SourceError as exc:
            io_error = True
            err.write(f"debugllm: {exc}\n")
            if args.json:
                out.write(json.dumps({"path": path, "error": str(exc)}) + "\n")
            continue
        pipeline = pipelines.for_path(path)
        result = await fix_source(pipeline, path, file.text, args.budget_ms / 1000)
        await model_pass(pipeline, result, err)
        result.file = file
        any_remaining = any_remaining or result.remaining_errors > 0
        if args.json:
            out.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
        else:
            print_human(result, out)
        if args.write:
            try:
                write_back(result)
            except SourceError as exc:
                io_error = True
                err.write(f"debugllm: {exc}\n")
    if io_error:
        return 2
    return 1 if any_remaining else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.test is not None:
        from debugllm.oracle.command import run_test_fix  # its own module: runs the tests

        return run_test_fix(args, sys.stdout, sys.stderr)
    if not args.paths:
        parser.error("the following arguments are required: PATH (or --test CMD)")
    try:
        return asyncio.run(run(args, sys.stdin, sys.stdout, sys.stderr))
    except BrokenPipeError:
        # `debugllm fix ... | head`: the reader left; say nothing more (Python's documented way).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
