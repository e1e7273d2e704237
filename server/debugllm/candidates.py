"""Candidate fixes: what a fix source proposes before the verifier has checked it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from debugllm.problems import Problem
from debugllm.text import Edit, apply_edits

FixOrigin = Literal["embedded", "model"]


@dataclass(frozen=True)
class Candidate:
    """A proposed fix for one problem.

    ``kind`` names the repair (``missing-colon``, ``unclosed-bracket`` ...) and keys the
    explanation catalog. ``changes_behaviour`` marks fixes that are plausible but alter what
    correct code would do (a mutable default argument): they may be offered, never preferred.
    ``guess`` marks repairs that had to pick one of several plausible programs (which operator
    was lost between two operands): offered for review, never preferred, never applied unasked.
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

    @property
    def needs_review(self) -> bool:
        """Offered, never preferred: it changes behaviour or it is a guess."""
        return self.changes_behaviour or self.guess

    def apply(self, source: str) -> str:
        return apply_edits(source, self.edits)
