"""A model answer that guts a region is refused however it is padded; a real fix is accepted."""

from __future__ import annotations

import re

import pytest
from debugllm.remote.answer import AnswerError, dropped_code, map_answer
from debugllm.text import apply_edits

REGION = '''class Stats:
    """Running statistics."""

    def __init__(self):
        self.count = 0
        self.total = 0.0
        self.items = []

    def add(self, value):
        if value is None:
            return
        self.count += 1
        self.total += value
        self.items.append(value)

    def mean(self):
        if not self.count:
            return 0.0
        # The average so far.
        result = self.total / self.count
        return result


def summary(stats):
    parts = []
    for item in stats.items:
        parts.append(str(item))
    text = ", ".join(parts)
    return f"{stats.count} items: {text}"
'''

_BODY_LINE = re.compile(r"^( +)(?!def |class |\"\"\")\S.*$")


def gutted(region: str, filler: str) -> str:
    """Every def/class line kept, every body replaced by ``filler``, blank lines for the rest.

    The line count stays the same: a check on line counts sees nothing wrong.
    """
    lines = region.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        match = _BODY_LINE.match(line)
        previous = lines[i - 1].lstrip() if i else ""
        if match and previous.startswith(("def ", "class ")):
            out.append(f"{match.group(1)}{filler}")
        elif match:
            out.append("")
        else:
            out.append(line)
    return "\n".join(out)


def answer(region: str, code: str) -> str:
    mapped = map_answer(region, 0, len(region), code)
    return apply_edits(region, mapped.edits)


@pytest.mark.parametrize("filler", ["pass", "...", "return None"])
def test_bodies_replaced_and_padded_with_blank_lines_are_refused(filler: str) -> None:
    code = gutted(REGION, filler)
    assert len(code.splitlines()) == len(REGION.splitlines())  # what the old check compared
    assert code.count("def ") == REGION.count("def ")
    compile(code, "gutted.py", "exec")
    with pytest.raises(AnswerError, match=r"drops code \(`Stats\.__init__` loses 2 of its 3"):
        map_answer(REGION, 0, len(REGION), code)


def test_one_gutted_function_among_intact_ones_is_refused() -> None:
    code = REGION.replace(
        "    parts = []\n    for item in stats.items:\n        parts.append(str(item))\n"
        '    text = ", ".join(parts)\n    return f"{stats.count} items: {text}"\n',
        "    pass\n\n\n\n\n",
    )
    with pytest.raises(AnswerError, match=r"`summary` loses 4 of its 5 statements"):
        map_answer(REGION, 0, len(REGION), code)


def test_small_losses_spread_over_definitions_add_up() -> None:
    code = (
        REGION.replace("        self.items = []\n", "\n")
        .replace("        self.items.append(value)\n", "\n")
        .replace("        result = self.total / self.count\n        return result\n", "\n\n")
        .replace('    text = ", ".join(parts)\n', "\n")
    )
    with pytest.raises(AnswerError, match=r"drops code \(5 statements lost\)"):
        map_answer(REGION, 0, len(REGION), code)


def test_a_definition_that_disappears_is_refused_even_nested() -> None:
    code = REGION.replace("    def mean(self):", "    def average(self):")
    with pytest.raises(AnswerError, match=r"drops code \(`Stats\.mean`\)"):
        map_answer(REGION, 0, len(REGION), code)


MEAN_TAIL = "        result = self.total / self.count\n        return result\n"
LOOP = "    parts = []\n    for item in stats.items:\n        parts.append(str(item))\n"

ACCEPTED = {
    "a one-line fix": (REGION.replace("+= value", "-= value"), REGION),
    # A deleted `return` put back: the model is trained on this bug.
    "a statement added": (REGION.replace("        return result\n", ""), REGION),
    "a statement removed": (
        REGION,
        REGION.replace(MEAN_TAIL, "        return self.total / self.count\n"),
    ),
    # A loop made a comprehension: 2 statements fewer, within the allowance.
    "a loop made a comprehension": (
        REGION,
        REGION.replace(LOOP, "    parts = [str(item) for item in stats.items]\n"),
    ),
}


@pytest.mark.parametrize("case", ACCEPTED)
def test_real_fixes_are_accepted(case: str) -> None:
    region, code = ACCEPTED[case]
    assert region != code
    assert dropped_code(region, code) is None
    assert answer(region, code) == code


def test_a_region_that_does_not_parse_is_judged_by_its_logical_lines() -> None:
    broken = REGION.replace("def summary(stats):", "def summary(stats)")
    fixed = REGION
    assert answer(broken, fixed) == fixed
    gutted_fix = gutted(REGION, "pass")
    with pytest.raises(AnswerError, match=r"drops code \(`Stats\.__init__` loses 2 of its 3 lines"):
        map_answer(broken, 0, len(broken), gutted_fix)


def test_an_unclosed_bracket_falls_back_to_lines_and_still_catches_gutting() -> None:
    broken = REGION.replace("self.items.append(value)", "self.items.append(value")
    assert answer(broken, REGION) == REGION
    with pytest.raises(AnswerError, match="drops code"):
        map_answer(broken, 0, len(broken), gutted(REGION, "..."))
    # A logical line swallowing the rest of the region would hide this: lines are counted.
    with pytest.raises(AnswerError, match=r"`summary` loses 4 of its 5 lines"):
        map_answer(
            broken,
            0,
            len(broken),
            REGION.split("def summary")[0]
            + gutted("def summary" + REGION.split("def summary")[1], "pass"),
        )
