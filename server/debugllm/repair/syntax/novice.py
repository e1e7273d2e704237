"""Repairs of the mistakes beginners make (seen in real course submissions, and in the studies
of novice Python syntax errors): a name typed as two words, ';' or '.' for ',', a built-in
function called without parentheses, `else` with a condition, a symbol meant as a string, two
assignments joined on one line, an operator typed with a space or backwards."""

from __future__ import annotations

import ast
import builtins
import itertools
import re
from collections.abc import Iterator
from dataclasses import replace

from debugllm.problems import Code, Problem
from debugllm.repair.syntax.context import (
    CONTINUATION_KEYWORDS,
    HEADER_KEYWORDS,
    KEYWORDS,
    KNOWN_NAMES,
    PLAIN_INVALID,
    Ctx,
    Open,
    Proposal,
    Tok,
    callee_of,
    first_word,
    group_end,
    indent_of,
    lex,
    statement_facts,
)
from debugllm.repair.syntax.indentation import gen_indented_block

#: Built-in functions beginners call: `int x` and `int input()` lost their parentheses.
_BUILTIN_CALLS = frozenset(
    {"int", "str", "float", "len", "input", "abs", "list", "sorted", "sum", "max", "min"}
    | {"range", "type", "bool", "round", "set", "tuple", "ord", "chr", "reversed"}
)
#: Built-in types: `Tuple[int int]`, `x: int str` put types side by side, never call one on another.
_BUILTIN_TYPES = frozenset({"int", "str", "float", "bool", "bytes", "list", "dict", "set", "tuple"})
#: Symbols that stand alone as an argument only when a string of them was meant: `print(*)`.
_BARE_SYMBOLS = frozenset({"*", "+", "-", "/", "%", "@", "#", "$", "!", "?", "&", "|", "^", "~"})
_SPLIT_OPERATORS = frozenset({"+", "-", "*", "/", "%", "<", ">", "!", "=", "//", "**"})
_REVERSED_OPERATORS = {"=>": ">=", "=<": "<="}
_ASSIGNMENT_JOINERS = frozenset({",", "and", "or", "&&"})


def _plain_name(tok: Tok) -> bool:
    return tok.kind == "name" and tok.text not in KEYWORDS and tok.text not in KNOWN_NAMES


def _wrap(
    ctx: Ctx, start: int, end: int, pair: str, cost: float, kind: str, token: str
) -> Proposal:
    """Columns ``start:end`` of the error line, trimmed, put between the two characters of
    ``pair`` (`int input()` -> `int(input())`, `print(*)` -> `print('*')`); ``token`` names
    what was wrong for the explanation."""
    inside = ctx.lines[ctx.line][start:end].strip()
    new = pair[0] + inside + pair[1]
    if pair == "()":
        title = f"Call '{token}' with parentheses: {token}{new}"
    else:
        title = f"Put {inside} in quotes: {new}"
    return ctx.put(ctx.line, start, end, new, cost, kind, title, token=token)


def _spaced_pairs(ctx: Ctx, line: int, left: str, right: str) -> list[tuple[Tok, Tok]]:
    """Where ``left right`` stands on ``line`` as two names separated only by spaces."""
    return _spaced_in(ctx.code(line), ctx.lines[line], left, right)


def _spaced_in(code: list[Tok], text: str, left: str, right: str) -> list[tuple[Tok, Tok]]:
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
    if any(i != line and _spaced_pairs(ctx, i, left.text, right.text) for i in range(ctx.count)):
        return True
    hidden = [text for text in ctx.hidden.splitlines() if left.text in text]
    return any(_spaced_in(lex(text, ""), text, left.text, right.text) for text in hidden)


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


def unpacks_evidently(ctx: Ctx, line: int) -> bool:
    """`a b = b, a % b`: the names before '=' are as many as the values after it, and each is
    used on its own elsewhere, so the comma between the targets is the unpacking meant (not
    `total price = a + b`, one value for a name written as two words)."""
    code = ctx.code(line)
    equals = [k for k, t in enumerate(code) if t.text == "="]
    if len(equals) != 1 or ctx.statement_start(line) != line:
        return False
    # After a one-line header (`if n < 0: n neg = -n, -1`), the assignment is its body.
    colons = [k for k, t in enumerate(code[: equals[0]]) if t.text == ":"]
    body = colons[-1] + 1 if colons and code[0].text in HEADER_KEYWORDS else 0
    # The targets: names, or subscripts and attributes of names (`p[i] p[j] = p[j], p[i]`),
    # separated by commas or by the gap where one was lost.
    targets: list[list[Tok]] = []
    depth = 0
    for tok in code[body : equals[0]]:
        starts = depth == 0 and (
            not targets or not targets[-1] or targets[-1][-1].kind in ("name", "close")
        )
        if tok.text == "," and depth == 0:
            targets.append([])
            continue
        if not targets or (starts and tok.kind == "name" and targets[-1]):
            targets.append([])
        depth += {"open": 1, "close": -1}.get(tok.kind, 0)
        targets[-1].append(tok)
    targets = [t for t in targets if t]
    values = _top_level_parts(code[equals[0] + 1 :], frozenset({","}))
    if len(targets) < 2 or any(not _plain_name(t[0]) for t in targets):
        return False
    if len([v for v in values if v]) != len(targets):
        return False
    elsewhere = ctx.names_near(line)
    return all(t[0].text in elsewhere for t in targets)


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
            close = group_end(code, j + 1)
            if close is None:
                return None
            j = close + 1
        else:
            break
    return j


def _subscript(ctx: Ctx, bracket: Open) -> bool:
    """Whether ``bracket`` (a '[') subscripts what stands before it (`x[`, `f()[`, `Dict[`)."""
    before = ctx.lines[bracket.line][: bracket.col].rstrip()
    return bool(before) and (before[-1].isalnum() or before[-1] in "_)]")


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
        if end == k + 2 and code[k + 1].text in _BUILTIN_TYPES:
            continue  # two types side by side (a type list lost its comma), not a call
        stack = ctx.open_brackets(ctx.line, callee.start)
        if stack and stack[-1].char == "[" and _subscript(ctx, stack[-1]):
            continue  # `Dict[str int]`: the items of a subscript, not a call
        kind = "missing-call-parentheses"
        yield _wrap(ctx, callee.end, code[end - 1].end, "()", 0.4, kind, callee.text)


def gen_else_condition(ctx: Ctx) -> Iterator[Proposal]:
    """`else x > 0:`: `else` takes no condition; a branch with one is `elif`."""
    code = ctx.code(ctx.line)
    if len(code) < 3 or code[0].text != "else" or code[1].text in (":", "if"):
        return
    if code[-1].text != ":" or ctx.statement_start(ctx.line) != ctx.line:
        return
    title = "Use 'elif' for a branch with a condition"
    yield ctx.put(ctx.line, code[0].start, code[0].end, "elif", 0.3, "else-condition", title)


def gen_bare_elif(ctx: Ctx) -> Iterator[Proposal]:
    """`elif:`: a branch without its condition. `else:` is one reading; a condition left out
    is another (the author's alone to write): a guess."""
    code = ctx.code(ctx.line)
    if len(code) != 2 or code[0].text != "elif" or code[1].text != ":":
        return
    title = "Use 'else' for the branch that takes no condition"
    p = ctx.put(ctx.line, code[0].start, code[0].end, "else", 0.4, "bare-elif", title)
    yield p.as_guess()


