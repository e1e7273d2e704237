"""The pyflakes gate (``analysis.static``): pyflakes is skipped only where the scope model
proves it would report nothing the checks read, and that proof holds against pyflakes itself."""

from __future__ import annotations

import ast
import random
import textwrap

import pytest
from debugllm.analysis.static import build_model, pyflakes_would_be_silent
from pyflakes import checker, messages

#: What the static checks read from pyflakes while the scope model exists.
_READ = (messages.UndefinedName, messages.UnusedImport, messages.UndefinedExport)


def _silent(source: str) -> bool:
    return pyflakes_would_be_silent(build_model(ast.parse(textwrap.dedent(source))))


def _pyflakes_reports(source: str) -> list[str]:
    tree = ast.parse(textwrap.dedent(source))
    return [str(m) for m in checker.Checker(tree, "m.py").messages if isinstance(m, _READ)]


CLEAN = [
    # Functions see the module's names whenever they are bound: pyflakes checks them last.
    """
    import os

    def f():
        return os.sep + helper()

    def helper():
        return "x"
    """,
    # A comprehension's targets, an `except` name inside its handler, a class body in order.
    """
    from __future__ import annotations
    import json

    class A:
        size = 3
        twice = size * 2

        def dump(self, rows: list[int]) -> str:
            try:
                return json.dumps([r for r in rows if r])
            except ValueError as e:
                return str(e)
    """,
    "print(len([1, 2]))\n",
    # An import `__all__` names is used: pyflakes reads a list of literals the same way.
    "from os import sep\n__all__ = ['sep', 'join']\n\ndef join(a):\n    return a + sep\n",
]

NOT_PROVEN = [
    # A name read before the module binds it: pyflakes calls it undefined.
    "print(x)\nx = 1\n",
    # An import nobody reads.
    "import os\n",
    # An `except` name read after its handler: gone there.
    "try:\n    pass\nexcept ValueError as e:\n    pass\nprint(e)\n",
    # A local read before its binding.
    "def f():\n    print(y)\n    y = 1\n",
    # A class attribute read from a method: not visible there.
    "class A:\n    n = 1\n    def f(self):\n        return n\n",
    # Names only pyflakes reads: a string annotation, a star import, `__all__`.
    "import os\ndef f(x: 'os.PathLike') -> None:\n    pass\n",
    "from os import *\nprint(sep)\n",
    "import os\n__all__ = ['os', 'missing']\n",
    "import os\n__all__ = ['os']\n__all__ += ['path']\n",
    "import os\nnames = ['os']\n__all__ = names\n",
    # `del`, `global`: bindings that come and go.
    "x = 1\ndel x\nprint(x)\n",
    "def f():\n    global g\n    g = 1\nprint(g)\n",
    # Two bindings of an import: pyflakes judges which one is used.
    "try:\n    import json\nexcept ImportError:\n    json = None\nprint(json)\n",
    # A name no scope binds and no builtin has.
    "print(undefined_thing)\n",
    # Read before pyflakes binds it: a function's default or annotation naming the function,
    # an exception type naming the `as` target.
    "def f(x=f):\n    return x\n",
    "def f(x: f) -> None:\n    pass\n",
    "try:\n    pass\nexcept e.Error as e:\n    pass\n",
    # A later generator's iterable is read before that generator's target is bound.
    "print([a for b in [1] for a in a])\n",
    # Strings pyflakes reads as annotations: typing's special forms.
    "from typing import cast\nx = cast('Missing', 1)\n",
    "import typing\nT = typing.TypeVar('T', bound='Missing')\n",
    "from typing import List\nx: int = 1\ny = List['Missing']\n",
    "from typing import TypeAlias\nX: TypeAlias = 'Missing'\n",
    # Where `:=` binds is pyflakes' to judge.
    "if (n := 3) > 2:\n    print(n)\n",
]


@pytest.mark.parametrize("source", CLEAN)
def test_a_file_whose_names_all_resolve_skips_pyflakes_and_pyflakes_agrees(source: str) -> None:
    assert _silent(source)
    assert _pyflakes_reports(source) == []


@pytest.mark.parametrize("source", NOT_PROVEN)
def test_what_the_model_cannot_settle_is_left_to_pyflakes(source: str) -> None:
    assert not _silent(source)


def test_most_of_what_is_left_to_pyflakes_is_reported_by_it() -> None:
    # The cases above are real: pyflakes reports something on nearly all of them (the rest
    # are what the model does not follow, such as `:=` and `global`).
    reported = [s for s in NOT_PROVEN if _pyflakes_reports(s)]
    assert len(reported) >= len(NOT_PROVEN) - 6


