"""Test-driven repair on QuixBugs and HumanEvalFix-Python: the embedded engine (debugllm.oracle).

Each bug becomes a small project in a temporary folder: the buggy module and a pytest file made
from the benchmark's own tests (QuixBugs: one test per JSON case, or the graph programs' driver
output against the correct program's; HumanEvalFix: the task's ``check``). The engine runs
``python -m pytest -x test_NAME.py`` there exactly as ``debugllm fix --test`` does, within the
budget. Then, outside the engine:

- pass@1: the benchmark's reference tests pass on the first verified fix (run afresh);
- wrong fixes: the fix passes the tests but differs from the reference program (QuixBugs'
  correct program, HumanEvalFix's ``canonical_solution``) on extra inputs made by perturbing the
  tests' inputs (ints +-1, lists shortened, reversed, extended, strings changed).

Usage: ``.venv/bin/python bench/semantic/run.py [--only quixbugs|humanevalfix] [--budget S]
[--limit N] [--json out.json]``. Pytest's installed plugins are not loaded
(``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``): the benchmark projects need none, and this repository's
development environment has several (pytest-lsp, pytest-asyncio ...) that cost seconds per
interpreter start on a loaded machine.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"

from debugllm.oracle.search import TestRepair
from debugllm.repair.plausibility import TokenModel

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/bench")
QUIXBUGS = SHARED / "quixbugs"
HUMANEVALFIX = SHARED / "humanevalpack" / "humanevalpack_python.jsonl"
PYTEST = f"{sys.executable} -m pytest -x"
#: The longest the tests may run once, as given (a bug that loops forever stops the run here).
COMMAND_TIMEOUT = 20.0


@dataclass
class Item:
    benchmark: str
    name: str
    buggy: str  # the module under repair
    reference: str  # the correct module
    tests: str  # the pytest file
    module: str  # the module's file name without .py
    entry: str  # the function under test
    extra_files: dict[str, str]
    #: Argument tuples of the tests' calls, the seeds of the extra inputs.
    inputs: list[list[Any]]
    #: A script that exits 0 when the program passes the benchmark's reference tests.
    reference_check: str


@dataclass
class Outcome:
    benchmark: str
    name: str
    fixed: bool
    passes_reference: bool
    wrong: bool
    seconds: float
    tried: int
    kind: str
    description: str
    message: str
    #: Processes still running for this bug's project after the search (must be 0).
    left_behind: int = 0


# QuixBugs --------------------------------------------------------------------------------------

_QUIX_TEST = """\
import json
import pathlib
import types

import pytest

from {module} import {entry}

_TEXT = (pathlib.Path(__file__).parent / "cases.json").read_text()
CASES = [json.loads(line) for line in _TEXT.splitlines() if line.strip()]


def _same(result, expected):
    if isinstance(expected, float) or isinstance(result, float):
        return result == pytest.approx(expected, abs=1e-2)
    return json.loads(json.dumps(result)) == expected  # tuples as the JSON's lists


@pytest.mark.parametrize("case", range(len(CASES)))
def test_case(case):
    args, expected = CASES[case]
    if not isinstance(args, list):
        args = [args]
    result = {entry}(*args)
    if isinstance(result, types.GeneratorType):
        result = list(result)
    assert _same(result, expected)
"""

_QUIX_DRIVER_TEST = """\
from {module}_driver import main

EXPECTED = {expected!r}


def test_main(capsys):
    main()
    assert capsys.readouterr().out == EXPECTED
"""


def _driver_output(correct: str, driver: str, module: str, node: str) -> str:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"{module}.py").write_text(correct)
        (root / f"{module}_driver.py").write_text(driver)
        (root / "node.py").write_text(node)
        done = subprocess.run(
            [sys.executable, "-c", f"from {module}_driver import main; main()"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=60,
        )
        return done.stdout


_FEASIBLE = """\
import json, signal, sys, types
import pytest
from {module} import {module} as entry


