"""Static checks: each finds its bug at the exact token and stays quiet on correct idioms."""

from __future__ import annotations

import ast

import pytest
from debugllm.analysis.static import ALL_CHECKS, analyze_static
from debugllm.problems import Code, Problem, Severity


def check(source: str, code: str | None = None, filename: str = "<file>") -> list[Problem]:
    problems = analyze_static(source, ast.parse(source), filename=filename)
    return [p for p in problems if code is None or p.code == code]


def found(source: str, code: str | None = None) -> list[tuple[str, str, int]]:
    """(code, exact text of the range, line) of each problem."""
    return [(p.code, source[p.start : p.end], p.line) for p in check(source, code)]


# -- undefined names -----------------------------------------------------------------------------


def test_undefined_name_points_at_the_misspelt_name() -> None:
    source = "def average(values):\n    length = len(values)\n    return sum(values) / lenght\n"
    (problem,) = check(source)
    assert problem.code == Code.UNDEFINED_NAME
    assert problem.severity == Severity.ERROR
    assert problem.message == "undefined name 'lenght'"
    assert problem.subject == "lenght"
    assert problem.source == "debugllm"
    assert problem.line == 3
    assert problem.start == source.index("lenght")
    assert problem.end == problem.start + len("lenght")


@pytest.mark.parametrize("prefix", ["café = 'é'; ", "face = '😀'; ", "s = 'naïve 😀 ok'; "])
def test_ranges_are_code_points_after_non_ascii_text(prefix: str) -> None:
    source = f"x = 1\n{prefix}print(totl)\n"
    assert found(source) == [(Code.UNDEFINED_NAME, "totl", 2)]


def test_non_ascii_identifier_is_ranged_exactly() -> None:
    source = "año = 2024\nprint('😀', añoo)\n"
    assert found(source) == [(Code.UNDEFINED_NAME, "añoo", 2)]


def test_undefined_name_in_all_points_at_the_string() -> None:
    source = "def public():\n    pass\n\n__all__ = ['public', 'pubilc']\n"
    assert found(source) == [(Code.UNDEFINED_NAME, "pubilc", 4)]


