"""Repairs of slips within a line: a missing ':' or ',', '=' for '==', a starred target, Python 2's
print, a misspelled keyword, a call without parentheses, digits run into a name, a generator
expression without parentheses, a lost operator and a line broken without brackets."""

from __future__ import annotations

import bisect
import functools
import itertools
import keyword
import re
from collections.abc import Iterator
from dataclasses import replace

from debugllm.repair.syntax.context import (
    ATOM_END,
    ATOM_START,
    CONDITION_KEYWORDS,
    DEF,
    HEADER_KEYWORDS,
    KEYWORDS,
    KNOWN_NAMES,
    ONE_ARGUMENT,
    PLAIN_INVALID,
    TARGETS,
    Ctx,
    Proposal,
    Tok,
    callee_of,
    group_end,
    spliced,
    statement_facts,
    top_level,
)
from debugllm.repair.syntax.novice import (
    in_assignment_target,
    is_numeric,
    spaced_name_elsewhere,
    unpacks_evidently,
)


def gen_missing_colon(ctx: Ctx) -> Iterator[Proposal]:
    if ctx.msg in ("invalid syntax", "invalid syntax. Perhaps you forgot a comma?"):
        yield from _colon_before_body(ctx)
        return
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
    if code and code[-1].text == "{" and code[-1].start >= col:
        return  # `def f(x) {`: a block in braces (``gen_brace_block``), never a set display
    facts = statement_facts(ctx, ctx.line)
    word = str(facts["keyword"])
    cost = 0.3 if word in HEADER_KEYWORDS else 0.8
    title = f"Insert missing ':' after the {word} statement" if word else "Insert missing ':'"
    yield ctx.put(ctx.line, col, col, ":", cost, "missing-colon", title, **facts)


_AUGMENTED = frozenset({"+=", "-=", "*=", "/=", "//=", "%=", "**=", "&=", "|=", "^=", ">>=", "<<="})
#: Keywords that start a simple statement, a one-line block's body.
_BODY_KEYWORDS = frozenset(
    {"return", "pass", "break", "continue", "raise", "del", "assert", "global", "nonlocal"}
)


def _colon_before_body(ctx: Ctx) -> Iterator[Proposal]:
    """`if x > 0 print(x)`: a header and its body on one line, the ':' between them lost.
    CPython stops at the body's first word. Only a body that is a statement (a call, an
    assignment, `return` ...): in `if x y > 0` the ':' would make `y > 0` a body no one means."""
    line = ctx.line
    if ctx.statement_start(line) != line or ctx.keyword(line) not in HEADER_KEYWORDS:
        return
    code = ctx.code(line)
    if any(t.text == ":" for _, t in top_level(code)) or ctx.open_brackets(line, ctx.col):
        return
    at = next((k for k, t in enumerate(code) if t.start == ctx.col), None)
    if at is None or at < 1 or code[at].kind != "name":
        return
    assignment = False
    if code[at].text in KEYWORDS:
        if code[at].text not in _BODY_KEYWORDS:
            return
    else:
        # A call (of a name or an attribute: `obj.method()`) or an assignment.
        k = at + 1
        while k + 1 < len(code) and code[k].text == "." and code[k + 1].kind == "name":
            k += 2
        after = code[k].text if k < len(code) else ""
        assignment = k == at + 1 and (after == "=" or after in _AUGMENTED)
        if not (after == "(" or assignment):
            return
    facts = statement_facts(ctx, line)
    title = f"Insert missing ':' after the {facts['keyword']} statement"
    end = code[at - 1].end
    p = ctx.put(line, end, end, ":", 0.35, "missing-colon", title, **facts)
    # `if total price = 5`: a bare name, then a name assigned, may be one name typed with a
    # space and a comparison (`if total_price == 5:`) as much as a header and its body.
    spaced = at == 2 and code[1].kind == "name" and code[1].text not in KEYWORDS
    yield p.as_guess() if spaced and assignment else p


