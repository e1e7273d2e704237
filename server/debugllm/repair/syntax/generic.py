"""The generic repairs: one-token edits near the error (a closer, ',' or ':' inserted, a stray
token removed), dearer than the specific repairs and dearer the further from the error."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from debugllm.repair.syntax.context import (
    ATOM_END,
    ATOM_START,
    CONDITION_KEYWORDS,
    HEADER_KEYWORDS,
    KNOWN_NAMES,
    OPENERS,
    Ctx,
    Proposal,
    Tok,
)
from debugllm.repair.syntax.slips import (
    comma_is_guess,
    is_keyword_argument,
    operator_left_out,
    too_many_arguments,
)

_CLOSER_COST = {")": 2.0, "]": 2.2, "}": 2.4}
#: Deleting a bracket or '=' turns two expressions into a call or a comparison: never generic.
_DELETABLE = frozenset({":", ",", ";", "."})
_OPERATORS = frozenset({"+", "-", "*", "/", "//", "%", "**", "and", "or"})


def gen_generic(ctx: Ctx) -> Iterator[Proposal]:
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
            inserts: list[tuple[str, float, bool]] = []
            if stack:
                closer = OPENERS[stack[-1].char]
                inserts.append((closer, _CLOSER_COST[closer], False))
                following = code[k + 1] if k + 1 < len(code) else None
                between = (
                    following is not None
                    and code[k].kind in ATOM_END
                    and following.kind in ATOM_START
                )
                # Two items side by side that more likely lost an operator: no ',' or ':'.
                lost = between and operator_left_out(ctx, line, code[k])
                # A comma before `(` or `[` splits a call or a subscript (`d[]` to `d,[]`),
                # and ':' fills an empty subscript (`d[:]`): programs nobody evidently meant.
                trailer = between and following is not None and following.text in ("(", "[")
                empty = following is not None and code[k].text == "[" and following.text == "]"
                if not lost and not too_many_arguments(ctx, line, code[k], following):
                    # The comma repair's own doubts hold here too (`print("a", x "b")`).
                    doubt = (
                        between
                        and following is not None
                        and comma_is_guess(ctx, line, code[k], following)
                    )
                    inserts.append((",", 2.2, trailer or doubt))
                if stack[-1].char == "{" or (stack[-1].char == "[" and not lost):
                    inserts.append((":", 2.2, empty))
            elif k == len(code) - 1 and word in HEADER_KEYWORDS and code[k].text != ":":
                inserts.append((":", 2.0, False))
            for token, base, guess in inserts:
                title = f"Insert '{token}'"
                p = ctx.put(line, col, col, token, base + near, "missing-token", title, token=token)
                yield p.as_guess() if guess else p
        for k, tok in enumerate(code):
            near = far + 0.1 * abs(k - here)
            if tok.kind == "other" and not tok.text.isspace():
                title = f"Remove '{tok.text}'"
                p = ctx.put(
                    line, tok.start, tok.end, "", 1.2 + near, "extra-token", title, token=tok.text
                )
                if _makes_unknown_name(ctx, line, code, k):
                    p = p.as_guess()
                yield p
            elif tok.text in _DELETABLE:
                title = f"Remove '{tok.text}'"
                p = ctx.put(
                    line, tok.start, tok.end, "", 2.6 + near, "extra-token", title, token=tok.text
                )
                # Removing the only thing between two names merges them into one (`a.b` to
                # `ab`): never the evident program.
                merges = 0 < k < len(code) - 1 and code[k - 1].kind == code[k + 1].kind == "name"
                # `'Hi' +, x`: the operator may be the stray token, not the comma.
                after_operator = tok.text == "," and k > 0 and code[k - 1].text in _OPERATORS
                # `input(print(input:))`: a built-in function left uncalled as a value
                # (`print(input)`) is no program anyone means; the ':' may be prompt text.
                uncalled = (
                    0 < k < len(code) - 1
                    and code[k - 1].text in KNOWN_NAMES
                    and code[k + 1].kind == "close"
                )
                if merges or after_operator or uncalled:
                    p = p.as_guess()
                yield p
            if tok.text == "=" and word in CONDITION_KEYWORDS:
                # `if (a == b, end=''):`: a call's keyword argument typed into a condition,
                # not a comparison (`end == ''` makes the condition a tuple, always true).
                compares = ctx.put(
                    line,
                    tok.start,
                    tok.end,
                    "==",
                    2.0 + near,
                    "assign-in-condition",
                    "Use '==' to compare instead of '='",
                    keyword=word,
                )
                after_comma = k > 1 and code[k - 2].text == ","
                keyword = after_comma and is_keyword_argument(ctx, line, tok)
                yield compares.as_guess() if keyword else compares


def _makes_unknown_name(ctx: Ctx, line: int, code: list[Tok], k: int) -> bool:
    """Would removing the stray ``code[k]`` leave a name the file never uses elsewhere?
    `count\u00b8` is `count` when `count` is used elsewhere; `\u00ce\u00b8` (a mangled theta,
    read as Latin-1) loses its second half and leaves a name the author never meant."""
    tok = code[k]
    word = ""
    if k > 0 and code[k - 1].kind == "name" and code[k - 1].end == tok.start:
        word = code[k - 1].text
    if k + 1 < len(code) and code[k + 1].kind == "name" and code[k + 1].start == tok.end:
        word += code[k + 1].text
    if not word or word in KNOWN_NAMES:
        return False
    elsewhere = (ctx.code(i) for i in range(ctx.count) if i != line)
    for others in itertools.chain(elsewhere, ctx.hidden_code):
        for j, t in enumerate(others):
            touching = (
                j > 0 and others[j - 1].kind == "other" and others[j - 1].end == t.start
            ) or (
                j + 1 < len(others)
                and others[j + 1].kind == "other"
                and others[j + 1].start == t.end
            )
            if t.kind == "name" and t.text == word and not touching:
                return False
    return True
