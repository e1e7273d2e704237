"""Repairs for the static checks: exact fixed text, minimal edits, ranking and explanations."""

from __future__ import annotations

import ast

import pytest
from debugllm.analysis.static import analyze_static
from debugllm.candidates import Candidate
from debugllm.problems import Code, Problem
from debugllm.repair.semantic import repair_static


def problem_in(source: str, code: str, subject: str | None = None) -> Problem:
    return next(
        p
        for p in analyze_static(source, ast.parse(source))
        if p.code == code and (subject is None or p.subject == subject)
    )


def fixes(source: str, code: str, subject: str | None = None) -> list[Candidate]:
    return repair_static(source, problem_in(source, code, subject), ast.parse(source))


def best(source: str, code: str, subject: str | None = None) -> str:
    return fixes(source, code, subject)[0].apply(source)


# -- undefined names -----------------------------------------------------------------------------


def test_python2_builtins_get_their_python3_names_everywhere_safely() -> None:
    source = 'name = raw_input("Name? ")\nfor i in xrange(3):\n    print(raw_input(name))\n'
    (fix,) = fixes(source, Code.UNDEFINED_NAME, "raw_input")
    assert fix.kind == "python2-builtin" and fix.safe
    assert fix.apply(source) == source.replace("raw_input", "input")
    assert "Python 3 calls it `input`" in fix.explanation
    (fix,) = fixes(source, Code.UNDEFINED_NAME, "xrange")
    assert fix.apply(source) == source.replace("xrange", "range")


@pytest.mark.parametrize(
    "source",
    [
        "input = 3\nx = raw_input()\n",  # the Python 3 name is the file's own
        "f = raw_input\nx = f()\n",  # passed around, not called: maybe the author's design
        "def f():\n    global input\n    input = 1\n\n\ny = raw_input()\n",  # bound by f
    ],
)
def test_python2_builtins_are_not_renamed_where_another_program_fits(source: str) -> None:
    assert all(f.kind != "python2-builtin" for f in fixes(source, Code.UNDEFINED_NAME))


def test_typo_is_renamed_to_the_closest_defined_name() -> None:
    source = "def average(values):\n    length = len(values)\n    return sum(values) / lenght\n"
    (fix,) = fixes(source, Code.UNDEFINED_NAME)
    assert fix.kind == "name-typo"
    assert fix.title == "Rename 'lenght' to 'length'"
    assert fix.origin == "embedded"
    assert not fix.changes_behaviour
    assert fix.apply(source) == source.replace("/ lenght", "/ length")
    assert len(fix.edits) == 1 and fix.edits[0].new_text == "length"
    assert fix.explanation == (
        "On line 3, `lenght` is not defined; it looks like a typo of `length`,"
        " which is defined on line 2."
    )


def test_typo_of_a_builtin_and_a_case_slip() -> None:
    source = "values = [3, 1]\nprint(sortd(values))\n"
    (fix,) = fixes(source, Code.UNDEFINED_NAME)
    assert fix.apply(source) == "values = [3, 1]\nprint(sorted(values))\n"
    assert "built-in" in fix.explanation
    assert best("done = true\n", Code.UNDEFINED_NAME) == "done = True\n"


def test_a_known_name_with_stray_letters_is_suggested_unless_something_closer_exists() -> None:
    source = "def average(numbers):\n    return sum(numbers) / lenght(numbers)\n"
    assert best(source, Code.UNDEFINED_NAME) == source.replace("lenght", "len")
    source = "length = 3\nprint(lenght)\n"
    assert [f.title for f in fixes(source, Code.UNDEFINED_NAME)] == ["Rename 'lenght' to 'length'"]


def test_typo_after_non_ascii_text_edits_the_right_characters() -> None:
    source = "total = 0\nprint('😀 é', totl)\n"
    assert best(source, Code.UNDEFINED_NAME) == "total = 0\nprint('😀 é', total)\n"


def test_two_equally_close_names_get_no_rename_and_later_names_are_skipped() -> None:
    source = "counter = 1\n\n\ndef f():\n    countr = 2\n    return countre\n"
    assert fixes(source, Code.UNDEFINED_NAME) == []
    # One close name in the nearest scope and one only in an outer one: still a tie.
    source = "counter = 1\n\n\ndef f():\n    return countre\n"
    assert [f.title for f in fixes(source, Code.UNDEFINED_NAME)] == [
        "Rename 'countre' to 'counter'"
    ]
    # `results` is only assigned after the use: renaming to it would not help.
    later = "print(reslts)\nresults = [1]\n"
    assert fixes(later, Code.UNDEFINED_NAME) == []


