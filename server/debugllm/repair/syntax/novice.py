"""Repairs of the mistakes beginners make (seen in real course submissions, and in the studies
of novice Python syntax errors): a name typed as two words, ';' or '.' for ',', a built-in
function called without parentheses, `else` with a condition, a symbol meant as a string, two
assignments joined on one line, an operator typed with a space or backwards."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace

from debugllm.repair.syntax.context import (
    KEYWORDS,
    KNOWN_NAMES,
    PLAIN_INVALID,
    Ctx,
    Proposal,
    Tok,
    indent_of,
)

#: Built-in functions beginners call: `int x` and `int input()` lost their parentheses.
_BUILTIN_CALLS = frozenset(
    {"int", "str", "float", "len", "input", "abs", "list", "sorted", "sum", "max", "min"}
    | {"range", "type", "bool", "round", "set", "tuple", "ord", "chr", "reversed"}
)
#: Symbols that stand alone as an argument only when a string of them was meant: `print(*)`.
_BARE_SYMBOLS = frozenset({"*", "+", "-", "/", "%", "@", "#", "$", "!", "?", "&", "|", "^", "~"})
_SPLIT_OPERATORS = frozenset({"+", "-", "*", "/", "%", "<", ">", "!", "=", "//", "**"})
_REVERSED_OPERATORS = {"=>": ">=", "=<": "<="}
_ASSIGNMENT_JOINERS = frozenset({",", "and", "or", "&&"})


def _plain_name(tok: Tok) -> bool:
    return tok.kind == "name" and tok.text not in KEYWORDS and tok.text not in KNOWN_NAMES


def _spaced_pairs(ctx: Ctx, line: int, left: str, right: str) -> list[tuple[Tok, Tok]]:
    """Where ``left right`` stands on ``line`` as two names separated only by spaces."""
    code = ctx.code(line)
    text = ctx.lines[line]
    return [
        (a, b)
        for a, b in itertools.pairwise(code)
        if a.text == left and b.text == right and text[a.end : b.start].strip(" \t") == ""
        if a.kind == b.kind == "name" and b.start > a.end
    ]


def spaced_name_elsewhere(ctx: Ctx, line: int, left: Tok, right: Tok) -> bool:
    """Do the names ``left right`` also stand side by side on another line (one name written
    as two words, `total price`), so that a comma between them is no fix?"""
    if not (_plain_name(left) and _plain_name(right)):
        return False
    return any(i != line and _spaced_pairs(ctx, i, left.text, right.text) for i in range(ctx.count))


def in_assignment_target(ctx: Ctx, line: int, tok: Tok) -> bool:
    """Is ``tok`` before the top-level '=' of an assignment (so a comma after it would turn the
    target into a tuple unpacking)?"""
    depth = 0
    seen = False
    for t in ctx.code(line):
        if t.kind == "open":
            depth += 1
        elif t.kind == "close":
            depth -= 1
        elif t.text == "=" and depth == 0:
            return seen
        if t is tok or t == tok:
            seen = depth == 0
    return False


def gen_spaced_name(ctx: Ctx) -> Iterator[Proposal]:
    """`total price = a + b`: a name typed as two words is one name, `total_price`, the same on
    every line it appears. A guess: the two words may be two names that lost a comma."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    for a, b in itertools.pairwise(code):
        if ctx.col not in (a.start, b.start) or not (_plain_name(a) and _plain_name(b)):
            continue
        if not _spaced_pairs(ctx, ctx.line, a.text, b.text):
            continue
        joined = f"{a.text}_{b.text}"
        last = ctx.line
        new_lines: list[str] = []
        occurrences = 0
        for i in range(ctx.line, ctx.count):
            pairs = _spaced_pairs(ctx, i, a.text, b.text)
            text = ctx.lines[i]
            for left, right in reversed(pairs):
                text = text[: left.start] + joined + text[right.end :]
            if pairs:
                last = i
                occurrences += len(pairs)
            new_lines.append(text)
        new_lines = new_lines[: last - ctx.line + 1]
        # Only with evidence of one name: it is assigned to, or written so more than once.
        if occurrences < 2 and not in_assignment_target(ctx, ctx.line, a):
            return
        cost = 0.75
        title = f"Join '{a.text} {b.text}' into one name, '{joined}' (a guess)"
        p = ctx.lines_to(
            ctx.line,
            last + 1,
            new_lines,
            cost,
            "spaced-name",
            title,
            name=joined,
            count=occurrences,
        )
        yield replace(p, guess=True)
        return


