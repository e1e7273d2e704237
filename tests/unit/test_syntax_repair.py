"""Repairing syntax errors: each class of mistake gets the fix its author meant, or none."""

from __future__ import annotations

import ast
import re
import time

import pytest
from debugllm.analysis.syntax import first_syntax_error
from debugllm.analysis.syntax_errors import find_syntax_errors
from debugllm.candidates import Candidate
from debugllm.problems import Problem
from debugllm.repair.syntax import repair_syntax


def _repairs(source: str, **kwargs: float) -> tuple[Problem, list[Candidate]]:
    problem = first_syntax_error(source)
    assert problem is not None, "the snippet must have a syntax error"
    return problem, repair_syntax(source, problem, **kwargs)  # type: ignore[arg-type]


def _same_program(a: str, b: str) -> bool:
    return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))


# (kind of the top candidate, buggy source, intended source)
CASES = [
    (
        "missing-colon",
        "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n",
        "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n",
    ),
    ("missing-colon", "if x > 1  # big\n    x -= 1\n", "if x > 1:  # big\n    x -= 1\n"),
    ("missing-colon", "class Point\n    x = 0\n", "class Point:\n    x = 0\n"),
    ("missing-colon", "if a:\n    b()\nelse\n    c()\n", "if a:\n    b()\nelse:\n    c()\n"),
    ("unclosed-bracket", "x = foo(1, 2\ny = 3\n", "x = foo(1, 2)\ny = 3\n"),
    ("unclosed-bracket", "print(len(items)\n", "print(len(items))\n"),
    ("unclosed-bracket", "for i in range(n:\n    pass\n", "for i in range(n):\n    pass\n"),
    ("unclosed-bracket", "def f(a, b:\n    return a\n", "def f(a, b):\n    return a\n"),
    ("unclosed-bracket", "if len(word == 1:\n    pass\n", "if len(word) == 1:\n    pass\n"),
    ("unclosed-bracket", "x = [(1, 2]\n", "x = [(1, 2)]\n"),
    (
        "unclosed-bracket",
        "x = call(\n    1,\n    2\ny = 3\n",
        "x = call(\n    1,\n    2)\ny = 3\n",
    ),
    ("unmatched-bracket", "x = foo(1, 2))\n", "x = foo(1, 2)\n"),
    ("unmatched-bracket", "m = max(len(x)) for x in xs)\n", "m = max(len(x) for x in xs)\n"),
    ("mismatched-bracket", "x = [1, 2)\n", "x = [1, 2]\n"),
    ("unterminated-string", 'name = "Ada\nprint(name)\n', 'name = "Ada"\nprint(name)\n'),
    ("unterminated-string", "w = s.split(' )\n", "w = s.split(' ')\n"),
    ("unterminated-string", "s = '.join(parts)\n", "s = ''.join(parts)\n"),
    (
        "unterminated-string",
        'v = ["a", "e, "i", "o"]\n',
        'v = ["a", "e", "i", "o"]\n',
    ),
    ("stray-quote", "def f(res):\n    return 'res\n", "def f(res):\n    return res\n"),
    (
        "unterminated-triple-string",
        'def f():\n    """Add one.\n\n    More words.\n    return 1\n',
        'def f():\n    """Add one.\n\n    More words.\n    """\n    return 1\n',
    ),
    ("missing-indent", "for i in x:\nprint(i)\n", "for i in x:\n    print(i)\n"),
    (
        "missing-indent",
        "def f(n):\n    if n:\n    n -= 1\n        print(n)\n",
        "def f(n):\n    if n:\n        n -= 1\n        print(n)\n",
    ),
    (
        "missing-indent",
        "class A:\ndef f(self):\n    pass\ndef g(self):\n    pass\n",
        "class A:\n    def f(self):\n        pass\n    def g(self):\n        pass\n",
    ),
    ("unexpected-indent", "x = 1\n    y = 2\nz = 3\n", "x = 1\ny = 2\nz = 3\n"),
    (
        "inconsistent-dedent",
        "def f():\n    while x:\n        a = 1\n      b = 2\n    return a\n",
        "def f():\n    while x:\n        a = 1\n        b = 2\n    return a\n",
    ),
    (
        "outside-block",
        "def f(x):\n    y = x * 2\nreturn y\n",
        "def f(x):\n    y = x * 2\n    return y\n",
    ),
    ("tab-indent", "if x:\n    a = 1\n\tb = 2\n", "if x:\n    a = 1\n    b = 2\n"),
    ("assign-in-condition", "if x = 1:\n    pass\n", "if x == 1:\n    pass\n"),
    ("assign-in-condition", "while a[0] = 1:\n    pass\n", "while a[0] == 1:\n    pass\n"),
    ("assign-in-condition", "if a and b = 2:\n    pass\n", "if a and b == 2:\n    pass\n"),
    ("missing-comma", "x = [1 2]\n", "x = [1, 2]\n"),
    ("missing-comma", "f(a b)\n", "f(a, b)\n"),
    ("missing-comma", "from typing import List Tuple\n", "from typing import List, Tuple\n"),
    (
        "missing-comma",
        "for i x in enumerate(y):\n    pass\n",
        "for i, x in enumerate(y):\n    pass\n",
    ),
    ("missing-dict-colon", "d = {1: 2, 3 4}\n", "d = {1: 2, 3: 4}\n"),
    ("print-statement", 'print "hello", name\n', 'print("hello", name)\n'),
    ("else-if", "if a:\n    pass\nelse if b:\n    pass\n", "if a:\n    pass\nelif b:\n    pass\n"),
    ("keyword-typo", "fro i in x:\n    pass\n", "for i in x:\n    pass\n"),
    ("keyword-typo", "whille x:\n    pass\n", "while x:\n    pass\n"),
    ("keyword-typo", "def f(x):\n    retrun x\n", "def f(x):\n    return x\n"),
    ("keyword-typo", "if a:\n    pass\nesle:\n    pass\n", "if a:\n    pass\nelse:\n    pass\n"),
    ("keyword-typo", "improt os\n", "import os\n"),
    ("keyword-typo", "defn f(x):\n    pass\n", "def f(x):\n    pass\n"),
    ("keyword-typo", "yf not arr:\n    pass\n", "if not arr:\n    pass\n"),
    ("keyword-typo", "x = [a for a inn b]\n", "x = [a for a in b]\n"),
    ("foreign-syntax", "if a && b:\n    pass\n", "if a and b:\n    pass\n"),
    ("foreign-syntax", "if !a:\n    pass\n", "if not a:\n    pass\n"),
    ("foreign-declaration", "var x = 1\n", "x = 1\n"),
    ("line-continuation", "total = a +\n    b\n", "total = a + \\\n    b\n"),
    ("empty-block", "def f():\n", "def f():\n    pass\n"),
    # A left-out opening bracket is inserted, not its partner deleted.
    ("missing-opener", "def f(l):\n    return sortedl)\n", "def f(l):\n    return sorted(l)\n"),
    ("missing-opener", "def f(xs, n):\n    xs.appendn)\n", "def f(xs, n):\n    xs.append(n)\n"),
    ("missing-opener", "def is_primen):\n    return n\n", "def is_prime(n):\n    return n\n"),
    ("missing-opener", "if s.isupper):\n    pass\n", "if s.isupper():\n    pass\n"),
    ("missing-opener", "ns = ]\n", "ns = []\n"),
    ("missing-opener", 'out.append"C+")\n', 'out.append("C+")\n'),
    ("missing-opener", "x = d[0] + e1]\ne = []\n", "x = d[0] + e[1]\ne = []\n"),
    ("unclosed-bracket", "if (i, v in mem:\n    pass\n", "if (i, v) in mem:\n    pass\n"),
    (
        "unclosed-bracket",
        "y = sum(ord(c if c else 0 for c in s)\n",
        "y = sum(ord(c) if c else 0 for c in s)\n",
    ),
    # A statement that lost its indentation between two lines of the same block.
    (
        "missing-indent-line",
        "def f(s):\n    import re\nparts = re.split(',', s)\n    return parts\n",
        "def f(s):\n    import re\n    parts = re.split(',', s)\n    return parts\n",
    ),
    # A function body written at the `def`'s level moves as a whole, up to the next `def`.
    (
        "missing-indent",
        "class A:\n    def f(self, n):\n    self.n = n\n    print(n)\n\n    def g(self):\n"
        "        return 1\n",
        "class A:\n    def f(self, n):\n        self.n = n\n        print(n)\n\n"
        "    def g(self):\n        return 1\n",
    ),
    # `return` after a loop ends the function, not the loop's body.
    (
        "outside-block",
        "def f(xs):\n    for x in xs:\n        x += 1\nreturn x\n",
        "def f(xs):\n    for x in xs:\n        x += 1\n    return x\n",
    ),
    # Two-letter misspellings, chosen by the statement's shape.
    ("keyword-typo", "fr i in x:\n    pass\n", "for i in x:\n    pass\n"),
    ("keyword-typo", "df f(x):\n    pass\n", "def f(x):\n    pass\n"),
    ("keyword-typo", "ef f(x):\n    pass\n", "def f(x):\n    pass\n"),
    ("keyword-typo", "fi x > 1:\n    pass\n", "if x > 1:\n    pass\n"),
    # A quote in front of code is stray; a string left open in a call closes both.
    ("stray-quote", "def f(s):\n    i = 'int(s)+1\n", "def f(s):\n    i = int(s)+1\n"),
    ("stray-quote", "def f(k):\n    g(k-1')\n", "def f(k):\n    g(k-1)\n"),
    ("unterminated-string", "r = float('inf\n", "r = float('inf')\n"),
    # The same `=` for `==` slip twice in one condition: both are fixed at once.
    (
        "assign-in-condition",
        "def f(i):\n    if i % 3 = 0 and i % 5 = 0:\n        return 1\n",
        "def f(i):\n    if i % 3 == 0 and i % 5 == 0:\n        return 1\n",
    ),
    (
        "assign-in-condition",
        "def f(a, b):\n    while g(key=a) = b or a = 0:\n        a -= 1\n",
        "def f(a, b):\n    while g(key=a) == b or a == 0:\n        a -= 1\n",
    ),
    # A quote alone after complete code is stray, not the start of a string.
    (
        "trailing-quote",
        "def f(t):\n    return ' '.join(t.split()).upper()' \n",
        "def f(t):\n    return ' '.join(t.split()).upper()\n",
    ),
    # A string left open before `)`: closed there, not as an empty string then `,)`.
    (
        "unterminated-string",
        'def f(t):\n    return t.split(",)\n',
        'def f(t):\n    return t.split(",")\n',
    ),
    # A generator expression returned without its parentheses (`for` is no misspelled `or`).
    (
        "bare-generator",
        "def f(d, a):\n    return d[j] for i, j in a\n",
        "def f(d, a):\n    return (d[j] for i, j in a)\n",
    ),
    # A stray `)` after a return annotation is removed, not given an opener (`str()`).
    (
        "unmatched-bracket",
        "class A:\n    def f(self, k: int) -> str):\n        return ''\n",
        "class A:\n    def f(self, k: int) -> str:\n        return ''\n",
    ),
    # Java's generics and JavaScript's bare declarations.
    (
        "foreign-syntax",
        "def f(edges: List<int>, n: int) -> int:\n    return n\n",
        "def f(edges: List[int], n: int) -> int:\n    return n\n",
    ),
    (
        "foreign-declaration-line",
        "def f(xs):\n    for x in xs:\n        var seen; // JS\n        print(x)\n",
        "def f(xs):\n    for x in xs:\n        print(x)\n",
    ),
    # A function that is only ever called lost the parentheses of one call.
    (
        "missing-call-parentheses",
        "def node(v):\n    return [v]\ndef f(v):\n    root = node v\n    return root, node(1)\n",
        "def node(v):\n    return [v]\ndef f(v):\n    root = node(v)\n    return root, node(1)\n",
    ),
    # A JavaScript `var` inside an expression.
    (
        "foreign-declaration",
        "def f(l, i):\n    l.append([var i + 1, i])\n",
        "def f(l, i):\n    l.append([i + 1, i])\n",
    ),
    ("foreign-declaration", "def f(n, g):\n    n += var g(n)\n", "def f(n, g):\n    n += g(n)\n"),
    # CPython names the outer bracket, but the inner one on a continuation line was left open.
    (
        "unclosed-bracket",
        "def f(xs):\n    return max(\n        len(str(x) for x in xs,\n        len(xs),\n    )\n",
        "def f(xs):\n    return max(\n        len(str(x) for x in xs),\n        len(xs),\n    )\n",
    ),
    # A class (CapWords, never assigned) lost the parentheses of its call.
    (
        "missing-call-parentheses",
        "def f(v) -> Node:\n    root = Node v\n    return root\n",
        "def f(v) -> Node:\n    root = Node(v)\n    return root\n",
    ),
    # A string opened with one quote and closed with the other, in a list left open there.
    (
        "mismatched-quote",
        "def f(s):\n    return [i for i, c in enumerate(s) if c == \"#']\n",
        'def f(s):\n    return [i for i, c in enumerate(s) if c == "#"]\n',
    ),
    # A stray digit in front of a name used nearby.
    (
        "extra-token",
        "def f(rows):\n    return len(2rows) - 1\n",
        "def f(rows):\n    return len(rows) - 1\n",
    ),
    # A generator expression that is not a call's only argument needs its own parentheses.
    (
        "bare-generator",
        "def f(xs):\n    return next(x for x in xs if x, None)\n",
        "def f(xs):\n    return next((x for x in xs if x), None)\n",
    ),
    # Two slips on one line: a stray quote and the missing ':' of the same header.
    (
        "stray-quote",
        "def f(xs) -> 'int\n    return len(xs)\n",
        "def f(xs) -> int:\n    return len(xs)\n",
    ),
    # A stray ')' before a header's ':' where nothing could have been called.
    (
        "unmatched-bracket",
        "def f(xs, i):\n    if xs[i] > 0):\n        return 1\n",
        "def f(xs, i):\n    if xs[i] > 0:\n        return 1\n",
    ),
    # A `while` body written at the loop's level: the statements that change the condition
    # belong to it, up to the blank line.
    (
        "missing-indent",
        "def f(node):\n    n = 0\n    while node:\n    n += 1\n    node = node.next\n\n"
        "    return n\n",
        "def f(node):\n    n = 0\n    while node:\n        n += 1\n        node = node.next\n\n"
        "    return n\n",
    ),
    # A header that lost its ')' and its ':' over an indented body gets both back.
    ("unclosed-bracket", "def f(a, b\n    return a + b\n", "def f(a, b):\n    return a + b\n"),
    # A comprehension's element in parentheses is closed before `for`, not after the list's
    # last name (a list holding one generator is code nobody writes).
    (
        "unclosed-bracket",
        "def f(xs):\n    return [(sorted(x) for x in xs]\n",
        "def f(xs):\n    return [(sorted(x)) for x in xs]\n",
    ),
    # A header between two levels goes one level above its block, which is where it should be.
    (
        "inconsistent-dedent",
        "def f(a, b):\n    for x in a:\n        g(x)\n      for y in b:\n        g(y)\n",
        "def f(a, b):\n    for x in a:\n        g(x)\n    for y in b:\n        g(y)\n",
    ),
    # A `return` left at the header's level would make the code after it unreachable.
    (
        "missing-indent",
        "def f(p, b):\n    if p < b:\n    b = p\n    return b\n\n    g(p)\n",
        "def f(p, b):\n    if p < b:\n        b = p\n        return b\n\n    g(p)\n",
    ),
    # The statement after the first block uses the loop's variable: the paragraph is the body.
    (
        "missing-indent",
        "def f(xs, n):\n    for i in xs:\n    if i < 0:\n        continue\n    n += i\n\n"
        "    return n\n",
        "def f(xs, n):\n    for i in xs:\n        if i < 0:\n            continue\n"
        "        n += i\n\n    return n\n",
    ),
    # A missing ')' goes where the builtins around it are called as they can be: `len` takes
    # one argument and measures no number, `filter` takes two, `set` iterates no bool.
    (
        "unclosed-bracket",
        "def f(items, cap, memo):\n    return memo[len(items, cap]\n",
        "def f(items, cap, memo):\n    return memo[len(items), cap]\n",
    ),
    (
        "unclosed-bracket",
        "def f(xs):\n    return len(xs // 2\n",
        "def f(xs):\n    return len(xs) // 2\n",
    ),
    (
        "unclosed-bracket",
        "def f(xs):\n    return list(filter(lambda x: x > 0, xs)\n",
        "def f(xs):\n    return list(filter(lambda x: x > 0, xs))\n",
    ),
    (
        "unclosed-bracket",
        "def f(a, b):\n    if set(a.keys() and b:\n        return 1\n",
        "def f(a, b):\n    if set(a.keys()) and b:\n        return 1\n",
    ),
    # An opener goes where the result can run: `(2 * ret) % p`, not `ret()` of a number.
    (
        "missing-opener",
        "def f(ret, p):\n    ret = 2 * ret) % p\n    return ret\n",
        "def f(ret, p):\n    ret = (2 * ret) % p\n    return ret\n",
    ),
    (
        "missing-opener",
        "def f(xs):\n    return len(x for x in xs if x])\n",
        "def f(xs):\n    return len([x for x in xs if x])\n",
    ),
    # An `else:` pushed under a loop inside an `if` belongs to the `if` (for-else is rare).
    (
        "unexpected-indent",
        "def f(xs, x):\n    if xs:\n        for y in xs:\n            g(y)\n        else:\n"
        "        g(x)\n",
        "def f(xs, x):\n    if xs:\n        for y in xs:\n            g(y)\n    else:\n"
        "        g(x)\n",
    ),
    # A docstring left open closes where the code resumes: a tuple assignment and an
    # assignment holding `==` are code, a multi-line example `f([` / `]) == 2` is not.
    (
        "unterminated-triple-string",
        'def f(xs):\n    """Pairs.\n\n    f([\n      1,\n    ]) == [1]\n    \n'
        "    a, b = [x for x in xs if x == 1], 2\n    return a, b\n",
        'def f(xs):\n    """Pairs.\n\n    f([\n      1,\n    ]) == [1]\n    """\n'
        "    a, b = [x for x in xs if x == 1], 2\n    return a, b\n",
    ),
    # A group holding `+` that starts a value ends before a tighter operator; one that is an
    # operand of `*` runs on.
    (
        "unclosed-bracket",
        "def f(lo, hi):\n    mid = (lo + hi // 2\n    return mid\n",
        "def f(lo, hi):\n    mid = (lo + hi) // 2\n    return mid\n",
    ),
    (
        "unclosed-bracket",
        "def f(a, x):\n    a = 0.5 * (a + x / a\n    return a\n",
        "def f(a, x):\n    a = 0.5 * (a + x / a)\n    return a\n",
    ),
    # A method left uncalled: its call's '(' was the one lost, not a ')' too many.
    (
        "missing-opener",
        "def f(s):\n    return len(set(s.lower)))\n",
        "def f(s):\n    return len(set(s.lower()))\n",
    ),
    # `fi (n == 1):` reads as a call until its ':'; the header's first word is the typo.
    (
        "keyword-typo",
        "def f(n):\n    fi (n == 1):\n        return 1\n",
        "def f(n):\n    if (n == 1):\n        return 1\n",
    ),
    # '=' for '==' where CPython hints it inside an argument, or cuts a conditional short.
    (
        "assign-in-condition",
        "def f(xs):\n    return sum(x % 2 = 1 for x in xs)\n",
        "def f(xs):\n    return sum(x % 2 == 1 for x in xs)\n",
    ),
    (
        "assign-in-condition",
        "def f(gs):\n    return [g[1:] if len(g) = 3 else g for g in gs]\n",
        "def f(gs):\n    return [g[1:] if len(g) == 3 else g for g in gs]\n",
    ),
    # Unpacking into a name and a starred name lost its comma.
    (
        "missing-comma",
        "def f(xs):\n    first *rest = xs\n    return rest\n",
        "def f(xs):\n    first, *rest = xs\n    return rest\n",
    ),
    # A loop header pushed left of its own block: CPython only complains at the `return`.
    (
        "dedented-header",
        "def f(xs):\n    total = 0\nfor x in xs:\n        total += x\n    return total\n",
        "def f(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total\n",
    ),
    # A function body written flush with its `def`: the statements using its parameters move.
    (
        "missing-indent",
        "def f(a, b):\nif a is None:\n    return b\nc = a + b\nreturn c\n",
        "def f(a, b):\n    if a is None:\n        return b\n    c = a + b\n    return c\n",
    ),
]


