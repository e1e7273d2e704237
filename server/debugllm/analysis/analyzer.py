"""Find every problem in a file: syntax errors first, static checks once it parses."""

from __future__ import annotations

import ast
import functools
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from debugllm.analysis import lastgood
from debugllm.analysis.compilable import survey
from debugllm.analysis.static import ALL_CHECKS, analyze_static
from debugllm.analysis.suppressions import without_suppressed
from debugllm.gcpause import paused_gc
from debugllm.problems import Problem
from debugllm.text import LineIndex

if TYPE_CHECKING:
    from debugllm.analysis.versions import Construct

# A file that parses needs neither CPython's error details (``analysis.syntax``) nor the
# newer-syntax scanner (``analysis.versions``, unless a target version is set): both are
# imported where used, so a clean file's check does not load them.

#: Above this size (about 25,000 lines) only CPython's first syntax error is reported and the
#: static checks are skipped: CPython alone needs seconds to parse a file of several MB.
LARGE_SOURCE_CHARS = 1_000_000

#: Deeper ASTs are not walked by the static checks: their visitors recurse (a few Python frames
#: per level), so a 990-term ``a + b + ...`` chain, which CPython compiles, would exhaust the
#: recursion limit. Real code nests a few dozen levels at most.
MAX_CHECKED_DEPTH = 200


@dataclass(frozen=True)
class AnalysisOptions:
    checks: frozenset[str] = field(default_factory=lambda: ALL_CHECKS)
    #: Wall-clock budget for finding the errors after the first (repair-and-continue).
    syntax_budget_s: float = 0.5
    #: The oldest Python the project supports, e.g. ``(3, 11)``. ``None``: not configured, the
    #: interpreter DebugLLM runs on (newer syntax it cannot parse is then only a warning).
    target_version: tuple[int, int] | None = None


@dataclass(frozen=True)
class Analysis:
    source: str
    problems: tuple[Problem, ...]
    #: The AST when the file parses (static checks ran on it), else ``None``.
    tree: ast.Module | None
    filename: str = "<file>"
    #: False when the static checks could not run: a file too large for them, or one that uses
    #: syntax of a newer Python than DebugLLM's (the editor then offers no fixes for it).
    static_checked: bool = True

    @property
    def parses(self) -> bool:
        return self.tree is not None

    @property
    def syntax_errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.is_syntax)


#: What CPython raises for text it cannot compile (NUL bytes: ValueError; deep nesting).
PARSE_FAILURES = (SyntaxError, ValueError, RecursionError, MemoryError)


class TreeTooDeep(RecursionError):
    """``source`` compiles, but its Python AST is too deep to build or to walk here.

    A ``RecursionError`` so that callers catching ``PARSE_FAILURES`` still fall back to the
    syntax-only path (which finds no error in it: ``compile(source)`` accepts it).
    """


