"""The shared vocabulary of the syntax-repair engine: constants, the lexer, the file under
repair (``Ctx``), the edits generators propose (``Proposal``) and small helpers."""

from __future__ import annotations

import bisect
import builtins
import keyword
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import NamedTuple

from debugllm.analysis.syntax import EXACT_OFFSET, Fault, LineScan, scan_lines
from debugllm.problems import Problem
from debugllm.repair.oddity import FileNames
from debugllm.text import LineIndex, line_breaks, split_lines

#: Longer lines are left alone: generated code, where token-level search costs too much.
MAX_LINE = 4000
#: Lines scanned past the error when looking for the end of its window.
_SCAN_AHEAD = 400
#: How far before the error the scan looks for a place to start.
_SCAN_BACK = 4000
_PLAIN_STATEMENT = re.compile(r"[A-Za-z_]\w*\s*(?:=[^=]|\()")
#: Lines that almost surely start a top-level statement outside any string or bracket.
_RESTART = re.compile(r"(?:async\s+def|def|class)\s+\w+\s*[(:]|@\w")

OPENERS = {"(": ")", "[": "]", "{": "}"}
PAIRS = {"(": ")", ")": "(", "[": "]", "]": "[", "{": "}", "}": "{"}
KEYWORDS = frozenset(keyword.kwlist) - {"True", "False", "None"}
KNOWN_NAMES = KEYWORDS | frozenset(dir(builtins))
CONTINUATION_KEYWORDS = frozenset({"else", "elif", "except", "finally", "case"})
HEADER_KEYWORDS = frozenset(
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
CONDITION_KEYWORDS = frozenset({"if", "elif", "while", "assert", "return"})
NEVER_CLOSED = re.compile(r"'([(\[{])' was never closed")
UNMATCHED = re.compile(r"unmatched '([)\]}])'")
INDENTED_BLOCK = re.compile(r"expected an indented block after (.*) on line (\d+)")
INDENT_MESSAGES = ("unexpected indent", "unindent does not match", "inconsistent use of tabs")
ATOM_END = frozenset({"name", "number", "string", "close"})
ATOM_START = frozenset({"name", "number", "string", "open"})
#: Messages where CPython saw a token it did not expect (rather than a tokenizer or indent error).
PLAIN_INVALID = ("invalid syntax", "invalid syntax. Perhaps you forgot a comma?", "expected ':'")
#: Builtins that take exactly one positional argument.
ONE_ARGUMENT = frozenset(
    {"len", "abs", "ord", "chr", "bin", "hex", "oct", "repr", "reversed", "id", "hash"}
    | {"callable", "ascii", "bool", "all", "any", "list", "set", "tuple"}
)
DEF = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+(\w+)[ \t]*\(([^)]*)\)", re.MULTILINE)
TARGETS = re.compile(r"\s*([\w.\[\], ]+?)\s*(?:[-+*/%|&^@]|//|\*\*|<<|>>)?=(?!=)")


class Tok(NamedTuple):
    kind: str  # name number string op open close comment other
    start: int
    end: int
    text: str


class Open(NamedTuple):
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


def lex(text: str, in_string: str) -> list[Tok]:
    """Tokens of one physical line; ``in_string`` is the quote of a string it starts inside."""
    pos = 0
    if in_string:
        end = text.find(in_string)
        if end < 0:
            return [Tok("string", 0, len(text), text)] if text else []
        pos = end + len(in_string)
        return [Tok("string", 0, pos, text[:pos]), *lex_from(text, pos)]
    return list(lex_from(text, pos))


def lex_from(text: str, pos: int) -> Iterator[Tok]:
    """The tokens of ``text`` from ``pos`` (outside any string) on, one at a time: a caller
    that needs only the first few stops without lexing the rest of a long line."""
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
            yield Tok(kind, pos, end, text[pos:end])
        pos = end


def top_level(tokens: Iterable[Tok]) -> Iterator[tuple[int, Tok]]:
    """The tokens outside every bracket opened among ``tokens`` (the brackets themselves left
    out), with their indexes; the walk ends at a closer of a bracket opened before them (the
    end of the group they are in)."""
    depth = 0
    for k, tok in enumerate(tokens):
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
            if depth < 0:
                return
        elif depth == 0:
            yield k, tok