def gen_assign_in_value(ctx: Ctx) -> Iterator[Proposal]:
    """`total += (a > 1) = (b == 1)` or `d = a - b = c + 2`: an '=' after the assignment's own
    '=' cannot assign to the expression before it; it was meant as a comparison."""
    if ctx.msg != "invalid syntax" and not ctx.msg.startswith("cannot assign to"):
        return
    line = ctx.statement_start(ctx.line)
    if line != ctx.line or ctx.keyword(line) in KEYWORDS:
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


def gen_assign_in_condition(ctx: Ctx) -> Iterator[Proposal]:
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
            if is_keyword_argument(ctx, line, tok) and not argument:
                continue
            inside_condition = word in CONDITION_KEYWORDS or _in_comprehension_if(ctx, line, tok)
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
                if t.text == "=" and t.start > tok.start and not is_keyword_argument(ctx, line, t)
            ]
            if others and word in CONDITION_KEYWORDS:
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


def is_keyword_argument(ctx: Ctx, line: int, tok: Tok) -> bool:
    """Is the ``=`` token ``tok`` a keyword argument's, as in ``f(key=value)``?"""
    stack = ctx.open_brackets(line, tok.start)
    if not stack or stack[-1].char != "(":
        return False
    before = [t for t in ctx.code(line) if t.end <= tok.start]
    return len(before) >= 2 and before[-1].kind == "name" and before[-2].text in ("(", ",")


def _in_comprehension_if(ctx: Ctx, line: int, tok: Tok) -> bool:
    """Is ``tok`` in the condition of a comprehension, a conditional expression or a lambda?"""
    before = [t.text for t in ctx.code(line) if t.end <= tok.start]
    return "if" in before or "lambda" in before


_NAME_LISTS = frozenset({"for", "import", "from", "del", "global", "nonlocal"})


def _on_line(ctx: Ctx, offset: int, line: int) -> bool:
    end = ctx.starts[line + 1] if line + 1 < ctx.count else len(ctx.source)
    return ctx.starts[line] <= offset < end


#: Methods of the built-in containers that take exactly one positional argument.
_ONE_ARGUMENT_METHODS = frozenset({"append", "extend", "remove", "add", "discard", "join"})


def too_many_arguments(ctx: Ctx, line: int, left: Tok, right: Tok | None) -> bool:
    """Would a comma after ``left`` pass more positional arguments than the callee takes?"""
    if right is None or right.kind not in ATOM_START or right.text in KEYWORDS:
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
    if not before or before[-1].kind != "name" or before[-1].text in KEYWORDS:
        return False
    callee = before[-1].text
    method = len(before) > 1 and before[-2].text == "."
    if len(before) > 1 and before[-2].text in ("def", "class"):
        return False
    if method:
        # `xs.append(i 2 + 1)`: the list methods that take one value (unless the file
        # defines a method of that name itself).
        defined = any(m.group(1) == callee for m in DEF.finditer(ctx.whole))
        if callee not in _ONE_ARGUMENT_METHODS or defined:
            return False
        return _group_commas(ctx.lines[opener.line], opener.col) + 2 > 1
    limit: int | None = 1 if callee in ONE_ARGUMENT else None
    for match in DEF.finditer(ctx.whole):  # offsets past the source are on no line
        if match.group(1) == callee and not _on_line(ctx, match.start(2), line):
            params = [p for p in match.group(2).split(",") if p.strip()]
            if any("*" in p or "=" in p for p in params):
                return False
            limit = len(params)
    if limit is None:
        return False
    return _group_commas(ctx.lines[opener.line], opener.col) + 2 > limit


#: Before a bracketed group, tokens after which `(a, b)` reads as a tuple, not an operand.
_TUPLE_BEFORE = frozenset({"=", ",", "(", "[", "{", ":", "return", "yield", "in", "lambda"})
#: After a bracketed group, tokens that end a tuple item (rather than apply an operator to it).
_TUPLE_AFTER = frozenset({",", ")", "]", "}", "=", ":", "for", "if", "in", ";"})


