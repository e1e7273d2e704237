"""Code nobody writes: checks on a repair candidate's syntax tree.

Several edits can make a broken line compile; some of the results would fail the moment they
run (`len(items, capacity)`, `filter(lambda x: x) > 0`, `my_list.append(x) / 2`) or read like
no program a person writes (`[(f(x) for x in xs)]`, `if [x in seen]`, `total()` where `total`
is a number). The search adds a penalty to such candidates, so that a placement that makes
sense wins over a slightly cheaper one that does not. Only the nodes on the lines a candidate
replaced are judged: the rest of the file is the user's, odd or not.
"""

from __future__ import annotations

import ast
import builtins
import re
from functools import lru_cache

__all__ = ["FAILS_AT_RUN_TIME", "ITERABLE", "ODD", "FileNames", "oddity"]

#: The penalty (in the search's cost units) for code that reads like nobody's program.
ODD = 0.3
#: The penalty for code that is sure to raise when it runs.
FAILS_AT_RUN_TIME = 1.0

#: How many positional arguments builtins accept.
_ARITY: dict[str, tuple[int, int]] = {
    **dict.fromkeys(("len", "abs", "bin", "hex", "oct", "chr", "ord", "repr"), (1, 1)),
    **dict.fromkeys(("sorted", "reversed", "any", "all", "hash", "id", "callable"), (1, 1)),
    **dict.fromkeys(("isinstance", "issubclass", "filter", "divmod", "hasattr"), (2, 2)),
    **dict.fromkeys(("float", "bool", "list", "tuple", "set", "frozenset"), (0, 1)),
    **dict.fromkeys(("round", "enumerate", "sum", "iter", "next"), (1, 2)),
    "pow": (2, 3),
    "range": (1, 3),
    "int": (0, 2),
    "str": (0, 3),
    "getattr": (2, 3),
    "setattr": (3, 3),
    "map": (2, 99),
}
#: Builtins that take a number: a list, comprehension or generator there is misplaced.
_NUMERIC = frozenset({"abs", "bin", "hex", "oct", "chr", "round", "float", "divmod", "pow"})
_COLLECTIONS = (ast.List, ast.ListComp, ast.GeneratorExp, ast.Dict, ast.DictComp, ast.Set)
#: Builtins whose first argument is iterable (or sized).
ITERABLE = frozenset(
    {"len", "set", "list", "tuple", "frozenset", "sorted", "reversed", "sum", "any", "all"}
    | {"enumerate"}
)
#: Calls that return a number.
_NUMBER_CALLS = frozenset({"len", "int", "float", "abs", "round", "sum", "ord"})
#: List, set and dict methods that return None: their result is never computed with.
_RETURNS_NONE = frozenset(
    {"append", "extend", "insert", "sort", "reverse", "remove", "clear", "add", "update"}
)
_LITERALS = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set, ast.ListComp, ast.DictComp)
_DISPLAYS = (ast.List, ast.Dict, ast.Set, ast.Tuple)
_BUILTINS = frozenset(dir(builtins))


class FileNames:
    """What the file (before the repair) does with a name: defines it, calls it, assigns it."""

    def __init__(self, source: str) -> None:
        self.source = source
        # Each question scans the whole file; a search asks about the same few names.
        self._counts: dict[str, int] = {}

    def _count(self, pattern: str) -> int:
        if pattern not in self._counts:
            self._counts[pattern] = sum(1 for _ in _compiled(pattern).finditer(self.source))
        return self._counts[pattern]

    def defines(self, name: str) -> bool:
        """A `def`, `class`, import or lambda of that name: it may well be called."""
        return (
            self._count(
                rf"(?:\bdef|\bclass|\bimport|\bas)\s+{name}\b|\b{name}\s*=\s*lambda\b"
                rf"|\bimport\b[^\n]*[\s,]{name}\b"
            )
            > 0
        )

    def calls(self, name: str) -> bool:
        return self._count(rf"(?<![\w.]){name}\s*\(") > 0

    def assigns(self, name: str) -> bool:
        """Assigned a value, a loop variable or a parameter: `n = 0`, `a, n = ...`,
        `for i, n in ...`, `def f(n):`."""
        return (
            self._count(
                rf"(?<![\w.]){name}\s*(?:,[^=\n]*)?(?:[-+*/%]|//)?=(?!=)"
                rf"|\bfor\s+[^\n:]*(?<![\w.]){name}\b[^\n:]*\s+in\b"
                rf"|\bdef\s+\w+\s*\((?:[^)]*,)?\s*\**{name}\s*[:,=)]"
            )
            > 0
        )

    def uses(self, pattern: str) -> bool:
        """Does the file match ``pattern`` anywhere (a library's name, say)?"""
        return self._count(pattern) > 0

    def mentions(self, name: str) -> int:
        return self._count(rf"(?<![\w.]){name}\b")

    def is_builtin_shadowed(self, name: str) -> bool:
        return self.defines(name) or self.assigns(name)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


