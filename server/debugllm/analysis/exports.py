"""What a module exports through ``__all__``, read from its module-level statements.

pyflakes counts the names of ``__all__ = [...]``, ``__all__ += [...]`` and list concatenation as
used, but not ``__all__.extend([...])`` or ``__all__.append(...)``; the unused-import check needs
all of them, and whether the list is fully known (an ``__init__.py`` whose ``__all__`` is built
from another module's cannot say which of its imports are private).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_ALL = "__all__"
#: ``__all__.<method>(...)`` calls that add names (their string arguments are exported).
_ADDING = frozenset({"append", "extend", "insert"})
#: Calls that only take names away; a name they remove stays counted (erring towards silence).
_REMOVING = frozenset({"remove", "pop", "clear", "sort", "reverse", "index", "count", "copy"})


@dataclass(frozen=True)
class Exports:
    names: frozenset[str] = frozenset()
    #: The module binds ``__all__`` at all.
    declared: bool = False
    #: Every change to ``__all__`` is made of string literals (so ``names`` is all of it).
    complete: bool = True


def module_exports(tree: ast.Module) -> Exports:
    """The names a module lists in ``__all__`` (module-level code, ``if``/``try`` blocks too)."""
    reader = _Reader()
    reader.statements(tree.body)
    return Exports(frozenset(reader.names), reader.declared, reader.complete)


class _Reader:
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.declared = False
        self.complete = True

    def statements(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == _ALL for t in targets):
                self.declared = True
                if stmt.value is not None:
                    self.value(stmt.value)
            return
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            self.call(stmt.value)
            return
        # Blocks that run at import time; function and class bodies do not change __all__.
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(stmt, field, None)
            if isinstance(block, list) and not isinstance(
                stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
            ):
                for child in block:
                    if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        self.statements(child.body)
                    elif isinstance(child, ast.stmt):
                        self.statement(child)

    def call(self, call: ast.Call) -> None:
        func = call.func
        if not (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == _ALL
        ):
            return
        if func.attr in _ADDING:
            for arg in call.args:
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, int)):
                    self.value(arg)  # the index of insert(i, name) is not a name
        elif func.attr not in _REMOVING:
            self.complete = False

    def value(self, node: ast.expr) -> None:
        """Collect the string literals of ``node``; anything else makes the list unknown."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.names.add(node.value)
        elif isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            for elt in node.elts:
                self.value(elt)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            self.value(node.left)
            self.value(node.right)
        elif not (isinstance(node, ast.Name) and node.id == _ALL):
            self.complete = False
