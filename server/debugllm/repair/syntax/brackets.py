"""Repairs of brackets: one never closed or left open in the line, an unmatched or mismatched
closer, and a closer whose opener was left out."""

from __future__ import annotations

import re
from collections.abc import Iterator

from debugllm.repair.oddity import ITERABLE
from debugllm.repair.syntax.context import (
    ATOM_END,
    HEADER_KEYWORDS,
    KEYWORDS,
    KNOWN_NAMES,
    NEVER_CLOSED,
    ONE_ARGUMENT,
    OPENERS,
    PAIRS,
    PLAIN_INVALID,
    UNMATCHED,
    Ctx,
    Open,
    Proposal,
    Tok,
    callee_of,
    closers_of,
    indent_of,
    top_level,
)

_MISMATCH = re.compile(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'")


def gen_never_closed(ctx: Ctx) -> Iterator[Proposal]:
    match = NEVER_CLOSED.fullmatch(ctx.msg)
    code = ctx.code(ctx.line)
    if not match or not code:
        return
    line = ctx.line
    opener = match.group(1)
    stack = ctx.open_brackets(line, len(ctx.lines[line]) + 1)
    if not stack:
        return
    facts: dict[str, object] = {"token": opener, "closer": OPENERS[opener]}
    facts["opener_line"] = line + 1
    title = f"Close the '{opener}' opened on line {line + 1}"
    last = code[-1]
    header = ctx.keyword(line) in HEADER_KEYWORDS and last.text == ":" and len(code) > 1
    end = code[-2].end if header else last.end
    own = [o for o in stack if o.line == line]
    variants = [(0.0, closers_of(stack))]
    if own and len(own) < len(stack):
        variants.append((0.2, closers_of(own)))
    following = ctx.next_code(line)
    if (
        ctx.keyword(line) in HEADER_KEYWORDS
        and last.text != ":"
        and following < ctx.count
        and ctx.width(following) > ctx.width(ctx.statement_start(line))
    ):
        # `def f(a, b` over an indented body: the header lost its ':' along with the ')'.
        variants = [(extra + 0.05, text + ":") for extra, text in variants]
    # `int(a + int(b)`: the same call on both sides of an operator reads as `int(a) + int(b)`
    # as well as `int(a + int(b))`: where it closes is a guess.
    symmetric = _same_call_after_operator(code, ctx.col)
    for extra, text in variants:
        p = ctx.put(line, end, end, text, 0.3 + extra, "unclosed-bracket", title, **facts)
        yield p.as_guess() if symmetric else p
        # Earlier token boundaries after the opener, dearer the further from the line's end.
        inside = [t for t in code if ctx.col < t.start and t.end < end]
        for distance, tok in enumerate(reversed(inside), 1):
            cost = 0.8 + extra + 0.1 * distance
            if _natural_close(ctx, line, tok):
                cost = 0.25 + extra + 0.004 * (len(inside) - distance)
            p = ctx.put(line, tok.end, tok.end, text, cost, "unclosed-bracket", title, **facts)
            yield p.as_guess() if symmetric else p
    # A bracket left open at a line's end usually closes where the continuation lines end.
    if last.kind in ("open", "op") or last.text in _CONTINUES:
        yield from _close_after_continuation(ctx, line, title, facts)
        yield from _close_inner_line(ctx, line)


#: What cannot end an expression, so the line goes on (`if (a > 0 and` / `b > 0):`).
_CONTINUES = frozenset({",", "and", "or", "not", "in", "is"})


def _same_call_after_operator(code: list[Tok], col: int) -> bool:
    """Is the bracket opened at ``col`` a call `f(` whose arguments hold, at their own level,
    an operator followed by another call of `f`?"""
    at = next((k for k, t in enumerate(code) if t.start == col and t.text == "("), None)
    if at is None or at == 0 or code[at - 1].kind != "name":
        return False
    callee = code[at - 1].text
    inside = code[at + 1 :]
    return any(
        tok.text in _ARITHMETIC and [t.text for t in inside[k + 1 : k + 3]] == [callee, "("]
        for k, tok in top_level(inside)
    )


def _own_open(ctx: Ctx, line: int) -> list[Open]:
    """Brackets opened on ``line`` and not closed on it."""
    stack: list[Open] = []
    for tok in ctx.code(line):
        if tok.kind == "open":
            stack.append(Open(tok.text, line, tok.start))
        elif tok.kind == "close" and stack:
            stack.pop()
    return stack


def _close_inner_line(ctx: Ctx, line: int) -> Iterator[Proposal]:
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
        facts: dict[str, object] = {"token": inner.char, "closer": OPENERS[inner.char]}
        facts["opener_line"] = i + 1
        title = f"Close the '{inner.char}' opened on line {i + 1}"
        cost = 0.45 + 0.02 * (i - line)
        yield ctx.put(i, end, end, closers_of(own), cost, "unclosed-bracket", title, **facts)


_ARITHMETIC = frozenset({"+", "-", "*", "/", "//", "%", "**"})
_TIGHTER = frozenset({"*", "/", "//", "%", "**", "@"})


def _group_adds(ctx: Ctx, line: int, inner: Open, before: list[Tok], tok: Tok) -> bool:
    """Is the bracket ``inner`` (``before``: the tokens before it on its line) a group (not a
    call or subscript) that starts an expression and holds a binary `+` or `-` at its own
    depth before ``tok``?"""
    called = bool(before) and before[-1].kind in ("name", "close", "string")
    if inner.line != line or (called and before[-1].text not in KEYWORDS):
        return False
    if before and before[-1].text in _ARITHMETIC:
        return False  # `0.5 * (a + x / a`: an operand's group, which runs on
    inside = [t for t in ctx.code(line) if inner.col < t.start <= tok.start]
    return any(
        t.text in ("+", "-") and k > 0 and inside[k - 1].kind in ATOM_END
        for k, t in top_level(inside)
    )


_LOW_PRECEDENCE = frozenset(
    {"==", "!=", "<", ">", "<=", ">=", "in", "not", "is", "and", "or", "if", "else", "for"}
)


def _natural_close(ctx: Ctx, line: int, tok: Tok) -> bool:
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
    # A one-argument builtin ends before a comma, and `len` or `ord` (a number, of what
    # cannot be added to) before arithmetic: `len(xs) - 1`, `sorted(xs), n`; not `set(a + b)`.
    callee = callee_of(ctx, inner)
    if callee in ONE_ARGUMENT & ITERABLE and after[0].text == ",":
        return True
    if callee in ("len", "ord") and after[0].text in _ARITHMETIC:
        return True
    # A generator argument whose iterable is one name ends before arithmetic: `sum(x for x
    # in xs) / len(xs)`; `xs / len(xs)` is no iterable.
    if inner.char == "(" and inner.line == line and after[0].text in _ARITHMETIC:
        level = _at_depth(code, inner, tok)
        words = [t.text for t in level]
        if "for" in words and "in" in words:
            iterable = level[len(words) - 1 - words[::-1].index("in") + 1 :]
            if len(iterable) == 1 and iterable[0].kind == "name":
                return True
    # A slice ends before the comma after it: `f(s[1:], t)`; a slice in a tuple index is for
    # arrays (`a[1:, j]`).
    if inner.char == "[" and inner.line == line and after[0].text == ",":
        # A keyword argument or (in a `def`) the next parameter follows: `f(xs[0], key=k)`,
        # `def f(xs: List[int], n: int)`; neither can stand in a subscript.
        in_call = len(stack) > 1 and stack[-2].char == "("
        named = in_call and len(after) > 2 and after[1].kind == "name" and after[2].text == "="
        parameter = ctx.keyword(line) == "def" and len(after) > 2 and after[2].text == ":"
        if named or (parameter and after[1].kind == "name"):
            return True
        if any(t.text == ":" for t in _at_depth(code, inner, tok)):
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
    if after[0].text == "if" and _conditional_expression(after):
        # `print('big' if x > 10 else 'small'`: the `if`/`else` choose the argument; closed
        # before it, the call would be one branch of a value thrown away.
        return False
    if before and (
        (before[-1].kind == "name" and before[-1].text not in KEYWORDS)
        or before[-1].kind == "close"
    ):
        return True
    # A bare tuple `(i, j` followed by `in` or a comparison closes before it.
    if inner.char != "(" or inner.line != line:
        return False
    # A comprehension's element in parentheses: `[(f(x)) for x in xs]`.
    if before and before[-1].text in ("[", "{") and after[0].text == "for":
        return True
    return any(t.text == "," for t in _at_depth(code, inner, tok))


def _conditional_expression(after: list[Tok]) -> bool:
    """Do the tokens from an `if` on hold its `else` at the same bracket depth, and no `for`
    after it (`ord(c) if c else 0 for c in s` is a generator's element)?"""
    found = False
    for k, t in top_level(after):
        if t.text == "else":
            found = True
            rest = after[k + 1 :]
            if len(rest) > 1 and rest[0].kind == "name" and rest[1].text == "(":
                # `min(lst if c else max(lst)`: a choice between two calls, each closed.
                return False
        elif t.text == "for" and found:
            return False
    return found


def _at_depth(code: list[Tok], inner: Open, tok: Tok) -> list[Tok]:
    """The tokens directly inside the bracket ``inner``, up to ``tok``."""
    inside = [t for t in code if inner.col < t.start < tok.end]
    return [t for _, t in top_level(inside)]


def _close_after_continuation(
    ctx: Ctx, line: int, title: str, facts: dict[str, object]
) -> Iterator[Proposal]:
    start = ctx.statement_start(line)
    base = ctx.width(start)
    header = ctx.keyword(start) in HEADER_KEYWORDS
    previous = line
    colon = False
    for i in range(line + 1, min(line + 100, ctx.count)):
        if ctx.is_code(i):
            if ctx.width(i) <= base:
                break
            previous = i
            code = ctx.code(i)
            if header and len(code) > 1 and code[-1].text == ":":
                # `if (a > 0 and` / `b > 0:`: the header's colon ends it; the block below is
                # indented deeper too but is no continuation. The bracket closes before ':'.
                colon = True
                break
    if previous == line:
        return
    stack = ctx.open_brackets(previous, len(ctx.lines[previous]) + 1)
    text = closers_of(stack)
    if not text:
        return
    col = ctx.code(previous)[-2].end if colon else ctx.code_end(previous)
    yield ctx.put(previous, col, col, text, 0.35, "unclosed-bracket", title, **facts)
    if colon:
        return
    new_lines = [ctx.lines[previous], indent_of(ctx.lines[start]) + text]
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


def gen_open_in_line(ctx: Ctx) -> Iterator[Proposal]:
    """A bracket opened earlier in the statement and still open where CPython gave up."""
    if not ctx.msg.startswith(PLAIN_INVALID):
        return
    stack = ctx.open_brackets(ctx.line, ctx.col)
    if not stack:
        return
    inner = stack[-1]
    title = f"Close the '{inner.char}' opened on line {inner.line + 1}"
    facts: dict[str, object] = {"token": inner.char, "closer": OPENERS[inner.char]}
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
                closers_of(own),
                0.4,
                "unclosed-bracket",
                title,
                **facts,
                line=inner.line + 1,
            )
    code = ctx.code(ctx.line)
    variants = [(0.0, OPENERS[inner.char])]
    if len(stack) > 1:
        variants.append((0.2, closers_of(stack)))
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