def test_no_fix_for_a_name_like_nothing_known() -> None:
    assert fixes("print(zqxj)\n", Code.UNDEFINED_NAME) == []


def renames(source: str) -> list[str]:
    return [f.title for f in fixes(source, Code.UNDEFINED_NAME) if f.kind == "name-typo"]


def test_a_called_class_name_stays_a_class() -> None:
    # `Codec()` was once rewritten to `codecs()`: a class call into a module.
    assert renames("import codecs\nc = Codec()\n") == []
    assert renames("def codecs():\n    pass\n\n\nc = Codecs()\n") == []
    assert renames("class Codec:\n    pass\n\n\nc = Codex()\n") == ["Rename 'Codex' to 'Codec'"]


def test_a_case_only_difference_counts() -> None:
    assert renames("class Codec:\n    pass\n\n\nc = codec()\n") == ["Rename 'codec' to 'Codec'"]


def test_a_different_first_letter_is_another_word() -> None:
    # gettext's pgettext is not a typo of gettext (the old fix rewrote one into the other).
    assert renames("from gettext import gettext\nprint(pgettext('ctx', 'msg'))\n") == []
    assert renames("print(xrange(3))\n") == []


def test_short_names_get_no_rename() -> None:
    assert renames("abc = 1\nprint(abd)\n") == []


def test_a_call_maps_to_something_callable() -> None:
    # `totals` is a list, so `total(...)` is not a slip of it.
    assert renames("totals = [1, 2]\nprint(total(3))\n") == []
    assert renames("def totals(x):\n    return x\n\n\nprint(total(3))\n") == [
        "Rename 'total' to 'totals'"
    ]


def test_attribute_reads_must_exist_on_a_builtin_or_a_literal() -> None:
    assert renames("items = [1]\nitems.append(2)\nitem.append(3)\n") == ["Rename 'item' to 'items'"]
    assert renames("items = [1]\nitem.lower()\n") == []
    # A method's `slef.x` still maps to the parameter `self`.
    source = "class C:\n    def f(self):\n        return slef.x\n"
    assert renames(source) == ["Rename 'slef' to 'self'"]


def test_missing_stdlib_module_is_imported_after_docstring_future_and_imports() -> None:
    source = (
        '"""Geometry helpers."""\nfrom __future__ import annotations\n\nimport os\n\n\n'
        "def hyp(a, b):\n    return math.sqrt(a * a + b * b), os.sep\n"
    )
    first = fixes(source, Code.UNDEFINED_NAME)[0]
    assert first.kind == "missing-import"
    assert first.title == "Add 'import math'"
    assert first.apply(source) == source.replace("import os\n", "import os\nimport math\n")


def test_missing_import_goes_after_leading_comments_when_there_are_no_imports() -> None:
    source = "#!/usr/bin/env python\n# Tool.\n\nprint(json.dumps({}))\n"
    assert best(source, Code.UNDEFINED_NAME) == (
        "#!/usr/bin/env python\n# Tool.\n\nimport json\nprint(json.dumps({}))\n"
    )


def test_known_members_extend_an_existing_from_import_or_add_one() -> None:
    source = "from collections import Counter\n\ncounts = defaultdict(int)\nprint(Counter())\n"
    assert best(source, Code.UNDEFINED_NAME) == source.replace(
        "Counter\n", "Counter, defaultdict\n", 1
    )
    source = "import sys\n\nhere = Path(sys.argv[0])\n"
    assert best(source, Code.UNDEFINED_NAME) == (
        "import sys\nfrom pathlib import Path\n\nhere = Path(sys.argv[0])\n"
    )


def test_import_placement_keeps_line_endings_and_skips_late_imports() -> None:
    source = "import os\r\nprint(os.sep, math.pi)\r\n"
    assert best(source, Code.UNDEFINED_NAME) == (
        "import os\r\nimport math\r\nprint(os.sep, math.pi)\r\n"
    )
    # A `from collections import` below other code is not where a new name belongs.
    source = "x = 1\nfrom collections import Counter\nd = defaultdict(Counter)\n"
    assert best(source, Code.UNDEFINED_NAME) == "from collections import defaultdict\n" + source


def test_datetime_class_or_module_depends_on_use() -> None:
    assert best("now = datetime.now()\n", Code.UNDEFINED_NAME) == (
        "from datetime import datetime\nnow = datetime.now()\n"
    )
    assert best("today = datetime.date.today()\n", Code.UNDEFINED_NAME) == (
        "import datetime\ntoday = datetime.date.today()\n"
    )