#: Methods of str, list and dict that are only ever called: `s.isupper` without `()` is a
#: bound method, always true in a condition.
_METHODS = frozenset(
    {"isupper", "islower", "isdigit", "isalpha", "isalnum", "isspace", "lower", "upper"}
    | {"strip", "lstrip", "rstrip", "split", "splitlines", "title", "capitalize", "swapcase"}
    | {"keys", "values", "items", "copy", "pop", "popitem"}
)


def oddity(tree: ast.AST, first: int, last: int, names: FileNames) -> float:
    """The penalty for the worst oddity among the nodes on lines ``first..last`` of ``tree``."""
    worst = 0.0
    called: set[int] = set()  # ast.walk is breadth-first: a call comes before its callee
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called.add(id(node.func))
        if isinstance(node, ast.ClassDef) and _runs_in_class_body(node, first, last):
            worst = max(worst, ODD)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _reads_maybe_unbound(
            node, first, last
        ):
            worst = max(worst, ODD)
        if not first <= getattr(node, "lineno", 0) <= last:
            continue
        if isinstance(node, ast.Attribute) and node.attr in _METHODS and id(node) not in called:
            worst = max(worst, ODD)  # `char.isupper` where `char.isupper()` was meant
        if isinstance(node, ast.Call):
            worst = max(worst, _odd_call(node, names))
        elif isinstance(node, (ast.BinOp, ast.Compare)) and _computes_with_none(node):
            worst = max(worst, FAILS_AT_RUN_TIME)
        elif _lone_generator(node) or _display_test(node):
            worst = max(worst, ODD)
        elif _iterates_a_number(node) and not names.uses(_ARRAY_LIBRARIES):
            worst = max(worst, FAILS_AT_RUN_TIME)  # `for x in xs / len(xs)`; arrays do that
        elif _odd_arithmetic(node) or _odd_subscript(node, names):
            worst = max(worst, ODD)
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Name):
            worst = max(worst, ODD)  # `seen;`: a statement that only names a variable
        if worst >= FAILS_AT_RUN_TIME:
            break
    return worst


#: Statements that do work: in a class body (rather than a method's) they read like a method
#: body that lost its indentation, not like a class attribute or definition.
_WORK = (ast.For, ast.AsyncFor, ast.While, ast.If, ast.Try, ast.With, ast.AugAssign, ast.Return)


def _runs_in_class_body(node: ast.ClassDef, first: int, last: int) -> bool:
    """A loop, `if`, `try`, `with`, `x += ...`, or a call for its effect, on lines
    ``first..last`` directly in the body of the class ``node``."""
    for stmt in node.body:
        if not first <= stmt.lineno <= last:
            continue
        if isinstance(stmt, _WORK):
            return True
        if isinstance(stmt, ast.Expr) and not isinstance(stmt.value, ast.Constant):
            return True
    return False


def _iterates_a_number(node: ast.AST) -> bool:
    """A loop or comprehension over a value no loop can iterate (`xs / len(xs)`, `a < b`)."""
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return _never_iterable(node.iter)
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        return any(_never_iterable(g.iter) for g in node.generators)
    return False


