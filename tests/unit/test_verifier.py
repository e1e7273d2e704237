from debugllm.analysis.analyzer import analyze
from debugllm.candidates import Candidate
from debugllm.problems import Code
from debugllm.text import Edit
from debugllm.verifier import Verifier, map_offset_back

SOURCE = "for x in range(3)\n    print(x)\n"


def candidate_for(source: str, edits: tuple[Edit, ...], code: str | None = None) -> Candidate:
    analysis = analyze(source)
    target = next(p for p in analysis.problems if code is None or p.code == code)
    return Candidate(target, "test", "t", "e", edits)


def test_a_fix_that_removes_the_error_is_accepted() -> None:
    cand = candidate_for(SOURCE, (Edit(17, 17, ":"),))
    verdict = Verifier().verify(analyze(SOURCE), cand)
    assert verdict.accepted, verdict.reason
    assert verdict.fixed_source == "for x in range(3):\n    print(x)\n"


def test_a_fix_that_leaves_the_error_is_rejected() -> None:
    cand = candidate_for(SOURCE, (Edit(0, 0, "# "),))
    verdict = Verifier().verify(analyze(SOURCE), cand)
    assert not verdict.accepted


def test_a_no_op_is_rejected() -> None:
    cand = candidate_for(SOURCE, (Edit(3, 3, ""),))
    assert not Verifier().verify(analyze(SOURCE), cand).accepted


def test_a_fix_that_introduces_a_new_syntax_error_is_rejected() -> None:
    source = "for x in range(3)\n    print(x)\ny = 1\n"
    # Inserts the colon but breaks the last line.
    cand = candidate_for(source, (Edit(17, 17, ":"), Edit(len(source) - 1, len(source) - 1, " +")))
    verdict = Verifier().verify(analyze(source), cand)
    assert not verdict.accepted
    assert "new syntax error" in verdict.reason


def test_a_fix_for_a_parseable_file_must_remove_its_target_and_add_nothing() -> None:
    source = "import os\nimport sys\nprint(sys.argv)\n"
    before = analyze(source)
    (unused,) = [p for p in before.problems if p.code == Code.UNUSED_IMPORT]
    good = Candidate(unused, "unused-import", "t", "e", (Edit(0, 10, ""),))
    assert Verifier().verify(before, good).accepted
    # Removing `import sys` instead leaves os unused and makes sys undefined.
    bad = Candidate(unused, "unused-import", "t", "e", (Edit(10, 21, ""),))
    assert not Verifier().verify(before, bad).accepted


def test_a_static_fix_may_not_invent_undefined_names() -> None:
    source = "def f(values):\n    return lenght(values)\n"
    before = analyze(source)
    (undefined,) = before.problems
    start = source.index("lenght")
    bad = Candidate(undefined, "name-typo", "t", "e", (Edit(start, start + 6, "lenth"),))
    verdict = Verifier().verify(before, bad)
    assert not verdict.accepted
    assert "lenth" in verdict.reason


def test_overlapping_edits_are_rejected_not_raised() -> None:
    cand = candidate_for(SOURCE, (Edit(0, 5, "a"), Edit(3, 7, "b")))
    assert not Verifier().verify(analyze(SOURCE), cand).accepted


def test_offsets_map_back_through_edits() -> None:
    edits = [Edit(2, 2, "xx"), Edit(5, 6, "")]
    # "ab" + "xx" + "cde" + "" + "gh" from "abcdefgh"
    assert map_offset_back(0, edits) == 0
    assert map_offset_back(3, edits) == 2  # inside the inserted text: the insertion point
    assert map_offset_back(4, edits) == 2
    assert map_offset_back(7, edits) == 6


def test_a_syntax_fix_beside_an_existing_undefined_name_is_accepted() -> None:
    source = "x = foo(1, 2\ny = 2\n"
    cand = candidate_for(source, (Edit(12, 12, ")"),))
    verdict = Verifier().verify(analyze(source), cand)
    assert verdict.accepted, verdict.reason


def test_a_syntax_fix_that_writes_an_undefined_name_is_rejected() -> None:
    source = "fro x\n"
    # Joining the words parses, but only by inventing the undefined name 'fro_x'.
    cand = candidate_for(source, (Edit(3, 4, "_"),))
    verdict = Verifier().verify(analyze(source), cand)
    assert not verdict.accepted
