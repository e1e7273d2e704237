"""Repairing syntax errors: a best-first search over small edits, each checked by CPython.

Generators propose edits: those CPython's message asks for (a missing ':' or ')', a string to
close, an indentation level), common slips (a misspelled keyword, '=' for '==', C-style
operators) and generic one-token edits near the error. Proposals are tried cheapest first, each
compiled in a small window around the error (the enclosing function or top-level statement,
first checked to reproduce the original error), so a large file costs about what a small one
does. A proposal counts only when the window then parses, or fails further on where blanking the
broken statement fails too (a separate error). The winner is confirmed on the whole file.

To add a repair: write a generator ``_gen_x(ctx) -> Iterator[_Proposal]``, list it in
``_GENERATORS`` and give its kind a template in ``catalog.py``.
"""

from __future__ import annotations

import ast
import bisect
import builtins
import itertools
import keyword
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from debugllm.analysis.syntax import (
    EXACT_OFFSET,
    Fault,
    LineScan,
    compile_fault,
    fault_to_problem,
    scan_lines,
)
from debugllm.candidates import Candidate
from debugllm.problems import Problem
from debugllm.repair.catalog import explain
from debugllm.repair.oddity import ITERABLE, FileNames, oddity
from debugllm.repair.plausibility import TokenModel
from debugllm.text import LINE_BREAK, Edit, minimal_edits

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
#: Longer lines are left alone: generated code, where token-level search costs too much.
_MAX_LINE = 4000
#: Limits of the parser rather than mistakes: nothing to repair.
_LIMITS = ("too many nested parentheses", "too many levels of indentation", "too deeply nested")
#: Lines scanned past the error when looking for the end of its window.
_SCAN_AHEAD = 400
#: How far before the error the scan looks for a place to start.
_SCAN_BACK = 4000
_PLAIN_STATEMENT = re.compile(r"[A-Za-z_]\w*\s*(?:=[^=]|\()")
#: Lines that almost surely start a top-level statement outside any string or bracket.
_RESTART = re.compile(r"(?:async\s+def|def|class)\s+\w+\s*[(:]|@\w")

_OPENERS = {"(": ")", "[": "]", "{": "}"}
_PAIRS = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{"}
_KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}
_CONTINUATION_KEYWORDS = frozenset({"else", "elif", "except", "finally", "case"})
_HEADER_KEYWORDS = frozenset(
    {"if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with"}
    | {"async", "match", "case"}
)
_STATEMENTS = {
    "for": ("`for` loop statement", "loop block"),
    "while": ("`while` loop statement", "loop block"),
    "if": ("`if` statement", "conditional block"),
    "elif": ("`elif` clause", "conditional block"),
    "else": ("`else` clause", "block"),
    "def": ("function definition (`def`)", "function body"),
    "class": ("class definition (`class`)", "class body"),
    "try": ("`try` statement", "block"),
    "except": ("`except` clause", "handler block"),
    "finally": ("`finally` clause", "block"),
    "with": ("`with` statement", "block"),
    "match": ("`match` statement", "block of cases"),
    "case": ("`case` clause", "block"),
    "lambda": ("`lambda` expression", "body"),
}
_DEFINITIONS = frozenset({"def", "class", "async"})
_TERMINAL_KEYWORDS = frozenset({"return", "raise", "break", "continue"})
_CONDITION_KEYWORDS = frozenset({"if", "elif", "while", "assert", "return"})
_OUTSIDE = re.compile(r"'(return|yield|break|continue|await)' (?:outside|not properly in) (\w+)")
_NEVER_CLOSED = re.compile(r"'([(\[{])' was never closed")
_UNMATCHED = re.compile(r"unmatched '([)\]}])'")
_MISMATCH = re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'")
_INDENTED_BLOCK = re.compile(r"expected an indented block after (.*) on line (\d+)")
_LOOKS_LIKE_CODE = re.compile(
    r"[\w.\[\]]+(?:\s*,\s*[\w.\[\]]+)*\s*(?:[-+*/%|&^]?=(?!=)|\()|@\w|[)\]}]"
)
_ATOM_END = frozenset({"name", "number", "string", "close"})
_ATOM_START = frozenset({"name", "number", "string", "open"})
#: Messages where CPython saw a token it did not expect (rather than a tokenizer or indent error).
_PLAIN_INVALID = ("invalid syntax", "invalid syntax. Perhaps you forgot a comma?", "expected ':'")


class _Tok(NamedTuple):
    kind: str  # name number string op open close comment other
    start: int
    end: int
    text: str