def operator_left_out(ctx: Ctx, line: int, left: Tok) -> bool:
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
    same: list[Tok] = []
    opener: Tok | None = None
    opener_line = line
    previous: Tok | None = None
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
        return any(tok.text == "," for _, tok in top_level(rest))
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
        or (previous.kind == "name" and previous.text not in KEYWORDS)
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
            return not _subscripted_with(ctx, previous.text, skip, items + 1)
        return True
    if opener.text != "(" or callee:
        return False  # a call's arguments: a comma there is plausible
    # A parenthesised group: a tuple only where a tuple can stand.
    if previous is not None and previous.text not in _TUPLE_BEFORE:
        return True
    after = _after_group(ctx, opener_line, opener)
    return after is not None and after.text not in _TUPLE_AFTER


#: What counting a group's commas stops at: brackets, commas, strings and comments.
_GROUP_STOP = re.compile(r"[()\[\]{},'\"#]")
#: A string from its first quote, as ``context.lex_from`` reads it.
_QUOTED = re.compile(r"""'''|\"\"\"|'(?:[^'\\]|\\.)*'?|"(?:[^"\\]|\\.)*"?""")


def _group_commas(text: str, col: int) -> int:
    """Commas directly inside the bracket that opens at ``col`` of ``text`` (up to its end).

    The tokens ``lex_from`` would give, read only where they matter: called for every
    subscript of a name, over a whole file."""
    depth = 0
    commas = 0
    pos = col + 1
    while (stop := _GROUP_STOP.search(text, pos)) is not None:
        char = stop.group()
        pos = stop.end()
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                break  # up to the closing bracket, not the line's end
            depth -= 1
        elif char == ",":
            commas += depth == 0
        elif char == "#":
            break
        else:
            quoted = _QUOTED.match(text, stop.start())
            assert quoted is not None  # a lone quote matches
            pos = quoted.end()
            if quoted.group() in ("'''", '"""'):
                close = text.find(quoted.group(), pos)
                pos = len(text) if close < 0 else close + 3
    return commas


#: A character that makes a name found in the text part of a longer name or an attribute.
_NAME_GOES_ON = re.compile(r"[\w.]")


def _subscripted_with(ctx: Ctx, name: str, skip: int, commas: int) -> bool:
    """Whether another subscript ``name[...]`` (not the one at ``skip``) holds ``commas``
    commas. The first such subscript answers: a name used all over a long file is not lexed
    at each of its uses."""
    # The name is searched and the character before it checked apart: a lookbehind leading the
    # pattern stops ``re`` from scanning for the name's letters (40x slower on 5,000 lines).
    # The same matches: one that started inside a match skipped here would start inside the
    # name, after a word character, which the check rejects as the lookbehind did.
    source = ctx.source
    for match in re.finditer(rf"{re.escape(name)}[ \t]*\[", source):
        start = match.start()
        if start and _NAME_GOES_ON.match(source, start - 1):
            continue
        bracket = match.end() - 1
        row = bisect.bisect_right(ctx.starts, bracket) - 1
        if bracket == skip or not 0 <= row < ctx.count:
            continue
        if _group_commas(ctx.lines[row], bracket - ctx.starts[row]) == commas:
            return True
    return False


def _after_group(ctx: Ctx, line: int, opener: Tok) -> Tok | None:
    """The token after the bracket that closes ``opener`` (on ``line``), if on the same line."""
    rest = [t for t in ctx.code(line) if t.start > opener.start]
    close = group_end(rest)
    if close is None or close + 1 == len(rest):
        return None
    return rest[close + 1]


