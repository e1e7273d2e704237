"""Does a function change, keep or hand out the mutable default of one of its parameters?

A mutable default (``def f(opts={})``) is only a bug when the one shared object can carry state
from one call to the next: the function mutates it, stores it somewhere that outlives the call,
or returns it to a caller who may. Most such defaults are only read (``opts.get(key)``), and
reporting those taught users to ignore the check (205 reports on the standard library, none of
10 sampled a bug).

What counts, on the parameter or a plain local alias of it (``acc = seen``), in the function or
a closure inside it that does not rebind the name:

* a mutating method call (``p.append(x)``, ``p.update(...)``, ``p.setdefault(...)`` ...);
* item or slice assignment or deletion (``p[k] = v``, ``del p[k]``, ``p[k] += 1``);
* an augmented assignment (``p += [x]`` extends a list in place, ``p |= {...}`` a set or dict);
* storing it: ``self.x = p``, ``obj.attr = p``, ``table[k] = p``, a ``global``/``nonlocal``
  name ``= p``, ``other.append(p)``;
* returning or yielding it (alone, in a tuple/list/dict literal, or as an ``or``/``if`` branch).

Passing it to another call does not count (too many false reports: most callees only read).
Nothing counts after the parameter is rebound (``p = list(p)``, ``if p is None: p = []``): the
test is by source order, so a rebinding in one branch also clears a later mutation in the other
(a missed report, never a false one).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

#: Methods of list, dict, set, deque and bytearray that change the object.
MUTATING_METHODS = frozenset(
    {
        "append", "extend", "insert", "update", "add", "setdefault", "pop", "clear", "remove",
        "discard", "sort", "reverse", "popitem", "appendleft", "extendleft", "popleft", "rotate",
        "difference_update", "intersection_update", "symmetric_difference_update",
        "__setitem__", "__delitem__", "__iadd__", "__ior__",
    }
)  # fmt: skip
#: Methods that put their argument itself into their object (``seen.add(p)`` keeps ``p``;
#: ``extend`` copies the items out of it).
_STORING_METHODS = frozenset(
    {"append", "insert", "add", "setdefault", "appendleft", "__setitem__", "put"}
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class Escape:
    """Where and how a function lets its default object outlive the call."""

    node: ast.AST
    #: "changes", "stores" or "returns"
    how: str

    @property
    def line(self) -> int:
        return getattr(self.node, "lineno", 0)


def default_escape(func: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> Escape | None:
    """The first place ``func`` changes, stores or returns its parameter ``name``, if any."""
    finder = _Finder(func, name)
    return finder.first()


class _Finder:
    def __init__(self, func: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> None:
        self.func = func
        self.names = {name}
        self.declared = {
            n
            for node in _own_nodes(func.body)
            if isinstance(node, (ast.Global, ast.Nonlocal))
            for n in node.names
        }
        # Plain aliases `acc = seen` (made before any rebinding) share the default object.
        for node in _own_nodes(func.body):
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and isinstance(node.value, ast.Name)
                and node.value.id == name
            ):
                self.names.add(node.targets[0].id)
        self.rebound = self._rebinding_positions(name)

    def _rebinding_positions(self, name: str) -> list[tuple[int, int]]:
        # `p += [x]` is no rebinding here: it changes the default itself (see `_escape`).
        found = []
        for node in _own_nodes(self.func.body):
            if isinstance(node, ast.Name):
                rebinds = node.id == name and not isinstance(node.ctx, ast.Load)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                rebinds = any((a.asname or a.name.split(".")[0]) == name for a in node.names)
            elif isinstance(node, ast.ExceptHandler):
                rebinds = node.name == name
            else:
                rebinds = False
            if rebinds:
                found.append(_pos(node))
        return sorted(found)

    def first(self) -> Escape | None:
        escapes = [e for e in self._escapes(self.func.body) if not self._after_rebinding(e.node)]
        return min(escapes, key=lambda e: _pos(e.node), default=None)

    def _after_rebinding(self, node: ast.AST) -> bool:
        return bool(self.rebound) and self.rebound[0] < _pos(node)

    def _escapes(self, body: list[ast.stmt]) -> Iterator[Escape]:
        for node in _closure_nodes(body, self.names):
            found = self._escape(node)
            if found is not None:
                yield found

    def _escape(self, node: ast.AST) -> Escape | None:
        names = self.names
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if _is_name(node.func.value, names) and node.func.attr in MUTATING_METHODS:
                return Escape(node, "changes")
            if node.func.attr in _STORING_METHODS and any(_is_name(a, names) for a in node.args):
                return Escape(node, "stores")
        elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load):
            if _is_name(node.value, names):
                return Escape(node, "changes")
        elif isinstance(node, ast.AugAssign):
            target = node.target
            if _is_name(target, names) or (
                isinstance(target, ast.Subscript) and _is_name(target.value, names)
            ):
                return Escape(node, "changes")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _holds(node.value, names) and any(self._outlives_call(t) for t in targets):
                return Escape(node, "stores")
        elif (
            isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))
            and node.value is not None
            and _holds(node.value, names, returned=True)
        ):
            return Escape(node, "returns")
        return None

    def _outlives_call(self, target: ast.expr) -> bool:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            return True
        if isinstance(target, ast.Name):
            return target.id in self.declared
        if isinstance(target, (ast.Tuple, ast.List)):
            return any(self._outlives_call(t) for t in target.elts)
        return False


def _is_name(node: ast.AST, names: set[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _holds(node: ast.expr, names: set[str], returned: bool = False) -> bool:
    """Whether the value of ``node`` is, or directly contains, the object named by ``names``."""
    if _is_name(node, names):
        return True
    # `[*p]` and `{**p}` copy the items out of it: the new object does not share the default.
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return any(not isinstance(e, ast.Starred) and _holds(e, names) for e in node.elts)
    if isinstance(node, ast.Dict):
        pairs = zip(node.keys, node.values, strict=True)
        return any(k is not None and (_holds(k, names) or _holds(v, names)) for k, v in pairs)
    if returned and isinstance(node, ast.BoolOp):
        return any(_holds(v, names, returned) for v in node.values)
    if returned and isinstance(node, ast.IfExp):
        return _holds(node.body, names, returned) or _holds(node.orelse, names, returned)
    return False


def _pos(node: ast.AST) -> tuple[int, int]:
    return (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))


def _own_nodes(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every node of ``body`` outside nested functions, lambdas and classes."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, _SCOPES):
            stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _closure_nodes(body: list[ast.stmt], names: set[str]) -> Iterator[ast.AST]:
    """Every node of ``body``, nested scopes included unless they bind one of ``names``."""
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES) and _binds_any(node, names):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


def _binds_any(
    scope: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef, names: set[str]
) -> bool:
    """Whether a nested function, lambda or class makes one of ``names`` its own."""
    body: list[ast.stmt] = [ast.Expr(scope.body)] if isinstance(scope, ast.Lambda) else scope.body
    if not isinstance(scope, ast.ClassDef):
        args = scope.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        if any(a is not None and a.arg in names for a in params):
            return True
    return any(
        isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Store)
        for node in _own_nodes(body)
    )
