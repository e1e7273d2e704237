"""Module names that real code creates at run time, where no assignment shows them.

pyflakes sees only statements that bind a name; these idioms bind names too, so a name they
make is no undefined name (each one was a false report on the standard library):

* ``_IntEnum._convert_('Options', __name__, lambda name: name.startswith('OP_'), ...)`` makes the
  class ``Options`` and a module global per member; with a ``startswith`` filter the members'
  prefixes are known, with any other filter every name may be one (``ssl``);
* ``@enum.global_enum`` puts the members of the class it decorates into the module (``re``);
* ``gettext.install()`` puts ``_`` (and the ``names=`` it lists) into builtins;
* ``builtins.name = ...``, ``setattr(builtins, 'name', ...)``, ``__builtins__['name'] = ...``;
* ``sys.modules[__name__]`` (its ``__dict__``, ``setattr`` on it) and ``vars()`` at module
  level reach the module's namespace like ``globals()``: any name may be made;
* ``try: get_ipython`` ... ``except NameError:`` probes for a name the environment may provide
  (IPython's ``get_ipython``, Python 2's ``unicode``): its other reads in the file are
  deliberate too (rich).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

_BUILTIN_MODULES = frozenset({"builtins", "__builtin__", "__builtins__"})


@dataclass(frozen=True)
class RuntimeNames:
    names: frozenset[str] = frozenset()
    #: Any name starting with one of these may exist (members of a converted enum).
    prefixes: tuple[str, ...] = ()
    #: The module's namespace is written to by name: any name may exist.
    anything: bool = False

    def defines(self, name: str) -> bool:
        return self.anything or name in self.names or name.startswith(self.prefixes)


def runtime_names(tree: ast.Module) -> RuntimeNames:
    names: set[str] = set()
    prefixes: set[str] = set()
    anything = False
    uses_gettext = False
    for node in _nodes(tree):
        if type(node) not in _WATCHED:
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            uses_gettext |= module == "gettext" or any(a.name == "gettext" for a in node.names)
        elif isinstance(node, ast.Call):
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else ""
            if attr in ("_convert_", "_convert"):
                made, member_prefixes = _converted_enum(node)
                names.update(made)
                if member_prefixes is None:
                    anything = True
                else:
                    prefixes.update(member_prefixes)
            elif attr == "install" or (isinstance(func, ast.Name) and func.id == "install"):
                names.update(_installed(node))
            elif (
                isinstance(func, ast.Name)
                and func.id == "setattr"
                and len(node.args) >= 2
                and _is_builtins(node.args[0])
            ):
                names.update(_strings(node.args[1]))
        elif isinstance(node, ast.ClassDef) and any(
            _is_global_enum(d) for d in node.decorator_list
        ):
            names.update(_class_members(node))
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(_builtin_target(target))
        elif isinstance(node, ast.Subscript) and _is_this_module(node):
            anything = True
        elif isinstance(node, (ast.Try, ast.TryStar)) and any(
            _catches_name_error(h) for h in node.handlers
        ):
            names.update(
                n.id
                for stmt in node.body
                for n in ast.walk(stmt)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
            )
    # At module level `vars()` is `globals()` (in a function it is `locals()`).
    anything |= any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "vars"
        and not node.args
        for node in _module_level_nodes(tree)
    )
    if not uses_gettext:
        # `install` is a common method name; only gettext's puts `_` into builtins.
        names.discard("_")
    return RuntimeNames(frozenset(names), tuple(sorted(prefixes)), anything)


#: The nodes the loop above looks at; every other node is only walked through.
_WATCHED: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Import, ast.ImportFrom, ast.Call, ast.ClassDef, ast.Assign, ast.AugAssign,
        ast.AnnAssign, ast.Subscript, ast.Try, ast.TryStar,
    }
)  # fmt: skip


def _nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node of ``tree``, as ``ast.walk`` finds them (in another order), reading the fields
    directly: ``ast.walk``'s generators took a quarter of a static check of a file."""
    found: list[ast.AST] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        found.append(node)
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
    return found


def _catches_name_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(isinstance(e, ast.Name) and e.id == "NameError" for e in elts)


def _strings(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        return [s for elt in node.elts for s in _strings(elt)]
    return []


def _converted_enum(call: ast.Call) -> tuple[list[str], list[str] | None]:
    """The class name ``Enum._convert_`` makes, and its members' prefixes (None: unknown)."""
    made = _strings(call.args[0]) if call.args else []
    test: ast.expr | None = call.args[2] if len(call.args) > 2 else None
    for keyword in call.keywords:
        if keyword.arg == "name" and keyword.value is not None:
            made += _strings(keyword.value)
        elif keyword.arg == "filter":
            test = keyword.value
    if not isinstance(test, ast.Lambda):
        return made, None
    prefixes = [
        prefix
        for node in ast.walk(test.body)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "startswith"
        for arg in node.args[:1]
        for prefix in _strings(arg)
    ]
    return made, prefixes or None


def _installed(call: ast.Call) -> list[str]:
    """``gettext.install(domain, names=[...])`` / ``translation.install()`` make ``_``."""
    made = ["_"]
    for keyword in call.keywords:
        if keyword.arg == "names":
            made += _strings(keyword.value)
    return made


def _is_global_enum(decorator: ast.expr) -> bool:
    if isinstance(decorator, ast.Call):
        decorator = decorator.func
    if isinstance(decorator, ast.Attribute):
        return decorator.attr == "global_enum"
    return isinstance(decorator, ast.Name) and decorator.id == "global_enum"


def _class_members(node: ast.ClassDef) -> list[str]:
    members: list[str] = []
    for stmt in node.body:
        targets = (
            stmt.targets
            if isinstance(stmt, ast.Assign)
            else [stmt.target]
            if isinstance(stmt, ast.AnnAssign)
            else []
        )
        for target in targets:
            if isinstance(target, ast.Name) and not target.id.startswith("_"):
                members.append(target.id)
    return members


def _is_builtins(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in _BUILTIN_MODULES


def _builtin_target(target: ast.expr) -> list[str]:
    """``builtins.name = ...`` / ``__builtins__['name'] = ...`` make ``name`` everywhere."""
    if isinstance(target, ast.Attribute) and _is_builtins(target.value):
        return [target.attr]
    if isinstance(target, ast.Subscript) and _is_builtins(target.value):
        return _strings(target.slice)
    return []


def _is_this_module(node: ast.Subscript) -> bool:
    """``sys.modules[__name__]``: the module's own namespace."""
    value, index = node.value, node.slice
    return (
        isinstance(value, ast.Attribute)
        and value.attr == "modules"
        and isinstance(index, ast.Name)
        and index.id == "__name__"
    )


def _module_level_nodes(tree: ast.Module) -> list[ast.AST]:
    """The nodes that run in the module's namespace (not in function or class bodies)."""
    found: list[ast.AST] = []
    stack: list[ast.AST] = list(tree.body)
    while stack:
        node = stack.pop()
        found.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))
    return found
