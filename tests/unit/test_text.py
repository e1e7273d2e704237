import asyncio

from debugllm.analysis.analyzer import AnalysisOptions
from debugllm.pipeline import FixPipeline
from debugllm.text import (
    Edit,
    LineIndex,
    apply_edits,
    changed_span,
    combined_edits,
    minimal_edits,
    utf8_col_to_char,
)
from debugllm.textdiff import fix_diff


def test_positions_count_utf16_code_units_for_astral_characters() -> None:
    source = "x = '😀'; y = z\n"
    index = LineIndex(source)
    z = source.index("z")
    assert index.position(z, "utf-16") == (0, z + 1)  # the emoji is two UTF-16 units
    assert index.position(z, "utf-32") == (0, z)
    assert index.position(z, "utf-8") == (0, z + 3)
    assert index.offset(0, z + 1, "utf-16") == z


def test_line_breaks_crlf_cr_and_lf_all_end_lines() -> None:
    index = LineIndex("a\r\nb\rc\nd")
    assert index.line_count == 4
    assert [index.line_text(i) for i in range(4)] == ["a", "b", "c", "d"]
    assert index.position(index.source.index("d")) == (3, 0)


def test_positions_past_the_line_end_clamp_to_it() -> None:
    index = LineIndex("ab\ncd\n")
    assert index.offset(0, 99) == 2
    assert index.offset(99, 0) == len("ab\ncd\n")


def test_minimal_edits_insert_a_single_character() -> None:
    old = "for x in y\n    pass\n"
    new = "for x in y:\n    pass\n"
    assert minimal_edits(old, new) == [Edit(10, 10, ":")]
    assert apply_edits(old, minimal_edits(old, new)) == new


def test_minimal_edits_round_trip_on_multi_line_changes() -> None:
    old = "a = 1\nb = 2\nc = 3\n"
    new = "a = 1\nb = 20\nd = 4\nc = 3\n"
    assert apply_edits(old, minimal_edits(old, new)) == new


def test_overlapping_edits_are_refused() -> None:
    try:
        apply_edits("abcdef", [Edit(0, 3, "x"), Edit(2, 4, "y")])
    except ValueError:
        return
    raise AssertionError("overlapping edits were applied")


def test_utf8_byte_columns_convert_to_characters() -> None:
    assert utf8_col_to_char("é = x", 3) == 2
    assert utf8_col_to_char("plain", 3) == 3


def _repeated_module(copies: int = 40) -> str:
    """One module repeated (as in a file pasted together), the last header missing its colon."""
    module = (
        "import os\n\n\n"
        "def load(path):\n"
        "    if os.path.exists(path):\n"
        "        return open(path).read()\n"
        "    return ''\n\n\n"
        "class Store:\n"
        "    def get(self, key):\n"
        "        return key\n\n\n"
    )
    source = module * copies
    last = source.rindex("def get(self, key):") + len("def get(self, key)")
    return source[:last] + source[last + 1 :]


def test_minimal_edits_come_from_the_changed_span_of_a_repeated_module() -> None:
    broken = _repeated_module()
    colon = broken.rindex("def get(self, key)") + len("def get(self, key)")
    fixed = broken[:colon] + ":" + broken[colon:]
    assert minimal_edits(broken, fixed) == [Edit(colon, colon, ":")]
    # Two changes far apart: two edits, each where it belongs.
    first = broken.index("return ''")
    both = fixed[:first] + 'return ""' + fixed[first + len("return ''") :]
    edits = minimal_edits(broken, both)
    assert apply_edits(broken, edits) == both
    quotes = first + len("return ")
    assert edits == [Edit(quotes, quotes + 2, '""'), Edit(colon, colon, ":")]


def test_changed_span_is_the_longest_common_prefix_and_suffix() -> None:
    assert changed_span("abcXdef", "abcYYdef") == (3, 4, 5)
    assert changed_span("aaa", "aaaa") == (3, 3, 4)
    assert changed_span("", "x") == (0, 0, 1)
    assert changed_span("same", "same") == (4, 4, 4)


def test_combined_edits_keep_each_fix_and_fall_back_when_they_do_not_add_up() -> None:
    old = "a = 1\n" * 100
    fixes = [(Edit(0, 0, "#"),), (Edit(594, 595, "2"),)]
    new = apply_edits(old, [e for group in fixes for e in group])
    assert combined_edits(old, fixes, new) == [Edit(0, 0, "#"), Edit(594, 595, "2")]
    other = new.replace("a = 2", "a = 3")
    assert apply_edits(old, combined_edits(old, fixes, other)) == other


def test_the_fix_of_a_repeated_module_is_one_colon_and_its_diff_one_line() -> None:
    broken = _repeated_module(copies=400)  # about 5,000 lines
    colon = broken.rindex("def get(self, key)") + len("def get(self, key)")
    pipeline = FixPipeline(options=AnalysisOptions())
    plan = asyncio.run(pipeline.plan(pipeline.analyze(broken), budget_s=30.0))
    assert [p.code for p in plan.analysis.problems] == ["syntax-error"]
    assert [fix.candidate.edits for fix in plan.applied] == [(Edit(colon, colon, ":"),)]
    assert plan.remaining == ()
    line = broken.count("\n", 0, colon) + 1
    assert fix_diff(broken, plan.fixed_source or "") == "\n".join(
        [
            f"@@ -{line - 1},3 +{line - 1},3 @@",
            " class Store:",
            "-    def get(self, key)",
            "+    def get(self, key):",
            "         return key",
        ]
    )