CORRECT_CODE = {
    "star import": "from os.path import *\nprint(join('a', 'b'))\n",
    "defined later, used in a function": (
        "def main():\n    return helper()\n\n\ndef helper():\n    return 1\n"
    ),
    "global": (
        "def setup():\n    global CONFIG\n    CONFIG = {}\n\n\ndef use():\n    return CONFIG\n"
    ),
    "nonlocal": (
        "def counter():\n    n = 0\n    def inc():\n        nonlocal n\n        n += 1\n"
        "        return n\n    return inc\n"
    ),
    "class scope": (
        "class Shape:\n    sides = 4\n    corners = sides\n\n    def area(self):\n"
        "        return self.sides\n"
    ),
    "comprehensions": (
        "data = [3, 1, 2]\nsquares = [v * v for v in data if v]\n"
        "pairs = {k: v for k, v in zip(data, data)}\nflat = [c for row in ['ab'] for c in row]\n"
    ),
    "walrus in a comprehension": (
        "def first_big(xs):\n    if any((hit := x) > 2 for x in xs):\n        return hit\n"
        "    return None\n"
    ),
    "try/except ImportError fallback": (
        "try:\n    import tomllib\nexcept ImportError:\n    tomllib = None\nprint(tomllib)\n"
    ),
    "availability probe": (
        "try:\n    import numpy\n    HAVE_NUMPY = True\nexcept ImportError:\n"
        "    HAVE_NUMPY = False\nprint(HAVE_NUMPY)\n"
    ),
    "try/except NameError": "try:\n    unicode\nexcept NameError:\n    unicode = str\n",
    "guarded local": (
        "def f():\n    try:\n        return cache\n    except NameError:\n        cache = {}\n"
        "        return cache\n"
    ),
    "conditional definition": (
        "import sys\nif sys.platform == 'win32':\n    sep = '\\\\'\nelse:\n"
        "    sep = '/'\nprint(sep)\n"
    ),
    "builtins and module dunders": "print(__name__, __file__, len([]), __doc__)\n",
    "loop-carried at module level": (
        "first = True\nfor item in [1, 2]:\n    if not first:\n        print(previous)\n"
        "    previous = item\n    first = False\n"
    ),
    "loop-carried in a function": (
        "def deltas(xs):\n    out = []\n    for i, x in enumerate(xs):\n        if i:\n"
        "            out.append(x - last)\n        last = x\n    return out\n"
    ),
    "while loop state": (
        "def poll(read):\n    while True:\n        if started:\n            return read()\n"
        "        started = True\n"
    ),
    "closure over a later local": (
        "def outer():\n    def inner():\n        return value\n    value = 1\n    return inner\n"
    ),
    "recursion": "def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n",
    "type-checking imports": (
        "from __future__ import annotations\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from collections.abc import Iterable\n\n\n"
        "def total(xs: Iterable[int]) -> int:\n    return sum(xs)\n"
    ),
    "string forward reference": "class Node:\n    def next(self) -> 'Node':\n        return self\n",
    "__all__ re-export": "from os import path\n__all__ = ['path']\n",
    "explicit re-export alias": "from os import path as path\n",
    "del then rebind": "x = 1\ndel x\nx = 2\nprint(x)\n",
    "except/with/match names": (
        "def f(p, v):\n    try:\n        pass\n    except OSError as err:\n        print(err)\n"
        "    with open(p) as fh:\n        print(fh)\n    match v:\n        case [head, *rest]:\n"
        "            print(head, rest)\n        case {'k': val, **others}:\n"
        "            print(val, others)\n"
    ),
    "lambda and defaults": "scale = 2\nf = lambda x, k=scale: x * k\nprint(f(1))\n",
    "identity with singletons": (
        "x = None\nif x is None or x is True or x is not False or x is ...:\n    pass\n"
    ),
    "immutable defaults": (
        "def f(a=(), b=None, c=frozenset(), d='x', e=0):\n    return a, b, c, d, e\n"
    ),
    "local shadowing an aliased module (a pyflakes false positive)": (
        "import datetime as datetime_module\nfrom datetime import datetime\n\n\ndef f():\n"
        "    datetime = datetime_module\n    return datetime\n\n\nprint(datetime.now())\n"
    ),
    "names made by globals()": "globals().update({'RED': 1})\n__all__ = ['RED']\nprint(RED)\n",
    "walrus in a conditional expression's test": (
        "import re\n\n\ndef user(text):\n    return m[1] if (m := re.match('u(.)', text)) else ''\n"
    ),
    "assigned by a nested function through nonlocal": (
        "import threading\n\n\ndef run(job):\n    result: int\n\n    def worker() -> None:\n"
        "        nonlocal result\n        result = job()\n\n"
        "    t = threading.Thread(target=worker)\n    t.start()\n    t.join()\n    return result\n"
    ),
    "forward references under TYPE_CHECKING": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    Alias = list[Later]\n\n\n"
        "class Later:\n    pass\n"
    ),
    "indexes in range": (
        "numbers = [1, 2, 3, 4]\nprint(numbers[0], numbers[3], numbers[-4], numbers[1:9])\n"
    ),
}


RUNTIME_NAMES = {
    "enum _convert_ with a startswith filter": (
        "import _ssl\nfrom enum import IntEnum as _IntEnum\n"
        "_IntEnum._convert_('Options', __name__, lambda name: name.startswith('OP_'),"
        " source=_ssl)\nprint(Options, OP_NO_SSLv2)\n__all__ = ['OP_ALL']\n"
    ),
    "enum _convert_ with another filter": (
        "import enum\nenum.IntEnum._convert_('Kind', __name__, str.isupper)\nprint(ANY)\n"
    ),
    "global_enum": (
        "import enum\n\n\n@enum.global_enum\nclass Flag(enum.IntFlag):\n    A = 1\n"
        "    DEBUG = 2\n\n\nprint(A | DEBUG)\n"
    ),
    "gettext.install": "import gettext\ngettext.install('app')\nprint(_('hello'))\n",
    "translation install with names": (
        "import gettext\nt = gettext.translation('app', fallback=True)\n"
        "t.install(names=['ngettext'])\nprint(_('a'), ngettext('a', 'b', 2))\n"
    ),
    "builtins assignment": "import builtins\nbuiltins.tr = str\nprint(tr(1))\n",
    "setattr on builtins": "import builtins\nsetattr(builtins, 'tr', str)\nprint(tr(1))\n",
    "__builtins__ item": "__builtins__['tr'] = str\nprint(tr(1))\n",
    "globals() item assignment": "for n in ('A', 'B'):\n    globals()[n] = n\nprint(A)\n",
    "sys.modules[__name__]": ("import sys\nsetattr(sys.modules[__name__], 'RED', 1)\nprint(RED)\n"),
    "vars() at module level": "vars()['RED'] = 1\nprint(RED)\n",
    "module name deleted after the functions that use it": (
        "opmap = {}\n\n\ndef def_op(name, op):\n    opmap[name] = op\n\n\n"
        "def name_op(name, op):\n    def_op(name, op)\n\n\nname_op('X', 1)\ndel def_op\n"
    ),
}


