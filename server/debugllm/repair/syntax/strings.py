"""Repairs of strings: an unterminated string literal (a mismatched, stray or trailing quote, or
a closing quote left out) and an unterminated triple-quoted string."""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator

from debugllm.repair.syntax.context import (
    KEYWORDS,
    KNOWN_NAMES,
    TARGETS,
    Ctx,
    Proposal,
    Tok,
    closers_of,
    first_word,
    indent_of,
    lex,
)

_STRING_PREFIXES = frozenset({"r", "u", "b", "f", "br", "rb", "fr", "rf"})
#: A `{}` placeholder, then text up to a `.format(` call: a string's body, not code.
_FORMATTED = re.compile(r"\{[^{}]*\}[^'\"]*\.\s*format\s*\(")
_AFTER_EMPTY = frozenset(" +-*/%<>=!&|^")
_STRING_END = re.compile(r"[,)\]}:+*/%<>=!&|^-]|\.(?=\w+\()| (?! )|$")


def _past_prefix(text: str, col: int) -> int:
    """Where the quote of the string literal at ``col`` is, past a prefix such as `rb`."""
    while col < len(text) and text[col] in "rRbBuUfF":
        col += 1
    return col


def gen_string(ctx: Ctx) -> Iterator[Proposal]:
    if not ctx.msg.startswith("unterminated string literal"):
        return
    text = ctx.lines[ctx.line]
    start = _past_prefix(text, ctx.col)
    # `"\"`: a string of nothing but a backslash that escaped the closing quote. Text `\`, a
    # lost escape letter (`"\n"`) or a quote as text are all readings: every repair a guess.
    lone = (
        text[start : start + 1] in ("'", '"') and text[start + 1 : start + 3] == "\\" + text[start]
    )
    touching = _touching_strings(text)
    # `print("x = ", x, ")`: an empty string closed before the brackets, or `")"` as text?
    rest = text[start + 1 :].rstrip("\r\n")
    closers = re.fullmatch(r"[)\]}][)\]} \t]*", rest) is not None
    for p in _string_repairs(ctx):
        # `'don''t'`: a quote that makes two strings touch joins them, and the apostrophe
        # the author typed is gone from the text: never the evident program.
        joins = p.first == p.last - 1 == ctx.line and _touching_strings(p.text) > touching
        # Before nothing but closers, a string closed at the reported quote is `""` or `")"`,
        # and one opened just before it holds only spaces (`x," ")`): all guesses. A quote
        # added further back closes an earlier string left open: another slip, judged alone.
        pairs = enumerate(zip(text, p.text, strict=False))
        at = next((i for i, (a, b) in pairs if a != b), len(text))
        blank = p.first == ctx.line and not text[at:start].strip()
        closers_text = closers and blank and p.kind == "unterminated-string"
        yield p.as_guess() if lone or joins or closers_text else p


def _touching_strings(text: str) -> int:
    """How many string literals on the line follow the one before with nothing but spaces
    between: Python joins them into one (`'a' 'b'` is `'ab'`)."""
    tokens = [t for t in lex(text.rstrip("\r\n"), "") if t.kind != "comment"]
    return sum(a.kind == b.kind == "string" for a, b in itertools.pairwise(tokens))


def _apostrophe(ctx: Ctx, text: str, start: int) -> Iterator[Proposal]:
    """`'don't'`, `print('it's')`: an apostrophe inside a string in the same quotes ended it
    early, and the last quote opened a string never closed. The string meant is the whole
    text, written in the other quotes (`"don't"`)."""
    quote = text[start]
    other = "'" if quote == '"' else '"'
    apostrophe = text.rfind(quote, 0, start)
    opener = text.rfind(quote, 0, apostrophe) if apostrophe > 0 else -1
    if opener < 0 or not (text[apostrophe - 1].isalpha() and text[apostrophe + 1].isalpha()):
        return
    # A prefix (`f'it's {x}'`) stays with the string; any other word or quote before the
    # opener means the quote is not where a string opens.
    head = opener
    while head > 0 and (text[head - 1].isalnum() or text[head - 1] == "_"):
        head -= 1
    prefix = text[head:opener].lower()
    if (prefix and prefix not in _STRING_PREFIXES) or (head > 0 and text[head - 1] in "\\'\""):
        return
    body = text[opener + 1 : start]
    if other in body or "\\" in body or "#" in body:
        return
    yield ctx.put(
        ctx.line,
        opener,
        start + 1,
        other + body + other,
        0.3,
        "apostrophe",
        f"Write the string in {other} quotes so that its apostrophe is part of the text",
        token=quote,
        quote=other,
        text=body,
    )


