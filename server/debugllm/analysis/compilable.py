"""Which parsed trees CPython's compiler cannot reject, found in the walk that measures depth.

``ast.parse`` accepts code that ``compile`` then rejects: the symbol table's and the code
generator's own checks ('return' outside function, 'break' outside loop, a repeated keyword
argument, a late ``from __future__`` import ...). Compiling a parsed tree only to learn that it
holds none of them costs about a quarter of a clean file's analysis. ``survey`` proves the
absence for most trees by walking them once, with the context those checks depend on (the
scope a node is in, whether a loop encloses it): every construct that one of those checks
looks at either passes a rule written out here or sends the tree to the compiler, so a tree
the survey passes is one ``compile`` accepts (tests/unit/test_compilable.py holds one program
per check of CPython 3.11-3.13 and random programs over all of them). The walk also measures
the tree's depth, which the static checks need anyway, so it replaces a walk rather than
adding one.

The rules err one way only: a construct they do not settle (``global``, ``nonlocal``, ``:=``,
``match``, ``except*``, type parameters, starred targets, ``await`` outside an ``async def``'s
own body ...) makes the tree "unproven", and the caller compiles it as before.
"""

from __future__ import annotations
import __future__

import ast
from collections.abc import Callable
from typing import NamedTuple

_FEATURES = frozenset(__future__.all_feature_names)

# Scopes a node can be in, as the compiler's checks distinguish them.
_MODULE, _CLASS, _FUNCTION, _ASYNC, _LAMBDA, _COMPREHENSION, _ANNOTATION = range(7)
#: Nodes whose checks the survey does not model: the tree goes to the compiler.
_UNMODELLED: tuple[type[ast.AST], ...] = tuple(
    getattr(ast, name)
    for name in ("Global", "Nonlocal", "NamedExpr", "Match", "TryStar", "TypeAlias")
    if hasattr(ast, name)
)
_LOOPS = (ast.For, ast.While, ast.AsyncFor)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
#: Where an (unstarred-target) ``*x`` may stand: a call's arguments, a display's items.
_STAR_PARENTS = frozenset({ast.Call, ast.List, ast.Tuple, ast.Set})
#: Statements that take a block on the compiler's stack of nested blocks (CPython allows 20;
#: a ``try`` may take two). ``if`` takes none.
_BLOCKS = (ast.For, ast.While, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Try, ast.ExceptHandler)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
#: Nodes whose children stand in another context than their own (``_enter``).
_SCOPED = frozenset({*_FUNCTIONS, *_COMPREHENSIONS, *_BLOCKS, ast.arg, ast.AnnAssign})
#: Each of those takes at most three (a handler inside a ``try`` with a ``finally``; a
#: ``with`` one per item, counted so), and a function's blocks are counted with its callers'.
_MAX_BLOCKS = 6


class Survey(NamedTuple):
    depth: int
    #: ``True``: ``compile`` accepts the tree (proven); ``False``: not known.
    compiles: bool


#: Where a node stands, as the compiler's checks see it: (scope, inside a loop, blocks open).
_Context = tuple[int, bool, int]


def survey(tree: ast.Module) -> Survey:
    """The depth of ``tree`` and whether it is proven to compile. Walks level by level, each
    node with its context (shared with its parent's unless it changes), without recursion."""
    futures = _futures_in_place(tree)
    if futures is None:
        return Survey(_depth(tree), False)
    depth = 0
    level: list[ast.AST] = [tree]
    contexts: list[_Context] = [(_MODULE, False, 0)]
    starred = ast.Starred
    while level:
        depth += 1
        below: list[ast.AST] = []
        inside: list[_Context] = []
        add = below.append
        note = inside.append
        for node, context in zip(level, contexts, strict=True):
            kind = type(node)
            if kind not in _SIMPLE:
                if not _allowed(node, context, futures):
                    return Survey(_depth(tree), False)
                if kind in _SCOPED:
                    if not _enter(node, context, add, note):
                        return Survey(_depth(tree), False)
                    continue
            star_ok = kind in _STAR_PARENTS
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    if type(value) is starred and not star_ok:
                        return Survey(_depth(tree), False)
                    add(value)
                    note(context)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            if type(item) is starred and not star_ok:
                                return Survey(_depth(tree), False)
                            add(item)
                            note(context)
        level = below
        contexts = inside
    return Survey(depth, True)