@contextmanager
def quiet_compile() -> Iterator[None]:
    """Compiling user code emits CPython's SyntaxWarnings ('"is" with a literal', invalid
    escape sequences): they would go to stderr outside our JSON log lines, and under
    ``-W error`` they would turn valid code into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def compiled_tree(source: str, filename: str = "<file>") -> ast.Module:
    """The AST of ``source``; raises one of ``PARSE_FAILURES`` when it does not compile, and
    ``TreeTooDeep`` when it compiles but its AST is too deep for the static checks.

    Compiling finds the errors the parser leaves to the compiler ('return' outside function,
    'break' outside loop ...). A tree the survey proves free of them is not compiled
    (``compilable``); any other tree just parsed is compiled, so the text is parsed once;
    a tree too deep to check is not (compiling an AST converts it back with the Python
    recursion limit, which a 1,500-term ``a + b + ...`` chain exceeds although CPython
    compiles the text fine): the text is, for its error if it has one.

    The last few trees are kept: the verifier compiles a fix's text, and the fix plan then
    analyses that same text once the fix is applied. Callers must not change the tree.
    """
    return _compiled_tree(source, filename)


@functools.lru_cache(maxsize=4)
def _compiled_tree(source: str, filename: str) -> ast.Module:
    with quiet_compile(), paused_gc():
        try:
            tree = ast.parse(source, filename)
        except (RecursionError, MemoryError):
            compile(source, filename, "exec", dont_inherit=True)
            raise TreeTooDeep(filename) from None
        shape = survey(tree)
        if shape.depth > MAX_CHECKED_DEPTH:
            compile(source, filename, "exec", dont_inherit=True)
            raise TreeTooDeep(filename)
        if shape.compiles:
            return tree  # nothing in it that the compiler checks (``compilable``)
        try:
            compile(tree, filename, "exec", dont_inherit=True)
        except (ValueError, TypeError, RecursionError):
            # The tree was rejected as a tree (never seen for a parser's own tree): the text
            # says whether the code compiles.
            compile(source, filename, "exec", dont_inherit=True)
    return tree


def analyze(
    source: str, options: AnalysisOptions | None = None, filename: str = "<file>"
) -> Analysis:
    """``filename`` matters to some checks (an ``__init__.py`` re-exports its imports)."""
    options = options or AnalysisOptions()
    if len(source) > LARGE_SOURCE_CHARS:
        return _analyze_large(source, filename, options.target_version)
    # After a keystroke that broke the syntax, the error is found without parsing the file
    # up to the edit (twice: CPython re-parses for its message) when a good text proves it.
    after_edit = lastgood.edit_error(filename, source)
    if after_edit is not None:
        return _analyze_failure(source, after_edit.error, options, filename, edited=after_edit)
    try:
        tree = compiled_tree(source, filename)
    except TreeTooDeep:
        # Valid code (CPython compiled it): never report it, only say why it is not checked.
        import logging  # rare: a run that logs nothing never loads logging

        logging.getLogger("debugllm.analysis").info(
            "static checks skipped for %s: its syntax tree is too deep to walk", filename
        )
        return Analysis(source, (), None, filename, static_checked=False)
    except PARSE_FAILURES as exc:
        return _analyze_failure(source, exc, options, filename)
    lastgood.remember(filename, source, tree)
    # analyze_static leaves out the problems a suppression comment hides.
    problems = analyze_static(source, tree, options.checks, filename)
    target = options.target_version
    if target is not None:
        # Syntax this interpreter accepts but the project's Python would not (3.12's `type`
        # statement in a project for 3.11): a true error for the user, found on the parse.
        from debugllm.analysis.versions import construct_problem, too_new

        index = LineIndex(source)
        newer = [construct_problem(source, c, target, index=index) for c in too_new(source, target)]
        problems = sorted([*newer, *problems], key=lambda p: (p.start, p.end))
    return Analysis(source, tuple(problems), tree, filename)


def _analyze_failure(
    source: str,
    exc: SyntaxError | ValueError | RecursionError | MemoryError,
    options: AnalysisOptions,
    filename: str,
    edited: lastgood.EditError | None = None,
) -> Analysis:
    """A file that does not compile: its syntax errors, or what makes it uncheckable here.

    ``edited``: ``exc`` is the parser's error that ``lastgood`` found by parsing from the
    statements an edit touched (the text before them compiled, the text after them is a good
    text's), so the listing need not look for it again. A compile's error may be the
    compiler's, which the listing's compile of a group would not report the same way."""
    from debugllm.analysis.syntax import problem_from_exception
    from debugllm.analysis.versions import construct_problem, unsupported, unsupported_in_edit

    first = problem_from_exception(source, exc)
    # Text that compiled here holds no syntax too new for this interpreter: after an edit,
    # the statements before and after it need no scan (13,333 compiling files of 3.11's
    # stdlib and site-packages: none has a construct the scanner takes for one).
    scan_from = edited.start if edited is not None else 0
    # The whole file's constructs are needed below anyway: one scan answers both questions.
    later = None if edited is None else unsupported_in_edit(source, edited.start, edited.end)
    if later is None:
        later = unsupported(source, start=scan_from)
    newer = _newer_before(source, first, later)
    if newer is not None:
        # Syntax of a newer Python, at or before CPython's first error: that error is (or may
        # be) the newer syntax, so it is not reported, nor "repaired" into something else.
        problem = construct_problem(source, newer, options.target_version)
        return Analysis(source, (problem,), None, filename, static_checked=False)
    load_recovery()
    deadline = time.monotonic() + options.syntax_budget_s
    # The first error is CPython's own; report it even if recovery ran out of time. A
    # suppression comment for E999 hides it too (the verifier filters the same way).
    known = exc if edited is not None and isinstance(exc, SyntaxError) else None
    listed = checkable_syntax_errors(source, deadline, filename, known, constructs=later)
    found = without_suppressed(source, listed or [first])
    if later:
        # Real errors come first; the newer syntax after them is said once, so the user knows
        # why nothing after it is reported.
        found.append(construct_problem(source, later[0], options.target_version))
    return Analysis(source, tuple(found), None, filename)


def load_recovery() -> None:
    """Import the repair engine that error recovery uses. Callers do so before their deadline
    starts: it loads lazily, on the first file that does not parse, and takes a while to import."""
    import debugllm.analysis.syntax_errors  # noqa: F401


def _newer_before(
    source: str, first: Problem, constructs: list[Construct] | None = None
) -> Construct | None:
    """The first construct this interpreter cannot parse, if it is on or before ``first``'s
    line (CPython reports such a construct on its own line or, for a string, a later one).

    ``constructs``: all of the file's, when the caller has them; else the scan stops at that
    line. Both give the same answer: a construct's pattern never crosses a line break."""
    from debugllm.analysis.versions import unsupported

    index = LineIndex(source)
    stop = index.line_end(index.line_of(first.start))
    if constructs is None:
        constructs = unsupported(source, stop=stop)
    return constructs[0] if constructs and constructs[0].start <= stop else None


def checkable_syntax_errors(
    source: str,
    deadline: float | None = None,
    filename: str = "<file>",
    first: SyntaxError | None = None,
    scan_from: int = 0,
    constructs: list[Construct] | None = None,
) -> list[Problem]:
    """``find_syntax_errors``, stopped at the first construct of a newer Python.

    After a real error, such a construct would be the next "error" and repair-and-continue
    would "fix" valid newer code: the errors from its line on are not reported (the next
    analysis, once the real errors are fixed, reports the construct itself).

    ``first`` is CPython's first error when known to be a parse error, and ``scan_from`` the
    offset from which to look for newer syntax (the text before it compiled on this Python);
    ``constructs``: those the caller found already (``unsupported``'s from ``scan_from`` on).
    """
    # Imported here: the listing pulls in the repair engine, which the CLI and the server load
    # only once a file does not parse (see load_recovery).
    from debugllm.analysis.syntax_errors import find_syntax_errors
    from debugllm.analysis.versions import unsupported

    found = find_syntax_errors(source, deadline=deadline, filename=filename, first=first)
    if constructs is None:
        constructs = unsupported(source, start=scan_from)
    if not constructs:
        return found
    index = LineIndex(source)
    cut = index.line_starts[index.line_of(constructs[0].start)]
    return [p for p in found if p.start < cut]


def _analyze_large(source: str, filename: str, target: tuple[int, int] | None) -> Analysis:
    """CPython's first syntax error only, from its cheapest pass (parser and symbol table).

    Recovery would re-parse the file once per error and the static checks need the Python AST:
    each costs seconds at this size.
    """
    from debugllm.analysis.versions import construct_problem

    problem = cheap_syntax_error(source, filename)
    if problem is not None:
        newer = _newer_before(source, problem)
        if newer is not None:
            problem = construct_problem(source, newer, target)
    problems = without_suppressed(source, [problem] if problem is not None else [])
    return Analysis(source, tuple(problems), None, filename, static_checked=False)


def cheap_syntax_error(source: str, filename: str = "<file>") -> Problem | None:
    """CPython's first syntax error from its cheapest full pass (parser and symbol table: no
    Python AST, so a fraction of the time and memory of ``compiled_tree``)."""
    from debugllm.analysis.syntax import compile_fault, fault_to_problem

    fault = compile_fault(source, filename, stage="symbols")
    return fault_to_problem(source, fault) if fault is not None else None
