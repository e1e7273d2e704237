"""Syntax of a newer Python: reported once, never "repaired", on every supported interpreter.

The detector is the same on every Python; what ``analyze`` reports depends on the interpreter
the tests run on (on 3.12+ a 3.12 file simply parses), so those tests branch on RUNNING.
"""

import asyncio
from pathlib import Path

import pytest
from debugllm.analysis.analyzer import AnalysisOptions, analyze
from debugllm.analysis.versions import RUNNING, newer_syntax, unsupported, unsupported_in_edit
from debugllm.cli import main
from debugllm.pipeline import FixPipeline
from debugllm.problems import Code, Severity

PY312 = (
    "type Vector = list[float]\n\n\n"
    "def norm(v: Vector) -> float:\n    return sum(x * x for x in v) ** 0.5\n"
)
PY313 = "class Box[T = int]:\n    def __init__(self, item: T) -> None:\n        self.item = item\n"


@pytest.mark.parametrize(
    ("source", "version", "feature"),
    [
        ("x = 1\ntype Vector = list[float]\n", (3, 12), "a `type` statement"),
        ("type Pair[T] = tuple[T, T]\n", (3, 12), "a `type` statement"),
        ("if True: type X = int\n", (3, 12), "a `type` statement"),
        ("def first[T](xs: list[T]) -> T:\n    return xs[0]\n", (3, 12), "a generic function"),
        ("async def f[T](x: T) -> T:\n    return x\n", (3, 12), "a generic function"),
        ("class Stack[T]:\n    pass\n", (3, 12), "a generic class"),
        ("class Stack[T](Base):\n    pass\n", (3, 12), "a generic class"),
        ("class Box[T = int]:\n    pass\n", (3, 13), "a type parameter default"),
        ("def f[*Ts = *tuple[int]](): pass\n", (3, 13), "a type parameter default"),
        ('d = {}\ny = f"{d["k"]}"\n', (3, 12), "a string inside an f-string with the same quotes"),
        ("y = f\"{'\\n'.join(xs)}\"\n", (3, 12), "a backslash inside an f-string's replacement"),
        ("y = f'''{a  # why\n}'''\n", (3, 12), "a comment inside an f-string's replacement"),
        ("y = f'{a +\n b}'\n", (3, 12), "a line break inside a single-quoted f-string"),
        ("y = t'{a}'\n", (3, 14), "a template string"),
    ],
)
def test_newer_constructs_are_found(source: str, version: tuple[int, int], feature: str) -> None:
    found = newer_syntax(source)
    assert any(c.version == version and c.feature.startswith(feature) for c in found), found


@pytest.mark.parametrize(
    "source",
    [
        "type(x)\ntype = 3\nprint(type, X)\nx = type\n",
        "type, Vector = list[float]\n",  # what the old "fix" wrote: not 3.12 syntax, an error
        "type X =\n",  # an error on every Python
        'y = f"{x"\n',  # an unclosed field: an error on every Python
        'y = f"{x["k"]}\n',  # an unclosed f-string
        "def f(x): pass\nclass C(B): pass\nclass D: pass\nsubtype X = 1\n",
        "y = f'{a!r:>{w}}' + f\"{x['k']}\" + f'''{x[\"a\"]}''' + f'{x:=5}' + f'{a!=b}'\n",
        "y = rf'\\{{x}}' + f'\\N{DASH}' + f'{\"#\"}' + '# not a comment {'\n",
        "x = 1 if y else'type X = int'\n# type X = int\n",
    ],
)
def test_valid_311_code_and_real_errors_are_not_newer_syntax(source: str) -> None:
    assert newer_syntax(source) == []


def test_a_312_file_is_one_warning_below_312_and_clean_from_312() -> None:
    analysis = analyze(PY312)
    if RUNNING >= (3, 12):
        assert analysis.problems == ()
        return
    (problem,) = analysis.problems
    assert problem.code == Code.UNSUPPORTED_SYNTAX and problem.severity == Severity.WARNING
    assert problem.line == 1 and PY312[problem.start :].startswith("type Vector")
    assert "Python 3.12 syntax (a `type` statement, PEP 695)" in problem.message
    assert f"runs on Python {RUNNING[0]}.{RUNNING[1]}" in problem.message
    assert not problem.is_syntax and not analysis.static_checked


def test_a_313_file_is_one_warning_below_313() -> None:
    analysis = analyze(PY313)
    if RUNNING >= (3, 13):
        assert analysis.problems == ()
        return
    (problem,) = analysis.problems
    assert problem.severity == Severity.WARNING and "Python 3.13 syntax" in problem.message