def gen_unmatched(ctx: Ctx) -> Iterator[Proposal]:
    """An extra closing bracket: the one CPython flags, or an earlier one of the statement (a
    doubled `))` is the likely culprit)."""
    match = UNMATCHED.fullmatch(ctx.msg)
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

    def tokens_before(line: int, tok: Tok) -> Iterator[Tok]:
        for i in range(start, line + 1):
            yield from (t for t in ctx.code(i) if (i, t.start) < (line, tok.start))

    for distance, (line, tok) in enumerate(reversed(closers)):
        doubled = ctx.lines[line][tok.start - 1 : tok.start] == closer
        cost = 0.5 + 0.05 * distance - (0.15 if doubled else 0.0)
        # `if x > 0):`: a stray closer just before a header's ':' is likelier than a lost opener.
        # ... when nothing could have been called there: `> 0):`, not `s.isupper):`.
        previous = list(tokens_before(line, tok))
        alone = not any(t.text == PAIRS[closer] for t in previous)
        alone = alone and bool(previous) and previous[-1].kind in ("number", "string")
        if line == ctx.line and len(code) > 1 and code[-1].text == ":" and code[-2] == tok:
            cost -= 0.12 if alone else 0.0
        yield ctx.put(line, tok.start, tok.end, "", cost, "unmatched-bracket", title, token=closer)