@pytest.mark.parametrize(("kind", "buggy", "intended"), CASES)
def test_top_candidate_restores_the_intended_program(kind: str, buggy: str, intended: str) -> None:
    problem, candidates = _repairs(buggy)
    assert candidates, f"no repair for {problem.message!r}"
    best = candidates[0]
    fixed = best.apply(buggy)
    assert _same_program(fixed, intended), fixed
    assert best.kind == kind
    assert best.target == problem
    assert best.origin == "embedded"
    assert best.title
    named = {int(n) for n in re.findall(r"\bline (\d+)", best.explanation.lower())}
    assert named & {problem.line - 1, problem.line, problem.line + 1}, best.explanation
    assert "?" not in best.explanation  # every fact filled in


def test_missing_colon_explanation_names_line_and_statement() -> None:
    _, candidates = _repairs("x = [1]\nfor i in x\n    print(i)\n")
    best = candidates[0]
    assert best.explanation == (
        "The `for` loop statement on line 2 was missing the required colon ':' that marks the "
        "start of its loop block in Python."
    )
    assert best.title == "Insert missing ':' after the for statement"


def test_edits_are_minimal() -> None:
    source = "def f(x)\n    return x\n"
    _, candidates = _repairs(source)
    (edit,) = candidates[0].edits
    assert (edit.start, edit.end, edit.new_text) == (8, 8, ":")
    source = "def f():\n    if x:\n        y = 1\n      z = 2\n"
    _, candidates = _repairs(source)
    (edit,) = candidates[0].edits
    assert edit.new_text.strip() == "" and edit.end - edit.start <= 2