@pytest.mark.parametrize("source", RUNTIME_NAMES.values(), ids=RUNTIME_NAMES.keys())
def test_names_made_at_run_time_are_not_undefined(source: str) -> None:
    assert check(source, Code.UNDEFINED_NAME) == []


def test_names_outside_what_run_time_code_makes_are_still_undefined() -> None:
    source = (
        "import enum\nenum.IntEnum._convert_('Kind', __name__, lambda n: n.startswith('K_'))\n"
        "print(Kind, K_ONE, KONE)\n"
    )
    assert [p.subject for p in check(source)] == ["KONE"]
    # `install` of anything but gettext makes no `_`; `vars()` in a function is `locals()`.
    assert [p.subject for p in check("app.install()\nprint(_)\n")] == ["app", "_"]
    source = "def f():\n    return vars()\n\n\nprint(RED)\n"
    assert [p.subject for p in check(source)] == ["RED"]


def test_a_module_name_read_after_its_del_at_module_level_is_undefined() -> None:
    source = "x = 1\ndel x\nprint(x)\n"
    assert [p.subject for p in check(source)] == ["x"]


@pytest.mark.parametrize("source", CORRECT_CODE.values(), ids=CORRECT_CODE.keys())
def test_no_false_positives_on_correct_idioms(source: str) -> None:
    assert check(source) == []


# -- unused imports ------------------------------------------------------------------------------


def test_unused_import_ranges_the_imported_name() -> None:
    source = (
        "import os, sys\nfrom collections import defaultdict as dd, Counter\nprint(sys, Counter)\n"
    )
    assert found(source) == [
        (Code.UNUSED_IMPORT, "os", 1),
        (Code.UNUSED_IMPORT, "defaultdict as dd", 2),
    ]
    problems = check(source)
    assert [p.subject for p in problems] == ["os", "dd"]
    assert all(p.severity == Severity.WARNING for p in problems)
    assert problems[0].message == "'os' is imported but never used"


def test_unused_submodule_import_names_the_dotted_module() -> None:
    source = "import os.path\n"
    (problem,) = check(source)
    assert problem.subject == "os.path"
    assert source[problem.start : problem.end] == "os.path"


def test_unused_import_after_non_ascii_text() -> None:
    source = "x = '😀é'; import json\n"
    assert found(source) == [(Code.UNUSED_IMPORT, "json", 1)]


def test_package_init_reexports_unless_it_declares_all() -> None:
    assert check("from .core import run\n", filename="pkg/__init__.py") == []
    source = "from .core import run, helper\n__all__ = ['run']\n"
    assert [p.subject for p in check(source, filename="pkg/__init__.py")] == ["helper"]
    assert [p.subject for p in check("from .core import run\n", filename="pkg/mod.py")] == ["run"]


def test_package_init_with_an_all_built_at_run_time_reports_nothing() -> None:
    source = "from .core import run, helper\nfrom . import core\n__all__ = core.__all__ + ['run']\n"
    assert check(source, filename="pkg/__init__.py") == []
    # The same statements in a plain module: `helper` is reported (`core` is used, `run` listed).
    assert [p.subject for p in check(source, filename="pkg/mod.py")] == ["helper"]


def test_imports_inside_functions_of_an_init_are_still_checked() -> None:
    source = "def f():\n    import json\n    return 1\n"
    assert [p.subject for p in check(source, filename="pkg/__init__.py")] == ["json"]


