"""How plausible a piece of Python is, by a token 4-gram model: used to rank candidate repairs.

Several edits can make a file compile (``x[i + 1]``, ``x[i, 1]``); the one whose tokens read
most like ordinary Python is the likelier intent. Source is mapped to abstract tokens by a
lexer that never raises (the text is usually broken): keywords and operators verbatim, most
identifiers ``NAME``, literals ``NUMBER``/``STRING``, and ``NL``/``INDENT``/``DEDENT`` for layout.

The model is interpolated Kneser-Ney with one absolute discount per order, trained on the
standard library by ``build_token_model`` and shipped as ``data/token_model.json.gz``. For an
n-gram ``g = h + (w,)`` of order ``k`` with count ``c`` (raw counts at the top order,
continuation counts below) and history statistics ``T`` (total count after ``h``), ``N``
(distinct kept successors) and ``P`` (count of pruned successors)::

    p_k(w | h) = (max(c - D_k, 0) + (D_k * N + P) * p_{k-1}(w | h[1:])) / T

An unseen history leaves ``p_{k-1}`` as is, and ``p_0`` is uniform over the vocabulary plus
one unknown token, so tokens the model never saw get a small floor probability rather than 0.

Scores are sums of log-probabilities, so fewer tokens tend to score higher, and three tokens
of context cannot count brackets: compare candidates of similar length, and check bracket
balance separately (``f(g(x)`` can outscore ``f(g(x))``).
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import math
import re
from collections.abc import Collection, Sequence
from itertools import chain, repeat
from operator import add, mul, sub, truediv
from pathlib import Path
from typing import Any

__all__ = ["FORMAT_VERSION", "ORDER", "TokenModel", "lexemes"]

# Bump whenever the lexer's output or the file layout changes: the shipped file must be rebuilt.
FORMAT_VERSION = 1
ORDER = 4
DATA_PACKAGE = "debugllm.repair"
DATA_FILE = "data/token_model.json.gz"

# Abstract token names; none of them is a Python keyword or operator, and identifiers spelled
# like them are never kept verbatim (the builder excludes them).
NAME, NUMBER, STRING, NL, INDENT, DEDENT, ERROR, BOS = (
    "NAME",
    "NUMBER",
    "STRING",
    "NL",
    "INDENT",
    "DEDENT",
    "ERROR",
    "<s>",
)
SPECIAL_TOKENS = frozenset({NAME, NUMBER, STRING, NL, INDENT, DEDENT, ERROR, BOS})

# Fixed here rather than taken from ``keyword`` so that tokens do not depend on the running
# Python; ``match``/``case`` (soft keywords) are always treated as keywords, for the same reason.
_KEYWORD_NAMES = """False None True and as assert async await break class continue def del elif
else except finally for from global if import in is lambda nonlocal not or pass raise return try
while with yield match case"""
KEYWORDS = frozenset(_KEYWORD_NAMES.split())

# Keywords that can only start a statement: one at the start of a line inside brackets means
# the brackets were never closed, so the lexer ends the logical line there instead of running
# the rest of the file into one line.
_STATEMENT_KEYWORD_NAMES = """def class return import pass break continue raise global nonlocal
del assert try except finally while with elif"""
_STATEMENT_KEYWORDS = frozenset(_STATEMENT_KEYWORD_NAMES.split())

_TOKEN_RE = re.compile(
    r"""
     (?P<ws>[ \t\f]+)
    |(?P<nl>\r\n|\r|\n)
    |(?P<comment>\#[^\r\n]*)
    |(?P<cont>\\(?:\r\n|\r|\n))
    |(?P<str>[rRbBuUfFtT]{0,2}(?:'''|\"\"\"|'|\"))
    |(?P<num>0[xXoObB][0-9a-fA-F_]*
        |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?)
    |(?P<name>[^\W\d]\w*)
    |(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|==|!=|<=|>=|//|\*\*|<<|>>|[-+*/%@&|^]=
        |[-+*/%@&|^~<>()\[\]{},:;.=])
    |(?P<err>.)
    """,
    re.VERBOSE | re.DOTALL,
)

# String bodies after the opening quote; a backslash escapes any character, newlines included.
_STRING_END = {
    "'": re.compile(r"[^'\\\r\n]*(?:\\.[^'\\\r\n]*)*'", re.DOTALL),
    '"': re.compile(r'[^"\\\r\n]*(?:\\.[^"\\\r\n]*)*"', re.DOTALL),
    "'''": re.compile(r"[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''", re.DOTALL),
    '"""': re.compile(r'[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""', re.DOTALL),
}
_LINE_END = re.compile(r"[\r\n]")
_OPENERS = frozenset("([{")
_CLOSERS = frozenset(")]}")


def _indent_width(space: str) -> int:
    # CPython's rule: a tab advances to the next multiple of 8, a form feed resets the column.
    width = 0
    for char in space:
        if char == "\t":
            width = (width // 8 + 1) * 8
        elif char == "\f":
            width = 0
        else:
            width += 1
    return width


def _lex(text: str, keep: Collection[str], names: list[str] | None = None) -> list[str]:
    """Abstract tokens of ``text``; identifiers in ``keep`` stay verbatim, the others become
    ``NAME`` (and are appended to ``names`` when given, for the builder's frequency count)."""
    out: list[str] = []
    append = out.append
    indents = [0]
    depth = 0  # bracket depth: newlines inside brackets do not end the logical line
    line_has_tokens = False  # the current logical line has emitted a token (an NL is due)
    bol = True  # the next token starts a logical line, so its indentation counts
    first_on_line = True  # no token yet on this physical line
    line_start = 0
    pos = 0
    size = len(text)
    match = _TOKEN_RE.match
    while pos < size:
        found = match(text, pos)
        assert found is not None  # the ``err`` branch matches any character
        kind = found.lastgroup
        end = found.end()
        if kind == "ws" or kind == "comment":
            pos = end
            continue
        if kind == "nl" or kind == "cont":
            if kind == "nl" and depth == 0 and line_has_tokens:
                append(NL)
                line_has_tokens = False
                bol = True
            pos = line_start = end
            first_on_line = True
            continue
        if kind == "str":
            token = STRING
            quote = found.group()[-3:] if found.group().endswith(("'''", '"""')) else text[end - 1]
            body = _STRING_END[quote].match(text, end)
            if body is not None:
                end = body.end()
            else:
                # Unterminated: the string runs to the end of the line, the rest is still code.
                line_end = _LINE_END.search(text, end)
                end = line_end.start() if line_end is not None else size
        elif kind == "name":
            token = found.group()
            if token in KEYWORDS:
                if depth and first_on_line and token in _STATEMENT_KEYWORDS:
                    depth = 0
                    if line_has_tokens:
                        append(NL)
                        line_has_tokens = False
                    bol = True
            elif token not in keep:
                if names is not None:
                    names.append(token)
                token = NAME
        elif kind == "op":
            token = found.group()
            if token in _OPENERS:
                depth += 1
            elif token in _CLOSERS and depth:
                depth -= 1  # an unmatched closer leaves the depth at 0
        elif kind == "num":
            token = NUMBER
        else:
            token = ERROR
        if bol:
            width = _indent_width(text[line_start:pos])
            if width > indents[-1]:
                indents.append(width)
                append(INDENT)
            else:
                while width < indents[-1]:
                    indents.pop()
                    append(DEDENT)
                if width > indents[-1]:  # dedent to no enclosing level: a new level, for sure
                    indents.append(width)
                    append(INDENT)
            bol = False
        append(token)
        line_has_tokens = True
        first_on_line = False
        pos = end
    if line_has_tokens:
        append(NL)
    out.extend([DEDENT] * (len(indents) - 1))
    return out


def lexemes(text: str, verbatim: Collection[str] | None = None) -> list[str]:
    """The abstract tokens of ``text`` (any text: never raises).

    Identifiers in ``verbatim`` are kept as they are, the others become ``NAME``; by default
    the shipped model's list is used, so the tokens are the ones that model scores.
    """
    keep = TokenModel.load().verbatim if verbatim is None else verbatim
    return _lex(text, keep)


def decode_keys(deltas: Sequence[int]) -> list[int]:
    """Sorted integer keys from the delta encoding used in the data file (small, gzips well)."""
    return list(itertools.accumulate(deltas))


class TokenModel:
    """An interpolated Kneser-Ney 4-gram model over abstract tokens (see the module docstring)."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT_VERSION:
            raise ValueError(
                f"token model format {data.get('format')!r}, expected {FORMAT_VERSION}: rebuild "
                "it with python -m debugllm.repair.build_token_model"
            )
        self.header: dict[str, Any] = {k: v for k, v in data.items() if k != "orders"}
        self.verbatim: frozenset[str] = frozenset(data["verbatim"])
        vocab: list[str] = data["vocab"]
        # Id 0 is the unknown token: it is in no table, so it falls through to the floor.
        self._ids: dict[str, int] = {token: i for i, token in enumerate(vocab, start=1)}
        self._base = len(vocab) + 1
        self._uniform = 1.0 / self._base
        # Precomputed so that scoring is two lookups per order: an n-gram's discounted term
        # ``(c - D) / T`` and a history's interpolation weight ``(D * N + P) / T``.
        self._terms: list[dict[int, float]] = []
        self._weights: list[dict[int, float]] = []
        for table in data["orders"]:
            discount = float(table["discount"])
            totals: list[int] = table["history_total"]
            kept: list[int] = table["history_kept"]
            pruned: list[int] = table["history_pruned"]
            counts: list[int] = table["ngram_counts"]
            if not len(totals) == len(kept) == len(pruned) or len(counts) != sum(kept):
                raise ValueError("token model tables have inconsistent lengths")
            # Built with C-level iterators (map, repeat), so loading stays well under 100 ms.
            # N-grams are sorted by key, hence grouped by history in the histories' order: the
            # j-th history's total is the denominator of the next ``kept[j]`` n-grams.
            denominators = chain.from_iterable(map(repeat, totals, kept))
            numerators = map(sub, counts, repeat(discount))
            terms = map(truediv, numerators, denominators)
            self._terms.append(dict(zip(decode_keys(table["ngram_keys"]), terms, strict=True)))
            mass = map(add, map(mul, repeat(discount), kept), pruned)
            weights = map(truediv, mass, totals)
            keys = decode_keys(table["history_keys"])
            self._weights.append(dict(zip(keys, weights, strict=True)))
        if len(self._terms) != ORDER or set(self._weights[0]) != {0}:
            raise ValueError(f"token model needs orders 1 to {ORDER}")
        # Order 1 as a list by token id: its only history is the empty one (key 0).
        weight = self._weights[0][0]
        self._unigram = [
            self._terms[0].get(i, 0.0) + weight * self._uniform for i in range(self._base)
        ]

    @classmethod
    def load(cls) -> TokenModel:
        """The shipped model, read on first use and shared afterwards."""
        return _shipped_model()

    @classmethod
    def from_path(cls, path: str | Path) -> TokenModel:
        """A model from a file written by ``build_token_model`` (gzip-compressed JSON)."""
        with open(path, "rb") as stream:
            return cls(json.loads(gzip.decompress(stream.read())))

    def lexemes(self, text: str) -> list[str]:
        return _lex(text, self.verbatim)

    def logprob(self, tokens: Sequence[str]) -> float:
        """Natural-log probability of ``tokens``, each given up to 3 previous tokens."""
        ids = self._ids
        base = self._base
        square = base * base
        unigram = self._unigram
        _, t2, t3, t4 = self._terms
        _, w2, w3, w4 = self._weights
        log = math.log
        total = 0.0
        a = b = c = -1  # the previous three token ids, oldest first; -1 = before the start
        for token in tokens:
            w = ids.get(token, 0)
            prob = unigram[w]
            # Longer histories while there are tokens; an unseen one leaves prob as it is.
            if c >= 0:
                weight = w2.get(c)
                if weight is not None:
                    prob = t2.get(c * base + w, 0.0) + weight * prob
                if b >= 0:
                    key = b * base + c
                    weight = w3.get(key)
                    if weight is not None:
                        prob = t3.get(key * base + w, 0.0) + weight * prob
                    if a >= 0:
                        key += a * square
                        weight = w4.get(key)
                        if weight is not None:
                            prob = t4.get(key * base + w, 0.0) + weight * prob
            total += log(prob)
            a, b, c = b, c, w
        return total

    def score(self, text: str) -> float:
        """Log-probability of ``text``'s tokens: higher is more plausible Python."""
        return self.logprob(_lex(text, self.verbatim))

    def best_between(
        self, left: str, right: str, options: Sequence[str]
    ) -> list[tuple[str, float]]:
        """``left + option + right`` scored for each option, best first (ties keep order)."""
        scored = [(option, self.score(left + option + right)) for option in options]
        order = sorted(range(len(scored)), key=lambda i: (-scored[i][1], i))
        return [scored[i] for i in order]


@functools.cache
def _shipped_model() -> TokenModel:
    from importlib import resources  # a few ms: only when the model is first used

    raw = resources.files(DATA_PACKAGE).joinpath(DATA_FILE).read_bytes()
    return TokenModel(json.loads(gzip.decompress(raw)))