#: Built-in functions that always return a number.
_NUMERIC_CALLS = frozenset({"int", "float", "len", "round", "abs", "ord", "sum"})
_NUMERIC_OPERATORS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


def is_numeric(ctx: Ctx, text: str, seen: frozenset[str] = frozenset()) -> bool:
    """Is the expression ``text`` evidently a number: a numeric literal, a call of `int`,
    `len`, ... , arithmetic on those, or a name the file only ever assigns such values?"""
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except (SyntaxError, ValueError):
        return False
    return _numeric(ctx, node, seen)


def _numeric(ctx: Ctx, node: ast.expr, seen: frozenset[str]) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, int | float) and not isinstance(node.value, bool)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        return _numeric(ctx, node.operand, seen)
    if isinstance(node, ast.BinOp) and isinstance(node.op, _NUMERIC_OPERATORS):
        return _numeric(ctx, node.left, seen) and _numeric(ctx, node.right, seen)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id in _NUMERIC_CALLS and not _bound(ctx.whole, node.func.id)
    if isinstance(node, ast.Name) and node.id not in seen and len(seen) < 4:
        # A name: every value the file assigns it is a number (a few names deep).
        values = _assigned_values(ctx.whole, node.id)
        return bool(values) and all(is_numeric(ctx, v, seen | {node.id}) for v in values)
    return False


def _bound(source: str, name: str) -> bool:
    """Does the file define ``name`` itself (a def, a class, an import, an assignment)?"""
    pattern = rf"^\s*(?:(?:async\s+)?def|class)\s+{name}\b|\bimport\b.*\b{name}\b|^\s*{name}\s*="
    return re.search(pattern, source, re.MULTILINE) is not None


def _assigned_values(source: str, name: str) -> list[str]:
    """The values a plain `name = value` (or `name += value`) gives ``name``; [] when the
    file binds it any other way too (a loop, a parameter, `as`, unpacking)."""
    values = re.findall(
        rf"^[ \t]*{name}[ \t]*(?:[-+*/%]|//)?=(?!=)[ \t]*(.+?)[ \t]*(?:#.*)?$", source, re.MULTILINE
    )
    other = (
        rf"\bfor\b[^\n]*\b{name}\b[^\n]*\bin\b|\bdef\b[^\n]*\([^\n]*\b{name}\b"
        rf"|\bas[ \t]+{name}\b|\b{name}[ \t]*,[^\n=]*=(?!=)|,[ \t]*{name}[ \t]*=(?!=)"
        rf"|\b(?:global|nonlocal|import|del)\b[^\n]*\b{name}\b"
        rf"|\b{name}[ \t]*:=|^[ \t]*{name}[ \t]*:(?!=)"  # `:=`, an annotated assignment
    )
    if re.search(other, source, re.MULTILINE):
        return []
    return values


def gen_def_parentheses(ctx: Ctx) -> Iterator[Proposal]:
    """`def main:`: a function defined without the parentheses of its (empty) parameter list."""
    if ctx.msg != "expected '('":
        return
    code = ctx.code(ctx.line)
    k = 2 if code[:1] and code[0].text == "async" else 1
    if len(code) < k + 2 or code[k - 1].text != "def" or code[k].kind != "name":
        return
    after = code[k + 1]
    if after.start != ctx.col or after.text not in (":", "->"):
        return
    name = code[k].text
    # A method takes its instance (or class): `self` when the body reads it, else a guess.
    first, guess = _method_receiver(ctx, ctx.line)
    title = f"Add the parentheses after '{name}': def {name}({first})"
    at = code[k].end
    p = ctx.put(
        ctx.line, at, at, f"({first})", 0.3, "def-parentheses", title, name=name, params=first
    )
    yield p.as_guess() if guess else p


def _method_receiver(ctx: Ctx, line: int) -> tuple[str, bool]:
    """The parameter a `def` at ``line`` needs first (`self`, `cls` or none) and whether that
    is a guess (a method whose body never reads it)."""
    width = ctx.width(line)
    decorators: list[str] = []
    owner = ""
    for i in range(line - 1, max(line - 200, -1), -1):
        if not ctx.is_code(i):
            continue
        text = ctx.lines[i].strip()
        if ctx.width(i) == width and text.startswith("@") and not owner:
            decorators.append(text)
            continue
        if ctx.width(i) < width and ctx.is_statement(i):
            owner = first_word(ctx.lines[i])
            break
    if owner != "class" or any(d.startswith("@staticmethod") for d in decorators):
        return "", False
    receiver = "cls" if any(d.startswith("@classmethod") for d in decorators) else "self"
    body = []
    for i in range(line + 1, ctx.count):
        if ctx.is_code(i) and ctx.width(i) <= width:
            break
        body.append(ctx.lines[i])
    return receiver, not re.search(rf"\b{receiver}\b", "\n".join(body))


#: A `for` loop's target: names, commas, brackets and attributes (`for i, (a, b)`, `for o.x`).
_FOR_TARGET = frozenset({",", "(", ")", "[", "]", "."})


def gen_for_without_in(ctx: Ctx) -> Iterator[Proposal]:
    """`for i range(5):`: a loop that lost the `in` between its variable and what it loops
    over."""
    if ctx.msg != "invalid syntax" or ctx.statement_start(ctx.line) != ctx.line:
        return
    code = ctx.code(ctx.line)
    k = 2 if code[:1] and code[0].text == "async" else 1
    if len(code) < k + 3 or code[k - 1].text != "for" or code[-1].text != ":":
        return
    if any(t.text == "in" for t in code):
        return
    split = next((i for i, t in enumerate(code) if t.start == ctx.col), None)
    if split is None or split <= k:
        return
    target = code[k:split]
    if target[-1].kind not in ("name", "close") or code[split].kind not in ("name", "open"):
        return
    if not all(t.text in _FOR_TARGET or _plain_name(t) for t in target):
        return
    try:  # the target must be one: `for a b range(3)` lost a comma as well
        compile(ctx.lines[ctx.line][target[0].start : target[-1].end] + " = ()", "<t>", "exec")
    except SyntaxError:
        return
    words = ctx.lines[ctx.line][target[0].start : target[-1].end]
    title = f"Insert the missing 'in' after '{words}'"
    at = target[-1].end
    yield ctx.put(ctx.line, at, at, " in", 0.3, "for-without-in", title, target=words)


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
        yield _wrap(ctx, tok.start, tok.end, quote * 2, 0.3, "bare-symbol", tok.text)


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


