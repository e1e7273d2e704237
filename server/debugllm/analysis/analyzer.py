"""Find every problem in a file: syntax errors first, static checks once it parses."""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field

from debugllm.analysis.static import ALL_CHECKS, analyze_static
from debugllm.analysis.suppressions import without_suppressed
from debugllm.analysis.syntax import (
    compile_fault,
    fault_to_problem,
    find_syntax_errors,
    problem_from_exception,
)
from debugllm.problems import Problem

#: Above this size (about 25,000 lines) only CPython's first syntax error is reported and the
#: static checks are skipped: CPython alone needs seconds to parse a file of several MB.
LARGE_SOURCE_CHARS = 1_000_000


@dataclass(frozen=True)
class AnalysisOptions:
    checks: frozenset[str] = field(default_factory=lambda: ALL_CHECKS)
    #: Wall-clock budget for finding the errors after the first (repair-and-continue).
    syntax_budget_s: float = 0.5
    #: The Python version the code is meant for, ``(3, minor)``; ``None``: the running one.
    target_version: tuple[int, int] | None = None


@dataclass(frozen=True)
class Analysis:
    source: str
    problems: tuple[Problem, ...]
    #: The AST when the file parses (static checks ran on it), else ``None``.
    tree: ast.Module | None
    filename: str = "<file>"
    #: False when the file was too large for the static checks.
    static_checked: bool = True

    @property
    def parses(self) -> bool:
        return self.tree is not None

    @property
    def syntax_errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_syntax)


#: What CPython raises for text it cannot compile (NUL bytes: ValueError; deep nesting).
PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError)


def compiled_tree(source: str, filename: str = "<file>") -> ast.Module:
    """The AST of ``source``; raises one of ``PARSE_FAILURES`` when it does not compile.

    Compiling the tree as well finds the errors the parser leaves to the compiler ('return'
    outside function, 'break' outside loop ...).
    """
    tree = ast.parse(source, filename)
    compile(tree, filename, "exec", dont_inherit=True)
    return tree


def analyze(
    source: str, options: AnalysisOptions | None = None, filename: str = "<file>"
) -> Analysis:
    """``filename`` matters to some checks (an ``__init__.py`` re-exports its imports)."""
    options = options or AnalysisOptions()
    if len(source) > LARGE_SOURCE_CHARS:
        return _analyze_large(source, filename)
    try:
        tree = compiled_tree(source, filename)
    except PARSE_FAILURES as exc:
        first = problem_from_exception(source, exc)
        deadline = time.monotonic() + options.syntax_budget_s
        found = find_syntax_errors(source, deadline=deadline)
        # The first error is CPython's own; report it even if recovery ran out of time. A
        # suppression comment for E999 hides it too (the verifier filters the same way).
        problems = without_suppressed(source, found or [first])
        return Analysis(source, tuple(problems), None, filename)
    # analyze_static leaves out the problems a suppression comment hides.
    problems = analyze_static(source, tree, options.checks, filename)
    return Analysis(source, tuple(problems), tree, filename)


def _analyze_large(source: str, filename: str) -> Analysis:
    """CPython's first syntax error only, from its cheapest pass (parser and symbol table).

    Recovery would re-parse the file once per error and the static checks need the Python AST:
    each costs seconds at this size.
    """
    problem = cheap_syntax_error(source, filename)
    problems = without_suppressed(source, [problem] if problem is not None else [])
    return Analysis(source, tuple(problems), None, filename, static_checked=False)


def cheap_syntax_error(source: str, filename: str = "<file>") -> Problem | None:
    """CPython's first syntax error from its cheapest full pass (parser and symbol table: no
    Python AST, so a fraction of the time and memory of ``compiled_tree``)."""
    fault = compile_fault(source, filename, stage="symbols")
    return fault_to_problem(source, fault) if fault is not None else None
