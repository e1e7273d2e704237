"""Find every problem in a file: syntax errors first, static checks once it parses."""

from __future__ import annotations

import ast
import time
from dataclasses import dataclass, field

from debugllm.analysis.static import ALL_CHECKS, analyze_static
from debugllm.analysis.syntax import find_syntax_errors, first_syntax_error
from debugllm.problems import Problem


@dataclass(frozen=True)
class AnalysisOptions:
    checks: frozenset[str] = field(default_factory=lambda: ALL_CHECKS)
    #: Wall-clock budget for finding the errors after the first (repair-and-continue).
    syntax_budget_s: float = 0.5


@dataclass(frozen=True)
class Analysis:
    source: str
    problems: tuple[Problem, ...]
    #: The AST when the file parses (static checks ran on it), else ``None``.
    tree: ast.Module | None
    filename: str = "<file>"

    @property
    def parses(self) -> bool:
        return self.tree is not None

    @property
    def syntax_errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_syntax)


def analyze(
    source: str, options: AnalysisOptions | None = None, filename: str = "<file>"
) -> Analysis:
    """``filename`` matters to some checks (an ``__init__.py`` re-exports its imports)."""
    options = options or AnalysisOptions()
    first = first_syntax_error(source, filename)
    if first is not None:
        deadline = time.monotonic() + options.syntax_budget_s
        found = find_syntax_errors(source, deadline=deadline)
        # The first error is CPython's own; keep it even if recovery found nothing more.
        problems = found if found else [first]
        return Analysis(source, tuple(problems), None, filename)
    try:
        tree = ast.parse(source, filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # compile() accepted it, so this is a parser limit, not the user's error.
        return Analysis(source, (), None, filename)
    problems = analyze_static(source, tree, options.checks, filename)
    return Analysis(source, tuple(problems), tree, filename)