def group_end(tokens: Sequence[Tok], start: int = 0) -> int | None:
    """The index of the closer that ends the group ``tokens[start:]`` are in (the partner of
    ``tokens[start - 1]`` when that is an opener), None when it does not close among them."""
    depth = 0
    for k in range(start, len(tokens)):
        if tokens[k].kind == "open":
            depth += 1
        elif tokens[k].kind == "close":
            if depth == 0:
                return k
            depth -= 1
    return None


def spliced(text: str, edits: Sequence[tuple[int, int, str]]) -> str:
    """``text`` from the first edit's start to the last one's end, each ``(start, end, new)``
    span (in order, apart) replaced by its ``new``."""
    pieces, at = [], edits[0][0]
    for start, end, new in edits:
        pieces += [text[at:start], new]
        at = end
    return "".join(pieces)


def message_class(msg: str) -> str:
    """``msg`` as 3.11 words it. 3.12+ tokenizes f-strings apart and says "unterminated
    f-string literal" where 3.11 says "unterminated string literal": one slip, one repair."""
    if msg.startswith("unterminated ") and "f-string literal" in msg:
        return msg.replace("f-string literal", "string literal", 1)
    return msg


def indent_of(text: str) -> str:
    return text[: len(text) - len(text.lstrip(" \t\f"))]


def width_of(ws: str) -> int:
    return len(ws.expandtabs(8))


def _facts(**facts: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in facts.items())


@dataclass(frozen=True, order=True)
class Proposal:
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
    #: A second slip on the same lines, fixed by the same edit (see ``_pairs`` in ``search.py``).
    then: Proposal | None = field(compare=False, default=None)

    def as_guess(self) -> Proposal:
        """The same edit offered as one of several programs, its title saying so."""
        return self if self.guess else replace(self, guess=True, title=f"{self.title} (a guess)")

    @property
    def any_guess(self) -> bool:
        """Is this edit, or the second slip it fixes too (``then``), a guess?"""
        return self.guess or (self.then is not None and self.then.guess)


