"""The analysis an editor sees is the analysis from scratch, whatever came before it.

The analyzer remembers the last good text of every file name (``analysis.lastgood``) and fix
plans add their fixed texts to it; a later version of the file is parsed from there. This check
takes every synthetic case of one program (single, multi and novice corruptions of one seed),
opens the correct program under one file name, then analyses each case in turn under that name,
running its fix plan after it, and compares each analysis with the same text's analysis from
scratch (``lastgood.forget()`` first). Any difference is a bug: an editor would show errors
that the file does not have, or miss one it has.

    .venv/bin/python bench/engine/sequence.py --seed 1      # about 5 minutes, 2,688 cases

It prints each mismatch (the first three problems of each analysis) and exits 1 if there was
one. The unit tests hold a small instance of it (``test_incremental_analysis``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from debugllm.analysis import lastgood
from debugllm.analysis.analyzer import Analysis, AnalysisOptions, analyze
from debugllm.pipeline import FixPipeline
from run import ROOT, Case, novice_cases, synthetic_cases

OPTIONS = AnalysisOptions(syntax_budget_s=60.0)
NAME = "m.py"


def _shape(analysis: Analysis) -> tuple[object, ...]:
    return (analysis.parses, analysis.static_checked, analysis.problems)


def _show(analysis: tuple[object, ...]) -> list[tuple[object, ...]]:
    problems = analysis[2]
    assert isinstance(problems, tuple | list)
    return [(p.code, p.message, p.start) for p in problems[:3]]


def check(program: list[Case], budget_s: float) -> list[str]:
    """The names of ``program``'s cases analysed differently after the others."""
    scratch = []
    for case in program:
        lastgood.forget()
        scratch.append(_shape(analyze(case.broken, OPTIONS, NAME)))
    lastgood.forget()
    analyze(program[0].reference, OPTIONS, NAME)  # the editor opened it correct
    wrong = []
    for case, expected in zip(program, scratch, strict=True):
        got = _shape(analyze(case.broken, OPTIONS, NAME))
        if got != expected:
            wrong.append(case.name)
            print(f"MISMATCH {case.name}\n  scratch: {_show(expected)}\n  after:   {_show(got)}")
        pipeline = FixPipeline(options=OPTIONS)  # its fixed texts become good texts of NAME
        asyncio.run(pipeline.plan(pipeline.analyze(case.broken, NAME), budget_s))
    lastgood.forget()
    return wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-ms", type=float, default=2000.0)
    args = parser.parse_args()
    single, multi = synthetic_cases(args.shared, args.seed)
    programs: dict[str, list[Case]] = defaultdict(list)
    for case in [*single, *multi, *novice_cases(args.shared, args.seed)]:
        programs[case.name.split("#")[0]].append(case)
    wrong = [name for cases in programs.values() for name in check(cases, args.budget_ms / 1000)]
    total = sum(map(len, programs.values()))
    print(f"seed {args.seed}: {total} cases of {len(programs)} programs, {len(wrong)} mismatches")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