def _too_long(*_):
    raise TimeoutError


signal.signal(signal.SIGALRM, _too_long)
ok = []
for number, line in enumerate(sys.stdin.read().splitlines()):
    if not line.strip():
        continue
    args, expected = json.loads(line)
    args = args if isinstance(args, list) else [args]
    signal.alarm(2)
    try:
        result = entry(*args)
        if isinstance(result, types.GeneratorType):
            result = list(result)
        if isinstance(expected, float) or isinstance(result, float):
            same = result == pytest.approx(expected, abs=1e-2)
        else:
            same = json.loads(json.dumps(result)) == expected
        if same:
            ok.append(line)
    except BaseException:
        pass
    finally:
        signal.alarm(0)
print(json.dumps(ok))
"""


def _feasible_cases(module: str, correct: str, cases: str) -> str:
    """The cases the correct program passes within 2 s each (QuixBugs' own harness skips the
    few that take minutes, e.g. levenshtein on long strings)."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"{module}.py").write_text(correct)
        done = subprocess.run(
            [sys.executable, "-c", _FEASIBLE.format(module=module)],
            cwd=folder,
            input=cases,
            capture_output=True,
            text=True,
            timeout=600,
        )
    kept: list[str] = json.loads(done.stdout)
    return "\n".join(kept) + "\n"


def quixbugs_items() -> list[Item]:
    items: list[Item] = []
    node = (QUIXBUGS / "python_programs" / "node.py").read_text()
    for path in sorted((QUIXBUGS / "python_programs").glob("*.py")):
        name = path.stem
        if name.endswith("_test") or name == "node":
            continue
        buggy = path.read_text()
        correct = (QUIXBUGS / "correct_python_programs" / path.name).read_text()
        cases_path = QUIXBUGS / "json_testcases" / f"{name}.json"
        driver_path = path.with_name(f"{name}_test.py")
        if cases_path.is_file():
            cases = _feasible_cases(name, correct, cases_path.read_text())
            tests = _QUIX_TEST.format(module=name, entry=name)
            extra = {"cases.json": cases}
            inputs = []
            for line in cases.splitlines():
                if line.strip():
                    args = json.loads(line)[0]
                    inputs.append(args if isinstance(args, list) else [args])
            check = tests + "\n\nfor _i in range(len(CASES)):\n    test_case(_i)\n"
        elif driver_path.is_file():
            driver = (
                driver_path.read_text()
                .replace("from .node import", "from node import")
                .replace(f"from .{name} import", f"from {name} import")
            )
            expected = _driver_output(correct, driver, name, node)
            tests = _QUIX_DRIVER_TEST.format(module=name, expected=expected)
            extra = {f"{name}_driver.py": driver, "node.py": node}
            inputs = []
            check = (
                f"import io, contextlib\nfrom {name}_driver import main\n"
                f"out = io.StringIO()\nwith contextlib.redirect_stdout(out):\n    main()\n"
                f"assert out.getvalue() == {expected!r}\n"
            )
        else:
            continue
        items.append(
            Item("quixbugs", name, buggy, correct, tests, name, name, extra, inputs, check)
        )
    return items


# HumanEvalFix ----------------------------------------------------------------------------------


def humanevalfix_items() -> list[Item]:
    items: list[Item] = []
    for line in HUMANEVALFIX.read_text().splitlines():
        task = json.loads(line)
        entry = task["entry_point"]
        module = "solution"
        buggy = task["declaration"] + task["buggy_solution"]
        correct = task["declaration"] + task["canonical_solution"]
        test_code = task["test"]
        lines = test_code.rstrip().splitlines()
        if lines and lines[-1].strip().startswith("check("):
            lines = lines[:-1]
        body = "\n".join(lines)
        tests = (
            f"from {module} import *\nfrom {module} import {entry}\n\n{body}\n\n\n"
            f"def test_check():\n    check({entry})\n"
        )
        inputs = _call_args(test_code, "candidate")
        check = f"from {module} import *\n{test_code}\n"
        items.append(
            Item(
                "humanevalfix",
                task["task_id"],
                buggy,
                correct,
                tests,
                module,
                entry,
                {},
                inputs,
                check,
            )
        )
    return items


