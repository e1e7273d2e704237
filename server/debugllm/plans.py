"""What the fix pipeline finds for one version of a document: its verified fixes and the text
with the applicable ones applied. Data only, apart from the pipeline (``debugllm.pipeline``),
so a check that finds nothing to fix reports its empty plan without loading the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from debugllm.analysis.analyzer import Analysis
    from debugllm.candidates import Candidate
    from debugllm.problems import Problem


@dataclass(frozen=True)
class VerifiedFix:
    """A candidate the verifier accepted; its edits are in the original document's coordinates."""

    candidate: Candidate
    fixed_source: str
    preferred: bool = False


@dataclass
class FixPlan:
    """Every verified fix for one version of a document, and the result of applying them all
    (the safe ones, or every kind when the pipeline allows unsafe fixes)."""

    analysis: Analysis
    #: Ranked verified fixes per problem of ``analysis`` (best first; at most one preferred).
    fixes: dict[Problem, list[VerifiedFix]] = field(default_factory=dict)
    #: The fixes "fix all" applied, in order, mapped to the original coordinates.
    applied: list[VerifiedFix] = field(default_factory=list)
    #: The text after applying every applicable fix, repeatedly; ``None`` when nothing was fixed.
    fixed_source: str | None = None
    #: Problems still reported in ``fixed_source`` (or in the original when nothing was fixed).
    remaining: tuple[Problem, ...] = ()
    #: The best fix of each remaining problem that only showed once earlier fixes were applied
    #: (a misspelt name in a file that did not parse), not applied because it is unsafe; verified
    #: on ``fixed_source``, its edits mapped to the original.
    pending: list[VerifiedFix] = field(default_factory=list)

    def best(self, problem: Problem) -> VerifiedFix | None:
        ranked = self.fixes.get(problem)
        return ranked[0] if ranked else None
