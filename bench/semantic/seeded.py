"""Seeded bugs in real libraries, fixed by ``debugllm fix --test`` with the library's own tests.

The issue's held-out check ("seeded bugs in real library functions with their own tests"), run
through the product's command line exactly as a user runs it. Subjects are pure-Python packages
whose sdists ship their tests (pinned below, fetched once with ``pip download --no-binary``
into ``--cache``). For each subject:

1. every mutation site of the module's functions is listed (``SITES``: an arithmetic operator
   flipped, a comparison flipped or its bound moved, an integer constant off by one, a
   ``return`` deleted, a ``not`` dropped) and shuffled with ``--seed``;
2. a mutant is kept when the subject's test file fails on it (and finishes within the timeout);
   the first ``--per-subject`` mutants kept are the bugs;
3. ``debugllm fix --offline --json --test CMD`` runs on a fresh copy of the project per bug.

Scores per bug: *fixed* (a fix verified by the tests was offered), *restored* (the fixed
module is the original program: AST-equal), *tests pass* (the subject's test file, run again
here with the fix applied), seconds, user files changed during the search (hashes before and
after, must be 0) and processes left behind (must be 0). The mutants are made here, never
listed in the repository, so nothing can be tuned to them.

Usage: ``.venv/bin/python bench/semantic/seeded.py [--per-subject 8] [--seed 0] [--budget-ms
5000] [--json out.json]``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tokenize
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

DEBUGLLM = Path(sys.executable).with_name("debugllm")
CACHE = Path.home() / ".cache" / "debugllm-bench" / "seeded"
TEST_TIMEOUT = 60.0


@dataclass(frozen=True)
class Subject:
    requirement: str  # pip requirement of the sdist
    folder: str  # the sdist's top folder
    module: str  # the module with the bugs, relative to the folder
    tests: str  # its test file, relative to the folder


SUBJECTS = {
    "toolz-itertoolz": Subject(
        "toolz==1.0.0", "toolz-1.0.0", "toolz/itertoolz.py", "toolz/tests/test_itertoolz.py"
    ),
    "toolz-dicttoolz": Subject(
        "toolz==1.0.0", "toolz-1.0.0", "toolz/dicttoolz.py", "toolz/tests/test_dicttoolz.py"
    ),
    "inflection": Subject(
        "inflection==0.5.1", "inflection-0.5.1", "inflection/__init__.py", "test_inflection.py"
    ),
    "more-itertools": Subject(
        "more-itertools==10.5.0",
        "more-itertools-10.5.0",
        "more_itertools/recipes.py",
        "tests/test_recipes.py",
    ),
}


@dataclass(frozen=True)
class Mutation:
    kind: str
    line: int  # 1-based
    start: int  # offsets in the module's text
    end: int
    new_text: str
    function: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.new_text + text[self.end :]


FLIPS = {"+": "-", "-": "+", "*": "//", "//": "*", "<": ">", ">": "<", "<=": ">=", ">=": "<="}
BOUNDS = {"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}


def _offsets(text: str) -> list[int]:
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    return starts


def sites(text: str) -> Iterator[Mutation]:
    """Every single-token or single-keyword mutation inside a function of ``text``."""
    tree = ast.parse(text)
    starts = _offsets(text)
    tokens = [
        t
        for t in tokenize.generate_tokens(io.StringIO(text).readline)
        if t.type == tokenize.OP or t.string in ("return", "not")
    ]

    def offset(line: int, col: int) -> int:
        return starts[line - 1] + col

    def op_between(a: ast.AST, b: ast.AST) -> tokenize.TokenInfo | None:
        lo = (a.end_lineno, a.end_col_offset)  # type: ignore[attr-defined]
        hi = (b.lineno, b.col_offset)  # type: ignore[attr-defined]
        inner = [t for t in tokens if lo <= t.start and t.end <= hi and t.string not in "()"]
        return inner[0] if len(inner) == 1 else None

    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        name = function.name
        for node in ast.walk(function):
            if isinstance(node, ast.BinOp):
                tok = op_between(node.left, node.right)
                if tok is not None and tok.string in FLIPS and tok.string in "+-*//":
                    yield _token_mutation("operator", tok, FLIPS[tok.string], offset, name)
            elif isinstance(node, ast.Compare) and len(node.ops) == 1:
                tok = op_between(node.left, node.comparators[0])
                if tok is None:
                    continue
                if tok.string in FLIPS:
                    yield _token_mutation("comparison", tok, FLIPS[tok.string], offset, name)
                if tok.string in BOUNDS:
                    yield _token_mutation("bound", tok, BOUNDS[tok.string], offset, name)
            elif (
                isinstance(node, ast.Constant)
                and type(node.value) is int
                and 0 <= node.value <= 10
                and node.lineno == node.end_lineno
            ):
                new = str(node.value + 1 if node.value <= 1 else node.value - 1)
                start = offset(node.lineno, node.col_offset)
                end = offset(node.lineno, node.end_col_offset)  # type: ignore[arg-type]
                if text[start:end] == str(node.value):
                    yield Mutation("off-by-one", node.lineno, start, end, new, name)
            elif isinstance(node, ast.Return) and node.value is not None:
                start = offset(node.lineno, node.col_offset)
                if text.startswith("return ", start):
                    yield Mutation("deleted-return", node.lineno, start, start + 7, "", name)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                start = offset(node.lineno, node.col_offset)
                if text.startswith("not ", start):
                    yield Mutation("dropped-not", node.lineno, start, start + 4, "", name)


def _token_mutation(
    kind: str,
    tok: tokenize.TokenInfo,
    new_text: str,
    offset: Callable[[int, int], int],
    function: str,
) -> Mutation:
    start = offset(*tok.start)
    end = offset(*tok.end)
    return Mutation(kind, tok.start[0], start, end, new_text, function)


def fetch(subject: Subject, cache: Path) -> Path:
    folder = cache / subject.folder
    if folder.is_dir():
        return folder
    cache.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--no-binary",
            ":all:",
            "-d",
            str(cache),
            subject.requirement,
        ],
        check=True,
    )
    name, version = subject.requirement.split("==")
    (archive,) = [
        p
        for p in cache.glob("*.tar.gz")
        if p.name.lower().replace("_", "-").startswith(f"{name.lower()}-{version}")
    ]
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return folder


def run_tests(project: Path, tests: str) -> tuple[bool, bool]:
    """(passed, finished in time) of the subject's test file in ``project``."""
    env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONDONTWRITEBYTECODE="1")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", tests],
            cwd=project,
            env=env,
            capture_output=True,
            timeout=TEST_TIMEOUT,
            start_new_session=True,
        )
    except subprocess.TimeoutExpired:
        return False, False
    return done.returncode == 0, True


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and ".pytest_cache" not in p.parts
    }