def gen_wrong_separator(ctx: Ctx) -> Iterator[Proposal]:
    """`total(3; k)` and `def f(a.b, c)`: ';' inside brackets, or '.' between two parameters,
    where a ',' separates the items (neither can stand there)."""
    line = ctx.line
    code = ctx.code(line)
    in_def = ctx.keyword(line) == "def"
    found: list[Tok] = []
    for k, tok in enumerate(code):
        if tok.text not in (";", "."):
            continue
        stack = ctx.open_brackets(line, tok.start)
        if not stack:
            continue
        if tok.text == ".":
            names = 0 < k < len(code) - 1 and code[k - 1].kind == code[k + 1].kind == "name"
            if not (in_def and stack[-1].char == "(" and len(stack) == 1 and names):
                continue
        found.append(tok)
    if not found:
        return
    text = ctx.lines[line]
    for tok in reversed(found):  # every one on the line: `[1; 2; 3]` has two
        comma = "," if text[tok.end : tok.end + 1] in (" ", "") else ", "
        text = text[: tok.start] + comma + text[tok.end :]
    token = found[0].text
    title = f"Use ',' instead of '{token}' between the items"
    yield ctx.put(line, 0, len(ctx.lines[line]), text, 0.3, "wrong-separator", title, token=token)


def _argument_end(code: list[Tok], k: int) -> int | None:
    """Index after the operand starting at ``code[k]`` with its trailers (`input()`, `x[0]`,
    `s.upper()`), or None when it is not a plain operand."""
    first = code[k]
    if first.kind not in ("name", "number", "string") or first.text in KEYWORDS:
        return None
    j = k + 1
    while j < len(code):
        tok = code[j]
        if tok.text == "." and j + 1 < len(code) and code[j + 1].kind == "name":
            j += 2
        elif tok.kind == "open" and tok.text in "([" and tok.start == code[j - 1].end:
            depth = 0
            while j < len(code):
                depth += {"open": 1, "close": -1}.get(code[j].kind, 0)
                j += 1
                if depth == 0:
                    break
            if depth:
                return None
        else:
            break
    return j


