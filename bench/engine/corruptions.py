"""Deterministic single-error syntax corruptions of correct Python programs.

Each corruptor takes a program's source and a seeded ``random.Random`` and returns the broken
source, or ``None`` when the program offers no place for that kind of error. Callers keep only
results that really fail to compile (some slips, such as dropping a trailing comma, still parse).
Positions come from ``tokenize`` on the correct program, so the edit always hits real code, never
text inside a string or a comment.
"""

from __future__ import annotations

import io
import keyword
import random
import tokenize
import warnings
from collections.abc import Callable

Corruptor = Callable[[str, random.Random], str | None]

_HEADERS = frozenset(
    {"if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with"}
)
_TYPO_KEYWORDS = frozenset(
    {"def", "return", "for", "while", "if", "elif", "else", "import", "from", "class", "lambda"}
    | {"yield", "continue", "break", "try", "except", "with", "pass", "raise", "assert"}
)


def tokens(source: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(source).readline))


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _replace(source: str, tok: tokenize.TokenInfo, new: str) -> str:
    """Replace one single-line token by ``new``."""
    lines = _lines(source)
    row, col = tok.start
    end_row, end_col = tok.end
    assert row == end_row
    text = lines[row - 1]
    lines[row - 1] = text[:col] + new + text[end_col:]
    return "".join(lines)


def _choose(rng: random.Random, items: list[tokenize.TokenInfo]) -> tokenize.TokenInfo | None:
    return rng.choice(items) if items else None


def _statement_words(toks: list[tokenize.TokenInfo]) -> dict[int, str]:
    """The first NAME of each logical line, by the index of the NEWLINE token ending it."""
    words: dict[int, str] = {}
    first: str | None = None
    for i, tok in enumerate(toks):
        if tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT):
            continue
        if tok.type == tokenize.NEWLINE:
            words[i] = first or ""
            first = None
        elif first is None:
            first = tok.string if tok.type == tokenize.NAME else "?"
    return words


def drop_colon(source: str, rng: random.Random) -> str | None:
    """The ':' that ends a block header (`if x:`, `def f():`, `else:`)."""
    toks = tokens(source)
    words = _statement_words(toks)
    spots = []
    for i, tok in enumerate(toks):
        if tok.string != ":" or tok.type != tokenize.OP:
            continue
        j = i + 1
        while j < len(toks) and toks[j].type == tokenize.COMMENT:
            j += 1
        if j < len(toks) and toks[j].type == tokenize.NEWLINE and words.get(j) in _HEADERS:
            spots.append(tok)
    tok = _choose(rng, spots)
    return _replace(source, tok, "") if tok else None


def _brackets(source: str, chars: str) -> list[tokenize.TokenInfo]:
    return [t for t in tokens(source) if t.type == tokenize.OP and t.string in chars]


def drop_close(source: str, rng: random.Random) -> str | None:
    tok = _choose(rng, _brackets(source, ")]}"))
    return _replace(source, tok, "") if tok else None


def drop_open(source: str, rng: random.Random) -> str | None:
    tok = _choose(rng, _brackets(source, "([{"))
    return _replace(source, tok, "") if tok else None


def extra_close(source: str, rng: random.Random) -> str | None:
    """A closing bracket typed twice (`f(g(x)))`)."""
    tok = _choose(rng, _brackets(source, ")]}"))
    return _replace(source, tok, tok.string * 2) if tok else None


def drop_quote(source: str, rng: random.Random) -> str | None:
    """The closing quote of a string (or the closing triple quote of a docstring)."""
    strings = [t for t in tokens(source) if t.type == tokenize.STRING]
    tok = _choose(rng, strings)
    if tok is None:
        return None
    body = tok.string
    quote = body[-3:] if body.endswith(("'''", '"""')) and len(body) >= 6 else body[-1]
    lines = _lines(source)
    row, col = tok.end
    text = lines[row - 1]
    lines[row - 1] = text[: col - len(quote)] + text[col:]
    return "".join(lines)