def gen_colon_and_block(ctx: Ctx) -> Iterator[Proposal]:
    """`if x > 0` / `print(x)`: a header that lost its colon, and the line under it not
    indented either; two edits for one mistake (the block was never opened). Which lines the
    block takes is decided as for a header that kept its colon (``gen_indented_block``): a
    `while` whose next lines change its condition takes them along."""
    if ctx.msg != "expected ':'" or ctx.statement_start(ctx.line) != ctx.line:
        return
    code = ctx.code(ctx.line)
    if not code or code[0].text not in HEADER_KEYWORDS or code[-1].text == ":":
        return
    following = ctx.next_code(ctx.line)
    if following >= ctx.count or ctx.width(following) > ctx.width(ctx.line):
        return  # the block is indented: the colon alone is the fix
    if not ctx.is_statement(following) or first_word(ctx.lines[following]) in (
        CONTINUATION_KEYWORDS
    ):
        return
    facts = statement_facts(ctx, ctx.line)
    end = code[-1].end
    header = ctx.lines[ctx.line][:end] + ":" + ctx.lines[ctx.line][end:]
    # The file with the colon, and the error CPython reports there (the header's line number
    # is all the block repairs read of its message).
    at = ctx.starts[ctx.line] + end
    opened = ctx.source[:at] + ":" + ctx.source[at:]
    start = ctx.starts[following] + 1
    message = f"expected an indented block after '{code[0].text}' statement on line {ctx.line + 1}"
    blocked = Ctx(opened, Problem(Code.INDENTATION_ERROR, message, start, start), ctx.hidden)
    above = header + ctx.eol[ctx.line] + ctx.raw(ctx.line + 1, following)
    title = f"Insert the missing ':' after the {facts['keyword']} statement and indent its block"
    for block in gen_indented_block(blocked):
        if block.kind != "missing-indent" or block.first != following:
            continue
        indent = replace(
            block, cost=0.0, title="", facts=(*block.facts, ("header_line", str(ctx.line + 1)))
        )
        yield Proposal(
            block.cost + 0.1,
            ctx.line,
            block.last,
            above + block.text,
            "missing-colon",
            title,
            (*((k, str(v)) for k, v in facts.items()), ("line", str(ctx.line + 1))),
            then=indent,
        )


def gen_python2_operator(ctx: Ctx) -> Iterator[Proposal]:
    """`a <> b`: Python 2's "not equal", written `!=` in Python 3."""
    code = ctx.code(ctx.line)
    for a, b in itertools.pairwise(code):
        if a.text == "<" and b.text == ">" and b.start == a.end:
            title = "Write '!=' instead of Python 2's '<>'"
            yield ctx.put(
                ctx.line,
                a.start,
                b.end,
                "!=",
                0.3,
                "python2-syntax",
                title,
                token="<>",
                replacement="!=",
            )


def _builtin_exception(name: str) -> bool:
    found = getattr(builtins, name, None)
    return isinstance(found, type) and issubclass(found, BaseException)


def gen_except_comma(ctx: Ctx) -> Iterator[Proposal]:
    """`except ValueError, e:` is Python 2's `except ValueError as e:`; `except ValueError,
    TypeError:` is two exception types, which Python 3 writes in parentheses. Built-in
    exceptions after `except` are types; a lower-case name the handler uses and nothing else
    binds is the exception caught. Anything else could be either: both are guesses."""
    if ctx.msg != "multiple exception types must be parenthesized":
        return
    line = ctx.line
    code = ctx.code(line)
    if ctx.statement_start(line) != line or len(code) < 4 or code[0].text != "except":
        return
    if code[-1].text != ":":
        return
    parts = _top_level_parts(code[1:-1], frozenset({","}))
    if len(parts) < 2 or not all(parts):
        return
    text = ctx.lines[line]
    first, last = parts[0][0].start, parts[-1][-1].end
    names = [p[0].text for p in parts if len(p) == 1 and p[0].kind == "name"]
    name = parts[-1][0].text if len(parts) == 2 and len(parts[-1]) == 1 else ""
    if (
        name
        and parts[-1][0].kind == "name"
        and name not in KEYWORDS
        and not _builtin_exception(name)
    ):
        types = text[first : parts[0][-1].end]
        end = ctx.block_end(line, "block")
        used = any(t.text == name for i in range(line + 1, end) for t in ctx.code(i))
        bound = re.search(rf"\b{name}\s*=(?!=)|\b(?:def|class|import|as|for)\s+{name}\b", ctx.whole)
        caught = used and bound is None and name.islower()
        p = ctx.put(
            line,
            first,
            last,
            f"{types} as {name}",
            0.3,
            "python2-syntax",
            f"Write 'except {types} as {name}'",
            token=f"except {types}, {name}",
            replacement=f"except {types} as {name}",
        )
        yield p if caught else p.as_guess()
    listed = text[first:last]
    p = ctx.put(
        line,
        first,
        last,
        f"({listed})",
        0.35,
        "parenthesized-exceptions",
        "Put the exception types in parentheses",
        token=listed,
    )
    types_only = len(names) == len(parts) and all(map(_builtin_exception, names))
    yield p if types_only else p.as_guess()


def gen_raise_comma(ctx: Ctx) -> Iterator[Proposal]:
    """`raise ValueError, "bad"` is Python 2's `raise ValueError("bad")`: Python 2 called the
    class with the value, so the program is the same. A tuple value was the arguments and a
    third part a traceback: those are left alone."""
    if ctx.msg not in PLAIN_INVALID:
        return
    line = ctx.line
    code = ctx.code(line)
    if ctx.statement_start(line) != line or len(code) < 4 or code[0].text != "raise":
        return
    if ctx.open_brackets(line, len(ctx.lines[line]) + 1):
        return  # the statement goes on over lines: not read here
    parts = _top_level_parts(code[1:], frozenset({","}))
    if len(parts) != 2 or not all(parts):
        return
    kind, value = parts
    dotted = all(t.kind == "name" or t.text == "." for t in kind) and kind[-1].kind == "name"
    if not dotted or not kind[-1].text[:1].isupper() or kind[-1].text in KEYWORDS:
        return
    if value[0].text == "(" and value[-1].text == ")" and any(t.text == "," for t in value):
        return  # `raise E, (a, b)`: Python 2 passed a tuple's items as the arguments
    text = ctx.lines[line]
    cls = text[kind[0].start : kind[-1].end]
    arg = text[value[0].start : value[-1].end]
    replacement = f"raise {cls}({arg})"
    yield ctx.put(
        line,
        code[0].start,
        value[-1].end,
        replacement,
        0.3,
        "python2-syntax",
        f"Write '{replacement}'",
        token=text[code[0].start : value[-1].end],
        replacement=replacement,
    )


_LITERAL_ERRORS = (
    "invalid decimal literal",
    "invalid hexadecimal literal",
    "invalid octal literal",
    "invalid binary literal",
)


def gen_long_suffix(ctx: Ctx) -> Iterator[Proposal]:
    """`big = 10000000000L`: Python 2's suffix for a long integer; Python 3's integers have no
    size limit, so the number without it is the same value. Every such number on the line is
    rewritten. A file that uses `l` or `L` as a name may mean `5 * l`: then a guess."""
    if not ctx.msg.startswith(_LITERAL_ERRORS):
        return
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(ctx.code(ctx.line))
        if a.kind == "number" and b.kind == "name" and b.text in ("L", "l") and b.start == a.end
    ]
    if not any(a.start <= ctx.col <= b.end for a, b in pairs):
        return
    for a, _ in pairs:
        try:
            ast.literal_eval(a.text)
        except (SyntaxError, ValueError):
            return  # `0777L`: an octal number as well, which its own repair reads
    text = ctx.lines[ctx.line]
    first, last = pairs[0][0].start, pairs[-1][1].end
    new = text[first:last]
    for _, b in reversed(pairs):
        new = new[: b.start - first] + new[b.end - first :]
    token = ", ".join(a.text + b.text for a, b in pairs)
    replacement = ", ".join(a.text for a, _ in pairs)
    title = f"Write {token} as {replacement}: Python 3 has no long suffix"
    p = ctx.put(
        ctx.line,
        first,
        last,
        new,
        0.3,
        "python2-syntax",
        title,
        token=token,
        replacement=replacement,
    )
    named = any(re.search(rf"\b{b.text}\b", ctx.whole) for _, b in pairs)
    yield p.as_guess() if named else p