def test_ranked_cheapest_first_and_deterministic() -> None:
    source = "x = foo(1, 2\ny = 3\n"
    _, first = _repairs(source)
    _, again = _repairs(source)
    assert first == again
    assert [c.cost for c in first] == sorted(c.cost for c in first)
    assert len({c.edits for c in first}) == len(first)


@pytest.mark.parametrize(
    "source",
    [
        "x = 1 +\n",  # the missing operand cannot be guessed
        "x = 5 if y\n",
    ],
)
def test_no_guess_when_the_intent_is_unknowable(source: str) -> None:
    # Only guesses for review: the operator removed, or as the last resort the line commented
    # out (see test_novice_repair.py).
    _, candidates = _repairs(source)
    assert candidates and all(c.guess for c in candidates)
    assert {c.kind for c in candidates} <= {"dangling-operator", "commented-out"}


def test_a_lost_operator_is_offered_only_as_a_guess() -> None:
    # `+` was meant; '==' parses but is one of several operators it could be. Deleting '='
    # would make a call, which is never offered.
    _, candidates = _repairs("x = (C[j] >= 1) = (C[j] == 1)\n")
    assert candidates and all(c.guess for c in candidates)
    assert all("(C[j] >= 1)(" not in c.apply("x = (C[j] >= 1) = (C[j] == 1)\n") for c in candidates)