REEXPORTS = {
    "__all__ list": "from os import path, sep\n__all__ = ['path', 'sep']\n",
    "__all__ tuple": "from os import path, sep\n__all__ = ('path', 'sep')\n",
    "__all__ +=": "from os import path, sep\n__all__ = ['path']\n__all__ += ['sep']\n",
    "__all__.extend": "from os import path, sep\n__all__ = []\n__all__.extend(['path', 'sep'])\n",
    "__all__.append": (
        "from os import path, sep\n__all__ = ['path']\n__all__.append('sep')\n"
        "__all__.insert(0, 'path')\n"
    ),
    "__all__ concatenation": "from os import path, sep\n__all__ = ['path'] + ['sep']\n",
    "__all__ under if": (
        "import sys\nfrom os import path\nif sys.platform:\n    __all__ = ['path']\n"
    ),
    "redundant aliases": "import os as os\nimport os.path as path\nfrom os import sep as sep\n",
    "star import": "from os import *\n",
    "star imports in a try and its ImportError fallback": (
        "try:\n    from _decimal import *\nexcept ImportError:\n    from _pydecimal import *\n"
    ),
    "named imports in an ImportError fallback": (
        "try:\n    from _json import scanstring\nexcept ModuleNotFoundError:\n"
        "    from json.decoder import py_scanstring as scanstring\n"
    ),
    "fallback in a tuple of handlers": (
        "try:\n    import tomllib\nexcept (ValueError, ImportError):\n    import tomli\n"
    ),
    "module metadata": "from ._version import __version__, __author__\n",
    "TYPE_CHECKING import in a string annotation": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from os import PathLike\n\n\n"
        "def f(p: 'PathLike[str]') -> 'list[PathLike[str]]':\n    return [p]\n"
    ),
    "TYPE_CHECKING import in a cast and a TypeVar bound": (
        "import typing\nfrom typing import TYPE_CHECKING, TypeVar\nif TYPE_CHECKING:\n"
        "    from os import PathLike\nT = TypeVar('T', bound='PathLike')\n"
        "x = typing.cast('PathLike', None)\n"
    ),
    "TYPE_CHECKING import in a type comment": (
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from os import PathLike\n"
        "paths = []  # type: list[PathLike]\n"
    ),
}


@pytest.mark.parametrize("source", REEXPORTS.values(), ids=REEXPORTS.keys())
def test_reexports_and_probes_are_not_unused_imports(source: str) -> None:
    assert check(source, Code.UNUSED_IMPORT) == []


def test_an_import_error_handler_guards_only_its_own_body() -> None:
    source = (
        "try:\n    import json\nexcept ValueError:\n    import pickle\n"
        "except ImportError:\n    import marshal\n"
    )
    # The try body is a probe (one handler catches ImportError); the ValueError handler is not.
    assert [p.subject for p in check(source, Code.UNUSED_IMPORT)] == ["pickle"]


def test_unused_type_checking_import_is_still_reported() -> None:
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from os import PathLike\n"
    assert [p.subject for p in check(source)] == ["PathLike"]


def test_a_facade_import_is_reported_as_a_warning() -> None:
    (problem,) = check("from collections.abc import Mapping\n", filename="pkg/compat.py")
    assert (problem.code, problem.severity) == (Code.UNUSED_IMPORT, Severity.WARNING)


# -- used before assignment ----------------------------------------------------------------------


def test_local_read_before_its_assignment() -> None:
    source = "def report():\n    print(total)\n    total = 0\n    return total\n"
    (problem,) = check(source)
    assert (problem.code, source[problem.start : problem.end], problem.line) == (
        Code.USED_BEFORE_ASSIGNMENT,
        "total",
        2,
    )
    assert problem.message == "'total' is used on line 2 before it is assigned on line 3"
    assert problem.severity == Severity.ERROR
    assert problem.subject == "total"


def test_module_name_defined_later_is_used_before_assignment_not_undefined() -> None:
    source = "print(limit)\nlimit = 10\n"
    (problem,) = check(source)
    assert problem.code == Code.USED_BEFORE_ASSIGNMENT
    assert problem.message == "'limit' is used on line 1 before it is assigned on line 2"


def test_class_used_before_its_definition() -> None:
    source = "widget = Widget()\n\n\nclass Widget:\n    pass\n"
    (problem,) = check(source)
    assert problem.code == Code.USED_BEFORE_ASSIGNMENT
    assert problem.message == "'Widget' is used on line 1 before it is defined on line 4"