def _enter(
    node: ast.AST,
    context: _Context,
    add: Callable[[ast.AST], None],
    note: Callable[[_Context], None],
) -> bool:
    """Queue the children of a node that changes their context; ``False`` when a child is a
    ``*x`` where the survey does not settle it, or the blocks open pass the limit."""
    scope, loop, blocks = context
    children: list[tuple[ast.AST | None, _Context]] = []
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        if scope == _ANNOTATION:
            inner = _ANNOTATION
        elif isinstance(node, ast.Lambda):
            inner = _LAMBDA
        else:
            inner = _ASYNC if isinstance(node, ast.AsyncFunctionDef) else _FUNCTION
        body = (inner, False, blocks)
        # Decorators and defaults run where the function is defined; annotations are checked
        # as annotations.
        children.append((node.args, context))
        if isinstance(node, ast.Lambda):
            children.append((node.body, body))
        else:
            children += [(item, context) for item in node.decorator_list]
            children.append((node.returns, (_ANNOTATION, loop, blocks)))
            children += [(item, body) for item in node.body]
    elif isinstance(node, ast.ClassDef):
        children += [(item, context) for item in (*node.bases, *node.keywords)]
        children += [(item, context) for item in node.decorator_list]
        children += [(item, (_CLASS, False, blocks)) for item in node.body]
    elif isinstance(node, _COMPREHENSIONS):
        inner_context = context if scope == _ANNOTATION else (_COMPREHENSION, loop, blocks)
        children += [(child, inner_context) for child in ast.iter_child_nodes(node)]
    elif isinstance(node, (ast.arg, ast.AnnAssign)):
        children.append((node.annotation, (_ANNOTATION, loop, blocks)))
        if isinstance(node, ast.AnnAssign):
            children += [(node.target, context), (node.value, context)]
    else:
        items = getattr(node, "items", None)
        blocks += len(items) if items else 1
        if blocks > _MAX_BLOCKS:
            return False
        context = (scope, loop, blocks)
        if isinstance(node, _LOOPS):
            body = (scope, True, blocks)
            head = [node.test] if isinstance(node, ast.While) else [node.target, node.iter]
            children += [(item, context) for item in head]
            children += [(item, body) for item in node.body]
            children += [(item, context) for item in node.orelse]
        else:
            children += [(child, context) for child in ast.iter_child_nodes(node)]
    for child, child_context in children:
        if child is None:
            continue
        if type(child) is ast.Starred:
            return False
        add(child)
        note(child_context)
    return True


#: Nodes no compiler check looks at beyond their children (the walk's fast path).
_SIMPLE = frozenset(
    {
        ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.Pass, ast.Delete, ast.Raise,
        ast.Assert, ast.Import, ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.Compare, ast.IfExp,
        ast.Constant, ast.Subscript, ast.Slice, ast.Dict, ast.List, ast.Tuple, ast.Set,
        ast.JoinedStr, ast.FormattedValue, ast.Load, ast.Store, ast.Del, ast.Module,
        ast.withitem, ast.Add, ast.Sub, ast.Mult, ast.MatMult, ast.Div, ast.Mod, ast.Pow,
        ast.LShift, ast.RShift, ast.BitOr, ast.BitXor, ast.BitAnd, ast.FloorDiv, ast.And,
        ast.Or, ast.Invert, ast.Not, ast.UAdd, ast.USub, ast.Eq, ast.NotEq, ast.Lt, ast.LtE,
        ast.Gt, ast.GtE, ast.Is, ast.IsNot, ast.In, ast.NotIn,
    }
)  # fmt: skip
#: Nodes whose own check is only that they stand in the right place or hold no
#: ``__debug__`` (``_allowed``); any node in neither set leaves the tree unproven.
_KNOWN = frozenset(
    {
        ast.For, ast.While, ast.With, ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
        ast.GeneratorExp, ast.AnnAssign,
    }
)  # fmt: skip


