from debugllm.text import Edit, LineIndex, apply_edits, minimal_edits, utf8_col_to_char


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