def test_unbound_local_shadowing_a_global_explains_why() -> None:
    source = "count = 0\n\n\ndef increment():\n    count += 1\n"
    (problem,) = check(source)
    assert problem.code == Code.USED_BEFORE_ASSIGNMENT
    assert source[problem.start : problem.end] == "count"
    assert "updated with '+=' on line 5" in problem.message
    assert "makes it local" in problem.message and "line 1" in problem.message


def test_misspelt_accumulator_in_a_loop_is_reported() -> None:
    source = (
        "def total(xs):\n    total = 0\n    for x in xs:\n        totl += x\n    return total\n"
    )
    assert found(source) == [(Code.USED_BEFORE_ASSIGNMENT, "totl", 4)]


def test_use_before_assignment_after_non_ascii_text() -> None:
    source = "def f():\n    s = '😀'; print(s, ñame)\n    ñame = 1\n"
    assert found(source) == [(Code.USED_BEFORE_ASSIGNMENT, "ñame", 2)]


def test_read_in_the_right_hand_side_of_its_own_assignment() -> None:
    source = "def f():\n    n = n + 1\n    return n\n"
    assert found(source) == [(Code.USED_BEFORE_ASSIGNMENT, "n", 2)]
    assert check(source)[0].message == (
        "'n' is used on line 2 in its own assignment, before it has a value"
    )


# -- index out of range --------------------------------------------------------------------------


def test_index_past_the_end_of_a_list() -> None:
    source = "numbers = [1, 2, 3, 4]\nprint(numbers[4])\nprint(numbers[-5])\nprint(len(numbers))\n"
    assert found(source) == [
        (Code.INDEX_OUT_OF_RANGE, "4", 2),
        (Code.INDEX_OUT_OF_RANGE, "-5", 3),
    ]
    first = check(source)[0]
    assert first.message == (
        "index 4 is out of range for 'numbers', which has 4 items (valid indexes 0..3)"
    )
    assert first.subject == "numbers"
    assert first.severity == Severity.ERROR


def test_index_into_tuples_and_strings_with_non_ascii_text() -> None:
    source = "word = 'héllo'\npoint = (1, 2)\nlabel = '😀'; print(word[5], point[2])\n"
    assert found(source) == [
        (Code.INDEX_OUT_OF_RANGE, "5", 3),
        (Code.INDEX_OUT_OF_RANGE, "2", 3),
    ]
    assert "which has 5 characters" in check(source)[0].message


def test_index_in_a_function_and_through_a_closure() -> None:
    source = (
        "COLORS = ('red', 'green')\n\n\ndef pick():\n    return COLORS[2]\n\n\n"
        "def local():\n    days = ['mon', 'tue']\n    for d in days:\n        print(d)\n"
        "    return days[2]\n"
    )
    assert found(source) == [
        (Code.INDEX_OUT_OF_RANGE, "2", 5),
        (Code.INDEX_OUT_OF_RANGE, "2", 12),
    ]


POSSIBLY_CHANGED = {
    "appended": "xs = [1]\nxs.append(2)\nprint(xs[1])\n",
    "augmented": "xs = [1]\nxs += [2]\nprint(xs[1])\n",
    "rebound": "xs = [1]\nxs = [1, 2]\nprint(xs[1])\n",
    "loop target": "xs = [1]\nfor xs in [[1, 2]]:\n    pass\nprint(xs[1])\n",
    "passed to a function": "def grow(v):\n    v.append(2)\n\n\nxs = [1]\ngrow(xs)\nprint(xs[1])\n",
    "aliased": "xs = [1]\nys = xs\nys.append(2)\nprint(xs[1])\n",
    "item assignment": "xs = [1]\nxs[0] = 2\nprint(xs[1])\n",
    "global": "xs = [1]\n\n\ndef f():\n    global xs\n    xs = [1, 2]\n\n\nf()\nprint(xs[1])\n",
    "starred literal": "rest = [2]\nxs = [1, *rest]\nprint(xs[1])\n",
    "exec": "xs = [1]\nexec('xs.append(2)')\nprint(xs[1])\n",
    "deleted": "xs = [1]\ndel xs[0]\nprint(xs[1])\n",
}


@pytest.mark.parametrize("source", POSSIBLY_CHANGED.values(), ids=POSSIBLY_CHANGED.keys())
def test_index_check_stays_quiet_when_the_sequence_may_change(source: str) -> None:
    assert check(source, Code.INDEX_OUT_OF_RANGE) == []


