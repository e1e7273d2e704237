"""One analysed version of an open document, and the client's diagnostics matched back to it.

The server computes a ``DocumentState`` per document version (``lsp.server``); code actions
(``lsp.code_actions``), hover and the model actions (``lsp.model_actions``) read it. Each
published diagnostic carries its problem's id (its index in ``analysis.problems``) and the
version in ``Diagnostic.data``, as ruff does, so a code action finds the problem again without
matching positions; a client that drops ``data`` still gets the match by code and position.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from debugllm.analysis.analyzer import Analysis
from debugllm.lsp import convert
from debugllm.pipeline import FixPipeline, FixPlan, ModelResult, ModelTarget
from debugllm.problems import Problem
from debugllm.settings import Settings
from debugllm.text import Edit, Encoding, LineIndex
from lsprotocol import types
from pygls.exceptions import JsonRpcContentModified

#: ``Diagnostic.data`` keys: the problem's id and the document version it belongs to.
PROBLEM_ID = "problemId"
VERSION = "version"


@dataclass
class DocumentState:
    uri: str
    version: int
    #: Which opening of ``uri`` this is: a close and reopen may reuse the version with other text.
    generation: int
    analysis: Analysis
    index: LineIndex
    plan: asyncio.Task[FixPlan]
    #: The plan as ``plan`` fills it: a problem's fixes are final once listed in its ``fixes``
    #: (``None``: nothing is shown before ``plan`` ends).
    progress: FixPlan | None = None
    #: The settings this version was analysed with (the editor's over its project's).
    settings: Settings = field(default_factory=Settings)
    #: The pipeline for those settings (with the session's model, if any).
    pipeline: FixPipeline = field(default_factory=FixPipeline)
    #: Model answers for this version, per target (shared by listing, resolve and prefetch).
    model: dict[ModelTarget, asyncio.Task[ModelResult]] = field(default_factory=dict)
    #: Problem ids by object identity (equal problems may repeat), built on first use.
    _ids: dict[int, int] | None = field(default=None, repr=False)

    async def fix_plan(self) -> FixPlan:
        """The version's fix plan; shielded so a cancelled request does not cancel shared work."""
        try:
            return await asyncio.shield(self.plan)
        except asyncio.CancelledError:
            if self.plan.cancelled():
                raise JsonRpcContentModified("The document changed; request again.") from None
            raise

    async def plan_within(self, timeout: float) -> FixPlan | None:
        """The whole plan if it is (or gets) done within ``timeout`` seconds, else ``None``.

        Waiting never cancels the plan; a plan cancelled by a change answers ContentModified.
        """
        if not self.plan.done() and timeout > 0:
            await asyncio.wait([self.plan], timeout=timeout)
        if not self.plan.done():
            return None
        return await self.fix_plan()

    def problem(self, problem_id: object) -> Problem | None:
        """The problem with this id (exactly an int we handed out: not a bool, not "0")."""
        problems = self.analysis.problems
        if type(problem_id) is int and 0 <= problem_id < len(problems):
            return problems[problem_id]
        return None

    def problem_id(self, problem: Problem) -> int:
        """The id of one of ``analysis.problems``; -1 for any other (a model stand-in)."""
        if self._ids is None:
            self._ids = {id(p): i for i, p in enumerate(self.analysis.problems)}
        return self._ids.get(id(problem), -1)

    def diagnostic(self, problem: Problem, encoding: Encoding) -> types.Diagnostic:
        diagnostic = convert.to_diagnostic(self.index, problem, encoding)
        diagnostic.data = {PROBLEM_ID: self.problem_id(problem), VERSION: self.version}
        return diagnostic

    def diagnostics(self, encoding: Encoding) -> list[types.Diagnostic]:
        return [self.diagnostic(p, encoding) for p in self.analysis.problems]

    def edit_for(self, edits: Sequence[Edit], encoding: Encoding) -> types.WorkspaceEdit:
        return convert.workspace_edit(self.uri, self.version, self.index, edits, encoding)

    def problems_for(
        self, diagnostics: Sequence[types.Diagnostic], rng: types.Range, encoding: Encoding
    ) -> list[tuple[Problem, types.Diagnostic | None]]:
        """Our problems behind the client's diagnostics (ours or another tool's), else in rng."""
        found: list[tuple[Problem, types.Diagnostic | None]] = []
        for diagnostic in diagnostics:
            problem = self.match(diagnostic, encoding)
            if problem is not None and all(problem is not p for p, _ in found):
                found.append((problem, diagnostic))
        if not diagnostics:
            start, end = convert.to_offsets(self.index, rng, encoding)
            for problem in self.analysis.problems:
                if problem.start <= end and start <= max(problem.end, problem.start + 1):
                    found.append((problem, None))
        return found

    def match(self, diagnostic: types.Diagnostic, encoding: Encoding) -> Problem | None:
        if diagnostic.source == convert.SOURCE:
            known = self._by_id(diagnostic.data)
            if known is not None:
                return known if known.code == diagnostic.code else None
        start, end = convert.to_offsets(self.index, diagnostic.range, encoding)
        problems = self.analysis.problems
        if diagnostic.source == convert.SOURCE:
            # A client that does not send ``data`` back: the problem at the same place.
            return next(
                (p for p in problems if p.code == diagnostic.code and p.start == start), None
            )
        # Another tool's diagnostic: ours on the same line, the closest one first.
        line = self.index.line_of(start)
        same_line = [p for p in problems if self.index.line_of(p.start) == line]
        if not same_line:
            return None
        return min(same_line, key=lambda p: (abs(p.start - start) + abs(p.end - end), p.start))

    def _by_id(self, data: Any) -> Problem | None:
        if not isinstance(data, dict) or data.get(VERSION) != self.version:
            return None  # published for another version: its ids are not this one's
        return self.problem(data.get(PROBLEM_ID))