def _leftovers(marker: str) -> int:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return sum(1 for line in out.splitlines() if marker in line and "ps -eo" not in line)


@dataclass
class Outcome:
    subject: str
    kind: str
    function: str
    line: int
    fixed: bool
    restored: bool
    tests_pass: bool
    seconds: float
    files_changed: int
    leftovers: int
    message: str


def bugs(subject: Subject, pristine: Path, count: int, rng: random.Random) -> list[Mutation]:
    original = (pristine / subject.module).read_text()
    candidates = list(sites(original))
    rng.shuffle(candidates)
    kept: list[Mutation] = []
    with tempfile.TemporaryDirectory(prefix="seeded-probe-") as scratch:
        project = Path(scratch) / "p"
        shutil.copytree(pristine, project)
        for mutation in candidates[: count * 8]:
            if len(kept) == count:
                break
            mutated = mutation.apply(original)
            try:
                compile(mutated, subject.module, "exec")
            except SyntaxError:
                continue
            (project / subject.module).write_text(mutated)
            passed, in_time = run_tests(project, subject.tests)
            if not passed and in_time:
                kept.append(mutation)
        (project / subject.module).write_text(original)
    return kept


def repair(name: str, subject: Subject, pristine: Path, bug: Mutation, budget_ms: int) -> Outcome:
    original = (pristine / subject.module).read_text()
    with tempfile.TemporaryDirectory(prefix="seeded-bug-") as scratch:
        project = Path(scratch) / "p"
        shutil.copytree(pristine, project)
        (project / subject.module).write_text(bug.apply(original))
        before = _hashes(project)
        command = f"{sys.executable} -m pytest -x -q {subject.tests}"
        env = dict(os.environ, PYTEST_DISABLE_PLUGIN_AUTOLOAD="1")
        started = time.monotonic()
        done = subprocess.run(
            [
                str(DEBUGLLM),
                "fix",
                "--offline",
                "--json",
                "--test",
                command,
                "--test-budget-ms",
                str(budget_ms),
            ],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        seconds = time.monotonic() - started
        leftovers = _leftovers(str(scratch))
        changed = sum(1 for k, v in _hashes(project).items() if before.get(k) != v)
        changed += len(set(before) - set(_hashes(project)))
        try:
            result = json.loads(done.stdout.splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            message = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return Outcome(
                name, bug.kind, bug.function, bug.line, False, False, False, seconds,
                changed, leftovers, message,
            )  # fmt: skip
        fixed_source = result.get("fixed_source")
        fixed = bool(result.get("fixes")) and fixed_source is not None
        restored = tests_pass = False
        if fixed:
            restored = ast.dump(ast.parse(fixed_source)) == ast.dump(ast.parse(original))
            (project / subject.module).write_text(fixed_source)
            tests_pass, _ = run_tests(project, subject.tests)
        return Outcome(
            name, bug.kind, bug.function, bug.line, fixed, restored, tests_pass, seconds,
            changed, leftovers, result.get("message") or "",
        )  # fmt: skip


def _percent(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole:.0f}%)" if whole else "0/0"


def table(outcomes: list[Outcome], key: str) -> list[str]:
    rows = [
        f"| {key} | bugs | fixed (tests pass) | restored the original | other fix "
        "| median s | p95 s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    groups: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        groups.setdefault(getattr(outcome, key), []).append(outcome)
    groups["**all**"] = outcomes
    for group, members in groups.items():
        n = len(members)
        passing = sum(o.fixed and o.tests_pass for o in members)
        restored = sum(o.restored for o in members)
        times = sorted(o.seconds for o in members)
        p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
        rows.append(
            f"| {group} | {n} | {_percent(passing, n)} | {_percent(restored, n)} | "
            f"{passing - restored} | {statistics.median(times):.1f} | {p95:.1f} |"
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", default=",".join(SUBJECTS))
    parser.add_argument("--per-subject", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-ms", type=int, default=5000)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    outcomes: list[Outcome] = []
    for name in args.subjects.split(","):
        subject = SUBJECTS[name]
        pristine = fetch(subject, args.cache)
        passed, _ = run_tests(pristine, subject.tests)
        if not passed:
            print(f"{name}: its own tests fail unmodified; skipped", file=sys.stderr)
            continue
        rng = random.Random(f"{args.seed}:{name}")
        for bug in bugs(subject, pristine, args.per_subject, rng):
            outcome = repair(name, subject, pristine, bug, args.budget_ms)
            outcomes.append(outcome)
            verdict = "restored" if outcome.restored else "fixed" if outcome.fixed else "-"
            print(
                f"{name}: {bug.kind} in {bug.function} (line {bug.line}): {verdict} "
                f"{outcome.seconds:.1f} s",
                file=sys.stderr,
                flush=True,
            )
    if not outcomes:
        print("no bugs were made", file=sys.stderr)
        return 1
    print("\n".join(table(outcomes, "subject")))
    print()
    print("\n".join(table(outcomes, "kind")))
    changed = sum(o.files_changed for o in outcomes)
    left = sum(o.leftovers for o in outcomes)
    wrong = sum(o.fixed and not o.tests_pass for o in outcomes)
    print(
        f"\nuser files changed during a search: {changed}; processes left behind: {left}; "
        f"fixes offered whose tests fail when re-run: {wrong}"
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(o) for o in outcomes], indent=1))
    return 1 if changed or left or wrong else 0


if __name__ == "__main__":
    sys.exit(main())
