"""The embedded engine's code actions: one per verified fix, and "fix all".

Lazy for clients with ``codeAction/resolve`` (the edit is computed on resolve from the ``data``
sent here); eager otherwise. The model's action is ``lsp.model_actions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeGuard

from debugllm.lsp.documents import DocumentState
from debugllm.pipeline import FixPlan, VerifiedFix
from debugllm.problems import Problem
from debugllm.text import Encoding, combined_edits
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

FIX_ALL_KIND = "source.fixAll.debugllm"

#: How long a list of code actions for a client without ``codeAction/resolve`` waits for the
#: rest of the plan: its actions carry their edits, so what is not verified by then is left out
#: (the next request lists it). Within the 50 ms a code action may take.
EAGER_WAIT_S = 0.03


def is_index(value: object) -> TypeGuard[int]:
    """A non-negative int as we put it in resolve data (a bool is an int to Python: not here)."""
    return type(value) is int and value >= 0


def wants(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a ``context.only`` filter admits actions of ``kind`` (kinds are hierarchical)."""
    if not only:
        return True
    return any(kind == o or kind.startswith(o + ".") for o in only)


def fix_action(
    state: DocumentState,
    problem: Problem,
    diagnostic: types.Diagnostic | None,
    fix: VerifiedFix,
    rank: int,
    lazy: bool,
    encoding: Encoding,
) -> types.CodeAction:
    diagnostic = diagnostic or state.diagnostic(problem, encoding)
    candidate = fix.candidate
    # The title says when a fix needs review: editors show nothing else of its applicability
    # (the syntax engine's guesses already end in "(a guess)").
    review = ""
    if not candidate.safe and not candidate.title.endswith("(a guess)"):
        review = " (unsafe: review)"
    action = types.CodeAction(
        title=f"DebugLLM: {candidate.title}{review}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=fix.preferred or None,
        data={
            "uri": state.uri,
            "version": state.version,
            "problem": state.problem_id(problem),
            "rank": rank,
            "applicability": candidate.applicability,
        },
    )
    if not lazy:
        action.edit = state.edit_for(fix.candidate.edits, encoding)
    return action


def pending_action(
    state: DocumentState,
    problem: Problem,
    diagnostic: types.Diagnostic | None,
    encoding: Encoding,
) -> types.CodeAction:
    """For a lazy client, a problem whose fixes are still being verified: its resolve waits
    for the plan and edits with the best fix only if that one is safe (the title cannot say
    what the fix is, nor that it needs review)."""
    return types.CodeAction(
        title=f"DebugLLM: safe fix for {problem.code} (verifying)",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic or state.diagnostic(problem, encoding)],
        data={
            "uri": state.uri,
            "version": state.version,
            "problem": state.problem_id(problem),
            "pending": True,
        },
    )


def resolve_pending(
    state: DocumentState, plan: FixPlan, data: dict[str, Any], encoding: Encoding
) -> tuple[types.WorkspaceEdit | None, str | None]:
    """The edit of a ``pending_action`` once the plan is done, or why there is none."""
    index = data.get("problem")
    problem = state.problem(index)
    if problem is None:
        raise JsonRpcInvalidParams(f"unknown DebugLLM fix: problem {index!r}")
    best = plan.best(problem)
    if best is None or not best.candidate.safe:
        what = "no fix" if best is None else "no safe fix"
        return None, (
            f"DebugLLM: {what} was verified for this {problem.code}; "
            "request code actions again to see what there is to review"
        )
    return state.edit_for(best.candidate.edits, encoding), None


def fix_all_action(
    state: DocumentState, plan: FixPlan, lazy: bool, encoding: Encoding
) -> types.CodeAction:
    count = len(plan.applied)
    action = types.CodeAction(
        title=f"DebugLLM: fix all ({count} verified fix{'es' if count != 1 else ''})",
        kind=FIX_ALL_KIND,
        data={"uri": state.uri, "version": state.version, "fixAll": True},
    )
    if not lazy:
        action.edit = fix_all_edit(state, plan, encoding)
    return action


def fix_all_edit(state: DocumentState, plan: FixPlan, encoding: Encoding) -> types.WorkspaceEdit:
    fixed = plan.fixed_source or state.analysis.source
    applied = [fix.candidate.edits for fix in plan.applied]
    return state.edit_for(combined_edits(state.analysis.source, applied, fixed), encoding)


def resolve_fix(
    state: DocumentState, plan: FixPlan, data: dict[str, Any], encoding: Encoding
) -> types.WorkspaceEdit:
    """The edit of a lazy fix action from the ``data`` we sent with it."""
    if data.get("fixAll"):
        return fix_all_edit(state, plan, encoding)
    index, rank = data.get("problem"), data.get("rank")
    # Strictly the ints we sent: Python would read -1 from the end, and int() accepts "0", 0.5
    # and True, so forged data would resolve to some real fix.
    problem = state.problem(index)
    if problem is None or not is_index(rank):
        raise JsonRpcInvalidParams(f"unknown DebugLLM fix: problem {index!r}, rank {rank!r}")
    fixes = plan.fixes.get(problem, [])
    if rank >= len(fixes):
        raise JsonRpcInvalidParams(f"unknown DebugLLM fix: problem {index}, rank {rank}")
    return state.edit_for(fixes[rank].candidate.edits, encoding)
