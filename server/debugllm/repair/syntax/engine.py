"""The entry points: ``repair_syntax`` turns the best checked proposals into candidates, and
``recover`` gets past an error so that parsing can go on."""

from __future__ import annotations

from debugllm.candidates import Candidate
from debugllm.problems import Problem
from debugllm.repair.catalog import explain
from debugllm.repair.syntax.context import MAX_LINE, Ctx, Proposal, indent_of
from debugllm.repair.syntax.search import Search, neutral_proposal, rank
from debugllm.text import Edit, minimal_edits

#: Limits of the parser rather than mistakes: nothing to repair.
_LIMITS = ("too many nested parentheses", "too many levels of indentation", "too deeply nested")


def _edits(ctx: Ctx, p: Proposal) -> tuple[Edit, ...]:
    """The proposal as the smallest edits: trimmed to what changed, and per line when it spans
    several (re-indenting a block touches only the indentation)."""
    old = ctx.raw(p.first, p.last)
    new = p.text
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    base = ctx.starts[p.first] + head
    old_mid = old[head : len(old) - tail]
    new_mid = new[head : len(new) - tail]
    if "\n" not in old_mid + new_mid and "\r" not in old_mid + new_mid:
        # Commas or quotes added at several places of a line stay insertions: the user's own
        # text between them is not rewritten (nor judged as the fix's, by the verifier).
        inserted = minimal_edits(old_mid, new_mid) if len(new_mid) > len(old_mid) else []
        if len(inserted) > 1 and all(e.start == e.end for e in inserted):
            return tuple(Edit(e.start + base, e.end + base, e.new_text) for e in inserted)
        return (Edit(base, base + len(old_mid), new_mid),)
    return tuple(
        Edit(e.start + base, e.end + base, e.new_text) for e in minimal_edits(old_mid, new_mid)
    )


def repair_syntax(
    source: str,
    problem: Problem,
    deadline: float | None = None,
    max_candidates: int = 3,
    hidden: str = "",
) -> list[Candidate]:
    """Verified repairs for the syntax error ``problem``, best (cheapest) first.

    Each gets past the error: the code around it parses afterwards, or fails only further on
    where a separate error lies. Empty when no repair is convincing. ``hidden`` is text of the
    user's file that ``source`` lost (see ``Ctx.hidden``).
    """
    if not problem.is_syntax or max_candidates <= 0 or not source:
        return []
    if problem.message.startswith(_LIMITS):
        return []
    ctx = Ctx(source, problem, hidden)
    search = Search(ctx, deadline)
    ranked = rank(ctx, search, max_candidates)
    candidates: list[Candidate] = []
    seen: set[tuple[Edit, ...]] = set()
    firm = sum(not p.guess for _, p in ranked)  # repairs that may be applied, not guesses
    for score, p in ranked:
        last_place = len(candidates) == max_candidates - 1
        if p.guess and firm and last_place and all(c.guess for c in candidates):
            continue  # the last place goes to a repair that may be applied
        firm -= not p.guess
        edits = _edits(ctx, p)
        if not edits or edits in seen:
            continue
        if not candidates and not search.confirm(p):
            continue
        seen.add(edits)
        facts = dict(p.facts)
        explanation = explain(p.kind, facts)
        if p.then is not None:
            explanation += " " + explain(p.then.kind, dict(p.then.facts))
        candidates.append(
            Candidate(
                target=problem,
                kind=p.kind,
                title=p.title,
                explanation=explanation,
                edits=edits,
                origin="embedded",
                cost=round(score, 3),
                details=p.facts,
                guess=p.any_guess,
            )
        )
        if len(candidates) == max_candidates:
            break
    if not candidates and not search.expired():
        fallback = _comment_out(ctx, search)
        if fallback is not None:
            candidates.append(fallback)
    return candidates


def _comment_out(ctx: Ctx, search: Search) -> Candidate | None:
    """The last resort, offered for review only: the broken statement (and as few lines after
    it as needed) turned into comments, so the rest of the file parses and runs. A header
    keeps a stub (`if 1:`) so its block still has one; an emptied block gets `pass`."""
    if len(ctx.lines[ctx.line]) > MAX_LINE:
        return None  # generated code: compiling variants of it costs too much
    tries: list[Proposal] = []
    for extra in (0, 1, 3, 7, 15):
        neutral = neutral_proposal(ctx, extra)
        old = ctx.lines[neutral.first : neutral.last]
        if not old:
            continue
        stub = neutral.text.splitlines()[0].strip()
        ws = indent_of(old[0])
        kept = [f"{indent_of(t) or ws}# {t.strip()}" if t.strip() else t for t in old]
        for lines in (kept, [f"{ws}{stub}  # {old[0].strip()}", *kept[1:]]):
            tries.append(
                ctx.lines_to(
                    neutral.first, neutral.last, lines, 9.0, "commented-out", "Comment out"
                )
            )
    # First what leaves no error of its own making (the window parses, or fails only where a
    # separate error lies), then anything that gets past the error.
    chosen = next(
        (p for p in tries if not search.expired() and search.penalty(p) is not None), None
    )
    if chosen is None:
        chosen = next(
            (p for p in tries if not search.expired() and search.progress(p) is not False), None
        )
    if chosen is None:
        return None
    facts = dict(chosen.facts)
    title = f"Comment out line {facts['line']} (no repair is certain; rewrite it)"
    return Candidate(
        target=ctx.problem,
        kind="commented-out",
        title=title,
        explanation=explain("commented-out", facts),
        edits=_edits(ctx, chosen),
        origin="embedded",
        cost=9.0,
        details=chosen.facts,
        guess=True,
    )


def recover(
    source: str, problem: Problem, deadline: float | None = None, hidden: str = ""
) -> list[Edit]:
    """Edits that get past ``problem`` so parsing can go on, for listing every error: the best
    repair that is not a guess (not confirmed on the whole file; the caller compiles it anyway),
    else the broken statement blanked. [] when neither gets past it. Never a guess: the later
    errors are repaired in the text this gives, and a guessed name or operator there would be
    evidence for their repairs that the author never wrote."""
    if not source:
        return []
    ctx = Ctx(source, problem, hidden)
    if not problem.message.startswith(_LIMITS):
        for _, p in rank(ctx, Search(ctx, deadline), 1):
            edits = _edits(ctx, p) if not p.any_guess else ()
            if edits:
                return list(edits)
    return _neutralise(ctx, deadline)


def _neutralise(ctx: Ctx, deadline: float | None) -> list[Edit]:
    search = Search(ctx, deadline)
    tries = [neutral_proposal(ctx, extra) for extra in (0, 1, 3, 7, 15, 31)]
    if not search.calibrate(min(p.first for p in tries), max(p.last for p in tries)):
        return []
    for p in tries:
        if search.expired():
            return []
        if search.progress(p) is not False:
            return list(_edits(ctx, p))
    # Nothing short of blanking the rest of the window gets past the error.
    start = tries[0].first
    end = search.window.end
    p = ctx.lines_to(start, end, ["pass"] + [""] * (end - start - 1), 0.0, "neutral", "")
    return list(_edits(ctx, p))