class _Open(NamedTuple):
    char: str
    line: int
    col: int


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\f\v]+)
   |(?P<comment>\#.*)
   |(?P<string>[rRbBuUfF]{0,3}(?:'''|\"\"\"|'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?))
   |(?P<number>(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?|\.\d[\d_]*)[jJ]?)
   |(?P<name>[^\W\d]\w*)
   |(?P<op>\*\*=|//=|>>=|<<=|!=|->|:=|\.\.\.|[-+*/%&|^@<>=]=|\*\*|//|<<|>>|[-+*/%&|^~@<>=.,:;!])
   |(?P<open>[(\[{])
   |(?P<close>[)\]}])
   |(?P<other>.)
    """,
    re.VERBOSE,
)


def _lex(text: str, in_string: str) -> list[_Tok]:
    """Tokens of one physical line; ``in_string`` is the quote of a string it starts inside."""
    tokens: list[_Tok] = []
    pos = 0
    if in_string:
        end = text.find(in_string)
        if end < 0:
            return [_Tok("string", 0, len(text), text)] if text else []
        pos = end + len(in_string)
        tokens.append(_Tok("string", 0, pos, text[:pos]))
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        assert match is not None and match.lastgroup is not None  # `other` matches any char
        kind = match.lastgroup
        end = match.end()
        if kind == "string":
            quote = match.group().lstrip("rRbBuUfF")[:3]
            if quote in ("'''", '"""'):
                close = text.find(quote, end)
                end = len(text) if close < 0 else close + 3
        if kind != "ws":
            tokens.append(_Tok(kind, pos, end, text[pos:end]))
        pos = end
    return tokens


def _indent(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t\f"))]


def _width(ws: str) -> int:
    return len(ws.expandtabs(8))


def _distance(a: str, b: str) -> int:
    """Edit distance where swapping two neighbouring letters counts as one edit."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            row[j] = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                row[j] = min(row[j], rows[-2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _facts(**facts: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in facts.items())


@dataclass(frozen=True, order=True)
class _Proposal:
    """Replace lines ``first:last`` (0-based, with their terminators) by ``text``."""

    cost: float
    first: int
    last: int
    text: str
    kind: str = field(compare=False)
    title: str = field(compare=False)
    facts: tuple[tuple[str, str], ...] = field(compare=False, default=())
    #: One of several plausible programs (see ``Candidate.guess``).
    guess: bool = field(compare=False, default=False)
    #: A second slip on the same lines, fixed by the same edit (see ``_pairs``).
    then: _Proposal | None = field(compare=False, default=None)


class _Ctx:
    """The file under repair, split into lines, and the error's place (0-based lines)."""

    def __init__(self, source: str, problem: Problem) -> None:
        self.source = source
        self.problem = problem
        self.lines = LINE_BREAK.split(source)
        self.eol = [*LINE_BREAK.findall(source), ""]
        self.count = len(self.lines)
        self.starts = [
            0,
            *itertools.accumulate(
                len(t) + len(e) for t, e in zip(self.lines, self.eol, strict=True)
            ),
        ][:-1]
        self.newline = "\r\n" if "\r\n" in source else "\n"
        self.msg = problem.message
        exact = dict(problem.extra).get(EXACT_OFFSET)
        start = int(exact) if exact is not None else problem.start
        start = min(max(start, 0), len(source))
        end = min(max(problem.end, start), len(source))
        self.line = bisect.bisect_right(self.starts, start) - 1
        self.col = start - self.starts[self.line]
        self.end_line = bisect.bisect_right(self.starts, end) - 1
        self.end_col = end - self.starts[self.end_line]
        self.fault = Fault(problem.code, problem.message, self.line + 1, self.col, 0, 0)
        self._tokens: dict[int, list[_Tok]] = {}
        self._code: dict[int, list[_Tok]] = {}

    def raw(self, first: int, last: int) -> str:
        """Lines ``first:last`` with their terminators."""
        if first >= self.count:
            return ""
        end = self.starts[last] if last < self.count else len(self.source)
        return self.source[self.starts[first] : end]

    @cached_property
    def scan(self) -> LineScan:
        # Scanning a large file from its start is the slowest step: begin at the last top-level
        # definition well before the error (a guess the window calibration checks).
        first = 0
        checks = 0
        for i in range(self.line - 4, max(self.line - _SCAN_BACK, 0) - 1, -1):
            plain = i < self.line - _SCAN_BACK // 2 and _PLAIN_STATEMENT.match(self.lines[i])
            if (_RESTART.match(self.lines[i]) or plain) and checks < 5:
                checks += 1
                before = self.source[: self.starts[i]]
                if before.count('"""') % 2 == 0 and before.count("'''") % 2 == 0:
                    first = i
                    break
        stop = min(self.line + _SCAN_AHEAD, self.count - 1)
        return scan_lines(self.source, self.starts, stop, first)

    @cached_property
    def names(self) -> FileNames:
        return FileNames(self.source)

    @cached_property
    def unit(self) -> str:
        """The file's indentation step: the most common increase (four spaces by default)."""
        steps: dict[str, int] = {}
        previous = ""
        for text in self.lines[: min(self.count, 2000)]:
            if not text.strip() or text.lstrip().startswith("#"):
                continue
            ws = _indent(text)
            if len(ws) > len(previous) and ws.startswith(previous):
                step = ws[len(previous) :]
                steps[step] = steps.get(step, 0) + 1
            previous = ws
        return max(sorted(steps), key=steps.__getitem__) if steps else "    "

    def tokens(self, line: int) -> list[_Tok]:
        """The line's tokens; none for very long lines (generated code, not worth the time)."""
        if not 0 <= line < self.count or len(self.lines[line]) > _MAX_LINE:
            return []
        if line not in self._tokens:
            self._tokens[line] = _lex(self.lines[line], self.scan.string[line])
        return self._tokens[line]

    def code(self, line: int) -> list[_Tok]:
        if line not in self._code:
            self._code[line] = [t for t in self.tokens(line) if t.kind != "comment"]
        return self._code[line]

    def is_code(self, line: int) -> bool:
        """Has code and starts outside any string (not blank, not only a comment)."""
        text = self.lines[line].lstrip()
        return bool(text) and not text.startswith("#") and not self.scan.string[line]

    def is_statement(self, line: int) -> bool:
        return self.is_code(line) and self.scan.is_logical_start(line)

    def statement_start(self, line: int) -> int:
        """The first physical line of the logical line holding ``line`` (a guess)."""
        for i in range(line, max(line - 200, -1), -1):
            if self.is_statement(i):
                return i
        return line

    def keyword(self, line: int) -> str:
        """The statement's first word (``for``, ``def`` ...; ``async`` skipped)."""
        words = [t.text for t in self.code(self.statement_start(line))[:2] if t.kind == "name"]
        if len(words) > 1 and words[0] == "async":
            return words[1]
        return words[0] if words else ""

    def code_end(self, line: int) -> int:
        code = self.code(line)
        return code[-1].end if code else len(_indent(self.lines[line]))

    def width(self, line: int) -> int:
        return _width(_indent(self.lines[line]))

    def previous_statement(self, line: int) -> int:
        for i in range(line - 1, -1, -1):
            if self.is_statement(i):
                return i
        return -1

    def next_code(self, line: int) -> int:
        for i in range(line + 1, self.count):
            if self.is_code(i):
                return i
        return self.count

    def names_near(self, line: int) -> set[str]:
        names: set[str] = set()
        for i in range(max(line - 40, 0), min(line + 40, self.count)):
            if i != line:
                names.update(t.text for t in self.code(i) if t.kind == "name")
        return names

    def is_header(self, line: int) -> bool:
        """Does the statement starting at ``line`` end with ':' (so a block follows)?"""
        last = line
        while last + 1 < self.count and not self.scan.is_logical_start(last + 1):
            last += 1
            if last - line > 50:
                break
        for i in range(last, line - 1, -1):
            code = self.code(i)
            if code:
                return code[-1].text == ":"
        return False

    def block_end(self, line: int, mode: str) -> int:
        """End (exclusive) of what moves with the statement at ``line``: in mode "line" the
        statement alone, in "block" with the block under it, in "run" also the statements after
        it at its indentation, with their blocks, in "para" those up to a blank line."""
        base = self.width(line)
        body = 0  # indentation of the current block under a header; 0 when none
        end = line + 1
        blank = False
        for i in range(line + 1, self.count):
            if not self.is_code(i):
                blank = blank or not self.lines[i].strip()
                continue
            if not self.scan.is_logical_start(i):
                end = i + 1
                continue
            width = self.width(i)
            run = mode == "run" or (mode == "para" and not blank)
            if mode == "line" or width < base or (width == base and not run):
                break
            if width == base:
                body = 0
            elif body == 0:
                if not self.is_header(self.statement_start(end - 1)):
                    break
                body = width
            elif width < body:
                break
            end = i + 1
        return end

    def shifted(self, first: int, last: int, target: str) -> list[str]:
        """Lines ``first:last`` re-indented so ``first`` starts at ``target``, the rest keeping
        their indentation relative to it (lines inside strings are left alone)."""
        old = _indent(self.lines[first])
        delta = _width(target) - _width(old)
        out: list[str] = []
        for i in range(first, last):
            text = self.lines[i]
            ws = _indent(text)
            if self.scan.string[i] or not text.strip():
                out.append(text)
            elif ws.startswith(old):
                out.append(target + ws[len(old) :] + text[len(ws) :])
            else:
                out.append(" " * max(_width(ws) + delta, 0) + text[len(ws) :])
        return out

    def levels(self, line: int) -> list[str]:
        """Indentations a statement at ``line`` may take: the previous statement's, then those
        of the blocks around it, innermost first."""
        result: list[str] = []
        previous = self.previous_statement(line)
        if previous >= 0 and self.is_header(previous):
            result.append(_indent(self.lines[previous]) + self.unit)
        bound = 1 << 30
        for i in range(line - 1, -1, -1):
            if not self.is_statement(i):
                continue
            ws = _indent(self.lines[i])
            if _width(ws) < bound:
                result.append(ws)
                bound = _width(ws)
                if bound == 0:
                    return result
        return [*result, ""]

    def open_brackets(self, line: int, col: int) -> list[_Open]:
        """Brackets still open just before column ``col`` of ``line``."""
        stack: list[_Open] = []
        for i in range(self.statement_start(line), line + 1):
            for tok in self.code(i):
                if i == line and tok.start >= col:
                    return stack
                if tok.kind == "open":
                    stack.append(_Open(tok.text, i, tok.start))
                elif tok.kind == "close" and stack:
                    stack.pop()
        return stack

    # --- building proposals -----------------------------------------------------------------

    def put(
        self,
        row: int,
        start: int,
        end: int,
        new: str,
        cost: float,
        kind: str,
        title: str,
        **facts: object,
    ) -> _Proposal:
        """Replace columns ``start:end`` of line ``row`` by ``new``."""
        text = self.lines[row]
        new_text = text[:start] + new + text[end:] + self.eol[row]
        facts.setdefault("line", row + 1)
        return _Proposal(cost, row, row + 1, new_text, kind, title, _facts(**facts))

    def lines_to(
        self,
        first: int,
        last: int,
        new_lines: list[str],
        cost: float,
        kind: str,
        title: str,
        **facts: object,
    ) -> _Proposal:
        """Replace lines ``first:last`` by ``new_lines`` (texts without terminators)."""
        parts: list[str] = []
        for k, text in enumerate(new_lines):
            if k == len(new_lines) - 1:
                eol = self.eol[last - 1]
            elif first + k < last and self.eol[first + k]:
                eol = self.eol[first + k]
            else:
                eol = self.newline
            parts.append(text + eol)
        facts.setdefault("line", first + 1)
        return _Proposal(cost, first, last, "".join(parts), kind, title, _facts(**facts))


def _moved(ctx: _Ctx, first: int, new_lines: list[str]) -> float:
    """Extra cost for re-indenting many lines: the fewer lines a fix touches, the likelier."""
    changed = sum(1 for i, t in enumerate(new_lines, first) if t != ctx.lines[i])
    return min(0.05 * max(changed - 1, 0), 0.5)


def _closers(stack: list[_Open]) -> str:
    return "".join(_OPENERS[o.char] for o in reversed(stack))


def _statement_facts(ctx: _Ctx, line: int) -> dict[str, object]:
    word = ctx.keyword(line)
    default = (f"`{word}` statement" if word else "statement", "block")
    statement, block = _STATEMENTS.get(word, default)
    return {"keyword": word, "statement": statement, "block": block}


# --- generators: what CPython's message asks for ------------------------------------------------

Generator = Callable[[_Ctx], Iterator[_Proposal]]


def _gen_missing_colon(ctx: _Ctx) -> Iterator[_Proposal]:
    if ctx.msg not in ("expected ':'", "':' expected after dictionary key"):
        return
    code = ctx.code(ctx.line)
    if ctx.msg != "expected ':'":
        # CPython points at the key; the ':' goes after it, which may span several tokens.
        after = [t for t in code if t.start >= ctx.col]
        for rank, tok in enumerate(after):
            title = f"Insert ':' after the dictionary key {ctx.lines[ctx.line][ctx.col : tok.end]}"
            yield ctx.put(
                ctx.line,
                tok.end,
                tok.end,
                ":",
                0.3 + 0.1 * rank,
                "missing-dict-colon",
                title,
                token=ctx.lines[ctx.line][ctx.col : tok.end],
            )
        return
    before = [t for t in code if t.end <= ctx.col]
    col = before[-1].end if before else ctx.col
    facts = _statement_facts(ctx, ctx.line)
    word = str(facts["keyword"])
    cost = 0.3 if word in _HEADER_KEYWORDS else 0.8
    title = f"Insert missing ':' after the {word} statement" if word else "Insert missing ':'"
    yield ctx.put(ctx.line, col, col, ":", cost, "missing-colon", title, **facts)


def _gen_never_closed(ctx: _Ctx) -> Iterator[_Proposal]:
    match = _NEVER_CLOSED.fullmatch(ctx.msg)
    code = ctx.code(ctx.line)
    if not match or not code:
        return
    line = ctx.line
    opener = match.group(1)
    stack = ctx.open_brackets(line, len(ctx.lines[line]) + 1)
    if not stack:
        return
    facts: dict[str, object] = {"token": opener, "closer": _OPENERS[opener]}
    facts["opener_line"] = line + 1
    title = f"Close the '{opener}' opened on line {line + 1}"
    last = code[-1]
    header = ctx.keyword(line) in _HEADER_KEYWORDS and last.text == ":" and len(code) > 1
    end = code[-2].end if header else last.end
    own = [o for o in stack if o.line == line]
    variants = [(0.0, _closers(stack))]
    if own and len(own) < len(stack):
        variants.append((0.2, _closers(own)))
    following = ctx.next_code(line)
    if (
        ctx.keyword(line) in _HEADER_KEYWORDS
        and last.text != ":"
        and following < ctx.count
        and ctx.width(following) > ctx.width(ctx.statement_start(line))
    ):
        # `def f(a, b` over an indented body: the header lost its ':' along with the ')'.
        variants = [(extra + 0.05, text + ":") for extra, text in variants]
    for extra, text in variants:
        yield ctx.put(line, end, end, text, 0.3 + extra, "unclosed-bracket", title, **facts)
        # Earlier token boundaries after the opener, dearer the further from the line's end.
        inside = [t for t in code if ctx.col < t.start and t.end < end]
        for distance, tok in enumerate(reversed(inside), 1):
            cost = 0.8 + extra + 0.1 * distance
            if _natural_close(ctx, line, tok):
                cost = 0.25 + extra + 0.004 * (len(inside) - distance)
            yield ctx.put(line, tok.end, tok.end, text, cost, "unclosed-bracket", title, **facts)
    # A bracket left open at a line's end usually closes where the continuation lines end.
    if last.kind in ("open", "op") or last.text == ",":
        yield from _close_after_continuation(ctx, line, title, facts)
        yield from _close_inner_line(ctx, line)


def _own_open(ctx: _Ctx, line: int) -> list[_Open]:
    """Brackets opened on ``line`` and not closed on it."""
    stack: list[_Open] = []
    for tok in ctx.code(line):
        if tok.kind == "open":
            stack.append(_Open(tok.text, line, tok.start))
        elif tok.kind == "close" and stack:
            stack.pop()
    return stack


def _close_inner_line(ctx: _Ctx, line: int) -> Iterator[_Proposal]:
    """CPython names the outermost bracket left open, but the one forgotten is often on a
    continuation line (`min(` / `sum(x for x in xs,` / `sum(...),` / `)`): a later closer
    matched it instead. Close a continuation line's own bracket where its code ends."""
    base = ctx.width(ctx.statement_start(line))
    for i in range(line + 1, min(line + 100, ctx.count)):
        if not ctx.is_code(i):
            continue
        if ctx.width(i) <= base and ctx.scan.is_logical_start(i):
            break
        own = _own_open(ctx, i)
        code = ctx.code(i)
        if not own or not code:
            continue
        end = code[-1].start if code[-1].text == "," and len(code) > 1 else code[-1].end
        inner = own[-1]
        facts: dict[str, object] = {"token": inner.char, "closer": _OPENERS[inner.char]}
        facts["opener_line"] = i + 1
        title = f"Close the '{inner.char}' opened on line {i + 1}"
        cost = 0.45 + 0.02 * (i - line)
        yield ctx.put(i, end, end, _closers(own), cost, "unclosed-bracket", title, **facts)


_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_TIGHTER = frozenset({"*", "/", "//", "%", "**", "@"})


def _group_adds(ctx: _Ctx, line: int, inner: _Open, before: list[_Tok], tok: _Tok) -> bool:
    """Is the bracket ``inner`` (``before``: the tokens before it on its line) a group (not a
    call or subscript) that starts an expression and holds a binary `+` or `-` at its own
    depth before ``tok``?"""
    called = bool(before) and before[-1].kind in ("name", "close", "string")
    if inner.line != line or (called and before[-1].text not in _KEYWORDS):
        return False
    if before and before[-1].text in _ARITHMETIC:
        return False  # `0.5 * (a + x / a`: an operand's group, which runs on
    depth = 0
    previous: _Tok | None = None
    for t in ctx.code(line):
        if not inner.col < t.start <= tok.start:
            continue
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth -= 1
        elif depth == 0 and t.text in ("+", "-") and previous and previous.kind in _ATOM_END:
            return True
        previous = t
    return False


_LOW_PRECEDENCE = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "in", "not", "is", "and", "or", "if", "else", "for"}
)


def _natural_close(ctx: _Ctx, line: int, tok: _Tok) -> bool:
    """Is the spot after ``tok`` a natural end for the call or subscript open there? Their
    arguments seldom hold a comparison: `len(x) == 1` is likelier than `len(x == 1)`."""
    code = ctx.code(line)
    after = [t for t in code if t.start >= tok.end]
    if not after:
        return False
    stack = ctx.open_brackets(line, tok.end)
    if not stack:
        return False
    inner = stack[-1]
    before = [t for t in ctx.code(inner.line) if t.end <= inner.col]
    # A one-argument builtin ends before a comma, and `len` (a number) before arithmetic:
    # `len(xs) - 1`, `sorted(xs), n`; not `set(a + b)`.
    callee = _callee(ctx, inner)
    if callee in _ONE_ARGUMENT & ITERABLE and after[0].text == ",":
        return True
    if callee == "len" and after[0].text in _ARITHMETIC:
        return True
    # A group holding `+` or `-` ends before a tighter operator: `(lo + hi) // 2`, which is
    # what the parentheses are for.
    if (
        inner.char == "("
        and after[0].text in _TIGHTER
        and _group_adds(ctx, line, inner, before, tok)
    ):
        return True
    if after[0].text not in _LOW_PRECEDENCE:
        return False
    if before and (
        (before[-1].kind == "name" and before[-1].text not in _KEYWORDS)
        or before[-1].kind == "close"
    ):
        return True
    # A bare tuple `(i, j` followed by `in` or a comparison closes before it.
    if inner.char != "(" or inner.line != line:
        return False
    # A comprehension's element in parentheses: `[(f(x)) for x in xs]`.
    if before and before[-1].text in ("[", "{") and after[0].text == "for":
        return True
    depth = 0
    for t in code:
        if inner.col < t.start < tok.end:
            depth += {"open": 1, "close": -1}.get(t.kind, 0)
            if depth == 0 and t.text == ",":
                return True
    return False


def _close_after_continuation(
    ctx: _Ctx, line: int, title: str, facts: dict[str, object]
) -> Iterator[_Proposal]:
    start = ctx.statement_start(line)
    base = ctx.width(start)
    previous = line
    for i in range(line + 1, min(line + 100, ctx.count)):
        if ctx.is_code(i):
            if ctx.width(i) <= base:
                break
            previous = i
    if previous == line:
        return
    stack = ctx.open_brackets(previous, len(ctx.lines[previous]) + 1)
    text = _closers(stack)
    if not text:
        return
    col = ctx.code_end(previous)
    yield ctx.put(previous, col, col, text, 0.35, "unclosed-bracket", title, **facts)
    new_lines = [ctx.lines[previous], _indent(ctx.lines[start]) + text]
    yield ctx.lines_to(
        previous,
        previous + 1,
        new_lines,
        0.4,
        "unclosed-bracket",
        title,
        **facts,
        line=previous + 2,
    )


def _gen_open_in_line(ctx: _Ctx) -> Iterator[_Proposal]:
    """A bracket opened earlier in the statement and still open where CPython gave up."""
    if not ctx.msg.startswith(_PLAIN_INVALID):
        return
    stack = ctx.open_brackets(ctx.line, ctx.col)
    if not stack:
        return
    inner = stack[-1]
    title = f"Close the '{inner.char}' opened on line {inner.line + 1}"
    facts: dict[str, object] = {"token": inner.char, "closer": _OPENERS[inner.char]}
    facts["opener_line"] = inner.line + 1
    if inner.line < ctx.line:
        # Left open at the end of an earlier line (`def f(a, b:`), so the next lines were read
        # as its continuation: close it where that line's code ends, before a header's ':'.
        own = [o for o in stack if o.line == inner.line]
        code = ctx.code(inner.line)
        if code:
            col = code[-1].end
            if code[-1].text == ":" and len(code) > 1:
                col = code[-2].end
            yield ctx.put(
                inner.line,
                col,
                col,
                _closers(own),
                0.4,
                "unclosed-bracket",
                title,
                **facts,
                line=inner.line + 1,
            )
    code = ctx.code(ctx.line)
    variants = [(0.0, _OPENERS[inner.char])]
    if len(stack) > 1:
        variants.append((0.2, _closers(stack)))
    for extra, text in variants:
        spots = [
            t.end
            for t in code
            if t.end <= ctx.col and (ctx.line, t.start) > (inner.line, inner.col)
        ]
        for distance, col in enumerate(reversed(spots)):
            cost = 0.5 + extra + 0.15 * distance
            before = [t for t in code if t.end == col]
            if before and _natural_close(ctx, ctx.line, before[-1]):
                cost = 0.45 + extra + 0.02 * distance
            yield ctx.put(ctx.line, col, col, text, cost, "unclosed-bracket", title, **facts)
        if code and code[-1].text == ":" and code[-1].start > ctx.col:
            col = code[-2].end if len(code) > 1 else code[-1].start
            yield ctx.put(ctx.line, col, col, text, 0.6 + extra, "unclosed-bracket", title, **facts)


def _gen_unmatched(ctx: _Ctx) -> Iterator[_Proposal]:
    """An extra closing bracket: the one CPython flags, or an earlier one of the statement (a
    doubled `))` is the likely culprit)."""
    match = _UNMATCHED.fullmatch(ctx.msg)
    text = ctx.lines[ctx.line]
    if not match or text[ctx.col : ctx.col + 1] != match.group(1):
        return
    closer = match.group(1)
    title = f"Remove the unmatched '{closer}'"
    start = ctx.statement_start(ctx.line)
    closers = [
        (i, t)
        for i in range(start, ctx.line + 1)
        for t in ctx.code(i)
        if t.text == closer and (i, t.start) <= (ctx.line, ctx.col)
    ]
    code = ctx.code(ctx.line)

    def tokens_before(line: int, tok: _Tok) -> Iterator[_Tok]:
        for i in range(start, line + 1):
            yield from (t for t in ctx.code(i) if (i, t.start) < (line, tok.start))

    for distance, (line, tok) in enumerate(reversed(closers)):
        doubled = ctx.lines[line][tok.start - 1 : tok.start] == closer
        cost = 0.5 + 0.05 * distance - (0.15 if doubled else 0.0)
        # `if x > 0):`: a stray closer just before a header's ':' is likelier than a lost opener.
        # ... when nothing could have been called there: `> 0):`, not `s.isupper):`.
        previous = list(tokens_before(line, tok))
        alone = not any(t.text == _PAIRS[closer] for t in previous)
        alone = alone and bool(previous) and previous[-1].kind in ("number", "string")
        if line == ctx.line and len(code) > 1 and code[-1].text == ":" and code[-2] == tok:
            cost -= 0.12 if alone else 0.0
        yield ctx.put(line, tok.start, tok.end, "", cost, "unmatched-bracket", title, token=closer)


def _gen_mismatch(ctx: _Ctx) -> Iterator[_Proposal]:
    match = _MISMATCH.match(ctx.msg)
    text = ctx.lines[ctx.line]
    if not match or text[ctx.col : ctx.col + 1] != match.group(1):
        return
    closer, opener = match.group(1), match.group(2)
    wanted = _OPENERS[opener]
    title = f"Remove the extra '{closer}'"
    yield ctx.put(
        ctx.line, ctx.col, ctx.col + 1, "", 0.55, "unmatched-bracket", title, token=closer
    )
    title = f"Replace '{closer}' with '{wanted}'"
    yield ctx.put(
        ctx.line,
        ctx.col,
        ctx.col + 1,
        wanted,
        0.5,
        "mismatched-bracket",
        title,
        token=closer,
        opener=opener,
        closer=wanted,
    )
    # Or the inner bracket was left open: close it before ``closer`` or earlier on the line.
    stack = ctx.open_brackets(ctx.line, ctx.col)
    if not stack:
        return
    inner = stack[-1]
    facts: dict[str, object] = {"token": opener, "closer": wanted, "opener_line": inner.line + 1}
    title = f"Close the '{opener}' opened on line {inner.line + 1}"
    spots = [ctx.col] + [
        t.end
        for t in reversed(ctx.code(ctx.line))
        if t.end < ctx.col and (t.start, ctx.line) > (inner.col, inner.line)
    ]
    code = ctx.code(ctx.line)
    for distance, col in enumerate(spots):
        cost = 0.4 + 0.2 * min(distance, 1) + 0.1 * distance
        before = [t for t in code if t.end == col]
        if distance and before and _natural_close(ctx, ctx.line, before[-1]):
            cost = 0.5 + 0.02 * distance
        yield ctx.put(ctx.line, col, col, wanted, cost, "unclosed-bracket", title, **facts)


#: Words after which an opening bracket starts a group or a literal, not a call or subscript.
_NO_CALL = _KEYWORDS - {"None", "True", "False"}


def _gen_missing_opener(ctx: _Ctx) -> Iterator[_Proposal]:
    """A closing bracket whose opening one was left out: `lenx)`, `append"a")`, `ns = ]`.

    The opener goes where the closer's partner most plausibly was: between a callee and its
    argument run together into one unknown name (`sortedl)` -> `sorted(l)`), right after a name
    or a closing bracket (a call or subscript, `isupper)` -> `isupper()`), or at the start of
    an operand (a group or a literal); nearer the closer and outside other brackets is likelier,
    and a lone atom in brackets (`(0)`) is unlikely. Each is checked by the compiler.
    """
    unmatched = _UNMATCHED.fullmatch(ctx.msg)
    mismatch = _MISMATCH.match(ctx.msg)
    closer = unmatched.group(1) if unmatched else mismatch.group(1) if mismatch else ""
    if not closer or ctx.lines[ctx.line][ctx.col : ctx.col + 1] != closer:
        return
    opener = _PAIRS[closer]
    start = ctx.statement_start(ctx.line)
    tokens = [
        (i, t)
        for i in range(start, ctx.line + 1)
        for t in ctx.code(i)
        if (i, t.start) < (ctx.line, ctx.col)
    ]
    annotation = ctx.keyword(start) == "def" and any(t.text == "->" for _, t in tokens)
    if annotation and closer == ")":
        return  # `def f(x) -> int):`: a stray `)` after the parameters, not a lost `(`
    near = ctx.names_near(ctx.line)
    here: dict[str, int] = {}
    for _, t in tokens:
        if t.kind == "name":
            here[t.text] = here.get(t.text, 0) + 1
    title = f"Insert the missing '{opener}'"
    facts: dict[str, object] = {"token": closer, "opener": opener}
    depth = 0
    for distance, k in enumerate(range(len(tokens) - 1, max(len(tokens) - 60, -1), -1)):
        line, tok = tokens[k]
        before = tokens[k - 1][1] if k > 0 else None
        if tok.kind == "name" and tok.text not in _KEYWORDS:
            yield from _split_name(ctx, line, tok, before, near, here, opener, distance, facts)
        nxt = tokens[k + 1][1] if k + 1 < len(tokens) else None
        lone = nxt is None or (nxt.kind == "close" and tok.kind in _ATOM_END)
        if tok.kind == "close":
            depth += 1
        elif tok.kind == "open":
            depth -= 1
            if depth < 0:
                break
        if before is None or before.text == "." or depth > 1:
            continue
        # Before ``tok``: after a callable (a call or subscript) or at an operand's start.
        call = before.kind in ("name", "close", "string") and before.text not in _NO_CALL
        if call and opener == "{":
            continue
        if not call and before.kind not in ("op", "open") and before.text not in _NO_CALL:
            continue
        cost = (0.38 if call else 0.42) + 0.03 * distance + 0.1 * depth
        if lone and tok.kind != "close":
            cost += 0.3 if opener == "(" else 0.15
        col = before.end if call else tok.start
        row = tokens[k - 1][0] if call else line
        yield ctx.put(row, col, col, opener, cost, "missing-opener", title, **facts, line=row + 1)
    # An empty call or literal: `f)` -> `f()`, `x = ]` -> `x = []`.
    if tokens:
        last = tokens[-1][1]
        empty_call = last.kind == "name" and last.text not in _NO_CALL and opener != "{"
        literal = last.kind in ("op", "open") and last.text != "."
        if empty_call or literal:
            cost = 0.36 if literal else 0.4
            yield ctx.put(
                ctx.line, ctx.col, ctx.col, opener, cost, "missing-opener", title, **facts
            )
    # A method left uncalled further in: `set(s.lower))` -> `set(s.lower()))`.
    if opener == "(":
        for k in range(len(tokens) - 1, max(len(tokens) - 8, 0), -1):
            (row, tok), (_, before) = tokens[k], tokens[k - 1]
            if tok.kind != "close" or before.kind != "name" or before.text in _NO_CALL:
                continue
            if k > 1 and tokens[k - 2][1].text == "." and row == tokens[k - 1][0]:
                cost = 0.42 + 0.03 * (len(tokens) - 1 - k)
                at = before.end
                yield ctx.put(row, at, at, opener, cost, "missing-opener", title, **facts)


def _split_name(
    ctx: _Ctx,
    line: int,
    tok: _Tok,
    before: _Tok | None,
    near: set[str],
    here: dict[str, int],
    opener: str,
    distance: int,
    facts: dict[str, object],
) -> Iterator[_Proposal]:
    """``tok`` read as a callee and its argument run together: `lenx` -> `len(x`."""
    attribute = before is not None and before.text == "."
    defined = before is not None and before.text in ("def", "class")
    whole_known = tok.text in near or here.get(tok.text, 0) > 1 or tok.text in _KNOWN_NAMES
    known = near | {n for n in here if n != tok.text}
    for cut in range(len(tok.text) - 1, 0, -1):
        head, tail = tok.text[:cut], tok.text[cut:]
        if not (attribute or defined or head in known or head in _KNOWN_NAMES):
            continue
        if tail not in known and tail not in _KNOWN_NAMES and not tail.isdigit():
            continue
        if whole_known and not defined:
            cost = 0.6 + 0.03 * distance
        else:
            cost = 0.25 + 0.005 * distance + (0.05 if attribute else 0.0)
        title = f"Insert the missing '{opener}' after {head}"
        col = tok.start + cut
        yield ctx.put(line, col, col, opener, cost, "missing-opener", title, **facts, line=line + 1)


_STRING_PREFIXES = frozenset({"r", "u", "b", "f", "br", "rb", "fr", "rf"})
_AFTER_EMPTY = frozenset(" +-*/%<>=!&|^")
_STRING_END = re.compile(r"[,)\]}:+*/%<>=!&|^-]|\.(?=\w+\()| (?! )|$")


def _gen_string(ctx: _Ctx) -> Iterator[_Proposal]:
    if not ctx.msg.startswith("unterminated string literal"):
        return
    text = ctx.lines[ctx.line]
    start = ctx.col
    while start < len(text) and text[start] in "rRbBuUfF":
        start += 1
    if start >= len(text) or text[start] not in "'\"":
        return
    quote = text[start]
    other = "'" if quote == '"' else '"'
    rest = text[start + 1 :]
    facts: dict[str, object] = {"token": quote, "quote": quote}
    title = f"Close the string with {quote}"
    # Closing with the other kind of quote is a classic slip: 'abc".
    if rest.count(other) == 1 and re.match(r"\s*(?:[,)\]}:]|$)", rest[rest.index(other) + 1 :]):
        col = start + 1 + rest.index(other)
        # At the line's end the brackets still open on it are closed too: `c == '|"` in `[...`.
        stack = ctx.open_brackets(ctx.line, start)
        closers = ""
        if not rest[col - start :].strip() and stack and all(o.line == ctx.line for o in stack):
            closers = _closers(stack)
        for new in dict.fromkeys([quote + closers, quote]):
            yield ctx.put(
                ctx.line,
                col,
                col + 1,
                new,
                0.4 + 0.05 * (new != quote + closers),
                "mismatched-quote",
                f"Change {other} to {quote} to match the opening quote",
                token=quote,
                other=other,
            )
    # A quote stuck to a variable name: `'res` or `res'` (a name cannot end in a string
    # prefix like r or f here).
    word = re.match(r"\w+", rest)
    before = re.search(r"\w+$", text[: ctx.col])
    stray = None
    if word and word.group() in ctx.names_near(ctx.line) and not rest[word.end() :].strip(")]}:,"):
        stray = word.group()
    elif (
        before
        and before.group().lower() not in _STRING_PREFIXES
        and not before.group()[0].isdigit()
    ):
        stray = before.group()
    code_after = _code_after_quote(ctx, text[:start].rstrip(), rest)
    if stray or code_after is not None:
        yield ctx.put(
            ctx.line,
            start,
            start + 1,
            "",
            0.45 if stray else 0.42,
            "stray-quote",
            "Remove the stray quote",
            token=quote,
            name=stray or code_after,
        )
    # A quote alone at the end of a line of complete code: `return s.strip()"` (not `return '`).
    last = re.search(r"(?:[)\]}]|\w+)\s*$", text[:start])
    if (
        not rest.strip()
        and start == ctx.col
        and not stray
        and last is not None
        and last.group().strip() not in _KEYWORDS
    ):
        yield ctx.put(
            ctx.line,
            start,
            len(text.rstrip()),
            "",
            0.45,
            "trailing-quote",
            "Remove the stray quote at the end of the line",
            token=quote,
        )
    # A string left open at the end of a call: close the string, then the brackets.
    stack = ctx.open_brackets(ctx.line, start)
    end_col = len(text.rstrip())
    if stack and all(o.line == ctx.line for o in stack) and end_col > start + 1:
        closers = _closers(stack)
        yield ctx.put(
            ctx.line,
            end_col,
            end_col,
            quote + closers,
            0.55,
            "unterminated-string",
            title,
            **facts,
        )
    # The quote left unpaired may be an earlier one (the rest then pair up wrongly): try each
    # quote up to the reported one as the opener, closing it where code seems to resume, and
    # prefer results whose strings look like text rather than code.
    openers = [m.start() for m in re.finditer(re.escape(quote), text[: start + 1])]
    end = len(text.rstrip())
    for rank, opener in enumerate(reversed(openers[-30 if len(text) < 400 else -1 :])):
        limit = text.find(quote, opener + 1)
        limit = end if limit < 0 else limit
        spots = [m.start() for m in _STRING_END.finditer(text, opener + 1, limit)]
        for index, col in enumerate(dict.fromkeys([*spots[:12], limit])):
            fixed = text[:col] + quote + text[col:]
            cost = 0.5 + 0.03 * rank + 0.02 * index + 0.2 * _odd_strings(fixed)
            if col == opener + 1 and text[col : col + 1] in _AFTER_EMPTY:
                cost += 0.1  # '' then a space or an operator is less likely than ' ' or '-x'
            if re.match(r",\s*[)\]}]", text[col:]):
                cost += 0.1  # `f("a",)`: a trailing comma after the string is rarer than `f("a,")`

            yield ctx.put(ctx.line, col, col, quote, cost, "unterminated-string", title, **facts)


def _code_after_quote(ctx: _Ctx, before_text: str, rest: str) -> str | None:
    """What follows a stray quote when it reads as code, not text: only known names (or
    attributes), no two words side by side (`'int(s)+1`, `'None`, `')`); else None."""
    tokens = _lex(rest, "")
    if not tokens:
        return None
    if any(t.kind in ("string", "comment", "other") for t in tokens):
        return None
    if tokens[0].kind != "name":
        # Only closing brackets after a quote stuck to an operand: `f(k-1')`.
        operand = re.search(r"[\w)\]]$", before_text)
        if not operand or any(t.kind not in ("close", "op") or t.text == "." for t in tokens):
            return None
        if any(t.kind == "op" and t.text not in (":", ",") for t in tokens):
            return None
    known = ctx.names_near(ctx.line) | _KNOWN_NAMES | {"None", "True", "False"}
    previous: _Tok | None = None
    for tok in tokens:
        if tok.kind == "name":
            attribute = previous is not None and previous.text == "."
            if not attribute and tok.text not in known:
                return None
            words = (previous.text if previous is not None else "", tok.text)
            side_by_side = previous is not None and previous.kind == "name"
            if side_by_side and not _KEYWORDS.intersection(words):
                return None
        previous = tok
    return rest.strip() or None


_ODD_CONTENT = re.compile(r"^\s*[,)\]}]\s*\S|[(\[{]\s*$|\w=\s*$|\s(?:==|!=|\+)\s")


def _odd_strings(text: str) -> int:
    """Strings on a line whose text looks like code (``", "`` between two mispaired quotes)."""
    odd = 0
    for tok in _lex(text, ""):
        if tok.kind == "string":
            body = tok.text.lstrip("rRbBuUfF")
            if len(body) >= 2 and body[0] == body[-1] and _ODD_CONTENT.search(body[1:-1]):
                odd += 1
    return odd


def _looks_like_code(text: str) -> bool:
    words = text.split(None, 1)
    if not words:
        return False
    head = re.match(r"[A-Za-z_]+", words[0])
    if head and head.group() in _KEYWORDS and (head.group() == words[0] or len(words) > 1):
        return True
    return bool(_LOOKS_LIKE_CODE.match(text))


_BARE_COMPARISON = re.compile(r"[^=!<>]==[^=]|^>>>")


def _looks_like_statement(text: str) -> bool:
    """Code, but not a docstring's example (`f(1) == 2`, `>>> f(1)`): a bare comparison is
    a statement nobody writes."""
    if not _looks_like_code(text):
        return False
    head = re.match(r"[A-Za-z_]+", text)
    if (head is not None and head.group() in _KEYWORDS) or _TARGETS.match(text):
        return True  # `x = [a for a in b if a == 1]` compares inside, but is an assignment
    return not _BARE_COMPARISON.search(text)


def _joined(ctx: _Ctx, line: int) -> str:
    """The text from ``line`` on while its brackets stay open (up to 20 lines), stripped: a
    docstring's example `f([` / `  1,` / `]) == 2` is judged as the one line it is."""
    parts: list[str] = []
    depth = 0
    for i in range(line, min(line + 20, ctx.count)):
        text = ctx.lines[i].strip()
        parts.append(text)
        depth += sum(text.count(c) for c in "([{") - sum(text.count(c) for c in ")]}")
        if depth <= 0:
            break
    return " ".join(parts)


def _gen_triple_string(ctx: _Ctx) -> Iterator[_Proposal]:
    if not ctx.msg.startswith("unterminated triple-quoted string literal"):
        return
    text = ctx.lines[ctx.line]
    start = ctx.col
    while start < len(text) and text[start] in "rRbBuUfF":
        start += 1
    quote = text[start : start + 3]
    if quote not in ("'''", '"""'):
        return
    statement = ctx.statement_start(ctx.line)
    indent = _indent(ctx.lines[statement])
    title = f"Close the triple-quoted string with {quote}"
    # A bare string of code after code at the top level comments out the rest of the file.
    first = text[start + 3 :].strip() or (
        ctx.lines[ctx.line + 1].strip() if ctx.line + 1 < ctx.count else ""
    )
    block_comment = (
        not indent
        and not text[: ctx.col].strip()
        and ctx.previous_statement(statement) >= 0
        and _looks_like_code(first)
    )
    last_line = max((i for i in range(ctx.count) if ctx.lines[i].strip()), default=ctx.line)
    if last_line + 2 < ctx.count:
        last_line = ctx.count - 2 if ctx.lines[-1] == "" else ctx.count - 1
    # Close it after line k; the best k is the last line before code resumes, and each line
    # of code the string swallows makes a k less likely.
    swallowed = 0.0
    for k in range(ctx.line, min(ctx.line + 300, ctx.count)):
        body = ctx.lines[k].rstrip()
        if k == ctx.line and not body[start + 3 :].strip():
            continue
        if quote in body[start + 3 if k == ctx.line else 0 :]:
            break  # the text already holds the quote: closing later cannot be right
        nxt = k + 1
        while nxt < ctx.count and not ctx.lines[nxt].strip():
            nxt += 1
        resumes = nxt >= ctx.count or _looks_like_statement(_joined(ctx, nxt))
        cost = 0.5 + 0.002 * (k - ctx.line) + (0.0 if resumes else 1.0) + swallowed
        if k > ctx.line and _looks_like_statement(body.strip()) and not block_comment:
            # A statement led by a keyword (`if x:`, `return y`) is surely code.
            swallowed += 0.1 if _first_word(body) in _KEYWORDS else 0.02
        if block_comment and k == last_line:
            cost = 0.4
        facts: dict[str, object] = {"token": quote, "line": ctx.line + 1, "at_line": k + 1}
        kind = "unterminated-triple-string"
        if not body:
            # A blank line indented like the string's statement is where the quote went missing.
            cost += -0.05 if ctx.lines[k] == indent and indent else 0.05
            yield ctx.put(k, 0, len(ctx.lines[k]), indent + quote, cost, kind, title, **facts)
            continue
        # Multi-line docstrings close on a line of their own (PEP 257).
        more = 0.1 if k > ctx.line else 0.0
        yield ctx.put(k, len(body), len(ctx.lines[k]), quote, cost + more, kind, title, **facts)
        if k > ctx.line:
            facts["at_line"] = k + 2
            new_lines = [ctx.lines[k], indent + quote]
            yield ctx.lines_to(k, k + 1, new_lines, cost, kind, title, **facts)


# --- indentation ---------------------------------------------------------------------------------


def _gen_indented_block(ctx: _Ctx) -> Iterator[_Proposal]:
    match = _INDENTED_BLOCK.fullmatch(ctx.msg)
    if not match:
        return
    header = int(match.group(2)) - 1
    if not 0 <= header < ctx.count:
        return
    facts = _statement_facts(ctx, header)
    facts["header_line"] = header + 1
    word = str(facts["keyword"])
    start = ctx.statement_start(header)
    target = _indent(ctx.lines[start]) + ctx.unit
    line = ctx.line
    if line > header and ctx.is_code(line):
        title = f"Indent line {line + 1} under the {word} statement"
        # A deeper line after this one: only this line lost its indentation.
        following = ctx.next_code(line)
        deeper = following < ctx.count and ctx.width(following) > ctx.width(line)
        costs = {"block": 0.4, "line": 0.39 if deeper else 0.45, "run": 0.5, "para": 0.5}
        costs["methods"] = 0.45
        if word == "class":  # a class body written flush left: its methods move together
            costs["methods"] = 0.38
        if word == "def" and (not deeper or _uses_parameters(ctx, header, line)):
            # A function body written at the `def`'s own level: the statements up to the next
            # definition move together, surely so when they use the function's parameters.
            costs["body"] = 0.37
        # Evidence that the statements up to the blank line form the body: moving them all
        # is then no less likely than moving one.
        if word == "for" and _uses_loop_target(ctx, header, line):
            # The statement after the first block uses the loop's variable.
            costs["para"] = 0.35
        if _ends_in_dead_code(ctx, line):
            # `if c:` / `x = 1` / `return` / (blank) / `more()`: a `return` left at the header's
            # level would make what follows it unreachable.
            costs["para"] = 0.3
        if word == "while" and _loop_needs_run(ctx, header, line):
            # A loop whose first statement never changes its condition would never end.
            costs["para"] = 0.3
        evidence = costs["para"] < 0.5
        for mode, cost in costs.items():
            if mode == "methods":
                end = _methods_end(ctx, line)
            elif mode == "body":
                end = _body_end(ctx, line)
            else:
                end = ctx.block_end(line, mode)
            moved = ctx.shifted(line, end, target)
            if mode not in ("methods", "body") and not (mode == "para" and evidence):
                cost += _moved(ctx, line, moved)
            yield ctx.lines_to(
                line, end, moved, cost, "missing-indent", title, **facts, line=line + 1
            )
        # Or the header itself sits too deep: its block is at its own level. Likely when it
        # follows a `return` at its level, where it could never run.
        if ctx.width(line) == ctx.width(start) and header == start:
            title = f"Remove the extra indentation of line {header + 1}"
            previous = ctx.previous_statement(header)
            dead = previous >= 0 and ctx.width(previous) == ctx.width(header)
            dead = dead and _first_word(ctx.lines[previous]) in _TERMINAL_KEYWORDS
            levels = [ws for ws in ctx.levels(header) if _width(ws) < ctx.width(line)]
            for rank, level in enumerate(levels[:3]):
                moved = ctx.shifted(header, header + 1, level)
                cost = (0.38 if dead else 0.42) + 0.1 * rank
                if _else_of_loop_or_if(ctx, header, _width(level)):
                    cost = 0.36  # an `else` is far likelier an `if`'s than a loop's
                yield ctx.lines_to(
                    header,
                    header + 1,
                    moved,
                    cost,
                    "unexpected-indent",
                    title,
                    line=header + 1,
                )
    # No body at all: give the statement one.
    new_lines = [ctx.lines[header], target + "pass"]
    title = f"Add 'pass' as the body of the {word} statement"
    yield ctx.lines_to(
        header, header + 1, new_lines, 1.5, "empty-block", title, **facts, line=header + 1
    )


_WORD = re.compile(r"[A-Za-z_]\w*")
_TARGETS = re.compile(r"\s*([\w.\[\], ]+?)\s*(?:[-+*/%|&^@]|//|\*\*|<<|>>)?=(?!=)")


def _changed_names(text: str) -> set[str]:
    """Names a statement assigns or calls a method on (`x = ...`, `a, b = ...`, `q.pop()`)."""
    names = set(re.findall(r"\b([A-Za-z_]\w*)\.\w+\(", text))
    target = _TARGETS.match(text)
    if target:
        names.update(_WORD.findall(target.group(1)))
    return names


_FOR_TARGETS = re.compile(r"\s*(?:async\s+)?for\s+(.+?)\s+in\b")


def _uses_loop_target(ctx: _Ctx, header: int, line: int) -> bool:
    """Does the statement after the block at ``line``, in its paragraph, use a name the `for`
    at ``header`` assigns?"""
    match = _FOR_TARGETS.match(ctx.lines[header])
    if not match:
        return False
    targets = set(_WORD.findall(match.group(1)))
    first = ctx.block_end(line, "block")
    end = ctx.block_end(line, "para")
    base = ctx.width(line)
    later = [i for i in range(first, end) if ctx.is_statement(i) and ctx.width(i) == base]
    return bool(later) and bool(targets & set(_WORD.findall(ctx.lines[later[0]])))


def _ends_in_dead_code(ctx: _Ctx, line: int) -> bool:
    """Does the paragraph from ``line`` end with `return`/`raise`/`break`/`continue` (after
    more than one statement) with statements after it at the same level?"""
    end = ctx.block_end(line, "para")
    base = ctx.width(line)
    last = max(
        (i for i in range(line, end) if ctx.is_statement(i) and ctx.width(i) == base),
        default=line,
    )
    if last == line or _first_word(ctx.lines[last]) not in _TERMINAL_KEYWORDS:
        return False
    following = ctx.next_code(end - 1)
    return following < ctx.count and ctx.width(following) == base


def _loop_needs_run(ctx: _Ctx, header: int, line: int) -> bool:
    """Does the `while` at ``header`` change none of its condition's names in the block at
    ``line`` but some in the statements after it at that level?"""
    condition = set(_WORD.findall(ctx.lines[header].split("while", 1)[-1])) - _KEYWORDS
    first = ctx.block_end(line, "block")
    run = ctx.block_end(line, "para")
    changed_first = set().union(*(_changed_names(ctx.lines[i]) for i in range(line, first)))
    changed_run = set().union(*(_changed_names(ctx.lines[i]) for i in range(first, run)))
    return not condition & changed_first and bool(condition & changed_run)


def _uses_parameters(ctx: _Ctx, header: int, line: int) -> bool:
    """Do statements after the block at ``line``, at its level, use the parameters of the
    `def` at ``header`` (so they belong to its body)?"""
    match = _DEF.match(ctx.lines[header])
    if not match:
        return False
    params = {p.split(":")[0].split("=")[0].strip(" *") for p in match.group(2).split(",")}
    params -= {"self", "cls", ""}
    end = ctx.block_end(line, "block")
    after = _body_end(ctx, line)
    used = set().union(*(_WORD.findall(ctx.lines[i]) for i in range(end, after)))
    return bool(params & used)


def _else_of_loop_or_if(ctx: _Ctx, header: int, width: int) -> bool:
    """Is ``header`` an `else:` that pairs with a `for`/`while` at its own level, while an
    `if`/`elif` at ``width`` above it could take it instead?"""
    if _first_word(ctx.lines[header]) != "else":
        return False
    own = ctx.width(header)
    paired = ""
    for i in range(header - 1, max(header - 200, -1), -1):
        if not ctx.is_statement(i):
            continue
        if ctx.width(i) == own and not paired:
            paired = _first_word(ctx.lines[i])
        if ctx.width(i) == width:
            return paired in ("for", "while") and _first_word(ctx.lines[i]) in ("if", "elif")
        if ctx.width(i) < width:
            return False
    return False


def _body_end(ctx: _Ctx, line: int) -> int:
    """The statements from ``line`` on at its indentation, with their blocks, up to the next
    definition, decorator or ``if __name__``."""
    end = ctx.block_end(line, "block")
    while end < ctx.count:
        nxt = ctx.next_code(end - 1)
        if nxt >= ctx.count or ctx.width(nxt) != ctx.width(line) or not ctx.is_statement(nxt):
            break
        text = ctx.lines[nxt].lstrip()
        if text.startswith(("def ", "async def ", "@", "class ", "if __name__")):
            break
        end = ctx.block_end(nxt, "block")
    return end


def _methods_end(ctx: _Ctx, line: int) -> int:
    """The statements from ``line`` on at its indentation while they are defs or decorators,
    with their blocks."""
    end = ctx.block_end(line, "block")
    while end < ctx.count:
        nxt = ctx.next_code(end - 1)
        text = ctx.lines[nxt].lstrip() if nxt < ctx.count else ""
        if nxt >= ctx.count or ctx.width(nxt) != ctx.width(line):
            break
        if not (text.startswith(("def ", "async def ", "@", "class "))):
            break
        end = ctx.block_end(nxt, "block")
    return end


def _gen_unexpected_indent(ctx: _Ctx) -> Iterator[_Proposal]:
    if ctx.msg != "unexpected indent" or not ctx.is_code(ctx.line):
        return
    line = ctx.line
    title = f"Remove the extra indentation of line {line + 1}"
    for rank, target in enumerate(ctx.levels(line)[:4]):
        for mode, cost in (("block", 0.4), ("line", 0.42), ("run", 0.45)):
            end = ctx.block_end(line, mode)
            moved = ctx.shifted(line, end, target)
            cost += 0.3 * rank + _moved(ctx, line, moved)
            yield ctx.lines_to(line, end, moved, cost, "unexpected-indent", title, line=line + 1)


def _gen_misplaced_clause(ctx: _Ctx) -> Iterator[_Proposal]:
    """An `else`, `elif`, `except` or `finally` indented differently from its `if` or `try`."""
    word = _first_word(ctx.lines[ctx.line])
    if ctx.msg != "invalid syntax" or word not in _CONTINUATION_KEYWORDS:
        return
    if ctx.col > len(_indent(ctx.lines[ctx.line])) + len(word):
        return
    width = ctx.width(ctx.line)
    title = f"Line up '{word}' on line {ctx.line + 1} with the statement it belongs to"
    levels = [ws for ws in ctx.levels(ctx.line) if _width(ws) != width]
    for rank, target in enumerate(levels[:4]):
        for mode, cost in (("block", 0.5), ("run", 0.55)):
            end = ctx.block_end(ctx.line, mode)
            moved = ctx.shifted(ctx.line, end, target)
            yield ctx.lines_to(
                ctx.line,
                end,
                moved,
                cost + 0.1 * rank,
                "misplaced-clause",
                title,
                keyword=word,
                line=ctx.line + 1,
            )


def _gen_dedent(ctx: _Ctx) -> Iterator[_Proposal]:
    if not ctx.msg.startswith("unindent does not match") or not ctx.is_code(ctx.line):
        return
    line = ctx.line
    width = ctx.width(line)
    title = f"Re-indent line {line + 1} to match an enclosing block"
    # A header whose block is where it should be goes one level above that block.
    body = ctx.next_code(line)
    if ctx.is_header(line) and body < ctx.count and ctx.width(body) > width:
        above = ctx.width(body) - _width(ctx.unit)
        for ws in [ws for ws in ctx.levels(line) if _width(ws) == above][:1]:
            moved = ctx.shifted(line, line + 1, ws)
            yield ctx.lines_to(
                line, line + 1, moved, 0.35, "inconsistent-dedent", title, line=line + 1
            )
    # Between two levels, the deeper one: the line most likely continues the block above.
    levels = ctx.levels(line)[:5]
    targets = sorted(levels, key=lambda ws: (abs(_width(ws) - width), -_width(ws)))
    for rank, target in enumerate(targets):
        for mode, cost in (("run", 0.4), ("block", 0.45), ("line", 0.45)):
            end = ctx.block_end(line, mode)
            moved = ctx.shifted(line, end, target)
            cost += 0.2 * rank + _moved(ctx, line, moved)
            yield ctx.lines_to(line, end, moved, cost, "inconsistent-dedent", title, line=line + 1)
    # Or the block above went too deep, and this line is where it should have been.
    previous = ctx.previous_statement(line)
    if previous < 0 or ctx.width(previous) <= width:
        return
    first = previous
    for i in range(previous - 1, -1, -1):
        if ctx.is_statement(i):
            if ctx.width(i) < ctx.width(previous):
                break
            first = i
    if ctx.width(ctx.previous_statement(first)) < width:
        moved = ctx.shifted(first, line, _indent(ctx.lines[line]))
        title = f"Re-indent lines {first + 1}-{line} to match line {line + 1}"
        cost = 0.45 + _moved(ctx, first, moved)
        yield ctx.lines_to(first, line, moved, cost, "inconsistent-dedent", title, line=first + 1)


def _gen_shallow_line(ctx: _Ctx) -> Iterator[_Proposal]:
    """A line indented less than the code on both sides of it, which is not a block header:
    the line lost its indentation (`x = 1` flush left inside a function), so the line after it
    looks over-indented. CPython reports that next line, or the line itself."""
    if not ctx.msg.startswith(_INDENT_MESSAGES) and not _OUTSIDE.match(ctx.msg):
        return
    for distance, line in enumerate(range(ctx.line, max(ctx.line - 4, -1), -1)):
        if not ctx.is_statement(line) or ctx.is_header(line):
            continue
        previous = ctx.previous_statement(line)
        following = ctx.next_code(line)
        if previous < 0 or following >= ctx.count or not ctx.is_statement(following):
            continue
        width = ctx.width(line)
        if ctx.width(following) <= width or ctx.width(previous) <= width - 1:
            continue
        if ctx.width(previous) < width:
            continue
        targets = [_indent(ctx.lines[following])]
        if ctx.is_header(previous):
            targets.insert(0, _indent(ctx.lines[previous]) + ctx.unit)
        else:
            targets.append(_indent(ctx.lines[previous]))
        valid = _indent(ctx.lines[line]) in ctx.levels(line)
        title = f"Indent line {line + 1} like the lines around it"
        for rank, target in enumerate(dict.fromkeys(targets)):
            if _width(target) <= width:
                continue
            cost = (0.43 if valid else 0.37) + 0.1 * rank + 0.03 * distance
            # The replaced lines start at ``previous``, so the compiled window holds the block.
            moved = ctx.lines[previous:line] + ctx.shifted(line, line + 1, target)
            yield ctx.lines_to(
                previous, line + 1, moved, cost, "missing-indent-line", title, line=line + 1
            )


def _gen_tabs(ctx: _Ctx) -> Iterator[_Proposal]:
    if not ctx.msg.startswith("inconsistent use of tabs and spaces"):
        return
    line = ctx.line
    title = f"Replace the tabs in the indentation of line {line + 1} with spaces"
    # The tabs are fixed throughout the top-level statement holding the line.
    block_start = line
    while block_start > 0 and not (ctx.is_statement(block_start) and ctx.width(block_start) == 0):
        block_start -= 1
    block_end = line + 1
    while block_end < ctx.count and not (ctx.is_statement(block_end) and ctx.width(block_end) == 0):
        block_end += 1
    unit_width = 8 if ctx.unit == "\t" else len(ctx.unit.expandtabs(8))
    for size, cost in ((unit_width, 0.4), (8, 0.45), (4, 0.5)):
        ws = _indent(ctx.lines[line])
        yield ctx.put(line, 0, len(ws), ws.expandtabs(size), cost, "tab-indent", title)
        new_lines = [
            _indent(t).expandtabs(size) + t[len(_indent(t)) :] if ctx.is_code(i) else t
            for i, t in enumerate(ctx.lines[block_start:block_end], block_start)
        ]
        yield ctx.lines_to(
            block_start, block_end, new_lines, cost + 0.05, "tab-indent", title, line=line + 1
        )


def _gen_outside(ctx: _Ctx) -> Iterator[_Proposal]:
    match = _OUTSIDE.match(ctx.msg)
    if not match or not ctx.is_code(ctx.line):
        return
    word, container = match.group(1), match.group(2)
    line = ctx.line
    previous = ctx.previous_statement(line)
    if previous < 0:
        return
    ws = _indent(ctx.lines[previous])
    targets = (
        [ws + ctx.unit] if ctx.code(previous)[-1:] and ctx.code(previous)[-1].text == ":" else []
    )
    targets += [ws]
    # The body of the nearest enclosing function (or loop) above: a `return` after a loop
    # usually ends the function rather than the loop's last iteration.
    heads = ("def", "async") if container == "function" else ("for", "while", "async")
    for i in range(previous, max(previous - 400, -1), -1):
        if ctx.is_statement(i) and _first_word(ctx.lines[i]) in heads and ctx.is_header(i):
            body = _indent(ctx.lines[i]) + ctx.unit
            if body in targets:
                targets.remove(body)
            targets.insert(0, body)
            break
    title = f"Indent '{word}' into the {container} body"
    for rank, target in enumerate(targets):
        if _width(target) <= ctx.width(line):
            continue
        for mode, cost in (("block", 0.5), ("run", 0.6)):
            end = ctx.block_end(line, mode)
            # From ``previous`` on, so the compiled window holds the block it joins.
            moved = ctx.lines[previous:line] + ctx.shifted(line, end, target)
            yield ctx.lines_to(
                previous,
                end,
                moved,
                cost + 0.2 * rank,
                "outside-block",
                title,
                keyword=word,
                container=container,
                line=line + 1,
                ref_line=previous + 1,
            )


# --- slips within a line -------------------------------------------------------------------------


_AUGMENTED = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", ">>=", "<<="})


def _gen_assign_in_value(ctx: _Ctx) -> Iterator[_Proposal]:
    """`total += (a > 1) = (b == 1)` or `d = a - b = c + 2`: an '=' after the assignment's own
    '=' cannot assign to the expression before it; it was meant as a comparison."""
    if ctx.msg != "invalid syntax" and not ctx.msg.startswith("cannot assign to"):
        return
    line = ctx.statement_start(ctx.line)
    if line != ctx.line or ctx.keyword(line) in _KEYWORDS:
        return
    depth = 0
    seen = False
    for tok in ctx.code(line):
        depth += {"open": 1, "close": -1}.get(tok.kind, 0)
        if depth or tok.kind != "op":
            continue
        if tok.text in _AUGMENTED or (tok.text == "=" and not seen):
            seen = True
        elif tok.text == "=" and seen:
            title = "Use '==' to compare instead of '=' (a guess)"
            p = ctx.put(line, tok.start, tok.end, "==", 0.6, "assign-in-value", title)
            yield replace(p, guess=True)


def _gen_assign_in_condition(ctx: _Ctx) -> Iterator[_Proposal]:
    # CPython's hints: "Maybe you meant '=='", `f(x%2=1)`'s 'perhaps you meant "=="', and a
    # conditional expression cut short at the '=' (`a if n = 3 else b`).
    argument = ctx.msg.startswith("expression cannot contain assignment, perhaps you meant")
    ternary = ctx.msg == "expected 'else' after 'if' expression"
    hinted = "Maybe you meant '=='" in ctx.msg or argument
    word = ctx.keyword(ctx.line)
    if not hinted and not ternary and ctx.msg != "invalid syntax":
        return
    for line in range(ctx.line, max(ctx.end_line, ctx.line) + 1):
        for tok in ctx.code(line):
            if tok.text != "=" or (line, tok.end) <= (ctx.line, ctx.col - (1 if ternary else 0)):
                continue
            if _keyword_argument(ctx, line, tok) and not argument:
                continue
            inside_condition = word in _CONDITION_KEYWORDS or _in_comprehension_if(ctx, line, tok)
            after_if = any(t.text == "if" and t.end <= tok.start for t in ctx.code(line))
            inside_condition = inside_condition or argument or (ternary and after_if)
            if not inside_condition:
                return
            title = "Use '==' to compare instead of '='"
            cost = 0.3 if hinted else 0.6
            yield ctx.put(
                line,
                tok.start,
                tok.end,
                "==",
                cost,
                "assign-in-condition",
                title,
                keyword=word or "condition",
            )
            # `if a % 3 = 0 and a % 5 = 0:`: the same slip twice in one condition.
            others = [
                t
                for t in ctx.code(line)
                if t.text == "=" and t.start > tok.start and not _keyword_argument(ctx, line, t)
            ]
            if others and word in _CONDITION_KEYWORDS:
                text = ctx.lines[line]
                for t in reversed([tok, *others]):
                    text = text[: t.start] + "==" + text[t.end :]
                yield ctx.lines_to(
                    line,
                    line + 1,
                    [text],
                    cost + 0.1,
                    "assign-in-condition",
                    title,
                    keyword=word,
                )
            return


def _keyword_argument(ctx: _Ctx, line: int, tok: _Tok) -> bool:
    """Is the ``=`` token ``tok`` a keyword argument's, as in ``f(key=value)``?"""
    stack = ctx.open_brackets(line, tok.start)
    if not stack or stack[-1].char != "(":
        return False
    before = [t for t in ctx.code(line) if t.end <= tok.start]
    return len(before) >= 2 and before[-1].kind == "name" and before[-2].text in ("(", ",")


def _in_comprehension_if(ctx: _Ctx, line: int, tok: _Tok) -> bool:
    """Is ``tok`` in the condition of a comprehension, a conditional expression or a lambda?"""
    before = [t.text for t in ctx.code(line) if t.end <= tok.start]
    return "if" in before or "lambda" in before


_NAME_LISTS = frozenset({"for", "import", "from", "del", "global", "nonlocal"})
#: Builtins that take exactly one positional argument.
_ONE_ARGUMENT = frozenset(
    {"len", "abs", "ord", "chr", "bin", "hex", "oct", "repr", "reversed", "id", "hash"}
    | {"callable", "ascii", "bool", "all", "any", "list", "set", "tuple"}
)
_DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)


def _on_line(ctx: _Ctx, offset: int, line: int) -> bool:
    end = ctx.starts[line + 1] if line + 1 < ctx.count else len(ctx.source)
    return ctx.starts[line] <= offset < end


def _too_many_arguments(ctx: _Ctx, line: int, left: _Tok, right: _Tok | None) -> bool:
    """Would a comma after ``left`` pass more positional arguments than the callee takes?"""
    if right is None or right.kind not in _ATOM_START or right.text in _KEYWORDS:
        return False  # only `f(x y)`: an argument after another
    code_right = [t for t in ctx.code(line) if t.start >= right.end]
    if code_right and code_right[0].text == "=":
        return False  # a keyword argument
    stack = ctx.open_brackets(line, left.end)
    if not stack or stack[-1].char != "(":
        return False
    opener = stack[-1]
    code = ctx.code(opener.line)
    before = [t for t in code if t.end <= opener.col]
    if not before or before[-1].kind != "name" or before[-1].text in _KEYWORDS:
        return False
    if len(before) > 1 and before[-2].text in (".", "def", "class"):
        return False
    callee = before[-1].text
    limit: int | None = 1 if callee in _ONE_ARGUMENT else None
    for match in _DEF.finditer(ctx.source):
        if match.group(1) == callee and not _on_line(ctx, match.start(2), line):
            params = [p for p in match.group(2).split(",") if p.strip()]
            if any("*" in p or "=" in p for p in params):
                return False
            limit = len(params)
    if limit is None:
        return False
    depth = 0
    commas = 0
    for t in code:
        if t.start <= opener.col:
            continue
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            if depth == 0:
                break
            depth -= 1
        elif t.text == "," and depth == 0:
            commas += 1
    return commas + 2 > limit


#: Before a bracketed group, tokens after which `(a, b)` reads as a tuple, not an operand.
_TUPLE_BEFORE = frozenset({"=", ",", "(", "[", "{", ":", "return", "yield", "in", "lambda"})
#: After a bracketed group, tokens that end a tuple item (rather than apply an operator to it).
_TUPLE_AFTER = frozenset({",", ")", "]", "}", "=", ":", "for", "if", "in", ";"})


def _operator_left_out(ctx: _Ctx, line: int, left: _Tok) -> bool:
    """Would a comma after ``left`` make a tuple nobody writes, so that the two items side by
    side more likely lost an operator (`x[i 1]`, `(lo hi) // 2`, `lambda x: x 2 == 0`)?"""
    code = [
        (i, t)
        for i in range(ctx.statement_start(line), line + 1)
        for t in ctx.code(i)
        if i < line or t.end <= left.end
    ]
    # Walk back from ``left`` to the bracket it is in: the tokens on its level, the opener,
    # and the token before the opener.
    depth = 0
    same: list[_Tok] = []
    opener: _Tok | None = None
    opener_line = line
    previous: _Tok | None = None
    for i, tok in reversed(code):
        if opener is not None:
            previous = tok
            break
        if tok.kind == "close":
            depth += 1
        elif tok.kind == "open":
            if depth == 0:
                opener, opener_line = tok, i
                continue
            depth -= 1
        elif depth == 0:
            same.append(tok)
    items = _group_commas(ctx.lines[opener_line], opener.start) if opener is not None else 0
    if any(t.text == "lambda" for t in same):
        # The comma would end the lambda's body: right in `filter(lambda x: x < 0 xs)`, not
        # when the call already has its next argument (`filter(lambda x: x 2 == 0, xs)`).
        rest = [t for t in ctx.code(line) if t.start >= left.end]
        level = 0
        for tok in rest:
            if tok.kind == "open":
                level += 1
            elif tok.kind == "close":
                level -= 1
                if level < 0:
                    break
            elif tok.text == "," and level == 0:
                return True
        return False
    if opener is None:
        # `a, b = b, a b`: a comma that unpacks more values than there are targets.
        flat = [t for _, t in code]
        equals = [k for k, t in enumerate(flat) if t.text == "="]
        if len(equals) != 1 or any(t.kind == "open" for t in flat):
            return False
        targets = sum(t.text == "," for t in flat[: equals[0]])
        values = sum(t.text == "," for t in ctx.code(line) if t.start > flat[equals[0]].start)
        return targets > 0 and values + 1 != targets
    callee = previous is not None and (
        previous.kind in ("close", "string")
        or (previous.kind == "name" and previous.text not in _KEYWORDS)
    )
    if opener.text == "[":
        # A subscript, not a list display: `x[i 1]` lost an operator, unless ``x`` is indexed
        # elsewhere by tuples of the size the comma makes (`memo[i j]` beside `memo[i - 1, j]`).
        if not callee:
            return False
        if previous is not None and previous.kind == "name":
            if previous.text[:1].isupper():
                return False  # a generic type: `Tuple[int int]`, `Dict[str int]`
            skip = ctx.starts[opener_line] + opener.start
            return items + 1 not in _subscript_commas(ctx, previous.text, skip)
        return True
    if opener.text != "(" or callee:
        return False  # a call's arguments: a comma there is plausible
    # A parenthesised group: a tuple only where a tuple can stand.
    if previous is not None and previous.text not in _TUPLE_BEFORE:
        return True
    after = _after_group(ctx, opener_line, opener)
    return after is not None and after.text not in _TUPLE_AFTER


def _group_commas(text: str, col: int) -> int:
    """Commas directly inside the bracket that opens at ``col`` of ``text`` (up to its end)."""
    depth = 0
    commas = 0
    for tok in _lex(text[col + 1 :], ""):
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            if depth == 0:
                break
            depth -= 1
        elif tok.text == "," and depth == 0:
            commas += 1
    return commas


def _subscript_commas(ctx: _Ctx, name: str, skip: int) -> set[int]:
    """How many commas the other subscripts ``name[...]`` hold (not the one at ``skip``)."""
    found: set[int] = set()
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}[ \t]*\[", ctx.source):
        bracket = match.end() - 1
        row = bisect.bisect_right(ctx.starts, bracket) - 1
        if bracket == skip or not 0 <= row < ctx.count:
            continue
        found.add(_group_commas(ctx.lines[row], bracket - ctx.starts[row]))
    return found


def _after_group(ctx: _Ctx, line: int, opener: _Tok) -> _Tok | None:
    """The token after the bracket that closes ``opener`` (on ``line``), if on the same line."""
    depth = 0
    closed = False
    for tok in ctx.code(line):
        if tok.start <= opener.start:
            continue
        if closed:
            return tok
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            closed = depth == 0
            depth -= 1
    return None


def _gen_missing_comma(ctx: _Ctx) -> Iterator[_Proposal]:
    """Two items side by side. CPython spans both when it suggests the comma; a plain
    "invalid syntax" at the second item counts where commas separate names (`for i x in`,
    `import a b`, `a b = ...`)."""
    hinted = ctx.msg.startswith("invalid syntax. Perhaps you forgot a comma?")
    if hinted:
        end = (ctx.end_line, ctx.end_col)
    elif ctx.msg == "invalid syntax" and (
        ctx.keyword(ctx.line) in _NAME_LISTS or any(t.text == "=" for t in ctx.code(ctx.line))
    ):
        end = (ctx.line, ctx.col)
    else:
        return
    first = (ctx.line, ctx.col) if hinted else (ctx.statement_start(ctx.line), 0)
    tokens = [
        (i, t)
        for i in range(first[0], end[0] + 1)
        for t in ctx.code(i)
        if first <= (i, t.start) and (i, t.end if hinted else t.start) <= end
    ]
    gaps: list[tuple[int, _Tok, _Tok]] = []
    depth = 0
    for (line, left), (_, right) in itertools.pairwise(tokens):
        depth += {"open": 1, "close": -1}.get(left.kind, 0)
        atoms = left.kind in _ATOM_END and right.kind in _ATOM_START
        if depth <= 0 and atoms and not (left.kind == right.kind == "string"):
            gaps.append((line, left, right))
    if not hinted:
        gaps = gaps[-1:]
    in_dict = any(o.char == "{" for o in ctx.open_brackets(ctx.line, ctx.col)[-1:])
    # A comma that gives a call more arguments than its function takes is an operator left
    # out (`abs(x y)` is `abs(x - y)`, which no edit can know): no comma then.
    gaps = [g for g in gaps if not _too_many_arguments(ctx, g[0], g[1], g[2])]
    gaps = [g for g in gaps if not _operator_left_out(ctx, g[0], g[1])]
    if not hinted and ctx.keyword(ctx.line) not in _NAME_LISTS:
        # `a b = 1, 2` lost a comma; `x = a b` more likely lost an operator.
        equals = [t.start for t in ctx.code(ctx.line) if t.text == "="]
        tuple_line = any(t.text == "," for t in ctx.code(ctx.line))
        gaps = [
            g for g in gaps if equals and g[0] == ctx.line and (tuple_line or g[1].end <= equals[0])
        ]
    for rank, (line, left, right) in enumerate(reversed(gaps)):
        title = f"Insert a missing ',' between {left.text} and {right.text}"
        cost = (0.4 if hinted else 0.7) + 0.05 * rank
        yield ctx.put(
            line,
            left.end,
            left.end,
            ",",
            cost,
            "missing-comma",
            title,
            left=left.text,
            right=right.text,
        )
        if in_dict:
            title = f"Insert ':' between the key {left.text} and its value"
            yield ctx.put(
                line,
                left.end,
                left.end,
                ":",
                cost + 0.05,
                "missing-dict-colon",
                title,
                token=left.text,
            )
    same_line = [g for g in gaps if g[0] == ctx.line]
    if len(same_line) > 1:
        text = ctx.lines[ctx.line]
        for _, left, _ in reversed(same_line):
            text = text[: left.end] + "," + text[left.end :]
        yield ctx.put(
            ctx.line,
            0,
            len(ctx.lines[ctx.line]),
            text,
            0.7,
            "missing-comma",
            "Insert the missing commas",
            left=same_line[0][1].text,
            right=same_line[-1][2].text,
        )


_STARRED_TARGET = re.compile(r"\s*([\w.]+)\s*\*\s*(\w+)\s*=(?!=)")


def _gen_starred_target(ctx: _Ctx) -> Iterator[_Proposal]:
    """`first *rest = xs`: unpacking into a name and a starred name lost its comma (CPython
    reads a multiplication, which cannot be assigned to)."""
    if not ctx.msg.startswith("cannot assign to expression"):
        return
    match = _STARRED_TARGET.match(ctx.lines[ctx.line])
    if not match or ctx.statement_start(ctx.line) != ctx.line:
        return
    left, right = match.group(1), match.group(2)
    at = match.end(1)
    title = f"Insert ',' between {left} and *{right}"
    yield ctx.put(ctx.line, at, at, ",", 0.4, "missing-comma", title, left=left, right=f"*{right}")


def _gen_print(ctx: _Ctx) -> Iterator[_Proposal]:
    match = re.match(r"Missing parentheses in call to '(\w+)'", ctx.msg)
    text = ctx.lines[ctx.line]
    if not match or not text.startswith(match.group(1), ctx.col):
        return
    name = match.group(1)
    end = ctx.end_col if ctx.end_line == ctx.line else ctx.code_end(ctx.line)
    args = text[ctx.col + len(name) : end].strip()
    if name == "print" and args.endswith(","):
        args = args[:-1].rstrip() + ', end=" "'
    title = f"Call {name} with parentheses: {name}(...)"
    yield ctx.put(
        ctx.line, ctx.col, end, f"{name}({args})", 0.2, "print-statement", title, token=name
    )


_TOKEN_ERRORS = (
    "unterminated",
    "unmatched",
    "closing parenthesis",
    "unexpected indent",
    "unindent",
    "inconsistent use",
    "expected an indented block",
)
_KNOWN_NAMES = _KEYWORDS | frozenset(dir(builtins))
_SHORT_KEYWORDS = frozenset({"if", "in", "is", "or", "as", "and", "not", "for"})


def _gen_keyword_typo(ctx: _Ctx) -> Iterator[_Proposal]:
    """Misspelled keywords: `fro`, `whille`, `retrun`, `esle`, `iff`, and `else if` for `elif`.

    Near CPython's position (it often points just past the misspelling) short names and even
    other keywords are candidates (`yf`, `is` for `if`); further back only longer names.
    """
    if ctx.msg.startswith(_TOKEN_ERRORS) or "was never closed" in ctx.msg:
        return
    start = ctx.statement_start(ctx.line)
    names = ctx.names_near(ctx.line)
    tokens = [(i, t) for i in range(start, ctx.end_line + 1) for t in ctx.code(i)]
    error = next(
        (k for k, (i, t) in enumerate(tokens) if (i, t.end) > (ctx.line, ctx.col)), len(tokens)
    )
    until = next(
        (k for k, (i, t) in enumerate(tokens) if (i, t.start) >= (ctx.end_line, ctx.end_col)),
        len(tokens),
    )
    for k, (line, tok) in enumerate(tokens[: max(until, error) + 1]):
        if tok.kind != "name":
            continue
        near = error - 2 <= k <= error + 1
        following = tokens[k + 1][1] if k + 1 < len(tokens) and tokens[k + 1][0] == line else None
        if tok.text == "else" and following is not None and following.text == "if":
            title = "Replace 'else if' with 'elif'"
            yield ctx.put(line, tok.start, following.end, "elif", 0.2, "else-if", title)
            continue
        if tok.text in ("elseif", "elsif", "elif_"):
            title = f"Replace '{tok.text}' with 'elif'"
            yield ctx.put(line, tok.start, tok.end, "elif", 0.3, "else-if", title)
            continue
        if tok.text in keyword.softkwlist or tok.text in ("True", "False", "None"):
            continue
        in_use = tok.text in _KNOWN_NAMES or tok.text in names
        trailer = following is not None and following.start == tok.end
        if in_use and trailer and tokens[k + 1][1].text in ("(", ".", "["):
            continue  # `min(`, `x.y`, `a[i]`: a name in use, not a misspelled keyword
        # One keyword for another (`is` for `if`) only where no keyword made sense to CPython.
        swap = near and tok.text in _SHORT_KEYWORDS and ctx.msg == "invalid syntax"
        if tok.text == "for" and "in" in [t.text for _, t in tokens[k + 1 :]]:
            swap = False  # `x for y in z`: a generator, not a misspelling
        if tok.text in _KEYWORDS and not swap:
            continue
        first = line == start and k == 0
        rest = [t.text for _, t in tokens[k + 1 :]]
        # `fi (n == 1):` reads as a call until the ':', far from the misspelling: a header's
        # first word is as near as it gets.
        near = near or (first and bool(rest) and rest[-1] == ":" and not in_use)
        for word, cost in _keyword_matches(tok.text, near):
            cost += 0.0 if first else 0.3
            cost += _shape(word, rest, first)
            cost += 0.8 if tok.text in names or tok.text in _KNOWN_NAMES else 0.0
            title = f"Correct '{tok.text}' to '{word}'"
            yield ctx.put(
                line,
                tok.start,
                tok.end,
                word,
                cost,
                "keyword-typo",
                title,
                token=tok.text,
                keyword=word,
            )


def _keyword_matches(name: str, near: bool) -> Iterator[tuple[str, float]]:
    lower = name.lower()
    for word in sorted(_KEYWORDS):
        if lower == word:
            if name != word:
                yield word, 0.3
            continue
        if abs(len(word) - len(name)) > 2 or len(name) < (2 if near else 3):
            continue
        distance = _distance(lower, word)
        if distance == 1 and (len(name) > 2 or len(word) <= 3):
            yield word, 0.5 if len(name) > 2 else 0.6
        elif distance == 2 and min(len(name), len(word)) >= 5:
            yield word, 0.9


def _shape(word: str, rest: list[str], first: bool) -> float:
    """How well the tokens after a misspelled word fit the keyword ``word``: `for` wants an
    `in`, `def` and `class` a name and a closing ':', `if` and `while` a closing ':'."""
    header = bool(rest) and rest[-1] == ":"
    if word == "for":
        return -0.15 if "in" in rest[1:] else 0.2
    if word in ("def", "class"):
        fits = first and header and len(rest) > 1 and rest[1] in ("(", ":")
        return -0.2 if fits and rest[0].isidentifier() else 0.3
    if word in ("if", "elif", "while", "with", "except"):
        return -0.05 if header or not first else 0.3
    if word in ("else", "try", "finally"):
        return 0.0 if rest == [":"] else 0.3
    return 0.0


_FOREIGN_OPERATORS = {"&&": "and", "||": "or"}
_FOREIGN_DECLARATIONS = frozenset({"var", "let", "const", "val", "auto", "int", "string"})
_JS_DECLARATIONS = frozenset({"var", "let", "const"})
_BARE_DECLARATION = re.compile(
    r"[ \t]*(var|let|const|int|auto|string)[ \t]+([A-Za-z_]\w*)[ \t]*;?[ \t]*(?:(?://|#).*)?$"
)
_ANGLE_GENERIC = re.compile(
    r"\b([A-Z]\w*)<([\w.]+(?:\[[\w., \[\]]*\])?(?:, *[\w.]+)*)>(?=[,)\]:]| *$)"
)


def _assigned(source: str, name: str) -> bool:
    """Is ``name`` given a value somewhere in ``source`` (assigned, a loop variable, bound by
    ``as``, a parameter)?"""
    pattern = (
        rf"\b{name}\s*(?::[^=\n]*)?=(?!=)|\b(?:for|as|import)\s+{name}\b"
        rf"|\bdef\s+\w+\s*\([^)]*\b{name}\b"
    )
    return re.search(pattern, source) is not None


def _c_comment(ctx: _Ctx, line: int) -> Iterator[_Proposal]:
    """A line comment `// ...` or a block comment `/* ... */` at the start of a line: Python
    writes comments with '#'."""
    text = ctx.lines[line]
    ws = _indent(text)
    body = text[len(ws) :]
    if body.startswith("//"):
        new = ws + "#" + body[2:]
        title = "Write the comment with '#'"
        yield ctx.put(
            line, 0, len(text), new, 0.3, "foreign-syntax", title, token="//", replacement="#"
        )
        if _looks_like_statement(body[2:].strip()):
            # Or the code was commented out by mistake (a block left empty tells).
            title = "Remove the '//' in front of the code"
            yield ctx.put(
                line, 0, len(text), ws + body[2:].lstrip(), 0.32, "extra-token", title, token="//"
            )
    elif body.startswith("/*"):
        end = next(
            (i for i in range(line, min(line + 50, ctx.count)) if "*/" in ctx.lines[i]), None
        )
        if end is None:
            return
        new_lines = []
        for i in range(line, end + 1):
            current = ctx.lines[i]
            if i == line:
                current = ws + current[len(ws) + 2 :]
            if i == end:
                current = current.replace("*/", "", 1).rstrip()
            inner = _indent(current)
            rest = current[len(inner) :]
            extra = inner[len(ws) :] if inner.startswith(ws) else ""
            new_lines.append(ws + "# " + extra + rest if rest else current)
        if end == line:
            inside = body[2:].replace("*/", "", 1).strip()
            if _looks_like_statement(inside):
                title = "Remove the '/* */' around the code"
                yield ctx.put(
                    line, 0, len(text), ws + inside, 0.37, "extra-token", title, token="/* */"
                )
        title = "Write the block comment with '#'"
        yield ctx.lines_to(
            line,
            end + 1,
            new_lines,
            0.35,
            "foreign-syntax",
            title,
            token="/* */",
            replacement="#",
            line=line + 1,
        )


def _gen_foreign(ctx: _Ctx) -> Iterator[_Proposal]:
    """Syntax from C, Java or JavaScript written in Python."""
    if ctx.msg not in _PLAIN_INVALID:
        return
    line = ctx.line
    text = ctx.lines[line]
    code = ctx.code(line)
    yield from _c_comment(ctx, line)
    # `var total;` (a declaration without a value): Python needs none, the line goes.
    bare = _BARE_DECLARATION.match(text)
    if bare and not _assigned(ctx.source, bare.group(1)):
        yield ctx.lines_to(
            line,
            line + 1,
            [],
            0.45,
            "foreign-declaration-line",
            f"Remove the declaration of '{bare.group(2)}'",
            token=bare.group(1),
            name=bare.group(2),
        )
    # `List<int>`: a generic type written with angle brackets.
    for generic in _ANGLE_GENERIC.finditer(text):
        new = f"{generic.group(1)}[{generic.group(2)}]"
        yield ctx.put(
            line,
            generic.start(),
            generic.end(),
            new,
            0.4,
            "foreign-syntax",
            f"Replace '{generic.group()}' with '{new}'",
            token=generic.group(),
            replacement=new,
        )
    for i, tok in enumerate(code):
        nxt = code[i + 1] if i + 1 < len(code) else None
        pair = tok.text + (nxt.text if nxt is not None and nxt.start == tok.end else "")
        if pair in _FOREIGN_OPERATORS and nxt is not None:
            new = _FOREIGN_OPERATORS[pair]
            yield ctx.put(
                line,
                tok.start,
                nxt.end,
                new,
                0.3,
                "foreign-syntax",
                f"Replace '{pair}' with '{new}'",
                token=pair,
                replacement=new,
            )
        elif tok.text == "!" and nxt is not None:
            yield ctx.put(
                line,
                tok.start,
                nxt.start,
                "not ",
                0.3,
                "foreign-syntax",
                "Replace '!' with 'not'",
                token="!",
                replacement="not",
            )
        elif tok.text == "//" and i > 0 and nxt is not None and nxt.kind == "name":
            rest = text[nxt.start :]
            if len(rest.split()) > 1:
                yield ctx.put(
                    line,
                    tok.start,
                    tok.end,
                    "#",
                    0.6,
                    "foreign-syntax",
                    "Write the comment with '#'",
                    token="//",
                    replacement="#",
                )
    if len(code) >= 2 and code[0].kind == "name" and code[1].kind == "name":
        first = code[0].text
        if first in _FOREIGN_DECLARATIONS:
            yield ctx.put(
                line,
                code[0].start,
                code[1].start,
                "",
                0.4,
                "foreign-declaration",
                f"Remove '{first}'",
                token=first,
            )
        elif first == "function":
            yield ctx.put(
                line,
                code[0].start,
                code[0].end,
                "def",
                0.4,
                "foreign-syntax",
                "Replace 'function' with 'def'",
                token=first,
                replacement="def",
            )
    # `n += var f(x)`, `[var i + 1]`: a JavaScript declaration keyword inside an expression.
    for prev, tok, nxt in zip(code, code[1:], code[2:], strict=False):
        if (
            tok.text in _JS_DECLARATIONS
            and not _assigned(ctx.source, tok.text)
            and prev.kind in ("op", "open")
            and prev.text != "."
            and nxt.kind in _ATOM_START
        ):
            yield ctx.put(
                line,
                tok.start,
                nxt.start,
                "",
                0.4,
                "foreign-declaration",
                f"Remove '{tok.text}'",
                token=tok.text,
            )
    if len(code) >= 2 and code[-1].text in ("+", "-") and code[-2].text == code[-1].text:
        op = code[-1].text
        target = text[code[0].start : code[-2].start].strip()
        if target:
            yield ctx.put(
                line,
                code[0].start,
                code[-1].end,
                f"{target} {op}= 1",
                0.4,
                "foreign-syntax",
                f"Replace '{op}{op}' with '{op}= 1'",
                token=op + op,
                replacement=f"{op}= 1",
            )


def _gen_missing_call(ctx: _Ctx) -> Iterator[_Proposal]:
    """`node = TreeNode val`: a function (only ever called elsewhere) lost its parentheses."""
    if ctx.msg not in _PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    if len(code) < 2 or ctx.statement_start(ctx.line) != ctx.line:
        return
    callee, argument = code[-2], code[-1]
    if callee.kind != "name" or callee.text in _KEYWORDS or callee.text in _KNOWN_NAMES:
        return
    if argument.kind not in ("name", "number", "string") or argument.text in _KEYWORDS:
        return
    if len(code) > 2 and (code[-3].text == "." or code[-3].kind not in ("op", "open")):
        return
    skip = ctx.starts[ctx.line] + callee.start
    if not (_only_called(ctx, callee.text, skip) or _class_like(ctx, callee.text)):
        return
    yield ctx.put(
        ctx.line,
        callee.end,
        argument.end,
        f"({argument.text})",
        0.45,
        "missing-call-parentheses",
        f"Call '{callee.text}' with parentheses",
        token=callee.text,
    )


def _only_called(ctx: _Ctx, name: str, skip: int) -> bool:
    """Is ``name`` called elsewhere, and never used otherwise (beyond its definition)?"""
    calls = 0
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\b", ctx.source):
        if match.start() == skip:
            continue
        before = ctx.source[max(match.start() - 6, 0) : match.start()]
        if re.search(r"(?:class|def)\s+$", before):
            continue
        if not re.match(r"[ \t]*\(", ctx.source[match.end() :]):
            return False
        calls += 1
    return calls > 0


_CAP_WORDS = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*")


def _class_like(ctx: _Ctx, name: str) -> bool:
    """A CapWords name never assigned in the file: by convention a class, which is called
    (`TreeNode val` is `TreeNode(val)`), even when it also appears in annotations."""
    if not _CAP_WORDS.fullmatch(name):
        return False
    assigned = re.compile(rf"(?<![\w.]){re.escape(name)}\s*(?:=(?!=)|,[^\n]*=(?!=))")
    return not assigned.search(ctx.source)


_NUMBER_NAME = re.compile(r"(?<![\w.])(\d+)([A-Za-z_]\w*)")


def _callee(ctx: _Ctx, opener: _Open) -> str:
    """The token before an opening parenthesis (the called name), "" for other brackets."""
    before = [t for t in ctx.code(opener.line) if t.end <= opener.col]
    return before[-1].text if opener.char == "(" and before else ""


def _gen_number_name(ctx: _Ctx) -> Iterator[_Proposal]:
    """`len(0rec)` or `2x`: digits run into a name ("invalid decimal literal"). A stray digit
    before a name used nearby is removed; a number times a name (`2x`) gets its '*'."""
    if not ctx.msg.startswith("invalid decimal literal"):
        return
    text = ctx.lines[ctx.line]
    near = ctx.names_near(ctx.line)
    for match in _NUMBER_NAME.finditer(text):
        if not match.start() <= ctx.col <= match.end():
            continue
        stack = ctx.open_brackets(ctx.line, match.start())
        if stack and _callee(ctx, stack[-1]) not in _ONE_ARGUMENT:
            continue  # `range(1i+1)`: a lost comma, which the comma repair offers
        digits, name = match.group(1), match.group(2)
        if name not in near:
            continue
        title = f"Remove the stray '{digits}' before '{name}'"
        yield ctx.put(
            ctx.line,
            match.start(),
            match.start(1) + len(digits),
            "",
            0.5,
            "extra-token",
            title,
            token=digits,
        )
        title = f"Multiply: '{digits} * {name}' (a guess)"
        p = ctx.put(
            ctx.line,
            match.end(1),
            match.end(1),
            " * ",
            0.7,
            "missing-operator",
            title,
            left=digits,
            right=name,
            operator="*",
        )
        yield replace(p, guess=True)


def _gen_bare_generator(ctx: _Ctx) -> Iterator[_Proposal]:
    """`return x for x in xs`: a generator expression needs its parentheses."""
    if ctx.msg != "invalid syntax":
        return
    code = ctx.code(ctx.line)
    at = next((k for k, t in enumerate(code) if t.start == ctx.col), None)
    if at is None or code[at].text != "for" or len(code) < 3:
        return
    if code[0].text not in ("return", "yield") or at < 2:
        return
    if ctx.open_brackets(ctx.line, ctx.col) or "in" not in [t.text for t in code[at + 1 :]]:
        return
    if ctx.statement_start(ctx.line) != ctx.line or code[-1].text in (":", ","):
        return
    start = code[1].start
    end = code[-1].end
    text = ctx.lines[ctx.line]
    yield ctx.put(
        ctx.line,
        start,
        end,
        "(" + text[start:end] + ")",
        0.5,
        "bare-generator",
        "Put the generator expression in parentheses",
        keyword=code[0].text,
    )


def _gen_unparenthesized_generator(ctx: _Ctx) -> Iterator[_Proposal]:
    """`f(x for x in xs, 1)`: CPython marks the generator expression that needs its own
    parentheses when it is not a call's only argument."""
    if ctx.msg != "Generator expression must be parenthesized" or ctx.end_line != ctx.line:
        return
    text = ctx.lines[ctx.line]
    if not ctx.col < ctx.end_col <= len(text):
        return
    inner = text[ctx.col : ctx.end_col]
    yield ctx.put(
        ctx.line,
        ctx.col,
        ctx.end_col,
        f"({inner})",
        0.4,
        "bare-generator",
        "Put the generator expression in parentheses",
        keyword="call",
    )


_OPERATOR_FAMILIES = {op: "arithmetic" for op in ("+", "-", "*", "/", "//", "%")}
_OPERATOR_FAMILIES |= {op: "comparison" for op in ("==", "!=", "<", ">", "<=", ">=")}
_OPERATOR_FAMILIES |= {"and": "boolean", "or": "boolean"}
_BINARY_OPERATORS = tuple(_OPERATOR_FAMILIES)


def _sibling_operators(ctx: _Ctx, line: int, left: _Tok, right: _Tok) -> dict[str, int]:
    """Binary operators used nearby between operands like ``left`` and ``right``: 2 points
    when the right operand is the same token, 1 when the left one is."""
    found: dict[str, int] = {}
    for i in range(max(line - 5, 0), min(line + 6, ctx.count)):
        code = ctx.code(i)
        for a, op, b in zip(code, code[1:], code[2:], strict=False):
            if op.text not in _BINARY_OPERATORS or (i == line and a.end == left.end):
                continue
            points = 2 * (b.text == right.text) + (a.text == left.text)
            if points:
                found[op.text] = found.get(op.text, 0) + points
    return found


def _gen_missing_operator(ctx: _Ctx) -> Iterator[_Proposal]:
    """`x[i 1]`, `(lo hi) // 2`, `if x pivot:`: two operands side by side where a comma makes
    no sense lost the operator between them. Which one cannot be known; the token model ranks
    them and the best few are offered as guesses, never applied unasked."""
    if not ctx.msg.startswith(_PLAIN_INVALID):
        return
    line = ctx.line
    code = ctx.code(line)
    text = ctx.lines[line]
    context = ctx.lines[line - 1] + "\n" if line > 0 else ""
    for left, right in itertools.pairwise(code):
        if left.kind not in _ATOM_END or right.kind not in _ATOM_START:
            continue
        if left.text in _KEYWORDS or right.text in _KEYWORDS or right.start < ctx.col - 1:
            continue
        if right.kind == "open" and left.kind != "number":
            continue  # `xs [i]`, `f (x)`: a subscript or a call, not two operands
        if right.start > max(ctx.col, ctx.end_col if ctx.end_line == line else ctx.col):
            break
        if ctx.open_brackets(line, left.end) and not _operator_left_out(ctx, line, left):
            continue  # a call's arguments or a list: the comma repair covers these
        before, after = text[: left.end], text[right.start :]
        ranked = TokenModel.load().best_between(
            context + before, after, [f" {op} " for op in _BINARY_OPERATORS]
        )
        # The code nearby often says which: `i < len(a) and j len(b)`, `xs[i - 1, j 1]`; only
        # within the kind of operator the model expects (arithmetic, comparison, boolean).
        family = _OPERATOR_FAMILIES[ranked[0][0].strip()]
        siblings = _sibling_operators(ctx, line, left, right)
        ranked.sort(
            key=lambda option: (
                -siblings.get(option[0].strip(), 0)
                * (_OPERATOR_FAMILIES[option[0].strip()] == family)
            )
        )
        for rank, (spaced, _) in enumerate(ranked[:3]):
            op = spaced.strip()
            title = f"Insert '{op}' between {left.text} and {right.text} (a guess)"
            p = ctx.put(
                line,
                left.end,
                right.start,
                spaced,
                0.9 + 0.05 * rank,
                "missing-operator",
                title,
                left=left.text,
                right=right.text,
                operator=op,
            )
            yield replace(p, guess=True)
        return


_LATE_INDENT_MESSAGES = (
    "'return' outside function",
    "'yield' outside function",
    "'break' outside loop",
    "'continue' not properly in loop",
    "'await' outside function",
    "unindent does not match any outer indentation level",
)


def _gen_dedented_header(ctx: _Ctx) -> Iterator[_Proposal]:
    """`for j in xs:` pushed left of its own block, which stays where it was: CPython only
    complains later (a `return` outside the function, an unindent matching no level). The
    header goes back one level above its body, if the statement before it allows that."""
    if not ctx.msg.startswith(_LATE_INDENT_MESSAGES):
        return
    unit = _width(ctx.unit)
    for header in range(ctx.line - 1, max(ctx.line - 60, -1), -1):
        if not ctx.is_statement(header) or not ctx.is_header(header):
            continue
        body = ctx.next_code(header)
        if body >= ctx.count or body > ctx.line:
            continue
        target = ctx.width(body) - unit
        previous = ctx.previous_statement(header)
        if ctx.width(header) >= target or previous < 0 or ctx.width(previous) < target:
            continue
        if ctx.width(previous) == target or ctx.is_header(previous):
            moved = ctx.shifted(header, header + 1, " " * target)
            title = f"Indent line {header + 1} back to the level of its block"
            word = _first_word(ctx.lines[header])
            yield ctx.lines_to(
                header,
                header + 1,
                moved,
                0.4,
                "dedented-header",
                title,
                line=header + 1,
                keyword=word,
                error_line=ctx.line + 1,
            )
        return


def _gen_continuation(ctx: _Ctx) -> Iterator[_Proposal]:
    """An expression broken over two lines without brackets: `total = a +` / `    b`."""
    if ctx.msg != "invalid syntax":
        return
    line = ctx.line
    code = ctx.code(line)
    nxt = ctx.next_code(line)
    if not code or nxt >= ctx.count or ctx.width(nxt) <= ctx.width(ctx.statement_start(line)):
        return
    last = code[-1]
    if (last.kind == "op" and last.text not in (":", ";", "=")) or last.text == ",":
        title = "Continue the statement on the next line with '\\'"
        yield ctx.put(
            line, last.end, last.end, " \\", 0.9, "line-continuation", title, token=last.text
        )


_CLOSER_COST = {")": 2.0, "]": 2.2, "}": 2.4}
#: Deleting a bracket or '=' turns two expressions into a call or a comparison: never generic.
_DELETABLE = frozenset({":", ",", ";", "."})


def _gen_generic(ctx: _Ctx) -> Iterator[_Proposal]:
    """One-token edits near the error, dearer further away. Only tokens that fit the spot are
    inserted (a closer for an open bracket, ',' inside brackets, ':' ending a header), since a
    stray ',' or ':' makes almost any line parse without fixing it."""
    word = ctx.keyword(ctx.line)
    for line in (ctx.line, ctx.line - 1):
        if line < 0 or not ctx.is_code(line):
            continue
        far = 0.6 * (ctx.line - line)
        code = ctx.code(line)
        here = len([t for t in code if t.start < ctx.col]) if line == ctx.line else len(code)
        for k, col in enumerate(t.end for t in code):
            near = far + 0.1 * abs(k + 1 - here)
            stack = ctx.open_brackets(line, col)
            inserts: list[tuple[str, float]] = []
            if stack:
                closer = _OPENERS[stack[-1].char]
                inserts.append((closer, _CLOSER_COST[closer]))
                following = code[k + 1] if k + 1 < len(code) else None
                between = (
                    following is not None
                    and code[k].kind in _ATOM_END
                    and following.kind in _ATOM_START
                )
                # Two items side by side that more likely lost an operator: no ',' or ':'.
                lost = between and _operator_left_out(ctx, line, code[k])
                if not lost and not _too_many_arguments(ctx, line, code[k], following):
                    inserts.append((",", 2.2))
                if stack[-1].char == "{" or (stack[-1].char == "[" and not lost):
                    inserts.append((":", 2.2))
            elif k == len(code) - 1 and word in _HEADER_KEYWORDS and code[k].text != ":":
                inserts.append((":", 2.0))
            for token, base in inserts:
                title = f"Insert '{token}'"
                yield ctx.put(
                    line, col, col, token, base + near, "missing-token", title, token=token
                )
        for k, tok in enumerate(code):
            near = far + 0.1 * abs(k - here)
            if tok.kind == "other" and not tok.text.isspace():
                title = f"Remove '{tok.text}'"
                yield ctx.put(
                    line, tok.start, tok.end, "", 1.2 + near, "extra-token", title, token=tok.text
                )
            elif tok.text in _DELETABLE:
                title = f"Remove '{tok.text}'"
                yield ctx.put(
                    line, tok.start, tok.end, "", 2.6 + near, "extra-token", title, token=tok.text
                )
            if tok.text == "=" and word in _CONDITION_KEYWORDS:
                yield ctx.put(
                    line,
                    tok.start,
                    tok.end,
                    "==",
                    2.0 + near,
                    "assign-in-condition",
                    "Use '==' to compare instead of '='",
                    keyword=word,
                )


_GENERATORS: tuple[Generator, ...] = (
    _gen_missing_colon,
    _gen_never_closed,
    _gen_open_in_line,
    _gen_unmatched,
    _gen_mismatch,
    _gen_missing_opener,
    _gen_string,
    _gen_triple_string,
    _gen_indented_block,
    _gen_unexpected_indent,
    _gen_dedent,
    _gen_misplaced_clause,
    _gen_tabs,
    _gen_outside,
    _gen_shallow_line,
    _gen_assign_in_condition,
    _gen_assign_in_value,
    _gen_missing_comma,
    _gen_starred_target,
    _gen_print,
    _gen_keyword_typo,
    _gen_foreign,
    _gen_continuation,
    _gen_bare_generator,
    _gen_unparenthesized_generator,
    _gen_number_name,
    _gen_dedented_header,
    _gen_missing_operator,
    _gen_missing_call,
    _gen_generic,
)


# --- checking proposals --------------------------------------------------------------------------

_INDENT_MESSAGES = ("unexpected indent", "unindent does not match", "inconsistent use of tabs")
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
    breaks = len(LINE_BREAK.findall(text))
    return breaks + (0 if not text or text[-1] in "\r\n" else 1)


def _place(p: _Proposal, fault: Fault) -> _Place:
    line = fault.line - 1
    added = _new_line_count(p.text)
    if line < p.first:
        return _Place(line, fault.col, False, fault.msg)
    if line < p.first + added:
        return _Place(p.first, fault.col, True, fault.msg)
    return _Place(line - added + p.last - p.first, fault.col, False, fault.msg)


class _Search:
    def __init__(self, ctx: _Ctx, deadline: float | None) -> None:
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

    def _compile(self, p: _Proposal | None) -> Fault | None:
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

    def _past(self, p: _Proposal, place: _Place) -> bool:
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

    def progress(self, p: _Proposal) -> _Place | bool | None:
        """None when the window parses, the later failure, or False when it fails no later."""
        fault = self._compile(p)
        if fault is None:
            return None
        place = _place(p, fault)
        return place if self._past(p, place) else False

    def penalty(self, p: _Proposal) -> float | None:
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
        if not self._past(p, place):
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
        same = same and self.ctx.lines[outcome.line].lstrip()[:1] not in _PAIRS
        if self._caused_by(p, outcome.msg) and not same:
            return None
        return _PARTIAL_PENALTY

    def _caused_by(self, p: _Proposal, msg: str) -> bool:
        """Could ``p`` itself cause a later bracket or string error? Adding or removing a
        bracket or quote shows up far away: "unmatched '}'" lines below an inserted '}'."""
        old = self.ctx.raw(p.first, p.last)
        touched = {c for c in "()[]{}'\"" if old.count(c) != p.text.count(c)}
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
        never = _NEVER_CLOSED.fullmatch(msg)
        if never:
            opener = never.group(1)
            return added(opener) > 0 or added(_OPENERS[opener]) < 0
        unmatched = _UNMATCHED.fullmatch(msg)
        if unmatched:
            closer = unmatched.group(1)
            return added(closer) > 0 or added(_PAIRS[closer]) < 0
        quoted = set(re.findall(r"'(.)'", msg))
        return bool(quoted & {c for t in touched for c in (t, *_PAIRS.get(t, ""))})

    def baseline(self) -> int | None:
        """The line where the window fails with the broken statement blanked, if it does."""
        if not self._baseline_known:
            self._baseline_known = True
            neutral = _neutral(self.ctx, 0)
            if self.window.start <= neutral.first and neutral.last <= self.window.end:
                outcome = self.progress(neutral)
                if isinstance(outcome, _Place):
                    self._baseline = outcome.line
                    self._baseline_msg = outcome.msg
        return self._baseline

    def confirm(self, p: _Proposal) -> bool:
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

    def oddity(self, p: _Proposal) -> float:
        """A penalty when ``p`` compiles into code nobody writes or that fails at run time
        (see ``repair.oddity``), judged on the lines it replaces."""
        window = self.window
        text = self._text
        a = self._offsets[p.first - window.start]
        b = self._offsets[p.last - window.start]
        text = text[:a] + p.text + text[b:]
        prefix = "if 1:\n" if window.nested else ""
        try:
            tree = ast.parse(prefix + text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return 0.0
        first = p.first - window.start + 1 + bool(prefix)
        last = first + _new_line_count(p.text) - 1
        return oddity(tree, first, last, self.ctx.names)

    def _offsets_whole(self, line: int) -> int:
        ctx = self.ctx
        return ctx.starts[line] if line < ctx.count else len(ctx.source)


def _windows(ctx: _Ctx, lo: int, hi: int) -> list[_Window]:
    """Windows holding lines ``lo:hi``, smallest first, ending with the whole file."""
    nested: int | None = None
    top = 0
    bound = 1 << 30
    for i in range(min(hi, ctx.count) - 1, -1, -1):
        if not ctx.is_statement(i):
            continue
        width = ctx.width(i)
        if i <= lo and width <= bound and _first_word(ctx.lines[i]) not in _CONTINUATION_KEYWORDS:
            if width == 0:
                top = i
                break
            # A nested window is one definition: everything after its first line is inside it.
            if nested is None and width < bound and _first_word(ctx.lines[i]) in _DEFINITIONS:
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


def _first_word(text: str) -> str:
    match = re.match(r"\s*(\w*)", text)
    return match.group(1) if match else ""


_STATEMENT_CHAR = re.compile(r"[A-Za-z_@]")


def _window_end(ctx: _Ctx, start: int, hi: int, strict: bool) -> int:
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
        if not strict and not _STATEMENT_CHAR.match(ctx.lines[j], len(_indent(ctx.lines[j]))):
            continue
        if width == base and _first_word(ctx.lines[j]) in _CONTINUATION_KEYWORDS:
            continue
        return j
    return ctx.count


def _neutral(ctx: _Ctx, extra: int) -> _Proposal:
    """Blank the broken statement (and ``extra`` more lines), keeping the line count: its first
    line becomes ``pass``, or a header stub such as ``if 1:`` when a block follows."""
    block = _INDENTED_BLOCK.fullmatch(ctx.msg)
    if block and 0 < int(block.group(2)) <= ctx.count:
        start = int(block.group(2)) - 1
    elif ctx.msg.startswith(_INDENT_MESSAGES):
        start = ctx.line
    else:
        start = ctx.statement_start(ctx.line)
    end = min(max(ctx.line, start) + 1 + extra, ctx.count)
    ws = _indent(ctx.lines[start])
    if ctx.msg.startswith(_INDENT_MESSAGES):
        levels = ctx.levels(start)
        ws = levels[0] if levels else ""
    following = ctx.next_code(end - 1)
    has_body = not block and following < ctx.count and ctx.width(following) > _width(ws)
    stub = _STUBS.get(_first_word(ctx.lines[start]), "if 1:") if has_body else "pass"
    new_lines = [ws + stub] + [""] * (end - start - 1)
    return ctx.lines_to(start, end, new_lines, 0.0, "neutral", "Blank the statement")


# --- entry points --------------------------------------------------------------------------------


def _proposals(ctx: _Ctx) -> list[_Proposal]:
    best: dict[tuple[int, int, str], _Proposal] = {}
    if len(ctx.lines[ctx.line]) > _MAX_LINE:
        return []
    for generator in _GENERATORS:
        for p in generator(ctx):
            key = (p.first, p.last, p.text)
            if p.text != ctx.raw(p.first, p.last) and (key not in best or p < best[key]):
                best[key] = p
    return sorted(best.values())


def _edits(ctx: _Ctx, p: _Proposal) -> tuple[Edit, ...]:
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
        return (Edit(base, base + len(old_mid), new_mid),)
    return tuple(
        Edit(e.start + base, e.end + base, e.new_text) for e in minimal_edits(old_mid, new_mid)
    )


def repair_syntax(
    source: str, problem: Problem, deadline: float | None = None, max_candidates: int = 3
) -> list[Candidate]:
    """Verified repairs for the syntax error ``problem``, best (cheapest) first.

    Each gets past the error: the code around it parses afterwards, or fails only further on
    where a separate error lies. Empty when no repair is convincing.
    """
    if not problem.is_syntax or max_candidates <= 0 or not source:
        return []
    if problem.message.startswith(_LIMITS):
        return []
    ctx = _Ctx(source, problem)
    search = _Search(ctx, deadline)
    ranked = _rank(ctx, search, max_candidates)
    candidates: list[Candidate] = []
    seen: set[tuple[Edit, ...]] = set()
    for score, p in ranked:
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
                guess=p.guess or (p.then is not None and p.then.guess),
            )
        )
        if len(candidates) == max_candidates:
            break
    return candidates


