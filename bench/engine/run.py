"""Score the embedded syntax-repair engine, autopep8 and pyrepair on the same broken files.

Cases: DebugBench's syntax subset (items whose ``buggy_code`` does not parse), single-error
corruptions made here (seeded) from the QuixBugs correct programs and the HumanEvalFix canonical
solutions, and files with 2-3 of those corruptions at once. The engine is scored through the
product's own path: ``FixPipeline.plan`` on the analysis, as ``debugllm fix`` does, taking
``plan.fixed_source``; its time per file is the analysis plus the plan, in-process.

    .venv/bin/python bench/engine/run.py [--shared ../shared] [--limit N] [--json out.json]

Not part of the test suite. See bench/README.md.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import io
import json
import random
import re
import statistics
import sys
import time
import tokenize
import warnings
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corruptions import CORRUPTORS, NOVICE_CORRUPTORS, SINGLE_ONLY, fails
from debugllm.analysis.analyzer import AnalysisOptions
from debugllm.pipeline import FixPipeline
from misses import CrashCounter, compiles, miss_table, offered_line, why_unparsed
from pydex import SMALL_EDIT, Submission, passes_io, submissions

ROOT = Path(__file__).resolve().parents[2]
DEBUGBENCH_KINDS = (
    "missing colons",
    "unclosed parentheses",
    "unclosed string",
    "illegal indentation",
    "illegal keywords",
    "illegal comment",
    "misused == or =",
)


@dataclass
class Case:
    group: str  # debugbench, single, multi
    kind: str
    name: str
    broken: str
    reference: str


@dataclass
class Score:
    parses: bool
    exact: bool
    ast_equal: bool
    bifi: bool
    ms: float = 0.0


@dataclass
class Result:
    case: str
    group: str
    kind: str
    tools: dict[str, Score] = field(default_factory=dict)


# --- cases ----------------------------------------------------------------------------------------


def _parses(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError):
        return False
    return True


def debugbench_cases(shared: Path) -> list[Case]:
    cases = []
    for kind in DEBUGBENCH_KINDS:
        path = shared / "bench" / "debugbench" / "benchmark" / f"python3_{kind}.json"
        for item in json.loads(path.read_text()):
            if not _parses(item["buggy_code"]):
                name = f"debugbench/{item['slug']}"
                cases.append(
                    Case("debugbench", kind, name, item["buggy_code"], item["oracle_code"])
                )
    return cases


def programs(shared: Path) -> list[tuple[str, str]]:
    found = []
    quix = shared / "bench" / "quixbugs" / "correct_python_programs"
    for path in sorted(quix.glob("*.py")):
        if not path.name.endswith("_test.py"):
            source = path.read_text()
            if _parses(source):
                found.append((f"quixbugs/{path.stem}", source))
    humaneval = shared / "bench" / "humanevalpack" / "humanevalpack_python.jsonl"
    for line in humaneval.read_text().splitlines():
        item = json.loads(line)
        source = item["prompt"] + item["canonical_solution"]
        if _parses(source):
            found.append((item["task_id"], source))
    return found


def _changed_line(original: str, broken: str) -> int | None:
    a, b = original.splitlines(), broken.splitlines()
    if len(a) != len(b):
        return None
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return diff[0] if len(diff) == 1 else None


def novice_cases(shared: Path, seed: int) -> list[Case]:
    """Single novice slips (``NOVICE_CORRUPTORS``), made from the same correct programs."""
    cases: list[Case] = []
    for name, source in programs(shared):
        for kind, corrupt in NOVICE_CORRUPTORS.items():
            for attempt in range(3):
                broken = corrupt(source, random.Random(f"{seed}/{name}/novice/{kind}/{attempt}"))
                if broken is not None and fails(broken):
                    cases.append(Case("novice", kind, f"{name}#novice-{kind}", broken, source))
                    break
    return cases


def synthetic_cases(shared: Path, seed: int) -> tuple[list[Case], list[Case]]:
    single: list[Case] = []
    multi: list[Case] = []
    for name, source in programs(shared):
        rng = random.Random(f"{seed}/{name}")
        one_line: list[tuple[int, str, str]] = []  # (line, kind, broken line text)
        for kind, corrupt in CORRUPTORS.items():
            for attempt in range(3):
                broken = corrupt(source, random.Random(f"{seed}/{name}/{kind}/{attempt}"))
                if broken is not None and fails(broken):
                    single.append(Case("single", kind, f"{name}#{kind}", broken, source))
                    line = _changed_line(source, broken)
                    if line is not None and kind not in SINGLE_ONLY:
                        one_line.append((line, kind, broken.splitlines(keepends=True)[line]))
                    break
        # 2-3 corruptions on lines at least 3 apart, all in one file.
        rng.shuffle(one_line)
        chosen: list[tuple[int, str, str]] = []
        want = rng.choice((2, 3))
        for item in one_line:
            if all(abs(item[0] - c[0]) >= 3 for c in chosen):
                chosen.append(item)
            if len(chosen) == want:
                break
        if len(chosen) >= 2:
            lines = source.splitlines(keepends=True)
            for line, _, text in chosen:
                lines[line] = text
            broken = "".join(lines)
            if fails(broken):
                kinds = "+".join(sorted(k for _, k, _ in chosen))
                multi.append(
                    Case("multi", f"{len(chosen)} errors", f"{name}#{kinds}", broken, source)
                )
    return single, multi


# --- metrics --------------------------------------------------------------------------------------


def _tokens(source: str) -> list[str] | None:
    """tokenize's tokens (NL and comments left out), None when tokenize fails on the file."""
    out: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type in (tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
                continue
            out.append(tok.string if tok.type != tokenize.DEDENT else "<DEDENT>")
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    return out


_LEXEME = re.compile(r"\w+|\S")


def _line_tokens(source: str) -> list[str]:
    """Fallback when tokenize cannot read the broken file (an unclosed triple quote, a bad
    dedent): per line, its indentation width as one token, then words and symbols."""
    out: list[str] = []
    for line in source.splitlines():
        if line.strip():
            out.append(f"<{len(line) - len(line.lstrip())}>")
            out.extend(_LEXEME.findall(line))
    return out


def bifi_distance(broken: str, fixed: str) -> int:
    a, b = _tokens(broken), _tokens(fixed)
    if a is None or b is None:
        a, b = _line_tokens(broken), _line_tokens(fixed)
    return token_distance(a, b)


def token_distance(a: list[str], b: list[str]) -> int:
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    a, b = a[start : len(a) - end], b[start : len(b) - end]
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        new = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            new[j] = min(row[j] + 1, new[j - 1] + 1, row[j - 1] + (x != y))
        row = new
    return row[-1]


def _normal(source: str) -> str:
    return "\n".join(line.rstrip() for line in source.rstrip().splitlines())


def score(case: Case, fixed: str | None, ms: float) -> Score:
    fixed = case.broken if fixed is None else fixed
    parses = compiles(fixed)
    ast_equal = False
    if parses:
        try:
            ast_equal = ast.dump(ast.parse(fixed)) == ast.dump(ast.parse(case.reference))
        except SyntaxError:
            ast_equal = False
    exact = _normal(fixed) == _normal(case.reference)
    bifi = parses and 0 < bifi_distance(case.broken, fixed) <= 4
    return Score(parses, exact, ast_equal, bifi, ms)


# --- tools ----------------------------------------------------------------------------------------


#: The engine's guesses (fixes offered for review, never applied: which operator was lost),
#: per broken source: the texts its guesses give, best first, for the guess table.
GUESSES: dict[str, list[str]] = {}


def engine_tool(budget_s: float, static: bool, unsafe: bool = False) -> Callable[[str], str | None]:
    """The engine through the product's path. With ``unsafe`` the chain takes the first fix
    offered for each error, review fixes included (what accepting each first offer gives)."""
    # Without --static the static checks are off: LeetCode snippets rely on names LeetCode
    # imports for them (List, TreeNode ...), and fixing those would blur the syntax score.
    options = AnalysisOptions() if static else AnalysisOptions(checks=frozenset())
    pipeline = FixPipeline(options=options, unsafe_fixes=unsafe)

    def fix(source: str) -> str | None:
        analysis = pipeline.analyze(source, "case.py")
        plan = asyncio.run(pipeline.plan(analysis, budget_s))
        if plan.fixed_source is None or not compiles(plan.fixed_source):
            # The guesses for the first problem that has any (what the editor lists there).
            for fixes in plan.fixes.values():
                guesses = [f.fixed_source for f in fixes if f.candidate.guess]
                if guesses:
                    GUESSES[source] = guesses
                    break
        return plan.fixed_source

    return fix


def guess_table(cases: list[Case]) -> str:
    """Cases the engine left unfixed but offered a guess for: how often its best guess is the
    program meant (what a user reviewing the guess would get)."""
    rows: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for case in cases:
        if case.broken in GUESSES:
            right = [score(case, text, 0.0).ast_equal for text in GUESSES[case.broken]]
            rows[f"{case.group}: {case.kind}"].append((right[0], any(right)))
    if not rows:
        return ""
    out = [
        "| cases | n | guess offered | best guess AST-equal | one of the guesses AST-equal |",
        "|---|---:|---:|---:|---:|",
    ]
    totals = {c.group + ": " + c.kind: 0 for c in cases}
    for case in cases:
        totals[case.group + ": " + case.kind] += 1
    for label in sorted(rows):
        hits = rows[label]
        best = sum(b for b, _ in hits)
        some = sum(a for _, a in hits)
        out.append(
            f"| {label} | {totals[label]} | {len(hits)} | "
            f"{best} ({100 * best / len(hits):.0f}%) | {some} ({100 * some / len(hits):.0f}%) |"
        )
    return "\n".join(out)


def offered_table(cases: list[Case], results: list[Result]) -> str:
    """Per group: the engine's applied fix (the tables above) beside the first fix it offers,
    guesses included (what an editor lists first: a guess where no fix is applied)."""
    out = [
        "| cases | n | applied: parses | applied: AST-equal | offered: parses "
        "| offered: AST-equal |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for group in ("debugbench", "single", "multi", "novice"):
        pairs = [(c, r) for c, r in zip(cases, results, strict=True) if c.group == group]
        if not pairs:
            continue
        applied = [r.tools["engine"] for _, r in pairs]
        offered = [
            score(c, GUESSES[c.broken][0], 0.0) if c.broken in GUESSES else r.tools["engine"]
            for c, r in pairs
        ]
        out.append(
            f"| {group} | {len(pairs)} | {_pct(applied, 'parses')} | "
            f"{_pct(applied, 'ast_equal')} | {_pct(offered, 'parses')} | "
            f"{_pct(offered, 'ast_equal')} |"
        )
    return "\n".join(out)


def autopep8_tool() -> Callable[[str], str | None] | None:
    try:
        import autopep8  # type: ignore[import-untyped]
    except ImportError:
        return None

    def fix(source: str) -> str | None:
        return str(autopep8.fix_code(source))

    return fix


def pyrepair_tool() -> Callable[[str], str | None] | None:
    try:
        from pyrepair import RepairEngine  # type: ignore[import-not-found]
    except ImportError:
        return None
    engine = RepairEngine()

    def fix(source: str) -> str | None:
        return str(engine.repair_source(source).repaired_source)

    return fix


def run_tool(fix: Callable[[str], str | None], case: Case) -> Score:
    started = time.perf_counter()
    try:
        fixed = fix(case.broken)
    except Exception:  # a peer tool crashing on broken input scores as "no fix"
        fixed = None
    ms = (time.perf_counter() - started) * 1000
    return score(case, fixed, ms)


# --- report ---------------------------------------------------------------------------------------


def _pct(scores: list[Score], attr: str) -> str:
    return f"{100 * sum(getattr(s, attr) for s in scores) / len(scores):.1f}" if scores else "-"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def table(results: list[Result], tools: list[str], rows: list[tuple[str, list[Result]]]) -> str:
    head = "| cases | n | parses | exact | AST-equal | BIFI | median ms | p95 ms |"
    sep = "|---|---:|---:|---:|---:|---:|---:|---:|"
    for tool in tools[1:]:
        head += f" {tool} parses | {tool} AST-eq |"
        sep += "---:|---:|"
    out = [head, sep]
    for label, chosen in rows:
        engine = [r.tools["engine"] for r in chosen]
        ms = [s.ms for s in engine]
        line = (
            f"| {label} | {len(chosen)} | {_pct(engine, 'parses')} | {_pct(engine, 'exact')} | "
            f"{_pct(engine, 'ast_equal')} | {_pct(engine, 'bifi')} | "
            f"{statistics.median(ms):.1f} | {_p95(ms):.1f} |"
        )
        for tool in tools[1:]:
            peer = [r.tools[tool] for r in chosen]
            line += f" {_pct(peer, 'parses')} | {_pct(peer, 'ast_equal')} |"
        out.append(line)
    return "\n".join(out)


def report(results: list[Result], tools: list[str]) -> str:
    sections = []
    for group, title in (
        ("debugbench", "DebugBench syntax subset (buggy_code fails ast.parse)"),
        ("single", "Synthetic single-error corruptions (QuixBugs + HumanEvalFix)"),
        ("multi", "Synthetic multi-error files (2-3 corruptions each)"),
        ("novice", "Synthetic novice slips (NOVICE_CORRUPTORS, a separate set)"),
    ):
        chosen = [r for r in results if r.group == group]
        if not chosen:
            continue
        by_kind: dict[str, list[Result]] = defaultdict(list)
        for r in chosen:
            by_kind[r.kind].append(r)
        rows = [(k, by_kind[k]) for k in sorted(by_kind)] + [("**all**", chosen)]
        sections.append(f"### {title}\n\n{table(results, tools, rows)}")
    return "\n\n".join(sections)


@dataclass
class NoviceScore:
    parses: bool
    small: bool  # the student's correction is a small edit of the submission
    ast_equal: bool
    io: bool
    ms: float
    cpu_ms: float  # this process's CPU time: other jobs on a shared machine do not count


def novice_scores(subs: list[Submission], fix: Callable[[str], str | None]) -> list[NoviceScore]:
    scores = []
    for sub in subs:
        started, cpu = time.perf_counter(), time.process_time()
        try:
            fixed = fix(sub.broken)
        except Exception:  # a peer tool crashing on broken input scores as "no fix"
            fixed = None
        ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
        result = score(Case("pydex", "novice", sub.name, sub.broken, sub.correction), fixed, ms)
        small = bifi_distance(sub.broken, sub.correction) <= SMALL_EDIT
        io = result.parses and fixed is not None and passes_io(fixed, sub.io)
        scores.append(NoviceScore(result.parses, small, small and result.ast_equal, io, ms, cpu_ms))
    return scores


def novice_report(subs: list[Submission], tools: dict[str, Callable[[str], str | None]]) -> str:
    """The PyDex development set: each tool's fixed files, and the students' own corrections."""
    small = sum(bifi_distance(s.broken, s.correction) <= SMALL_EDIT for s in subs)
    corrected = sum(passes_io(s.correction, s.io) for s in subs)
    out = [
        f"### PyDex development set ({len(subs)} real novice submissions; {small} corrections "
        f"are small edits (<= {SMALL_EDIT} tokens); the students' own corrections pass the I/O "
        f"examples: {100 * corrected / len(subs):.1f}%)",
        "",
        "| tool | parses | AST-equal to the correction (small edits) | I/O pass | median ms "
        "| p95 ms | median CPU ms | p95 CPU ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, fix in tools.items():
        scores = novice_scores(subs, fix)
        n = len(scores)
        parses = sum(s.parses for s in scores)
        equal = sum(s.ast_equal for s in scores)
        io = sum(s.io for s in scores)
        ms = [s.ms for s in scores]
        cpu = [s.cpu_ms for s in scores]
        out.append(
            f"| {name} | {100 * parses / n:.1f} | {100 * equal / max(small, 1):.1f} | "
            f"{100 * io / n:.1f} | {statistics.median(ms):.1f} | {_p95(ms):.1f} | "
            f"{statistics.median(cpu):.1f} | {_p95(cpu):.1f} |"
        )
    return "\n".join(out)


def _crash_line(crashed: dict[str, int]) -> str:
    """The engine's logged exceptions (each cost a repair): must be 0."""
    total = sum(crashed.values())
    parts = ", ".join(f"{group} {n}" for group, n in sorted(crashed.items()))
    return f"Repair-engine exceptions (logged and survived, each costs a repair): {total} ({parts})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--limit", type=int, default=0, help="at most N cases per group")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget-ms", type=int, default=2000, help="engine budget per file")
    parser.add_argument(
        "--static", action="store_true", help="also run the static checks and their fixes"
    )
    parser.add_argument("--no-peers", action="store_true", help="skip autopep8 and pyrepair")
    parser.add_argument("--failures", type=int, default=0, help="print N engine failures")
    parser.add_argument("--kind", default="", help="only cases whose kind contains this")
    parser.add_argument("--json", type=Path, help="write every case's scores here")
    parser.add_argument(
        "--groups",
        default="debugbench,single,multi,novice,pydex",
        help="comma-separated groups to run (novice: synthetic novice slips; pydex: the real "
        "novice development set)",
    )
    args = parser.parse_args(argv)
    wanted = set(args.groups.split(","))

    single, multi = synthetic_cases(args.shared, args.seed)
    novice = novice_cases(args.shared, args.seed) if "novice" in wanted else []
    groups = [debugbench_cases(args.shared), single, multi, novice]
    cases: list[Case] = []
    for group in groups:
        group = [c for c in group if args.kind in c.kind and c.group in wanted]
        if args.limit:
            group = random.Random(args.seed).sample(group, min(args.limit, len(group)))
        cases.extend(group)

    tools: dict[str, Callable[[str], str | None]] = {
        "engine": engine_tool(args.budget_ms / 1000, args.static)
    }
    if not args.no_peers:
        for name, make in (("autopep8", autopep8_tool), ("pyrepair", pyrepair_tool)):
            tool = make()
            if tool is None:
                print(f"{name} is not installed: pip install -e '.[bench]'", file=sys.stderr)
            else:
                tools[name] = tool

    crashes = CrashCounter().install()
    crashed: dict[str, int] = defaultdict(int)  # engine exceptions per group
    started = time.perf_counter()
    results: list[Result] = []
    failures = []
    for case in cases:
        result = Result(case.name, case.group, case.kind)
        for name, tool in tools.items():
            before = len(crashes.messages)
            result.tools[name] = run_tool(tool, case)
            if name == "engine":
                crashed[case.group] += len(crashes.messages) - before
        results.append(result)
        if not result.tools["engine"].ast_equal:
            failures.append(case)
    elapsed = time.perf_counter() - started

    print(report(results, list(tools)))
    guesses = guess_table(cases)
    if guesses:
        print(f"\n### Guesses offered for review, not applied\n\n{guesses}")
        print(f"\n### First fix offered, guesses included\n\n{offered_table(cases, results)}")
    print(f"\n{len(cases)} cases in {elapsed:.0f} s (python {sys.version.split()[0]})")
    if cases:
        print(_crash_line(crashed))
    multi = [c for c in cases if c.group == "multi"]
    if multi:  # what the editor offers on files with several errors
        pipeline = FixPipeline(options=AnalysisOptions(checks=frozenset()))
        found = [why_unparsed(pipeline, c.broken, args.budget_ms / 1000)[1] for c in multi]
        print("\nMulti-error files: " + offered_line(found))
    if "pydex" in wanted:
        novice_tools = {
            "engine, applied (safe) fixes": tools["engine"],
            "engine, first fix offered (review fixes too)": engine_tool(
                args.budget_ms / 1000, args.static, unsafe=True
            ),
        }
        novice_tools |= {name: fix for name, fix in tools.items() if name != "engine"}
        before = len(crashes.messages)
        subs = submissions(args.shared)
        print("\n" + novice_report(subs, novice_tools))
        pipeline = FixPipeline(options=AnalysisOptions(checks=frozenset()))
        misses = []
        offered = []
        for sub in subs:
            miss, on_file = why_unparsed(pipeline, sub.broken, args.budget_ms / 1000)
            offered.append(on_file)
            if miss is not None:
                misses.append(miss)
                if args.failures:
                    print(
                        f"  {sub.name}: error {miss.error}, {miss.reason} {miss.kinds}, "
                        f"{miss.later} behind: {miss.line[:70]!r}"
                    )
        print("\n#### PyDex: why files do not parse after the applied fixes\n")
        print(miss_table(misses, len(subs)))
        print("\n" + offered_line(offered))
        print("\n" + _crash_line({"pydex": len(crashes.messages) - before}))
    if args.failures:
        import difflib

        engine = tools["engine"]
        for case in failures[: args.failures]:
            fixed = engine(case.broken) or case.broken
            print(f"\n--- {case.name} ({case.kind}): broken -> engine, then reference")
            for text in difflib.unified_diff(
                case.broken.splitlines(), fixed.splitlines(), lineterm="", n=1
            ):
                print(text)
            for text in difflib.unified_diff(
                case.broken.splitlines(), case.reference.splitlines(), lineterm="", n=1
            ):
                print("REF " + text)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
