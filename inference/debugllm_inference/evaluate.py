"""``debugllm-serve eval``: pass@1 of the served model on a bug-fix dataset.

Each buggy program goes through the same client, prompt and answer parsing as the editor
(``debugllm.remote.client.ModelClient`` with its retries and timeouts, ``debugllm.prompt``,
``debugllm.remote.answer.clean_answer``; temperature 0: one greedy fix), then:

- ``parses``: the answer compiles;
- ``verified``: the project's verifier accepts it (what the editor would offer);
- ``pass@1``: the dataset's tests pass on it, run in a child Python with time and memory limits
  (``sandbox.run_python``);
- ``pass@1_verified``: both (what a user would actually get from the editor).

Datasets (``../shared/bench``): HumanEvalFix-Python (prompt with docstring + buggy body; the
dataset's ``check``), QuixBugs (JSON cases, or for the graph programs the ``*_test.py`` driver's
output compared with the correct program's), DebugBench (no offline tests: ``ast_equal`` to the
oracle, and ``pass@1`` is reported as null). Run it with ``--model debugllm`` and ``--model
phi3`` to compare adapter and base model, and against the anchors in ``shared/bench/README.md``.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from debugllm.prompt import STOP_SEQUENCES, build_prompt, max_tokens_for
from debugllm.remote.answer import clean_answer
from debugllm.remote.client import ModelClient, ModelError
from debugllm.remote.endpoint import Endpoint, validate_url

from debugllm_inference.check import verify_fix
from debugllm_inference.client import api_key_from, api_root
from debugllm_inference.loadtest import Progress, default_bench_dir
from debugllm_inference.sandbox import RunResult, run_python

#: Published pass@1 anchors (shared/bench/README.md); their prompts differ from ours (e.g. the
#: HumanEvalFix anchors show the tests to the model), so compare with care.
ANCHORS: dict[str, dict[str, str]] = {
    "humanevalfix": {"GPT-4": "47.0%", "OctoCoder": "30.4%", "StarCoder": "8.7%"},
    "quixbugs": {"ChatGPT": "19/40", "Codex": "21/40", "GPT-4o": "35/40"},
    "debugbench": {"GPT-4 (LeetCode tests, all 18 types)": "67.6%"},
}


@dataclass(frozen=True)
class Limits:
    timeout_s: float = 10.0
    memory_mb: int = 1024


@dataclass(frozen=True)
class Task:
    id: str
    buggy: str
    #: ``judge(fixed, limits)`` -> RunResult, or None when the dataset has no offline tests.
    judge: Callable[[str, Limits], RunResult] | None = None
    reference: str | None = None


def _imports_missing(original: str, fixed: str) -> str:
    """Import lines of the original that the answer dropped (the editor keeps the file's)."""
    lines = [
        line
        for line in original.splitlines()
        if re.match(r"(from\s+\S+\s+)?import\s", line) and line not in fixed
    ]
    return "\n".join(lines) + "\n" if lines else ""


def humanevalfix_tasks(data: Path) -> list[Task]:
    tasks = []
    path = data / "humanevalpack" / "humanevalpack_python.jsonl"
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        item = json.loads(line)
        buggy = item["prompt"] + item["buggy_solution"]
        test = item["test"]
        entry = item["entry_point"]

        def judge(
            fixed: str, limits: Limits, buggy: str = buggy, test: str = test, entry: str = entry
        ) -> RunResult:
            program = _imports_missing(buggy, fixed) + fixed + "\n" + test + "\n"
            if f"check({entry})" not in test:
                program += f"\ncheck({entry})\n"
            return run_python(program, limits.timeout_s, limits.memory_mb)

        tasks.append(
            Task(item["task_id"], buggy, judge, item["prompt"] + item["canonical_solution"])
        )
    return tasks


_QUIX_CASES = """
import json, math, sys, types
sys.setrecursionlimit(10000)

def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(a, b, rel_tol=1e-2, abs_tol=1e-2)
        except TypeError:
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b

for _line in {cases!r}.splitlines():
    if not _line.strip():
        continue
    _args, _expected = json.loads(_line)
    if not isinstance(_args, list):
        _args = [_args]
    _got = {name}(*_args)
    if isinstance(_got, types.GeneratorType):
        _got = list(_got)
    assert _same(_got, _expected), (_args, _got, _expected)
"""


def _quix_driver(program: str, test_source: str, node_source: str) -> str:
    """One file: node.py, the program, then the *_test.py driver (relative imports dropped)."""
    driver = re.sub(r"^from \.\S+ import .*$", "", test_source, flags=re.M)
    return (
        node_source + "\n" + program + "\n" + driver + "\nif __name__ == '__main__':\n    main()\n"
    )


def quixbugs_tasks(data: Path) -> list[Task]:
    root = data / "quixbugs"
    node_source = (root / "python_programs" / "node.py").read_text("utf-8")
    tasks = []
    for path in sorted((root / "python_programs").glob("*.py")):
        name = path.stem
        if name == "node" or name.endswith("_test"):
            continue
        buggy = path.read_text("utf-8")
        correct = (root / "correct_python_programs" / path.name).read_text("utf-8")
        cases_path = root / "json_testcases" / f"{name}.json"
        test_path = root / "python_programs" / f"{name}_test.py"
        judge: Callable[[str, Limits], RunResult] | None = None
        if cases_path.is_file():
            cases = cases_path.read_text("utf-8")

            def judge_cases(
                fixed: str, limits: Limits, name: str = name, cases: str = cases
            ) -> RunResult:
                program = fixed + "\n" + _QUIX_CASES.format(cases=cases, name=name)
                return run_python(program, limits.timeout_s, limits.memory_mb)

            judge = judge_cases
        elif test_path.is_file():
            test_source = test_path.read_text("utf-8")

            def judge_driver(
                fixed: str,
                limits: Limits,
                test_source: str = test_source,
                correct: str = correct,
            ) -> RunResult:
                expected = run_python(
                    _quix_driver(correct, test_source, node_source),
                    limits.timeout_s,
                    limits.memory_mb,
                )
                got = run_python(
                    _quix_driver(fixed, test_source, node_source),
                    limits.timeout_s,
                    limits.memory_mb,
                )
                if got.passed and expected.passed and got.output != expected.output:
                    return RunResult(False, "failed", got.output, got.seconds)
                return got

            judge = judge_driver
        tasks.append(Task(name, buggy, judge, correct))
    return tasks


def debugbench_tasks(data: Path) -> list[Task]:
    tasks = []
    for path in sorted((data / "debugbench" / "benchmark").glob("python3_*.json")):
        for item in json.loads(path.read_text("utf-8")):
            tasks.append(
                Task(f"{item['slug']}/{path.stem}", item["buggy_code"], None, item["oracle_code"])
            )
    return tasks


LOADERS: dict[str, Callable[[Path], list[Task]]] = {
    "humanevalfix": humanevalfix_tasks,
    "quixbugs": quixbugs_tasks,
    "debugbench": debugbench_tasks,
}


def _parses(code: str) -> bool:
    try:
        compile(code, "<fix>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _ast_equal(a: str, b: str | None) -> bool | None:
    if b is None:
        return None
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


@dataclass
class EvalOptions:
    url: str
    model: str = "debugllm"
    dataset: str = "humanevalfix"
    data: Path | None = None
    limit: int | None = None
    concurrency: int = 4
    timeout_s: float = 60.0
    test_timeout_s: float = 10.0
    memory_mb: int = 1024


async def judge_task(task: Task, fixed: str, limits: Limits) -> dict[str, Any]:
    parses = _parses(fixed)
    verified, reason = await asyncio.to_thread(verify_fix, task.buggy, fixed)
    passed: bool | None = None
    test_reason = "no offline tests"
    if task.judge is not None:
        if parses:
            result = await asyncio.to_thread(task.judge, fixed, limits)
            passed, test_reason = result.passed, result.reason
        else:
            passed, test_reason = False, "does not parse"
    return {
        "id": task.id,
        "parses": parses,
        "verified": verified,
        "verifier": reason,
        "passed": passed,
        "tests": test_reason,
        "ast_equal": _ast_equal(fixed, task.reference),
    }


def editor_endpoint(options: EvalOptions, api_key: str | None = None) -> Endpoint:
    """The editor's endpoint settings, with eval's timeout and concurrency."""
    key = api_key_from(api_key)
    return Endpoint(
        base_url=validate_url(api_root(options.url) + "/v1", allow_insecure=True),
        model=options.model,
        api_key=key,
        read_timeout_s=options.timeout_s,
        total_timeout_s=options.timeout_s * 3,
        max_in_flight=max(1, options.concurrency),
    )


async def run_eval(
    options: EvalOptions, tasks: list[Task], on_item: Callable[[dict[str, Any]], None] | None = None
) -> list[dict[str, Any]]:
    limits = Limits(options.test_timeout_s, options.memory_mb)
    items: list[dict[str, Any]] = []
    client = ModelClient(editor_endpoint(options))
    try:

        async def one(task: Task) -> None:
            try:
                answer = await client.complete(
                    build_prompt(task.buggy), max_tokens_for(task.buggy), STOP_SEQUENCES
                )
            except ModelError as exc:
                item: dict[str, Any] = {
                    "id": task.id,
                    "error": exc.kind,
                    "detail": str(exc),
                    "parses": False,
                    "verified": False,
                    "passed": False if task.judge is not None else None,
                    "ast_equal": False if task.reference is not None else None,
                }
            else:
                fixed = clean_answer(answer.text, task.buggy)
                item = await judge_task(task, fixed, limits)
            items.append(item)
            if on_item is not None:
                on_item(item)

        # ModelClient bounds the requests in flight (max_in_flight = --concurrency).
        await asyncio.gather(*(one(task) for task in tasks))
    finally:
        await client.aclose()
    return sorted(items, key=lambda item: str(item["id"]))


def summarize(options: EvalOptions, items: list[dict[str, Any]]) -> dict[str, Any]:
    n = len(items)

    def rate(key: str) -> float | None:
        values = [item.get(key) for item in items if item.get(key) is not None]
        if not values or n == 0:
            return None
        return round(sum(bool(v) for v in values) / len(values), 4)

    tested = [item for item in items if item.get("passed") is not None]
    both = (
        round(sum(bool(i["passed"] and i["verified"]) for i in tested) / len(tested), 4)
        if tested
        else None
    )
    return {
        "dataset": options.dataset,
        "model": options.model,
        "items": n,
        "errors": sum(1 for item in items if item.get("error")),
        "parse_rate": rate("parses"),
        "verified_rate": rate("verified"),
        "pass_at_1": rate("passed") if tested else None,
        "passed": sum(1 for item in tested if item["passed"]),
        "pass_at_1_verified": both,
        "ast_equal_rate": rate("ast_equal"),
        "anchors": ANCHORS.get(options.dataset, {}),
    }


def run_eval_cli(options: EvalOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    data = options.data or default_bench_dir()
    if data is None:
        print("debugllm-serve eval: no dataset folder: pass --data shared/bench", file=sys.stderr)
        return 2
    try:
        tasks = LOADERS[options.dataset](data)
    except (OSError, ValueError, KeyError) as exc:
        print(f"debugllm-serve eval: cannot load {options.dataset}: {exc}", file=sys.stderr)
        return 2
    if options.limit is not None:
        tasks = tasks[: options.limit]
    progress = Progress(len(tasks))
    items = asyncio.run(
        run_eval(options, tasks, on_item=lambda item: progress.update(not item.get("error")))
    )
    for item in items:
        print(json.dumps(item), file=out)
    summary = summarize(options, items)
    print(json.dumps(summary), file=out)
    return 0 if summary["errors"] == 0 else 1