def gen_backtick_repr(ctx: Ctx) -> Iterator[Proposal]:
    """`"n is " + `n``: Python 2's backticks are `repr(n)`. Only where a value goes (after an
    operator, `=`, `(` or `,`): a line wrapped whole in backticks is Markdown, not Python 2."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    ticks = [k for k, t in enumerate(code) if t.text == "`"]
    if len(ticks) < 2 or len(ticks) % 2 or not any(code[k].start == ctx.col for k in ticks):
        return
    pairs = list(zip(ticks[::2], ticks[1::2], strict=True))
    for opened, closed in pairs:
        if opened == 0 or code[opened - 1].text not in _BEFORE_VALUE or closed == opened + 1:
            return
    text = ctx.lines[ctx.line]
    first, last = code[ticks[0]].start, code[ticks[-1]].end
    new = text[first:last]
    for opened, closed in reversed(pairs):
        a, b = code[opened].start - first, code[closed].start - first
        new = new[:a] + "repr(" + new[a + 1 : b] + ")" + new[b + 1 :]
    token = text[first:last]
    yield ctx.put(
        ctx.line,
        first,
        last,
        new,
        0.3,
        "python2-syntax",
        f"Write {new} for Python 2's backticks",
        token=token,
        replacement=new,
    )


_VALUE_ON_THE_LEFT = (
    "cannot assign to expression here",
    "cannot assign to function call here",
    "cannot assign to literal here",
)


def gen_reversed_assignment(ctx: Ctx) -> Iterator[Proposal]:
    """`a + 1 = b`, `input("Name: ") = name`: the value written left of '=', as in
    mathematics. When the right is one name that nothing before binds and that the file
    reads later, the sides swap: as a comparison (CPython's hint) the line would fail on the
    unknown name, and do nothing besides."""
    if not ctx.msg.startswith(_VALUE_ON_THE_LEFT):
        return
    line = ctx.line
    code = ctx.code(line)
    if ctx.statement_start(line) != line or len(code) < 3 or ctx.keyword(line) in KEYWORDS:
        return
    target, equals = code[-1], code[-2]
    if target.kind != "name" or target.text in KEYWORDS or equals.text != "=":
        return
    if ctx.open_brackets(line, equals.start) or any(t.text == "=" for t in code[:-2]):
        return
    name = target.text
    word = re.compile(rf"\b{re.escape(name)}\b")
    if name in KNOWN_NAMES or word.search("\n".join(ctx.lines[:line])) or word.search(ctx.hidden):
        return  # bound before (or a builtin): the line may compare after all
    if not word.search("\n".join(ctx.lines[line + 1 :])):
        return  # never read: nothing says which side is the variable
    text = ctx.lines[line]
    value = text[code[0].start : equals.start].rstrip()
    try:
        ast.parse(value, mode="eval")
    except SyntaxError:
        return
    new = f"{name} = {value}"
    title = f"Swap the sides: {new}"
    yield ctx.put(
        line,
        code[0].start,
        target.end,
        new,
        0.3,
        "reversed-assignment",
        title,
        name=name,
        value=value,
    )


def _hyphenated_at(code: list[Tok], k: int, parts: list[str]) -> bool:
    """Do the tokens from ``code[k]`` spell ``parts`` joined by '-' with no space between?"""
    n = 2 * len(parts) - 1
    if k + n > len(code) or (k and code[k - 1].text == "."):
        return False
    run = code[k : k + n]
    if any(b.start != a.end for a, b in itertools.pairwise(run)):
        return False
    return [t.text for t in run[::2]] == parts and all(t.text == "-" for t in run[1::2])


def _stands_alone(code: list[Tok], j: int) -> bool:
    """Is ``code[j]`` not joined to a '-' on either side (`name` in `print(name)`)?"""
    left = j > 0 and code[j - 1].text == "-" and code[j - 1].end == code[j].start
    right = j + 1 < len(code) and code[j + 1].text == "-" and code[j + 1].start == code[j].end
    return not (left or right)


def gen_hyphenated_name(ctx: Ctx) -> Iterator[Proposal]:
    """`first-name = "Ann"`: a name written with hyphens, which Python reads as subtraction
    (and cannot assign to). When no part is a name of its own anywhere in the file, every
    `first-name` is one variable: it is renamed `first_name` everywhere, the same program
    whatever the new name."""
    if not ctx.msg.startswith("cannot assign to expression"):
        return
    line = ctx.line
    code = ctx.code(line)
    if ctx.statement_start(line) != line or len(code) < 4:
        return
    parts = [code[0].text]
    k = 1
    while k + 1 < len(code) and code[k].text == "-" and code[k + 1].kind == "name":
        if code[k].start != code[k - 1].end or code[k + 1].start != code[k].end:
            return
        parts.append(code[k + 1].text)
        k += 2
    if len(parts) < 2 or code[k].text != "=" or code[0].kind != "name":
        return
    if any(p in KEYWORDS or p in KNOWN_NAMES for p in parts):
        return
    new = "_".join(parts)
    if re.search(rf"\b{re.escape(new)}\b", ctx.whole):
        return
    every = [ctx.code(i) for i in range(ctx.count)] + ctx.hidden_code
    if any(_stands_alone(here, j) for here in every for j, t in enumerate(here) if t.text in parts):
        return  # a part is a name of its own somewhere: `first - name` may be meant there
    first = last = line
    new_lines: list[str] = []
    for i in range(ctx.count):
        text = ctx.lines[i]
        here = ctx.code(i)
        spots = [here[j] for j in range(len(here)) if _hyphenated_at(here, j, parts)]
        for tok in reversed(spots):
            end = tok.start + len("-".join(parts))
            text = text[: tok.start] + new + text[end:]
        if spots:
            first, last = min(first, i), max(last, i)
        new_lines.append(text)
    title = f"Rename '{'-'.join(parts)}' to '{new}': a name cannot hold '-'"
    yield ctx.lines_to(
        first,
        last + 1,
        new_lines[first : last + 1],
        0.3,
        "hyphenated-name",
        title,
        token="-".join(parts),
        name=new,
    )


def gen_lambda_return(ctx: Ctx) -> Iterator[Proposal]:
    """`lambda x: return -x`: a lambda's body is the value it returns, so `return` cannot be
    written there; without it the lambda returns the same value."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    at = next((k for k, t in enumerate(code) if t.start == ctx.col), None)
    if at is None or at < 2 or code[at].text != "return" or code[at - 1].text != ":":
        return
    if at + 1 >= len(code) or code[at + 1].text in (")", ",", "]", "}", ":"):
        return  # `lambda: return`: no value to return
    depth = 0
    for tok in reversed(code[: at - 1]):
        if tok.kind == "close":
            depth += 1
        elif tok.kind == "open":
            depth -= 1
            if depth < 0:
                return
        elif depth == 0 and tok.text == ":":
            return
        elif depth == 0 and tok.text == "lambda":
            break
    else:
        return
    title = "Remove 'return' from the lambda: its body is the value it returns"
    yield ctx.put(ctx.line, code[at].start, code[at + 1].start, "", 0.3, "lambda-return", title)


def _top_level_parts(code: list[Tok], joiners: frozenset[str]) -> list[list[Tok]]:
    """The statement's tokens split at the ``joiners`` outside any bracket."""
    parts: list[list[Tok]] = [[]]
    depth = 0
    for tok in code:
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        if depth == 0 and tok.text in joiners:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


def _unwrapped(part: list[Tok]) -> list[Tok]:
    """``part`` without the parentheses around all of it (`(a = a + 1)`)."""
    if len(part) > 2 and part[0].text == "(" and part[-1].text == ")":
        close = group_end(part, 1)  # the partner of the first '('
        if close is None or close == len(part) - 1:
            return part[1:-1]
    return part


def _simple_assignment(part: list[Tok]) -> bool:
    """`name = value`: one name, a single '=', something after it."""
    return (
        len(part) >= 3
        and part[0].kind == "name"
        and part[0].text not in KEYWORDS
        and part[1].text == "="
        and not any(t.text == "=" for t in part[2:])
    )


def gen_assignments_as_expression(ctx: Ctx) -> Iterator[Proposal]:
    """`(a = a + 1) or (b = b - 1)`: assignments written as parts of one expression; Python
    assigns only in a statement of its own, so each goes on its own line."""
    line = ctx.line
    if ctx.statement_start(line) != line or ctx.is_header(line):
        return
    code = ctx.code(line)
    if not code or code[0].text != "(":
        return  # the plain form is gen_joined_assignments'
    parts = [_unwrapped(p) for p in _top_level_parts(code, _ASSIGNMENT_JOINERS)]
    if len(parts) < 2 or not all(_simple_assignment(p) for p in parts):
        return
    text = ctx.lines[line]
    ws = indent_of(text)
    new_lines = [ws + text[p[0].start : p[-1].end] for p in parts]
    title = "Write each assignment as a statement of its own"
    yield ctx.lines_to(line, line + 1, new_lines, 0.4, "joined-assignments", title)


def gen_missing_open_quote(ctx: Ctx) -> Iterator[Proposal]:
    """`print(Sum: ", total)`: the string's opening quote was left out, so its closing quote
    opens a string that never ends. When the words before it cannot be code, the quote goes
    where the argument starts."""
    if not ctx.msg.startswith("unterminated string literal"):
        return
    text = ctx.lines[ctx.line]
    quote = text[ctx.col : ctx.col + 1]
    if quote not in ("'", '"'):
        return
    before = [t for t in ctx.code(ctx.line) if t.end <= ctx.col]
    start = next((k for k in range(len(before) - 1, -1, -1) if before[k].text in "(,"), None)
    if start is None or start == len(before) - 1:
        return
    words = before[start + 1 :]
    if any(t.kind == "string" or t.text in "()[]{}" for t in words):
        return
    inside = text[words[0].start : ctx.col]
    try:
        compile(inside.strip() or "(", "<words>", "eval")
    except SyntaxError:
        pass
    else:
        return  # the words are code: the quote may be the stray one
    title = f"Insert the missing opening {quote} before {inside.strip()}"
    yield ctx.put(
        ctx.line,
        words[0].start,
        words[0].start,
        quote,
        0.4,
        "missing-open-quote",
        title,
        quote=quote,
        token=inside.strip(),
    )


def gen_stray_escape(ctx: Ctx) -> Iterator[Proposal]:
    """`print(\\n'Sum:', s)`: an escape such as `\\n` typed outside a string. A guess: it may
    have been meant inside the string next to it."""
    if not ctx.msg.startswith("unexpected character after line continuation"):
        return
    text = ctx.lines[ctx.line]
    for match in re.finditer(r"\\[ntr]", text):
        title = f"Remove '{match.group()}' (it only means something inside a string)"
        p = ctx.put(
            ctx.line,
            match.start(),
            match.end(),
            "",
            0.5,
            "stray-escape",
            title,
            token=match.group(),
        )
        yield replace(p, guess=True)


_PROSE_END = frozenset({".", ":", "?", "!", ","})


def gen_prose_line(ctx: Ctx) -> Iterator[Proposal]:
    """`This program adds two numbers`: a sentence (words the file uses nowhere as names, with
    no operator or bracket) pasted among the code; it becomes a comment."""
    if ctx.msg not in PLAIN_INVALID:
        return
    line = ctx.line
    if ctx.statement_start(line) != line:
        return
    following = ctx.next_code(line)
    if ctx.is_header(line) and following < ctx.count and ctx.width(following) > ctx.width(line):
        return  # a block follows: a header, however worded
    code = ctx.code(line)
    words = [t for t in code if t.kind == "name"]
    rest = [t for t in code if t.kind != "name"]
    if len(words) < 3 or any(t.text not in _PROSE_END for t in rest):
        return
    if words[0].text in KEYWORDS or words[0].text in KNOWN_NAMES:
        return
    used = ctx.names_near(line)
    if sum(w.text in used for w in words) > 0:
        return
    text = ctx.lines[line]
    ws = indent_of(text)
    title = f"Turn line {line + 1} into a comment (it is a sentence, not code)"
    yield ctx.put(line, len(ws), len(ws), "# ", 0.5, "prose-line", title)


_FENCE = re.compile(r"[ \t]*(?:```|~~~)[\w+.-]*[ \t]*")


def gen_code_fence(ctx: Ctx) -> Iterator[Proposal]:
    """```` ```python ```` / ```` ``` ````: the fence of a Markdown code block, pasted with the
    code from a chat or a web page. Python has no backticks, so the line was never code; it
    is removed."""
    if ctx.msg not in PLAIN_INVALID and ctx.msg != "unexpected indent":
        return
    if not _FENCE.fullmatch(ctx.lines[ctx.line]):
        return
    title = "Remove the Markdown code fence: it is not Python"
    yield ctx.lines_to(ctx.line, ctx.line + 1, [], 0.2, "code-fence", title)


_PROMPT = re.compile(r">>>(?: |$)")
_CONTINUED = re.compile(r"\.\.\.(?: |$)")


def _runs_silently(code: str) -> bool:
    """Does the interpreter print nothing for this statement: no value shown, no call made?
    (A function's body does not run when it is defined.)"""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    if any(isinstance(node, ast.Expr) for node in tree.body):
        return False  # an expression's value is shown
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            stack.extend([*node.decorator_list, node.args])
            continue
        if isinstance(node, ast.Call | ast.Await | ast.Yield | ast.YieldFrom):
            return False
        stack.extend(ast.iter_child_nodes(node))
    return True


def _may_be_code(text: str) -> bool:
    """Could this line of a session's output have been meant as code that does something?
    A literal (`16`, `'hi'`, `[1, 2]`) does nothing as a statement: a comment or not, the
    program is the same."""
    try:
        tree = ast.parse(text.strip())
    except (SyntaxError, ValueError):
        return False
    if len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr):
        try:
            ast.literal_eval(tree.body[0].value)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            return True
        return False
    return True


