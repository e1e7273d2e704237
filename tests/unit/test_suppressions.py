"""Suppression comments: every form hides exactly what it names, on the line it is on."""

from __future__ import annotations

import pytest
from debugllm.analysis.analyzer import analyze
from debugllm.analysis.suppressions import find_suppressions, without_suppressed
from debugllm.candidates import Candidate
from debugllm.problems import Code
from debugllm.text import Edit
from debugllm.verifier import Verifier

pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

#: One unused import (line 1), one `is` with a literal (line 2), one undefined name (line 3).
THREE = "import os{0}\nok = 1 is 1{1}\nprint(missing){2}\n"


def codes(source: str) -> list[tuple[str, int]]:
    return [(p.code, p.line) for p in analyze(source).problems]


def three(first: str = "", second: str = "", third: str = "") -> list[tuple[str, int]]:
    return codes(THREE.format(first, second, third))


def test_without_comments_all_three_are_reported() -> None:
    assert three() == [
        (Code.UNUSED_IMPORT, 1),
        (Code.LITERAL_IS_COMPARISON, 2),
        (Code.UNDEFINED_NAME, 3),
    ]


@pytest.mark.parametrize(
    "comment", ["  # noqa", "  #noqa", "  # NOQA", "  # debugllm: ignore", "  # why # noqa"]
)
def test_a_bare_suppression_hides_everything_on_its_line_only(comment: str) -> None:
    assert three(first=comment) == [(Code.LITERAL_IS_COMPARISON, 2), (Code.UNDEFINED_NAME, 3)]


@pytest.mark.parametrize(
    "comment", ["  # noqa: F401", "  # noqa:F401", "  # NOQA:F401", "  # noqa: E501,F401"]
)
def test_a_coded_noqa_hides_only_the_mapped_codes(comment: str) -> None:
    assert three(first=comment) == [(Code.LITERAL_IS_COMPARISON, 2), (Code.UNDEFINED_NAME, 3)]
    # The same codes on another line's problem hide nothing there.
    assert three(second=comment) == three()


def test_unknown_or_other_codes_hide_nothing() -> None:
    assert three(first="  # noqa: E501", second="  # noqa: F401") == three()


@pytest.mark.parametrize(
    ("second", "third"),
    [("  # noqa: F632", "  # noqa: F821"), ("  # debugllm: ignore[is-literal]", "  # noqa: F822")],
)
def test_each_flake8_code_maps_to_ours(second: str, third: str) -> None:
    assert three(second=second, third=third) == [(Code.UNUSED_IMPORT, 1)]


def test_own_spelling_takes_a_list_of_our_codes() -> None:
    source = "def f(x, seen=[]):  # debugllm: ignore[unused-import, mutable-default-argument]\n"
    source += "    seen.append(x)\n"
    assert codes(source) == []
    assert codes(source.replace("mutable-default-argument", "is-literal")) == [
        (Code.MUTABLE_DEFAULT, 1)
    ]


def test_mutable_default_is_b006() -> None:
    source = "def f(x, seen=[]):  # noqa: B006\n    seen.append(x)\n"
    assert codes(source) == []


def test_used_before_assignment_is_f821_and_f823() -> None:
    source = "def f():\n    print(x){}\n    x = 1\n"
    assert codes(source.format("")) == [(Code.USED_BEFORE_ASSIGNMENT, 2)]
    assert codes(source.format("  # noqa: F823")) == []
    assert codes(source.format("  # noqa: F821")) == []


@pytest.mark.parametrize("header", ["# ruff: noqa", "# flake8: noqa", "#ruff:noqa"])
def test_file_level_noqa_hides_the_whole_file(header: str) -> None:
    assert codes(f"{header}\n{THREE.format('', '', '')}") == []


def test_file_level_noqa_with_codes_hides_those_codes_everywhere() -> None:
    assert codes(f"# ruff: noqa: F401, F821\n{THREE.format('', '', '')}") == [
        (Code.LITERAL_IS_COMPARISON, 3)
    ]


def test_noqa_inside_a_string_is_not_a_comment() -> None:
    source = "import os; x = '# noqa'\n"
    assert codes(source) == [(Code.UNUSED_IMPORT, 1)]
    assert codes("import os\ns = '''\n# ruff: noqa\n'''\n") == [(Code.UNUSED_IMPORT, 1)]
    # Escaped quotes and backslashes do not end a string early.
    assert codes("import os; x = 'it\\'s \\\\ # noqa'\n") == [(Code.UNUSED_IMPORT, 1)]
    assert codes("import os; x = 'a\\\\'  # noqa\n") == []


def test_a_multi_line_string_is_suppressed_on_its_last_line() -> None:
    # The undefined name in __all__ is reported on the string's first line (line 3); its
    # comment can only go after the string ends.
    source = "def public():\n    pass\n__all__ = ['''pubilc\n''']  # noqa: F822\n"
    assert codes(source) == []
    assert codes(source.replace("  # noqa: F822", "")) == [(Code.UNDEFINED_NAME, 3)]


def test_a_backslash_continuation_is_suppressed_on_its_last_line() -> None:
    source = "import os, \\\n    sys  # noqa: F401\n"
    assert codes(source) == []


def test_a_bracketed_statement_is_matched_on_the_reported_line() -> None:
    source = "from os import (  # noqa: F401\n    path,\n    sep,\n)\n"
    assert codes(source) == [(Code.UNUSED_IMPORT, 2), (Code.UNUSED_IMPORT, 3)]
    assert codes("from os import (\n    path,  # noqa: F401\n    sep,\n)\n") == [
        (Code.UNUSED_IMPORT, 3)
    ]


def test_syntax_errors_are_e999_even_when_the_file_does_not_tokenize() -> None:
    assert codes("x = (1,\n") != []
    assert codes("x = (1,  # noqa: E999\n") == []
    assert codes("def f(:  # noqa\n    pass\n") == []
    assert codes("def f(:  # noqa: F401\n    pass\n") != []


def test_suppressions_of_a_file_without_any_are_empty() -> None:
    assert not find_suppressions("import os\n")
    assert without_suppressed("import os\n", []) == []


def test_a_fix_elsewhere_in_a_file_with_a_noqa_line_still_verifies() -> None:
    source = "import os  # noqa: F401\nimport sys\nok = 1 is 1\nprint(sys)\n"
    before = analyze(source)
    (target,) = before.problems
    assert target.code == Code.LITERAL_IS_COMPARISON
    start = source.index(" is ")
    fix = Candidate(target, "is-literal", "t", "e", (Edit(start + 1, start + 3, "=="),))
    verdict = Verifier().verify(before, fix)
    assert verdict.accepted, verdict.reason


def test_a_syntax_fix_beside_a_suppressed_syntax_error_verifies() -> None:
    source = "x = (1 2)  # noqa: E999\nfor i in range(3)\n    print(i)\n"
    before = analyze(source)
    (target,) = before.problems
    assert target.line == 2
    colon = source.index("range(3)") + len("range(3)")
    fix = Candidate(target, "syntax", "t", "e", (Edit(colon, colon, ":"),))
    verdict = Verifier().verify(before, fix)
    assert verdict.accepted, verdict.reason