def test_read_only_uses_keep_the_index_check() -> None:
    source = (
        "xs = [1, 2]\nfor x in xs:\n    print(x)\nprint(len(xs), sorted(xs), 3 in xs, xs[1:])\n"
        "print(xs[2])\n"
    )
    assert found(source) == [(Code.INDEX_OUT_OF_RANGE, "2", 5)]


# -- `is` with a literal -------------------------------------------------------------------------


def test_is_with_literals() -> None:
    source = "x = int('1')\nif x is 1 or x is not 'a' or x is (1, 2) or x is -1:\n    pass\n"
    assert found(source) == [
        (Code.LITERAL_IS_COMPARISON, "x is 1", 2),
        (Code.LITERAL_IS_COMPARISON, "x is not 'a'", 2),
        (Code.LITERAL_IS_COMPARISON, "x is (1, 2)", 2),
        (Code.LITERAL_IS_COMPARISON, "x is -1", 2),
    ]
    first = check(source)[0]
    assert first.severity == Severity.WARNING
    assert "'=='" in first.message
    assert "'!='" in check(source)[1].message


def test_is_literal_after_non_ascii_text() -> None:
    source = "name = input()\nok = '😀' and name is 'José'\n"
    assert found(source) == [(Code.LITERAL_IS_COMPARISON, "name is 'José'", 2)]


# -- mutable defaults ----------------------------------------------------------------------------


def test_mutable_defaults_that_the_function_changes() -> None:
    source = (
        "def f(a, items=[], table={}, *, seen=set(), cache=dict(), xs=list()):\n"
        "    items.append(a)\n    table[a] = 1\n    seen.add(a)\n    cache.update(a=a)\n"
        "    xs += [a]\n\n\nasync def g(tags={'a'}):\n    tags.discard('a')\n"
    )
    assert found(source) == [
        (Code.MUTABLE_DEFAULT, "[]", 1),
        (Code.MUTABLE_DEFAULT, "{}", 1),
        (Code.MUTABLE_DEFAULT, "set()", 1),
        (Code.MUTABLE_DEFAULT, "dict()", 1),
        (Code.MUTABLE_DEFAULT, "list()", 1),
        (Code.MUTABLE_DEFAULT, "{'a'}", 9),
    ]
    problems = check(source)
    assert problems[0].subject == "f.items"
    assert problems[0].severity == Severity.WARNING
    assert "'items'" in problems[0].message
    assert "'f' changes it on line 2" in problems[0].message


def test_mutable_default_after_non_ascii_text() -> None:
    source = "def greet(msg='¡hola! 😀', seen=[]):\n    seen.append(msg)\n"
    assert found(source) == [(Code.MUTABLE_DEFAULT, "[]", 1)]


MUTATED_DEFAULTS = {
    "append": "def f(a, seen=[]):\n    seen.append(a)\n",
    "item assignment": "def f(k, d={}):\n    d[k] = 1\n",
    "item deletion": "def f(k, d={}):\n    del d[k]\n",
    "item update": "def f(k, d={}):\n    d[k] += 1\n",
    "slice assignment": "def f(xs=[]):\n    xs[:] = [1]\n",
    "augmented assignment": "def f(xs=[]):\n    xs += [1]\n    return len(xs)\n",
    "setdefault": "def f(k, memo={}):\n    return memo.setdefault(k, k * 2)\n",
    "pop": "def f(stack=[]):\n    return stack.pop() if stack else None\n",
    "stored on self": ("class C:\n    def __init__(self, items=[]):\n        self.items = items\n"),
    "stored in a container": "def f(reg, xs=[]):\n    reg['k'] = xs\n",
    "stored in a global": "CACHE = None\n\n\ndef f(xs=[]):\n    global CACHE\n    CACHE = xs\n",
    "appended to another list": "def f(out, xs=[]):\n    out.append(xs)\n",
    "returned": "def f(xs=[]):\n    return xs\n",
    "returned in a tuple": "def f(a, xs=[]):\n    return a, xs\n",
    "returned as a fallback": "def f(a, xs=[]):\n    return a or xs\n",
    "yielded": "def f(xs=[]):\n    yield xs\n",
    "changed through an alias": "def f(a, seen=[]):\n    acc = seen\n    acc.append(a)\n",
    "changed in a closure": (
        "def f(a, seen=[]):\n    def add():\n        seen.append(a)\n    add()\n"
    ),
    "changed before a rebinding": "def f(xs=[]):\n    xs.append(1)\n    xs = list(xs)\n",
}