def gen_mismatch(ctx: Ctx) -> Iterator[Proposal]:
    match = _MISMATCH.match(ctx.msg)
    text = ctx.lines[ctx.line]
    if not match or text[ctx.col : ctx.col + 1] != match.group(1):
        return
    closer, opener = match.group(1), match.group(2)
    wanted = OPENERS[opener]
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
_NO_CALL = KEYWORDS - {"None", "True", "False"}


def gen_missing_opener(ctx: Ctx) -> Iterator[Proposal]:
    """Openers for a closer left without one (``_missing_opener``). A closer right after its
    twin (`nums[0]]`, `(a + b))`) reads as one key pressed twice: removing it is the evident
    program, and an opener that does not call or subscript a name (`nums[[0]]`, `[nums[0]]`)
    makes another one, a guess."""
    text = ctx.lines[ctx.line]
    doubled = text[: ctx.col].rstrip()[-1:] == text[ctx.col : ctx.col + 1]
    for p in _missing_opener(ctx):
        yield p.as_guess() if doubled and not _calls_a_name(ctx, p) else p


def _calls_a_name(ctx: Ctx, p: Proposal) -> bool:
    """Does the opener ``p`` inserts follow a name (`len(x)`, `s.lower()`)?"""
    old = ctx.lines[p.first]
    col = next((i for i, (a, b) in enumerate(zip(old, p.text, strict=False)) if a != b), len(old))
    return bool(re.search(r"\w$", old[:col].rstrip()))


