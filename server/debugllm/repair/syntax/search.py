"""Checking proposals: the window compiled around the error, whether a proposal gets past the
error there (or fails only where a separate error lies), and ranking the proposals."""

from __future__ import annotations

import ast
import re
import textwrap
import time
import warnings
from dataclasses import dataclass
from typing import NamedTuple

from debugllm.analysis.syntax import Fault, compile_fault, fault_to_problem
from debugllm.repair.oddity import oddity
from debugllm.repair.syntax.context import (
    CONTINUATION_KEYWORDS,
    INDENT_MESSAGES,
    INDENTED_BLOCK,
    NEVER_CLOSED,
    OPENERS,
    PAIRS,
    UNMATCHED,
    Ctx,
    Proposal,
    first_word,
    indent_of,
    message_class,
    width_of,
)
from debugllm.repair.syntax.generators import propose
from debugllm.text import line_breaks

#: Characters per second the parser and symbol table get through, to skip a whole-file check
#: the deadline leaves no time for.
_CHECK_SPEED = 4_000_000
#: Stop after this many compiles; a window the size of a function compiles in well under 1 ms.
_MAX_CHECKS = 300
#: Once something works, proposals costing this much more than it are not worth a compile.
_MARGIN = 2.0
#: A fix that leaves a later error standing ranks below one after which the window parses.
_PARTIAL_PENALTY = 1.5
#: The same for an unterminated triple-quoted string closed before a later, separate error.
_TRIPLE_PARTIAL_PENALTY = 0.25
#: Errors CPython's tokenizer raises: reported before any parser error, wherever it lies.
_TOKENIZER_ERRORS = (
    "unterminated",
    "unmatched",
    "closing parenthesis",
    "unindent does not match",
    "inconsistent use of tabs",
    "invalid character",
    "unexpected EOF",
)

_DEFINITIONS = frozenset({"def", "class", "async"})
#: CPython's errors for a jump no loop holds, and the statements that hold one.
_JUMP_MESSAGES = ("'break' outside loop", "'continue' not properly in loop")
_LOOPS = frozenset({"for", "while", "async"})

#: Indentation errors decided by the line before the failing one: a re-indented block may carry
#: one of its own along (see ``Search._carried``).
_CARRIED_MESSAGES = ("unexpected indent", "expected an indented block")
_STUBS = {"else": "else:", "try": "try:", "finally": "finally:", "except": "except:"}
_STUBS |= {"elif": "elif 1:", "case": "case _:"}


@dataclass(frozen=True)
class _Window:
    """Lines ``start:end`` compiled on their own. A nested window starts at an indented `def`,
    `class` or decorator and is compiled inside ``if 1:``, which keeps CPython's checks such
    as 'return' outside function meaningful for it."""

    start: int
    end: int
    nested: bool


class _Place(NamedTuple):
    """Where a proposal's result fails, in the original file's lines (0-based)."""

    line: int
    col: int
    inside: bool  # inside the replaced lines
    msg: str


def _new_line_count(text: str) -> int:
    breaks = len(line_breaks(text))
    return breaks + (0 if not text or text[-1] in "\r\n" else 1)


def _place(p: Proposal, fault: Fault) -> _Place:
    line = fault.line - 1
    added = _new_line_count(p.text)
    if line < p.first:
        return _Place(line, fault.col, False, fault.msg)
    if line < p.first + added:
        return _Place(p.first, fault.col, True, fault.msg)
    return _Place(line - added + p.last - p.first, fault.col, False, fault.msg)