# -- unused imports ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "subject", "expected"),
    [
        ("import os\nimport sys\nprint(sys.argv)\n", "os", "import sys\nprint(sys.argv)\n"),
        ("import os, sys\nprint(sys.argv)\n", "os", "import sys\nprint(sys.argv)\n"),
        ("import sys, os\nprint(sys.argv)\n", "os", "import sys\nprint(sys.argv)\n"),
        (
            "from typing import Any, List, Optional\nx: Any = None\ny: Optional[int] = None\n",
            "List",
            "from typing import Any, Optional\nx: Any = None\ny: Optional[int] = None\n",
        ),
        (
            "from typing import (\n    Any,\n    List,\n)\nx: Any = 1\n",
            "List",
            "from typing import (\n    Any,\n)\nx: Any = 1\n",
        ),
        ("import os; import sys\nprint(sys)\n", "os", "import sys\nprint(sys)\n"),
        ("import sys; import os\nprint(sys)\n", "os", "import sys\nprint(sys)\n"),
        (
            "def f():\n    import json  # for later\n    return 1\n",
            "json",
            "def f():\n    return 1\n",
        ),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import os\n",
            "os",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    pass\n",
        ),
        ("s = '😀'; import json\n", "json", "s = '😀'\n"),
        ("import numpy as np\n", "np", ""),
    ],
)
def test_unused_import_is_removed(source: str, subject: str, expected: str) -> None:
    (fix,) = fixes(source, Code.UNUSED_IMPORT, subject)
    assert fix.kind == "unused-import"
    assert fix.title == f"Remove unused import '{subject}'"
    assert fix.apply(source) == expected


# -- index out of range --------------------------------------------------------------------------


def test_off_by_one_index_becomes_the_last_index() -> None:
    source = "numbers = [1, 2, 3, 4]\nprint('é', numbers[4])\n"
    (fix,) = fixes(source, Code.INDEX_OUT_OF_RANGE)
    assert fix.kind == "index-off-by-one"
    assert not fix.changes_behaviour
    assert fix.apply(source) == "numbers = [1, 2, 3, 4]\nprint('é', numbers[3])\n"
    assert fix.explanation == (
        "On line 2, `numbers[4]` asks for a position that does not exist: `numbers` has 4 items"
        " and Python counts from 0, so the last one is `numbers[3]`."
    )


def test_far_index_offers_the_last_item_as_a_behaviour_change() -> None:
    source = "word = 'abc'\nprint(word[10], word[-7])\n"
    far, negative = (p for p in analyze_static(source) if p.code == Code.INDEX_OUT_OF_RANGE)
    (fix,) = repair_static(source, far)
    assert fix.kind == "index-out-of-range" and fix.changes_behaviour
    assert fix.apply(source) == "word = 'abc'\nprint(word[-1], word[-7])\n"
    assert "only 3 characters" in fix.explanation
    (fix,) = repair_static(source, negative)
    assert fix.apply(source) == "word = 'abc'\nprint(word[10], word[-1])\n"


# -- used before assignment ----------------------------------------------------------------------


def test_unbound_global_counter_gets_a_global_declaration() -> None:
    source = 'count = 0\n\n\ndef increment():\n    """Add one."""\n    count += 1\n'
    (fix,) = fixes(source, Code.USED_BEFORE_ASSIGNMENT)
    assert fix.kind == "missing-global"
    assert not fix.changes_behaviour
    assert fix.apply(source) == (
        'count = 0\n\n\ndef increment():\n    """Add one."""\n    global count\n    count += 1\n'
    )
    assert "`global count`" in fix.explanation and "line 1" in fix.explanation


def test_enclosing_function_variable_gets_nonlocal() -> None:
    source = (
        "def outer():\n    n = 0\n    def inc():\n        n += 1\n        return n\n"
        "    return inc\n"
    )
    assert best(source, Code.USED_BEFORE_ASSIGNMENT) == source.replace(
        "        n += 1", "        nonlocal n\n        n += 1"
    )


def test_no_global_declaration_for_a_shadowed_import() -> None:
    source = "import json\n\n\ndef load(text):\n    json = json.loads(text)\n    return json\n"
    assert fixes(source, Code.USED_BEFORE_ASSIGNMENT) == []


def test_assignment_that_shadows_a_global_is_a_behaviour_change() -> None:
    source = "x = 10\n\n\ndef f():\n    print(x)\n    x = 5\n"
    (fix,) = fixes(source, Code.USED_BEFORE_ASSIGNMENT)
    assert fix.changes_behaviour


