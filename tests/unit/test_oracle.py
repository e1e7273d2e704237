"""The test-driven repair engine (debugllm.oracle) on real projects run by real pytest."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from debugllm.cli import main
from debugllm.oracle.additions import additions
from debugllm.oracle.failure import parse_failure
from debugllm.oracle.mutations import mutations
from debugllm.oracle.runner import TestCommand, runs_like_session
from debugllm.oracle.search import TestRepair, explain_failure

from tests.oracle_projects import (
    CALC,
    CALC_COMMAND,
    digests,
    flipped_operator_project,
    leftover_workers,
    run_tests,
)

PYTEST = f"{sys.executable} -m pytest -x"


@pytest.fixture(autouse=True)
def _no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    # This repository's dev environment loads several pytest plugins per interpreter start.
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def project(root: Path, module: str, tests: str) -> Path:
    root.mkdir(exist_ok=True)
    (root / "mod.py").write_text(module)
    (root / "test_mod.py").write_text(tests)
    return root


def function(source: str, name: str) -> ast.FunctionDef:
    return next(
        n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.FunctionDef) and n.name == name
    )


def edits(source: str, name: str) -> set[str]:
    found = function(source, name)
    return {m.apply(source) for m in mutations(source, found) + additions(source, found)}


# --- reading failures ---------------------------------------------------------------------------


def test_pytest_report_gives_the_failing_test_the_frame_and_the_exception(tmp_path: Path) -> None:
    root = project(
        tmp_path / "p",
        "def div(a, b):\n    return a / b\n",
        "from mod import div\n\n\ndef test_div():\n    assert div(1, 0) == 0\n",
    )
    output = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "test_mod.py"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    failure = parse_failure(output)
    assert failure.failed_tests == ["test_mod.py::test_div"]
    assert failure.exception == "ZeroDivisionError"
    assert failure.message == "division by zero"
    location = explain_failure(failure, root)
    assert location == (root / "mod.py", 2, "div")


def test_plain_traceback_gives_the_innermost_frame_of_the_project(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "prog.py").write_text(
        "import json\n\n\ndef load(text):\n    return json.loads(text)\n\n\nload('{')\n"
    )
    stderr = subprocess.run(
        [sys.executable, "prog.py"], cwd=root, capture_output=True, text=True, timeout=60
    ).stderr
    failure = parse_failure(stderr)
    assert failure.exception == "json.decoder.JSONDecodeError"
    assert failure.message.startswith("Expecting property name")
    # The innermost frames are the standard library's: the user's own is the one reported.
    assert explain_failure(failure, root) == (root / "prog.py", 5, "load")


# --- mutations ----------------------------------------------------------------------------------


def test_mutations_cover_the_bug_classes() -> None:
    source = (
        "def f(items, n):\n"
        "    total = 0\n"
        "    for i in range(n - 1):\n"
        "        if items[i] < n and i > 0:\n"
        "            total += items[i] * 2\n"
        "    result = total - n\n"
    )
    found = edits(source, "f")
    assert source.replace("range(n - 1)", "range(n)") in found  # off by one, simplified
    assert source.replace("items[i] < n", "items[i] <= n") in found  # comparison boundary
    assert source.replace("and i > 0", "or i > 0") in found  # boolean
    assert source.replace("total += items", "total -= items") in found  # operator
    assert source.replace("total - n", "n - total") in found  # swapped operands
    assert source.replace("total - n\n", "total - items\n") in found  # another variable
    assert source + "    return result\n" in found  # the missing return
    assert source.replace("total = 0", "total = 1") in found  # constant


def test_mutations_for_bounds_passed_on_coordinates_and_order() -> None:
    source = (
        "def g(lo, hi, grid, digits, key):\n"
        "    mid = (lo + hi) // 2\n"
        "    g(lo, mid, grid, digits, key)\n"
        "    best = grid[lo - 1, hi]\n"
        "    return digits + key\n"
    )
    found = edits(source, "g")
    assert source.replace("g(lo, mid,", "g(lo, mid + 1,") in found  # a bound passed on
    assert source.replace("grid[lo - 1, hi]", "grid[lo - 1, hi - 1]") in found  # a coordinate
    assert source.replace("digits + key", "key + digits") in found  # order of a concatenation
    later = source.replace("mid, grid, digits, key)", "mid, grid, key, digits)")
    assert later in found  # later arguments
    assert not any(") // lo" in candidate for candidate in found)  # brackets stay whole


def test_mutations_for_transposed_indices_a_call_too_many_and_no_power_to_plus() -> None:
    source = (
        "def h(dist, i, j, items):\n    side = dist[i, j] ** 0.5\n    return wrap(items) + side\n"
    )
    found = edits(source, "h")
    assert source.replace("dist[i, j]", "dist[j, i]") in found  # transposed
    assert source.replace("wrap(items)", "items") in found  # a call too many
    assert source.replace("** 0.5", "* 0.5") in found  # one keystroke
    assert source.replace("** 0.5", "+ 0.5") not in found  # no slip anyone makes


def test_a_variable_edit_that_leaves_a_name_unused_comes_last() -> None:
    source = (
        "def reach(node, goal):\n    if node is goal:\n        return True\n"
        "    return any(reach(nxt, goal) for nxt in node.succ)\n"
    )
    costs = {
        (m.line, m.description): m.cost
        for m in mutations(source, function(source, "reach"))
        if m.kind == "variable"
    }
    assert costs[(4, "`nxt` -> `goal`")] == 4.0  # `nxt` would be bound and never read
    assert costs[(4, "`goal` -> `nxt`")] == 3.0  # `goal` is still read on line 2


def test_additions_supply_left_out_code() -> None:
    drain = (
        "def drain(stack):\n    out = []\n    while True:\n"
        "        out.append(stack.pop())\n    return out\n"
    )
    assert drain.replace("while True", "while stack") in edits(drain, "drain")
    last = (
        "def last(node):\n    while True:\n        if node.next is None:\n"
        "            return node\n        node = node.next\n"
    )
    guarded = last.replace("if node.next", "if node is None or node.next")
    assert guarded in edits(last, "last")
    count = (
        "def count(items, limit):\n    if limit < 0:\n        return 0\n"
        "    head, *tail = items\n    return 1 + count(tail, limit - head)\n"
    )
    assert count.replace("limit < 0:", "limit < 0 or not items:") in edits(count, "count")
    best = "def best(xs):\n    top = 0\n    for x in xs:\n        top = x * 2\n    return top\n"
    assert best.replace("= x * 2", "= max(top, x * 2)") in edits(best, "best")
    assert best.replace("= x * 2", "= max(0, x * 2)") in edits(best, "best")
    twice = (
        "def first_repeat(xs):\n    seen = set()\n    for x in xs:\n"
        "        if x in seen:\n            return x\n    return None\n"
    )
    filled = twice.replace("return x\n", "return x\n        seen.add(x)\n")
    assert filled in edits(twice, "first_repeat")
    pairs = (
        "def pairs(xs):\n    prev = None\n    out = []\n    for x in xs:\n"
        "        out.append((prev, x))\n    return out\n"
    )
    updated = pairs.replace("x))\n", "x))\n        prev = x\n")
    assert updated in edits(pairs, "pairs")
    for source, name in ((drain, "drain"), (twice, "first_repeat"), (pairs, "pairs")):
        for candidate in edits(source, name):
            compile(candidate, name, "exec")  # an addition never breaks the syntax


def test_mutations_stay_inside_the_function_body() -> None:
    source = "LIMIT = 3\n\n\ndef f(x: list[int], k: int = 2) -> int:\n    return x[0] - k\n"
    for candidate in edits(source, "f"):
        assert candidate.splitlines()[:4] == source.splitlines()[:4]


# --- the search ---------------------------------------------------------------------------------

MAX_INDEX = (
    "def last_index(items):\n    i = 0\n    while i < len(items) - 1:\n        i += 1\n"
    "    return i - 1\n"
)
MAX_TESTS = (
    "from mod import last_index\n\n\n"
    "def test_three():\n    assert last_index([1, 2, 3]) == 2\n\n\n"
    "def test_one():\n    assert last_index([7]) == 0\n"
)


def test_search_finds_the_fix_without_touching_the_users_files(tmp_path: Path) -> None:
    root = project(tmp_path / "oracle-unit-project", MAX_INDEX, MAX_TESTS)
    before = digests(root)
    result = TestRepair(root, f"{PYTEST} test_mod.py", budget_s=60).run()
    assert digests(root) == before
    assert leftover_workers(root.name) == []
    fix = result.fix
    assert fix is not None
    assert fix.path == root / "mod.py" and fix.function == "last_index"
    # `return i` or `while i <= ...`: the same program; both give the last index.
    namespace: dict[str, Any] = {}
    exec(fix.fixed, namespace)
    assert [namespace["last_index"](list(range(n))) for n in range(1, 6)] == [0, 1, 2, 3, 4]
    assert set(fix.fixed_tests) == {"test_mod.py::test_three", "test_mod.py::test_one"}
    # Some candidates on the way loop forever (`i -= 1`): the time limits stopped them.
    assert result.candidates_tried >= 1


def test_flipped_operator_project_is_fixed_in_the_copy(tmp_path: Path) -> None:
    root = flipped_operator_project(tmp_path / "oracle-calc-project")
    assert run_tests(root, "tests") != 0
    before = digests(root)
    result = TestRepair(root, CALC_COMMAND, budget_s=60).run()
    assert digests(root) == before
    assert leftover_workers(root.name) == []
    assert result.fix is not None
    assert result.fix.fixed == CALC.replace("a - b", "a + b")
    assert result.fix.mutation.description == "`-` -> `+`"


def test_a_slip_in_a_helper_no_exception_names_is_found_through_the_caller(
    tmp_path: Path,
) -> None:
    # The test calls `report`, which calls `scale`: nothing raises, the assertion is the test's.
    app = (
        "def scale(values, factor):\n    return [v - factor for v in values]\n\n\n"
        "def report(values):\n    return ', '.join(str(v) for v in scale(values, 2))\n"
    )
    tests = (
        "from mod import report\n\n\n"
        "def test_report():\n    assert report([1, 2]) == '2, 4'\n\n\n"
        "def test_empty():\n    assert report([]) == ''\n"
    )
    root = project(tmp_path / "oracle-helper-project", app, tests)
    result = TestRepair(root, f"{PYTEST} test_mod.py", budget_s=60).run()
    assert [t.name for t in result.targets] == ["report", "scale"]
    assert result.fix is not None and result.fix.function == "scale"
    assert result.fix.fixed == app.replace("v - factor", "v * factor")


def test_a_test_that_loops_forever_gets_a_location_and_a_fix(tmp_path: Path) -> None:
    # The worker runs the command's tests (paths and -x only): a test running past a quarter of
    # the command's limit fails with a traceback of where it looped, and the search goes on.
    steps = (
        "def steps(n):\n    count = 0\n    while n > 0:\n        n += 1\n"
        "        count += 1\n    return count\n"
    )
    tests = (
        "from mod import steps\n\n\n"
        "def test_three():\n    assert steps(3) == 3\n\n\n"
        "def test_zero():\n    assert steps(0) == 0\n"
    )
    root = project(tmp_path / "oracle-loop-project", steps, tests)
    result = TestRepair(root, f"{PYTEST} test_mod.py", budget_s=60, command_timeout=4.0).run()
    assert result.failure.exception == "TimeoutError"
    assert result.location is not None and result.location[2] == "steps"
    assert result.fix is not None
    assert result.fix.fixed == steps.replace("n += 1", "n -= 1")
    assert leftover_workers(root.name) == []


def test_the_command_runs_itself_unless_the_worker_runs_the_same_tests(tmp_path: Path) -> None:
    root = project(tmp_path / "p", "X = 1\n", "def test_x():\n    pass\n")
    assert runs_like_session(TestCommand.parse(f"{PYTEST} -q test_mod.py"), root)
    assert runs_like_session(TestCommand.parse("pytest -p no:cacheprovider test_mod.py"), root)
    assert not runs_like_session(TestCommand.parse(f"{PYTEST} -k x test_mod.py"), root)
    assert not runs_like_session(TestCommand.parse(f"{sys.executable} test_mod.py"), root)
    (root / "pytest.ini").write_text("[pytest]\naddopts = --doctest-modules\n")
    assert not runs_like_session(TestCommand.parse(f"{PYTEST} test_mod.py"), root)


def test_a_function_a_package_re_exports_is_a_target(tmp_path: Path) -> None:
    # `import pkg as p; p.nth(...)` where `pkg/__init__.py` only does `from .recipes import *`.
    root = tmp_path / "reexport"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("from .recipes import *\n")
    recipes = "def nth(items, n):\n    return items[n + 1]\n"
    (root / "pkg" / "recipes.py").write_text(recipes)
    (root / "test_pkg.py").write_text(
        "import pkg as p\n\n\ndef test_nth():\n    assert p.nth([1, 2, 3], 0) == 1\n"
    )
    result = TestRepair(root, f"{PYTEST} test_pkg.py", budget_s=60).run()
    assert [(t.path.name, t.name) for t in result.targets] == [("recipes.py", "nth")]
    assert result.fix is not None and result.fix.path.name == "recipes.py"
    namespace: dict[str, Any] = {}
    exec(result.fix.fixed, namespace)  # `items[n]` or the same program (`items[n * 1]`)
    assert [namespace["nth"]([5, 6, 7], n) for n in range(3)] == [5, 6, 7]


def test_passing_tests_mean_nothing_to_fix(tmp_path: Path) -> None:
    root = project(
        tmp_path / "ok",
        "def one():\n    return 1\n",
        "from mod import one\n\n\ndef test_one():\n    assert one() == 1\n",
    )
    result = TestRepair(root, f"{PYTEST} test_mod.py", budget_s=10).run()
    assert result.passed and result.fix is None


def test_any_command_works_by_its_exit_status(tmp_path: Path) -> None:
    root = tmp_path / "script"
    root.mkdir()
    (root / "mod.py").write_text("def area(w, h):\n    return w + h\n")
    (root / "check.py").write_text("from mod import area\n\nassert area(3, 4) == 12, area(3, 4)\n")
    result = TestRepair(root, f"{sys.executable} check.py", budget_s=60).run()
    assert result.failure.exception == "AssertionError"
    assert result.fix is not None
    assert result.fix.fixed == "def area(w, h):\n    return w * h\n"


# --- the command line ---------------------------------------------------------------------------


def test_cli_reports_json_and_writes_only_with_unsafe_fixes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path / "cli", MAX_INDEX, MAX_TESTS)
    monkeypatch.chdir(root)
    command = f"{PYTEST} test_mod.py"
    assert main(["fix", "--test", command, "--json", "--write", "--test-budget-ms", "60000"]) == 1
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert "--unsafe-fixes" in err
    assert report["fixes"][0]["applicability"] == "unsafe"
    assert report["fixes"][0]["verified_by"] == "tests"
    assert report["fixes"][0]["applied"] is False
    assert report["diagnostics"][0]["code"] == "test-failure"
    assert (root / "mod.py").read_text() == MAX_INDEX
    code = main(
        ["fix", "--test", command, "--write", "--unsafe-fixes", "--test-budget-ms", "60000"]
    )
    assert code == 0
    assert (root / "mod.py").read_text() != MAX_INDEX
    assert (
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=root,
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