def gen_repl_prompt(ctx: Ctx) -> Iterator[Proposal]:
    """`>>> x = 3`: a session of the interactive interpreter pasted as a program. The code is
    what follows each `>>> ` and `... ` prompt. A line right under a prompt's statement is the
    session's output (made a comment) when that statement may print, and code otherwise (an
    assignment or an import prints nothing). Output that is valid code too (`5`, `hi`) may have
    been meant as code: the repair is then a guess.

    It starts at the error: a `>>>` line above it compiled, so it is a docstring's example,
    and so is one below it inside a string; neither is touched."""
    if ctx.msg not in PLAIN_INVALID or not _PROMPT.match(ctx.lines[ctx.line]):
        return
    new_lines: list[str] = []
    printed = doubt = False
    after_prompt = False  # the line before was a prompt's, or output right under one
    statement: list[str] = []  # the code of the last `>>>` line and its `...` lines
    first = last = None
    for i in range(ctx.line, ctx.count):
        body = ctx.lines[i].rstrip("\r\n")
        if ctx.scan.string[i]:
            after_prompt = False
            new_lines.append(body)
            continue
        prompt = _PROMPT.match(body) or (after_prompt and _CONTINUED.match(body))
        if prompt:
            code = body[prompt.end() :]
            statement = [code] if body.startswith(">>>") else [*statement, code]
            body = code
            first = i if first is None else first
            last = i
            after_prompt = True
        elif after_prompt and body.strip():
            if _runs_silently("\n".join(statement)):
                after_prompt = False  # code pasted after the session: kept as it is
            else:
                doubt = doubt or _may_be_code(body)
                body = "# " + body
                printed = True
                last = i
        else:
            after_prompt = False
        new_lines.append(body)
    if first is None or last is None:
        return
    title = "Remove the interpreter's '>>>' prompts" + (
        " and comment out its output" if printed else ""
    )
    changed = new_lines[first - ctx.line : last + 1 - ctx.line]
    p = ctx.lines_to(first, last + 1, changed, 0.3, "repl-prompt", title)
    yield p.as_guess() if doubt else p


