"""`debugllm-serve eval` against the scripted vLLM, on small datasets in shared/bench formats."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from debugllm_inference.evaluate import (
    LOADERS,
    EvalOptions,
    Limits,
    quixbugs_tasks,
    run_eval_cli,
)
from debugllm_inference.sandbox import run_python

from tests.fakes.openai_server import COMPLETIONS, Received, Reply
from tests.inference.conftest import ScriptedVLLM, code_of

SHARED = Path(__file__).resolve().parents[3] / "shared" / "bench"

HEVAL = [
    {
        "task_id": "Python/0",
        "prompt": 'def add(a: int, b: int) -> int:\n    """Sum."""\n',
        "declaration": "def add(a: int, b: int) -> int:\n",
        "buggy_solution": "    return a - b\n",
        "canonical_solution": "    return a + b\n",
        "test": "def check(candidate):\n    assert candidate(2, 3) == 5\n\ncheck(add)",
        "entry_point": "add",
    },
    {
        "task_id": "Python/1",
        "prompt": "import math\n\ndef root(x):\n",
        "declaration": "import math\n\ndef root(x):\n",
        "buggy_solution": "    return math.sqrt(x) + 1\n",
        "canonical_solution": "    return math.sqrt(x)\n",
        "test": "def check(candidate):\n    assert candidate(9) == 3\n",
        "entry_point": "root",
    },
]


@pytest.fixture
def bench_dir(tmp_path: Path) -> Path:
    root = tmp_path / "bench"
    (root / "humanevalpack").mkdir(parents=True)
    (root / "humanevalpack" / "humanevalpack_python.jsonl").write_text(
        "\n".join(json.dumps(item) for item in HEVAL) + "\n"
    )
    quix = root / "quixbugs"
    for folder in ("python_programs", "correct_python_programs", "json_testcases"):
        (quix / folder).mkdir(parents=True)
    node = "class Node:\n    def __init__(self, value, successors=()):\n"
    node += "        self.value = value\n        self.successors = list(successors)\n"
    (quix / "python_programs" / "node.py").write_text(node)
    (quix / "python_programs" / "gcd.py").write_text(
        "def gcd(a, b):\n    if b == 0:\n        return a\n    return gcd(a % b, b)\n"
    )
    (quix / "correct_python_programs" / "gcd.py").write_text(
        "def gcd(a, b):\n    if b == 0:\n        return a\n    return gcd(b, a % b)\n"
    )
    (quix / "json_testcases" / "gcd.json").write_text("[[17, 0], 17]\n[[35, 21], 7]\n")
    (quix / "python_programs" / "count.py").write_text(
        "def count(node):\n    return len(node.successors) - 1\n"
    )
    (quix / "correct_python_programs" / "count.py").write_text(
        "def count(node):\n    return len(node.successors)\n"
    )
    (quix / "python_programs" / "count_test.py").write_text(
        "from .node import Node\nfrom .count import count\n\n"
        "def main():\n    print(count(Node('a', [Node('b'), Node('c')])))\n"
    )
    debug = root / "debugbench" / "benchmark"
    debug.mkdir(parents=True)
    (debug / "python3_missing colons.json").write_text(
        json.dumps(
            [
                {
                    "slug": "two-sum",
                    "buggy_code": "class Solution\n    def f(self):\n        return 1\n",
                    "oracle_code": "class Solution:\n    def f(self):\n        return 1\n",
                }
            ]
        )
    )
    return root


def _references(bench: Path, dataset: str) -> dict[str, str]:
    return {task.buggy: task.reference or "" for task in LOADERS[dataset](bench)}


def _eval(vllm: ScriptedVLLM, bench: Path, dataset: str) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    options = EvalOptions(url=vllm.url, dataset=dataset, data=bench, test_timeout_s=10.0)
    status = run_eval_cli(options, out)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.parametrize("dataset", ["humanevalfix", "quixbugs", "debugbench"])
def test_reference_answers_score_full_marks(
    vllm: ScriptedVLLM, bench_dir: Path, dataset: str
) -> None:
    references = _references(bench_dir, dataset)

    def oracle(received: Received) -> Reply:
        return Reply.completion(references[code_of(received.json["prompt"])])

    vllm.fake.responder(COMPLETIONS, oracle)
    status, lines = _eval(vllm, bench_dir, dataset)
    summary = lines[-1]
    assert status == 0 and summary["items"] == len(references) == len(lines) - 1
    assert summary["parse_rate"] == 1.0 and summary["errors"] == 0
    if dataset == "debugbench":
        assert summary["pass_at_1"] is None and summary["ast_equal_rate"] == 1.0
    else:
        assert summary["pass_at_1"] == 1.0, lines
    assert summary["anchors"]
    sent = vllm.fake.requests_to(COMPLETIONS)[0].json
    assert set(sent) == {"model", "prompt", "temperature", "max_tokens", "stop"}


@pytest.mark.parametrize("dataset", ["humanevalfix", "quixbugs"])
def test_echoing_the_bug_scores_zero(vllm: ScriptedVLLM, bench_dir: Path, dataset: str) -> None:
    def echo(received: Received) -> Reply:
        return Reply.completion(code_of(received.json["prompt"]))

    vllm.fake.responder(COMPLETIONS, echo)
    status, lines = _eval(vllm, bench_dir, dataset)
    assert status == 0
    summary = lines[-1]
    assert summary["pass_at_1"] == 0.0 and summary["verified_rate"] == 0.0
    assert summary["pass_at_1_verified"] == 0.0


def test_server_errors_count_as_failures(vllm: ScriptedVLLM, bench_dir: Path) -> None:
    vllm.scenario = "failing"
    status, lines = _eval(vllm, bench_dir, "humanevalfix")
    assert status == 1 and lines[-1]["errors"] == 2 and lines[-1]["pass_at_1"] == 0.0
    assert lines[0]["error"] == "unavailable"
    # The editor's client: two retries on 500 before giving up.
    assert len(vllm.fake.requests_to(COMPLETIONS)) == 6


def test_sandbox_limits_time_and_memory() -> None:
    assert run_python("print('hi')").passed
    slow = run_python("while True:\n    pass\n", timeout_s=1.0)
    assert not slow.passed and slow.reason == "timeout"
    hog = run_python("x = bytearray(2_000_000_000)\n", memory_mb=256)
    assert not hog.passed and hog.reason == "memory"
    assert run_python("raise SystemExit(3)").reason == "failed"


def test_quixbugs_graph_programs_compare_with_the_correct_output(bench_dir: Path) -> None:
    task = next(t for t in quixbugs_tasks(bench_dir) if t.id == "count")
    assert task.judge is not None and task.reference is not None
    assert task.judge(task.reference, Limits()).passed
    assert not task.judge(task.buggy, Limits()).passed


@pytest.mark.skipif(not SHARED.is_dir(), reason="no ../shared/bench")
def test_real_datasets_load() -> None:
    assert len(LOADERS["humanevalfix"](SHARED)) == 164
    assert len(LOADERS["quixbugs"](SHARED)) == 40
    assert len(LOADERS["debugbench"](SHARED)) > 1000
