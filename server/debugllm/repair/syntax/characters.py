"""Characters that look like Python's but are not: typographic quotes, dashes, no-break spaces,
full-width punctuation and math signs, put in by a word processor or pasted from a web page,
a slide or a document. Outside strings and comments each has one evident ASCII meaning."""

from __future__ import annotations

import re
from collections.abc import Iterator

from debugllm.repair.syntax.context import Ctx, Proposal

#: Typographic quotes: opening or closing, of the double and the single family.
_DOUBLE_QUOTES = frozenset("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb")
_SINGLE_QUOTES = frozenset("\u2018\u2019\u201a\u201b\u2032")
#: One character for one or more ASCII ones. Dashes and the minus sign are a minus; spaces
#: that are not U+0020 are one; invisible ones (zero-width space, a byte-order mark pasted
#: mid-file) are nothing.
_PLAIN = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u00a0": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u3000": " ",
    "\u200b": "",
    "\ufeff": "",
    "\u2260": "!=",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u00d7": "*",
    "\u00f7": "/",
}
#: Superscript powers, written right after an operand (`x²`).
_POWERS = {"\u00b2": "**2", "\u00b3": "**3"}
_MESSAGES = ("invalid character", "invalid non-printable character")
#: How the explanation names the characters that cannot be seen.
_UNSEEN = {
    "\u00a0": "a no-break space",
    "\u2009": "a thin space",
    "\u202f": "a narrow no-break space",
    "\u3000": "a full-width space",
    "\u200b": "a zero-width space",
    "\ufeff": "a byte-order mark",
}


def _plain(char: str) -> str | None:
    """The ASCII text a look-alike character stands for, else None."""
    if char in _PLAIN:
        return _PLAIN[char]
    code = ord(char)
    if 0xFF01 <= code <= 0xFF5E and not char.isalnum():
        return chr(code - 0xFEE0)  # full-width punctuation: parentheses, comma, colon, equals
    return None


def gen_lookalike(ctx: Ctx) -> Iterator[Proposal]:
    """Curly quotes around text, a dash for a minus, `\u2260` for `!=`, no-break spaces as
    indentation (`print(\u201cHello\u201d)`, `x = 5 \u2013 3`): every
    look-alike outside strings and comments on the error's line becomes the ASCII it stands
    for (a typographic string keeps its text, in plain quotes)."""
    if not ctx.msg.startswith(_MESSAGES):
        return
    text = ctx.lines[ctx.line]
    if ctx.scan.string[ctx.line]:
        return  # the line starts inside a string: its text is not code
    spans: list[tuple[int, int, str]] = []
    shown: list[str] = []
    consumed = 0
    for tok in ctx.tokens(ctx.line):
        if tok.start < consumed:
            continue
        if tok.kind == "name" and tok.text[-1] in _POWERS and tok.text[:-1].isidentifier():
            # `x²`: the superscript is read as part of the name, and no name may hold it.
            spans.append((tok.end - 1, tok.end, _POWERS[tok.text[-1]]))
            shown.append(f"`{tok.text[-1]}` for `{_POWERS[tok.text[-1]]}`")
            continue
        if tok.kind != "other":
            continue
        char = tok.text
        if char in _DOUBLE_QUOTES or char in _SINGLE_QUOTES:
            quoted = _quoted(text, tok.start, char in _DOUBLE_QUOTES)
            if quoted is None:
                return
            close, quote = quoted
            spans.append((tok.start, tok.end, quote))
            if text[close] != quote:
                spans.append((close, close + 1, quote))
            shown.append(f"the curly quotes of `{char}{text[tok.end : close + 1]}`")
            consumed = close + 1
            continue
        plain = _plain(char)
        if (
            plain is None
            and char in _POWERS
            and tok.start
            and re.match(r"[\w)\]]", text[tok.start - 1])
        ):
            plain = _POWERS[char]
        if plain is None:
            continue
        spans.append((tok.start, tok.end, plain))
        shown.append(_UNSEEN.get(char, f"`{char}` for `{plain}`"))
    if not spans:
        return
    fixed = text
    for start, end, new in sorted(spans, reverse=True):
        fixed = fixed[:start] + new + fixed[end:]
    names = ", ".join(f"U+{ord(text[start]):04X}" for start, _, _ in sorted(spans))
    names = ", ".join(dict.fromkeys(names.split(", ")))
    yield ctx.put(
        ctx.line,
        0,
        len(text),
        fixed,
        0.2,
        "lookalike-character",
        "Replace the characters that only look like Python's with plain ones",
        token=", ".join(dict.fromkeys(shown)),
        codes=names,
    )


def _quoted(text: str, start: int, double: bool) -> tuple[int, str] | None:
    """Where the string a typographic quote at ``start`` opens ends, and the ASCII quote to
    write it in; None when it does not end on the line or its text holds both quotes."""
    family = _DOUBLE_QUOTES if double else _SINGLE_QUOTES
    ascii_quote = '"' if double else "'"
    for close in range(start + 1, len(text)):
        char = text[close]
        if char not in family and char != ascii_quote:
            continue
        if not double and close + 1 < len(text) and text[close + 1].isalnum():
            continue  # `it\u2019s`: an apostrophe inside the text
        body = text[start + 1 : close]
        for quote in (ascii_quote, "'" if double else '"'):
            if quote not in body and "\\" not in body[-1:]:
                return close, quote
        return None
    return None