def test_the_static_checks_report_the_same_with_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    import debugllm.analysis.static as static

    sources = [textwrap.dedent(s) for s in (*CLEAN, *NOT_PROVEN)]
    gated = [static._analyze_static(s, None, static.ALL_CHECKS, "m.py") for s in sources]
    monkeypatch.setattr(static, "pyflakes_would_be_silent", lambda model: False)
    ungated = [static._analyze_static(s, None, static.ALL_CHECKS, "m.py") for s in sources]
    assert gated == ungated
    assert any(problems for problems, _ in gated)  # the set holds real findings


def test_the_gate_takes_for_builtins_exactly_what_pyflakes_does() -> None:
    from debugllm.analysis import static

    assert checker.builtin_vars == static._BUILTINS


# -- random programs: wherever the gate skips pyflakes, pyflakes finds nothing ---------------

_POOL = ["a", "b", "c", "f", "g", "os", "json", "A", "e", "print", "len"]


def _expr(r: random.Random, depth: int = 0) -> str:
    name = r.choice(_POOL)
    kind = r.randrange(8 if depth < 2 else 3)
    if kind == 0:
        return name
    if kind == 1:
        return str(r.randrange(5))
    if kind == 2:
        return f"{name}.x"
    if kind == 3:
        return f"{name}({_expr(r, depth + 1)})"
    if kind == 4:
        return f"[{_expr(r, depth + 1)} for {r.choice(_POOL)} in {_expr(r, depth + 1)}]"
    if kind == 5:
        return f"(lambda {r.choice(_POOL)}: {_expr(r, depth + 1)})"
    if kind == 6:
        return f"{_expr(r, depth + 1)} + {_expr(r, depth + 1)}"
    loops = f"for {r.choice(_POOL)} in {_expr(r, depth + 1)}"
    return f"[{_expr(r, depth + 1)} {loops} for {r.choice(_POOL)} in {_expr(r, depth + 1)}]"


def _block(r: random.Random, indent: int, depth: int) -> list[str]:
    return [line for _ in range(r.randint(1, 3)) for line in _statement(r, indent, depth)]


def _statement(r: random.Random, indent: int, depth: int) -> list[str]:
    pad, name, other = "    " * indent, r.choice(_POOL), r.choice(_POOL)
    kind = r.randrange(12 if depth < 3 else 5)
    body = lambda: _block(r, indent + 1, depth + 1)  # noqa: E731
    if kind == 0:
        return [f"{pad}{name} = {_expr(r)}"]
    if kind == 1:
        return [f"{pad}import {r.choice(['os', 'json'])}"]
    if kind == 2:
        return [f"{pad}print({_expr(r)})"]
    if kind == 3:
        return [f"{pad}{name} += {_expr(r)}"]
    if kind == 4:
        return [f"{pad}{name}: {other} = {_expr(r)}"]
    if kind == 5:
        decorator = [f"{pad}@{other}"] if r.random() < 0.2 else []
        return [*decorator, f"{pad}def {name}({other}={_expr(r)}):", *body()]
    if kind == 6:
        return [f"{pad}class {name}({other}):", *body()]
    if kind == 7:
        return [f"{pad}for {name} in {_expr(r)}:", *body()]
    if kind == 8:
        handler = f"{pad}except {r.choice(['ValueError', 'e.E'])} as {name}:"
        return [f"{pad}try:", *body(), handler, *body()]
    if kind == 9:
        return [f"{pad}if {_expr(r)}:", *body(), f"{pad}else:", *body()]
    if kind == 10:
        return [f"{pad}with {_expr(r)} as {name}:", *body()]
    return [f"{pad}while {_expr(r)}:", *body()]


def test_on_random_programs_the_gate_never_hides_what_pyflakes_reports() -> None:
    r = random.Random(7)
    silent = 0
    for _ in range(3000):
        names = [f"{n} = 1" for n in [*_POOL[:5], "A", "e"] if r.random() < 0.9]
        lines = ["import os", "import json", *names, *_block(r, 0, 0), "print(os, json)"]
        source = "\n".join(lines) + "\n"
        try:
            tree = ast.parse(source)
            compile(tree, "m.py", "exec")
        except SyntaxError:
            continue
        if not pyflakes_would_be_silent(build_model(tree)):
            continue
        silent += 1
        assert _pyflakes_reports(source) == [], source
    assert silent > 150  # the property was tested on enough programs
