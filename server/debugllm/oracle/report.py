"""A test failure and its verified fix as the command line and the editor show them.

The diagnostic goes on the innermost frame of the user's code (code ``test-failure``); a fix is
the mutation's edit in LSP terms (UTF-16 columns), kind ``test-fix``: unsafe (it changes what the
code computes; the tests are the only witness), offered for review unless the user opted in.
Plain dicts in the LSP's shape, so the command line needs no lsprotocol import.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from debugllm.applicability import applicability_of
from debugllm.oracle.failure import Failure
from debugllm.oracle.search import TestFix, TestFixResult
from debugllm.text import LineIndex

FIX_KIND = "test-fix"
DIAGNOSTIC_CODE = "test-failure"

#: Why each kind of edit may be the bug (the first sentence of a fix's explanation).
MUTATION_EXPLANATIONS: Mapping[str, str] = {
    "operator": "The arithmetic operator looks like a slip for another one.",
    "comparison": "The comparison is off: a boundary (< for <=) or its direction.",
    "boolean": "The conditions are joined with the wrong one of `and` / `or`.",
    "constant": "A constant has the wrong value.",
    "off-by-one": "A value is off by one (a range, a slice, an index or a constant).",
    "negated-condition": "The condition is the wrong way round.",
    "sign": "A sign or inversion is one too many.",
    "slice": "The slice takes the wrong end of the sequence.",
    "function": "The function called looks like a slip for its twin.",
    "variable": "A variable is used where another one of the same function was meant.",
    "swapped-operands": "The operands are the wrong way round.",
    "swapped-arguments": "Two arguments are the wrong way round.",
    "dropped-term": "A term too many in the expression.",
    "dropped-condition": "A condition too many.",
    "removed-statement": "A statement too many.",
    "missing-return": "The function computes its result but never returns it.",
}


def diagnostic(failure: Failure, path: Path, line: int, function: str | None) -> dict[str, Any]:
    """The LSP diagnostic for ``failure`` at ``line`` (1-based) of ``path`` (whole line)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        text = []
    line_text = text[line - 1] if 0 < line <= len(text) else ""
    start = len(line_text) - len(line_text.lstrip())
    where = f" in {function}" if function and function != "<module>" else ""
    tests = failure.failed_tests
    which = f" ({tests[0]}{' and more' if len(tests) > 1 else ''})" if tests else ""
    return {
        "range": {
            "start": {"line": line - 1, "character": _utf16(line_text[:start])},
            "end": {"line": line - 1, "character": _utf16(line_text)},
        },
        "severity": 1,
        "code": DIAGNOSTIC_CODE,
        "source": "debugllm",
        "message": f"{failure.summary()}{where}{which}",
    }


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def explanation(fix: TestFix) -> str:
    if fix.origin == "model":
        why = "DebugLLM's model rewrote the function."
    else:
        why = MUTATION_EXPLANATIONS.get(fix.mutation.kind, "A small slip in the code.")
    tests = ", ".join(fix.fixed_tests[:3]) + (" ..." if len(fix.fixed_tests) > 3 else "")
    return (
        f"{why} With {fix.mutation.description} in {fix.function}, the failing test(s) "
        f"{tests} pass and none of the {fix.tests_run} test(s) run breaks (verified by tests)."
    )


def fix_edit(fix: TestFix) -> dict[str, Any]:
    """The fix as one LSP ``TextEdit`` against the original file."""
    index = LineIndex(fix.original)
    start = index.position(fix.mutation.start)
    end = index.position(fix.mutation.end)
    return {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "newText": fix.mutation.new_text,
    }


def fix_json(fix: TestFix, applied: bool) -> dict[str, Any]:
    return {
        "title": f"Fix {fix.function}: {fix.mutation.description} (verified by tests; unsafe: "
        "review)",
        "explanation": explanation(fix),
        "kind": FIX_KIND,
        "mutation": fix.mutation.kind,
        "source": fix.origin,
        "verified": True,
        "verified_by": "tests",
        "applied": applied,
        "preferred": False,
        "applicability": applicability_of(FIX_KIND, guess=False, changes_behaviour=True),
        "guess": False,
        "path": str(fix.path),
        "diagnostic": {"code": DIAGNOSTIC_CODE, "line": fix.mutation.line},
        "edits": [fix_edit(fix)],
        "tests": {"fixed": list(fix.fixed_tests), "run": fix.tests_run},
    }


def result_json(result: TestFixResult, applied: bool, elapsed_ms: float) -> dict[str, Any]:
    """The command line's ``--json`` object for one test command."""
    location = result.location
    diagnostics = [diagnostic(result.failure, *location)] if location else []
    fix = result.fix
    return {
        "path": str(location[0]) if location else None,
        "command": result.command,
        "passed": result.passed,
        "failure": {
            "exception": result.failure.exception,
            "message": result.failure.message,
            "failed_tests": result.failure.failed_tests,
        },
        "diagnostics": diagnostics,
        "fixes": [fix_json(fix, applied)] if fix else [],
        "fixed_path": str(fix.path) if fix else None,
        "fixed_source": fix.fixed if fix else None,
        "candidates_tried": result.candidates_tried,
        # Model answers that were not run: they add an import, a call or a name.
        "unexecuted": [
            {"path": str(path), "adds": list(added), "fixed_source": text, "executed": False}
            for path, text, added in result.unexecuted
        ],
        "message": result.message,
        "remaining_errors": 0 if result.passed or (fix and applied) else 1,
        "elapsed_ms": round(elapsed_ms, 1),
    }


def print_human(result: TestFixResult, applied: bool, out: Any) -> None:
    if result.passed:
        out.write(f"{result.command}: the tests pass; nothing to fix\n")
        return
    location = result.location
    where = f"{location[0]}:{location[1]}" if location else result.command
    function = f" (in {location[2]})" if location and location[2] else ""
    out.write(f"{where}: test-failure {result.failure.summary()}{function}\n")
    if result.failure.failed_tests:
        out.write(f"    failing: {', '.join(result.failure.failed_tests)}\n")
    for path, text, added in result.unexecuted:
        out.write(f"    the model's answer for {path} was not run (it adds {', '.join(added)}):\n")
        original = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        _diff(original, text, out)
    fix = result.fix
    if fix is None:
        out.write(f"    no verified fix: {result.message}\n")
        return
    state = "applied" if applied else "unsafe (verified by tests): review before applying"
    out.write(f"    {explanation(fix)}\n    fix, {state}: {fix.path}:{fix.mutation.line}\n")
    _diff(fix.original, fix.fixed, out)


def _diff(before: str, after: str, out: Any) -> None:
    diff = difflib.unified_diff(
        before.splitlines(), after.splitlines(), "before", "after", n=1, lineterm=""
    )
    for line in diff:
        if not line.startswith(("---", "+++")):
            out.write(f"    {line}\n")
