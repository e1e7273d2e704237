"""The fix pipeline: diagnostic -> fix request -> candidates from each source -> verifier -> fixes.

Sources propose, the verifier disposes: a fix reaches the editor or the CLI only after
``Verifier.verify`` accepted it. The sources of ``plan`` (the embedded engine) are fast and
offline. The remote model is not one of them: it is slow, costs money and is never trusted, so
the pipeline asks it on demand, by one policy the CLI and the server share: "ask the model for
what the engine left unfixed, or for this function" (``model_targets``, ``model_target``), each
request a ``ModelTarget`` with its typed ``Region``; its answer goes through the same verifier.

Several syntax errors in one file are fixed as a chain: CPython only reports the first, so the
fix for error *k* is searched in the text where errors 1..k-1 are already fixed, mapped back to
the original coordinates, and verified there on its own before it is offered. An error with no
fix that may be applied does not end the chain: it is passed in a scratch text so the errors
behind it still get theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ParamSpec, Protocol, TypeVar

from debugllm.analysis.analyzer import Analysis, AnalysisOptions, analyze
from debugllm.candidates import Candidate

# Re-exported: the plan's types are used as pipeline.FixPlan and pipeline.VerifiedFix.
from debugllm.plans import FixPlan as FixPlan
from debugllm.plans import VerifiedFix as VerifiedFix
from debugllm.problems import Code, Problem, Severity
from debugllm.region import Region, find_region
from debugllm.text import Edit, LineIndex, apply_edits
from debugllm.verifier import Verifier, map_offset_back

if TYPE_CHECKING:
    from debugllm.remote.stats import Stats
    from debugllm.settings import Settings

_P = ParamSpec("_P")
_T = TypeVar("_T")


async def run_cpu(threads: bool, work: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T:
    """CPU work of the plan: in a worker thread, so the server's event loop keeps answering;
    with ``threads`` off, inline (the command line: nothing else waits, and a plan that never
    suspends runs without an event loop, see ``debugllm.inline``)."""
    if not threads:
        return work(*args, **kwargs)
    import asyncio  # the server has it loaded; the command line never needs it offline

    return await asyncio.to_thread(work, *args, **kwargs)


#: The fix offered when no repair is convincing: any real repair is better.
_LAST_RESORT = "commented-out"


@dataclass(frozen=True)
class FixRequest:
    """Fix ``problem``, found in ``analysis.source``, before ``deadline`` (time.monotonic)."""

    analysis: Analysis
    problem: Problem
    deadline: float
    #: Text of the user's file that ``analysis.source`` lost (a scratch text past an error
    #: without a safe fix blanks its statement): evidence for the repairs, never repaired.
    hidden: str = ""


def _log_fault(message: str, subject: str) -> None:
    """Log the exception being handled (logging loads here: a run without faults never needs
    it)."""
    import logging

    logging.getLogger("debugllm.pipeline").exception(message, subject)


class FixSource(Protocol):
    """What proposes candidate fixes for ``plan`` (the embedded engine)."""

    name: str

    async def propose(self, request: FixRequest) -> Sequence[Candidate]: ...


class EmbeddedSource:
    """The offline repair engine: syntax repairs and fixes for the static checks."""

    name = "embedded"

    def __init__(self, threads: bool = True) -> None:
        self.threads = threads

    async def propose(self, request: FixRequest) -> Sequence[Candidate]:
        problem = request.problem
        source = request.analysis.source
        try:
            if problem.is_syntax:
                from debugllm.repair.syntax import repair_syntax

                return await run_cpu(
                    self.threads,
                    repair_syntax,
                    source,
                    problem,
                    request.deadline,
                    hidden=request.hidden,
                )
            from debugllm.repair.semantic import repair_static

            return await run_cpu(
                self.threads, repair_static, source, problem, request.analysis.tree
            )
        except Exception:  # a fault in one repair heuristic costs that fix, not the request
            _log_fault("the repair engine failed on %r", problem.subject)
            return []


def load_repair_engines(problems: Sequence[Problem] | None = None) -> None:
    """Import the repair engines ``problems`` need, all without ``problems`` (they load lazily:
    a clean file never needs them, and the syntax engine alone is a third of a small run's
    start)."""
    if problems is None or any(p.is_syntax for p in problems):
        import debugllm.repair.syntax
    if problems is None or any(not p.is_syntax for p in problems):
        import debugllm.repair.semantic  # noqa: F401


@dataclass(frozen=True)
class ModelTarget:
    """One request to the model: ``problem`` (an error the engine left unfixed, or a stand-in at
    the cursor for "fix this function") and the region of the text sent for it."""

    problem: Problem
    region: Region


@dataclass(frozen=True)
class ModelOutcome:
    """The model's answer to one ``ModelTarget``, before verification."""

    candidates: tuple[Candidate, ...] = ()
    #: Why no candidate came back ("" when one did): a message for the user.
    message: str = ""
    cache_hit: bool = False
    error: str = ""


