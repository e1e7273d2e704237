"""Test-driven repair: run the user's test command, read the failure, search for a verified fix.

The command runs once on a temporary copy of the project; its failure names the failing tests
and, through ``targets``, the functions to repair. Each function's mutations (``mutations``) are
run in order against the failing tests and, when those pass, against the rest of their test
files; the first candidate that makes the failing tests pass and breaks no test that passed is
the fix, "verified by tests". The search stops at its budget. The user's files are only read.
"""

from __future__ import annotations

import ast
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from debugllm.oracle.additions import additions
from debugllm.oracle.failure import Failure, innermost_user_frame, parse_failure
from debugllm.oracle.model import Proposer, admit, function_named
from debugllm.oracle.mutations import Mutation, mutations, scored
from debugllm.oracle.runner import (
    CommandResult,
    PytestSession,
    RunnerError,
    RunResult,
    Sandbox,
    TestCommand,
    run_command,
    runs_like_session,
)
from debugllm.oracle.targets import Target, find_targets
from debugllm.repair.plausibility import TokenModel
from debugllm.sourcefile import SourceError, SourceFile, read_source
from debugllm.text import minimal_edits

#: The longest the user's command may run once (the first run, which finds the failure).
COMMAND_TIMEOUT_S = 120.0
#: The longest one test may run when the failing function is first traced (a bug that loops
#: forever fails that test; the others still run and give their lines).
BASELINE_TEST_TIMEOUT_S = 1.0
#: The least one test may run in that baseline once a test passed (then the limit is ten times
#: the slowest pass): three tests that loop forever cost 0.6 s, not 3 s.
BASELINE_TEST_FLOOR_S = 0.2
#: Seconds of traced tests in that baseline; later tests run untraced (the failures the command
#: reported always traced). A file of 455 tests took 7.2 s traced, 1.4 s untraced: the whole
#: budget, before the first candidate. The lines of the traced share rank the candidates.
BASELINE_TRACE_BUDGET_S = 1.0


@dataclass(frozen=True)
class TestFix:
    """A change to one function that the user's tests verified."""

    __test__ = False  # not a pytest test class

    path: Path
    function: str
    original: str
    fixed: str
    mutation: Mutation
    #: The tests that failed before and pass with the fix.
    fixed_tests: tuple[str, ...]
    #: How many tests ran green with the fix (the failing ones and the rest of their files).
    tests_run: int
    #: ``embedded`` (a mutation) or ``model`` (the remote model's rewrite of the function).
    origin: str = "embedded"


@dataclass
class TestFixResult:
    """What the command's failure says and the verified fix, if the search found one."""

    __test__ = False  # not a pytest test class

    command: str
    failure: Failure
    #: The innermost frame in the user's code: (file, line, function or None).
    location: tuple[Path, int, str | None] | None = None
    targets: list[Target] = field(default_factory=list)
    fix: TestFix | None = None
    message: str = ""
    candidates_tried: int = 0
    seconds: float = 0.0
    passed: bool = False
    #: Model answers not run because they add an import, call or name (shown, marked so):
    #: (file, fixed module text, what it adds).
    unexecuted: list[tuple[Path, str, tuple[str, ...]]] = field(default_factory=list)


def explain_failure(failure: Failure, root: Path) -> tuple[Path, int, str | None] | None:
    """Where the failure happened in the user's code: file, line and enclosing function."""
    found = innermost_user_frame(failure, root)
    if found is None:
        return None
    frame, path = found
    function = frame.function
    if function is None or function == "<module>":
        try:
            from debugllm.oracle.failure import enclosing_function

            node = enclosing_function(ast.parse(path.read_text(encoding="utf-8")), frame.line)
            function = node.name if node else None
        except (OSError, SyntaxError, ValueError):
            function = None
    return path, frame.line, function