def test_every_candidate_gets_past_the_error() -> None:
    source = "def f(a, b:\n    return a\n\nif a = b:\n    pass\n"
    problem, candidates = _repairs(source)
    assert candidates
    for candidate in candidates:
        after = first_syntax_error(candidate.apply(source))
        assert after is None or after.start > problem.start


def test_first_of_several_errors_is_repaired() -> None:
    source = "def f(x)\n    y = [1 2]\n    return y\n"
    _, candidates = _repairs(source)
    assert candidates[0].kind == "missing-colon"
    rest = first_syntax_error(candidates[0].apply(source))
    assert rest is not None and rest.line == 2


def test_crlf_is_kept() -> None:
    source = "def f(x)\r\n    return x\r\n"
    _, candidates = _repairs(source)
    assert candidates[0].apply(source) == "def f(x):\r\n    return x\r\n"
    source = "for i in x:\r\nprint(i)\r\n"
    _, candidates = _repairs(source)
    assert candidates[0].apply(source) == "for i in x:\r\n    print(i)\r\n"


def test_astral_characters_before_the_error() -> None:
    source = 's = "😀😀"\nif s == "😀"\n    print(s)\n'
    _, candidates = _repairs(source)
    assert candidates[0].apply(source) == 's = "😀😀"\nif s == "😀":\n    print(s)\n'