class RemoteModel(Protocol):
    """What the pipeline needs of the remote model (``remote.source.ModelSource``)."""

    stats: Stats
    small_file_chars: int

    def available(self) -> bool: ...

    async def fix(self, analysis: Analysis, target: ModelTarget) -> ModelOutcome: ...


@dataclass(frozen=True)
class ModelResult:
    """The model's verified fix for one request, or why there is none (a message for the user)."""

    fix: VerifiedFix | None
    message: str = ""
    cache_hit: bool = False
    #: The failure class when there is no fix (``timeout``, ``unavailable`` ...), else "".
    error: str = ""

    @property
    def transient(self) -> bool:
        """A failure worth asking again for (the endpoint may answer next time)."""
        return self.error in ("timeout", "connection", "unavailable", "rate-limited", "cancelled")


class FixPipeline:
    def __init__(
        self,
        sources: Sequence[FixSource] | None = None,
        options: AnalysisOptions | None = None,
        max_rounds: int = 50,
        model: RemoteModel | None = None,
        unsafe_fixes: bool = False,
        threads: bool = True,
    ) -> None:
        self.options = options or AnalysisOptions()
        #: Whether CPU work runs in worker threads (the server) or inline (``run_cpu``).
        self.threads = threads
        #: The sources of ``plan``: fast and offline (the model is never one of them).
        self.sources: Sequence[FixSource] = sources or (EmbeddedSource(threads),)
        #: The remote model, asked on demand through ``model_fix``; ``None`` when offline.
        self.model = model
        self.verifier = Verifier(self.options)
        self.max_rounds = max_rounds
        #: Whether the chain ("fix all", ``--write``) applies unsafe fixes too (the user opted in).
        self.unsafe_fixes = unsafe_fixes

    @classmethod
    def for_settings(
        cls, settings: Settings, model: RemoteModel | None, threads: bool = True
    ) -> FixPipeline:
        """The pipeline a file's effective settings ask for (the CLI's and the server's)."""
        options = AnalysisOptions(
            checks=settings.diagnostics.enabled_checks(), target_version=settings.target
        )
        return cls(
            options=options, model=model, unsafe_fixes=settings.unsafe_fixes, threads=threads
        )

    def analyze(self, source: str, filename: str = "<file>") -> Analysis:
        return analyze(source, self.options, filename)

    async def verified_fixes(self, request: FixRequest) -> list[VerifiedFix]:
        """Candidates from every source for one problem, verified and ranked."""
        accepted: list[VerifiedFix] = []
        seen: set[tuple[Edit, ...]] = set()
        for source in self.sources:
            if time.monotonic() > request.deadline:
                break
            for candidate in await source.propose(request):
                if accepted and time.monotonic() > request.deadline:
                    break  # the budget is spent and there is a fix: verify no alternative
                if candidate.edits in seen:
                    continue
                seen.add(candidate.edits)
                verdict = await run_cpu(
                    self.threads, self.verifier.verify, request.analysis, candidate
                )
                if verdict.accepted:
                    accepted.append(VerifiedFix(candidate, verdict.fixed_source))
        accepted.sort(key=lambda fix: (not fix.candidate.safe, fix.candidate.cost))
        if accepted and accepted[0].candidate.safe:
            accepted[0] = replace(accepted[0], preferred=True)
        return accepted

    def applicable(self, ranked: Sequence[VerifiedFix] | None) -> VerifiedFix | None:
        """The fix "fix all" applies from ``ranked``: the preferred (safe) one, or with unsafe
        fixes allowed the best of any applicability."""
        if not ranked:
            return None
        if ranked[0].preferred or self.unsafe_fixes:
            return ranked[0]
        return None

    # --- the model policy ----------------------------------------------------------------------

    def model_ready(self, analysis: Analysis) -> bool:
        """Whether the model may be asked about ``analysis`` now: configured, its breaker
        closed, and the file small enough to verify an answer (see ``static_checked``)."""
        return self.model is not None and self.model.available() and analysis.static_checked

    def _target(self, analysis: Analysis, problem: Problem) -> ModelTarget | None:
        assert self.model is not None
        region = find_region(
            analysis.source, problem.start, analysis.tree, self.model.small_file_chars
        )
        return ModelTarget(problem, region) if region is not None else None

    def model_targets(self, plan: FixPlan) -> list[ModelTarget]:
        """What the model should be asked about in a file: each error the engine left unfixed
        that lies in a region the model can rewrite (the CLI asks for the first, the server
        prefetches them all)."""
        analysis = plan.analysis
        if not self.model_ready(analysis):
            return []
        targets = []
        for problem in analysis.problems:
            if problem.severity == Severity.ERROR and not plan.fixes.get(problem):
                target = self._target(analysis, problem)
                if target is not None:
                    targets.append(target)
        return targets

    def model_target(
        self, plan: FixPlan, problems: Sequence[Problem], offset: int
    ) -> ModelTarget | None:
        """The one model request at a position (the editor's "Fix this function"): the first
        of ``problems`` (those under the cursor) the engine left unfixed, else the function
        around ``offset``; ``None`` when the model cannot help there."""
        analysis = plan.analysis
        if not self.model_ready(analysis):
            return None
        unfixed = next((p for p in problems if not plan.fixes.get(p)), None)
        problem = unfixed or Problem(Code.FOREIGN, "fix this function", offset, offset)
        return self._target(analysis, problem)

    async def model_fix(self, analysis: Analysis, target: ModelTarget) -> ModelResult:
        """The model's candidate for ``target``, through the same verifier as embedded fixes.

        An answer identical to the input, or one that fails verification, is never returned.
        """
        if self.model is None:
            return ModelResult(None, "no model endpoint is configured (debugllm.endpoint.url)")
        outcome = await self.model.fix(analysis, target)
        reasons: list[str] = []
        for candidate in outcome.candidates:
            verdict = await run_cpu(self.threads, self.verifier.verify, analysis, candidate)
            if verdict.accepted:
                fix = VerifiedFix(candidate, verdict.fixed_source)
                return ModelResult(fix, cache_hit=outcome.cache_hit)
            self.model.stats.error("failed-verification")
            reasons.append(verdict.reason)
        if reasons:
            return ModelResult(
                None,
                "DebugLLM's model proposed a fix that failed verification ("
                + "; ".join(reasons)
                + "); it is not offered",
                outcome.cache_hit,
                "failed-verification",
            )
        return ModelResult(
            None, outcome.message or "the model proposed no fix", outcome.cache_hit, outcome.error
        )

    async def fix_with_model(self, plan: FixPlan) -> tuple[ModelTarget, ModelResult] | None:
        """The CLI's model pass: one request per file, for the first error the engine left
        unfixed. A verified fix joins ``plan.fixes``; being unsafe (an untrusted answer) it is
        applied only with unsafe fixes allowed and when the engine applied nothing."""
        targets = self.model_targets(plan)
        if not targets:
            return None
        target = targets[0]
        result = await self.model_fix(plan.analysis, target)
        fix = result.fix
        if fix is not None:
            plan.fixes[target.problem] = [fix]
            if self.unsafe_fixes and not plan.applied:
                plan.applied.append(fix)
                plan.fixed_source = fix.fixed_source
                filename = plan.analysis.filename
                plan.remaining = self.analyze(fix.fixed_source, filename).problems
        return target, result

    async def plan(
        self, analysis: Analysis, budget_s: float = 1.0, into: FixPlan | None = None
    ) -> FixPlan:
        """Verified fixes for every problem, and the whole file with all of them applied.

        ``into`` (a ``FixPlan`` of ``analysis``, empty) is filled as the plan goes, so a reader
        can use what is ready before it ends: a problem's entry in ``fixes``, once there, is
        its final ranking (the chain only adds entries for problems that have none).
        """
        load_repair_engines(analysis.problems)  # before the budget starts, not inside it
        deadline = time.monotonic() + budget_s
        plan = into if into is not None else FixPlan(analysis, remaining=analysis.problems)
        # Problems that can be fixed on the original text directly: static ones and the first
        # syntax error (later syntax errors only exist once the earlier ones are fixed).
        syntax = analysis.syntax_errors
        direct = [syntax[0]] if syntax else list(analysis.problems)
        for problem in direct:
            if time.monotonic() > deadline:
                break
            ranked = await self.verified_fixes(FixRequest(analysis, problem, deadline))
            if ranked:
                plan.fixes[problem] = ranked
        await self._chain(plan, deadline)
        await self._share_fixes(plan, deadline)
        return plan

    async def _share_fixes(self, plan: FixPlan, deadline: float) -> None:
        """Offer a fix on each other error it fixes too: renaming a keyword used as a name, or
        joining a name typed with a space, edits every line that uses it, and each of those
        lines has its own error. Only where the fix edits the error's line, and only when it
        verifies with that error as its target."""
        original = plan.analysis
        index = LineIndex(original.source)
        for problem in original.syntax_errors:
            if problem in plan.fixes or time.monotonic() > deadline:
                continue
            line = index.line_of(problem.start)
            for ranked in list(plan.fixes.values()):
                edits = ranked[0].candidate.edits
                if not any(index.line_of(e.start) <= line <= index.line_of(e.end) for e in edits):
                    continue
                candidate = replace(ranked[0].candidate, target=problem)
                verdict = await run_cpu(self.threads, self.verifier.verify, original, candidate)
                if verdict.accepted:
                    fix = VerifiedFix(candidate, verdict.fixed_source, preferred=candidate.safe)
                    plan.fixes[problem] = [fix]
                    break

    async def _chain(self, plan: FixPlan, deadline: float) -> None:
        """Apply the best applicable fix, re-analyse, repeat; record what each round fixed."""
        original = plan.analysis
        current = original
        history: list[tuple[Edit, ...]] = []
        stalled: dict[Problem, list[VerifiedFix]] = {}
        for _ in range(self.max_rounds):
            # The first round's fixes are verified already: applying one costs no search.
            if not current.problems or (history and time.monotonic() > deadline):
                break
            step = await self._next_step(plan, current, history, deadline, stalled)
            if step is None:
                break
            history.append(step.candidate.edits)
            plan.applied.append(self._to_original(step, history[:-1], original))
            current = await run_cpu(
                self.threads, self.analyze, step.fixed_source, original.filename
            )
        if history:
            plan.fixed_source = current.source
            plan.remaining = current.problems
            await self._pending(plan, current, history, deadline)
        if len(current.syntax_errors) > 1:
            await self._past_the_stop(plan, current, history, deadline, stalled)

    async def _past_the_stop(
        self,
        plan: FixPlan,
        current: Analysis,
        history: list[tuple[Edit, ...]],
        deadline: float,
        stalled: dict[Problem, list[VerifiedFix]],
    ) -> None:
        """The chain stopped at a syntax error with no fix it may apply, and later errors stand
        behind it. Get past each such error in a scratch text only (its statement blanked, as
        the listing of every error does; never a guess the later fixes could lean on) and fix
        the later errors there; each fix is mapped back and offered on the original's matching error
        when it verifies there on its own (``_record_for_original``). The scratch edits are
        never applied; when the stop is the file's first error, the later fixes fix-all may
        apply are (``_apply_later``): the file still does not parse, but has fewer errors."""
        from debugllm.repair.syntax import recover

        scratch = list(history)
        later: list[VerifiedFix] = []  # fixes of later errors fix-all may apply
        hidden = ""  # the statements of the original the scratch text blanked
        for _ in range(self.max_rounds):
            syntax = current.syntax_errors
            if not syntax or time.monotonic() > deadline:
                break
            problem = syntax[0]
            ranked = stalled.pop(problem, None)
            if ranked is None:
                ranked = await self.verified_fixes(
                    FixRequest(current, problem, deadline, hidden=hidden)
                )
                if ranked and scratch:
                    offered = await self._record_for_original(plan, problem, ranked[0], scratch)
                    if offered is not None and self.applicable([offered]) is not None:
                        later.append(offered)
            chosen = self.applicable(ranked) if ranked else None
            if chosen is not None:
                passing = chosen.candidate.edits
            else:
                # A review fix would put a guess into the scratch text, and a later error's
                # safety could rest on it (a mangled name guessed on one line made the same
                # guess look evident on the next, where the name was now "used"): blank the
                # statement instead.
                try:
                    passing = tuple(recover(current.source, problem, deadline, hidden))
                except Exception:  # a fault in one heuristic ends the continuation, not the plan
                    _log_fault("recovery failed past %r", problem.subject)
                    break
                # What the scratch text loses stays evidence: a later repair asking whether a
                # name is used elsewhere must see `total price = ...`, or `print(total price)`
                # looks like words to quote.
                hidden += "".join(f"{current.source[e.start : e.end]}\n" for e in passing)
            try:
                text = apply_edits(current.source, passing) if passing else ""
            except ValueError:
                text = ""
            if not text:
                break
            scratch.append(passing)
            current = await run_cpu(self.threads, self.analyze, text, plan.analysis.filename)
        if later:
            await self._apply_later(plan, later)

    async def _apply_later(self, plan: FixPlan, later: list[VerifiedFix]) -> None:
        """Apply the later errors' applicable fixes, found past an error that has none: each
        was verified on the original alone, and together with the fixes applied before the stop
        they must still leave no new error (checked as one candidate). The error at the stop
        stays for the user."""
        original = plan.analysis
        fixes = (*plan.applied, *later)
        edits = tuple(sorted(e for fix in fixes for e in fix.candidate.edits))
        together = replace(later[0].candidate, edits=edits)
        try:
            verdict = await run_cpu(self.threads, self.verifier.verify, original, together)
        except ValueError:  # edits of two fixes overlap: keep what the chain applied
            return
        if not verdict.accepted:
            return
        plan.applied.extend(later)
        plan.fixed_source = verdict.fixed_source
        after = await run_cpu(self.threads, self.analyze, verdict.fixed_source, original.filename)
        plan.remaining = after.problems

    async def _pending(
        self, plan: FixPlan, current: Analysis, history: list[tuple[Edit, ...]], deadline: float
    ) -> None:
        """Offer, for review, the fixes of what the applied fixes left (in the time left)."""
        offered = {(p.code, p.start) for p, ranked in plan.fixes.items() if ranked}
        for problem in current.problems:
            if time.monotonic() > deadline:
                break
            ranked = await self.verified_fixes(FixRequest(current, problem, deadline))
            if ranked:
                fix = self._to_original(ranked[0], history, plan.analysis)
                if (fix.candidate.target.code, fix.candidate.target.start) not in offered:
                    plan.pending.append(fix)

    async def _next_step(
        self,
        plan: FixPlan,
        current: Analysis,
        history: list[tuple[Edit, ...]],
        deadline: float,
        stalled: dict[Problem, list[VerifiedFix]],
    ) -> VerifiedFix | None:
        """The fix to apply next, or None; a syntax error with fixes none of which may be
        applied is kept in ``stalled`` with them (the continuation starts from it)."""
        syntax = current.syntax_errors
        problems = [syntax[0]] if syntax else list(current.problems)
        if not plan.analysis.parses:
            # Warnings the user was never shown (the original did not parse, so no static
            # checks ran) are not fixed behind their back; errors such as a typo still are.
            problems = [p for p in problems if p.is_syntax or p.severity == Severity.ERROR]
        for problem in problems:
            ranked = (
                plan.fixes.get(problem)
                if not history
                else await self.verified_fixes(FixRequest(current, problem, deadline))
            )
            chosen = self.applicable(ranked)
            if chosen is None:
                if problem.is_syntax:
                    stalled[problem] = list(ranked or ())
                    if history and ranked:
                        # The stop's review fix belongs on the original's error it stands for,
                        # not on a "later" problem next to it.
                        await self._record_for_original(plan, problem, ranked[0], history)
                continue
            if history:
                await self._record_for_original(plan, problem, chosen, history)
            return chosen
        return None

    async def _record_for_original(
        self, plan: FixPlan, problem: Problem, fix: VerifiedFix, history: list[tuple[Edit, ...]]
    ) -> VerifiedFix | None:
        """Offer a later round's fix for the matching problem of the original, if it verifies
        there (the fix as offered, in the original's coordinates; None when not offered)."""
        original = plan.analysis
        mapped = self._to_original(fix, history, original)
        index = LineIndex(original.source)
        line = index.line_of(mapped.candidate.target.start)
        match = next(
            (
                p
                for p in original.problems
                if p not in plan.fixes and p.code == problem.code and index.line_of(p.start) == line
            ),
            None,
        )
        if match is None:
            return None
        if mapped.candidate.kind == _LAST_RESORT:
            shared = await self._shared_fix(plan, match)
            if shared is not None:
                return shared
        candidate = replace(mapped.candidate, target=match)
        verdict = await run_cpu(self.threads, self.verifier.verify, original, candidate)
        if not verdict.accepted:
            return None
        offered = VerifiedFix(candidate, verdict.fixed_source, preferred=candidate.safe)
        plan.fixes[match] = [offered]
        return offered

    async def _shared_fix(self, plan: FixPlan, match: Problem) -> VerifiedFix | None:
        """An earlier error's offered fix that edits ``match``'s line and clears it too, offered
        there as well (`def f(lambda):` / `return lambda(x)`: one rename fixes both). The
        scratch text cannot find it: the earlier statement is blanked there, so the later error
        would get only its last resort, or half the fix."""
        original = plan.analysis
        index = LineIndex(original.source)
        line = index.line_of(match.start)
        for ranked in list(plan.fixes.values()):
            if not ranked:
                continue
            candidate = replace(ranked[0].candidate, target=match)
            if not any(index.line_of(e.start) == line for e in candidate.edits):
                continue
            verdict = await run_cpu(self.threads, self.verifier.verify, original, candidate)
            if verdict.accepted:
                offered = VerifiedFix(candidate, verdict.fixed_source, preferred=candidate.safe)
                plan.fixes[match] = [offered]
                return offered
        return None

    @staticmethod
    def _to_original(
        fix: VerifiedFix, history: list[tuple[Edit, ...]], original: Analysis
    ) -> VerifiedFix:
        if not history:
            return fix

        def back(offset: int) -> int:
            for edits in reversed(history):
                offset = map_offset_back(offset, edits)
            return offset

        edits = tuple(
            Edit(back(e.start), max(back(e.start), back(e.end)), e.new_text)
            for e in fix.candidate.edits
        )
        target = fix.candidate.target
        start = back(target.start)
        # The line too: earlier rounds may have added or removed lines above the problem.
        line = LineIndex(original.source).line_of(start) + 1
        mapped_target = replace(target, start=start, end=back(target.end), line=line)
        candidate = replace(fix.candidate, edits=edits, target=mapped_target)
        try:
            fixed = apply_edits(original.source, edits)
        except ValueError:
            fixed = fix.fixed_source
        return replace(fix, candidate=candidate, fixed_source=fixed)
