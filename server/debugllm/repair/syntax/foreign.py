"""Repairs of code written in the syntax of other languages (C, Java, JavaScript): comments,
declarations, operators, generic types and blocks in braces."""

from __future__ import annotations

import re
from collections.abc import Iterator

from debugllm.repair.syntax.context import (
    ATOM_START,
    CONDITION_KEYWORDS,
    HEADER_KEYWORDS,
    PLAIN_INVALID,
    Ctx,
    Proposal,
    Tok,
    indent_of,
    spliced,
)
from debugllm.repair.syntax.strings import looks_like_statement

_FOREIGN_OPERATORS = {"&&": "and", "||": "or"}
_STRICT_EQUALITY = {"===": "==", "!==": "!="}
_FOREIGN_DECLARATIONS = frozenset({"var", "let", "const", "val", "auto", "int", "string"})
_JS_DECLARATIONS = frozenset({"var", "let", "const"})
#: Java's `import java.util.*;`, C#'s `using System;`, Java's `package a.b;` (Java's
#: `import a.b.C;` is also valid Python and is left alone).
_FOREIGN_IMPORT = re.compile(
    r"[ \t]*((?:import[ \t]+(?:static[ \t]+)?[\w.]+\.\*|using[ \t]+(?:namespace[ \t]+)?[\w.]+"
    r"|package[ \t]+[\w.]+)[ \t]*;?)[ \t]*(?://.*)?$"
)
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


def _operators(ctx: Ctx, line: int, found: list[tuple[int, int, str, str]]) -> Iterator[Proposal]:
    """Each operator of C or JavaScript on the line in Python's words, and all of them at once
    when there are several (`a && b || !c`): fixing one alone leaves the line failing."""
    for start, end, wrong, right in found:
        yield ctx.put(
            line,
            start,
            end,
            right,
            0.3,
            "foreign-syntax",
            f"Replace '{wrong}' with '{right.strip()}'",
            token=wrong,
            replacement=right.strip(),
        )
    if len(found) < 2:
        return
    new = spliced(ctx.lines[line], [(start, end, right) for start, end, _, right in found])
    wrong = ", ".join(dict.fromkeys(w for _, _, w, _ in found))
    right = ", ".join(dict.fromkeys(r.strip() for _, _, _, r in found))
    yield ctx.put(
        line,
        found[0][0],
        found[-1][1],
        new,
        0.3,
        "foreign-syntax",
        f"Replace {wrong} with {right}",
        token=wrong,
        replacement=right,
    )


def _not_equal(ctx: Ctx, line: int, code: list[Tok], at: int) -> Iterator[Proposal]:
    """`if x =! 2:`: '!=' typed backwards. After `if`, `while`, `assert` or `return` nothing
    else parses (no assignment goes there); in a statement, `y =! x` may be C's `y = !x` as
    well: a guess."""
    eq, bang = code[at], code[at + 1]
    title = "Write '!=' instead of '=!'"
    p = ctx.put(
        line,
        eq.start,
        bang.end,
        "!=",
        0.3,
        "reversed-operator",
        title,
        token="=!",
        replacement="!=",
    )
    condition = code[0].text in CONDITION_KEYWORDS and ctx.statement_start(line) == line
    yield p if condition and at >= 2 else p.as_guess()


def _c_comment(ctx: Ctx, line: int) -> Iterator[Proposal]:
    """A line comment `// ...` or a block comment `/* ... */` at the start of a line: Python
    writes comments with '#'."""
    text = ctx.lines[line]
    ws = indent_of(text)
    body = text[len(ws) :]
    if body.startswith("//"):
        new = ws + "#" + body[2:]
        title = "Write the comment with '#'"
        yield ctx.put(
            line, 0, len(text), new, 0.3, "foreign-syntax", title, token="//", replacement="#"
        )
        if looks_like_statement(body[2:].strip()):
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
                # The space after `/*` is the one after `#`, not indentation of the text.
                after = current[len(ws) + 2 :]
                current = ws + (after[1:] if after.startswith(" ") else after)
            if i == end:
                current = current.replace("*/", "", 1).rstrip()
            inner = indent_of(current)
            rest = current[len(inner) :]
            extra = inner[len(ws) :] if inner.startswith(ws) else ""
            new_lines.append(ws + "# " + extra + rest if rest else current)
        if end == line:
            inside = body[2:].replace("*/", "", 1).strip()
            if looks_like_statement(inside):
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