def suspicion(before: RunResult, failing: list[str]) -> dict[int, float]:
    """Ochiai suspiciousness of each line the failing tests ran, normalised to 0..1."""
    failed_at: dict[int, int] = {}
    passed_at: dict[int, int] = {}
    for test, lines in before.lines.items():
        counts = failed_at if test in failing else passed_at
        for line in lines:
            counts[line] = counts.get(line, 0) + 1
    total_failed = max(1, len(failing))
    scores = {
        line: f / math.sqrt(total_failed * (f + passed_at.get(line, 0)))
        for line, f in failed_at.items()
    }
    top = max(scores.values(), default=1.0) or 1.0
    return {line: score / top for line, score in scores.items()}


class TestRepair:
    """One search: a sandbox, a worker when the command is pytest, and a deadline."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        root: Path,
        command: str,
        budget_s: float = 5.0,
        model: TokenModel | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        command_timeout: float = COMMAND_TIMEOUT_S,
        propose: Proposer | None = None,
    ) -> None:
        #: The remote model, asked when the embedded search found nothing.
        self.propose = propose
        self.root = root.resolve()
        self.command_timeout = command_timeout
        self.command_text = command
        self.command = TestCommand.parse(command)
        self.budget_s = budget_s
        self.model = model
        self.cancelled = cancelled

    def run(self) -> TestFixResult:
        started = time.monotonic()
        result = self._run()
        result.seconds = time.monotonic() - started
        return result

    def _run(self) -> TestFixResult:
        with Sandbox(self.root) as sandbox:
            # The session collects the command's test paths while the command runs.
            early = _early_session(self.command, sandbox.root)
            try:
                return self._run_in(sandbox, early)
            finally:
                if early is not None:
                    early.close()

    def _run_in(self, sandbox: Sandbox, early: PytestSession | None) -> TestFixResult:
        first = self._first_in_session(sandbox, early)
        if first is None:
            first = run_command(self.command.argv, sandbox.root, self.command_timeout)
        failure = parse_failure(first.output)
        result = TestFixResult(self.command_text, failure)
        if first.timed_out:
            result.message = f"the test command ran longer than {self.command_timeout:g} s"
            return result
        if first.exit_code == 0:
            result.passed = True
            result.message = "the tests pass: nothing to fix"
            return result
        # Paths in the output are inside the copy: read them there, report the originals.
        result.location = _to_original(
            explain_failure(failure, sandbox.root), sandbox.root, self.root
        )
        targets = find_targets(failure, sandbox.root)
        result.targets = [
            Target(self.root / t.path.relative_to(sandbox.root), t.name, t.line) for t in targets
        ]
        if not targets:
            result.message = "no function of the project to repair was found in the failure"
            return result
        # The budget is the search's: the user's own run above is not part of it.
        deadline = time.monotonic() + self.budget_s
        search = _Search(sandbox, self.command, failure, deadline, self.model, self.cancelled)
        search.propose = self.propose
        search.early = early
        try:
            found = search.run(targets)
        finally:
            search.close()
        result.candidates_tried = search.tried
        result.unexecuted = [
            (self.root / path.relative_to(sandbox.root), text, added)
            for path, text, added in search.unexecuted
        ]
        if found is not None:
            result.fix = TestFix(
                self.root / found.path.relative_to(sandbox.root),
                found.function,
                found.original,
                found.fixed,
                found.mutation,
                found.fixed_tests,
                found.tests_run,
                found.origin,
            )
        else:
            result.message = search.message or (
                f"no fix verified by the tests within {self.budget_s:g} s "
                f"({search.tried} candidate(s) tried)"
            )
        return result

    def _first_in_session(
        self, sandbox: Sandbox, early: PytestSession | None
    ) -> CommandResult | None:
        """The command's run done by the worker that collected its tests (no second interpreter
        start and collection), when that is the same run (``runs_like_session``) and a test
        fails; None otherwise (the command itself runs then, also to confirm a green run). A
        test that runs longer than a quarter of the command's time limit fails with a traceback
        of where it was: a loop forever gets a location instead of a timeout."""
        if early is None or not runs_like_session(self.command, sandbox.root):
            return None
        try:
            early.wait_ready(self.command_timeout)
            outcome = early.try_function(
                "",
                "",
                None,
                early.items,
                self.command_timeout,
                stop=any(a in ("-x", "--exitfirst") for a in self.command.pytest_args),
                test_timeout=self.command_timeout / 4,
                report=True,
            )
        except RunnerError:
            return None
        if outcome.status == "timeout":
            return CommandResult(None, "", True, outcome.seconds)
        if outcome.status != "done" or not outcome.failed:
            return None
        return CommandResult(1, outcome.output, False, outcome.seconds)


def _early_session(command: TestCommand, root: Path) -> PytestSession | None:
    """A pytest session on the paths the command names, started at once (None otherwise)."""
    if command.interpreter is None:
        return None
    paths = [
        arg
        for arg in command.pytest_args
        if not arg.startswith("-") and (root / arg.split("::", 1)[0]).exists()
    ]
    if not paths:
        return None
    try:
        return PytestSession(command.interpreter, root, paths)
    except RunnerError:
        return None


def _to_original(
    location: tuple[Path, int, str | None] | None, copy: Path, root: Path
) -> tuple[Path, int, str | None] | None:
    if location is None:
        return None
    path, line, function = location
    try:
        return root / path.relative_to(copy.resolve()), line, function
    except ValueError:
        return location


def candidate_test_limit(before: RunResult) -> float:
    """The time one test may take with a candidate: a few times what the tests that passed
    took in the traced baseline (a candidate that loops or recurses is stopped early, so it
    does not eat the budget); the failing tests' times only when none passed."""
    passed = [before.durations[t] for t in before.passed if t in before.durations]
    if passed:
        return min(BASELINE_TEST_TIMEOUT_S, max(0.1, 3.0 * max(passed)))
    finished = [d for d in before.durations.values() if d < 0.9 * BASELINE_TEST_TIMEOUT_S]
    return max(0.25, 5.0 * max(finished, default=0.05))