def test_not_a_syntax_problem() -> None:
    problem = Problem(code="undefined-name", message="undefined name 'x'", start=0, end=1)
    assert repair_syntax("x\n", problem) == []


def test_parser_limits_are_not_repaired() -> None:
    _, candidates = _repairs("(" * 10_000)
    assert candidates == []


def test_expired_deadline_returns_quickly() -> None:
    source = "x = 1\n" * 2000 + "if x\n    pass\n"
    started = time.monotonic()
    _repairs(source, deadline=started - 1)
    assert time.monotonic() - started < 0.5


def test_large_file_repairs_fast() -> None:
    body = "".join(
        f"def f{i}(xs):\n    total = 0\n    for x in xs:\n        total += x * {i}\n"
        f"    return total\n\n\n"
        for i in range(720)
    )
    lines = body.splitlines(keepends=True)
    broken = lines[:]
    middle = next(i for i in range(2500, len(lines)) if "for x in xs:" in lines[i])
    broken[middle] = broken[middle].replace("for x in xs:", "for x in xs")
    source = "".join(broken)
    assert len(lines) > 4900
    started = time.perf_counter()
    _, candidates = _repairs(source)
    elapsed = time.perf_counter() - started
    assert candidates[0].apply(source) == body
    assert elapsed < 0.5  # about 30 ms on a developer machine


def test_bracket_left_open_on_an_earlier_line_closes_there() -> None:
    # A later error makes CPython report the `def` inside the parameter list, not the '('.
    source = "def f(a, b:\n    x = set()\n\n    def g(n):\n        return n\n    return g(\n"
    problem, candidates = _repairs(source)
    assert problem.line == 4
    assert candidates
    assert candidates[0].kind == "unclosed-bracket"
    assert candidates[0].apply(source).startswith("def f(a, b):\n")