def drop_comma(source: str, rng: random.Random) -> str | None:
    """A comma between two items (a trailing comma before a bracket still parses)."""
    toks = tokens(source)
    spots = [
        t
        for i, t in enumerate(toks)
        if t.string == ","
        and t.type == tokenize.OP
        and i + 1 < len(toks)
        and toks[i + 1].string not in ")]}"
        and toks[i + 1].type not in (tokenize.NL, tokenize.NEWLINE)
    ]
    tok = _choose(rng, spots)
    return _replace(source, tok, "") if tok else None


def _code_lines(source: str) -> list[int]:
    """0-based lines that start a logical line (not inside brackets or strings)."""
    starts: list[int] = []
    at_start = True
    for tok in tokens(source):
        if tok.type in (tokenize.NEWLINE, tokenize.NL):
            at_start = True
            continue
        if tok.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT, tokenize.ENDMARKER):
            continue
        if at_start:
            starts.append(tok.start[0] - 1)
            at_start = False
    return starts


def over_indent(source: str, rng: random.Random) -> str | None:
    """Indent one statement (not a block header's first body line) four spaces deeper."""
    lines = _lines(source)
    starts = _code_lines(source)
    spots = [
        i for k, i in enumerate(starts) if k > 0 and not lines[starts[k - 1]].rstrip().endswith(":")
    ]
    if not spots:
        return None
    i = rng.choice(spots)
    lines[i] = "    " + lines[i]
    return "".join(lines)


def under_indent(source: str, rng: random.Random) -> str | None:
    """Dedent one indented statement by 2 or 4 spaces."""
    lines = _lines(source)
    spots = [i for i in _code_lines(source) if lines[i].startswith("    ")]
    if not spots:
        return None
    i = rng.choice(spots)
    lines[i] = lines[i][rng.choice((2, 4)) :]
    return "".join(lines)


def keyword_typo(source: str, rng: random.Random) -> str | None:
    """Delete, double or swap a letter of a keyword (`retrun`, `whle`, `deff`)."""
    spots = [t for t in tokens(source) if t.type == tokenize.NAME and t.string in _TYPO_KEYWORDS]
    tok = _choose(rng, spots)
    if tok is None:
        return None
    word = tok.string
    for _ in range(10):
        how = rng.choice(("delete", "double", "swap"))
        k = rng.randrange(len(word))
        if how == "delete" and len(word) > 2:
            typo = word[:k] + word[k + 1 :]
        elif how == "double":
            typo = word[: k + 1] + word[k:]
        elif k + 1 < len(word):
            typo = word[:k] + word[k + 1] + word[k] + word[k + 2 :]
        else:
            continue
        if typo != word and not keyword.iskeyword(typo):
            return _replace(source, tok, typo)
    return None


def eq_to_assign(source: str, rng: random.Random) -> str | None:
    tok = _choose(rng, [t for t in tokens(source) if t.string == "=="])
    return _replace(source, tok, "=") if tok else None


def else_if(source: str, rng: random.Random) -> str | None:
    tok = _choose(
        rng, [t for t in tokens(source) if t.type == tokenize.NAME and t.string == "elif"]
    )
    return _replace(source, tok, "else if") if tok else None


def print_statement(source: str, rng: random.Random) -> str | None:
    """`print(x)` written as the Python 2 statement `print x`."""
    toks = tokens(source)
    spots = []
    for i, tok in enumerate(toks[:-1]):
        if tok.string == "print" and toks[i + 1].string == "(":
            depth = 0
            for j in range(i + 1, len(toks)):
                depth += {"(": 1, ")": -1}.get(toks[j].string, 0)
                if depth == 0:
                    break
            if (
                j + 1 < len(toks)
                and toks[j + 1].type == tokenize.NEWLINE
                and toks[j].start[0] == tok.start[0]
            ):
                spots.append((toks[i + 1], toks[j]))
    if not spots:
        return None
    opener, closer = rng.choice(spots)
    lines = _lines(source)
    row = opener.start[0] - 1
    text = lines[row]
    text = text[: closer.start[1]] + text[closer.end[1] :]
    text = text[: opener.start[1]] + " " + text[opener.end[1] :]
    lines[row] = text
    return "".join(lines)