def _allowed(node: ast.AST, context: _Context, futures: set[int]) -> bool:
    """Whether the compiler's checks of ``node`` itself pass (its children are walked apart).
    ``futures``: the ``from __future__`` imports in place (``_futures_in_place``)."""
    scope, loop, _ = context
    if isinstance(node, ast.Name):
        return node.id != "__debug__"
    if isinstance(node, ast.Call):
        return _distinct_keywords(node.keywords)
    if isinstance(node, ast.Attribute):
        return node.attr != "__debug__"
    if isinstance(node, (ast.keyword, ast.arg)):
        return node.arg != "__debug__"
    if isinstance(node, ast.arguments):
        return _distinct_arguments(node)
    if isinstance(node, ast.Starred):
        return isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Return):
        return scope in (_FUNCTION, _ASYNC)
    if isinstance(node, (ast.Break, ast.Continue)):
        return loop
    if isinstance(node, (ast.Yield, ast.YieldFrom)):
        # In an ``async def`` a ``yield`` makes a generator that may not return a value: the
        # survey does not look for the return, the compiler does.
        return scope in (_FUNCTION, _LAMBDA)
    if isinstance(node, (ast.Await, ast.AsyncWith, ast.AsyncFor)):
        return scope == _ASYNC
    if isinstance(node, ast.comprehension):
        return not node.is_async
    if isinstance(node, ast.ImportFrom):
        if node.module == "__future__" and id(node) not in futures:
            return False
        return scope == _MODULE or all(alias.name != "*" for alias in node.names)
    if isinstance(node, ast.alias):
        return "__debug__" not in (node.name, node.asname)
    if isinstance(node, ast.Try):
        return all(handler.type is not None for handler in node.handlers[:-1])
    if isinstance(node, ast.ExceptHandler):
        return node.name != "__debug__"
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        if getattr(node, "type_params", None) or node.name == "__debug__":
            return False
        return not isinstance(node, ast.ClassDef) or _distinct_keywords(node.keywords)
    return type(node) in _KNOWN


def _distinct_keywords(keywords: list[ast.keyword]) -> bool:
    named = [k.arg for k in keywords if k.arg is not None]
    return len(named) == len(set(named))


def _distinct_arguments(arguments: ast.arguments) -> bool:
    names = [a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
    names += [a.arg for a in (arguments.vararg, arguments.kwarg) if a is not None]
    return len(names) == len(set(names))


def _futures_in_place(tree: ast.Module) -> set[int] | None:
    """The ``from __future__`` imports that stand where the compiler wants them (at the top
    of the module, after the docstring and other such imports), by ``id``; ``None`` when one
    there names a feature the compiler does not know. The walk rejects any other."""
    body = tree.body
    start = 0
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and type(value.value) is str:
            start = 1
    futures: set[int] = set()
    for statement in body[start:]:
        if not (
            isinstance(statement, ast.ImportFrom)
            and statement.module == "__future__"
            and not statement.level
        ):
            break
        if not all(alias.name in _FEATURES for alias in statement.names):
            return None
        futures.add(id(statement))
    return futures


def _depth(tree: ast.AST) -> int:
    """The deepest nesting of ``tree`` (level by level, reading the fields directly)."""
    depth = 0
    level = [tree]
    while level:
        depth += 1
        below: list[ast.AST] = []
        add = below.append
        for node in level:
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, ast.AST):
                    add(value)
                elif isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.AST):
                            add(item)
        level = below
    return depth