def _odd_arithmetic(node: ast.AST) -> bool:
    """`0 + x`, `x * 0`: arithmetic with no effect (or none but 0); `+xs[i:]`: a unary plus
    nobody writes on anything but a number."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.UAdd):
        return not isinstance(node.operand, ast.Constant)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mult)):
        return any(_zero(o) for o in (node.left, node.right))
    return False


def _zero(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value == 0


#: Libraries whose arrays take several slices at once (`a[1:, j]`).
_ARRAY_LIBRARIES = r"\b(?:numpy|pandas|torch|tensorflow|jax|scipy|xarray|cupy|dask)\b"


def _odd_subscript(node: ast.AST, names: FileNames) -> bool:
    """`s[1:, t[1:]]`: a slice inside a tuple index, which only array libraries accept; a
    slice bound that is a comparison (`s[0:2 == 'I ']`), a bool no one slices by."""
    if isinstance(node, ast.Slice):
        return any(isinstance(b, (ast.Compare, ast.BoolOp)) for b in (node.lower, node.upper))
    if not isinstance(node, ast.Subscript) or not isinstance(node.slice, ast.Tuple):
        return False
    if not any(isinstance(e, ast.Slice) for e in node.slice.elts):
        return False
    return not names.uses(_ARRAY_LIBRARIES)


def _reads_maybe_unbound(
    node: ast.FunctionDef | ast.AsyncFunctionDef, first: int, last: int
) -> bool:
    """A statement on lines ``first..last`` directly in the function's body that reads a name
    only an earlier `if` (without an `else` that binds it too) assigns: a line dedented out of
    the `if` it belonged to, which fails when the condition is false."""
    bound = {a.arg for a in ast.walk(node.args) if isinstance(a, ast.arg)}
    maybe: set[str] = set()
    for stmt in node.body:
        if first <= stmt.lineno <= last:
            stored = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and not _loads(n)}
            read = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and _loads(n)}
            if (read - stored - bound) & maybe:
                return True
        if isinstance(stmt, ast.If):
            only_if = _bound_in(stmt.body) - _bound_in(stmt.orelse)
            maybe |= only_if - bound
            bound |= _bound_in(stmt.body) & _bound_in(stmt.orelse)
        else:
            bound |= _bound_in([stmt])
        maybe -= bound
    return False


def _loads(name: ast.Name) -> bool:
    return isinstance(name.ctx, ast.Load)


def _bound_in(stmts: list[ast.stmt]) -> set[str]:
    """Names the statements bind, at any depth (not inside nested functions' bodies)."""
    out: set[str] = set()
    for stmt in stmts:
        for n in ast.walk(stmt):
            if isinstance(n, ast.Name) and not _loads(n):
                out.add(n.id)
            elif isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(n.name)
            elif isinstance(n, ast.alias):
                out.add((n.asname or n.name).split(".")[0])
            elif isinstance(n, (ast.Global, ast.Nonlocal)):
                out.update(n.names)
    return out


def _odd_call(call: ast.Call, names: FileNames) -> float:
    func = call.func
    if isinstance(func, _LITERALS):
        return ODD  # `[x](y)`: CPython itself warns "not callable; perhaps you missed a comma?"
    if _misused_math(call) or _misused_ord(call):
        return FAILS_AT_RUN_TIME
    if isinstance(func, ast.Call) and _number(func):
        return FAILS_AT_RUN_TIME  # `sum(xs)(n)`: a number called
    if not isinstance(func, ast.Name):
        return 0.0
    if func.id in _ARITY and _misused_builtin(call, func.id, names):
        return FAILS_AT_RUN_TIME
    # `ret()` where `ret = 1`: a variable the file never calls nor defines as a function; or
    # `absx(-y)`: a name that is nowhere else in the file and no builtin.
    name = func.id
    if names.assigns(name) and not names.calls(name) and not names.defines(name):
        return ODD
    if name not in _BUILTINS and not names.defines(name) and names.mentions(name) <= 1:
        return ODD
    return 0.0


#: Functions of `math` that take one number.
_MATH_NUMERIC = frozenset(
    {"ceil", "floor", "trunc", "sqrt", "isqrt", "exp", "log", "log2", "log10", "fabs"}
    | {"factorial", "sin", "cos", "tan", "radians", "degrees"}
)


def _misused_math(call: ast.Call) -> bool:
    """`math.ceil(x / c for x in xs)`: a math function given a collection or generator."""
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == "math"
        and func.attr in _MATH_NUMERIC
        and any(isinstance(a, _COLLECTIONS) for a in call.args)
    )


