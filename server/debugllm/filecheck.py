"""One file's check for ``debugllm fix``: read it as CPython would, plan its fixes (and ask the
model for what the engine left), report it as text or JSON, and write the safe fixes back.

Shared by the sequential run (``debugllm.cli``) and the worker processes (``debugllm.parallel``).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from debugllm.analysis.analyzer import AnalysisOptions, analyze
from debugllm.config import project_config
from debugllm.plans import FixPlan, VerifiedFix
from debugllm.problems import Problem, Severity
from debugllm.sourcefile import SourceError, SourceFile, read_source, read_stream, write_source
from debugllm.text import Edit, LineIndex

# The JSON output (``json``, ``debugllm.lspjson``) and the diffs of fixes (``debugllm.textdiff``)
# are imported where used: a clean file's text report needs neither.

if TYPE_CHECKING:
    from debugllm.pipeline import FixPipeline
    from debugllm.remote.source import ModelSource


@dataclass(frozen=True)
class FileStatus:
    io_error: bool = False
    remaining: bool = False
    #: Read, checked, and not a single problem (what a clean verdict may record).
    clean: bool = False


@dataclass
class RunStatus:
    """What the files of one run left: the exit status."""

    io_error: bool = False
    remaining: bool = False
    clean: bool = True

    def add(self, status: FileStatus) -> None:
        self.io_error = self.io_error or status.io_error
        self.remaining = self.remaining or status.remaining
        self.clean = self.clean and status.clean


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


def read_input(
    path: str, stdin: TextIO, force_python: bool = False, writable: bool = True
) -> SourceFile:
    """The file (``-``: standard input, always Python, never written) decoded as CPython
    reads it; ``writable``: whether it may be written back (``--write``)."""
    if path != "-":
        return read_source(path, force_python=force_python, writable=writable)
    if hasattr(stdin, "buffer"):
        # The bytes, so a coding cookie or a BOM on standard input is honoured too.
        return read_stream(path, stdin.buffer)
    return SourceFile(path, stdin.read().removeprefix("\ufeff"), "utf-8", False, None)


async def fix_source(check: ProjectCheck, path: str, source: str, budget_s: float) -> FileResult:
    started = time.perf_counter()
    analysis = analyze(source, check.options, path)
    if analysis.problems:
        plan = await check.pipeline().plan(analysis, budget_s)
    else:
        plan = FixPlan(analysis)  # nothing to fix: the plan is empty, the pipeline not needed
    return FileResult(path, plan, (time.perf_counter() - started) * 1000)


def _fix_json(fix: VerifiedFix, index: LineIndex, applied: bool) -> dict[str, Any]:
    from debugllm.lspjson import text_edits_json

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
        "edits": text_edits_json(index, candidate.edits, "utf-16"),
    }


def result_json(result: FileResult) -> dict[str, Any]:
    from debugllm.lspjson import diagnostic_json

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
        "diagnostics": [diagnostic_json(index, p, "utf-16") for p in plan.analysis.problems],
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
    shown_fixes: dict[tuple[Edit, ...], int] = {}
    for problem in problems:
        _print_problem(result, index, problem, plan.best(problem), out, shown_fixes)
    # Problems that only showed once earlier fixes made the file parse (e.g. a misspelt name).
    shown = {p.start for p in problems}
    for fix in (*plan.applied, *plan.pending):
        if fix.candidate.target.start not in shown:
            _print_problem(result, index, fix.candidate.target, fix, out, shown_fixes, later=True)
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
    shown_fixes: dict[tuple[Edit, ...], int],
    later: bool = False,
) -> None:
    """One problem, its explanation and its fix's diff; a fix already shown for another
    problem (a rename fixes each line using the name) is named, not shown again."""
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
    edits = fix.candidate.edits
    if edits in shown_fixes:
        out.write(f"      (the same edit as the fix shown for line {shown_fixes[edits]})\n")
        return
    shown_fixes[edits] = line + 1
    from debugllm.textdiff import fix_diff

    for diff_line in fix_diff(result.source, fix.fixed_source).splitlines():
        out.write(f"      {diff_line}\n")


def write_back(result: FileResult) -> None:
    """Write the fixed text over the file, atomically; ``SourceError`` leaves it untouched."""
    if result.plan.fixed_source is None or result.file is None or result.path == "-":
        return
    write_source(result.file, result.plan.fixed_source)


class ProjectCheck:
    """How the files of one project configuration are checked: the analysis options, and the
    fix pipeline for them, made when a file has something to fix (a clean file's check does
    not load ``debugllm.pipeline``, the verifier and the candidates)."""

    def __init__(self, options: AnalysisOptions, pipeline: Callable[[], FixPipeline]) -> None:
        self.options = options
        self._make = pipeline
        self._pipeline: FixPipeline | None = None

    def pipeline(self) -> FixPipeline:
        if self._pipeline is None:
            self._pipeline = self._make()
        return self._pipeline


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
        self._by_settings: dict[str, ProjectCheck] = {}
        self._reported: set[str] = set()

    def _default_pipeline(self) -> FixPipeline:
        from debugllm.pipeline import FixPipeline

        return FixPipeline(model=self.model, threads=False)

    def for_path(self, path: str) -> ProjectCheck:
        project = project_config(os.getcwd() if path == "-" else path)
        if not self.overrides and not project.settings and not project.problems:
            # Nothing to validate: the default settings' pipeline, without loading pydantic
            # (a third of a run on a small file). tests/unit/test_cli_start.py keeps the two
            # equal.
            if "" not in self._by_settings:
                self._by_settings[""] = ProjectCheck(AnalysisOptions(), self._default_pipeline)
            return self._by_settings[""]
        from debugllm.pipeline import FixPipeline
        from debugllm.settings import load_settings

        settings, problems = load_settings(self.overrides, project.settings)
        for problem in (*project.problems, *problems):
            if problem not in self._reported:  # once per run, not once per file
                self._reported.add(problem)
                self.err.write(f"debugllm: {problem}\n")
        key = settings.fingerprint()  # equal settings share one pipeline
        if key not in self._by_settings:
            pipeline = FixPipeline.for_settings(settings, self.model, threads=False)
            self._by_settings[key] = ProjectCheck(pipeline.options, lambda: pipeline)
        return self._by_settings[key]


async def check_path(
    pipelines: Pipelines,
    args: argparse.Namespace,
    path: str,
    stdin: TextIO,
    out: TextIO,
    err: TextIO,
) -> FileStatus:
    """Check (and with ``--write`` fix) one file, writing its report to ``out``."""
    try:
        file = read_input(path, stdin, args.force_python, writable=args.write)
    except SourceError as exc:
        err.write(f"debugllm: {exc}\n")
        if args.json:
            import json

            out.write(json.dumps({"path": path, "error": str(exc)}) + "\n")
        return FileStatus(io_error=True)
    check = pipelines.for_path(path)
    result = await fix_source(check, path, file.text, args.budget_ms / 1000)
    asked = None
    if result.plan.analysis.problems:
        asked = await check.pipeline().fix_with_model(result.plan)  # the engine's leftovers
    if asked is not None and asked[1].fix is None:
        target, model = asked
        line = LineIndex(file.text).line_of(target.problem.start) + 1
        err.write(f"debugllm: {path}:{line}: {model.message}\n")
    result.file = file
    if args.json:
        import json

        out.write(json.dumps(result_json(result), ensure_ascii=False) + "\n")
    else:
        print_human(result, out)
    io_error = False
    if args.write:
        try:
            write_back(result)
        except SourceError as exc:
            io_error = True
            err.write(f"debugllm: {exc}\n")
    clean = not io_error and not result.plan.analysis.problems and asked is None
    return FileStatus(io_error=io_error, remaining=result.remaining_errors > 0, clean=clean)
