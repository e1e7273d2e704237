"""CPU time of one ``Verifier.verify`` call on the fix plan's candidates of a 300-line and a
5,000-line file (``lsp_latency.static_source``: an undefined name, an unused import, a read
before assignment, an index out of range).

Each candidate is verified ``--repeat`` times as the plan does it once: the caches of the fixed
text (its parse, its static problems) are emptied before every call, the original's static
problems are kept (its analysis computed them). Each candidate is timed with one verifier kept
for the file (as the fix plan and codeAction/resolve use it) and as the first call of a new
verifier (what a verifier learns about a text is then not known yet). Runs the code
on ``sys.path``, so main's code is measured with ``PYTHONPATH=<main>/server``.

    python bench/verify_cpu.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from debugllm.analysis import analyzer, static
from debugllm.analysis.analyzer import Analysis, AnalysisOptions
from debugllm.candidates import Candidate
from debugllm.pipeline import FixPipeline
from debugllm.verifier import Verdict, Verifier
from lsp_latency import static_source


class _Recorder(Verifier):
    def __init__(self, options: AnalysisOptions) -> None:
        super().__init__(options)
        self.seen: list[Candidate] = []

    def verify(self, before: Analysis, candidate: Candidate) -> Verdict:
        self.seen.append(candidate)
        return super().verify(before, candidate)


def _candidates(source: str) -> tuple[Analysis, list[Candidate]]:
    pipeline = FixPipeline(threads=False)
    recorder = _Recorder(pipeline.options)
    pipeline.verifier = recorder
    analysis = pipeline.analyze(source, "bench.py")
    asyncio.run(pipeline.plan(analysis, 60.0))
    # The chain's later rounds verify against other texts: keep the original's candidates.
    return analysis, [c for c in recorder.seen if c.edits and c.edits[-1].end <= len(source)]


def _one(verifier: Verifier, analysis: Analysis, candidate: Candidate) -> float:
    static._recent.clear()
    analyzer._compiled_tree.cache_clear()
    assert analysis.tree is not None
    static.analyze_static(analysis.source, analysis.tree, verifier.options.checks, "bench.py")
    started = time.process_time()
    verifier.verify(analysis, candidate)
    return (time.process_time() - started) * 1000


def measure(lines: int, repeat: int) -> list[str]:
    analysis, candidates = _candidates(static_source(lines))
    options = AnalysisOptions()
    warm: dict[int, list[float]] = {i: [] for i in range(len(candidates))}
    cold: dict[int, list[float]] = {i: [] for i in range(len(candidates))}
    verifier = Verifier(options)
    for _ in range(repeat):
        for i, candidate in enumerate(candidates):
            warm[i].append(_one(verifier, analysis, candidate))
            cold[i].append(_one(Verifier(options), analysis, candidate))
    lines_count = analysis.source.count("\n")
    return [
        f"{lines_count} lines, {c.kind} ({c.target.code} '{c.target.subject}'): verify CPU"
        f" median {statistics.median(warm[i]):.1f} ms with the plan's verifier,"
        f" {statistics.median(cold[i]):.1f} ms as the first call of a new one"
        for i, c in enumerate(candidates)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    for lines in (300, 5000):
        for line in measure(lines, args.repeat):
            print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