def _string_repairs(ctx: Ctx) -> Iterator[Proposal]:
    text = ctx.lines[ctx.line]
    start = _past_prefix(text, ctx.col)
    if start >= len(text) or text[start] not in "'\"":
        return
    quote = text[start]
    other = "'" if quote == '"' else '"'
    rest = text[start + 1 :]
    facts: dict[str, object] = {"token": quote, "quote": quote}
    title = f"Close the string with {quote}"
    yield from _apostrophe(ctx, text, start)
    # Closing with the other kind of quote is a classic slip: 'abc".
    if rest.count(other) == 1 and re.match(r"\s*(?:[,)\]}:]|$)", rest[rest.index(other) + 1 :]):
        col = start + 1 + rest.index(other)
        # At the line's end the brackets still open on it are closed too: `c == '|"` in `[...`.
        stack = ctx.open_brackets(ctx.line, start)
        closers = ""
        if not rest[col - start :].strip() and stack and all(o.line == ctx.line for o in stack):
            closers = closers_of(stack)
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
    # A quote after a string prefix (`f'x = {x})`) opens a string: removing it would join
    # the prefix to the name after it.
    if (stray or code_after is not None) and start == ctx.col:
        removal = ctx.put(
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
        # `print('n is {}.format(n))`: a placeholder then `.format(` is text and its call.
        yield removal.as_guess() if _FORMATTED.search(rest) else removal
    # A quote alone at the end of a line of complete code: `return s.strip()"` (not `return '`).
    last = re.search(r"(?:[)\]}]|\w+)\s*$", text[:start])
    if (
        not rest.strip()
        and start == ctx.col
        and not stray
        and last is not None
        and last.group().strip() not in KEYWORDS
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
    bound = ctx.names_near(ctx.line)
    stack = ctx.open_brackets(ctx.line, start)
    end_col = len(text.rstrip())
    if stack and all(o.line == ctx.line for o in stack) and end_col > start + 1:
        closers = closers_of(stack)
        p = ctx.put(
            ctx.line, end_col, end_col, quote + closers, 0.55, "unterminated-string", title, **facts
        )
        # `print("Hello, World!)`: the line ends with the very brackets still open, so the
        # quote was lost before them (one slip); `)` as text and the call left open is two.
        at = _before_closers(text, start + 1, end_col, closers)
        body = text[start + 1 : at] if at is not None else ""
        if at is not None and not _ODD_CONTENT.search(body):  # `' , 0, n)`: arguments, not text
            inner = ctx.put(ctx.line, at, at, quote, 0.48, "unterminated-string", title, **facts)
            # `print("The sum is, total)`: or `"The sum is", total`?
            yield inner.as_guess() if _closes_earlier(text, start, at, quote, bound) else inner
            p = p.as_guess()
        elif _closes_earlier(text, start, end_col, quote + closers, bound):
            p = p.as_guess()
        yield p
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
            p = ctx.put(ctx.line, col, col, quote, cost, "unterminated-string", title, **facts)
            # `print("x = ", x, ")` to `print("x = "," x, ")`: a name the file binds became text.
            guess = bool(_names_quoted(text, fixed) & bound)
            # `print('{}.format(n))` closed before the last `)`: `n` is text there, code when
            # the quote goes before `.format`.
            guess = guess or (rank == 0 and _closes_earlier(text, opener, col, quote, bound))
            # `print('n is {}.format(n))` closed after `'n`: the placeholder and its
            # `.format(` left as code are the string's.
            guess = guess or _FORMATTED.search(text, col, end) is not None
            yield p.as_guess() if guess else p


def _before_closers(text: str, start: int, end: int, closers: str) -> int | None:
    """Where the run of closers ending ``text[start:end]`` begins, when it is exactly the
    ``closers`` still open (spaces between them aside); None otherwise. Closers in the run
    that pair with openers in the text are the text's: `f'x = {x})` ends with the field's `}`
    and then the call's `)`."""
    run = re.search(r"[)\]}][)\]} \t]*$", text[start:end])
    if run is None:
        return None
    at = start + run.start()
    trailing = run.group().replace(" ", "").replace("\t", "")
    if len(trailing) > len(closers) and trailing.endswith(closers):
        # The extra closers must close what the text opened (`{x}`), or the run is not theirs.
        cut = end - 1
        for _ in closers:
            while text[cut] in " \t":
                cut -= 1
            cut -= 1
        at, inside = cut + 1, text[start : cut + 1]
        if any(inside.count(o) != inside.count(c) for o, c in ("()", "[]", "{}")):
            return None
    elif trailing != closers:
        return None
    return at


def _closes_earlier(text: str, start: int, end: int, close: str, bound: set[str]) -> bool:
    """Could the string opened at ``start``, closed at ``end`` with ``close``, close earlier,
    leaving code the file means as code? `print('Sum:{}.format(int(r),sum))` closed at the
    end prints the call as text; the quote before `.format` makes a line that parses with `r`
    and `sum`, names the file binds, as code: two programs, so closing at the end is a guess.
    """
    at_end = text[:end] + close + text[end:]
    for spot in itertools.islice(_STRING_END.finditer(text, start + 1, end), 16):
        col = spot.start()
        earlier = text[:col] + text[start] + text[col:]
        if _names_quoted(earlier, at_end) & bound and _parses_alone(earlier):
            return True
    return False


def _parses_alone(line: str) -> bool:
    """Does this one line parse as a statement (a header with a body added)?"""
    code = line.strip()
    if code.endswith(":"):
        code += " pass"
    try:
        compile(code, "<line>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def _names_quoted(text: str, fixed: str) -> set[str]:
    """Names that stand as code on the line ``text`` and only inside strings in ``fixed``."""

    def names(line: str) -> set[str]:
        return {t.text for t in lex(line.rstrip("\r\n"), "") if t.kind == "name"}

    return names(text) - names(fixed)


def _code_after_quote(ctx: Ctx, before_text: str, rest: str) -> str | None:
    """What follows a stray quote when it reads as code, not text: only known names (or
    attributes), no two words side by side (`'int(s)+1`, `'None`, `')`); else None."""
    tokens = lex(rest, "")
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
    known = ctx.names_near(ctx.line) | KNOWN_NAMES | {"None", "True", "False"}
    previous: Tok | None = None
    for tok in tokens:
        if tok.kind == "name":
            attribute = previous is not None and previous.text == "."
            if not attribute and tok.text not in known:
                return None
            words = (previous.text if previous is not None else "", tok.text)
            side_by_side = previous is not None and previous.kind == "name"
            if side_by_side and not KEYWORDS.intersection(words):
                return None
        previous = tok
    return rest.strip() or None


_ODD_CONTENT = re.compile(r"^\s*[,)\]}]\s*\S|[(\[{]\s*$|\w=\s*$|\s(?:==|!=|\+)\s")


def _odd_strings(text: str) -> int:
    """Strings on a line whose text looks like code (``", "`` between two mispaired quotes)."""
    odd = 0
    for tok in lex(text, ""):
        if tok.kind == "string":
            body = tok.text.lstrip("rRbBuUfF")
            if len(body) >= 2 and body[0] == body[-1] and _ODD_CONTENT.search(body[1:-1]):
                odd += 1
    return odd


_LOOKS_LIKE_CODE = re.compile(
    r"[\w.\[\]]+(?:\s*,\s*[\w.\[\]]+)*\s*(?:[-+*/%|&^]?=(?!=)|\()|@\w|[)\]}]"
)


_WORD_RUN = re.compile(r"[A-Za-z_]\w*(?:[ \t]+[A-Za-z_]\w*)+")
_AFTER_BRACKET = re.compile(r"[)\]}][ \t]+([A-Za-z_]\w*)")
_LITERAL = re.compile(r"(['\"]).*?\1")


def _prose(text: str) -> bool:
    """A sentence or a worked example, not code: it ends with a full stop, starts with a
    number (`30 = 2 * 3 * 5`), or has three names side by side (no code does; a misspelled
    keyword makes two: `fi x < 0:`)."""
    if re.search(r"[A-Za-z)]\.$", text.rstrip()) or text.lstrip()[:1].isdigit():
        return True
    text = _LITERAL.sub("''", text)
    # `f(2, 3) should return 5`: a name right after a bracket.
    if any(m.group(1) not in KEYWORDS for m in _AFTER_BRACKET.finditer(text)):
        return True
    for run in _WORD_RUN.finditer(text):
        names = 0
        for word in run.group().split():
            names = names + 1 if word not in KEYWORDS else 0
            if names == 3:
                return True
    return False


def _looks_like_code(text: str) -> bool:
    words = text.split(None, 1)
    if not words or _prose(text):
        return False
    head = re.match(r"[A-Za-z_]+", words[0])
    if head and head.group() in KEYWORDS and (head.group() == words[0] or len(words) > 1):
        return True
    return bool(_LOOKS_LIKE_CODE.match(text))


#: What a docstring's example shows: a bare comparison, a prompt, an arrow to the result, a
#: call "assigned" its result (`f(2) = 4`).
_BARE_COMPARISON = re.compile(r"[^=!<>]==[^=]|^>>>|=>|➞|→|^[\w.]+\(.*\)\s*=(?!=)")


def looks_like_statement(text: str) -> bool:
    """Code, but not a docstring's example (`f(1) == 2`, `>>> f(1)`): a bare comparison is
    a statement nobody writes."""
    if not _looks_like_code(text):
        return False
    head = re.match(r"[A-Za-z_]+", text)
    if (head is not None and head.group() in KEYWORDS) or TARGETS.match(text):
        return True  # `x = [a for a in b if a == 1]` compares inside, but is an assignment
    return not _BARE_COMPARISON.search(text)


def _joined(ctx: Ctx, line: int) -> str:
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


def gen_triple_string(ctx: Ctx) -> Iterator[Proposal]:
    if not ctx.msg.startswith("unterminated triple-quoted string literal"):
        return
    text = ctx.lines[ctx.line]
    start = _past_prefix(text, ctx.col)
    quote = text[start : start + 3]
    if quote not in ("'''", '"""'):
        return
    statement = ctx.statement_start(ctx.line)
    indent = indent_of(ctx.lines[statement])
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
        resumes = nxt >= ctx.count or looks_like_statement(_joined(ctx, nxt))
        cost = 0.5 + 0.002 * (k - ctx.line) + (0.0 if resumes else 1.0) + swallowed
        if k > ctx.line and looks_like_statement(body.strip()) and not block_comment:
            # A statement led by a keyword (`if x:`, `return y`) is surely code.
            swallowed += 0.2 if first_word(body) in KEYWORDS else 0.02
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


#: A replacement field that is one value: a name, its attributes, items and calls (`user.name`,
#: `d['k']`, `len(xs)`), with a conversion and a format spec (`{x!r}`, `{price:.2f}`).
_ITEM = r"(?:[^\[\](){}'\"]|'[^'{}]*'|\"[^\"{}]*\")*"
_FIELD_VALUE = re.compile(rf"\s*[A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[{_ITEM}\]|\({_ITEM}\))*")
_FIELD_END = re.compile(r"\s*(?:![rsa])?(?::[^{}]*)?")


def gen_fstring_brace(ctx: Ctx) -> Iterator[Proposal]:
    """`print(f"x is {x")`: a replacement field of an f-string opened with `{` and never closed
    before the string ends. CPython 3.12+ reports a field with a format spec (`{x:.2f"`) as a
    bracket mismatch instead."""
    if not (
        ctx.msg.startswith("f-string: expecting '}'")
        or ctx.msg.endswith("does not match opening parenthesis '{'")
    ):
        return
    text = ctx.lines[ctx.line]
    for tok in lex(text.rstrip("\r\n"), ""):
        prefix = re.match(r"[rRbBuUfF]*", tok.text)
        assert prefix is not None
        if tok.kind != "string" or "f" not in prefix.group().lower():
            continue
        quote = tok.text[prefix.end() : prefix.end() + 3]
        quote = quote if quote in ("'''", '"""') else quote[:1]
        body_end = tok.end - len(quote)
        if not tok.text.endswith(quote) or body_end <= tok.start + prefix.end():
            continue
        brace = _unclosed_field(text, tok.start + prefix.end() + len(quote), body_end)
        if brace is not None:
            yield from _close_field(ctx, text, brace, body_end)


def _unclosed_field(text: str, start: int, end: int) -> int | None:
    """Where the field left open at the end of the f-string body ``text[start:end]`` opens."""
    i = start
    while i < end:
        char = text[i]
        if text.startswith(("{{", "}}"), i):
            i += 2
            continue
        if char != "{":
            i += 1
            continue
        brace, depth, i = i, 0, i + 1
        while i < end:
            char = text[i]
            if char in "([{":
                depth += 1
            elif char in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif char in "'\"":
                close = text.find(char, i + 1, end)
                if close < 0:
                    return None  # a quote of its own left open: not this repair's error
                i = close
            i += 1
        if i >= end:
            return brace if depth == 0 and text[brace + 1 : end].strip() else None
        if text[i] != "}":
            return None
        i += 1
    return None


def _close_field(ctx: Ctx, text: str, brace: int, end: int) -> Iterator[Proposal]:
    """Close the field at the string's end when what it holds is one value (`{x`, `{x:.2f`);
    any other reading (`{n, welcome`: `{n}, welcome` or a tuple?) is a guess."""
    content = text[brace + 1 : end]
    value = _FIELD_VALUE.match(content)
    title = "Close the f-string's replacement field with '}'"
    facts = {"field": content.strip(), "token": "}"}
    if value is not None:
        whole = _FIELD_END.fullmatch(content, value.end())
        if whole is not None:
            yield ctx.put(ctx.line, end, end, "}", 0.3, "fstring-brace", title, **facts)
            return
        rest = content[value.end() :]
        if rest.strip():
            # `{name!")`, `{n, welcome')`: the value, then text typed after it.
            named = {"field": value.group().strip(), "token": "}"}
            at = brace + 1 + value.end()
            yield ctx.put(ctx.line, at, at, "}", 0.45, "fstring-brace", title, **named).as_guess()
    yield ctx.put(ctx.line, end, end, "}", 0.5, "fstring-brace", title, **facts).as_guess()
