"""The checks that keep repairs from compiling into code nobody writes."""

import ast

import pytest
from debugllm.repair.oddity import FAILS_AT_RUN_TIME, ODD, FileNames, oddity

FILE = """\
import math
from os import path as p

def total(xs, *rest, start=0):
    acc = 0
    for i, x in enumerate(xs):
        acc += x
    return acc

def helper(n):
    return n
"""


def _penalty(line: str, source: str = FILE) -> float:
    tree = ast.parse(line)
    return oddity(tree, 1, 1, FileNames(source))


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # Builtins called in ways that raise: argument counts, numbers, bools, generators.
        ("y = len(xs, acc)", FAILS_AT_RUN_TIME),
        ("y = len(xs // 2)", FAILS_AT_RUN_TIME),
        ("y = len(xs - len(rest) + 1)", FAILS_AT_RUN_TIME),
        ("y = set(xs and rest)", FAILS_AT_RUN_TIME),
        ("y = len(x for x in xs)", FAILS_AT_RUN_TIME),
        ("y = list(filter(lambda x: x) > 0, xs)", FAILS_AT_RUN_TIME),
        ("y = bin([1, 2])", FAILS_AT_RUN_TIME),
        ("y = xs.append(1) / 2", FAILS_AT_RUN_TIME),
        # Code nobody writes.
        ("y = [(x for x in xs)]", ODD),
        ("y = [x for x in xs if [x > 0]]", ODD),
        ("y = [1](2)", ODD),
        ("y = acc()", ODD),  # `acc` is a number here, never called
        ("y = absx(-1)", ODD),  # nowhere else in the file, no builtin
        ("y = [c for c in xs if c.isupper]", ODD),  # a bound method is always true
        ("y = [c for c in xs if c.isupper()]", 0.0),
        ("y = xs[1:, acc]", ODD),  # several slices at once: arrays only
        ("y = xs[0:2 == acc]", ODD),  # a comparison as a slice bound
        ("y = 0 + xs[1]", ODD),
        ("y = [0 * len(xs)]", ODD),
        ("y = xs[acc:+xs[0:acc]]", ODD),  # a unary plus on a list
        ("y = sum(x for x in xs / len(xs))", FAILS_AT_RUN_TIME),
        ("y = math.ceil(x / 2 for x in xs)", FAILS_AT_RUN_TIME),
        ("y = ord(x + 5 - ord('a'))", FAILS_AT_RUN_TIME),
        ("y = bin(x[2:] + 'db')", FAILS_AT_RUN_TIME),
        ("y = sum(xs)(acc)", FAILS_AT_RUN_TIME),  # a number called
        ("acc", ODD),  # a statement that only names a variable does nothing
        # Ordinary code.
        ("y = xs[1:] + [acc]", 0.0),
        ("y = xs[acc, 1]", 0.0),
        ("y = -xs[0] + 1", 0.0),
        ("y = math.ceil(acc / 2) + ord(x) + 5", 0.0),
        ("y = float('1' + x)", 0.0),
        ("y = len(xs) - 1", 0.0),
        ("y = len(xs + rest)", 0.0),
        ("y = len(set(xs) - set(rest))", 0.0),
        ("y = [0] * len(xs)", 0.0),
        ("y = total(xs) + helper(1) + math.sqrt(2) + p.join('a')", 0.0),
        ("y = sorted(xs, key=abs)", 0.0),
        ("y = [x for x in xs if x > 0]", 0.0),
        ("y = xs.append(1)", 0.0),
    ],
)
def test_penalties(line: str, expected: float) -> None:
    assert _penalty(line) == expected


def test_a_builtin_the_file_redefines_is_its_own() -> None:
    source = FILE + "\ndef len(a, b):\n    return 2\n"
    assert _penalty("y = len(xs, acc)", source) == 0.0


def test_parameters_and_loop_variables_are_assigned_names() -> None:
    names = FileNames(FILE)
    assert names.assigns("rest") and names.assigns("start") and names.assigns("x")
    assert not names.assigns("math") and not names.assigns("len")
    assert names.defines("helper") and names.defines("p") and names.calls("enumerate")


def test_only_the_replaced_lines_are_judged() -> None:
    tree = ast.parse("a = len(xs, 1)\nb = len(xs)\n")
    assert oddity(tree, 2, 2, FileNames(FILE)) == 0.0
    assert oddity(tree, 1, 2, FileNames(FILE)) == FAILS_AT_RUN_TIME


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("class S:\n    for x in xs:\n        pass\n", ODD),  # a method body that lost its indent
        ("class S:\n    if xs:\n        pass\n", ODD),
        ("class S:\n    print(xs)\n", ODD),
        ("class S:\n    size = 1\n", 0.0),
        ("class S:\n    '''Doc.'''\n", 0.0),
        ("class S:\n    def f(self, xs):\n        for x in xs:\n            pass\n", 0.0),
    ],
)
def test_work_in_a_class_body_is_odd(source: str, expected: float) -> None:
    last = source.count("\n")
    assert oddity(ast.parse(source), 2, last, FileNames(FILE)) == expected


def test_several_slices_at_once_are_ordinary_where_an_array_library_is_used() -> None:
    source = "import numpy as np\n" + FILE
    assert _penalty("y = xs[1:, acc]", source) == 0.0
    assert _penalty("y = sum(x for x in xs / len(xs))", source) == 0.0


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    if n:\n        h = 1\n    print(h)\n", ODD),  # unbound when n is false
        ("    if n:\n        h = 1\n    else:\n        h = 2\n    print(h)\n", 0.0),
        ("    h = 0\n    if n:\n        h = 1\n    print(h)\n", 0.0),
        ("    if n:\n        n = 1\n    print(n)\n", 0.0),  # a parameter
        ("    for h in range(n):\n        pass\n    print(h)\n", 0.0),  # loops are left alone
        ("    if n:\n        h = 1\n    print([h for h in range(n)])\n", 0.0),
    ],
)
def test_a_name_only_an_earlier_if_binds_is_odd_to_read_after_it(
    body: str, expected: float
) -> None:
    source = "def f(n):\n" + body
    last = source.count("\n")
    assert oddity(ast.parse(source), last, last, FileNames(FILE)) == expected