@dataclass
class _Plan:
    """One target's share of the search: what must pass and its ranked candidates."""

    target: Target
    relative: str
    original: str
    function: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str
    failing: list[str] = field(default_factory=list)
    must_pass: list[str] = field(default_factory=list)
    #: Whole-run and per-test limits of one candidate (the session's runs).
    timeout: float = 10.0
    per_test: float = 0.0
    #: Candidates run first in the session (False: every one by a fresh run of the tests).
    fast: bool = False
    ranked: list[tuple[float, Mutation]] = field(default_factory=list)

    @property
    def body_start(self) -> int:
        return self.function.body[0].lineno


class _Search:
    def __init__(
        self,
        sandbox: Sandbox,
        command: TestCommand,
        failure: Failure,
        deadline: float,
        model: TokenModel | None,
        cancelled: Callable[[], bool],
    ) -> None:
        self.sandbox = sandbox
        self.command = command
        self.failure = failure
        self.deadline = deadline
        self.model = model
        self.cancelled = cancelled
        self.tried = 0
        self.message = ""
        self.session: PytestSession | None = None
        #: A session started while the command ran (see ``_early_session``), not yet checked.
        self.early: PytestSession | None = None
        self.propose: Proposer | None = None
        self.unexecuted: list[tuple[Path, str, tuple[str, ...]]] = []
        self.failing: list[str] = list(failure.failed_tests)
        self.must_pass: list[str] = list(failure.failed_tests)
        self.files: dict[str, SourceFile] = {}
        self.test_files = sorted({node.split("::", 1)[0] for node in failure.failed_tests})

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def _adopt_early(self) -> None:
        """Use the session started with the command if it collected the failing tests' files."""
        early, self.early = self.early, None
        if early is None:
            return
        try:
            early.wait_ready()
        except RunnerError:
            return
        collected = {item.split("::", 1)[0] for item in early.items}
        if set(self.test_files) <= collected:
            self.session = early
        else:
            early.close()

    def run(self, targets: list[Target]) -> TestFix | None:
        if self.command.interpreter is not None and self.test_files:
            self._adopt_early()
        if self.session is None and self.command.interpreter is not None and self.test_files:
            try:
                self.session = PytestSession(
                    self.command.interpreter, self.sandbox.root, self.test_files
                )
                self.session.wait_ready()
            except RunnerError:
                self.session = None  # every candidate then runs the command on the written file
        plans: list[_Plan] = []
        for target in targets:
            if self._left() <= 0 or self.cancelled():
                break
            plan = self._plan(target)
            if plan is not None:
                plans.append(plan)
        if plans:
            self.failing, self.must_pass = plans[0].failing, plans[0].must_pass
            found = self._search(plans)
            if found is not None:
                return found
        if self.propose is not None and targets and not self.cancelled():
            return self._ask_model(targets[0])
        return None

    def _ask_model(self, target: Target) -> TestFix | None:
        """The model's rewrite of the first target, run by the same tests when admissible."""
        relative = str(target.path.relative_to(self.sandbox.root))
        file = self.files.get(relative)
        if file is None or self.propose is None:
            return None
        original = file.text
        tree = ast.parse(original)
        found = _function_at(tree, target)
        if found is None:
            return None
        function, _ = found
        try:
            answers = self.propose(original, relative, function)
        except Exception as error:  # the endpoint's failures cost the model's fix, no more
            self.message = f"the model could not be asked: {error}"
            return None
        for answer in answers:
            try:
                rewritten = function_named(ast.parse(answer), target.name)
            except SyntaxError:
                continue
            if rewritten is None:
                continue
            admission = admit(function, rewritten)
            if not admission.allowed:
                self.unexecuted.append((target.path, answer, admission.added))
                continue
            self.tried += 1
            if self._verify(relative, original, answer, self.must_pass, 10.0):
                edit = minimal_edits(original, answer)
                start = min(e.start for e in edit) if edit else 0
                end = max(e.end for e in edit) if edit else 0
                new_text = answer[start : len(answer) - (len(original) - end)]
                mutation = Mutation(
                    start,
                    end,
                    new_text,
                    "model",
                    "the model's rewrite",
                    0.0,
                    original.count("\n", 0, start) + 1,
                )
                return TestFix(
                    target.path,
                    target.name,
                    original,
                    answer,
                    mutation,
                    tuple(self.failing),
                    len(self.must_pass),
                    "model",
                )
        return None

    def _plan(self, target: Target) -> _Plan | None:
        """The target's baseline run (which tests fail, the lines they run) and its candidates,
        each with its rank key; None when the failing tests never run it."""
        relative = str(target.path.relative_to(self.sandbox.root))
        try:
            file = read_source(str(target.path), force_python=True)
        except SourceError:
            return None
        original = file.text
        self.files[relative] = file
        try:
            tree = ast.parse(original)
        except SyntaxError:
            return None
        found = _function_at(tree, target)
        if found is None:
            return None
        function, qualname = found
        plan = _Plan(target, relative, original, function, qualname)
        plan.failing = list(self.failure.failed_tests)
        plan.must_pass = list(plan.failing)
        lines: dict[int, float] = {}
        if self.session is not None:
            tests = [t for t in self.session.items if t.split("::", 1)[0] in self.test_files]
            before = self.session.try_function(
                relative,
                qualname,
                None,
                tests,
                # The baseline is needed whatever the budget left (a loop forever costs the
                # per-test limit once here, not once per candidate).
                max(10.0, self._left()),
                stop=False,
                trace=True,
                test_timeout=BASELINE_TEST_TIMEOUT_S,
                test_floor=BASELINE_TEST_FLOOR_S,
                trace_budget=BASELINE_TRACE_BUDGET_S,
                trace_always=tuple(self.failure.failed_tests),
            )
            if before.status != "done" or not before.failed:
                return None
            # Every test of those files that fails must pass, not only the first one reported
            # (``pytest -x`` stops there): one fix for all of them is the fix meant.
            failing = [t for t in plan.failing if t in before.failed] + [
                t for t in before.failed if t not in plan.failing
            ]
            plan.failing = failing
            plan.must_pass = failing + [t for t in before.passed if t not in failing]
            lines = _whole_statements(suspicion(before, failing), function)
            if not lines:
                return None  # the failing tests never ran this function
            plan.per_test = candidate_test_limit(before)
            plan.timeout = plan.per_test * len(plan.must_pass) + 0.5
            plan.fast = True
        candidates = mutations(original, function) + additions(original, function)
        plan.ranked = scored(original, candidates, lines, self.model)
        return plan

    def _search(self, plans: list[_Plan]) -> TestFix | None:
        """The targets' candidates taken in turn, each target's likeliest first: a test that
        calls a driver which calls the buggy function gives both the same number of tries (their
        keys do not compare: every line of a driver that only failing tests run is as suspect as
        the buggy function's)."""
        queue = sorted(
            (order, index, m)
            for index, plan in enumerate(plans)
            for order, (_key, m) in enumerate(plan.ranked)
        )
        seen: set[tuple[int, str]] = set()
        for _order, index, mutation in queue:
            if self._left() <= 0 or self.cancelled():
                break
            plan = plans[index]
            candidate = mutation.apply(plan.original)
            if (index, candidate) in seen:
                continue
            seen.add((index, candidate))
            try:
                compile(candidate, plan.relative, "exec")
                self.files[plan.relative].encode(candidate)
            except (SyntaxError, ValueError, SourceError):
                continue
            self.tried += 1
            if plan.fast and mutation.line >= plan.body_start and self.session is not None:
                quick = self.session.try_function(
                    plan.relative,
                    plan.qualname,
                    candidate,
                    plan.must_pass,
                    min(plan.timeout, max(0.2, self._left())),
                    test_timeout=plan.per_test,
                )
                if quick.status == "unpatchable":
                    plan.fast = False
                elif quick.status != "done" or len(quick.passed) != len(plan.must_pass):
                    continue
            if self._verify(plan.relative, plan.original, candidate, plan.must_pass, plan.timeout):
                self.failing, self.must_pass = plan.failing, plan.must_pass
                return TestFix(
                    plan.target.path,
                    plan.target.name,
                    plan.original,
                    candidate,
                    mutation,
                    tuple(plan.failing),
                    len(plan.must_pass),
                )
        return None

    def _verify(
        self, relative: str, original: str, candidate: str, must_pass: list[str], timeout: float
    ) -> bool:
        """The candidate written to the copy, a fresh run of the tests: the failing ones and
        every one that passed before must pass. A candidate the session already passed is
        checked fully, even a little past the budget."""
        path = self.sandbox.root / relative
        _write(path, self.files[relative], candidate)
        try:
            if self.command.interpreter is None:
                step = min(timeout, max(0.2, self._left()))
                return run_command(self.command.argv, self.sandbox.root, step).exit_code == 0
            argv = (
                self.command.interpreter,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                *must_pass,
            )
            return run_command(argv, self.sandbox.root, max(10.0, 3.0 * timeout)).exit_code == 0
        finally:
            _write(path, self.files[relative], original)