class Search:
    def __init__(self, ctx: Ctx, deadline: float | None) -> None:
        self.ctx = ctx
        self.deadline = deadline
        self.checks = 0
        self.window = _Window(0, ctx.count, False)
        self._text = ctx.source
        self._offsets = [*ctx.starts, len(ctx.source)]
        self._baseline: int | None = None
        self._baseline_known = False
        self._baseline_msg = ""

    def expired(self) -> bool:
        return self.deadline is not None and time.monotonic() > self.deadline

    def _use(self, window: _Window) -> None:
        ctx = self.ctx
        self.window = window
        base = ctx.starts[window.start]
        end = ctx.starts[window.end] if window.end < ctx.count else len(ctx.source)
        self._text = ctx.source[base:end]
        self._offsets = [s - base for s in ctx.starts[window.start : window.end]]
        self._offsets.append(len(self._text))

    def calibrate(self, lo: int, hi: int) -> bool:
        """Pick the smallest window around lines ``lo:hi`` that reproduces the error."""
        for window in _windows(self.ctx, lo, hi):
            if self.expired():
                return False
            self._use(window)
            fault = self._compile(None)
            if fault is not None and (
                window == _Window(0, self.ctx.count, False) or fault.same_error(self.ctx.fault)
            ):
                return True
        return False

    def _compile(self, p: Proposal | None) -> Fault | None:
        window = self.window
        text = self._text
        if p is not None:
            a = self._offsets[p.first - window.start]
            b = self._offsets[p.last - window.start]
            text = text[:a] + p.text + text[b:]
        self.checks += 1
        if window.nested:
            # `nonlocal` names a variable of a function the window may leave out.
            stage = "parse" if "nonlocal" in text else "compile"
            return compile_fault("if 1:\n" + text, stage=stage, line_offset=window.start - 1)
        return compile_fault(text, line_offset=window.start)

    def _past(self, p: Proposal, place: _Place) -> bool:
        """Does a failure at ``place`` lie after both the edit and the original error?"""
        ctx = self.ctx
        return (
            not place.inside
            and place.line >= p.last
            and (place.line, place.col)
            > (
                ctx.line,
                ctx.col,
            )
        )

    def progress(self, p: Proposal) -> _Place | bool | None:
        """None when the window parses, the later failure, or False when it fails no later."""
        fault = self._compile(p)
        if fault is None:
            return None
        place = _place(p, fault)
        return place if self._past(p, place) else False

    def penalty(self, p: Proposal) -> float | None:
        """0 when the window parses after ``p``; a penalty when it fails only where the broken
        statement's removal fails too (a separate error); None to reject ``p``."""
        if self.ctx.msg.startswith("unterminated triple-quoted"):
            # Blanking one line cannot end an open string, so there is no baseline. CPython's
            # tokenizer reports the open string before any parser error, even an earlier one:
            # any other error once the string is closed is a separate one, before or after.
            fault = self._compile(p)
            if fault is None:
                return 0.0
            place = _place(p, fault)
            if place.inside or fault.msg.startswith(("unterminated", "unexpected EOF")):
                return None
            lines = self.ctx.lines
            following = next((i for i in range(p.last, len(lines)) if lines[i].strip()), p.last)
            if p.last <= place.line <= following:
                return None  # the very next line fails: the string's own text, closed too soon
            return _TRIPLE_PARTIAL_PENALTY
        fault = self._compile(p)
        if fault is None:
            return 0.0
        place = _place(p, fault)
        carried = self._carried(p, fault)
        if carried is not None:
            place = carried
        elif self._loose_jump(p, fault):
            return _PARTIAL_PENALTY
        elif not self._past(p, place):
            # CPython's tokenizer errors (an open string, an unmatched bracket, a bad dedent)
            # come before any parser error, even one on an earlier line: once the tokenizer
            # error is fixed, a parser error before the edit was there all along.
            earlier = not place.inside and place.line < p.first and place.line < self.ctx.line
            if (
                earlier
                and self.ctx.msg.startswith(_TOKENIZER_ERRORS)
                and not fault.msg.startswith(_TOKENIZER_ERRORS)
                and not self._caused_by(p, fault.msg)
            ):
                return _TRIPLE_PARTIAL_PENALTY
            return None
        outcome = place
        baseline = self.baseline()
        if baseline is None or outcome.line < baseline:
            return None
        # A bracket or quote the edit added may cause the later error, unless the statement's
        # removal leaves that very error too (`f(a, b:` / `if x):` has two mistakes).
        # A line that starts with the closer ends a bracket opened before it, which the edit
        # closed too early.
        same = outcome.line == baseline and outcome.msg == self._baseline_msg
        same = same and self.ctx.lines[outcome.line].lstrip()[:1] not in PAIRS
        if self._caused_by(p, outcome.msg) and not same:
            return None
        return _PARTIAL_PENALTY

    def _carried(self, p: Proposal, fault: Fault) -> _Place | None:
        """Where ``p`` re-indents a block holding a second indentation error of its own (a line
        too deep for the line before it, both moved alike): that error, as a later one."""
        # Only errors decided by the line before (not "unindent does not match", which
        # depends on every block around the line).
        if not fault.msg.startswith(_CARRIED_MESSAGES) or not _keeps_lines(p):
            return None
        line = fault.line - 1
        previous = self.ctx.previous_statement(line)
        if not p.first <= previous < line < p.last or line <= self.ctx.line:
            return None
        new = p.text.splitlines()
        old = self.ctx.lines[p.first : p.last]
        if [t.strip() for t in new] != [t.strip() for t in old]:
            return None  # not a pure re-indent

        def shift(i: int) -> int:
            return width_of(indent_of(new[i - p.first])) - self.ctx.width(i)

        if shift(line) != shift(previous):
            return None
        return _Place(line, fault.col, False, fault.msg)

    def _loose_jump(self, p: Proposal, fault: Fault) -> bool:
        """A re-indented block holding a `break` or `continue` that no loop held before either
        (a block indented under nothing): the jump outside any loop is a separate error, which
        the re-indent neither causes nor could fix."""
        if not fault.msg.startswith(_JUMP_MESSAGES) or not _keeps_lines(p):
            return False
        line = fault.line - 1
        if not p.first <= line < p.last or line <= self.ctx.line:
            return False
        if [t.strip() for t in p.text.splitlines()] != [
            t.strip() for t in self.ctx.lines[p.first : p.last]
        ]:
            return False  # not a pure re-indent
        ctx = self.ctx
        bound = ctx.width(line)
        for i in range(line - 1, -1, -1):
            if not ctx.is_statement(i) or ctx.width(i) >= bound:
                continue
            bound = ctx.width(i)
            if first_word(ctx.lines[i]) in _LOOPS:
                return False  # a loop held it: the re-indent moved it out
            if bound == 0:
                break
        return True

    def _caused_by(self, p: Proposal, msg: str) -> bool:
        """Could ``p`` itself cause a later bracket or string error? Adding or removing a
        bracket or quote shows up far away: "unmatched '}'" lines below an inserted '}'."""
        old = self.ctx.raw(p.first, p.last)
        touched = {c for c in "()[]{}'\"" if old.count(c) != p.text.count(c)}
        msg = message_class(msg)
        if msg.startswith("unterminated string literal"):
            return False  # a one-line string: what is wrong is on its own line
        if msg.startswith(("unterminated", "unexpected EOF")):
            return bool(touched)
        if msg == "unexpected indent":
            # A bracket closed too early makes its continuation lines an indented block.
            return any(p.text.count(c) > old.count(c) for c in ")]}")

        def added(c: str) -> int:
            return p.text.count(c) - old.count(c)

        # Closing a bracket cannot leave another one open, nor can opening one leave a closer
        # unmatched: only the opposite edits cause these two errors.
        never = NEVER_CLOSED.fullmatch(msg)
        if never:
            opener = never.group(1)
            return added(opener) > 0 or added(OPENERS[opener]) < 0
        unmatched = UNMATCHED.fullmatch(msg)
        if unmatched:
            closer = unmatched.group(1)
            return added(closer) > 0 or added(PAIRS[closer]) < 0
        quoted = set(re.findall(r"'(.)'", msg))
        return bool(quoted & {c for t in touched for c in (t, *PAIRS.get(t, ""))})

    def baseline(self) -> int | None:
        """The line where the window fails with the broken statement blanked, if it does."""
        if not self._baseline_known:
            self._baseline_known = True
            neutral = neutral_proposal(self.ctx, 0)
            if self.window.start <= neutral.first and neutral.last <= self.window.end:
                outcome = self.progress(neutral)
                if isinstance(outcome, _Place):
                    self._baseline = outcome.line
                    self._baseline_msg = outcome.msg
        return self._baseline

    def confirm(self, p: Proposal) -> bool:
        """Check ``p`` on the whole file, which the window may not show all of: the parser and
        symbol table on the file, and a full compile of the top-level statement it is in. Skipped
        when the deadline leaves no time for it (the window is checked to reproduce the error)."""
        ctx = self.ctx
        window = self.window
        if window == _Window(0, ctx.count, False):
            return True
        needed = len(ctx.source) / _CHECK_SPEED
        if self.deadline is not None and time.monotonic() + needed > self.deadline:
            return True
        fixed = ctx.source[: self._offsets_whole(p.first)] + p.text
        fixed += ctx.source[self._offsets_whole(p.last) :]
        fault = compile_fault(fixed, stage="symbols")
        # An error before the window was there all along, hidden behind the syntax error.
        place = _place(p, fault) if fault is not None else None
        if place is not None and fault is not None and self._carried(p, fault) is not None:
            place = None  # the block's own second error, moved along with it
        if place is not None and not self._past(p, place) and place.line >= window.start:
            return False
        if not window.nested:
            return True
        top = next((w for w in _windows(ctx, window.start, window.end) if not w.nested), None)
        if top is None:
            return True
        a = self._offsets_whole(top.start)
        chunk = fixed[a : self._offsets_whole(top.end) + len(fixed) - len(ctx.source)]
        fault = compile_fault(chunk, line_offset=top.start)
        return fault is None or self._past(p, _place(p, fault))

    def oddity(self, p: Proposal) -> float:
        """A penalty when ``p`` compiles into code nobody writes or that fails at run time
        (see ``repair.oddity``), judged on the lines it replaces."""
        window = self.window
        text = self._text
        a = self._offsets[p.first - window.start]
        b = self._offsets[p.last - window.start]
        text = text[:a] + p.text + text[b:]
        prefix = ""
        if window.nested:
            # Parsed as the class body it is, when it is one: a loop there is odd.
            prefix = "class _:\n" if self._in_class(window.start) else "if 1:\n"
        first = p.first - window.start + 1 + bool(prefix)
        last = first + _new_line_count(p.text) - 1
        # CPython's SyntaxWarnings for user code must not reach stderr (the JSON log).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                tree = ast.parse(prefix + text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                # Another error further on: judge the replaced lines on their own, when they
                # are whole statements.
                try:
                    tree = ast.parse(textwrap.dedent(p.text))
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return 0.0
                first, last = 1, _new_line_count(p.text)
        return oddity(tree, first, last, self.ctx.names)

    def _in_class(self, line: int) -> bool:
        """Is the statement at ``line`` directly in a class body?"""
        ctx = self.ctx
        width = ctx.width(line)
        for i in range(line - 1, -1, -1):
            if ctx.is_statement(i) and ctx.width(i) < width:
                return first_word(ctx.lines[i]) == "class"
        return False

    def _offsets_whole(self, line: int) -> int:
        ctx = self.ctx
        return ctx.starts[line] if line < ctx.count else len(ctx.source)