def test_missing_operator_gets_no_comma_beyond_the_functions_arity() -> None:
    # `abs(x - y)` lost its operator; `abs(x, y)` would parse but abs takes one argument.
    _, candidates = _repairs("def f(a, b):\n    return [abs(x y) for x in a]\n")
    assert all(c.kind != "missing-comma" for c in candidates)
    _, candidates = _repairs("def fib(n):\n    return fib(n 2)\n")
    assert candidates == [] or all("," not in e.new_text for c in candidates for e in c.edits)


@pytest.mark.parametrize(
    ("buggy", "intended"),
    [
        ("def f(x):\n    // loop\n    return x\n", "def f(x):\n    # loop\n    return x\n"),
        (
            "def f(x):\n    /*for i in x:\n        y = i*/\n    return x\n",
            "def f(x):\n    # for i in x:\n    #     y = i\n    return x\n",
        ),
    ],
)
def test_c_style_comment_is_written_with_a_hash(buggy: str, intended: str) -> None:
    _, candidates = _repairs(buggy)
    assert candidates and candidates[0].kind == "foreign-syntax"
    assert candidates[0].apply(buggy) == intended


def test_code_commented_out_with_slashes_is_restored_when_its_block_needs_it() -> None:
    buggy = "def f(x):\n    if x:\n        //return False\n    return x\n"
    _, candidates = _repairs(buggy)
    assert (
        candidates[0].apply(buggy) == "def f(x):\n    if x:\n        return False\n    return x\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        "def f(x, i):\n    return x[i 1]\n",  # a subscript: `x[i + 1]`, not a tuple index
        "def f(lo, hi):\n    return (lo hi) // 2\n",  # a tuple is no operand of `//`
        "def f(s):\n    if (s 0):\n        return 1\n",  # a tuple is always true
        "def f(a):\n    return list(filter(lambda x: x 2 == 0, a))\n",  # the lambda's body
        "def f(a, b):\n    a, b = b, a b\n    return a\n",  # three values for two targets
        "def f(a, b):\n    x = a b\n    return a(x)\n",  # `a` is not only ever called
    ],
)
def test_two_operands_side_by_side_get_no_comma_where_a_tuple_makes_no_sense(source: str) -> None:
    _, candidates = _repairs(source)
    assert all("," not in e.new_text and ":" not in e.new_text for c in candidates for e in c.edits)


@pytest.mark.parametrize(
    ("buggy", "intended"),
    [
        # `memo` is indexed by pairs elsewhere: the comma restores a pair.
        (
            "def f(memo, i, j):\n    memo[i j] = memo[i - 1, j]\n",
            "def f(memo, i, j):\n    memo[i, j] = memo[i - 1, j]\n",
        ),
        ("def f(x) -> Tuple[int int]:\n    pass\n", "def f(x) -> Tuple[int, int]:\n    pass\n"),
        (
            "def f(a):\n    return list(filter(lambda x: x < 0 a))\n",
            "def f(a):\n    return list(filter(lambda x: x < 0, a))\n",
        ),
    ],
)
def test_comma_between_items_where_a_tuple_fits(buggy: str, intended: str) -> None:
    _, candidates = _repairs(buggy)
    assert candidates and _same_program(candidates[0].apply(buggy), intended)


def test_a_lost_operator_between_operands_is_guessed_by_the_token_model() -> None:
    source = "def f(xs, i):\n    return xs[i 1]\n"
    _, candidates = _repairs(source)
    assert candidates and all(c.guess and c.kind == "missing-operator" for c in candidates)
    fixed = [c.apply(source) for c in candidates]
    # Several operators are offered, ranked by the model; a comma (a tuple index) is not.
    assert len(set(fixed)) == len(fixed) > 1
    assert all("xs[i, 1]" not in f for f in fixed)
    assert "xs[i + 1]" in fixed[0] or "xs[i - 1]" in fixed[0]
    assert "'" in candidates[0].title and "guess" in candidates[0].title


def test_a_lost_operator_follows_the_comparison_beside_it() -> None:
    source = "def f(i, j, a, b):\n    while i < len(a) and j len(b):\n        i += 1\n"
    _, candidates = _repairs(source)
    assert candidates and candidates[0].guess
    assert "j < len(b)" in candidates[0].apply(source)


def test_every_repair_kind_has_an_explanation() -> None:
    # Kinds are the hyphenated names the engines pass to their proposals.
    from pathlib import Path

    import debugllm.repair as package
    from debugllm.repair.catalog import CATALOG

    folder = Path(package.__file__).parent
    kinds: set[str] = set()
    for path in [*sorted((folder / "syntax").glob("*.py")), folder / "semantic.py"]:
        kinds |= set(re.findall(r'"([a-z]+(?:-[a-z]+)+)"', path.read_text()))
    assert {"missing-colon", "missing-operator", "dedented-header"} <= kinds
    assert sorted(kinds - CATALOG.keys()) == []


@pytest.mark.parametrize(
    "line", ["import java.util.*;", "using System;", "using namespace std;", "package a.b;"]
)
def test_an_import_from_another_language_is_commented_out(line: str) -> None:
    source = f"import os\n{line}\n\nx = os.sep\n"
    _, candidates = _repairs(source)
    assert candidates[0].kind == "foreign-import"
    assert candidates[0].apply(source) == f"import os\n# {line}\n\nx = os.sep\n"
    assert line in candidates[0].explanation


