"""Reuse between versions changes nothing: after random edits of real files, the analysis made
with the last good parses kept (``analysis.lastgood``) equals the one made from scratch.

Differential: every edited version is analysed twice, once with no good text kept and once
after the unedited file was analysed (as the server does on each keystroke), and the problems
(codes, messages, ranges, subjects, lines) must be identical; for the smaller files the fix plan
too (every offered fix, its edits and the text "fix all" writes). The budgets are far above what
the work takes, so no deadline decides between the two runs.
"""

from __future__ import annotations

import ast
import asyncio
import random
import re
import sysconfig
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from debugllm.analysis import lastgood, syntax_errors
from debugllm.analysis.analyzer import Analysis, AnalysisOptions, analyze
from debugllm.lsp import sync
from debugllm.pipeline import FixPipeline, FixPlan

OPTIONS = AnalysisOptions(syntax_budget_s=60.0)
_NAME = re.compile(r"\b[A-Za-z_]\w*\b")
_STDLIB = Path(sysconfig.get_paths()["stdlib"])
#: Real files of every size: small modules, and a few above the 64,000 characters from which
#: ``syntax_errors`` compiles a file in groups of statements (the groups reuse works on).
_FILES = (
    "bisect.py", "colorsys.py", "keyword.py", "shlex.py", "textwrap.py", "fnmatch.py",
    "json/decoder.py", "email/quoprimime.py", "dataclasses.py", "argparse.py", "typing.py",
)  # fmt: skip
_EDITS_PER_FILE = 10
_PLAN_LIMIT_CHARS = 12_000


def _insert_char(source: str, rng: random.Random) -> str:
    at = rng.randrange(len(source) + 1)
    return source[:at] + rng.choice("():,=[]{}'\" \n\tx.#\\") + source[at:]


def _delete_char(source: str, rng: random.Random) -> str:
    at = rng.randrange(len(source))
    return source[:at] + source[at + 1 :]


def _rename(source: str, rng: random.Random) -> str:
    names = list(_NAME.finditer(source))
    match = rng.choice(names)
    new = rng.choice([match.group() + "_", rng.choice(names).group(), "undefined_thing"])
    return source[: match.start()] + new + source[match.end() :]


