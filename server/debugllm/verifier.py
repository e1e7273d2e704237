"""The verifier: nothing is offered as a fix until it passes here.

A candidate is accepted only if its fixed text has no syntax error it did not have before, the
problem it targets is gone, and no new problem appeared. Syntax errors are compared by line
(mapped through the edit) because CPython's messages for later, recovered errors may vary;
static problems by ``(code, subject)``.
"""

from __future__ import annotations

import ast
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from debugllm.analysis.analyzer import (
    PARSE_FAILURES,
    Analysis,
    AnalysisOptions,
    cheap_syntax_error,
    checkable_syntax_errors,
    compiled_tree,
    load_recovery,
)
from debugllm.analysis.scoped import ScopedStatic, verdict_keys
from debugllm.analysis.static import analyze_static
from debugllm.analysis.suppressions import without_suppressed
from debugllm.candidates import Candidate
from debugllm.problems import Code, Problem, Severity
from debugllm.text import Edit, LineIndex, apply_edits


@dataclass(frozen=True)
class Verdict:
    accepted: bool
    reason: str
    fixed_source: str = ""


def map_offset_back(offset: int, edits: Iterable[Edit]) -> int:
    """Where an offset of the edited text was in the text before ``edits``."""
    delta = 0
    for edit in sorted(edits):
        new_end = edit.start + delta + len(edit.new_text)
        if offset < edit.start + delta:
            break
        if offset < new_end:
            return edit.start
        delta += len(edit.new_text) - (edit.end - edit.start)
    return offset - delta


#: Texts shorter than this are always checked whole: the whole-file check costs under ~90 ms
#: there (1,000 lines), and on the 311-line file of bench/lsp_latency.py the scoped path made
#: the first codeAction/resolve 2-3x slower (cause not found; see bench/RESULTS-lsp.md).
SCOPED_MIN_CHARS = 30_000