def _windows(ctx: Ctx, lo: int, hi: int) -> list[_Window]:
    """Windows holding lines ``lo:hi``, smallest first, ending with the whole file."""
    nested: int | None = None
    top = 0
    bound = 1 << 30
    for i in range(min(hi, ctx.count) - 1, -1, -1):
        if not ctx.is_statement(i):
            continue
        width = ctx.width(i)
        if i <= lo and width <= bound and first_word(ctx.lines[i]) not in CONTINUATION_KEYWORDS:
            if width == 0:
                top = i
                break
            # A nested window is one definition: everything after its first line is inside it.
            if nested is None and width < bound and first_word(ctx.lines[i]) in _DEFINITIONS:
                nested = i
        bound = min(bound, width)
    found: list[_Window] = []
    for start in (nested, top):
        if start is None:
            continue
        for strict in (False, True):
            window = _Window(start, _window_end(ctx, start, hi, strict), ctx.width(start) > 0)
            if window not in found:
                found.append(window)
    for window in (_Window(top, ctx.count, False), _Window(0, ctx.count, False)):
        if window not in found:
            found.append(window)
    return found


_STATEMENT_CHAR = re.compile(r"[A-Za-z_@]")


def _window_end(ctx: Ctx, start: int, hi: int, strict: bool) -> int:
    """The first statement after line ``hi`` indented no deeper than ``start``. ``strict``
    trusts the bracket depth of the scan; otherwise any line that looks like a statement."""
    base = ctx.width(start)
    scan = ctx.scan
    for j in range(max(hi, ctx.line + 1), ctx.count):
        if not ctx.is_code(j) or scan.continued[j] or (strict and scan.depth[j]):
            continue
        width = ctx.width(j)
        if width > base:
            continue
        if not strict and not _STATEMENT_CHAR.match(ctx.lines[j], len(indent_of(ctx.lines[j]))):
            continue
        if width == base and first_word(ctx.lines[j]) in CONTINUATION_KEYWORDS:
            continue
        return j
    return ctx.count