def _needs_from(ctx: _Ctx, p: _Proposal) -> int:
    """The first line a window must hold to check ``p``: a line starting with `else` or
    `except` needs the statement before it; a top-level line indented by ``p`` joins the
    top-level statement before it."""
    if _first_word(p.text) in _CONTINUATION_KEYWORDS:
        return p.first - 1
    if ctx.width(p.first) == 0 and p.text[:1] in " \t":
        for i in range(p.first - 1, max(p.first - 2000, -1), -1):
            if ctx.is_statement(i) and ctx.width(i) == 0:
                return i
    return p.first


def _rank(ctx: _Ctx, search: _Search, max_candidates: int) -> list[tuple[float, _Proposal]]:
    proposals = _proposals(ctx)
    if not proposals:
        return []
    lo = min(_needs_from(ctx, p) for p in proposals)
    hi = max(p.last for p in proposals)
    if not search.calibrate(max(lo, 0), hi):
        return []
    accepted: list[tuple[float, _Proposal]] = []
    wanted = max_candidates + 1  # one spare, in case the best fails on the whole file
    for p in proposals:
        if search.expired() or search.checks >= _MAX_CHECKS:
            break
        if accepted and p.cost > accepted[0][0] + _MARGIN:
            break
        if len(accepted) >= wanted and p.cost >= accepted[wanted - 1][0]:
            break
        penalty = search.penalty(p)
        if penalty is not None:
            accepted.append((p.cost + penalty + search.oddity(p), p))
            accepted.sort()
    if not accepted:
        accepted = _pairs(ctx, search, proposals, wanted)
    return accepted