def _whole_statements(
    lines: dict[int, float], function: ast.FunctionDef | ast.AsyncFunctionDef
) -> dict[int, float]:
    """``lines`` with every line of a statement that ran: a trace names one line of a statement
    written on several (`min(\n a[i, k] + a[j, k],\n ...)`), a slip may sit on any of them."""
    spread = dict(lines)
    for node in ast.walk(function):
        if not isinstance(node, ast.stmt) or node is function:
            continue
        body = getattr(node, "body", None)
        last = (
            body[0].lineno - 1
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt)
            else node.end_lineno or node.lineno
        )
        score = max((lines.get(n, -1.0) for n in range(node.lineno, last + 1)), default=-1.0)
        if score >= 0:
            for number in range(node.lineno, last + 1):
                spread[number] = max(spread.get(number, 0.0), score)
    return spread


def _write(path: Path, file: SourceFile, text: str) -> None:
    """``text`` in the file's own encoding (its BOM too), line endings as they are."""
    path.write_bytes(file.encode(text))


def _function_at(
    tree: ast.Module, target: Target
) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
    """The target's node and qualified name (``Class.method``, ``outer.<locals>.inner``)."""

    def visit(
        node: ast.AST, prefix: str
    ) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, str] | None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                qualname = prefix + child.name
                if child.name == target.name and child.lineno == target.line:
                    return child, qualname
                found = visit(child, qualname + ".<locals>.")
            elif isinstance(child, ast.ClassDef):
                found = visit(child, prefix + child.name + ".")
            else:
                found = visit(child, prefix)
            if found:
                return found
        return None

    return visit(tree, "")