def neutral_proposal(ctx: Ctx, extra: int) -> Proposal:
    """Blank the broken statement (and ``extra`` more lines), keeping the line count: its first
    line becomes ``pass``, or a header stub such as ``if 1:`` when a block follows."""
    block = INDENTED_BLOCK.fullmatch(ctx.msg)
    if block and 0 < int(block.group(2)) <= ctx.count:
        start = int(block.group(2)) - 1
    elif ctx.msg.startswith(INDENT_MESSAGES):
        start = ctx.line
    else:
        start = ctx.statement_start(ctx.line)
    end = min(max(ctx.line, start) + 1 + extra, ctx.count)
    ws = indent_of(ctx.lines[start])
    if ctx.msg.startswith(INDENT_MESSAGES):
        levels = ctx.levels(start)
        ws = levels[0] if levels else ""
    following = ctx.next_code(end - 1)
    has_body = not block and following < ctx.count and ctx.width(following) > width_of(ws)
    stub = _STUBS.get(first_word(ctx.lines[start]), "if 1:") if has_body else "pass"
    new_lines = [ws + stub] + [""] * (end - start - 1)
    return ctx.lines_to(start, end, new_lines, 0.0, "neutral", "Blank the statement")


def _needs_from(ctx: Ctx, p: Proposal) -> int:
    """The first line a window must hold to check ``p``: a line starting with `else` or
    `except` needs the statement before it; a top-level line indented by ``p`` joins the
    top-level statement before it."""
    if first_word(p.text) in CONTINUATION_KEYWORDS:
        return p.first - 1
    if ctx.width(p.first) == 0 and p.text[:1] in " \t":
        for i in range(p.first - 1, max(p.first - 2000, -1), -1):
            if ctx.is_statement(i) and ctx.width(i) == 0:
                return i
    return p.first