def test_a_block_moved_with_its_own_second_indentation_error_is_still_the_fix() -> None:
    # The whole body sits at the `def`'s level, and one line in it is too deep as well: indenting
    # the body is the fix for the first error even though the second one moves along with it.
    source = (
        "class S:\n"
        "    def f(self, nums):\n"
        "    out = []\n"
        "    for x in nums:\n"
        "        while x: x -= 1\n"
        "            out.append(x)\n"
        "    return out\n"
    )
    _, candidates = _repairs(source)
    fixed = candidates[0].apply(source)
    assert fixed.splitlines()[2:5] == [
        "        out = []",
        "        for x in nums:",
        "            while x: x -= 1",
    ]
    assert fixed.splitlines()[-1] == "        return out"


def test_a_header_between_levels_moves_with_its_block_into_the_function() -> None:
    # `for` sits between the class body (4) and the method body (8); at 4 it would run in the
    # class body, where `num` does not exist.
    source = (
        "class S:\n"
        "    def f(self, num):\n"
        "        on = False\n"
        "     for ch in num:\n"
        "         on = True\n"
        "    return on\n"
    )
    _, candidates = _repairs(source)
    fixed = candidates[0].apply(source)
    assert [len(t) - len(t.lstrip()) for t in fixed.splitlines()][2:4] in ([5, 5], [8, 8])


def test_a_return_outside_joins_the_body_where_it_is() -> None:
    # The body is indented by 5, not by one unit (4): 'return' goes where the body is.
    source = (
        "class S:\n    def f(self, n):\n     m = n\n     for i in n:\n         m += i\n"
        "    return m\n"
    )
    _, candidates = _repairs(source)
    assert candidates[0].kind == "outside-block"
    assert candidates[0].apply(source).endswith("\n     return m\n")


@pytest.mark.parametrize(
    ("source", "operators"),
    [
        # Any binary operator may be guessed, never a comma: abs takes one argument.
        (
            "def f(xs, y):\n    return [abs(x y) for x in xs]\n",
            {"+", "-", "*", "/", "//", "%", "==", "!=", "<", ">", "<=", ">=", "and", "or"},
        ),
        ("def f(a, b):\n    if not a not b:\n        return 1\n", {"or", "and"}),
    ],
)
def test_a_lost_operator_is_guessed_inside_brackets_and_before_not(
    source: str, operators: set[str]
) -> None:
    _, candidates = _repairs(source)
    assert candidates and all(c.guess and c.kind == "missing-operator" for c in candidates)
    assert {dict(c.details)["operator"] for c in candidates} <= operators


def test_guesses_do_not_crowd_out_a_repair_that_may_be_applied() -> None:
    # A later unmatched ')' (a tokenizer error, reported first by CPython) hides whether the
    # operators guessed between `x` and `y` parse, so they rank first; the comma, the repair
    # that may be applied, keeps a place among the candidates.
    source = "def f(x y, z):\n    return abs(x))\n"
    problem = find_syntax_errors(source)[0]
    assert problem.line == 1
    candidates = repair_syntax(source, problem)
    assert candidates[0].guess
    assert [c.title for c in candidates if not c.guess] == ["Insert ','"]
    assert candidates[-1].apply(source).startswith("def f(x, y, z):")


@pytest.mark.parametrize(
    ("buggy", "intended"),
    [
        # A slice ends before the comma after it.
        ("def f(s, t):\n    return f(s[1:, t[1:])\n", "def f(s, t):\n    return f(s[1:], t[1:])\n"),
        # A parameter's annotation ends before the next parameter.
        (
            "def f(xs: List[str, n: int) -> int:\n    return n\n",
            "def f(xs: List[str], n: int) -> int:\n    return n\n",
        ),
        # A generator's one-name iterable ends before arithmetic: `xs / len(xs)` is no iterable.
        (
            "def f(xs, m):\n    return sum(abs(x - m) for x in xs / len(xs)\n",
            "def f(xs, m):\n    return sum(abs(x - m) for x in xs) / len(xs)\n",
        ),
        # `ord` takes one character: it ends before arithmetic.
        (
            "def f(s):\n    return [chr((ord(c + 5 - ord('a')) % 26) for c in s]\n",
            "def f(s):\n    return [chr((ord(c) + 5 - ord('a')) % 26) for c in s]\n",
        ),
    ],
)
def test_a_lost_closer_goes_where_the_code_can_run(buggy: str, intended: str) -> None:
    _, candidates = _repairs(buggy)
    assert _same_program(candidates[0].apply(buggy), intended), candidates[0].apply(buggy)


def test_a_docstring_closes_where_code_resumes_even_before_a_second_error() -> None:
    # Closing the string at the end would swallow the code and the misspelled `if` with it:
    # the file would parse, but the loop would be gone.
    source = (
        'def f(ops):\n    """Say whether the balance falls below zero.\n'
        "    f([1, 2]) should return False.\n    f([1, -2]) => True\n    \n"
        "    balance = 0\n    for op in ops:\n        balance += op\n"
        "        fi balance < 0:\n            return True\n    return False\n"
    )
    problem, candidates = _repairs(source)
    assert problem.message.startswith("unterminated triple-quoted")
    fixed = candidates[0].apply(source)
    assert fixed.splitlines()[4] == '    """'
    assert "    balance = 0" in fixed.split('"""')[-1]


