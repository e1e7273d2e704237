"""The token n-gram plausibility model: a lexer that never raises, a shipped model that prefers
real code to its corruptions, and a deterministic builder."""

from __future__ import annotations

import gzip
import json
import math
import random
from pathlib import Path

import pytest
from debugllm.repair import build_token_model
from debugllm.repair.plausibility import FORMAT_VERSION, TokenModel, lexemes

BROKEN = [
    "",
    "\n\n\n",
    "foo(a, b\nx = 1\n",
    "x = [1, 2,\n",
    ")))]]}}\nx = 1\n",
    "s = 'unterminated\nprint(s)\n",
    's = """never closed\nprint(s)\n',
    "b'\\",
    "f'{x'",
    "\tif x:\n  \t  y\n\t\tz\n w\n",
    "def f(:\n\treturn\n  pass\n        x\n",
    "$ ? ! ` \x00 \\ \\\n",
    "x = 1 \\",
    "if x:\r\n    y\r    z\n",
    "\f\f    x\n",
    "é = ñ + 1\n",
    "0x 1e 1_ .. ... .5j 1.e-",
]


@pytest.mark.parametrize("text", BROKEN)
def test_lexer_never_raises_on_broken_text(text: str) -> None:
    tokens = lexemes(text, verbatim=())
    assert all(isinstance(token, str) and token for token in tokens)
    assert tokens == lexemes(text, verbatim=())  # deterministic


def test_lexer_never_raises_on_random_text() -> None:
    rng = random.Random(1234)
    alphabet = "abcxyz019_ ()[]{}:;,.'\"#\\\n\t+-*/=<>!@%&|^~rbf\r\f$?é"
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(60)))
        lexemes(text, verbatim=("x",))


def test_abstractions() -> None:
    keep = ("x", "i", "self")
    assert lexemes("x[i + 1]", keep) == ["x", "[", "i", "+", "NUMBER", "]", "NL"]
    assert lexemes("x[i + 1]", ()) == ["NAME", "[", "NAME", "+", "NUMBER", "]", "NL"]
    assert lexemes("self.foo = None  # comment\n", keep) == ["self", ".", "NAME", "=", "None", "NL"]
    operators = ["==", "!=", "<=", ">=", "//", "**", "->", "+=", ":=", "...", "<<", ">>", "**="]
    source = " a ".join(["z", *operators, "//=", "@=", "b"])
    assert [t for t in lexemes(source, ()) if t != "NAME"] == [*operators, "//=", "@=", "NL"]
    literals = "rb'a' f\"b\" '''c\nd''' u'e' 0x1F 1_000 3.5e-2 2j .5"
    assert lexemes(literals, ()) == ["STRING"] * 4 + ["NUMBER"] * 5 + ["NL"]
    # Soft keywords are keywords; other identifiers are names.
    assert lexemes("match value:\n    case _:\n        pass\n", ("value",)) == [
        "match", "value", ":", "NL", "INDENT", "case", "NAME", ":", "NL",
        "INDENT", "pass", "NL", "DEDENT", "DEDENT",
    ]  # fmt: skip


def test_layout_tokens() -> None:
    source = "if x:\n    y = (1,\n 2)\n\n    # note\n    z\nw\n"
    assert lexemes(source, ()) == [
        "if", "NAME", ":", "NL",
        "INDENT", "NAME", "=", "(", "NUMBER", ",", "NUMBER", ")", "NL",
        "NAME", "NL",
        "DEDENT", "NAME", "NL",
    ]  # fmt: skip
    # A backslash continues the line; a tab indents to the next multiple of 8.
    assert lexemes("a = 1 + \\\n    2\n", ()) == ["NAME", "=", "NUMBER", "+", "NUMBER", "NL"]
    assert lexemes("if a:\n\tb\n        c\n", ()) == [
        "if", "NAME", ":", "NL", "INDENT", "NAME", "NL", "NAME", "NL", "DEDENT",
    ]  # fmt: skip


def test_lexer_tolerates_broken_structure() -> None:
    # An unterminated string runs to the end of its line only.
    assert lexemes("s = 'abc\nt = 1\n", ()) == [
        "NAME", "=", "STRING", "NL", "NAME", "=", "NUMBER", "NL",
    ]  # fmt: skip
    # Unmatched closers do not make the depth negative: the next line still ends with NL.
    assert lexemes("a)\nb\n", ()) == ["NAME", ")", "NL", "NAME", "NL"]
    # A statement keyword at the start of a line ends a bracket left open.
    assert lexemes("f(a,\nreturn b\n", ()) == [
        "NAME", "(", "NAME", ",", "NL", "return", "NAME", "NL",
    ]  # fmt: skip
    # A dedent to a level that was never opened still gives balanced INDENT/DEDENT tokens.
    tokens = lexemes("if a:\n        b\n    c\nd\n", ())
    assert tokens.count("INDENT") == tokens.count("DEDENT")


@pytest.fixture(scope="module")
def model() -> TokenModel:
    return TokenModel.load()