def _missing_opener(ctx: Ctx) -> Iterator[Proposal]:
    """A closing bracket whose opening one was left out: `lenx)`, `append"a")`, `ns = ]`.

    The opener goes where the closer's partner most plausibly was: between a callee and its
    argument run together into one unknown name (`sortedl)` -> `sorted(l)`), right after a name
    or a closing bracket (a call or subscript, `isupper)` -> `isupper()`), or at the start of
    an operand (a group or a literal); nearer the closer and outside other brackets is likelier,
    and a lone atom in brackets (`(0)`) is unlikely. Each is checked by the compiler.
    """
    unmatched = UNMATCHED.fullmatch(ctx.msg)
    mismatch = _MISMATCH.match(ctx.msg)
    closer = unmatched.group(1) if unmatched else mismatch.group(1) if mismatch else ""
    if not closer or ctx.lines[ctx.line][ctx.col : ctx.col + 1] != closer:
        return
    opener = PAIRS[closer]
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
        if tok.kind == "name" and tok.text not in KEYWORDS:
            yield from _split_name(ctx, line, tok, before, near, here, opener, distance, facts)
        nxt = tokens[k + 1][1] if k + 1 < len(tokens) else None
        lone = nxt is None or (nxt.kind == "close" and tok.kind in ATOM_END)
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
        p = ctx.put(row, col, col, opener, cost, "missing-opener", title, **facts, line=row + 1)
        # A call of text, of an item (`track[w](+1)`) or with an argument that starts with an
        # operator is one reading; the stray closer removed is another. (A subscript is not:
        # `f-1]` is `f[-1]`.)
        odd_call = (
            call
            and opener == "("
            and (
                before.kind == "string"
                or before.text in ("]", ")")  # `(1 + 2)( * 3)`: a group or a result called
                or (tok.kind == "op" and tok.text != "*")
            )
        )
        yield p.as_guess() if odd_call else p
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
    ctx: Ctx,
    line: int,
    tok: Tok,
    before: Tok | None,
    near: set[str],
    here: dict[str, int],
    opener: str,
    distance: int,
    facts: dict[str, object],
) -> Iterator[Proposal]:
    """``tok`` read as a callee and its argument run together: `lenx` -> `len(x`."""
    attribute = before is not None and before.text == "."
    defined = before is not None and before.text in ("def", "class")
    whole_known = tok.text in near or here.get(tok.text, 0) > 1 or tok.text in KNOWN_NAMES
    known = near | {n for n in here if n != tok.text}
    for cut in range(len(tok.text) - 1, 0, -1):
        head, tail = tok.text[:cut], tok.text[cut:]
        if not (attribute or defined or head in known or head in KNOWN_NAMES):
            continue
        if tail not in known and tail not in KNOWN_NAMES and not tail.isdigit():
            continue
        if whole_known and not defined:
            cost = 0.6 + 0.03 * distance
        else:
            cost = 0.25 + 0.005 * distance + (0.05 if attribute else 0.0)
        title = f"Insert the missing '{opener}' after {head}"
        col = tok.start + cut
        yield ctx.put(line, col, col, opener, cost, "missing-opener", title, **facts, line=line + 1)