def _line_starts(source: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", source)]


def _add_import(source: str, rng: random.Random) -> str:
    at = rng.choice(_line_starts(source))
    line = rng.choice(
        ["import os\n", "from json import *\n", "from __future__ import annotations\n"]
    )
    return source[:at] + line + source[at:]


def _break_colon(source: str, rng: random.Random) -> str:
    colons = [m.start() for m in re.finditer(r":[ \t]*\n", source)]
    if not colons:
        return _delete_char(source, rng)
    at = rng.choice(colons)
    return source[:at] + source[at + 1 :]


def _indent_line(source: str, rng: random.Random) -> str:
    at = rng.choice(_line_starts(source))
    return source[:at] + rng.choice([" ", "    ", "\t"]) + source[at:]


EDITS: tuple[Callable[[str, random.Random], str], ...] = (
    _insert_char,
    _delete_char,
    _rename,
    _add_import,
    _break_colon,
    _indent_line,
)


def _edited_versions(source: str, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for i in range(_EDITS_PER_FILE):
        edited = EDITS[i % len(EDITS)](source, rng)
        if rng.random() < 0.25:  # two edits far apart, as after a paste or a second keystroke
            edited = EDITS[rng.randrange(len(EDITS))](edited, rng)
        yield edited


def _problems(analysis: Analysis) -> tuple[object, ...]:
    return (analysis.parses, analysis.static_checked, analysis.problems)


def _fixes(plan: FixPlan) -> tuple[object, ...]:
    offered = tuple(
        (problem, tuple((f.candidate.edits, f.fixed_source, f.preferred) for f in fixes))
        for problem, fixes in plan.fixes.items()
    )
    applied = tuple(f.candidate.edits for f in plan.applied)
    return (offered, applied, plan.fixed_source, plan.remaining)


def _plan(source: str) -> FixPlan:
    pipeline = FixPipeline(options=OPTIONS)
    return asyncio.run(pipeline.plan(pipeline.analyze(source, "m.py"), 60.0))


@pytest.fixture
def reuse_count(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """How often a group compile was answered by a good text (the test must exercise reuse)."""
    hits = [0]
    real = lastgood.compiles

    def counting(filename: str, source: str, start: int, end: int) -> bool:
        proven = real(filename, source, start, end)
        hits[0] += proven
        return proven

    monkeypatch.setattr(syntax_errors.lastgood, "compiles", counting)
    lastgood.forget()
    yield hits
    lastgood.forget()


#: Files that import ``annotations`` from ``__future__``, whose slices are compiled without it.
_WITH_FUTURE = ("shlex.py", "argparse.py")


@pytest.mark.parametrize(
    ("name", "future"),
    [(name, False) for name in _FILES] + [(name, True) for name in _WITH_FUTURE],
)
def test_reuse_of_the_last_good_parse_changes_no_result(
    name: str, future: bool, reuse_count: list[int]
) -> None:
    path = _STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} is not in this Python's standard library")
    original = path.read_text(encoding="utf-8")
    if future:
        original = "from __future__ import annotations\n" + original
    assert analyze(original, OPTIONS, "m.py").parses
    broken = 0
    for edited in _edited_versions(original, seed=sum(map(ord, name))):
        lastgood.forget()
        scratch = analyze(edited, OPTIONS, "m.py")
        scratch_plan = _plan(edited) if len(edited) <= _PLAN_LIMIT_CHARS else None
        lastgood.forget()
        analyze(original, OPTIONS, "m.py")  # the version before the keystroke, which parsed
        reused = analyze(edited, OPTIONS, "m.py")
        assert _problems(reused) == _problems(scratch), name
        if scratch_plan is not None:
            assert _fixes(_plan(edited)) == _fixes(scratch_plan), name
        broken += not scratch.parses
    assert broken, "no edit broke the syntax: the reuse was never needed"
    if len(original) > syntax_errors._GROUP_CHARS:
        assert reuse_count[0], "no group was answered by the good text"


def test_a_slice_is_trusted_only_at_statement_boundaries_of_a_good_text() -> None:
    good = "import os\n\n\n@decorate\ndef f(x):\n    return (x +\n1)\n\n\nvalue = f(2)\n"
    lastgood.forget()
    assert analyze(good, filename="m.py").parses
    decorated = good.index("@decorate")
    inside = good.index("1)")
    value = good.index("value")
    assert lastgood.compiles("m.py", good, 0, decorated)
    assert lastgood.compiles("m.py", good, decorated, value)
    assert lastgood.compiles("m.py", good, value, len(good))
    # Not where a statement starts: the slice would cut an expression in two.
    assert not lastgood.compiles("m.py", good, 0, inside)
    assert not lastgood.compiles("m.py", good, inside, len(good))
    # A later version, edited inside ``f``: the statements after it moved but are the same.
    edited = good.replace("return (x +", "return (x -+", 1)
    shift = len(edited) - len(good)
    assert lastgood.compiles("m.py", edited, value + shift, len(edited))
    assert lastgood.compiles("m.py", edited, 0, decorated)
    assert not lastgood.compiles("m.py", edited, decorated, value + shift)
    # Each document reuses its own last good parses only.
    assert not lastgood.compiles("other.py", good, 0, len(good))
    lastgood.forget()
    assert not lastgood.compiles("m.py", good, 0, len(good))


def test_a_statement_on_a_line_continued_into_is_no_boundary() -> None:
    # `y` starts its line at column 0, but the text before it ends with a backslash.
    good = "x = 1; \\\ny = 2\nz = 3\n"
    lastgood.forget()
    assert analyze(good, filename="m.py").parses
    y, z = good.index("y ="), good.index("z =")
    assert not lastgood.compiles("m.py", good, 0, y)
    assert not lastgood.compiles("m.py", good, y, len(good))
    assert lastgood.compiles("m.py", good, 0, z)
    lastgood.forget()


def test_a_future_import_that_changes_the_grammar_keeps_every_slice_compiled() -> None:
    # barry_as_FLUFL swaps `!=` for `<>` in the grammar: no slice is trusted without the import.
    good = "from __future__ import barry_as_FLUFL\n\nx = 1\n"
    lastgood.forget()
    lastgood.remember("m.py", good, ast.parse(good))
    start = good.index("x =")
    assert lastgood.compiles("m.py", good, 0, len(good))
    assert not lastgood.compiles("m.py", good, start, len(good))
    lastgood.forget()


def test_the_debounce_check_compiles_only_the_statements_an_edit_touched() -> None:
    good = "import os\n\n\ndef f(x):\n    return x\n\n\ndef g(y):\n    return os.sep + y\n"
    lastgood.forget()
    assert analyze(good, filename="m.py").parses
    broken = good.replace("def g(y):", "def g(y)")
    start, end = lastgood.edited_statements("m.py", broken) or (0, 0)
    assert broken[start:end] == "def g(y)\n    return os.sep + y\n"
    assert sync.has_syntax_error(broken, "m.py")
    assert not sync.has_syntax_error(good.replace("return x", "return x + 1"), "m.py")
    # No good text of this file: the whole text is checked.
    assert lastgood.edited_statements("n.py", broken) is None
    assert sync.has_syntax_error(broken, "n.py")
    lastgood.forget()


def _compile_error(source: str) -> tuple[object, ...] | None:
    """What compiling the whole file reports: the exception's type and position fields."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "m.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return (type(exc), exc.msg, exc.lineno, exc.offset, exc.end_lineno, exc.end_offset)
    except (ValueError, RecursionError, MemoryError) as exc:
        return (type(exc), str(exc))
    return None


def _keystroke(source: str, rng: random.Random) -> str:
    """One character deleted or typed, mostly a colon, bracket or quote (what breaks syntax)."""
    kind = rng.randrange(3)
    if kind == 0:
        marks = [m.start() for m in re.finditer(r"[:()\[\]{}'\"]", source)]
        at = rng.choice(marks)
        return source[:at] + source[at + 1 :]
    if kind == 1:
        at = rng.randrange(len(source) + 1)
        return source[:at] + rng.choice("():,=[]{}'\"\n\t x.#\\") + source[at:]
    return _break_colon(source, rng)


@pytest.mark.parametrize("name", _FILES)
def test_the_parse_error_after_an_edit_is_the_whole_files_first_error(name: str) -> None:
    """``lastgood.parse_error_after_edit`` (parsing from the edited statements on) answers
    exactly what compiling the whole edited file raises, or does not answer."""
    path = _STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} is not in this Python's standard library")
    original = path.read_text(encoding="utf-8")
    rng = random.Random(sum(map(ord, name)) + 1)
    answered = 0
    for _ in range(30):
        edited = _keystroke(original, rng)
        lastgood.forget()
        analyze(original, OPTIONS, "m.py")
        error = lastgood.parse_error_after_edit("m.py", edited)
        if error is None:
            continue
        answered += 1
        mine = (type(error), error.msg, error.lineno, error.offset, error.end_lineno)
        assert (*mine, error.end_offset) == _compile_error(edited), (name, mine)
    lastgood.forget()
    assert answered, "no edit was answered from the good text: the test checked nothing"


def test_the_parse_error_after_an_edit_is_not_answered_without_a_proof() -> None:
    good = "import os\n\n\ndef f(x):\n    return x\n\n\ndef g(y):\n    return os.sep + y\n"
    lastgood.forget()
    assert analyze(good, filename="m.py").parses
    broken = good.replace("def g(y):", "def g(y)")
    error = lastgood.parse_error_after_edit("m.py", broken)
    assert error is not None and (error.msg, error.lineno) == ("expected ':'", 8)
    # Another file's good text proves nothing; an edit that breaks nothing is not parsed on.
    assert lastgood.parse_error_after_edit("n.py", broken) is None
    assert lastgood.parse_error_after_edit("m.py", good.replace("x\n", "x + 1\n", 1)) is None
    # The message names a line, counted from the slice: the whole file is compiled instead.
    unindented = good.replace("    return os.sep", "return os.sep")
    whole = _compile_error(unindented)
    assert whole is not None and "on line" in str(whole[1])
    assert lastgood.parse_error_after_edit("m.py", unindented) is None
    lastgood.forget()


@pytest.mark.parametrize("name", ["argparse.py", "typing.py", "textwrap.py"])
def test_a_keystrokes_analysis_from_the_good_text_is_the_analysis_from_scratch(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a keystroke, the listing starts from the error ``lastgood`` found and looks for
    newer syntax only after the proven statements: the problems are the ones a from-scratch
    analysis reports."""
    path = _STDLIB / name
    if not path.exists():
        pytest.skip(f"{name} is not in this Python's standard library")
    original = path.read_text(encoding="utf-8")
    known = [0]
    real = syntax_errors.fault_from_exception

    def counting(source: str, exc: SyntaxError) -> object:
        known[0] += 1
        return real(source, exc)

    monkeypatch.setattr(syntax_errors, "fault_from_exception", counting)
    rng = random.Random(sum(map(ord, name)) + 2)
    for _ in range(12):
        edited = _keystroke(original, rng)
        lastgood.forget()
        scratch = analyze(edited, OPTIONS, "m.py")
        analyze(original, OPTIONS, "m.py")
        assert _problems(analyze(edited, OPTIONS, "m.py")) == _problems(scratch), name
    lastgood.forget()
    assert known[0], "no keystroke's listing started from the known error"


def test_a_colon_deleted_in_a_large_file_is_listed_without_compiling_a_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    original = (_STDLIB / "argparse.py").read_text(encoding="utf-8")
    assert len(original) > syntax_errors._GROUP_CHARS
    at = original.index("\n    def format_help(self):") + len("\n    def format_help(self)")
    edited = original[:at] + original[at + 1 :]
    lastgood.forget()
    scratch = analyze(edited, OPTIONS, "m.py")
    assert [p.message for p in scratch.problems] == ["expected ':'"]
    analyze(original, OPTIONS, "m.py")
    compiled: list[int] = []
    real = syntax_errors.compile_fault
    monkeypatch.setattr(
        syntax_errors, "compile_fault", lambda *a, **k: compiled.append(1) or real(*a, **k)
    )
    assert _problems(analyze(edited, OPTIONS, "m.py")) == _problems(scratch)
    # The error was known, and the repaired text is the good text: nothing left to compile.
    assert compiled == []
    lastgood.forget()


@pytest.mark.parametrize(
    ("good", "edited"),
    [
        # The statement after the block becomes the block's `else:`: valid, one statement.
        ("x = 1\nif x:\n    a = 1\nb = 2\n", "x = 1\nif x:\n    a = 1\nelse:\n    b = 2\n"),
        # The statement after a function is indented into its body.
        ("def f():\n    return 1\nx = 2\n", "def f():\n    return 1\n    x = 2\n"),
        # Indented into the body, with a blank line and a comment before it.
        (
            "def f():\n    return 1\n\n# c\nx = 2\n",
            "def f():\n    return 1\n\n# c\n    x = (2\n",
        ),
        # Python/156 of the synthetic benchmark: a fix plan's text (dedented lines) was a good
        # text; the misspelt `whhile` further down is CPython's first error, not line 15.
        (
            "def g(n):\n    num = [1,\n           2]\nsym = [3,\n       4]\nif 1:\n    pass\n",
            "def g(n):\n    num = [1,\n           2]\n    sym = [3,\n           4]\n"
            "    whhile n:\n        n -= 1\n",
        ),
    ],
)
def test_an_edit_that_joins_the_statement_before_it_is_analysed_as_from_scratch(
    good: str, edited: str
) -> None:
    """The good text had a statement start where the edit begins; once the edited line is
    indented, or is an `else:`, it continues the statement before it, and parsing from there
    alone would report an error the file does not have."""
    lastgood.forget()
    scratch = analyze(edited, OPTIONS, "m.py")
    lastgood.forget()  # a valid edited text would be a good text itself
    assert analyze(good, OPTIONS, "m.py").parses
    error = lastgood.parse_error_after_edit("m.py", edited)
    if error is not None:
        found = (type(error), error.msg, error.lineno, error.offset, error.end_lineno)
        assert (*found, error.end_offset) == _compile_error(edited)
    assert _problems(analyze(edited, OPTIONS, "m.py")) == _problems(scratch)
    lastgood.forget()


#: One program and its corruptions, as the synthetic benchmark makes them (HumanEval 156).
_ROMAN = (
    "def to_roman(number):\n"
    "    num = [1, 4, 5, 9, 10, 40, 50, 90,\n"
    "           100, 400, 500, 900, 1000]\n"
    '    sym = ["I", "IV", "V", "IX", "X", "XL",\n'
    '           "L", "XC", "C", "CD", "D", "CM", "M"]\n'
    "    i = 12\n"
    "    res = ''\n"
    "    while number:\n"
    "        div = number // num[i]\n"
    "        number %= num[i]\n"
    "        while div:\n"
    "            res += sym[i]\n"
    "            div -= 1\n"
    "        i -= 1\n"
    "    return res.lower()\n"
)
_ROMAN_CORRUPTIONS = (
    _ROMAN.replace('    sym = ["I",', 'sym = ["I",'),
    _ROMAN.replace("num = [1,", "num = 1,"),
    _ROMAN.replace('sym = ["I",', 'sym = "I",'),
    _ROMAN.replace("    while number:", "    whhile number:"),
    _ROMAN.replace("number %= num[i]", "number %= num[i]]"),
    _ROMAN.replace("        i -= 1", "      i -= 1"),
)


def test_fix_plans_texts_as_good_texts_change_no_later_analysis() -> None:
    """Fix plans remember their fixed texts as good texts of the file, and the next version
    is analysed under the same name (as in an editor, or a benchmark running every case as
    `case.py`). Each analysis must be the one made from scratch: the plan of the version with
    `sym = [` dedented left a good text with a statement start there, and the next version's
    `whhile` was reported as an 'unexpected indent' at the indented `sym`."""
    scratch = []
    for broken in _ROMAN_CORRUPTIONS:
        lastgood.forget()
        scratch.append(_problems(analyze(broken, OPTIONS, "m.py")))
    lastgood.forget()
    for _ in range(2):  # every corruption after every other one
        for broken, expected in zip(_ROMAN_CORRUPTIONS, scratch, strict=True):
            assert _problems(analyze(broken, OPTIONS, "m.py")) == expected
            _plan(broken)  # its fixed texts become good texts of m.py
    lastgood.forget()