def test_a_line_too_shallow_above_a_block_too_deep_are_fixed_together() -> None:
    # `s = 0` lost a level and the loop gained one: the loop's right level (the method body)
    # exists only once `s = 0` is back in it, so neither edit alone gets past the error.
    source = (
        "class S:\n    def f(self, n):\n        r = str(n)\n    s = 0\n"
        "            for c in r:\n                s += int(c)\n        return s\n"
    )
    intended = (
        "class S:\n    def f(self, n):\n        r = str(n)\n        s = 0\n"
        "        for c in r:\n            s += int(c)\n        return s\n"
    )
    _, candidates = _repairs(source)
    assert _same_program(candidates[0].apply(source), intended), candidates[0].apply(source)


def test_a_lost_remainder_in_a_parity_test_is_the_first_guess() -> None:
    _, candidates = _repairs("def f(xs):\n    return [x for x in xs if x 2 == 0]\n")
    assert candidates[0].guess and dict(candidates[0].details)["operator"] == "%"


def test_other_subscripts_of_a_name_are_found_as_the_lookbehind_pattern_finds_them() -> None:
    # Names inside longer names, attributes, repeats that overlap (`aa[` in `aaa[`), spaces.
    from debugllm.repair.syntax.context import Ctx
    from debugllm.repair.syntax.slips import _group_commas, _subscripted_with

    source = (
        "aa[1, 2]\naaa[1]\nx.aa[1, 2, 3]\nbaa[1,2,3,4]\n_aa[5,6]\naa [1, (2, 3)]\n"
        "y = aa\t[1, 2, 3, 4, 5]\naaaa[1]\n(aa)[1,2]\naa['a,b', c]\n"
    )
    ctx = Ctx(source, Problem(code="syntax-error", message="invalid syntax", start=0, end=1))
    for name in ("aa", "a", "aaa", "x", "baa"):
        for skip in (-1, source.index("[")):
            expected: set[int] = set()
            for match in re.finditer(rf"(?<![\w.]){re.escape(name)}[ \t]*\[", source):
                bracket = match.end() - 1
                row = source.count("\n", 0, bracket)
                col = bracket - (source.rfind("\n", 0, bracket) + 1)
                if bracket != skip:
                    expected.add(_group_commas(ctx.lines[row], col))
            for commas in range(7):
                found = _subscripted_with(ctx, name, skip, commas)
                assert found == (commas in expected), (name, skip, commas)


def test_counting_a_groups_commas_reads_the_tokens_the_lexer_gives() -> None:
    """``slips._group_commas`` skips to the characters that matter; it must count what the
    token-by-token reading counts, on real lines and on lines with a character typed or lost."""
    import random
    import sysconfig
    from pathlib import Path

    from debugllm.repair.syntax.context import lex_from
    from debugllm.repair.syntax.slips import _group_commas

    def by_tokens(text: str, col: int) -> int:
        depth = commas = 0
        for tok in lex_from(text, col + 1):
            if tok.kind == "open":
                depth += 1
            elif tok.kind == "close":
                if depth == 0:
                    break
                depth -= 1
            elif tok.text == "," and depth == 0:
                commas += 1
        return commas

    rng = random.Random(5)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    lines = [
        r"""d[f'{a, b}', "x, (y", r'\', 1, (2, 3)]  # a, b""",
        "m[i, '''a, ''' , j], k",
        "x[ 'unterminated, 1",
    ]
    for name in ("argparse.py", "typing.py", "tokenize.py", "inspect.py"):
        lines += (stdlib / name).read_text(encoding="utf-8").split("\n")
    checked = 0
    for line in lines:
        variants = [line]
        if line:
            at = rng.randrange(len(line))
            variants += [
                line[:at] + line[at + 1 :],
                line[:at] + rng.choice("'\"#,([{}])\\") + line[at:],
            ]
        for text in variants:
            for col, char in enumerate(text):
                if char in "([{":
                    checked += 1
                    assert _group_commas(text, col) == by_tokens(text, col), (text, col)
    assert checked > 10_000


def test_top_level_walk_and_group_end() -> None:
    """``top_level`` yields the tokens outside every bracket (brackets left out) and stops at
    the closer of a group opened before its tokens; ``group_end`` finds that closer."""
    from debugllm.repair.syntax.context import group_end, lex, top_level

    def walk(text: str) -> list[tuple[int, str]]:
        return [(k, t.text) for k, t in top_level(lex(text, ""))]

    # Nested brackets: only the outermost level, with indexes into the tokens walked.
    assert walk("f(a, [b, (c)]) + g[d] , e") == [
        (0, "f"),
        (12, "+"),
        (13, "g"),
        (17, ","),
        (18, "e"),
    ]
    # An unclosed group: nothing inside it, and the walk runs to the end.
    assert walk("x = f(a, (b, c") == [(0, "x"), (1, "="), (2, "f")]
    # Inside a group (its opener left out): the walk stops at the group's closer.
    assert walk("a, (b, c)), d") == [(0, "a"), (1, ",")]
    assert walk(") a") == []
    # Any iterable, e.g. the tokens of several lines.
    tokens = (t for text in ["f(a,", "  b) + c)", "d"] for t in lex(text, ""))
    assert [(k, t.text) for k, t in top_level(tokens)] == [(0, "f"), (6, "+"), (7, "c")]

    code = lex("(a, [b, (c)]) + d", "")
    assert group_end(code, 1) == 10  # the partner of the first '(', past the nested ones
    assert group_end(code, 4) == 9  # the ']' ending the list `[b, (c)]` the tokens are in
    assert group_end(code) is None  # no group holds the whole line
    assert group_end(lex("f(a, (b, c", ""), 2) is None  # unclosed
    assert group_end(lex("a)]", "")) == 1
