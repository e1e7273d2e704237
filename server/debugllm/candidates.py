"""Candidate fixes: what a fix source proposes before the verifier has checked it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from debugllm.applicability import Applicability, applicability_of
from debugllm.problems import Problem
from debugllm.region import Region
from debugllm.text import Edit, apply_edits

FixOrigin = Literal["embedded", "model"]


@dataclass(frozen=True)
class Candidate:
    """A proposed fix for one problem.

    ``kind`` names the repair (``missing-colon``, ``unclosed-bracket`` ...), keys the
    explanation catalog and the applicability table (``debugllm.applicability``).
    ``changes_behaviour`` marks fixes that are plausible but alter what correct code would do
    (a mutable default argument); ``guess`` marks repairs that had to pick one of several
    plausible programs (which operator was lost between two operands). Either makes the fix
    unsafe: offered for review, never preferred, never applied unasked.
    """

    target: Problem
    kind: str
    title: str
    explanation: str
    edits: tuple[Edit, ...]
    origin: FixOrigin = "embedded"
    cost: float = 1.0
    changes_behaviour: bool = False
    guess: bool = False
    details: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    #: A model fix: the region of the original text the model rewrote (its edits lie inside).
    region: Region | None = None

    @property
    def applicability(self) -> Applicability:
        if self.origin == "model":  # an untrusted answer, whatever its kind
            return "unsafe"
        return applicability_of(
            self.kind, guess=self.guess, changes_behaviour=self.changes_behaviour
        )

    @property
    def safe(self) -> bool:
        """Safe fixes may be preferred and applied unasked; unsafe ones are for review."""
        return self.applicability == "safe"

    def apply(self, source: str) -> str:
        return apply_edits(source, self.edits)
