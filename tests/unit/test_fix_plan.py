"""The fix plan: every verified fix applied in turn, each reported against the original text."""

from __future__ import annotations

import asyncio

from debugllm.analysis.analyzer import AnalysisOptions
from debugllm.pipeline import FixPipeline
from debugllm.text import LineIndex


def test_a_later_rounds_fix_names_the_line_of_the_original_text() -> None:
    # Removing the declaration takes a line out, so the second error is on line 3 of the text
    # the second round repairs, but on line 4 of the file the user has.
    source = "def f(xs):\n    var seen;\n    total = 0\n    for x in xs\n        total += x\n"
    pipeline = FixPipeline(options=AnalysisOptions(checks=frozenset()))
    plan = asyncio.run(pipeline.plan(pipeline.analyze(source, "f.py"), 2.0))
    assert plan.fixed_source is not None and len(plan.applied) == 2
    assert plan.fixed_source.count("\n") == source.count("\n") - 1
    second = plan.applied[1].candidate.target
    assert second.line == 4
    assert LineIndex(source).line_of(second.start) + 1 == 4


def test_a_file_too_large_for_static_checks_gets_its_syntax_fix_applied() -> None:
    # Over LARGE_SOURCE_CHARS: no static checks, and the fix is verified by the same cheap pass
    # (parser and symbol table) as the analysis, so the one verified fix is applied in budget.
    unit = "def f(x):\n    total = x + 1\n    return total\n\n\n"
    source = unit * (1_100_000 // len(unit)) + "def tail(x)\n    return x\n"
    pipeline = FixPipeline()
    analysis = pipeline.analyze(source, "big.py")
    assert not analysis.static_checked and len(analysis.problems) == 1
    plan = asyncio.run(pipeline.plan(analysis, 2.0))
    assert plan.fixed_source is not None and plan.fixed_source.endswith(
        "def tail(x):\n    return x\n"
    )
    assert plan.remaining == ()