#: Two slips on one line (`-> 'None` without its ':', `if a = 1 or b = 2:`): when no single
#: edit gets past the error, the cheapest edits are followed by the edits the next error asks
#: for, on the same lines.
_PAIR_FIRST = 4
_PAIR_SECOND = 6
_PAIR_COST = 0.4


def _pairs(
    ctx: _Ctx, search: _Search, proposals: list[_Proposal], wanted: int
) -> list[tuple[float, _Proposal]]:
    accepted: list[tuple[float, _Proposal]] = []
    firsts = [p for p in proposals if _keeps_lines(p) and p.cost <= proposals[0].cost + _MARGIN]
    for p in firsts[:_PAIR_FIRST]:
        if search.expired() or search.checks >= _MAX_CHECKS:
            break
        fault = search._compile(p)
        if fault is None or not p.first <= fault.line - 1 < p.last:
            continue  # parses (then it was accepted already), or fails elsewhere
        if search._caused_by(p, fault.msg):
            continue  # `(lo( hi)`: the next error is the edit's own bracket, not a second slip
        source = ctx.source[: ctx.starts[p.first]] + p.text
        source += ctx.source[search._offsets_whole(p.last) :]
        later = _Ctx(source, fault_to_problem(source, fault))
        if (later.line, later.msg) == (ctx.line, ctx.msg):
            continue
        for q in _proposals(later)[:_PAIR_SECOND]:
            if search.expired() or not _keeps_lines(q):
                continue
            first, last = min(p.first, q.first), max(p.last, q.last)
            if not search.window.start <= first < last <= search.window.end:
                continue
            text = later.raw(first, q.first) + q.text + later.raw(q.last, last)
            cost = p.cost + q.cost + _PAIR_COST
            title = f"{p.title}; {q.title[:1].lower()}{q.title[1:]}"
            both = _Proposal(cost, first, last, text, p.kind, title, p.facts, p.guess, q)
            penalty = search.penalty(both)
            if penalty is not None:
                accepted.append((cost + penalty, both))
        if len(accepted) >= wanted:
            break
    return sorted(accepted)


def _keeps_lines(p: _Proposal) -> bool:
    return _new_line_count(p.text) == p.last - p.first


def recover(source: str, problem: Problem, deadline: float | None = None) -> list[Edit]:
    """Edits that get past ``problem`` so parsing can go on, for listing every error: the best
    repair (not confirmed on the whole file; the caller compiles it anyway), else the broken
    statement blanked. [] when neither gets past it."""
    if not source:
        return []
    ctx = _Ctx(source, problem)
    if not problem.message.startswith(_LIMITS):
        for _, p in _rank(ctx, _Search(ctx, deadline), 1):
            edits = _edits(ctx, p)
            if edits:
                return list(edits)
    return _neutralise(ctx, deadline)


def _neutralise(ctx: _Ctx, deadline: float | None) -> list[Edit]:
    search = _Search(ctx, deadline)
    tries = [_neutral(ctx, extra) for extra in (0, 1, 3, 7, 15, 31)]
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