@pytest.mark.parametrize("source", MUTATED_DEFAULTS.values(), ids=MUTATED_DEFAULTS.keys())
def test_a_default_the_function_changes_keeps_or_returns_is_reported(source: str) -> None:
    assert [p.code for p in check(source)] == [Code.MUTABLE_DEFAULT]


READ_ONLY_DEFAULTS = {
    "read with get": "def f(x, opts={}):\n    return opts.get(x)\n",
    "iterated": "def f(xs=[]):\n    return [x * 2 for x in xs]\n",
    "membership and len": "def f(x, skip=set()):\n    return x not in skip and len(skip) < 3\n",
    "passed to a call": "def f(xs=[]):\n    print(xs)\n    return sorted(xs)\n",
    "copied before changing": "def f(xs=[]):\n    xs = list(xs)\n    xs.append(1)\n    return xs\n",
    "None guard pattern": (
        "def f(xs=[]):\n    if not xs:\n        xs = []\n    xs.append(1)\n    return xs\n"
    ),
    "a local copy": "def f(d={}):\n    out = dict(d)\n    out['k'] = 1\n    return out\n",
    "a closure that shadows it": (
        "def f(xs=[]):\n    def g(xs):\n        xs.append(1)\n    return g([])\n"
    ),
    "stored in a local only": "def f(xs=[]):\n    ys = xs, 1\n    return len(ys)\n",
    "other object's method": "def f(x, items=[]):\n    other = []\n    other.extend(items)\n",
    "a method returning a copy": "def f(d={}):\n    return d.copy()\n",
    "unpacked into a new object": (
        "class E:\n    def __init__(self, attrib={}, **extra):\n"
        "        self.attrib = {**attrib, **extra}\n        self.items = [*attrib]\n"
    ),
}


@pytest.mark.parametrize("source", READ_ONLY_DEFAULTS.values(), ids=READ_ONLY_DEFAULTS.keys())
def test_a_default_that_is_only_read_is_not_reported(source: str) -> None:
    assert check(source, Code.MUTABLE_DEFAULT) == []


# -- the whole ---------------------------------------------------------------------------------


def test_problems_are_sorted_and_checks_can_be_selected() -> None:
    source = "import os\nx = 1\nif x is 1:\n    print(y)\n\n\ndef f(a=[]):\n    return a\n"
    problems = analyze_static(source)
    assert [p.start for p in problems] == sorted(p.start for p in problems)
    assert {p.code for p in problems} == {
        Code.UNUSED_IMPORT,
        Code.LITERAL_IS_COMPARISON,
        Code.UNDEFINED_NAME,
        Code.MUTABLE_DEFAULT,
    }
    only = analyze_static(source, checks=frozenset({Code.UNUSED_IMPORT}))
    assert [p.code for p in only] == [Code.UNUSED_IMPORT]
    assert Code.USED_BEFORE_ASSIGNMENT in ALL_CHECKS


def test_never_raises_on_pathological_input() -> None:
    deep = "x = 1\ny = " + " + ".join(["x"] * 700) + "\n"
    assert isinstance(analyze_static(deep, ast.parse(deep)), list)
    assert analyze_static("def broken(:\n") == []


def test_a_name_probed_with_except_name_error_is_not_undefined_elsewhere() -> None:
    source = (
        "def in_notebook():\n"
        "    try:\n"
        "        get_ipython\n"
        "    except NameError:\n"
        "        return False\n"
        "    return get_ipython().kernel is not None\n"
        "\n"
        "def typo():\n"
        "    return get_ipythn()\n"
    )
    problems = analyze_static(source)
    assert [p.subject for p in problems if p.code == "undefined-name"] == ["get_ipythn"]


def test_runtime_names_walks_every_node_ast_walk_finds() -> None:
    # runtime_names reads the fields itself (4x faster): it must see the same nodes.
    import sysconfig
    from pathlib import Path

    from debugllm.analysis.runtime_names import _nodes

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for name in ("argparse.py", "enum.py", "ssl.py", "re/_constants.py", "gettext.py"):
        path = stdlib / name
        if path.exists():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            assert sorted(map(id, _nodes(tree))) == sorted(map(id, ast.walk(tree))), name