def test_shipped_model_header(model: TokenModel) -> None:
    assert TokenModel.load() is model  # cached
    assert model.header["format"] == FORMAT_VERSION == build_token_model.FORMAT_VERSION
    assert model.header["order"] == 4
    assert model.header["files"] > 100 and model.header["tokens"] > 100_000
    assert len(model.header["verbatim"]) == build_token_model.DEFAULT_VERBATIM
    assert "self" in model.verbatim
    assert lexemes("self") == ["self", "NL"]  # the default list is the shipped model's


@pytest.mark.parametrize(
    ("good", "bad"),
    [
        ("total = a + b\n", "total = a b\n"),
        ("a, b = b, a\n", "a b = b a\n"),
        ("if x == 1:\n    pass\n", "if x = 1:\n    pass\n"),
        ("def f(a, b):\n    pass\n", "def f(a b):\n    pass\n"),
        ("y = x[i + 1]\n", "y = x[i 1]\n"),
        # Where a closing bracket goes, and a stray one. (A missing closer right before the
        # line end can score higher: four tokens of context do not count bracket depth.)
        ("if len(items) > 0:\n    pass\n", "if len(items > 0):\n    pass\n"),
        ("x = d[k]\ny = 2\n", "x = d[k\ny = 2\n"),
        ("print(len(items))\n", "print(len(items)))\n"),
    ],
)
def test_model_prefers_real_code(model: TokenModel, good: str, bad: str) -> None:
    assert model.score(good) > model.score(bad)


def test_best_between_picks_the_operator(model: TokenModel) -> None:
    ranked = model.best_between("return (lo ", " hi) // 2\n", ["+", "-", "*", ","])
    assert ranked[0][0] == "+"
    assert [option for option, _ in ranked] != ["+", "-", "*", ","][::-1]
    scores = [score for _, score in ranked]
    assert scores == sorted(scores, reverse=True)
    assert ranked == model.best_between("return (lo ", " hi) // 2\n", ["+", "-", "*", ","])


def test_best_between_ties_keep_the_options_order(model: TokenModel) -> None:
    # ``zz`` and ``yy`` are both NAME: equal scores, so the given order decides.
    ranked = model.best_between("x = ", "\n", ["zz", "yy"])
    assert ranked[0][1] == ranked[1][1]
    assert [option for option, _ in ranked] == ["zz", "yy"]
    assert [option for option, _ in model.best_between("x = ", "\n", ["yy", "zz"])] == ["yy", "zz"]
    assert model.best_between("x", "y", []) == []


def test_probabilities_sum_to_one(model: TokenModel) -> None:
    vocab = model.header["vocab"]
    for context in (["def", "NAME", "("], ["NAME", "="], ["self"], []):
        base = model.logprob(context)
        total = sum(math.exp(model.logprob([*context, w]) - base) for w in vocab)
        unknown = math.exp(model.logprob([*context, "<never seen>"]) - base)
        assert total + unknown == pytest.approx(1.0, abs=1e-9)
        assert 0 < unknown < 1e-3


CORPUS = {
    "a.py": "def add(a, b):\n    return a + b\n",
    "pkg/b.py": "import os\n\nclass C:\n    def m(self, x):\n        return self.y[x]\n",
    "pkg/c.py": "x = [1, 2, 3]\nfor item in x:\n    print(item)\n",
    "broken.py": "def f(:\n",  # does not parse: skipped
    "tests/test_x.py": "assert True\n",  # test directories are skipped
}


def _write_corpus(root: Path) -> None:
    for name, text in CORPUS.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_builder_on_a_tiny_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    first, second = tmp_path / "one.json.gz", tmp_path / "two.json.gz"
    assert build_token_model.main(["--out", str(first), "--corpus", str(corpus)]) == 0
    assert build_token_model.main(["--corpus", str(corpus), "--out", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()

    header = json.loads(gzip.decompress(first.read_bytes()))
    parsed = [CORPUS[name] for name in ("a.py", "pkg/b.py", "pkg/c.py")]
    assert header["files"] == 3
    assert header["tokens"] == sum(len(lexemes(text, verbatim=())) for text in parsed)
    assert header["format"] == FORMAT_VERSION
    assert header["verbatim"][:2] == ["x", "a"]  # by frequency, then by name
    model = TokenModel.from_path(first)
    assert model.header["vocab"] == sorted(model.header["vocab"])
    assert model.score("def add(a, b):\n") > model.score("def add(a b):\n")


def test_builder_rejects_an_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        build_token_model.main(["--out", str(tmp_path / "m.json.gz"), "--corpus", str(tmp_path)])


def test_wrong_format_is_refused(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    _write_corpus(corpus)
    document = build_token_model.build([corpus])
    document["format"] = FORMAT_VERSION + 1
    path = tmp_path / "old.json.gz"
    path.write_bytes(build_token_model.encode(document))
    with pytest.raises(ValueError, match="rebuild"):
        TokenModel.from_path(path)
