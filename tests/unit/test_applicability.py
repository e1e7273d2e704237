"""Safe and unsafe fixes: only safe ones are preferred and applied unasked."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from debugllm.analysis.analyzer import AnalysisOptions
from debugllm.applicability import KIND_APPLICABILITY, applicability_of
from debugllm.candidates import Candidate
from debugllm.cli import main
from debugllm.pipeline import FixPipeline, FixPlan
from debugllm.problems import Code, Problem
from debugllm.repair.catalog import CATALOG
from debugllm.text import Edit

#: Compiles and is correct: `helper` is re-exported, `lenght` is a name defined at run time.
CORRECT = (
    "import os\n"
    "from pkg import helper\n\n"
    "globals()['lenght'] = len\n\n"
    "def f(xs):\n"
    "    return lenght(xs)\n"
)


def plan_of(source: str, unsafe: bool = False, filename: str = "m.py") -> FixPlan:
    pipeline = FixPipeline(unsafe_fixes=unsafe)
    return asyncio.run(pipeline.plan(pipeline.analyze(source, filename), 2.0))


def test_every_fix_kind_is_in_the_table() -> None:
    assert set(CATALOG) == set(KIND_APPLICABILITY)


def test_a_guess_or_a_behaviour_change_makes_any_kind_unsafe() -> None:
    assert applicability_of("missing-colon", guess=False, changes_behaviour=False) == "safe"
    assert applicability_of("missing-colon", guess=True, changes_behaviour=False) == "unsafe"
    assert applicability_of("missing-colon", guess=False, changes_behaviour=True) == "unsafe"
    assert applicability_of("no-such-kind", guess=False, changes_behaviour=False) == "unsafe"


def test_a_model_answer_is_unsafe_whatever_its_kind() -> None:
    problem = Problem(Code.SYNTAX_ERROR, "expected ':'", 0, 1)
    candidate = Candidate(problem, "missing-colon", "t", "e", (Edit(0, 0, ":"),), origin="model")
    assert candidate.applicability == "unsafe" and not candidate.safe


def test_removing_an_unused_import_is_offered_never_preferred_nor_applied() -> None:
    plan = plan_of("import os\n\nprint(1)\n")
    ((problem, ranked),) = plan.fixes.items()
    assert problem.code == Code.UNUSED_IMPORT
    assert ranked[0].candidate.applicability == "unsafe" and not ranked[0].preferred
    assert plan.applied == [] and plan.fixed_source is None


def test_a_rename_is_offered_never_preferred_nor_applied() -> None:
    plan = plan_of("def f(xs):\n    return lenght(xs)\n")
    ((_, ranked),) = plan.fixes.items()
    assert ranked[0].candidate.kind == "name-typo" and not ranked[0].preferred
    assert plan.fixed_source is None


def test_unsafe_fixes_are_applied_when_the_user_opts_in() -> None:
    plan = plan_of("def f(xs):\n    return lenght(xs)\n", unsafe=True)
    assert plan.fixed_source == "def f(xs):\n    return len(xs)\n"
    assert not plan.applied[0].preferred  # still not the editor's preferred fix


def test_an_import_of_a_module_used_only_as_that_module_is_safe() -> None:
    plan = plan_of("def f():\n    return os.getcwd()\n")
    assert plan.fixed_source == "import os\ndef f():\n    return os.getcwd()\n"
    assert plan.applied[0].preferred and plan.applied[0].candidate.safe


def test_an_import_of_a_member_is_a_guess() -> None:
    plan = plan_of("def f(x):\n    return sqrt(x)\n")
    ((_, ranked),) = plan.fixes.items()
    assert [f.candidate.kind for f in ranked][:1] == ["missing-import"]
    assert not ranked[0].candidate.safe and plan.fixed_source is None


def test_a_safe_syntax_fix_is_applied_and_the_unsafe_rename_after_it_is_pending() -> None:
    plan = plan_of("def f(xs)\n    return lenght(xs)\n")
    assert plan.fixed_source == "def f(xs):\n    return lenght(xs)\n"
    (pending,) = plan.pending
    assert pending.candidate.kind == "name-typo" and not pending.preferred


#: Three independent errors; the first has no safe fix (a comma or an operator between the
#: string and the name?), the two later ones do (a lost colon each).
THREE_ERRORS = (
    "name = input()\nprint('Hi 'name)\nif name == 'a'\n    print('a')\nwhile name\n    break\n"
)


def _patient_plan(source: str, unsafe: bool = False) -> FixPlan:
    """A plan whose listing of every syntax error has time enough on a loaded machine."""
    pipeline = FixPipeline(options=AnalysisOptions(syntax_budget_s=5.0), unsafe_fixes=unsafe)
    return asyncio.run(pipeline.plan(pipeline.analyze(source, "m.py"), 5.0))


def test_the_chain_goes_past_an_error_without_a_safe_fix_to_the_later_ones() -> None:
    plan = _patient_plan(THREE_ERRORS)
    first, second, third = plan.analysis.syntax_errors
    assert not plan.fixes[first][0].candidate.safe
    for problem, fixed_line in ((second, "if name == 'a':"), (third, "while name:")):
        (fix,) = plan.fixes[problem]  # mapped back and verified on the original on its own
        assert fix.candidate.kind == "missing-colon" and fix.preferred
        assert fixed_line in fix.fixed_source.splitlines()
        assert "print('Hi 'name)" in fix.fixed_source.splitlines()  # error 1 untouched
    # Fix-all applies the two safe fixes, never the review fix: error 1 stays for the user.
    assert [f.candidate.kind for f in plan.applied] == ["missing-colon", "missing-colon"]
    assert plan.fixed_source == THREE_ERRORS.replace("'a'\n", "'a':\n").replace(
        "while name\n", "while name:\n"
    )
    (left,) = plan.remaining
    assert left.line == 2 and left.is_syntax


def test_a_single_later_safe_fix_is_applied_behind_an_unfixable_first_error() -> None:
    source = "x = input()\nprint('a 'x)\nif x\n    pass\n"
    plan = _patient_plan(source)
    assert [f.candidate.kind for f in plan.applied] == ["missing-colon"]
    assert plan.fixed_source == source.replace("if x\n", "if x:\n")


def test_past_a_stop_after_applied_fixes_the_later_safe_fixes_are_applied_too() -> None:
    # Error 1 has a safe fix, error 2 only a review fix, error 3 a safe fix again: fix-all
    # applies 1 and 3, and error 2 keeps its review fix on its own diagnostic.
    source = "x = input()\nif x\n    pass\nprint('a 'x)\nwhile x\n    break\n"
    plan = _patient_plan(source)
    assert [f.candidate.kind for f in plan.applied] == ["missing-colon", "missing-colon"]
    assert plan.fixed_source == source.replace("if x\n", "if x:\n").replace(
        "while x\n", "while x:\n"
    )
    (left,) = plan.remaining
    assert left.line == 4 and left.is_syntax
    stop = next(p for p in plan.analysis.syntax_errors if p.line == 4)
    review = plan.fixes[stop][0]
    assert not review.candidate.safe and not review.preferred
    assert "if x\n" in review.fixed_source  # offered on the original, on its own
    assert all(f.candidate.target.line != 4 for f in plan.pending)  # not offered twice


def test_a_guess_past_the_first_error_is_no_evidence_for_the_later_fixes() -> None:
    # A mangled theta twice: dropping the cedilla leaves the name `\u00ce`, a guess. Once the
    # scratch text held that guess on line 2, line 3's same removal looked evident (the name
    # was "used" elsewhere) and fix-all applied it.
    source = 'v = input()\nk = v.find("n", \u00ce\u00b8)\nm = v.find("b", \u00ce\u00b8)\n'
    plan = _patient_plan(source)
    assert plan.applied == []
    for fixes in plan.fixes.values():
        assert not any(f.candidate.safe for f in fixes)


def test_a_later_fix_is_judged_on_the_original_not_on_the_blanked_scratch_text() -> None:
    # `total price = a + b` has no safe fix (joining the words is a guess), so the scratch
    # text past it blanked that line; there `print(total price)` looked like words used
    # nowhere else, i.e. text to quote, and fix-all quoted it. In the file, they are a name.
    source = "a = 1\nb = 2\ntotal price = a + b\nprint(total price)\n"
    plan = _patient_plan(source)
    assert plan.applied == []
    assert plan.fixed_source is None or "print(total price)" in plan.fixed_source
    for fixes in plan.fixes.values():
        assert not any(f.candidate.safe or f.preferred for f in fixes)
    # The safe later fix of the test above is still applied: the engine offers it as safe on
    # the original too.
    source = "x = input()\nprint('a 'x)\nif x\n    pass\n"
    assert [f.candidate.kind for f in _patient_plan(source).applied] == ["missing-colon"]


def test_with_unsafe_fixes_the_chain_applies_the_review_fix_and_goes_on() -> None:
    plan = _patient_plan(THREE_ERRORS, unsafe=True)
    assert [f.candidate.kind for f in plan.applied] == [
        "missing-comma",
        "missing-colon",
        "missing-colon",
    ]
    assert plan.fixed_source is not None
    compile(plan.fixed_source, "m.py", "exec")


@pytest.mark.parametrize("flag", [[], ["--unsafe-fixes"]])
def test_write_leaves_correct_code_alone_unless_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: list[str]
) -> None:
    path = tmp_path / "m.py"
    path.write_text(CORRECT)
    main(["fix", "--offline", "--write", "--json", *flag, str(path)])
    record = json.loads(capsys.readouterr().out)
    if not flag:
        assert path.read_text() == CORRECT
        assert record["fixes"] and all(not f["applied"] for f in record["fixes"])
        assert {f["applicability"] for f in record["fixes"]} == {"unsafe"}
    else:
        assert path.read_text() != CORRECT  # the user asked for it


def test_a_rename_is_offered_on_every_error_it_fixes() -> None:
    # `class` used as a name on two lines: each line has its own error, and the one rename
    # (a guess: the user may prefer another name) fixes both. The second line used to say
    # "no verified fix".
    source = "def f(x)\n    return x\n\nclass = 3\nprint(class + 1)\n"
    plan = _patient_plan(source)
    on_line = {p.line: plan.fixes.get(p) for p in plan.analysis.syntax_errors}
    assert set(on_line) == {1, 4, 5}
    first, second = on_line[4], on_line[5]
    assert first and second
    assert second[0].candidate.edits == first[0].candidate.edits
    assert not second[0].candidate.safe and not second[0].preferred
    assert second[0].candidate.target.line == 5
    assert "class_ + 1" in second[0].fixed_source and "def f(x)\n" in second[0].fixed_source
    # Not applied by fix-all: only the colon is.
    assert [f.candidate.kind for f in plan.applied] == ["missing-colon"]


def test_the_cli_names_a_shared_fix_instead_of_showing_its_diff_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "j.py"
    path.write_text("def f(x)\n    return x\n\nclass = 3\nprint(class + 1)\n")
    main(["fix", "--offline", "--no-cache", str(path)])
    out = capsys.readouterr().out
    assert out.count("+print(class_ + 1)") == 1
    assert "(the same edit as the fix shown for line 4)" in out
    assert "no verified fix" not in out