def gen_unquoted_string(ctx: Ctx) -> Iterator[Proposal]:
    """`print(Hello world)`: words meant as text, without quotes (the commonest slip in
    beginners' first programs). Only words the file uses nowhere as names, two or more side by
    side, which no code can be."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    stack = ctx.open_brackets(ctx.line, ctx.col)
    if not stack or stack[-1].char != "(" or stack[-1].line != ctx.line:
        return
    opener = stack[-1].col
    inside = [t for t in code if t.start > opener]
    depth = 0
    argument: list[Tok] = []
    for tok in inside:
        if tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and tok.text == ",":
            if tok.start > ctx.col:
                break
            argument = []
            continue
        argument.append(tok)
    words = [t for t in argument if t.kind == "name"]
    if len(words) < 2 or any(t.kind not in ("name", "other") for t in argument):
        return
    if not argument[0].start <= ctx.col <= argument[-1].end or words[0].text in KEYWORDS:
        return
    used = ctx.names_near(ctx.line)
    if any(w.text in used or w.text in KNOWN_NAMES for w in words):
        return
    # Text is what `print` and `input` take; elsewhere only a phrase (`f(a b)` lost a comma).
    phrase = len(words) >= 3 and all(len(w.text) > 1 for w in words)
    if callee_of(ctx, stack[-1]) not in ("print", "input") and not phrase:
        return
    start, end = argument[0].start, argument[-1].end
    text = ctx.lines[ctx.line][start:end]
    quote = '"' if '"' not in text else "'"
    yield _wrap(ctx, start, end, quote * 2, 0.35, "unquoted-string", text)


_BINARY = frozenset({"+", "-", "*", "/", "//", "%", "**", "and", "or"})


def gen_dangling_operator(ctx: Ctx) -> Iterator[Proposal]:
    """`print(c+, end='')`, `y = x +`: a binary operator with nothing after it. Removing it is
    a guess (an operand may have been lost), offered for review."""
    code = ctx.code(ctx.line)
    for k, tok in enumerate(code):
        if tok.text not in _BINARY or k == 0:
            continue
        after = code[k + 1].text if k + 1 < len(code) else ""
        if after not in ("", ",", ")", "]", "}"):
            continue
        if code[k - 1].kind not in ("name", "number", "string", "close"):
            continue
        start = code[k - 1].end
        title = f"Remove the '{tok.text}' that has nothing after it (a guess)"
        p = ctx.put(ctx.line, start, tok.end, "", 1.0, "dangling-operator", title, token=tok.text)
        yield replace(p, guess=True)


#: `print`'s keyword-only parameters: `end""` lost its '=' (a name nobody defined).
_PRINT_KEYWORDS = frozenset({"end", "sep", "file", "flush"})


def gen_keyword_argument(ctx: Ctx) -> Iterator[Proposal]:
    """`print("*", end"")`: a keyword argument of `print` that lost its '='."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    for a, b in itertools.pairwise(code):
        if a.text not in _PRINT_KEYWORDS or b.kind not in ("string", "number", "name"):
            continue
        stack = ctx.open_brackets(ctx.line, a.start)
        if not stack or callee_of(ctx, stack[-1]) != "print":
            continue
        if _assigned(ctx, a.text):
            continue  # a variable of that name exists: it may be an argument
        title = f"Insert '=' after {a.text}: {a.text}={b.text}"
        yield ctx.put(
            ctx.line, a.end, b.start, "=", 0.3, "missing-keyword-equals", title, token=a.text
        )


def _assigned(ctx: Ctx, name: str) -> bool:
    """Is ``name`` assigned as a variable somewhere in the file (not as a keyword argument)?"""
    pattern = re.compile(rf"^[ \t]*{re.escape(name)}[ \t]*=(?!=)", re.MULTILINE)
    return bool(pattern.search(ctx.whole))


def gen_escaped_quote(ctx: Ctx) -> Iterator[Proposal]:
    """`print("\\")`: a backslash meant as text escapes the closing quote; it is written `\\\\`."""
    if not ctx.msg.startswith("unterminated string literal"):
        return
    text = ctx.lines[ctx.line]
    quote = text[ctx.col : ctx.col + 1]
    if quote not in ("'", '"'):
        return
    inside = text.find("\\" + quote, ctx.col + 1)
    if inside < 0 or text.find(quote, inside + 2) >= 0:
        return  # the string goes on after the escaped quote: that quote is meant
    if inside > ctx.col + 1 and text[inside - 1] == "\\":
        return
    title = "Write the backslash as '\\\\' so it does not escape the closing quote"
    p = ctx.put(ctx.line, inside, inside + 1, "\\\\", 0.3, "escaped-quote", title, quote=quote)
    # A string of nothing but the backslash may as well be an escape that lost its letter
    # (`print("\")` meant as `print("\n")`): one of several programs.
    lone = inside == ctx.col + 1
    yield p.as_guess() if lone else p


