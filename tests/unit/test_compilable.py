"""The compile survey (``analysis.compilable``): a parsed tree goes uncompiled only when no
check of CPython's compiler can reject it. One program per check the compiler makes after
the parser (3.11-3.13), and random programs over all of them, each against ``compile``."""

from __future__ import annotations

import ast
import contextlib
import random
import warnings

import pytest
from debugllm.analysis.analyzer import analyze
from debugllm.analysis.compilable import _depth, survey


def _compiles(tree: ast.Module) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(tree, "<test>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _nested(header: str, levels: int) -> str:
    return "".join("    " * i + header.format(i=i) + "\n" for i in range(levels)) + (
        "    " * levels + "pass\n"
    )


#: Each parses and is rejected by the compiler of at least one supported Python.
REJECTED = {
    "return at module level": "return 1",
    "return in a class body": "class A:\n    return 1",
    "yield at module level": "yield 1",
    "yield in a class in a function": "def f():\n    class A:\n        yield 1",
    "yield in a comprehension": "def f():\n    [(yield x) for x in y]",
    "yield from in async def": "async def f():\n    yield from x",
    "return value in an async generator": "async def f():\n    yield 1\n    return 2",
    "yield in an annotation (future)": (
        "from __future__ import annotations\ndef f():\n    def g(a: (yield)): pass"
    ),
    "await at module level": "await x",
    "await in a def": "def f():\n    await x",
    "await in a lambda": "async def f():\n    lambda: await x",
    "await in a comprehension in a def": "def f():\n    [await x for y in z]",
    "async comprehension in a def": "def f():\n    [x async for x in z]",
    "async comprehension, nested def": "async def f():\n    def g():\n        [x async for x in y]",
    "async for in a def": "def f():\n    async for a in x: pass",
    "async with in a def": "def f():\n    async with x: pass",
    "break at module level": "break",
    "break in a loop's else": "for x in y:\n    pass\nelse:\n    break",
    "break in a def in a loop": "for x in y:\n    def f():\n        break",
    "continue in a class in a loop": "while x:\n    class A:\n        continue",
    "bare except not last": "try:\n    pass\nexcept:\n    pass\nexcept ValueError:\n    pass",
    "duplicate parameter": "def f(a, a): pass",
    "duplicate lambda parameter": "lambda a, a: 0",
    "duplicate *args name": "def f(a, *a): pass",
    "repeated keyword argument": "f(a=1, a=2)",
    "repeated class keyword": "class A(x=1, x=2): pass",
    "assign __debug__": "__debug__ = 1",
    "parameter __debug__": "def f(__debug__): pass",
    "keyword __debug__": "f(__debug__=1)",
    "attribute __debug__": "x.__debug__ = 1",
    "delete __debug__": "del __debug__",
    "import as __debug__": "import os as __debug__",
    "except as __debug__": "try:\n    pass\nexcept E as __debug__:\n    pass",
    "def __debug__": "def __debug__(): pass",
    "two starred targets": "*a, *b = c",
    "starred target alone": "*a = c",
    "starred value alone": "x = *a",
    "too many targets before a star": ", ".join(f"a{i}" for i in range(300)) + ", *b = c",
    "import * in a def": "def f():\n    from m import *",
    "import * in a class": "class A:\n    from m import *",
    "future import late": "x = 1\nfrom __future__ import annotations",
    "future import in a def": "def f():\n    from __future__ import annotations",
    "unknown future feature": "from __future__ import spam",
    "future braces": "from __future__ import braces",
    "global after assignment": "def f():\n    x = 1\n    global x",
    "global parameter": "def f(x):\n    global x",
    "annotated global": "def f():\n    global x\n    x: int = 1",
    "nonlocal at module level": "nonlocal x",
    "nonlocal without binding": "def f():\n    class A:\n        nonlocal x",
    "walrus rebinding an iteration variable": "[i := 0 for i in x]",
    "walrus in a class comprehension": "class A:\n    [(y := 1) for x in z]",
    "irrefutable case first": "match x:\n    case y:\n        pass\n    case 1:\n        pass",
    "break in except*": "for x in y:\n    try:\n        pass\n    except* E:\n        break",
    "21 nested loops": _nested("for x{i} in y:", 21),
    "21 nested with": _nested("with x{i}:", 21),
    "21 with items": "with " + ", ".join(f"x{i}" for i in range(21)) + ":\n    pass",
}

#: Each compiles everywhere, and the survey proves it (so the test would see a survey that
#: proves nothing).
PROVEN = {
    "a plain module": "import os\nx = [i * 2 for i in range(3)]\nprint(os.sep, *x)",
    "return and yield in defs": "def f():\n    yield 1\n    return 2\ndef g(x):\n    return x",
    "await in async def": "async def f():\n    async for a in x:\n        await a",
    "yield in a default inside a def": "def f():\n    def g(a=(yield)): pass",
    "yield in a lambda": "lambda: (yield)",
    "await in a default inside async def": "async def f():\n    def g(x=await y): pass",
    "break and continue in loops": (
        "for x in y:\n    if x:\n        break\n    try:\n        pass\n    finally:\n"
        "        continue\nelse:\n    pass"
    ),
    "return in finally": "def f():\n    try:\n        pass\n    finally:\n        return 1",
    "stars where they may stand": "x = *a, *b\nf(*a)\ny = {*a}\nz = [*a]\nw = x[*a]",
    "a docstring before a future import": "'doc'\nfrom __future__ import annotations",
    "import * at module level": "if x:\n    from m import *",
    "deep ifs": _nested("if x{i}:", 30),
    "a bare except last": "try:\n    pass\nexcept ValueError:\n    pass\nexcept:\n    pass",
}


@pytest.mark.parametrize("source", REJECTED.values(), ids=list(REJECTED))
def test_a_tree_the_compiler_rejects_is_never_proven(source: str) -> None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        pytest.skip("this Python's parser rejects it already")
    if _compiles(tree):
        pytest.skip("this Python's compiler accepts it")
    assert not survey(tree).compiles


@pytest.mark.parametrize("source", PROVEN.values(), ids=list(PROVEN))
def test_common_code_is_proven(source: str) -> None:
    tree = ast.parse(source)
    assert _compiles(tree)
    assert survey(tree).compiles


def test_every_rejected_program_is_rejected_by_some_python() -> None:
    """The table is not stale: on this Python most of it parses and fails to compile."""
    rejected = 0
    for source in REJECTED.values():
        with contextlib.suppress(SyntaxError):
            rejected += not _compiles(ast.parse(source))
    assert rejected >= len(REJECTED) - 3


_EXPRESSIONS = [
    "x", "f(x)", "f(a=1, a=2)", "f(a=1, b=2)", "(yield)", "(yield x)", "(yield from x)",
    "(await x)", "[i for i in x]", "[(yield) for i in x]", "[await i for i in x]",
    "[i async for i in x]", "(i for i in x)", "(await i for i in x)", "lambda: (yield)",
    "lambda: (await x)", "lambda a, a: 0", "lambda a, b: a", "(y := 1)", "*a,", "(*a, *b)",
    "f(*a, *b)", "{*a}", "[*a]", "__debug__", "x.__debug__", "f(__debug__=1)", "x[*a]",
    "{**a}", "{i: i for i in x}", "x if y else z", "not x", "'s' 't'", "f'{x}'", "x[1:2]",
    "lambda x=(yield): 0",
]  # fmt: skip
_TARGETS = ["x", "a, b", "a, *b", "*a, *b", "[a, *b]", "x.y", "x[0]", "__debug__", "(a, b)"]
_PARAMETERS = ["", "a", "a, a", "a, b", "*a, a", "a=(yield)", "a=(await x)", "a: (yield)"]


class _Programs:
    """Random programs over every construct a compiler check looks at, nested up to 4 deep."""

    def __init__(self, seed: int) -> None:
        self.random = random.Random(seed)

    def program(self) -> str:
        lines = ['"doc"'] if self.random.random() < 0.1 else []
        if self.random.random() < 0.1:
            lines.append("from __future__ import annotations")
        return "\n".join([*lines, *self.block(0)]) + "\n"

    def block(self, depth: int) -> list[str]:
        return [line for _ in range(self.random.randint(1, 3)) for line in self.statement(depth)]

    def inner(self, header: str, depth: int) -> list[str]:
        return [header, *("    " + line for line in self.block(depth + 1))]

    def statement(self, depth: int) -> list[str]:
        pick = self.random.choice
        if depth < 4 and self.random.random() < 0.45:
            params = pick(_PARAMETERS)
            kind = self.random.randrange(12)
            if kind == 0:
                return self.inner(f"def f({params}){pick(['', ' -> (yield)'])}:", depth)
            if kind == 1:
                return self.inner(f"async def f({params}):", depth)
            if kind == 2:
                return self.inner(f"class C{pick(['', '(x)', '(m=1, m=2)'])}:", depth)
            if kind == 3:
                loop = self.inner(f"for {pick(['i', 'a, *b', '*a, *b'])} in x:", depth)
                return loop + (self.inner("else:", depth) if self.random.random() < 0.3 else [])
            if kind == 4:
                return self.inner("async for i in x:", depth)
            if kind == 5:
                return self.inner("while x:", depth) + self.inner("else:", depth)
            if kind == 6:
                return self.inner(pick(["with x as y:", "async with x:"]), depth)
            if kind == 7:
                handlers = [
                    line
                    for _ in range(self.random.randint(0, 2))
                    for line in self.inner(pick(["except:", "except E as e:"]), depth)
                ]
                final = self.inner("finally:", depth) if not handlers else []
                return self.inner("try:", depth) + handlers + final
            if kind == 8:
                return self.inner("try:", depth) + self.inner("except* E:", depth)
            if kind == 9:
                return ["match x:", *("    " + line for line in self.inner("case 1:", depth))]
            return self.inner(f"if {pick(_EXPRESSIONS)}:", depth)
        return [
            pick(
                [
                    "return", f"return {pick(_EXPRESSIONS)}", "break", "continue", "global x",
                    "nonlocal x", f"{pick(_TARGETS)} = {pick(_EXPRESSIONS)}",
                    f"x: {pick(_EXPRESSIONS)} = 1", "from m import *",
                    "from __future__ import annotations", "del __debug__", "import os",
                    pick(_EXPRESSIONS), "pass",
                ]
            )
        ]  # fmt: skip


def test_random_programs_the_survey_proves_compile() -> None:
    programs = _Programs(seed=3)
    proven = compiling = 0
    for _ in range(3000):
        source = programs.program()
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        result = survey(tree)
        compiles = _compiles(tree)
        compiling += compiles
        proven += result.compiles
        assert not result.compiles or compiles, source
        assert result.depth == _depth(tree), source
    # Enough of each kind for the test to mean something.
    assert compiling > 300
    assert proven > compiling // 2


def test_the_analysis_still_reports_the_compilers_errors() -> None:
    analysis = analyze("def f():\n    pass\n\nreturn 1\n")
    assert [p.message for p in analysis.syntax_errors] == ["'return' outside function"]
    assert analyze("for x in y:\n    pass\nelse:\n    break\n").syntax_errors
