"""``debugllm fix --test "CMD"``: run the tests once, explain the failure, search a verified fix.

The search works on a temporary copy of the project (the current folder); the user's files
change only with ``--write --unsafe-fixes`` (the fix is unsafe: the tests are its only witness),
and only if the file is still what the search read. Exit status: 0 when the tests pass or the
fix was written, 1 when the failure remains, 2 when the tests could not be run or the file not
written.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import TextIO

from debugllm.config import project_config
from debugllm.oracle.model import model_proposer
from debugllm.oracle.report import print_human, result_json
from debugllm.oracle.runner import RunnerError
from debugllm.oracle.search import TestFixResult, TestRepair
from debugllm.remote.source import build_model_source
from debugllm.repair.plausibility import TokenModel
from debugllm.settings import load_settings
from debugllm.sourcefile import SourceError, read_source, write_source


def run_test_fix(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    root = Path(os.getcwd())
    project = project_config(str(root / "pyproject.toml"))
    settings, problems = load_settings({}, project.settings)
    for problem in (*project.problems, *problems):
        err.write(f"debugllm: {problem}\n")
    budget_ms = args.test_budget_ms or settings.repair.test_budget_ms
    started = time.monotonic()
    loop = asyncio.new_event_loop()
    model = None
    try:
        if not args.offline:
            model, refusal = build_model_source(settings.endpoint)
            if refusal:
                err.write(f"{refusal}\n")
        propose = model_proposer(model, loop.run_until_complete) if model else None
        repair = TestRepair(root, args.test, budget_ms / 1000, TokenModel.load(), propose=propose)
        result = repair.run()
    except RunnerError as error:
        err.write(f"debugllm: {error}\n")
        return 2
    finally:
        if model is not None:
            loop.run_until_complete(model.aclose())
        loop.close()
    applied = False
    status = 0 if result.passed else 1
    if result.fix is not None and args.write:
        if not (args.unsafe_fixes or settings.unsafe_fixes):
            err.write(
                "debugllm: the fix is unsafe (verified by tests only); it is written only with "
                "--unsafe-fixes\n"
            )
        else:
            applied, status = _write(result, err)
    elapsed_ms = (time.monotonic() - started) * 1000
    if args.json:
        out.write(json.dumps(result_json(result, applied, elapsed_ms), ensure_ascii=False) + "\n")
    else:
        print_human(result, applied, out)
    return status


def _write(result: TestFixResult, err: TextIO) -> tuple[bool, int]:
    fix = result.fix
    assert fix is not None
    try:
        file = read_source(str(fix.path), force_python=True)
        if file.text != fix.original:
            err.write(f"debugllm: {fix.path}: changed on disk since the tests ran; not written\n")
            return False, 2
        write_source(file, fix.fixed)
    except SourceError as error:
        err.write(f"debugllm: {error}\n")
        return False, 2
    return True, 0