_AFTER_NAME = frozenset({"=", ")", ",", "]", ".", "[", "+", "-", "*", "/", "%", "//", "**"})
_AFTER_NAME |= frozenset({"<", ">", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/="})
_BEFORE_NAME = frozenset({"(", ",", "=", "[", "+", "-", "*", "/", "%", "==", "<", ">", "return"})
#: Keywords an expression follows: a statement keyword after them is a name (`if pass == s`).
_BEFORE_NAME |= frozenset({"if", "elif", "while", "and", "or", "not", "in", "assert"})
#: Where a value goes (after these a backtick opens Python 2's `repr`).
_BEFORE_VALUE = _BEFORE_NAME | {"print", "+=", "{", ":"}
#: Keywords that may start an expression: taken for a name only before a closer or '='.
_EXPRESSION_KEYWORDS = frozenset({"not", "lambda", "await", "yield"})


def _keyword_as_name(code: list[Tok], k: int) -> bool:
    tok = code[k]
    if tok.text not in KEYWORDS:
        return False
    before = code[k - 1].text if k else ""
    after = code[k + 1].text if k + 1 < len(code) else ""
    if not before:
        if tok.text in _EXPRESSION_KEYWORDS:
            # `lambda = 0.5`: no expression starts `lambda =` or `not =` (a decay rate).
            return after == "=" or (tok.text == "lambda" and after in (".", "["))
        return after in ("=", ".", "[")
    if before not in _BEFORE_NAME:
        return False
    if tok.text == "lambda" and after in ("(", ".", "["):
        return True  # a lambda's parameters are never in brackets: `lambda(x)` calls a name
    if tok.text in _EXPRESSION_KEYWORDS:
        # `return lambda` ends nothing: a name (`yield`, `await` may end a valid line).
        return after in (")", ",", "]", "=") or (not after and tok.text in ("lambda", "not"))
    return after in _AFTER_NAME


#: `return lambda(x)`: CPython takes the call of a name `lambda` for a lambda's parameters.
_PARENTHESIZED_LAMBDA = "Lambda expression parameters cannot be parenthesized"


def gen_keyword_as_name(ctx: Ctx) -> Iterator[Proposal]:
    """`class = 5`, `def f(lambda):`: a keyword used as a name. A guess: it is renamed
    `class_` (the usual spelling) everywhere it stands as a name; another name may be meant."""
    if ctx.msg not in PLAIN_INVALID and ctx.msg != _PARENTHESIZED_LAMBDA:
        return
    code = ctx.code(ctx.line)
    # The keyword is where CPython stopped, or the token just before it.
    near = [k for k, t in enumerate(code) if t.start <= ctx.col][-2:]
    word = next((code[k].text for k in reversed(near) if _keyword_as_name(code, k)), None)
    if word is None:
        return
    new = word + "_"
    if re.search(rf"\b{new}\b", ctx.whole):
        return
    # Everywhere, earlier lines too: a later error's listing offers the whole rename.
    new_lines: list[str] = []
    first = last = ctx.line
    for i in range(ctx.count):
        line_code = ctx.code(i)
        text = ctx.lines[i]
        spots = [
            t for k, t in enumerate(line_code) if t.text == word and _keyword_as_name(line_code, k)
        ]
        for tok in reversed(spots):
            text = text[: tok.start] + new + text[tok.end :]
        if spots:
            first = min(first, i)
            last = max(last, i)
        new_lines.append(text)
    title = f"Rename '{word}' to '{new}': a keyword cannot be a name (a guess)"
    p = ctx.lines_to(
        first,
        last + 1,
        new_lines[first : last + 1],
        0.8,
        "keyword-as-name",
        title,
        token=word,
        name=new,
    )
    yield replace(p, guess=True)


def _digit_names(ctx: Ctx, line: int, digits: str, name: str) -> list[tuple[Tok, Tok]]:
    """Where ``digits`` run straight into ``name`` on ``line`` (`1first_number`)."""
    return [
        (a, b)
        for a, b in itertools.pairwise(ctx.code(line))
        if a.kind == "number" and a.text == digits and b.kind == "name"
        if b.text == name and b.start == a.end
    ]


def _assigned_at(code: list[Tok], k: int) -> bool:
    """Is the name ending at ``code[k]`` a target: `x = `, `x += ` at the statement's start,
    or `for x in`?"""
    after = code[k + 1].text if k + 1 < len(code) else ""
    before = code[k - 2].text if k >= 2 else ""
    if k == 1 and (after == "=" or (after.endswith("=") and after not in ("==", "<=", ">="))):
        return after != "!="
    return before == "for" and after == "in"


def gen_digit_name(ctx: Ctx) -> Iterator[Proposal]:
    """`1first = str(n)` ... `print(1first[::-1])`: a name that starts with a digit, spelt the
    same way each time and assigned to, is one variable Python cannot spell (not a product,
    which cannot be assigned; not a stray digit, which would not recur); it is renamed
    everywhere, the digits moved to its end. The program is the same whatever the new name."""
    if not ctx.msg.startswith("invalid decimal literal"):
        return
    for a, b in itertools.pairwise(ctx.code(ctx.line)):
        if a.kind != "number" or not a.text.isdigit() or b.kind != "name":
            continue
        if b.start != a.end or not a.start <= ctx.col <= b.end or b.text in KEYWORDS:
            continue
        word = a.text + b.text
        new = b.text + a.text
        if re.search(rf"\b{re.escape(new)}\b", ctx.whole):
            new = "_" + word
            if re.search(rf"\b{re.escape(new)}\b", ctx.whole):
                return
        occurrences = 0
        assigned = False
        last = ctx.line
        new_lines: list[str] = []
        for i in range(ctx.line, ctx.count):
            pairs = _digit_names(ctx, i, a.text, b.text)
            text = ctx.lines[i]
            code = ctx.code(i)
            for left, right in reversed(pairs):
                text = text[: left.start] + new + text[right.end :]
                at = code.index(right)
                assigned = assigned or (ctx.statement_start(i) == i and _assigned_at(code, at))
            if pairs:
                last = i
                occurrences += len(pairs)
            new_lines.append(text)
        if occurrences < 2 or not assigned:
            return  # once, or never assigned: a stray digit or a product is as likely
        title = f"Rename '{word}' to '{new}': a name cannot start with a digit"
        yield ctx.lines_to(
            ctx.line,
            last + 1,
            new_lines[: last - ctx.line + 1],
            0.3,
            "digit-name",
            title,
            token=word,
            name=new,
            count=occurrences,
        )
        return


_OPERAND_END = frozenset({"name", "number", "string", "close"})


def gen_lost_plus(ctx: Ctx) -> Iterator[Proposal]:
    """`f = s[x]' # ' + str(m[x])`: a string and a value side by side in a value built with '+'
    (nothing else) lost the '+' between them: an assignment's or a `return`'s value, or the
    one argument of a call built with '+' before the gap (`print(str(i) + " # " + j " # " + k)`,
    not `print("sum is" a + b)`). Where
    commas separate items, or no '+' shows how the text is built, a comma is as likely
    (`print('Hi 'name)`)."""
    if ctx.msg not in PLAIN_INVALID and not ctx.msg.startswith("invalid syntax"):
        return
    line = ctx.line
    if ctx.statement_start(line) != line:
        return
    code = ctx.code(line)
    if len(code) < 4:
        return
    stack = ctx.open_brackets(line, ctx.col)
    if stack:
        rest = _sole_argument(code, stack[-1]) if stack[-1].line == line else None
        if rest is None:
            return
    elif ctx.is_header(line):
        return
    elif code[0].text == "return":
        rest = code[1:]
    elif code[0].kind == "name" and code[1].text in ("=", "+="):
        rest = code[2:]
    else:
        return
    top = [t for t, depth in zip(rest, _depths(rest), strict=True) if depth == 0]
    operators = [t.text for t in top if t.kind == "op"]
    if "+" not in operators or any(op != "+" for op in operators):
        return  # only a chain of '+' says which operator is meant
    hinted = ctx.msg.startswith("invalid syntax. Perhaps you forgot a comma?")
    side_by_side = [
        (left, right)
        for left, right in itertools.pairwise(top)
        if left.kind in _OPERAND_END and right.kind in ("name", "number", "string")
    ]
    if hinted and len(side_by_side) != 1:
        return  # CPython spans the whole list; only one gap in it says where
    for left, right in side_by_side:
        if (right.start != ctx.col and not hinted) or right.text in KEYWORDS:
            continue
        if "string" not in (left.kind, right.kind) or left.text in KEYWORDS:
            continue
        if stack and not any(t.text == "+" and t.end <= left.start for t in top):
            # `print("sum is" a + b)`: text first, then a sum: a label and a value, as a
            # comma would make them, is as likely as text joined to a sum of numbers.
            continue
        # Spaced as the author spaces the other '+'.
        other = next(t for t in top if t.text == "+")
        plus = " + " if ctx.lines[line][other.start - 1 : other.start] == " " else "+"
        title = "Insert the '+' lost between the text and the value"
        yield ctx.put(
            line,
            left.end,
            right.start,
            plus,
            0.35,
            "lost-plus",
            title,
            left=left.text,
            right=right.text,
        )
        return


def _sole_argument(code: list[Tok], opener: Open) -> list[Tok] | None:
    """The tokens inside the round bracket ``opener`` when they are one item (no comma at
    their level) and the bracket closes on the line; else None."""
    if opener.char != "(":
        return None
    inside: list[Tok] = []
    depth = 0
    for tok in code:
        if tok.start <= opener.col:
            continue
        if tok.kind == "close" and depth == 0:
            return inside
        if tok.text == "," and depth == 0:
            return None
        depth += {"open": 1, "close": -1}.get(tok.kind, 0)
        inside.append(tok)
    return None


def _depths(code: list[Tok]) -> list[int]:
    """Each token's bracket depth within ``code`` (a bracket itself at the outer depth)."""
    depths: list[int] = []
    depth = 0
    for tok in code:
        if tok.kind == "close":
            depth -= 1
        depths.append(depth)
        if tok.kind == "open":
            depth += 1
    return depths


def gen_dot_subscript(ctx: Ctx) -> Iterator[Proposal]:
    """`s.[0]`: a '.' between a value and its subscript; an index is written `s[0]` (every
    such '.' on the line goes: `s.[0] == s.[-1]` has two)."""
    code = ctx.code(ctx.line)
    dots = [
        (code[k], code[k + 1])
        for k in range(1, len(code) - 1)
        if code[k].text == "." and code[k + 1].text == "["
        if code[k - 1].kind in ("name", "close") and code[k - 1].text not in KEYWORDS
    ]
    if not any(dot.start <= ctx.col <= bracket.end for dot, bracket in dots):
        return
    text = ctx.lines[ctx.line]
    for dot, bracket in reversed(dots):
        text = text[: dot.start] + text[bracket.start :]
    title = "Remove the '.' before the '[' (an index is written right after the value)"
    yield ctx.put(ctx.line, 0, len(ctx.lines[ctx.line]), text, 0.3, "dot-subscript", title)


def gen_declared_container(ctx: Ctx) -> Iterator[Proposal]:
    """`r[]` or `d{}` alone on a line: a list (a dict) declared the way C or Java declare an
    array. Python makes one by assigning it: `r = []`. Evident when the name is used further
    on and nothing in the file binds it: no other program gets past its uses. Else a guess
    (`r[]` beside `r = ...` may be an index left out)."""
    code = ctx.code(ctx.line)
    if len(code) != 3 or not _plain_name(code[0]) or ctx.statement_start(ctx.line) != ctx.line:
        return
    pair = code[1].text + code[2].text
    if pair not in ("[]", "{}") or code[1].start != code[0].end:
        return
    name = code[0].text
    names = ctx.names
    later = ctx.source[ctx.starts[ctx.line] + code[2].end :]
    used_later = re.search(rf"(?<![\w.]){re.escape(name)}\b", later) is not None
    evident = used_later and not names.assigns(name) and not names.defines(name)
    what = "list" if pair == "[]" else "dictionary"
    title = f"Create the empty {what}: {name} = {pair}"
    p = ctx.put(
        ctx.line, code[0].start, code[2].end, f"{name} = {pair}", 0.3, "declared-container",
        title, name=name, token=pair, what=what,
    )  # fmt: skip
    yield p if evident else p.as_guess()


def gen_comprehension_element(ctx: Ctx) -> Iterator[Proposal]:
    """`[for x in xs]`: a comprehension without the value it collects. The loop variable
    itself is the smallest program (`[x for x in xs]`), but the author may have meant a value
    made from it (`[int(x) for x in xs]`): a guess."""
    code = ctx.code(ctx.line)
    for k in range(len(code) - 3):
        opener, word, target = code[k], code[k + 1], code[k + 2]
        if opener.kind != "open" or word.text != "for" or not _plain_name(target):
            continue
        if code[k + 3].text != "in" or not opener.start <= ctx.col <= word.end:
            continue
        title = f"Collect the loop variable: {opener.text}{target.text} for {target.text} in ..."
        yield ctx.put(
            ctx.line, word.start, word.start, f"{target.text} ", 0.6, "comprehension-element",
            title, name=target.text,
        ).as_guess()  # fmt: skip


def gen_glued_statement(ctx: Ctx) -> Iterator[Proposal]:
    """`name = input()print('Hi', name)`: a `print(...)` call typed right after a complete
    statement, on its line, lost the line break between them. `print` gives nothing to
    combine with (a comma would make a tuple holding None), so the line break is evident."""
    if ctx.msg not in PLAIN_INVALID or ctx.statement_start(ctx.line) != ctx.line:
        return
    code = ctx.code(ctx.line)
    for k in range(1, len(code) - 1):
        left, word, opener = code[k - 1], code[k], code[k + 1]
        if word.text != "print" or opener.text != "(" or opener.start != word.end:
            continue
        if word.start != ctx.col or left.kind not in ("close", "name", "number", "string"):
            continue
        if ctx.open_brackets(ctx.line, word.start) or left.text in KEYWORDS:
            continue
        indent = indent_of(ctx.lines[ctx.line])
        title = "Put print(...) on a line of its own"
        text = ctx.newline + indent
        p = ctx.put(
            ctx.line, left.end, word.start, text, 0.3, "glued-statement", title, token="print"
        )
        # After a one-line block (`if x: y = x print(y)`), inside the block or after it? After
        # `return x`, the print on its own line in the function would never run.
        ends = ("return", "raise", "break", "continue")
        guess = ctx.keyword(ctx.line) in HEADER_KEYWORDS or code[0].text in ends
        yield p.as_guess() if guess else p
