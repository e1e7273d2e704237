"""The pyflakes gate (``analysis.static``): pyflakes is skipped only where the scope model
proves it would report nothing the checks read, and that proof holds against pyflakes itself."""

from __future__ import annotations

import ast
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