def rank(ctx: Ctx, search: Search, max_candidates: int) -> list[tuple[float, Proposal]]:
    proposals = propose(ctx)
    if not proposals:
        return []
    lo = min(_needs_from(ctx, p) for p in proposals)
    hi = max(p.last for p in proposals)
    if not search.calibrate(max(lo, 0), hi):
        return []
    accepted: list[tuple[float, Proposal]] = []
    wanted = max_candidates + 1  # one spare, in case the best fails on the whole file
    partial = True  # every accepted edit only gets as far as a second error
    for p in proposals:
        if search.expired() or search.checks >= _MAX_CHECKS:
            break
        if accepted and p.cost > accepted[0][0] + _MARGIN:
            break
        # Guesses (which operator?) do not end the search for a repair that may be applied.
        firm = [a for a in accepted if not a[1].guess]
        if len(firm) >= wanted and p.cost >= firm[wanted - 1][0]:
            break
        penalty = search.penalty(p)
        if penalty is not None:
            accepted.append((p.cost + penalty + search.oddity(p), p))
            accepted.sort()
            partial = partial and penalty >= _PARTIAL_PENALTY
    if partial:
        # Nothing single gets the window to parse: two edits may (two slips on a line, a
        # line too shallow above one too deep).
        accepted = sorted(accepted + _pairs(ctx, search, proposals, wanted, bool(accepted)))
    return accepted