def _call_args(code: str, name: str) -> list[list[Any]]:
    found: list[list[Any]] = []
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return found
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name:
            try:
                found.append([ast.literal_eval(arg) for arg in node.args])
            except (ValueError, SyntaxError, TypeError):
                continue
    return found


# Wrong fixes: extra inputs ---------------------------------------------------------------------


def _perturb(value: Any) -> list[Any]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1, value - 1, 0, value * 2 + 3]
    if isinstance(value, float):
        return [value + 0.5, -value]
    if isinstance(value, str):
        return [value[::-1], value[: len(value) // 2], value + value[:1], value.upper()]
    if isinstance(value, list):
        out: list[Any] = [value[::-1], value[: len(value) // 2], value + value[:1]]
        if value and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            out.append([v + 1 for v in value])
            out.append(sorted(value))
        return out
    return []


def extra_inputs(seeds: list[list[Any]], limit: int = 60) -> list[list[Any]]:
    extra: list[list[Any]] = []
    for args in seeds:
        for position, value in enumerate(args):
            for changed in _perturb(value):
                extra.append([*args[:position], changed, *args[position + 1 :]])
    unique: list[list[Any]] = []
    seen: set[str] = set()
    for args in [*seeds, *extra]:
        key = repr(args)
        if key not in seen:
            seen.add(key)
            unique.append(args)
    return unique[:limit]


_BEHAVIOUR = """\
import json, sys, types, signal
sys.setrecursionlimit(5000)
from {module} import {entry}


def _too_long(*_):
    raise TimeoutError


signal.signal(signal.SIGALRM, _too_long)
out = []
for args in json.loads(sys.stdin.read()):
    signal.alarm(2)
    try:
        result = {entry}(*args)
        if isinstance(result, types.GeneratorType):
            result = list(result)
        if isinstance(result, float):
            result = round(result, 2)
        out.append(repr(result))
    except BaseException as error:
        out.append("raise " + type(error).__name__)
    finally:
        signal.alarm(0)
print(json.dumps(out))
"""


def behaviour(source: str, item: Item, inputs: list[list[Any]]) -> list[str] | None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"{item.module}.py").write_text(source)
        for name, text in item.extra_files.items():
            (root / name).write_text(text)
        try:
            done = subprocess.run(
                [sys.executable, "-c", _BEHAVIOUR.format(module=item.module, entry=item.entry)],
                cwd=root,
                input=json.dumps(inputs),
                capture_output=True,
                text=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return None
        if done.returncode != 0:
            return None
        result: list[str] = json.loads(done.stdout)
        return result


def passes_reference(source: str, item: Item) -> bool:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / f"{item.module}.py").write_text(source)
        for name, text in item.extra_files.items():
            (root / name).write_text(text)
        (root / "reference_check.py").write_text(item.reference_check)
        try:
            done = subprocess.run(
                [sys.executable, "reference_check.py"],
                cwd=root,
                capture_output=True,
                timeout=120,
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0


# Running ---------------------------------------------------------------------------------------


def left_behind(marker: str) -> int:
    """Processes that inherited ``marker`` in their environment (every process the search
    started does) and still run."""
    count = 0
    needle = f"{_MARKER}={marker}".encode()
    for environ in Path("/proc").glob("[0-9]*/environ"):
        if environ.parent.name == str(os.getpid()):
            continue
        try:
            if needle in environ.read_bytes():
                count += 1
        except OSError:
            continue
    return count


_MARKER = "DEBUGLLM_SEMANTIC_BENCH_ITEM"


def run_item(item: Item, budget: float) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="semantic-") as folder:
        root = Path(folder) / "project"
        root.mkdir()
        (root / f"{item.module}.py").write_text(item.buggy)
        (root / f"test_{item.module}.py").write_text(item.tests)
        for name, text in item.extra_files.items():
            (root / name).write_text(text)
        before = {p.name: p.read_bytes() for p in root.iterdir()}
        started = time.monotonic()
        command = f"{PYTEST} test_{item.module}.py"
        # As `debugllm fix --test` runs it: the token model breaks ties between candidates.
        repair = TestRepair(
            root, command, budget, TokenModel.load(), command_timeout=COMMAND_TIMEOUT
        )
        os.environ[_MARKER] = marker = f"{os.getpid()}-{item.benchmark}-{item.name}"
        result = repair.run()
        seconds = time.monotonic() - started
        left = left_behind(marker)
        after = {p.name: p.read_bytes() for p in root.iterdir()}
        if before != after:
            raise SystemExit(f"{item.name}: the search changed the user's files")
    fix = result.fix
    if fix is None:
        return Outcome(
            item.benchmark,
            item.name,
            False,
            False,
            False,
            seconds,
            result.candidates_tried,
            "",
            "",
            result.message,
            left,
        )
    passed = passes_reference(fix.fixed, item)
    wrong = False
    if passed and item.inputs:
        inputs = extra_inputs(item.inputs)
        expected = behaviour(item.reference, item, inputs)
        got = behaviour(fix.fixed, item, inputs)
        wrong = expected is not None and got != expected
    return Outcome(
        item.benchmark,
        item.name,
        True,
        passed,
        wrong,
        seconds,
        result.candidates_tried,
        fix.mutation.kind,
        fix.mutation.description,
        "",
        left,
    )


def summary(outcomes: list[Outcome], benchmark: str) -> dict[str, Any]:
    chosen = [o for o in outcomes if o.benchmark == benchmark]
    if not chosen:
        return {}
    times = sorted(o.seconds for o in chosen)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    passing = sum(o.passes_reference for o in chosen)
    return {
        "benchmark": benchmark,
        "bugs": len(chosen),
        "fixed (a fix verified by the tests)": sum(o.fixed for o in chosen),
        "pass@1 (reference tests pass on the first verified fix)": passing,
        "pass@1 %": round(100 * passing / len(chosen), 1),
        "correct on extra inputs": sum(o.passes_reference and not o.wrong for o in chosen),
        "wrong fixes (tests pass, behaviour differs on extra inputs)": sum(o.wrong for o in chosen),
        "processes left behind": sum(o.left_behind for o in chosen),
        "median s": round(statistics.median(times), 2),
        "p95 s": round(p95, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("quixbugs", "humanevalfix"))
    parser.add_argument("--budget", type=float, default=5.0, help="search budget per bug (s)")
    parser.add_argument("--limit", type=int, default=0, help="first N bugs of each benchmark")
    parser.add_argument("--name", action="append", default=[], help="only these bugs")
    parser.add_argument("--json", help="write every outcome here")
    args = parser.parse_args()
    items: list[Item] = []
    if args.only in (None, "quixbugs"):
        found = quixbugs_items()
        items += found[: args.limit] if args.limit else found
    if args.only in (None, "humanevalfix"):
        found = humanevalfix_items()
        items += found[: args.limit] if args.limit else found
    if args.name:
        items = [i for i in items if i.name in args.name]
    outcomes: list[Outcome] = []
    for item in items:
        outcome = run_item(item, args.budget)
        outcomes.append(outcome)
        mark = "WRONG" if outcome.wrong else ("ok" if outcome.passes_reference else "--")
        print(
            f"{item.benchmark:13} {item.name:28} {mark:5} {outcome.seconds:6.2f}s "
            f"{outcome.tried:4} tried  {outcome.description or outcome.message}",
            flush=True,
        )
    for benchmark in ("quixbugs", "humanevalfix"):
        table = summary(outcomes, benchmark)
        if table:
            print(json.dumps(table, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