def test_misspelt_accumulator_is_renamed() -> None:
    source = (
        "def total(xs):\n    total = 0\n    for x in xs:\n        totl += x\n    return total\n"
    )
    assert best(source, Code.USED_BEFORE_ASSIGNMENT) == source.replace("totl", "total")


def test_plain_use_before_assignment_has_no_automatic_fix() -> None:
    source = "def report():\n    print(total)\n    total = 0\n"
    assert fixes(source, Code.USED_BEFORE_ASSIGNMENT) == []


# -- `is` with a literal -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("x = 1\nif x is 1:\n    pass\n", "x = 1\nif x == 1:\n    pass\n"),
        ("x = 'a'\nok = x is not 'é😀'\n", "x = 'a'\nok = x != 'é😀'\n"),
        ("x = 1\nok = (x)  is  (1, 2)\n", "x = 1\nok = (x)  ==  (1, 2)\n"),
        ("x = 1\nok = 0 < x is 1\n", "x = 1\nok = 0 < x == 1\n"),
    ],
)
def test_is_with_a_literal_becomes_equality(source: str, expected: str) -> None:
    (fix,) = fixes(source, Code.LITERAL_IS_COMPARISON)
    assert fix.kind == "is-literal"
    assert fix.apply(source) == expected
    assert len(fix.edits) == 1


# -- mutable default -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            'def add(item, items=[]):\n    """Append."""\n'
            "    items.append(item)\n    return items\n",
            'def add(item, items=None):\n    """Append."""\n    if items is None:\n'
            "        items = []\n    items.append(item)\n    return items\n",
        ),
        (
            "class Store:\n    def put(self, key, table: dict[str, int] = {}):\n"
            "        table[key] = 1\n        return table\n",
            "class Store:\n    def put(self, key, table: dict[str, int] | None = None):\n"
            "        if table is None:\n            table = {}\n        table[key] = 1\n"
            "        return table\n",
        ),
        (
            "def f(*, seen=set()): return seen\n",
            "def f(*, seen=None):\n    if seen is None:\n        seen = set()\n    return seen\n",
        ),
        (
            "def f(xs=[]):\n\treturn xs\n",
            "def f(xs=None):\n\tif xs is None:\n\t\txs = []\n\treturn xs\n",
        ),
        (
            "def f(xs=[]):\n    @decorate\n    def g():\n        return xs\n    return g\n",
            "def f(xs=None):\n    if xs is None:\n        xs = []\n    @decorate\n"
            "    def g():\n        return xs\n    return g\n",
        ),
    ],
)
def test_mutable_default_becomes_none_with_a_guard(source: str, expected: str) -> None:
    (fix,) = fixes(source, Code.MUTABLE_DEFAULT)
    assert fix.kind == "mutable-default"
    assert fix.changes_behaviour
    assert fix.apply(source) == expected


def test_mutable_default_guard_goes_after_a_docstring_only_body() -> None:
    # Not reported (nothing changes the default), but the repair still handles the shape.
    source = 'def f(xs=[]):\n    """Only a docstring."""\n'
    start = source.index("[]")
    problem = Problem(Code.MUTABLE_DEFAULT, "m", start, start + 2, subject="f.xs", line=1)
    (fix,) = repair_static(source, problem)
    expected = 'def f(xs=None):\n    """Only a docstring."""\n    if xs is None:\n        xs = []\n'
    assert fix.apply(source) == expected


# -- properties of every repair ------------------------------------------------------------------

BUGGY = [
    "import os\nimport sys\nprint(sys.argv, lenght)\n",
    "numbers = [1, 2, 3, 4]\nprint(numbers[4], numbers[9])\n",
    "x = 3\nif x is 3:\n    print(math.pi)\n",
    "count = 0\n\n\ndef inc(items=[]):\n    count += 1\n    return items\n",
]


@pytest.mark.parametrize("source", BUGGY)
def test_every_fix_parses_removes_its_problem_and_is_deterministic(source: str) -> None:
    for problem in analyze_static(source):
        candidates = repair_static(source, problem)
        assert candidates == repair_static(source, problem, ast.parse(source))
        for fix in candidates:
            fixed = fix.apply(source)
            ast.parse(fixed)
            after = [p.key() for p in analyze_static(fixed)]
            assert after.count(problem.key()) < [p.key() for p in analyze_static(source)].count(
                problem.key()
            )
            assert fix.explanation.startswith(("On line", "Line"))


def test_a_stale_problem_gets_no_fix() -> None:
    source = "def f():\n    print(total)\n    total = 1\n"
    problem = problem_in(source, Code.USED_BEFORE_ASSIGNMENT)
    assert repair_static("print(other)\n", problem) == []