#: Two slips on one line (`-> 'None` without its ':', `if a = 1 or b = 2:`): when no single
#: edit gets past the error, the cheapest edits are followed by the edits the next error asks
#: for, on the same lines.
_PAIR_FIRST = 4
_PAIR_SECOND = 6
_PAIR_COST = 0.4


def _pairs(
    ctx: Ctx, search: Search, proposals: list[Proposal], wanted: int, enabling: bool
) -> list[tuple[float, Proposal]]:
    """Pairs of edits that get past the error. With ``enabling``, only a first edit before the
    error line that leaves that same error, for a second one it makes possible (`sum = 0` too
    shallow above a loop too deep: the loop's level exists only once `sum = 0` moves); other
    second errors are left to the next pass, which fixes them on their own."""
    accepted: list[tuple[float, Proposal]] = []
    firsts = [p for p in proposals if _keeps_lines(p) and p.cost <= proposals[0].cost + _MARGIN]
    for p in firsts[:_PAIR_FIRST]:
        if search.expired() or search.checks >= _MAX_CHECKS:
            break
        if enabling and p.last > ctx.line:
            continue
        fault = search._compile(p)
        end = p.last + 1 if enabling else p.last  # an enabling edit's error is on the next line
        if fault is None or not p.first <= fault.line - 1 < end:
            continue  # parses (then it was accepted already), or fails elsewhere
        if search._caused_by(p, fault.msg):
            continue  # `(lo( hi)`: the next error is the edit's own bracket, not a second slip
        source = ctx.source[: ctx.starts[p.first]] + p.text
        source += ctx.source[search._offsets_whole(p.last) :]
        later = Ctx(source, fault_to_problem(source, fault))
        if ((later.line, later.msg) == (ctx.line, ctx.msg)) != enabling:
            continue
        for q in propose(later)[:_PAIR_SECOND]:
            if search.expired() or not _keeps_lines(q):
                continue
            first, last = min(p.first, q.first), max(p.last, q.last)
            if not search.window.start <= first < last <= search.window.end:
                continue
            text = later.raw(first, q.first) + q.text + later.raw(q.last, last)
            cost = p.cost + q.cost + _PAIR_COST
            title = f"{p.title}; {q.title[:1].lower()}{q.title[1:]}"
            both = Proposal(cost, first, last, text, p.kind, title, p.facts, p.guess, q)
            penalty = search.penalty(both)
            if penalty is not None:
                accepted.append((cost + penalty, both))
        if len(accepted) >= wanted:
            break
    return sorted(accepted)


#: Line numbers CPython writes into a message ("... after 'for' statement on line 4").
def _keeps_lines(p: Proposal) -> bool:
    return _new_line_count(p.text) == p.last - p.first