def drop_operator(source: str, rng: random.Random) -> str | None:
    """A binary operator between two operands (`a + b` -> `a b`)."""
    ops = {"+", "-", "*", "/", "//", "%", "and", "or", "<", ">", "<=", ">="}
    toks = tokens(source)
    spots = [
        t
        for i, t in enumerate(toks)
        if t.string in ops
        and 0 < i < len(toks) - 1
        and toks[i - 1].type in (tokenize.NAME, tokenize.NUMBER)
        and toks[i - 1].string not in keyword.kwlist
        and toks[i + 1].type in (tokenize.NAME, tokenize.NUMBER)
    ]
    tok = _choose(rng, spots)
    if tok is None:
        return None
    # `a + b` -> `a b`, `a+b` -> `a b`: one space where the operator and its spaces were.
    lines = _lines(source)
    row = tok.start[0] - 1
    text = lines[row]
    left = text[: tok.start[1]].rstrip(" ")
    right = text[tok.end[1] :].lstrip(" ")
    lines[row] = left + " " + right
    return "".join(lines)


CORRUPTORS: dict[str, Corruptor] = {
    "missing-colon": drop_colon,
    "missing-close-bracket": drop_close,
    "missing-open-bracket": drop_open,
    "missing-quote": drop_quote,
    "missing-comma": drop_comma,
    "over-indent": over_indent,
    "under-indent": under_indent,
    "keyword-typo": keyword_typo,
    "assign-for-eq": eq_to_assign,
    "else-if": else_if,
    "print-statement": print_statement,
    "missing-operator": drop_operator,
    "extra-close-bracket": extra_close,
}
#: Kinds added after the multi-error files were first drawn: left out of them, so that those
#: files stay the same from one version of the harness to the next.
SINGLE_ONLY = frozenset({"extra-close-bracket"})


# --- novice slips ----------------------------------------------------------------------------
# A separate set, so that the figures of CORRUPTORS stay comparable from one version to the
# next. Shaped by what beginners' real programs show: the PyDex development set
# (../shared/bench/pydex) and the published studies of novice Python syntax errors (Jeffries,
# Lee & Koprinska, "115 Ways Not to Say Hello, World!", ITiCSE 2022: unquoted strings and
# other basic slips dominate even late in a course; Kohn, "The Error Behind The Message",
# SIGCSE 2019, and his 2017 thesis: most errors are minor slips - a missing colon or bracket,
# a misplaced quote, Python 2 habits, an assignment read as symmetric).


def semicolon_for_comma(source: str, rng: random.Random) -> str | None:
    """`f(a, b)` -> `f(a; b)`: the neighbouring key."""
    toks = tokens(source)
    depth = 0
    spots = []
    for tok in toks:
        depth += {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}.get(tok.string, 0)
        if tok.string == "," and depth > 0:
            spots.append(tok)
    tok = _choose(rng, spots)
    return _replace(source, tok, ";") if tok else None


def spaced_name(source: str, rng: random.Random) -> str | None:
    """A two-word snake_case name (`total_price`) written with a space everywhere."""
    names = sorted(
        {
            t.string
            for t in tokens(source)
            if t.type == tokenize.NAME
            and t.string.count("_") == 1
            and all(part.isalpha() and part not in keyword.kwlist for part in t.string.split("_"))
        }
    )
    if not names:
        return None
    name = rng.choice(names)
    toks = [t for t in tokens(source) if t.type == tokenize.NAME and t.string == name]
    for tok in reversed(toks):
        source = _replace(source, tok, name.replace("_", " "))
    return source


