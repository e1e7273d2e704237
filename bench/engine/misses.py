"""Why a file still does not parse after the engine's applied (safe) fixes, and the repair
engine's own exceptions (a crash in one heuristic costs the repair: it must never happen).

``why_unparsed`` classifies one file: the chain of applied fixes stopped at some syntax error
(error k, counting the errors the chain fixed before it), and that error had

- no candidate at all,
- only fixes offered for review (unsafe: a guess, or the broken line commented out), or
- a safe fix the budget left no time for (found again with a generous budget);

and how many later errors stand behind it (listed by ``find_syntax_errors``, so found only as
far as the engine's recovery gets past each).
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from collections import Counter
from dataclasses import dataclass

from debugllm.pipeline import FixPipeline, FixRequest, VerifiedFix

#: Seconds given to find error k's fixes again: far more than the product's budget, so a fix
#: found only here was lost to the budget.
_GENEROUS_S = 10.0


@dataclass(frozen=True)
class Miss:
    error: int  # which error of the chain stopped it (1 = the file's first)
    reason: str  # "no candidate", "review fixes only", "budget"
    later: int  # syntax errors listed after it
    kinds: tuple[str, ...]  # the kinds of the fixes offered for it, best first
    line: str  # the line of the error, stripped


def compiles(source: str) -> bool:
    """Whether ``source`` compiles (the harness's "parses"), warnings silenced."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fixed>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


@dataclass(frozen=True)
class Offered:
    """What the editor offers on a file: its syntax errors, those with a fix listed, those
    with a safe (preferred) one."""

    errors: int
    fixed: int
    safe: int
    applied: int  # syntax fixes fix-all applies
    left: int  # syntax errors left after them


def why_unparsed(
    pipeline: FixPipeline, source: str, budget_s: float
) -> tuple[Miss | None, Offered]:
    """Why the applied fixes do not make ``source`` parse (None when they do), and the fixes
    offered on its syntax errors."""
    plan = asyncio.run(pipeline.plan(pipeline.analyze(source, "case.py"), budget_s))
    errors = plan.analysis.syntax_errors
    offered = Offered(
        len(errors),
        sum(bool(plan.fixes.get(p)) for p in errors),
        sum(any(f.preferred for f in plan.fixes.get(p, ())) for p in errors),
        sum(f.candidate.target.is_syntax for f in plan.applied),
        sum(p.is_syntax for p in plan.remaining) if plan.applied else len(errors),
    )
    fixed = plan.fixed_source if plan.fixed_source is not None else source
    if compiles(fixed):
        return None, offered
    return _blocker(pipeline, plan.applied, fixed), offered


def _blocker(pipeline: FixPipeline, applied: list[VerifiedFix], fixed: str) -> Miss:
    current = pipeline.analyze(fixed, "case.py")
    errors = current.syntax_errors
    if not errors:  # fails only in the compiler's later passes, which the analysis reports too
        return Miss(len(applied) + 1, "no syntax error listed", 0, (), "")
    blocker = errors[0]
    request = FixRequest(current, blocker, time.monotonic() + _GENEROUS_S)
    ranked = asyncio.run(pipeline.verified_fixes(request))
    kinds = tuple(f.candidate.kind for f in ranked)
    if any(f.candidate.safe for f in ranked):
        reason = "budget"
    elif ranked:
        reason = "review fixes only"
    else:
        reason = "no candidate"
    line = fixed.splitlines()[blocker.line - 1].strip() if blocker.line else ""
    return Miss(len(applied) + 1, reason, len(errors) - 1, kinds, line)


def miss_table(misses: list[Miss], files: int) -> str:
    """Counts per reason: at error 1 or later, with later errors behind it or not."""
    out = [
        "| why the applied fixes leave the file unparsed | files | at error 1 | at a later "
        "error | more errors behind it |",
        "|---|---:|---:|---:|---:|",
    ]
    by_reason: dict[str, list[Miss]] = {}
    for miss in misses:
        by_reason.setdefault(miss.reason, []).append(miss)
    for reason in sorted(by_reason, key=lambda r: -len(by_reason[r])):
        chosen = by_reason[reason]
        first = sum(m.error == 1 for m in chosen)
        behind = sum(m.later > 0 for m in chosen)
        out.append(f"| {reason} | {len(chosen)} | {first} | {len(chosen) - first} | {behind} |")
    out.append(
        f"| **all misses** | {len(misses)} of {files} | {sum(m.error == 1 for m in misses)} | "
        f"{sum(m.error > 1 for m in misses)} | {sum(m.later > 0 for m in misses)} |"
    )
    offered = Counter(m.kinds[0] for m in misses if m.kinds)
    if offered:
        out.append("")
        out.append(
            "Best fix offered for review where none is safe: "
            + ", ".join(f"`{kind}` {n}" for kind, n in offered.most_common())
            + "."
        )
    return "\n".join(out)


def offered_line(offered: list[Offered]) -> str:
    errors = sum(o.errors for o in offered)
    fixed = sum(o.fixed for o in offered)
    safe = sum(o.safe for o in offered)
    whole = sum(o.fixed == o.errors for o in offered)
    several = [o for o in offered if o.errors > 1]
    return (
        f"Syntax errors listed in the originals: {errors}; with a fix offered in the editor "
        f"(safe plan, as the editor lists them): {fixed} ({100 * fixed / max(errors, 1):.1f}%), "
        f"a safe one: {safe} ({100 * safe / max(errors, 1):.1f}%); files with a fix offered "
        f"for every error: {whole} of {len(offered)}; files with several errors: "
        f"{len(several)}, errors in them with a fix offered: {sum(o.fixed for o in several)} "
        f"of {sum(o.errors for o in several)}; syntax fixes applied by fix-all: "
        f"{sum(o.applied for o in offered)}, syntax errors left after them: "
        f"{sum(o.left for o in offered)}."
    )


class CrashCounter(logging.Handler):
    """Counts the exceptions the engine logs and survives (``recovery failed``, ``the repair
    engine failed on ...``): each one cost a repair."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is not None:
            self.messages.append(record.getMessage())

    def install(self) -> CrashCounter:
        logger = logging.getLogger("debugllm")
        logger.addHandler(self)
        # Without a level of its own the logger would pass only WARNING and above anyway;
        # set it so the count does not depend on how logging was configured.
        if logger.level == logging.NOTSET or logger.level > logging.ERROR:
            logger.setLevel(logging.ERROR)
        logger.propagate = False  # counted here, not printed over the tables
        return self