class Verifier:
    def __init__(
        self,
        options: AnalysisOptions | None = None,
        *,
        scoped: bool = True,
        scoped_min_chars: int = SCOPED_MIN_CHARS,
    ) -> None:
        self.options = options or AnalysisOptions()
        #: Judge a fix inside one function by that function (``analysis.scoped``); False: always
        #: the whole file (the reference the differential tests compare against).
        self.scoped = scoped
        self.scoped_min_chars = scoped_min_chars
        self._scoped: dict[str, ScopedStatic] = {}
        self._scoped_lock = threading.Lock()

    def verify(self, before: Analysis, candidate: Candidate) -> Verdict:
        source = before.source
        try:
            fixed = apply_edits(source, candidate.edits)
        except ValueError as exc:
            return Verdict(False, f"edits do not apply: {exc}")
        if fixed == source:
            return Verdict(False, "the candidate changes nothing")
        # One parse answers both questions when the fix compiles, the common case; only a
        # text that still fails needs the (slower) search for every remaining error.
        tree: ast.Module | None = None
        found: list[Problem] = []
        if not before.static_checked:
            # A file too large for the static checks is judged on syntax alone, by the same
            # cheap pass as its analysis: a full parse and static check take seconds and GBs.
            first = cheap_syntax_error(fixed, before.filename)
            found = [first] if first is not None else []
        else:
            try:
                tree = compiled_tree(fixed, before.filename)
            except PARSE_FAILURES:
                load_recovery()
                deadline = time.monotonic() + self.options.syntax_budget_s
                # Errors up to any syntax of a newer Python, as the analysis reported them.
                found = checkable_syntax_errors(fixed, deadline, before.filename)
        found_syntax = bool(found)
        # Filtered like `analyze` filters the original's, or a suppressed error looks new.
        after_syntax = without_suppressed(fixed, found)
        index = LineIndex(source)
        before_lines = Counter(_lines(index, before.syntax_errors))
        after_lines = Counter(_lines(index, after_syntax, candidate.edits))
        target = candidate.target
        if target.is_syntax:
            target_line = index.line_of(target.start)
            if after_lines[target_line] >= before_lines[target_line]:
                return Verdict(False, "the syntax error it targets is still there")
        new_lines = after_lines - before_lines
        if new_lines:
            line = min(new_lines) + 1
            return Verdict(False, f"it introduces a new syntax error on line {line}")
        if found_syntax:
            # Static checks need a parse; a partial syntax fix is judged on syntax alone (errors
            # a suppression comment hides included).
            return Verdict(True, "fewer syntax errors, none new", fixed)
        if not before.static_checked:
            return Verdict(True, "the file parses (a file without static checks)", fixed)
        if tree is None:
            from debugllm.analysis.versions import unsupported  # rare: loaded when due

            if unsupported(fixed):
                # What is left is syntax of a newer Python, which this interpreter cannot check.
                return Verdict(True, "no syntax error before syntax of a newer Python", fixed)
            # The search ran out of time before naming the error.
            return Verdict(False, "the fixed text does not parse")
        return self._verify_static(before, candidate, fixed, tree)

    def _verify_static(
        self, before: Analysis, candidate: Candidate, fixed: str, tree: ast.Module
    ) -> Verdict:
        if before.parses:
            after_keys = self._scoped_keys(before, candidate, fixed, tree)
            if after_keys is None:
                after = analyze_static(fixed, tree, self.options.checks, before.filename)
                after_keys = verdict_keys(after)
            before_keys = Counter(
                p.key() for p in before.problems if p.severity <= Severity.WARNING
            )
            target = candidate.target
            # A "fix this function" request (code FOREIGN) targets no diagnostic of ours: it
            # is judged on "parses, nothing new" alone.
            if (
                not target.is_syntax
                and target.code != Code.FOREIGN
                and after_keys[target.key()] >= before_keys[target.key()]
            ):
                return Verdict(False, f"'{target.message}' is still reported")
            if target.code != Code.FOREIGN:
                before_keys[target.key()] -= 1
            new = after_keys - before_keys
            if new:
                code, subject = sorted(new)[0]
                return Verdict(False, f"it introduces a new problem: {code} '{subject}'")
            return Verdict(True, "the problem is gone and nothing new is reported", fixed)
        # The original did not parse, so there is no static baseline: reject errors inside the
        # text the fix wrote (e.g. a "keyword typo" fix that invents an undefined name).
        after = analyze_static(fixed, tree, self.options.checks, before.filename)
        spans = _written_spans(candidate.edits)
        for problem in after:
            if problem.severity == Severity.ERROR and any(
                problem.start < end and start < max(problem.end, problem.start + 1)
                for start, end in spans
            ):
                return Verdict(False, f"it introduces a new problem: {problem.message}")
        return Verdict(True, "the file parses and the fix adds no error", fixed)

    def _scoped_keys(
        self, before: Analysis, candidate: Candidate, fixed: str, tree: ast.Module
    ) -> Counter[tuple[str, str]] | None:
        """The fixed text's verdict keys from the one function the fix edits, when that is
        proven to give the whole file's answer (``analysis.scoped``)."""
        if not self.scoped or before.tree is None or len(before.source) < self.scoped_min_chars:
            return None
        with self._scoped_lock:  # fix plans verify in worker threads
            scoped = self._scoped.get(before.filename)
            if scoped is None:
                scoped = self._scoped[before.filename] = ScopedStatic(
                    self.options.checks, before.filename
                )
                while len(self._scoped) > 4:
                    del self._scoped[next(iter(self._scoped))]
        try:
            return scoped.after_keys(before.source, before.tree, candidate.edits, fixed, tree)
        except (RecursionError, MemoryError):
            return None  # the whole-file check decides (it survives these by itself)


def _lines(index: LineIndex, problems: Iterable[Problem], edits: Iterable[Edit] = ()) -> list[int]:
    """0-based lines of ``problems`` in the text of ``index``; offsets of a text made by
    ``edits`` are mapped back through them first."""
    edits = tuple(edits)
    return [index.line_of(map_offset_back(p.start, edits)) for p in problems]


def _written_spans(edits: Iterable[Edit]) -> list[tuple[int, int]]:
    """Where each edit's new text lies in the edited text (half-open offsets)."""
    spans: list[tuple[int, int]] = []
    delta = 0
    for edit in sorted(edits):
        start = edit.start + delta
        spans.append((start, start + len(edit.new_text)))
        delta += len(edit.new_text) - (edit.end - edit.start)
    return spans