def gen_missing_comma(ctx: Ctx) -> Iterator[Proposal]:
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
    gaps: list[tuple[int, Tok, Tok]] = []
    new_statement: set[Tok] = set()  # left items whose right one starts a statement's line
    depth = 0
    for (line, left), (right_line, right) in itertools.pairwise(tokens):
        depth += {"open": 1, "close": -1}.get(left.kind, 0)
        if depth <= 0 and _side_by_side(left, right):
            gaps.append((line, left, right))
            if right_line > line and _starts_statement(ctx, right_line, right):
                new_statement.add(left)
    if not hinted:
        gaps = gaps[-1:]
    in_dict = any(o.char == "{" for o in ctx.open_brackets(ctx.line, ctx.col)[-1:])
    # A comma that gives a call more arguments than its function takes is an operator left
    # out (`abs(x y)` is `abs(x - y)`, which no edit can know): no comma then.
    gaps = [g for g in gaps if not too_many_arguments(ctx, g[0], g[1], g[2])]
    gaps = [g for g in gaps if not operator_left_out(ctx, g[0], g[1])]
    if not hinted and ctx.keyword(ctx.line) not in _NAME_LISTS:
        # `a b = 1, 2` lost a comma; `x = a b` more likely lost an operator.
        equals = [t.start for t in ctx.code(ctx.line) if t.text == "="]
        tuple_line = any(t.text == "," for t in ctx.code(ctx.line))
        gaps = [
            g for g in gaps if equals and g[0] == ctx.line and (tuple_line or g[1].end <= equals[0])
        ]
    guesses = {left: comma_is_guess(ctx, line, left, right) for line, left, right in gaps}
    # `c = float(input("C: ")` / `f = c * 9`: a bracket left open, not an item.
    guesses.update({left: True for left in new_statement})
    # `{'a' 1}`: a set of two items or a dict of one pair? Only other items tell.
    bare_braces = in_dict and not _braces_separate(ctx)
    for rank, (line, left, right) in enumerate(reversed(gaps)):
        title = f"Insert a missing ',' between {left.text} and {right.text}"
        cost = (0.4 if hinted else 0.7) + 0.05 * rank
        p = ctx.put(
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
        if guesses[left] or bare_braces:
            p = p.as_guess()
        yield p
        if in_dict:
            title = f"Insert ':' between the key {left.text} and its value"
            colon = ctx.put(
                line,
                left.end,
                left.end,
                ":",
                cost + 0.05,
                "missing-dict-colon",
                title,
                token=left.text,
            )
            yield colon.as_guess() if bare_braces else colon
    same_line = [g for g in gaps if g[0] == ctx.line]
    if hinted:
        # CPython's hint spans the first pair only: `[1 2 3 4]` lacks a comma after each item.
        rest = [g for g in _item_gaps(ctx) if g[1].end >= ctx.end_col]
        rest = [g for g in rest if not too_many_arguments(ctx, g[0], g[1], g[2])]
        rest = [g for g in rest if not operator_left_out(ctx, g[0], g[1])]
        if same_line and rest:
            guesses.update(
                {left: comma_is_guess(ctx, line, left, right) for line, left, right in rest}
            )
            same_line += rest
    if len(same_line) > 1:
        text = ctx.lines[ctx.line]
        for _, left, _ in reversed(same_line):
            text = text[: left.end] + "," + text[left.end :]
        p = ctx.put(
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
        # Safe only when every comma of it would be safe on its own.
        if any(guesses[left] for _, left, _ in same_line):
            p = p.as_guess()
        yield p


def _side_by_side(left: Tok, right: Tok) -> bool:
    """Two items with nothing between them. `str(i)` and `d[0]` are a call and a subscript,
    and two strings are joined by Python itself."""
    atoms = left.kind in ATOM_END and right.kind in ATOM_START
    trailer = right.text in ("(", "[")
    return atoms and not trailer and not (left.kind == right.kind == "string")


def _starts_statement(ctx: Ctx, line: int, tok: Tok) -> bool:
    """Does ``tok`` begin line ``line`` as a statement would: at the indentation of the
    statement the brackets belong to, an assignment or a keyword's statement?"""
    text = ctx.lines[line]
    if tok.start != len(text) - len(text.lstrip(" \t")):
        return False
    if ctx.width(line) != ctx.width(ctx.statement_start(ctx.line)):
        return False
    return tok.text in KEYWORDS or TARGETS.match(text) is not None


def _item_gaps(ctx: Ctx) -> list[tuple[int, Tok, Tok]]:
    """Two items side by side, on the error line from the error up to the end of the bracket
    that holds it."""
    tokens = [t for t in ctx.code(ctx.line) if t.start >= ctx.col]
    gaps: list[tuple[int, Tok, Tok]] = []
    depth = 0
    for left, right in itertools.pairwise(tokens):
        depth += {"open": 1, "close": -1}.get(left.kind, 0)
        if depth < 0 or (right.kind == "close" and depth == 0):
            break
        if depth == 0 and _side_by_side(left, right):
            gaps.append((ctx.line, left, right))
    return gaps


#: Operators whose operands are what a comma beside them would split off (`+ j " # " +`).
_CHAIN_OPERATORS = frozenset({"+", "-", "*", "/", "//", "%", "**", "@"})


def _value_becomes_tuple(ctx: Ctx, line: int, left: Tok) -> bool:
    """Would a comma after ``left``, in an assignment's value outside any bracket, make the
    value a tuple the targets do not unpack? `name = input()print(name)` is two statements
    more likely than `name = (input(), print(name))`; `a, b = 1 2` unpacks evidently."""
    if ctx.statement_start(line) != line:
        return False
    target_commas = value_commas = 0
    equals = False
    for _, tok in top_level(ctx.code(line)):
        if tok.start >= left.end:
            break
        if tok.text == "=":
            equals, target_commas, value_commas = True, target_commas + value_commas, 0
        elif tok.text == ",":
            value_commas += 1
    if not equals:
        return False
    # A value with commas is a tuple already: one more item keeps it one.
    return value_commas == 0 and target_commas == 0


def comma_is_guess(ctx: Ctx, line: int, left: Tok, right: Tok) -> bool:
    """Is a comma between ``left`` and ``right`` one of several programs?"""
    # A comma that turns an assignment's target into a tuple unpacking, or splits a name typed
    # as two words elsewhere too (`total price`), is one of several programs.
    target = ctx.keyword(line) not in _NAME_LISTS and in_assignment_target(ctx, line, left)
    if target and not unpacks_evidently(ctx, line):
        return True
    stack = ctx.open_brackets(line, left.end)
    if not stack and _value_becomes_tuple(ctx, line, left):
        return True
    if (
        right.kind == "name"
        and stack
        and stack[-1].char == "("
        and _keyword_follows(ctx, line, right)
    ):
        return False  # `print('a', sep='' end='')`: a keyword argument is always an argument
    # `print('*'k)` is as likely `'*' * k` or `'*' + k`: text beside a value, in what is
    # printed, is a guess.
    text_and_value = "string" in (left.kind, right.kind) and left.kind != right.kind
    if text_and_value and bool(stack) and callee_of(ctx, stack[-1]) in ("print", "input"):
        # Unless a label in words stands beside a number (`print("Sum:"int(c))`): `+` would
        # fail and repeating the label makes no sense.
        return callee_of(ctx, stack[-1]) == "input" or not _label_and_number(ctx, line, left, right)
    if spaced_name_elsewhere(ctx, line, left, right):
        return True
    # `"a: " + j " b" + k`: text in a chain of `+` beside another item more likely lost the
    # chain's operator than a comma (numbers keep the comma: `range(i + 1 len(xs))`).
    if "string" not in (left.kind, right.kind):
        return False
    code = ctx.code(line)
    before = [t for t in code if t.end <= left.start]
    after = [t for t in code if t.start >= right.end]
    chained_left = left.kind != "close" and bool(before) and before[-1].text in _CHAIN_OPERATORS
    chained_right = right.kind != "open" and bool(after) and after[0].text in _CHAIN_OPERATORS
    return chained_left or chained_right


def _label_and_number(ctx: Ctx, line: int, left: Tok, right: Tok) -> bool:
    """Are the two items a string of words (no `%` or `{}` to format) and a value that is
    evidently a number, each a whole argument of the call?"""
    code = ctx.code(line)
    k = code.index(left)
    label = left if left.kind == "string" else right
    if not re.search(r"[A-Za-z]", label.text) or re.search(r"[%{]", label.text):
        return False
    if label is left:  # the value runs from `right` to the next ',' or the call's ')'
        depth = 0
        end = k + 1
        while end < len(code):
            tok = code[end]
            depth += {"open": 1, "close": -1}.get(tok.kind, 0)
            if depth < 0 or (depth == 0 and tok.text == ","):
                break
            end += 1
        tokens = code[k + 1 : end]
        before = code[k - 1].text if k else ""
        whole = before in ("(", ",")
    else:  # the value ends at `left`: only a plain name or number is taken
        tokens = [left]
        after = code[k + 2].text if k + 2 < len(code) else ""
        whole = (code[k - 1].text if k else "") in ("(", ",") and after in (")", ",")
    if not whole or not tokens:
        return False
    text = ctx.lines[line][tokens[0].start : tokens[-1].end]
    return is_numeric(ctx, text)


def _keyword_follows(ctx: Ctx, line: int, name: Tok) -> bool:
    """Is ``name`` followed by a single `=`, naming a keyword argument?"""
    after = [t for t in ctx.code(line) if t.start >= name.end][:1]
    return bool(after) and after[0].text == "="


_STARRED_TARGET = re.compile(r"\s*([\w.]+)\s*\*\s*(\w+)\s*=(?!=)")


def gen_starred_target(ctx: Ctx) -> Iterator[Proposal]:
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


def gen_print(ctx: Ctx) -> Iterator[Proposal]:
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

_SHORT_KEYWORDS = frozenset({"if", "in", "is", "or", "as", "and", "not", "for"})
_SORTED_KEYWORDS = tuple(sorted(KEYWORDS))


def gen_keyword_typo(ctx: Ctx) -> Iterator[Proposal]:
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
        in_use = tok.text in KNOWN_NAMES or tok.text in names
        trailer = following is not None and following.start == tok.end
        if in_use and trailer and tokens[k + 1][1].text in ("(", ".", "["):
            continue  # `min(`, `x.y`, `a[i]`: a name in use, not a misspelled keyword
        # One keyword for another (`is` for `if`) only where no keyword made sense to CPython.
        swap = near and tok.text in _SHORT_KEYWORDS and ctx.msg == "invalid syntax"
        if tok.text == "for" and "in" in [t.text for _, t in tokens[k + 1 :]]:
            swap = False  # `x for y in z`: a generator, not a misspelling
        if tok.text in KEYWORDS and not swap:
            continue
        first = line == start and k == 0
        rest = [t.text for _, t in tokens[k + 1 :]]
        # `fi (n == 1):` reads as a call until the ':', far from the misspelling: a header's
        # first word is as near as it gets.
        near = near or (first and bool(rest) and rest[-1] == ":" and not in_use)
        for word, cost in _keyword_matches(tok.text, near):
            cost += 0.0 if first else 0.3
            cost += _shape(word, rest, first)
            cost += 0.8 if tok.text in names or tok.text in KNOWN_NAMES else 0.0
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


@functools.lru_cache(maxsize=4096)
def _keyword_matches(name: str, near: bool) -> tuple[tuple[str, float], ...]:
    """The keywords ``name`` may be a misspelling of, with their costs. Kept per name: a
    statement's names recur from one keystroke's recovery to the next."""
    lower = name.lower()
    matches: list[tuple[str, float]] = []
    for word in _SORTED_KEYWORDS:
        if lower == word:
            if name != word:
                matches.append((word, 0.3))
            continue
        if abs(len(word) - len(name)) > 2 or len(name) < (2 if near else 3):
            continue
        distance = _distance(lower, word)
        if distance == 1 and (len(name) > 2 or len(word) <= 3):
            matches.append((word, 0.5 if len(name) > 2 else 0.6))
        elif distance == 2 and min(len(name), len(word)) >= 5:
            matches.append((word, 0.9))
    return tuple(matches)


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


def gen_missing_call(ctx: Ctx) -> Iterator[Proposal]:
    """`node = TreeNode val`: a function (only ever called elsewhere) lost its parentheses."""
    if ctx.msg not in PLAIN_INVALID:
        return
    code = ctx.code(ctx.line)
    if len(code) < 2 or ctx.statement_start(ctx.line) != ctx.line:
        return
    callee, argument = code[-2], code[-1]
    if callee.kind != "name" or callee.text in KEYWORDS or callee.text in KNOWN_NAMES:
        return
    if argument.kind not in ("name", "number", "string") or argument.text in KEYWORDS:
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


def _only_called(ctx: Ctx, name: str, skip: int) -> bool:
    """Is ``name`` called elsewhere, and never used otherwise (beyond its definition)?"""
    calls = 0
    whole = ctx.whole  # offsets past ``source`` lie in the hidden text, never at ``skip``
    for match in re.finditer(rf"(?<![\w.]){re.escape(name)}\b", whole):
        if match.start() == skip:
            continue
        before = whole[max(match.start() - 6, 0) : match.start()]
        if re.search(r"(?:class|def)\s+$", before):
            continue
        if not re.match(r"[ \t]*\(", whole[match.end() :]):
            return False
        calls += 1
    return calls > 0


_CAP_WORDS = re.compile(r"[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)*")


def _class_like(ctx: Ctx, name: str) -> bool:
    """A CapWords name never assigned in the file: by convention a class, which is called
    (`TreeNode val` is `TreeNode(val)`), even when it also appears in annotations."""
    if not _CAP_WORDS.fullmatch(name):
        return False
    assigned = re.compile(rf"(?<![\w.]){re.escape(name)}\s*(?:=(?!=)|,[^\n]*=(?!=))")
    return not assigned.search(ctx.whole)


_NUMBER_NAME = re.compile(r"(?<![\w.])(\d+)([A-Za-z_]\w*)")


_LEADING_ZEROS = re.compile(r"0[0-9_]*[1-9][0-9_]*")


def gen_leading_zeros(ctx: Ctx) -> Iterator[Proposal]:
    """`month = 09` or `x = 0777`: a decimal number written with leading zeros, which Python 3
    refuses; every such number on the line is rewritten at once (`(2024, 05, 01)`). A number
    with an 8 or a 9, or of one digit, means the same read in decimal or as Python 2's octal:
    its decimal is the program. Otherwise (`0777`) decimal and octal are both guesses."""
    if not ctx.msg.startswith("leading zeros in decimal integer literals"):
        return
    text = ctx.lines[ctx.line]
    found = [
        t for t in ctx.code(ctx.line) if t.kind == "number" and _LEADING_ZEROS.fullmatch(t.text)
    ]
    if not any(t.start == ctx.col for t in found):
        return
    numbers = [t.text for t in found]
    decimals = [n.replace("_", "").lstrip("0") for n in numbers]
    one_reading = all(
        any(d in n for d in "89") or len(d) == 1 for n, d in zip(numbers, decimals, strict=True)
    )
    first, last = found[0].start, found[-1].end

    def rewrite(values: list[str]) -> str:
        return spliced(text, [(t.start, t.end, v) for t, v in zip(found, values, strict=True)])

    token, decimal = ", ".join(numbers), ", ".join(decimals)
    title = f"Write {token} as {decimal}, without leading zeros"
    p = ctx.put(
        ctx.line,
        first,
        last,
        rewrite(decimals),
        0.4,
        "leading-zeros",
        title,
        token=token,
        replacement=decimal,
    )
    yield p if one_reading else p.as_guess()
    if not one_reading and not any(d in "".join(numbers) for d in "89"):
        octals = ["0o" + d for d in decimals]
        title = f"Write {token} as octal {', '.join(octals)}, as Python 2 read it"
        p = ctx.put(
            ctx.line,
            first,
            last,
            rewrite(octals),
            0.45,
            "leading-zeros",
            title,
            token=token,
            replacement=", ".join(octals),
        )
        yield p.as_guess()


def gen_number_name(ctx: Ctx) -> Iterator[Proposal]:
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
        if stack and callee_of(ctx, stack[-1]) not in ONE_ARGUMENT:
            continue  # `range(1i+1)`: a lost comma, which the comma repair offers
        digits, name = match.group(1), match.group(2)
        if name not in near:
            continue
        title = f"Remove the stray '{digits}' before '{name}'"
        stray = ctx.put(
            ctx.line,
            match.start(),
            match.start(1) + len(digits),
            "",
            0.5,
            "extra-token",
            title,
            token=digits,
        )
        # Outside a one-argument call, `4y` is as likely a product as a stray digit: both are
        # guesses, the product first (how algebra writes it).
        yield stray if stack else replace(stray, guess=True, cost=0.75, title=title + " (a guess)")
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


def gen_bare_generator(ctx: Ctx) -> Iterator[Proposal]:
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


def gen_unparenthesized_generator(ctx: Ctx) -> Iterator[Proposal]:
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


def _sibling_operators(ctx: Ctx, line: int, left: Tok, right: Tok) -> dict[str, int]:
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


def _parity_test(code: list[Tok], right: int) -> bool:
    """Is ``code[right]`` a number compared for (in)equality with a number: `x 2 == 0`?"""
    rest = code[right : right + 3]
    return (
        len(rest) == 3
        and rest[0].kind == "number"
        and rest[1].text in ("==", "!=")
        and rest[2].kind == "number"
    )


def gen_missing_operator(ctx: Ctx) -> Iterator[Proposal]:
    """`x[i 1]`, `(lo hi) // 2`, `if x pivot:`: two operands side by side where a comma makes
    no sense lost the operator between them. Which one cannot be known; the token model ranks
    them and the best few are offered as guesses, never applied unasked."""
    if not ctx.msg.startswith(PLAIN_INVALID):
        return
    line = ctx.line
    code = ctx.code(line)
    text = ctx.lines[line]
    context = ctx.lines[line - 1] + "\n" if line > 0 else ""
    for i, (left, right) in enumerate(itertools.pairwise(code)):
        after = code[i + 2] if i + 2 < len(code) else None
        # `not a not b`: an operand may start with `not` (but `x not in y` is one operator).
        negated = right.text == "not" and (after is None or after.text != "in")
        if left.kind not in ATOM_END or (right.kind not in ATOM_START and not negated):
            continue
        if left.text in KEYWORDS or (right.text in KEYWORDS and not negated):
            continue
        # CPython points past `not` (`a not` may yet become `a not in`).
        first = after if negated and after is not None else right
        if first.start < ctx.col - 1:
            continue
        if right.kind == "open" and left.kind != "number":
            continue  # `xs [i]`, `f (x)`: a subscript or a call, not two operands
        if right.start > max(ctx.col, ctx.end_col if ctx.end_line == line else ctx.col):
            break
        # A call's arguments or a list: a comma is likelier, and its repair is cheaper; the
        # operators are offered after it, for when the comma makes no sense (`abs(x y)`).
        extra = 0.0
        if ctx.open_brackets(line, left.end) and not operator_left_out(ctx, line, left):
            extra = 0.3
        operand = f"not {after.text}" if negated and after is not None else right.text
        before, rest = text[: left.end], text[right.start :]
        # Only `and`/`or` can come before `not`.
        operators = ("or", "and") if negated else _BINARY_OPERATORS
        # The token model loads here: only a lost operator needs it, not every repair.
        from debugllm.repair.plausibility import TokenModel

        ranked = TokenModel.load().best_between(
            context + before, rest, [f" {op} " for op in operators]
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
        if _parity_test(code, i + 1):
            # `x 2 == 0`: the remainder test is the idiom.
            ranked.sort(key=lambda option: option[0].strip() != "%")
        for rank, (spaced, _) in enumerate(ranked[:3]):
            op = spaced.strip()
            title = f"Insert '{op}' between {left.text} and {operand} (a guess)"
            p = ctx.put(
                line,
                left.end,
                right.start,
                spaced,
                0.9 + extra + 0.05 * rank,
                "missing-operator",
                title,
                left=left.text,
                right=operand,
                operator=op,
            )
            yield replace(p, guess=True)
        return


def gen_continuation(ctx: Ctx) -> Iterator[Proposal]:
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


def _braces_separate(ctx: Ctx) -> bool:
    """Do the braces open at the error hold a `,` or a `:` of their own (a set's or a dict's)?"""
    brace = ctx.open_brackets(ctx.line, ctx.col)[-1]
    inside = (
        tok
        for line in range(brace.line, min(ctx.statement_start(ctx.line) + 200, ctx.count))
        for tok in ctx.code(line)
        if line > brace.line or tok.start > brace.col
    )
    return any(tok.text in (",", ":") for _, tok in top_level(inside))