def _misused_ord(call: ast.Call) -> bool:
    """`ord(ch + 5 - ord("a"))`: ord takes one character, never a number or what adding a
    number to something gives."""
    if not (isinstance(call.func, ast.Name) and call.func.id == "ord" and len(call.args) == 1):
        return False
    arg = call.args[0]
    if _number(arg):
        return True
    return (
        isinstance(arg, ast.BinOp)
        and isinstance(arg.op, (ast.Add, ast.Sub, ast.Div, ast.FloorDiv, ast.Pow))
        and any(_number(o) for o in (arg.left, arg.right))
    )


def _misused_builtin(call: ast.Call, name: str, names: FileNames) -> bool:
    """A builtin called with a number of arguments it never accepts, a number-only builtin
    given a collection, or an iterating builtin given a bool, a number or (for `len`) a
    generator."""
    if any(isinstance(a, ast.Starred) for a in call.args):
        return False
    low, high = _ARITY[name]
    odd = not low <= len(call.args) <= high
    odd = odd or (name in _NUMERIC and any(isinstance(a, _COLLECTIONS) for a in call.args))
    # `bin(x[2:] + "db")`: a string where only `float` of them takes one.
    odd = odd or (name in _NUMERIC - {"float"} and any(_string(a) for a in call.args))
    if name in ITERABLE and call.args:
        odd = odd or _never_iterable(call.args[0])
    if name == "len" and call.args:
        odd = odd or isinstance(call.args[0], ast.GeneratorExp)
    # Unless the file defines its own function or variable of that name.
    return odd and not names.is_builtin_shadowed(name)


def _never_iterable(node: ast.expr) -> bool:
    """A comparison or `and`/`or` (a bool), or arithmetic with a number (`x - 1`,
    `s - len(t) + 1`): values no builtin can iterate or measure. `xs * 2` may be a list."""
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return True
    if not isinstance(node, ast.BinOp) or isinstance(node.op, ast.Mult):
        return False
    return any(_number(o) or _never_iterable(o) for o in (node.left, node.right))


def _string(node: ast.expr) -> bool:
    """A string literal, an f-string, or a sum with one."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _string(node.left) or _string(node.right)
    return False


def _number(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return type(node.value) in (int, float)
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NUMBER_CALLS
    )


def _computes_with_none(node: ast.BinOp | ast.Compare) -> bool:
    """`xs.append(x) / 2`: arithmetic or an order comparison on what a list method returns."""
    if isinstance(node, ast.Compare) and not all(
        isinstance(op, (ast.Lt, ast.Gt, ast.LtE, ast.GtE)) for op in node.ops
    ):
        return False
    operands = (
        [node.left, node.right] if isinstance(node, ast.BinOp) else [node.left, *node.comparators]
    )
    return any(
        isinstance(o, ast.Call)
        and isinstance(o.func, ast.Attribute)
        and o.func.attr in _RETURNS_NONE
        for o in operands
    )


def _lone_generator(node: ast.AST) -> bool:
    """`[(f(x) for x in xs)]`: a list or set holding one bare generator expression."""
    if not isinstance(node, (ast.List, ast.Set)):
        return False
    return len(node.elts) == 1 and isinstance(node.elts[0], ast.GeneratorExp)


def _display_test(node: ast.AST) -> bool:
    """`if [x in seen]`, `... for x in xs if [x]`: a non-empty display as a condition, which
    is always true."""
    tests: list[ast.expr] = []
    if isinstance(node, (ast.If, ast.While, ast.IfExp)):
        tests.append(node.test)
    elif isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        tests.extend(test for generator in node.generators for test in generator.ifs)
    return any(isinstance(t, _DISPLAYS) and _non_empty(t) for t in tests)


def _non_empty(node: ast.expr) -> bool:
    if isinstance(node, ast.Dict):
        return bool(node.keys)
    return bool(getattr(node, "elts", ()))