class Ctx:
    """The file under repair, split into lines, and the error's place (0-based lines)."""

    def __init__(self, source: str, problem: Problem, hidden: str = "") -> None:
        self.source = source
        self.problem = problem
        #: Text of the user's file that ``source`` lost (statements a listing of later errors
        #: blanked): not repaired, but evidence for "is this name used elsewhere?", or a repair
        #: judged on the blanked text would call a name the author wrote unknown.
        self.hidden = hidden
        self.lines = split_lines(source)
        self.eol = [*line_breaks(source), ""]
        self.count = len(self.lines)
        # Where each line starts, after each line break: the analysis has indexed this text
        # already (LineIndex keeps the last few), so copying is cheaper than summing lengths.
        self.starts = list(LineIndex(source).line_starts)
        self.newline = "\r\n" if "\r\n" in source else "\n"
        self.msg = message_class(problem.message)
        exact = dict(problem.extra).get(EXACT_OFFSET)
        start = int(exact) if exact is not None else problem.start
        start = min(max(start, 0), len(source))
        end = min(max(problem.end, start), len(source))
        self.line = bisect.bisect_right(self.starts, start) - 1
        self.col = start - self.starts[self.line]
        self.end_line = bisect.bisect_right(self.starts, end) - 1
        self.end_col = end - self.starts[self.end_line]
        self.fault = Fault(problem.code, problem.message, self.line + 1, self.col, 0, 0)
        self._tokens: dict[int, list[Tok]] = {}
        self._code: dict[int, list[Tok]] = {}

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
            ws = indent_of(text)
            if len(ws) > len(previous) and ws.startswith(previous):
                step = ws[len(previous) :]
                steps[step] = steps.get(step, 0) + 1
            previous = ws
        return max(sorted(steps), key=steps.__getitem__) if steps else "    "

    def tokens(self, line: int) -> list[Tok]:
        """The line's tokens; none for very long lines (generated code, not worth the time)."""
        if not 0 <= line < self.count or len(self.lines[line]) > MAX_LINE:
            return []
        if line not in self._tokens:
            self._tokens[line] = lex(self.lines[line], self.scan.string[line])
        return self._tokens[line]

    def code(self, line: int) -> list[Tok]:
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
        return code[-1].end if code else len(indent_of(self.lines[line]))

    def width(self, line: int) -> int:
        return width_of(indent_of(self.lines[line]))

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
        return names | self.hidden_names

    @cached_property
    def hidden_code(self) -> list[list[Tok]]:
        """The code tokens of each line of ``hidden``."""
        return [
            [t for t in lex(text, "") if t.kind != "comment"]
            for text in split_lines(self.hidden)
            if self.hidden and len(text) <= MAX_LINE
        ]

    @cached_property
    def hidden_names(self) -> frozenset[str]:
        return frozenset(t.text for code in self.hidden_code for t in code if t.kind == "name")

    @cached_property
    def whole(self) -> str:
        """``source`` and the ``hidden`` text after it: for questions about what the file
        holds anywhere (is this name assigned, defined, used?), never for positions."""
        return f"{self.source}\n{self.hidden}" if self.hidden else self.source

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
        old = indent_of(self.lines[first])
        delta = width_of(target) - width_of(old)
        out: list[str] = []
        for i in range(first, last):
            text = self.lines[i]
            ws = indent_of(text)
            if self.scan.string[i] or not text.strip():
                out.append(text)
            elif ws.startswith(old):
                out.append(target + ws[len(old) :] + text[len(ws) :])
            else:
                out.append(" " * max(width_of(ws) + delta, 0) + text[len(ws) :])
        return out

    def levels(self, line: int) -> list[str]:
        """Indentations a statement at ``line`` may take: the previous statement's, then those
        of the blocks around it, innermost first."""
        result: list[str] = []
        previous = self.previous_statement(line)
        if previous >= 0 and self.is_header(previous):
            result.append(indent_of(self.lines[previous]) + self.unit)
        bound = 1 << 30
        for i in range(line - 1, -1, -1):
            if not self.is_statement(i):
                continue
            ws = indent_of(self.lines[i])
            if width_of(ws) < bound:
                result.append(ws)
                bound = width_of(ws)
                if bound == 0:
                    return result
        return [*result, ""]

    def open_brackets(self, line: int, col: int) -> list[Open]:
        """Brackets still open just before column ``col`` of ``line``."""
        stack: list[Open] = []
        for i in range(self.statement_start(line), line + 1):
            for tok in self.code(i):
                if i == line and tok.start >= col:
                    return stack
                if tok.kind == "open":
                    stack.append(Open(tok.text, i, tok.start))
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
    ) -> Proposal:
        """Replace columns ``start:end`` of line ``row`` by ``new``."""
        text = self.lines[row]
        new_text = text[:start] + new + text[end:] + self.eol[row]
        facts.setdefault("line", row + 1)
        return Proposal(cost, row, row + 1, new_text, kind, title, _facts(**facts))

    def lines_to(
        self,
        first: int,
        last: int,
        new_lines: list[str],
        cost: float,
        kind: str,
        title: str,
        **facts: object,
    ) -> Proposal:
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
        return Proposal(cost, first, last, "".join(parts), kind, title, _facts(**facts))


def closers_of(stack: list[Open]) -> str:
    return "".join(OPENERS[o.char] for o in reversed(stack))


def statement_facts(ctx: Ctx, line: int) -> dict[str, object]:
    word = ctx.keyword(line)
    default = (f"`{word}` statement" if word else "statement", "block")
    statement, block = _STATEMENTS.get(word, default)
    return {"keyword": word, "statement": statement, "block": block}


def callee_of(ctx: Ctx, opener: Open) -> str:
    """The token before an opening parenthesis (the called name), "" for other brackets."""
    before = [t for t in ctx.code(opener.line) if t.end <= opener.col]
    return before[-1].text if opener.char == "(" and before else ""


def first_word(text: str) -> str:
    match = re.match(r"\s*(\w*)", text)
    return match.group(1) if match else ""
