"""``debugllm-serve check --url URL``: a live smoke test of a running endpoint.

Each line says what was checked and whether it held; the exit status is 0 only when all held:

1. ``GET /health`` answers 200.
2. ``GET /v1/models`` lists the adapter, with the base model as its parent, and the base model.
3. A known buggy function, sent as the editor sends it, comes back with a fix that passes the
   project's verifier (``debugllm.verifier``) and the function's tests (run in a sandbox).
4. The adapter and the base model answer differently at temperature 0 for the same prompts:
   when every answer is identical the adapter is not active (vLLM skipped its weights), which
   is reported as such with the remedy.
5. Time to first token (streaming) and total latency, against optional limits.

A merged model (``debugllm-serve run --merged-model``) has no parent and no base model beside it:
pass ``base_url`` (``--base-url``), a server of the plain base model, and the comparison in 4
is made across the two servers while 2 only requires the adapter's name.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from debugllm.analysis.analyzer import analyze
from debugllm.candidates import Candidate
from debugllm.problems import Code, Problem
from debugllm.remote.answer import clean_answer
from debugllm.remote.client import ModelClient
from debugllm.text import minimal_edits
from debugllm.verifier import Verifier

from debugllm_inference.client import Attempt, complete, make_client, model_client
from debugllm_inference.sandbox import run_python


@dataclass(frozen=True)
class CheckCase:
    name: str
    buggy: str
    tests: str


#: Bugs of the kinds the adapter was trained on (an operator flipped), plus a syntax error the
#: verifier can target; the tests pin the intended behaviour.
CHECK_CASES: tuple[CheckCase, ...] = (
    CheckCase(
        "sum_of_squares",
        "def sum_of_squares(numbers)\n"
        "    total = 0\n"
        "    for n in numbers:\n"
        "        total = total - n * n\n"
        "    return total\n",
        "assert sum_of_squares([1, 2, 3]) == 14\nassert sum_of_squares([]) == 0\n",
    ),
    CheckCase(
        "largest",
        "def largest(items):\n"
        "    best = items[0]\n"
        "    for item in items:\n"
        "        if item < best:\n"
        "            best = item\n"
        "    return best\n",
        "assert largest([3, 9, 2]) == 9\nassert largest([-5, -1]) == -1\n",
    ),
)


@dataclass
class Line:
    ok: bool
    what: str
    detail: str

    def __str__(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.what}: {self.detail}"


@dataclass
class CheckReport:
    lines: list[Line] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.lines) and all(line.ok for line in self.lines)

    def add(self, ok: bool, what: str, detail: str, emit: Callable[[str], None]) -> None:
        line = Line(ok, what, detail)
        self.lines.append(line)
        emit(str(line))


def verify_fix(buggy: str, fixed: str) -> tuple[bool, str]:
    """The project's verifier on the model's answer, as the editor would judge it."""
    if fixed.strip() == buggy.strip():
        return False, "the answer repeats the buggy code"
    analysis = analyze(buggy)
    target = (
        analysis.problems[0]
        if analysis.problems
        else Problem(Code.FOREIGN, "fix this function", 0, len(buggy), subject="model")
    )
    candidate = Candidate(
        target=target,
        kind="model-fix",
        title="Fix with DebugLLM",
        explanation="",
        edits=tuple(minimal_edits(buggy, fixed)),
        origin="model",
    )
    verdict = Verifier().verify(analysis, candidate)
    return verdict.accepted, verdict.reason


def _ms(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds * 1000:.0f} ms"


async def run_check(
    url: str,
    adapter: str = "debugllm",
    base: str = "phi3",
    api_key: str | None = None,
    timeout_s: float = 60.0,
    max_ttft_ms: float | None = None,
    max_latency_ms: float | None = None,
    emit: Callable[[str], None] = print,
    base_url: str | None = None,
) -> CheckReport:
    report = CheckReport()
    model = model_client(url, api_key, timeout_s, connections=4)
    base_model = model_client(base_url or url, api_key, timeout_s, connections=4)
    try:
        async with make_client(url, api_key, timeout_s, connections=4) as client:
            if not await _check_health(client, report, emit):
                return report
            await _check_models(client, adapter, None if base_url else base, report, emit)
        await _check_fix(model, adapter, report, emit, max_ttft_ms, max_latency_ms)
        await _check_adapter_active(model, base_model, adapter, base, report, emit)
    finally:
        await model.aclose()
        await base_model.aclose()
    return report


async def _check_health(
    client: httpx.AsyncClient, report: CheckReport, emit: Callable[[str], None]
) -> bool:
    started = time.perf_counter()
    try:
        response = await client.get("/health")
    except httpx.HTTPError as exc:
        report.add(False, "health", f"GET /health failed: {type(exc).__name__}: {exc}", emit)
        return False
    elapsed = time.perf_counter() - started
    ok = response.status_code == 200
    report.add(ok, "health", f"GET /health -> {response.status_code} in {_ms(elapsed)}", emit)
    return ok


async def _check_models(
    client: httpx.AsyncClient,
    adapter: str,
    base: str | None,
    report: CheckReport,
    emit: Callable[[str], None],
) -> None:
    """``base`` None: a merged model, served alone (no parent to check)."""
    try:
        response = await client.get("/v1/models")
        data = response.json() if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError) as exc:
        report.add(False, "models", f"GET /v1/models failed: {exc}", emit)
        return
    if response.status_code in (401, 403):
        report.add(
            False, "models", f"GET /v1/models -> {response.status_code}: set DEBUGLLM_API_KEY", emit
        )
        return
    entries = data.get("data") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        report.add(
            False, "models", f"GET /v1/models -> {response.status_code}, no model list", emit
        )
        return
    by_id = {e.get("id"): e for e in entries if isinstance(e, dict)}
    ids = ", ".join(str(i) for i in by_id)
    if adapter not in by_id:
        report.add(False, "models", f"{adapter!r} is not served (served: {ids})", emit)
        return
    parent = by_id[adapter].get("parent")
    if base is None:
        report.add(True, "models", f"{adapter!r} served (merged model: no parent)", emit)
    elif base not in by_id:
        report.add(False, "models", f"base model {base!r} is not served (served: {ids})", emit)
    elif parent != base:
        report.add(
            False,
            "models",
            f"{adapter!r} is served with parent {parent!r}, expected {base!r}",
            emit,
        )
    else:
        report.add(True, "models", f"{adapter!r} served with parent {base!r}", emit)


async def _check_fix(
    client: ModelClient,
    adapter: str,
    report: CheckReport,
    emit: Callable[[str], None],
    max_ttft_ms: float | None,
    max_latency_ms: float | None,
) -> None:
    case = CHECK_CASES[0]
    answer = await complete(client, case.buggy, adapter, stream=True)
    if not answer.ok:
        report.add(
            False, "fix", f"{adapter!r} request failed: {answer.error} {answer.detail}", emit
        )
        return
    # The editor's own answer parsing (fences, echoed prompt, trailing prose removed).
    fixed = clean_answer(answer.text, case.buggy)
    accepted, reason = verify_fix(case.buggy, fixed)
    if not accepted:
        report.add(False, "fix", f"{case.name}: the verifier rejects the answer: {reason}", emit)
    else:
        result = await asyncio.to_thread(run_python, fixed + "\n" + case.tests, 10.0, 512)
        if result.passed:
            report.add(True, "fix", f"{case.name}: verifier accepts ({reason}); tests pass", emit)
        else:
            last = result.output.strip().splitlines()[-1:] or [result.reason]
            report.add(
                False, "fix", f"{case.name}: verifier accepts but tests fail: {last[0]}", emit
            )
    ttft_ok = max_ttft_ms is None or (
        answer.ttft_s is not None and answer.ttft_s * 1000 <= max_ttft_ms
    )
    latency_ok = max_latency_ms is None or answer.latency_s * 1000 <= max_latency_ms
    limits = []
    if max_ttft_ms is not None:
        limits.append(f"ttft limit {max_ttft_ms:g} ms")
    if max_latency_ms is not None:
        limits.append(f"latency limit {max_latency_ms:g} ms")
    report.add(
        ttft_ok and latency_ok,
        "latency",
        f"time to first token {_ms(answer.ttft_s)}, total {_ms(answer.latency_s)}, "
        f"{answer.completion_tokens} tokens" + (f" ({', '.join(limits)})" if limits else ""),
        emit,
    )


async def _check_adapter_active(
    client: ModelClient,
    base_client: ModelClient,
    adapter: str,
    base: str,
    report: CheckReport,
    emit: Callable[[str], None],
) -> None:
    same = 0
    for case in CHECK_CASES:
        tuned: Attempt
        plain: Attempt
        tuned, plain = await asyncio.gather(
            complete(client, case.buggy, adapter), complete(base_client, case.buggy, base)
        )
        if not tuned.ok or not plain.ok:
            failed = tuned if not tuned.ok else plain
            report.add(False, "adapter active", f"request failed: {failed.error}", emit)
            return
        same += tuned.text == plain.text
    if same == len(CHECK_CASES):
        report.add(
            False,
            "adapter active",
            f"{adapter!r} and {base!r} gave identical answers at temperature 0 for all "
            f"{same} prompts: the adapter is NOT active (vLLM likely skipped its q/k/v_proj "
            "weights; see `debugllm-serve preflight`). Remedy: `debugllm-serve merge` and serve "
            "the merged model",
            emit,
        )
    else:
        report.add(
            True,
            "adapter active",
            f"{adapter!r} and {base!r} differ at temperature 0 on "
            f"{len(CHECK_CASES) - same}/{len(CHECK_CASES)} prompts",
            emit,
        )