_BUILTIN_CALLS = frozenset({"int", "str", "float", "len", "input", "abs", "list", "sorted"})


def builtin_without_parentheses(source: str, rng: random.Random) -> str | None:
    """`int(x)` -> `int x`: a built-in called with one plain argument, parentheses lost."""
    toks = tokens(source)
    spots = [
        (toks[i], toks[i + 1], toks[i + 3])
        for i in range(len(toks) - 3)
        if toks[i].string in _BUILTIN_CALLS
        and toks[i + 1].string == "("
        and toks[i + 2].type in (tokenize.NAME, tokenize.NUMBER)
        and toks[i + 3].string == ")"
        and toks[i + 3].start[0] == toks[i].start[0]
    ]
    if not spots:
        return None
    _, opener, closer = rng.choice(spots)
    source = _replace(source, closer, "")
    return _replace(source, opener, " ")


def colon_and_block(source: str, rng: random.Random) -> str | None:
    """A header's ':' lost and the one-line block under it not indented either."""
    toks = tokens(source)
    lines = _lines(source)
    spots = []
    for i, tok in enumerate(toks[:-3]):
        if tok.string != ":" or toks[i + 1].type != tokenize.NEWLINE:
            continue
        if toks[i + 2].type != tokenize.INDENT:
            continue
        body = toks[i + 2].end[0]
        # A one-statement block, followed by a line back at the header's level.
        after = body
        while after < len(lines) and not lines[after].strip():
            after += 1
        header_ws = len(lines[tok.start[0] - 1]) - len(lines[tok.start[0] - 1].lstrip())
        if after < len(lines):
            after_ws = len(lines[after]) - len(lines[after].lstrip())
            if after_ws > header_ws:
                continue
        spots.append((tok, body))
    if not spots:
        return None
    tok, body = rng.choice(spots)
    header = lines[tok.start[0] - 1]
    ws = header[: len(header) - len(header.lstrip())]
    lines[body - 1] = ws + lines[body - 1].lstrip()
    source = "".join(lines)
    return _replace(source, tok, "")


def reversed_comparison(source: str, rng: random.Random) -> str | None:
    """`a >= b` -> `a => b`."""
    tok = _choose(rng, [t for t in tokens(source) if t.string in (">=", "<=")])
    return _replace(source, tok, "=" + tok.string[0]) if tok else None


def elif_as_else(source: str, rng: random.Random) -> str | None:
    """`elif x:` -> `else x:`."""
    tok = _choose(rng, [t for t in tokens(source) if t.string == "elif"])
    return _replace(source, tok, "else") if tok else None


def missing_open_quote(source: str, rng: random.Random) -> str | None:
    """`print("Sum:", s)` -> `print(Sum:", s)`: a string argument of words lost its opening
    quote."""
    toks = tokens(source)
    spots = [
        toks[i]
        for i in range(1, len(toks))
        if toks[i].type == tokenize.STRING
        and toks[i - 1].string in ("(", ",")
        and toks[i].string[:1] in "'\""
        and toks[i].start[0] == toks[i].end[0]
        and any(c in toks[i].string for c in " :")
    ]
    tok = _choose(rng, spots)
    return _replace(source, tok, tok.string[1:]) if tok else None


NOVICE_CORRUPTORS: dict[str, Corruptor] = {
    "semicolon-for-comma": semicolon_for_comma,
    "spaced-name": spaced_name,
    "builtin-without-parentheses": builtin_without_parentheses,
    "colon-and-block": colon_and_block,
    "reversed-comparison": reversed_comparison,
    "elif-as-else": elif_as_else,
    "missing-open-quote": missing_open_quote,
    "print-statement": print_statement,
}


def fails(source: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarnings of broken code are no news
            compile(source, "<case>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return True
    return False