@pytest.mark.skipif(RUNNING >= (3, 12), reason="3.12 parses the `type` statement")
def test_a_target_without_the_syntax_makes_it_an_error_even_when_it_does_not_parse() -> None:
    (problem,) = analyze(PY312, AnalysisOptions(target_version=(3, 11))).problems
    assert problem.severity == Severity.ERROR
    assert problem.message == (
        "the `type` statement (PEP 695) needs Python 3.12; this project targets 3.11"
    )


@pytest.mark.skipif(RUNNING <= (3, 11), reason="needs an interpreter newer than the target")
def test_syntax_newer_than_the_target_is_an_error_and_static_checks_still_run() -> None:
    source = "import os\n" + PY312 + "print(undefined)\n"
    analysis = analyze(source, AnalysisOptions(target_version=(3, 11)))
    assert analysis.parses
    codes = [(p.code, p.severity) for p in analysis.problems]
    assert codes == [
        (Code.UNUSED_IMPORT, Severity.WARNING),
        (Code.UNSUPPORTED_SYNTAX, Severity.ERROR),
        (Code.UNDEFINED_NAME, Severity.ERROR),
    ]
    assert analysis.problems[1].message == (
        "the `type` statement (PEP 695) needs Python 3.12; this project targets 3.11"
    )
    # A target that has the syntax: nothing to say.
    assert analyze(PY312, AnalysisOptions(target_version=(3, 12))).problems == ()


def test_the_pipeline_offers_no_fix_for_newer_syntax() -> None:
    plan = asyncio.run(FixPipeline().plan(analyze(PY312), budget_s=2.0))
    assert plan.fixes == {} and plan.applied == [] and plan.fixed_source is None


def test_fix_write_leaves_a_newer_file_byte_identical_and_exits_0(tmp_path: Path) -> None:
    for name, source in (("vector.py", PY312), ("box.py", PY313)):
        path = tmp_path / name
        path.write_bytes(source.encode())
        assert main(["fix", "--write", "--offline", str(path)]) == 0
        assert path.read_bytes() == source.encode()


def test_a_real_error_before_newer_syntax_is_fixed_and_the_newer_syntax_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mixed.py"
    path.write_text("def f(x)\n    return x\n\n\ntype V = int\n")
    assert main(["fix", "--write", "--offline", str(path)]) == 0
    assert path.read_text() == "def f(x):\n    return x\n\n\ntype V = int\n"


def test_a_scan_from_a_statement_start_finds_what_the_whole_scan_finds_after_it() -> None:
    source = (
        'x = f"{a!r}" + "type X = 1"\n'
        "type Alias = list[int]\n"
        "def first[T](a: T) -> T:\n    return a\n"
        "s = '''\ntype Inside = int\n'''\n"
        "class Box[T]:\n    pass\n"
        "type Last[T = int] = T\n"
    )
    whole = newer_syntax(source)
    assert len(whole) >= 4
    starts = [
        i + 1 for i, char in enumerate(source) if char == "\n" and source[i + 1 : i + 2] != " "
    ]
    for start in [0, *starts]:
        if source.count("'''", 0, start) % 2:
            continue  # inside the string: not a statement start
        assert newer_syntax(source, start=start) == [c for c in whole if c.start >= start], start


def test_the_scan_after_an_edit_stops_where_the_good_texts_statements_resume() -> None:
    """The text after the edited statements was a good text's: the scan stops there and finds
    what the scan to the end finds (for a 3.11 interpreter, so on every version)."""
    old = (3, 11)
    source = "def first[T](a: T) -> T:\n    return [a\n\nx = 1\nclass Box:\n    pass\n"
    end = source.index("x = 1")
    assert unsupported_in_edit(source, 0, end, old) == unsupported(source, old, start=0)
    assert [c.feature for c in unsupported_in_edit(source, 0, end, old) or []] == [
        "a generic function"
    ]


def test_a_string_the_edit_opened_past_the_cut_makes_the_scan_go_to_the_end() -> None:
    """Read from inside a string, the rest of the text is not what it was in the good text
    (here a string's text becomes code with newer syntax): no shortcut."""
    old = (3, 11)
    source = "a = '''1\n\nb = 2\n'''\ndef f[T](): pass\n"
    end = source.index("b = 2")
    assert unsupported_in_edit(source, 0, end, old) is None
    assert [c.feature for c in unsupported(source, old)] == ["a generic function"]