def gen_builtin_call(ctx: Ctx) -> Iterator[Proposal]:
    """`n = int input()`, `if len c >= 2:`: a built-in function with its argument after it and
    no parentheses; the argument goes in parentheses."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    for k, callee in enumerate(code[:-1]):
        if callee.kind != "name" or callee.text not in _BUILTIN_CALLS:
            continue
        if ctx.col not in (callee.start, code[k + 1].start):
            continue
        # After an operand (`x int y`) or a '.', the name is no call of the built-in.
        previous = code[k - 1].text if k else ""
        kind = code[k - 1].kind if k else ""
        if previous not in KEYWORDS and (previous == "." or kind in ("name", "number", "string")):
            continue
        end = _argument_end(code, k + 1)
        if end is None:
            continue
        start, stop = code[k + 1].start, code[end - 1].end
        argument = ctx.lines[ctx.line][start:stop]
        title = f"Call '{callee.text}' with parentheses: {callee.text}({argument})"
        yield ctx.put(
            ctx.line,
            callee.end,
            stop,
            f"({argument})",
            0.4,
            "missing-call-parentheses",
            title,
            token=callee.text,
        )


def gen_else_condition(ctx: Ctx) -> Iterator[Proposal]:
    """`else x > 0:`: `else` takes no condition; a branch with one is `elif`."""
    code = ctx.code(ctx.line)
    if len(code) < 3 or code[0].text != "else" or code[1].text in (":", "if"):
        return
    if code[-1].text != ":" or ctx.statement_start(ctx.line) != ctx.line:
        return
    title = "Use 'elif' for a branch with a condition"
    yield ctx.put(ctx.line, code[0].start, code[0].end, "elif", 0.3, "else-condition", title)


def gen_bare_symbol(ctx: Ctx) -> Iterator[Proposal]:
    """`print(*)`, `print(+, end='')`: a symbol standing alone as an argument was meant as the
    string of it."""
    code = ctx.code(ctx.line)
    for k in range(1, len(code) - 1):
        tok = code[k]
        if tok.text not in _BARE_SYMBOLS or tok.kind not in ("op", "other"):
            continue
        if code[k - 1].text not in ("(", ",") or code[k + 1].text not in (",", ")"):
            continue
        stack = ctx.open_brackets(ctx.line, tok.start)
        if not stack or stack[-1].char != "(":
            continue
        quote = "'" if "'" not in tok.text else '"'
        title = f"Put the symbol {tok.text} in quotes: {quote}{tok.text}{quote}"
        yield ctx.put(
            ctx.line,
            tok.start,
            tok.end,
            f"{quote}{tok.text}{quote}",
            0.3,
            "bare-symbol",
            title,
            token=tok.text,
        )


def gen_joined_assignments(ctx: Ctx) -> Iterator[Proposal]:
    """`i = 0, count = 0` and `a = 0 and b = 0`: two assignments written as one statement; each
    goes on its own line."""
    line = ctx.line
    if ctx.statement_start(line) != line or ctx.is_header(line):
        return
    code = ctx.code(line)
    depth = 0
    top: list[tuple[int, Tok]] = []
    for k, tok in enumerate(code):
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        elif depth == 0:
            top.append((k, tok))
    equals = [k for k, t in top if t.text == "="]
    if len(equals) < 2 or not all(t.kind == "name" for t in code[: equals[0]]):
        return
    text = ctx.lines[line]
    ws = indent_of(text)
    pieces: list[str] = []
    start = len(ws)
    for first, second in itertools.pairwise(equals):
        # The second assignment's target is one name right after a joining token.
        joiner = code[second - 2] if second >= 2 else None
        if joiner is None or joiner.text not in _ASSIGNMENT_JOINERS or second - 2 <= first:
            return
        if code[second - 1].kind != "name" or code[second - 1].text in KEYWORDS:
            return
        pieces.append(text[start : joiner.start].rstrip())
        start = code[second - 1].start
    pieces.append(text[start:].rstrip())
    title = "Put each assignment on its own line"
    yield ctx.lines_to(line, line + 1, [ws + p for p in pieces], 0.3, "joined-assignments", title)


def gen_operator_typo(ctx: Ctx) -> Iterator[Proposal]:
    """`x + = 1` (an operator typed with a space inside) and `a => b` (typed backwards)."""
    code = ctx.code(ctx.line)
    text = ctx.lines[ctx.line]
    for a, b in itertools.pairwise(code):
        if a.kind != "op" or (b.text != "=" and b.text != ">" and b.text != "<"):
            continue
        if b.text == "=" and a.text in _SPLIT_OPERATORS and text[a.end : b.start].isspace():
            joined = a.text + "="
            title = f"Write '{joined}' without a space inside"
            yield ctx.put(
                ctx.line, a.start, b.end, joined, 0.3, "split-operator", title, token=joined
            )
        elif a.text == "=" and b.start == a.end and a.text + b.text in _REVERSED_OPERATORS:
            wrong = a.text + b.text
            right = _REVERSED_OPERATORS[wrong]
            title = f"Write '{right}' instead of '{wrong}'"
            yield ctx.put(
                ctx.line,
                a.start,
                b.end,
                right,
                0.3,
                "reversed-operator",
                title,
                token=wrong,
                replacement=right,
            )