def gen_foreign(ctx: Ctx) -> Iterator[Proposal]:
    """Syntax from C, Java or JavaScript written in Python."""
    if ctx.msg not in PLAIN_INVALID:
        return
    line = ctx.line
    text = ctx.lines[line]
    code = ctx.code(line)
    yield from _c_comment(ctx, line)
    # `var total;` (a declaration without a value): Python needs none, the line goes.
    bare = _BARE_DECLARATION.match(text)
    if bare and not _assigned(ctx.whole, bare.group(1)):
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
    foreign_import = _FOREIGN_IMPORT.match(text)
    if foreign_import:
        # Commented out, not deleted: what the author wrote stays, and runs as before.
        ws = indent_of(text)
        yield ctx.put(
            line,
            0,
            len(text),
            f"{ws}# {text[len(ws) :]}",
            0.4,
            "foreign-import",
            "Comment out the foreign import",
            token=foreign_import.group(1),
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
    # (start, end, written, Python's): every operator on the line with one reading.
    operators: list[tuple[int, int, str, str]] = []
    for i, tok in enumerate(code):
        nxt = code[i + 1] if i + 1 < len(code) else None
        pair = tok.text + (nxt.text if nxt is not None and nxt.start == tok.end else "")
        if pair in _FOREIGN_OPERATORS and nxt is not None:
            operators.append((tok.start, nxt.end, pair, _FOREIGN_OPERATORS[pair]))
        elif pair in _STRICT_EQUALITY and nxt is not None:
            # JavaScript's strict (in)equality: Python's `==` and `!=` are the only reading.
            operators.append((tok.start, nxt.end, pair, _STRICT_EQUALITY[pair]))
        elif tok.text == "=" and nxt is not None and nxt.text == "!" and nxt.start == tok.end:
            yield from _not_equal(ctx, line, code, i)
        elif tok.text == "!" and nxt is not None and not (i and code[i - 1].text == "="):
            operators.append((tok.start, nxt.start, "!", "not "))
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
    yield from _operators(ctx, line, operators)
    yield from _c_conditional(ctx, line, code)
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
            and not _assigned(ctx.whole, tok.text)
            and prev.kind in ("op", "open")
            and prev.text != "."
            and nxt.kind in ATOM_START
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


#: `} else {`, `} else if (x) {`, `} except {`: the end of one braced block and the header of the
#: next on one line.
_BRACE_CLAUSE = re.compile(
    r"([ \t]*)\}[ \t]*((?:else[ \t]+if|elif|else|except|finally)\b.*?)[ \t]*\{[ \t]*$"
)
_BRACE_CLOSE = re.compile(r"[ \t]*\}[ \t]*;?[ \t]*$")


def _brace_header(ctx: Ctx, line: int) -> str | None:
    """Line ``line`` as a Python header, when it is one that opens its block with `{`."""
    code = ctx.code(line)
    if len(code) < 2 or code[0].text not in HEADER_KEYWORDS or code[-1].text != "{":
        return None
    if any(o.line == line for o in ctx.open_brackets(line, code[-1].start)):
        return None  # the `{` is inside brackets: a dict or set the header holds
    text = ctx.lines[line]
    return text[: code[-2].end] + ":" + text[code[-1].end :].rstrip()


def gen_brace_block(ctx: Ctx) -> Iterator[Proposal]:
    """`if x > 3 {` ... `}`: blocks delimited by braces, as in C, Java or JavaScript. Python's
    header ends with ':' and its block is the indented lines under it; the `{` becomes the
    colon, each closing `}` line goes, and `} else {` becomes `else:`. The indentation already
    says which lines each block holds, so the result is the one program meant."""
    # Whatever the message: the block's first statement decides what CPython reports. The
    # error is at the header's `{`, or inside the block when its first line could be
    # part of a set display (`{ d = {...`): the outermost block still open there.
    braces = [
        o.line
        for o in ctx.open_brackets(ctx.line, ctx.col)
        if o.char == "{" and ctx.code(o.line)[-1].start == o.col
    ]
    if ctx.code(ctx.line) and ctx.code(ctx.line)[-1].start == ctx.col:
        braces.append(ctx.line)
    first = next((i for i in braces if _brace_header(ctx, i) is not None), -1)
    header = _brace_header(ctx, first) if first >= 0 else None
    if header is None:
        return
    new_lines = [header]
    blocks = [first]  # the lines whose `{` opened a block still open
    line = first + 1
    while line < ctx.count and blocks:
        text = ctx.lines[line]
        if ctx.scan.string[line]:
            new_lines.append(text.rstrip("\r\n"))
            line += 1
            continue
        # A `}` ends a block only when the `{` it closes is a block's (not a dict's).
        brace = text.find("}")
        inner = ctx.open_brackets(line, brace)[-1:] if brace >= 0 else []
        closes = bool(inner) and inner[0].char == "{" and inner[0].line == blocks[-1]
        clause = _BRACE_CLAUSE.match(text) if closes else None
        header_here = _brace_header(ctx, line)
        if clause:
            words = re.sub(r"^else[ \t]+if\b", "elif", clause.group(2))
            new_lines.append(f"{clause.group(1)}{words}:")
            blocks[-1] = line
        elif closes and _BRACE_CLOSE.match(text):
            blocks.pop()
        elif header_here is not None:
            blocks.append(line)
            new_lines.append(header_here)
        else:
            new_lines.append(text.rstrip("\r\n"))
        line += 1
    if blocks:
        return  # no closing `}`: not a braced block
    title = "Write the block with ':' and indentation instead of braces"
    yield ctx.lines_to(first, line, new_lines, 0.3, "brace-block", title)


#: What a C conditional's condition follows (at its own bracket depth); `and`, `or` and
#: comparisons bind tighter than `?:`, so they belong to the condition.
_CONDITION_AFTER = frozenset(
    {"=", ",", ":", "return", "+=", "-=", "*=", "/=", "//=", "%=", "yield", "lambda"}
)


def _c_conditional(ctx: Ctx, line: int, code: list[Tok]) -> Iterator[Proposal]:
    """`y = x > 3 ? "big" : "small"`: C's conditional operator, which Python writes
    `"big" if x > 3 else "small"`; both bind looser than every other operator, so the three
    parts are the same. One `?` on the line only: nested ones are left alone."""
    marks = [k for k, t in enumerate(code) if t.text == "?"]
    if len(marks) != 1:
        return
    depths: list[int] = []
    depth = 0
    for tok in code:
        if tok.kind == "close":
            depth -= 1
        depths.append(depth)
        if tok.kind == "open":
            depth += 1
    mark = marks[0]
    level = depths[mark]
    start = mark
    while start > 0 and depths[start - 1] >= level:
        if depths[start - 1] == level and code[start - 1].text in _CONDITION_AFTER:
            break
        start -= 1
    colon = next(
        (k for k in range(mark + 1, len(code)) if depths[k] == level and code[k].text == ":"),
        None,
    )
    if start == mark or colon is None or colon == mark + 1:
        return
    end = colon + 1
    while end < len(code) and depths[end] >= level:
        if depths[end] == level and code[end].text in (",", ":"):
            break
        end += 1
    if end == colon + 1:
        return
    text = ctx.lines[line]
    condition = text[code[start].start : code[mark - 1].end]
    chosen = text[code[mark + 1].start : code[colon - 1].end]
    other = text[code[colon + 1].start : code[end - 1].end]
    new = f"{chosen} if {condition} else {other}"
    yield ctx.put(
        line,
        code[start].start,
        code[end - 1].end,
        new,
        0.35,
        "foreign-syntax",
        f"Write C's 'a ? b : c' as Python's '{new}'",
        token="a ? b : c",
        replacement="b if a else c",
    )
