"""Static checks on a file that parses.

pyflakes finds undefined names and unused imports; a scope model built here in one pass over the
tree adds what it lacks (locals read before their first binding, constant indexes past the end of
a literal, mutable defaults, ``is`` with a literal), turns "undefined" names that are only bound
later into used-before-assignment, and drops the false positives pyflakes is known for
(loop-carried variables, names made by ``globals()``). Positions in ``ast`` are UTF-8 byte
columns; every ``Problem`` carries code-point offsets.
"""

from __future__ import annotations

import ast
import builtins
import os
import re
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from debugllm.analysis.defaults import default_escape
from debugllm.analysis.exports import Exports, module_exports
from debugllm.analysis.runtime_names import RuntimeNames, runtime_names
from debugllm.analysis.suppressions import Suppressions, without_suppressed
from debugllm.gcpause import paused_gc
from debugllm.problems import Code, Problem, Severity
from debugllm.text import LineIndex, utf8_col_to_char

ALL_CHECKS: frozenset[str] = frozenset(
    {
        Code.UNDEFINED_NAME,
        Code.UNUSED_IMPORT,
        Code.USED_BEFORE_ASSIGNMENT,
        Code.INDEX_OUT_OF_RANGE,
        Code.LITERAL_IS_COMPARISON,
        Code.MUTABLE_DEFAULT,
    }
)
_PYFLAKES_CHECKS = frozenset({Code.UNDEFINED_NAME, Code.UNUSED_IMPORT, Code.USED_BEFORE_ASSIGNMENT})

#: ``(line, UTF-8 column)`` as ``ast`` reports it; tuples compare in source order.
Pos = tuple[int, int]

#: Handlers that make reading a possibly-unbound name deliberate (``try: x except NameError``).
_NAME_ERROR_CATCHERS = frozenset({"NameError", "UnboundLocalError", "Exception", "BaseException"})
#: Handlers that make an import an availability probe rather than a dependency.
_IMPORT_ERROR_CATCHERS = frozenset(
    {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}
)
#: Builtins that only read a sequence passed to them, so it keeps its length.
_SAFE_CALLS = frozenset(
    {
        "print", "len", "sum", "min", "max", "sorted", "list", "tuple", "set", "str", "repr",
        "enumerate", "zip", "any", "all", "reversed",
    }
)  # fmt: skip
#: Calls that can rebind any name behind the analysis' back.
_DYNAMIC_CALLS = frozenset({"exec", "eval", "globals", "locals", "vars"})
#: Nodes with nothing below them worth visiting (contexts, operators, constants).
_LEAVES: frozenset[type[ast.AST]] = frozenset(
    {ast.Constant, ast.Pass, ast.Break, ast.Continue}
    | {
        cls
        for base in (ast.expr_context, ast.operator, ast.unaryop, ast.cmpop, ast.boolop)
        for cls in base.__subclasses__()
    }
)
#: A ``# type: ...`` comment (PEP 484), whose text may name TYPE_CHECKING imports.
_TYPE_COMMENT = re.compile(r"#\s*type:([^#\r\n]*)")
_MUTABLE_FACTORIES = frozenset({"list", "dict", "set"})
_FUNCTION_KINDS = frozenset({"function", "lambda"})


def start_of(node: ast.AST) -> Pos:
    return (getattr(node, "lineno", 1), getattr(node, "col_offset", 0))


def end_of(node: ast.AST) -> Pos:
    line = getattr(node, "end_lineno", None)
    col = getattr(node, "end_col_offset", None)
    if line is None or col is None:
        return start_of(node)
    return (line, col)


class Locator:
    """Converts ``ast`` positions (1-based line, UTF-8 byte column) to code-point offsets."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = LineIndex(source)

    def offset(self, pos: Pos) -> int:
        line = pos[0] - 1
        if line < 0:
            return 0
        if line >= self.index.line_count:
            return len(self.source)
        text = self.index.line_text(line)
        return self.index.line_starts[line] + min(utf8_col_to_char(text, pos[1]), len(text))

    def span(self, node: ast.AST) -> tuple[int, int]:
        return self.offset(start_of(node)), self.offset(end_of(node))

    def pos(self, offset: int) -> Pos:
        """The ``ast`` position of a code-point offset (inverse of ``offset``)."""
        line = self.index.line_of(offset)
        start = self.index.line_starts[line]
        return (line + 1, len(self.source[start:offset].encode("utf-8", "surrogatepass")))

    def line_start(self, lineno: int) -> int:
        """Offset where 1-based ``lineno`` begins; the end of the source past the last line."""
        if lineno - 1 >= self.index.line_count:
            return len(self.source)
        return self.index.line_starts[max(lineno - 1, 0)]


@dataclass(eq=False, slots=True)
class Binding:
    """One place a name gets a value in a scope."""

    name: str
    #: assign, aug, for, with, walrus, comp, import, def, class, arg, except, match
    kind: str
    #: When the binding takes effect (``x = x + 1`` binds after its right-hand side).
    pos: Pos
    line: int
    node: ast.AST
    #: The right-hand side of a plain ``name = value``.
    value: ast.expr | None = None


@dataclass(eq=False, slots=True)
class Occurrence:
    """One ``ast.Name`` node and the context the checks need about it."""

    node: ast.Name
    scope: Scope
    parent: ast.AST | None
    #: load, store or del
    ctx: str
    #: subscript, iter, member, call:<builtin>, other (how a load uses the value)
    role: str
    #: Loops of the enclosing function or module that contain it, innermost last.
    loops: tuple[int, ...]
    #: Inside a ``try`` whose handlers swallow NameError, or under ``if TYPE_CHECKING:``.
    guarded: bool
    annotation: bool
    aug: ast.AugAssign | None = None

    @property
    def pos(self) -> Pos:
        return (self.node.lineno, self.node.col_offset)

    @property
    def name(self) -> str:
        return self.node.id


@dataclass(eq=False, slots=True)
class Scope:
    """A module, class, function, lambda or comprehension body and the names it binds."""

    #: module, class, function, lambda or comprehension
    kind: str
    node: ast.AST
    parent: Scope | None
    name: str
    bindings: dict[str, list[Binding]] = field(default_factory=dict)
    declared: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    #: Names nested functions assign through ``nonlocal`` (bound at a time we cannot know).
    assigned_inside: set[str] = field(default_factory=set)
    loads: list[Occurrence] = field(default_factory=list)

    def is_local(self, name: str) -> bool:
        return name in self.bindings and name not in self.declared

    def first_binding(self, name: str) -> Binding | None:
        binds = self.bindings.get(name)
        return min(binds, key=lambda b: b.pos) if binds else None


@dataclass(frozen=True)
class ImportInfo:
    stmt: ast.Import | ast.ImportFrom
    scope: Scope
    #: Inside a ``try`` whose handlers catch ImportError (an availability probe), or inside such
    #: a handler (the fallback).
    guarded: bool
    #: Under ``if TYPE_CHECKING:`` (only type annotations and type comments can use it).
    type_only: bool = False


@dataclass
class ScopeModel:
    module: Scope
    scopes: list[Scope]
    occurrences: dict[Pos, Occurrence]
    by_name: dict[str, list[Occurrence]]
    loop_bound: dict[int, set[str]]
    imports: dict[Pos, ImportInfo]
    #: (function, parameter, default) for each parameter with a default.
    defaults: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, ast.arg, ast.expr]]
    #: (left, right, operator) for each ``is`` / ``is not`` pair in a comparison.
    identity_pairs: list[tuple[ast.expr, ast.expr, ast.cmpop]]
    #: ``name[<int constant>]`` loads by name, with the index.
    constant_subscripts: dict[str, list[tuple[Occurrence, int]]]
    #: Names in any ``global`` or ``nonlocal`` statement.
    declared: set[str]
    bound_anywhere: set[str]
    dynamic: bool
    #: ``globals()`` or ``exec`` appear: module names may be created at run time.
    rebinds_globals: bool
    #: Something only pyflakes reads names from: a string annotation, a star import, type
    #: parameters or a ``type`` statement (see the pyflakes gate below).
    beyond_model: bool = False


def enclosing_binding(scope: Scope, name: str) -> tuple[Scope, Binding] | None:
    """The binding of ``name`` that code in ``scope`` would see if ``scope`` did not bind it."""
    outer = scope.parent
    while outer is not None:
        first = outer.first_binding(name)
        # Class bodies are not visible to the functions nested in them.
        if outer.kind != "class" and first is not None and name not in outer.declared:
            return outer, first
        outer = outer.parent
    return None


def _catches(node: ast.Try | ast.TryStar, names: frozenset[str]) -> bool:
    return any(_handler_catches(handler, names) for handler in node.handlers)


def _handler_catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    kinds = handler.type
    if kinds is None:
        return True
    elts = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    for elt in elts:
        if isinstance(elt, ast.Name) and elt.id in names:
            return True
        if isinstance(elt, ast.Attribute) and elt.attr in names:
            return True
    return False


#: The parents that give a load a role other than "other" (``_role``).
_ROLE_PARENTS = frozenset(
    {ast.Subscript, ast.Call, ast.For, ast.AsyncFor, ast.comprehension, ast.Compare}
)


def _role(node: ast.Name, parent: ast.AST | None) -> str:
    if type(parent) not in _ROLE_PARENTS:
        return "other"  # most loads: one set lookup, not the chain below
    if isinstance(parent, ast.Subscript):
        return "subscript" if parent.value is node and isinstance(parent.ctx, ast.Load) else "other"
    if isinstance(parent, ast.Call):
        func = parent.func
        if (
            isinstance(func, ast.Name)
            and func.id in _SAFE_CALLS
            and any(a is node for a in parent.args)
        ):
            return f"call:{func.id}"
        return "other"
    if isinstance(parent, (ast.For, ast.AsyncFor, ast.comprehension)):
        return "iter" if parent.iter is node else "other"
    if isinstance(parent, ast.Compare):
        for op, right in zip(parent.ops, parent.comparators, strict=True):
            if right is node and isinstance(op, (ast.In, ast.NotIn)):
                return "member"
    return "other"


class _Builder:
    """One recursive pass collecting scopes, bindings and name occurrences."""

    def __init__(self, tree: ast.Module) -> None:
        self.module = Scope("module", tree, None, "<module>")
        self.scope = self.module
        self.model = ScopeModel(
            module=self.module,
            scopes=[self.module],
            occurrences={},
            by_name={},
            loop_bound={},
            imports={},
            defaults=[],
            identity_pairs=[],
            constant_subscripts={},
            declared=set(),
            bound_anywhere=set(),
            dynamic=False,
            rebinds_globals=False,
        )
        self.loops: tuple[int, ...] = ()
        self.guarded = False
        self.import_guarded = False
        self.type_checking = False
        self.annotation = False
        # Where the conditional expression whose test is being visited starts.
        self.test_start: Pos | None = None
        # What a Name in Store context binds as: (kind, effective position, plain value).
        self.target: tuple[str, Pos, ast.expr | None] = ("assign", (0, 0), None)
        self.handlers: dict[type[ast.AST], Callable[[Any, ast.AST | None], None]] = {
            ast.Name: self._name,
            ast.Assign: self._assign,
            ast.AugAssign: self._augassign,
            ast.AnnAssign: self._annassign,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.While: self._while,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.NamedExpr: self._namedexpr,
            ast.IfExp: self._ifexp,
            ast.FunctionDef: self._function,
            ast.AsyncFunctionDef: self._function,
            ast.Lambda: self._lambda,
            ast.ClassDef: self._class,
            ast.ListComp: self._comprehension,
            ast.SetComp: self._comprehension,
            ast.GeneratorExp: self._comprehension,
            ast.DictComp: self._comprehension,
            ast.Import: self._import,
            ast.ImportFrom: self._import,
            ast.Global: self._declare,
            ast.Nonlocal: self._declare,
            ast.If: self._if,
            ast.Try: self._try,
            ast.TryStar: self._try,
            ast.MatchAs: self._match_capture,
            ast.MatchStar: self._match_capture,
            ast.MatchMapping: self._match_capture,
            ast.Compare: self._compare,
        }
        type_alias = getattr(ast, "TypeAlias", None)  # 3.12+: `type X = ...`
        if type_alias is not None:
            self.handlers[type_alias] = self._type_alias

    def _type_alias(self, node: ast.AST, parent: ast.AST | None) -> None:
        self.model.beyond_model = True
        self.children(node)

    # -- traversal ---------------------------------------------------------------------------

    def visit(self, node: ast.AST, parent: ast.AST | None) -> None:
        handler = self.handlers.get(type(node))
        if handler is not None:
            handler(node, parent)
        else:
            self.children(node)

    def children(self, node: ast.AST) -> None:
        """``ast.iter_child_nodes``'s children in its order, read from the fields directly (a
        third of the time: this runs for most nodes of the file)."""
        handlers = self.handlers
        for name in node._fields:
            value = getattr(node, name, None)
            if isinstance(value, list):
                for child in value:
                    if isinstance(child, ast.AST):
                        handler = handlers.get(type(child))
                        if handler is not None:
                            handler(child, node)
                        elif type(child) not in _LEAVES:
                            self.children(child)
            elif isinstance(value, ast.AST):
                handler = handlers.get(type(value))
                if handler is not None:
                    handler(value, node)
                elif type(value) not in _LEAVES:
                    self.children(value)

    def visit_all(self, nodes: Iterable[ast.AST], parent: ast.AST | None) -> None:
        for node in nodes:
            self.visit(node, parent)

    def bind_targets(
        self,
        targets: Iterable[ast.AST],
        parent: ast.AST,
        kind: str,
        pos: Pos,
        value: ast.expr | None = None,
    ) -> None:
        saved = self.target
        self.target = (kind, pos, value)
        self.visit_all(targets, parent)
        self.target = saved

    def bind(
        self,
        name: str,
        kind: str,
        pos: Pos,
        node: ast.AST,
        value: ast.expr | None = None,
        scope: Scope | None = None,
    ) -> None:
        scope = scope or self.scope
        line = getattr(node, "lineno", pos[0])
        scope.bindings.setdefault(name, []).append(Binding(name, kind, pos, line, node, value))
        self.model.bound_anywhere.add(name)
        if scope.kind != "comprehension":
            for loop in self.loops:
                self.model.loop_bound[loop].add(name)

    def record(
        self, node: ast.Name, parent: ast.AST | None, ctx: str, aug: ast.AugAssign | None = None
    ) -> Occurrence:
        occ = Occurrence(
            node=node,
            scope=self.scope,
            parent=parent,
            ctx=ctx,
            role=_role(node, parent) if ctx == "load" and aug is None else "other",
            loops=self.loops,
            guarded=self.guarded,
            annotation=self.annotation,
            aug=aug,
        )
        self.model.occurrences[occ.pos] = occ
        self.model.by_name.setdefault(node.id, []).append(occ)
        if ctx == "load":
            self.scope.loads.append(occ)
            if occ.role == "subscript" and isinstance(parent, ast.Subscript):
                index = _constant_index(parent.slice)
                if index is not None:
                    self.model.constant_subscripts.setdefault(node.id, []).append((occ, index))
        return occ

    def enter(self, kind: str, node: ast.AST, name: str) -> Scope:
        scope = Scope(kind, node, self.scope, name)
        self.model.scopes.append(scope)
        self.scope = scope
        return scope

    def new_loop(self) -> tuple[int, ...]:
        loop = len(self.model.loop_bound)
        self.model.loop_bound[loop] = set()
        return (*self.loops, loop)

    # -- handlers ----------------------------------------------------------------------------

    def _name(self, node: ast.Name, parent: ast.AST | None) -> None:
        if isinstance(node.ctx, ast.Load):
            self.record(node, parent, "load")
            if node.id in _DYNAMIC_CALLS:
                self.model.dynamic = True
                self.model.rebinds_globals |= node.id in ("globals", "exec")
        elif isinstance(node.ctx, ast.Store):
            self.record(node, parent, "store")
            kind, pos, value = self.target
            if kind != "annotation":
                self.bind(node.id, kind, pos, node, value)
        else:
            self.record(node, parent, "del")
            self.scope.deleted.add(node.id)

    def _assign(self, node: ast.Assign, parent: ast.AST | None) -> None:
        self.visit(node.value, node)
        plain = len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
        self.bind_targets(node.targets, node, "assign", end_of(node), node.value if plain else None)

    def _augassign(self, node: ast.AugAssign, parent: ast.AST | None) -> None:
        self.visit(node.value, node)
        target = node.target
        if isinstance(target, ast.Name):
            self.record(target, node, "load", aug=node)
            self.bind(target.id, "aug", end_of(node), target)
        else:
            self.visit(target, node)

    def _annassign(self, node: ast.AnnAssign, parent: ast.AST | None) -> None:
        saved, self.annotation = self.annotation, True
        self._check_annotation(node.annotation)
        self.visit(node.annotation, node)
        self.annotation = saved
        if node.value is not None:
            self.visit(node.value, node)
            plain = isinstance(node.target, ast.Name)
            self.bind_targets(
                [node.target], node, "assign", end_of(node), node.value if plain else None
            )
        else:
            # A bare annotation declares the name without binding it.
            self.bind_targets([node.target], node, "annotation", end_of(node))

    def _for(self, node: ast.For | ast.AsyncFor, parent: ast.AST | None) -> None:
        self.visit(node.iter, node)
        saved = self.loops
        self.loops = self.new_loop()
        self.bind_targets([node.target], node, "for", end_of(node.iter))
        self.visit_all(node.body, node)
        self.loops = saved
        self.visit_all(node.orelse, node)

    def _while(self, node: ast.While, parent: ast.AST | None) -> None:
        saved = self.loops
        self.loops = self.new_loop()
        self.visit(node.test, node)
        self.visit_all(node.body, node)
        self.loops = saved
        self.visit_all(node.orelse, node)

    def _with(self, node: ast.With | ast.AsyncWith, parent: ast.AST | None) -> None:
        for item in node.items:
            self.visit(item.context_expr, item)
            if item.optional_vars is not None:
                self.bind_targets([item.optional_vars], item, "with", end_of(item.context_expr))
        self.visit_all(node.body, node)

    def _namedexpr(self, node: ast.NamedExpr, parent: ast.AST | None) -> None:
        self.visit(node.value, node)
        # An assignment expression in a comprehension binds in the enclosing function.
        scope = self.scope
        while scope.kind == "comprehension" and scope.parent is not None:
            scope = scope.parent
        self.record(node.target, node, "store")
        pos = min(end_of(node.value), self.test_start or end_of(node.value))
        self.bind(node.target.id, "walrus", pos, node.target, scope=scope)

    def _ifexp(self, node: ast.IfExp, parent: ast.AST | None) -> None:
        # `a if (a := f()) else b` runs the test first although it comes second in the text.
        saved = self.test_start
        self.test_start = min(start_of(node), saved or start_of(node))
        self.visit(node.test, node)
        self.test_start = saved
        self.visit(node.body, node)
        self.visit(node.orelse, node)

    def _arguments(self, args: ast.arguments) -> None:
        self.visit_all(args.defaults, args)
        self.visit_all([d for d in args.kw_defaults if d is not None], args)

    def _annotations(self, args: ast.arguments, returns: ast.expr | None) -> None:
        saved, self.annotation = self.annotation, True
        for arg in _all_args(args):
            if arg.annotation is not None:
                self._check_annotation(arg.annotation)
                self.visit(arg.annotation, arg)
        if returns is not None:
            self._check_annotation(returns)
            self.visit(returns, None)
        self.annotation = saved

    def _check_annotation(self, annotation: ast.expr) -> None:
        """pyflakes parses a string in an annotation as code; the model does not."""
        if not isinstance(annotation, ast.Name | ast.Attribute) and not self.model.beyond_model:
            self.model.beyond_model = any(
                isinstance(n, ast.Constant) and isinstance(n.value, str)
                for n in ast.walk(annotation)
            )

    def _body_scope(
        self,
        kind: str,
        node: ast.AST,
        name: str,
        args: ast.arguments,
        body: list[ast.stmt] | ast.expr,
    ) -> None:
        saved = (self.scope, self.loops, self.guarded, self.import_guarded, self.test_start)
        scope = self.enter(kind, node, name)
        self.loops, self.guarded, self.import_guarded, self.test_start = (), False, False, None
        for arg in _all_args(args):
            self.bind(arg.arg, "arg", start_of(node), arg, scope=scope)
        if isinstance(body, list):
            self.visit_all(body, node)
        else:
            self.visit(body, node)
        self.scope, self.loops, self.guarded, self.import_guarded, self.test_start = saved

    def _function(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, parent: ast.AST | None
    ) -> None:
        self.visit_all(node.decorator_list, node)
        self.model.beyond_model |= bool(getattr(node, "type_params", None))
        self._arguments(node.args)
        self._annotations(node.args, node.returns)
        self.model.defaults.extend(
            (node, arg, default) for arg, default in parameter_defaults(node)
        )
        self.bind(node.name, "def", start_of(node), node)
        self._body_scope("function", node, node.name, node.args, node.body)

    def _lambda(self, node: ast.Lambda, parent: ast.AST | None) -> None:
        self._arguments(node.args)
        self._body_scope("lambda", node, "<lambda>", node.args, node.body)

    def _class(self, node: ast.ClassDef, parent: ast.AST | None) -> None:
        self.visit_all(node.decorator_list, node)
        self.model.beyond_model |= bool(getattr(node, "type_params", None))
        self.visit_all(node.bases, node)
        self.visit_all(node.keywords, node)
        saved = (self.scope, self.guarded, self.import_guarded)
        self.enter("class", node, node.name)
        self.guarded = self.import_guarded = False
        self.visit_all(node.body, node)
        self.scope, self.guarded, self.import_guarded = saved
        # The class name exists only once its body has run.
        self.bind(node.name, "class", end_of(node), node)

    def _comprehension(
        self,
        node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
        parent: ast.AST | None,
    ) -> None:
        generators = node.generators
        # The first iterable is evaluated in the enclosing scope.
        self.visit(generators[0].iter, generators[0])
        saved = self.scope
        self.enter("comprehension", node, "<comprehension>")
        for i, gen in enumerate(generators):
            if i:
                self.visit(gen.iter, gen)
            self.bind_targets([gen.target], gen, "comp", end_of(gen.iter))
            self.visit_all(gen.ifs, gen)
        if isinstance(node, ast.DictComp):
            self.visit(node.key, node)
            self.visit(node.value, node)
        else:
            self.visit(node.elt, node)
        self.scope = saved

    def _import(self, node: ast.Import | ast.ImportFrom, parent: ast.AST | None) -> None:
        self.model.imports[start_of(node)] = ImportInfo(
            node, self.scope, self.import_guarded, self.type_checking
        )
        for alias in node.names:
            if alias.name == "*":
                self.model.beyond_model = True
                continue
            name = alias.asname or alias.name.split(".")[0]
            self.bind(name, "import", end_of(node), alias)

    def _declare(self, node: ast.Global | ast.Nonlocal, parent: ast.AST | None) -> None:
        self.scope.declared.update(node.names)
        self.model.declared.update(node.names)
        if isinstance(node, ast.Nonlocal):
            outer = self.scope.parent
            while outer is not None and outer.kind != "module":
                outer.assigned_inside.update(node.names)
                outer = outer.parent

    def _if(self, node: ast.If, parent: ast.AST | None) -> None:
        self.visit(node.test, node)
        saved = (self.guarded, self.type_checking)
        # `if TYPE_CHECKING:` never runs, so forward references there are fine.
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
            isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
        ):
            self.guarded = self.type_checking = True
        self.visit_all(node.body, node)
        self.guarded, self.type_checking = saved
        self.visit_all(node.orelse, node)

    def _try(self, node: ast.Try | ast.TryStar, parent: ast.AST | None) -> None:
        saved = (self.guarded, self.import_guarded)
        self.guarded = self.guarded or _catches(node, _NAME_ERROR_CATCHERS)
        self.import_guarded = self.import_guarded or _catches(node, _IMPORT_ERROR_CATCHERS)
        self.visit_all(node.body, node)
        self.guarded, self.import_guarded = saved
        for handler in node.handlers:
            if handler.type is not None:
                self.visit(handler.type, handler)
            if handler.name:
                self.bind(handler.name, "except", start_of(handler), handler)
            # `except ImportError: from _pydecimal import *` is the fallback of the probe.
            saved_import = self.import_guarded
            self.import_guarded |= _handler_catches(handler, _IMPORT_ERROR_CATCHERS)
            self.visit_all(handler.body, handler)
            self.import_guarded = saved_import
        self.visit_all(node.orelse, node)
        self.visit_all(node.finalbody, node)

    def _match_capture(
        self, node: ast.MatchAs | ast.MatchStar | ast.MatchMapping, parent: ast.AST | None
    ) -> None:
        self.children(node)
        name = node.rest if isinstance(node, ast.MatchMapping) else node.name
        if name:
            self.bind(name, "match", start_of(node), node)

    def _compare(self, node: ast.Compare, parent: ast.AST | None) -> None:
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, (ast.Is, ast.IsNot)) and (_is_literal(left) or _is_literal(right)):
                self.model.identity_pairs.append((left, right, op))
            left = right
        self.children(node)


def parameter_defaults(
    func: ast.FunctionDef | ast.AsyncFunctionDef,
) -> list[tuple[ast.arg, ast.expr]]:
    """Each parameter that has a default, with it."""
    args = func.args
    positional = [*args.posonlyargs, *args.args]
    pairs = list(
        zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
    )
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if default is not None:
            pairs.append((arg, default))
    return pairs


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _is_literal(node: ast.AST) -> bool:
    """A constant with no guaranteed identity (pyflakes' rule, plus signed numbers)."""
    if isinstance(node, ast.Constant):
        return not isinstance(node.value, (bool, type(None), type(Ellipsis)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return isinstance(node.operand, ast.Constant) and _is_literal(node.operand)
    if isinstance(node, ast.Tuple):
        return all(_is_literal(e) or isinstance(e, ast.Constant) for e in node.elts)
    return False


def build_model(tree: ast.Module) -> ScopeModel:
    """The scope model of ``tree``; raises RecursionError on pathologically deep trees."""
    builder = _Builder(tree)
    builder.visit_all(tree.body, tree)
    return builder.model


# -- the pyflakes gate ---------------------------------------------------------------------------
#
# pyflakes' walk is the largest part of analysing a file (about a third of it), and on most files
# it finds no undefined name, unused import or undefined export. When the scope model shows, in
# pyflakes' own order (module and class bodies as they run, function and lambda bodies once the
# module is complete), that every name read resolves to a binding made before it or to a
# builtin, and every import is read that way, pyflakes would report none of those, so it is not
# run. What the model cannot settle (`global`, `del`, an `__all__` other than one list of
# literals, a string annotation or a string typing reads, a star import, `:=`, a name bound
# only later or only in a class) is left to pyflakes, as before: the gate only skips work
# whose answer is already known.

#: What pyflakes takes for builtins (``pyflakes.checker.builtin_vars``, a test keeps them
#: equal): the module itself is imported only when the gate lets pyflakes run.
_BUILTINS = frozenset(dir(builtins)) | {
    "__file__",
    "__builtins__",
    "__annotations__",
    "WindowsError",
}
#: The load cannot be settled from the model: pyflakes decides.
_UNKNOWN: Literal["unknown"] = "unknown"
#: Scopes whose bodies pyflakes checks after the module's (so they see all its names).
_DEFERRED = frozenset({"function", "lambda"})


def pyflakes_would_be_silent(model: ScopeModel) -> bool:
    """Would pyflakes report no undefined name, unused import or undefined export here?"""
    if model.beyond_model or model.declared:
        return False
    if any(scope.deleted for scope in model.scopes) or _typing_reads_strings(model):
        return False
    if any("walrus" in (b.kind for b in binds) for binds in _all_bindings(model)):
        return False  # where `:=` binds (a comprehension's function, a test read first)
    exported = _literal_exports(model)
    if exported is None:
        return False
    for name in exported:  # pyflakes: an undefined export, unless the module binds it
        if not any(b.kind != "except" for b in model.module.bindings.get(name, ())):
            return False
    used: set[int] = set()
    for scope in model.scopes:
        for occ in scope.loads:
            binding = _resolve(scope, occ.name, occ.pos)
            if binding == _UNKNOWN:
                return False
            if binding is not None:
                used.add(id(binding))
    for info in model.imports.values():
        stmt = info.stmt
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            continue  # pyflakes never calls a future import unused
        if info.scope.kind == "class":
            return False
        for alias in stmt.names:
            binds = info.scope.bindings.get(alias.asname or alias.name.split(".")[0], [])
            # One binding, read: a second one (`try: import x` / `except: x = None`, a
            # redefinition) is pyflakes' to judge.
            if len(binds) != 1:
                return False
            # Read, or exported: pyflakes counts a module import `__all__` names as used.
            if id(binds[0]) not in used and not (
                info.scope is model.module and binds[0].name in exported
            ):
                return False
    return True


_TYPING_MODULES = frozenset({"typing", "typing_extensions"})


def _typing_reads_strings(model: ScopeModel) -> bool:
    """Does a string stand in a call of a `typing` member or in a subscript of one
    (`cast("Foo", x)`, `TypeVar("T", bound="Foo")`, `List["Foo"]`)? pyflakes parses those
    strings as annotations, the model does not."""
    members: set[str] = set()  # names bound to a typing member
    modules: set[str] = set()  # names bound to a typing module
    for info in model.imports.values():
        stmt = info.stmt
        if isinstance(stmt, ast.ImportFrom) and stmt.module in _TYPING_MODULES:
            members.update(alias.asname or alias.name for alias in stmt.names)
        elif isinstance(stmt, ast.Import):
            modules.update(
                alias.asname or alias.name for alias in stmt.names if alias.name in _TYPING_MODULES
            )
    if not members and not modules:
        return False

    def typing_member(node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in members
        return (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        )

    for node in ast.walk(model.module.node):
        if isinstance(node, ast.Call) and typing_member(node.func):
            inside: list[ast.AST] = [*node.args, *node.keywords]
        elif isinstance(node, ast.Subscript) and typing_member(node.value):
            inside = [node.slice]
        elif isinstance(node, ast.AnnAssign) and node.value and typing_member(node.annotation):
            inside = [node.value]  # `X: TypeAlias = "Foo"`
        else:
            continue
        for part in inside:
            for sub in ast.walk(part):
                if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                    return True
    return False


def _literal_exports(model: ScopeModel) -> frozenset[str] | None:
    """The names of a module's one ``__all__ = [...]`` of string literals (empty without one);
    None for any other ``__all__`` (extended, added to, computed), which pyflakes reads its
    own way."""
    binds = model.module.bindings.get("__all__")
    if not binds:
        return frozenset()
    if len(binds) != 1 or binds[0].kind != "assign":
        return None
    if any(occ.ctx != "store" for occ in model.by_name.get("__all__", ())):
        return None  # `__all__ += [...]`, `__all__.extend(...)`: pyflakes adds those names
    value = binds[0].value
    if not isinstance(value, ast.List | ast.Tuple):
        return None
    names = [e.value for e in value.elts if isinstance(e, ast.Constant)]
    if len(names) != len(value.elts) or not all(isinstance(n, str) for n in names):
        return None
    return frozenset(str(n) for n in names)


def _resolve(scope: Scope, name: str, pos: tuple[int, int]) -> Binding | str | None:
    """The binding a read of ``name`` at ``pos`` in ``scope`` finds in pyflakes' order, None
    for a builtin, ``_UNKNOWN`` when the model cannot tell."""
    current: Scope | None = scope
    in_order = True  # the scope's body runs in place, so only earlier bindings count
    while current is not None:
        binds = current.bindings.get(name)
        if current.kind == "class" and current is not scope:
            # Not visible from nested scopes in Python; pyflakes lets comprehensions see it.
            if binds:
                return _UNKNOWN
        elif binds:
            if current.kind == "comprehension" and _in_element(current.node, pos):
                found = binds  # its targets are bound before its element runs
            elif in_order:
                found = [b for b in binds if _effective(b) < pos and _visible_at(b, pos)]
            else:
                # At the end of the module: an `except ... as e` name is gone again.
                found = [b for b in binds if b.kind != "except"]
            return found[-1] if found else _UNKNOWN
        if current.kind in _DEFERRED:
            in_order = False
        current = current.parent
    return None if name in _BUILTINS else _UNKNOWN


def _all_bindings(model: ScopeModel) -> Iterator[list[Binding]]:
    for scope in model.scopes:
        yield from scope.bindings.values()


def _in_element(node: ast.AST, pos: tuple[int, int]) -> bool:
    """Is ``pos`` in a comprehension's element (written before its first `for`)?"""
    if not isinstance(node, ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp):
        return False
    return pos < start_of(node.generators[0].target)


def _effective(binding: Binding) -> tuple[int, int]:
    """Where pyflakes binds: a function's name after its decorators, defaults and
    annotations, an `except` name after the exception type (their names are read first)."""
    node = binding.node
    if binding.kind in ("def", "except") and isinstance(
        node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ExceptHandler
    ):
        return start_of(node.body[0]) if node.body else end_of(node)
    return binding.pos


def _visible_at(binding: Binding, pos: tuple[int, int]) -> bool:
    """An `except ... as name` binding holds only inside its handler."""
    if binding.kind != "except":
        return True
    node = binding.node
    end = (getattr(node, "end_lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)
    return pos <= end


# -- the checks ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Early:
    """A load before the first binding of a name in its scope."""

    occ: Occurrence
    scope: Scope
    first: Binding


def _function_early_loads(model: ScopeModel) -> dict[Pos, _Early | None]:
    """Locals read before their first binding, keyed by load; None marks a deliberate skip.

    Conservative on purpose: loops that also bind the name (loop-carried values), ``try`` blocks
    that swallow NameError, names that are ever ``del``-eted or assigned by a nested function
    through ``nonlocal`` are left alone.
    """
    found: dict[Pos, _Early | None] = {}
    for scope in model.scopes:
        if scope.kind not in _FUNCTION_KINDS:
            continue
        first_pos: dict[str, Pos] = {}
        for occ in scope.loads:
            name = occ.name
            binds = scope.bindings.get(name)
            if binds is None or occ.annotation or name in scope.declared:
                continue
            if name in scope.deleted or name in scope.assigned_inside:
                continue
            first = first_pos.get(name)
            if first is None:
                first = first_pos[name] = min(b.pos for b in binds)
            if occ.pos >= first:
                continue
            skipped = occ.guarded or _loop_carried(model, occ, binds)
            earliest = min(binds, key=lambda b: b.pos)
            found[occ.pos] = None if skipped else _Early(occ, scope, earliest)
    return found


def _module_early_load(model: ScopeModel, occ: Occurrence) -> _Early | Literal["keep", "drop"]:
    """For a name pyflakes calls undefined: is it bound later where the load runs?

    Returns an ``_Early`` to report instead, "drop" for a loop-carried or guarded read, or "keep"
    to report it as an undefined name.
    """
    name = occ.name
    scope: Scope | None = occ.scope
    while scope is not None and scope.kind in ("comprehension", "class"):
        if scope.is_local(name):
            break
        scope = scope.parent
    if scope is None or not scope.is_local(name):
        return "keep"
    binds = scope.bindings[name]
    if any(b.pos <= occ.pos for b in binds):
        return "keep"
    if occ.guarded or _loop_carried(model, occ, binds):
        return "drop"
    return _Early(occ, scope, min(binds, key=lambda b: b.pos))


def _deleted_after_use(model: ScopeModel, occ: Occurrence) -> bool:
    """A function reads a module name the module deletes later (``del _helper`` at the end).

    pyflakes reports the read because the name is gone once the module has run; but the
    function may run before the ``del`` (``opcode.def_op``, ``xmlrpc.client._day0``), and the
    name did exist, so this is no certain error.
    """
    module = model.module
    if occ.name not in module.deleted or occ.name not in module.bindings:
        return False
    scope: Scope | None = occ.scope
    while scope is not None and scope is not module:
        if scope.kind in _FUNCTION_KINDS:
            return True
        scope = scope.parent
    return False


def _loop_carried(model: ScopeModel, occ: Occurrence, binds: list[Binding]) -> bool:
    """A read in a loop that also binds the name may see the previous iteration's value.

    Not when every binding is an update (``total += x``): nothing ever gives it a first value.
    """
    if all(b.kind == "aug" for b in binds):
        return False
    return any(occ.name in model.loop_bound[i] for i in occ.loops)


def _early_message(early: _Early) -> str:
    occ, first, name = early.occ, early.first, early.occ.name
    line = occ.node.lineno
    if occ.aug is not None and first.node is occ.node:
        op = _AUG_OPERATORS.get(type(occ.aug.op), "")
        text = f"'{name}' is updated with '{op}=' on line {line} before it has a value"
    elif first.kind == "class" and start_of(first.node) <= occ.pos <= end_of(first.node):
        return f"'{name}' is used on line {line} inside its own class body, before the class exists"
    elif start_of(first.node) <= occ.pos:
        # `n = n + 1`: the target comes first in the text, but the value is computed first.
        text = f"'{name}' is used on line {line} in its own assignment, before it has a value"
    else:
        verb = "defined" if first.kind in ("def", "class") else "assigned"
        text = f"'{name}' is used on line {line} before it is {verb} on line {first.line}"
    outer = enclosing_binding(early.scope, name) if early.scope.kind in _FUNCTION_KINDS else None
    if outer is not None:
        # The classic UnboundLocalError: an assignment anywhere makes the name local.
        return (
            f"{text}; assigning to '{name}' in '{early.scope.name}' makes it local there,"
            f" so the '{name}' from line {outer[1].line} is not used"
        )
    return text


_AUG_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
    ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^",
    ast.LShift: "<<", ast.RShift: ">>",
}  # fmt: skip


def _imported_name(stmt: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    """The string pyflakes' UnusedImport names an alias by."""
    if isinstance(stmt, ast.Import):
        if "." in alias.name and not alias.asname:
            return alias.name
        full = alias.name
    else:
        module = "." * stmt.level + (stmt.module or "")
        full = module + alias.name if module.endswith(".") else f"{module}.{alias.name}"
    bound = alias.asname or alias.name
    return full if full.split(".")[-1] == bound else f"{full} as {bound}"


def _subject_of_import(stmt: ast.Import | ast.ImportFrom, alias: ast.alias) -> str:
    if isinstance(stmt, ast.Import) and not alias.asname:
        return alias.name
    return alias.asname or alias.name


class _Analysis:
    def __init__(self, source: str, tree: ast.Module, checks: frozenset[str], filename: str):
        self.source = source
        self.tree = tree
        self.checks = checks
        self.filename = filename
        self.loc = Locator(source)
        self.problems: list[Problem] = []
        self.model: ScopeModel | None = None
        #: Stages that raised (their problems are missing).
        self.failed_stages = 0

    @property
    def complete(self) -> bool:
        """Every stage ran, on a scope model (not pyflakes' fallbacks for a too-deep tree)."""
        return self.model is not None and not self.failed_stages

    def add(
        self,
        code: str,
        message: str,
        span: tuple[int, int],
        severity: Severity,
        subject: str,
        extra: tuple[tuple[str, str], ...] = (),
    ) -> None:
        if code not in self.checks:
            return
        line = self.loc.index.line_of(span[0]) + 1
        self.problems.append(
            Problem(code, message, span[0], span[1], severity, subject, line=line, extra=extra)
        )

    def fallback_span(self, pos: Pos, word: str) -> tuple[int, int]:
        """Where ``word`` first appears at or after ``pos`` on its line (pyflakes gives no end)."""
        start = self.loc.offset(pos)
        line_end = self.loc.index.line_end(self.loc.index.line_of(start))
        match = re.compile(rf"\b{re.escape(word)}\b").search(self.source, start, line_end)
        if match is None:
            return start, min(start + len(word), line_end)
        return match.start(), match.end()

    def run(self) -> list[Problem]:
        try:
            self.model = build_model(self.tree)
        except RecursionError:
            self.model = None
        # Each stage stands alone: a crash in one must not hide what the others found.
        for stage in (
            self.pyflakes_stage,
            self.index_stage,
            self.identity_stage,
            self.defaults_stage,
        ):
            try:
                stage()
            except Exception:  # a checker bug or a too-deep tree must not take the server down
                self.failed_stages += 1
                continue
        self.problems.sort(key=lambda p: (p.start, p.end, p.code))
        return self.problems

    # -- pyflakes-backed checks --------------------------------------------------------------

    def pyflakes_stage(self) -> None:
        if not self.checks & _PYFLAKES_CHECKS:
            return
        early = _function_early_loads(self.model) if self.model else {}
        for found in early.values():
            if found is not None:
                self.add_early(found)
        if self.model is not None and pyflakes_would_be_silent(self.model):
            return  # nothing for the checks below: the model proves it (the pyflakes gate)
        from pyflakes import checker as pyflakes_checker  # here: most files never need it
        from pyflakes import messages as pyflakes_messages

        flakes = pyflakes_checker.Checker(self.tree, self.filename, withDoctest=False)
        for message in flakes.messages:
            pos: Pos = (message.lineno, message.col)
            if isinstance(message, pyflakes_messages.UndefinedName):
                self.undefined(pos, str(message.message_args[0]), early)
            elif isinstance(message, pyflakes_messages.UndefinedLocal):
                # The own check covers these (and skips loop-carried reads); pyflakes' report is
                # only a fallback when the tree was too deep to model.
                if self.model is None:
                    name = str(message.message_args[0])
                    self.add(
                        Code.USED_BEFORE_ASSIGNMENT,
                        f"'{name}' is used on line {pos[0]} before it is assigned",
                        self.fallback_span(pos, name),
                        Severity.ERROR,
                        name,
                    )
            elif isinstance(message, pyflakes_messages.UnusedImport):
                self.unused_import(pos, str(message.message_args[0]))
            elif isinstance(message, pyflakes_messages.UndefinedExport):
                if self.model is not None and self.model.rebinds_globals:
                    continue
                name = str(message.message_args[0])
                if self.runtime.defines(name):
                    continue
                self.add(
                    Code.UNDEFINED_NAME,
                    f"undefined name '{name}' in __all__",
                    self.fallback_span(pos, name),
                    Severity.ERROR,
                    name,
                )

    def add_early(self, early: _Early) -> None:
        self.add(
            Code.USED_BEFORE_ASSIGNMENT,
            _early_message(early),
            self.loc.span(early.occ.node),
            Severity.ERROR,
            early.occ.name,
        )

    @cached_property
    def runtime(self) -> RuntimeNames:
        return runtime_names(self.tree)

    def undefined(self, pos: Pos, name: str, early: dict[Pos, _Early | None]) -> None:
        if self.model is not None and self.model.rebinds_globals:
            return  # `globals().update(...)` / exec define names no static check can see
        if self.runtime.defines(name):
            return  # made by an enum's _convert_, gettext.install, `builtins.x = ...`
        occ = self.model.occurrences.get(pos) if self.model else None
        if occ is None or occ.name != name:
            span = self.fallback_span(pos, name)
        else:
            if pos in early:
                return  # reported (or deliberately skipped) as used-before-assignment
            if self.model is not None and _deleted_after_use(self.model, occ):
                return
            if self.model is not None:
                later = _module_early_load(self.model, occ)
                if later == "drop":
                    return
                if isinstance(later, _Early):
                    self.add_early(later)
                    return
            span = self.loc.span(occ.node)
        self.add(Code.UNDEFINED_NAME, f"undefined name '{name}'", span, Severity.ERROR, name)

    def unused_import(self, pos: Pos, imported: str) -> None:
        """Report an import pyflakes calls unused, unless it is a re-export or a probe.

        Never reported: star imports (what they bind is unknown), redundant aliases
        (``import x as x``, ``from m import y as y``: PEP 484's explicit re-export), names listed
        in ``__all__`` in any static shape (``exports.module_exports``), dunder names at module
        level (``from .__version__ import __version__``: metadata read as attributes), imports in
        a ``try`` that catches ImportError or in such a handler (availability probes and their
        fallbacks), ``if TYPE_CHECKING:`` imports named in a ``# type:`` comment, and, in a
        package ``__init__.py``, every module-level import unless ``__all__`` is a list of
        literals that leaves the name out (ruff reports those but never removes them safely; we
        would rather stay quiet on the file that defines the package's interface).

        Still reported, as a warning whose fix is unsafe: a module-level import nothing in its
        module uses, in a module that is not an ``__init__.py``. Other modules may import it
        from there (a "facade" such as ``requests.compat``); pyflakes and ruff report it too.
        """
        if imported.endswith(".*"):
            return
        info = self.model.imports.get(pos) if self.model else None
        if info is None:
            bound = imported.split(" as ")[-1]
            if not bound.startswith("__") and bound not in self.exports.names:
                self.add(
                    Code.UNUSED_IMPORT,
                    f"'{bound}' is imported but never used",
                    self.fallback_span(pos, bound),
                    Severity.WARNING,
                    bound,
                )
            return
        if info.guarded:
            return
        for alias in info.stmt.names:
            if _imported_name(info.stmt, alias) != imported:
                continue
            if self.is_reexport(info, alias):
                return
            subject = _subject_of_import(info.stmt, alias)
            self.add(
                Code.UNUSED_IMPORT,
                f"'{subject}' is imported but never used",
                self.loc.span(alias),
                Severity.WARNING,
                subject,
            )
            return

    @cached_property
    def exports(self) -> Exports:
        return module_exports(self.tree)

    def is_reexport(self, info: ImportInfo, alias: ast.alias) -> bool:
        """Whether an import nothing uses is there for other modules (see ``unused_import``)."""
        if alias.name == "*":
            return True
        bound = alias.asname or alias.name.split(".")[0]
        if alias.asname is not None and alias.asname == alias.name.split(".")[-1]:
            return True  # `import x as x` marks an explicit re-export (PEP 484)
        if info.type_only and _TYPE_COMMENT.search(self.source) and self.in_type_comment(bound):
            return True
        if info.scope.kind != "module":
            return False
        exports = self.exports
        if bound in exports.names or (bound.startswith("__") and bound.endswith("__")):
            return True
        if os.path.basename(self.filename) == "__init__.py":
            return not (exports.declared and exports.complete)
        return False

    def in_type_comment(self, name: str) -> bool:
        word = re.compile(rf"\b{re.escape(name)}\b")
        return any(word.search(m.group(1)) for m in _TYPE_COMMENT.finditer(self.source))

    # -- own checks --------------------------------------------------------------------------

    def index_stage(self) -> None:
        if Code.INDEX_OUT_OF_RANGE not in self.checks or self.model is None:
            return
        model = self.model
        if model.dynamic:
            return  # exec/globals() can rebind anything
        for scope in model.scopes:
            if scope.kind in ("comprehension", "lambda"):
                continue
            for name, binds in scope.bindings.items():
                if name not in model.constant_subscripts or len(binds) != 1:
                    continue
                if binds[0].kind != "assign" or binds[0].value is None:
                    continue
                if name in model.declared or name in scope.deleted:
                    continue
                literal = _literal_size(binds[0].value)
                if literal is not None:
                    self.check_indexes(model, scope, binds[0], *literal)

    def check_indexes(
        self, model: ScopeModel, scope: Scope, binding: Binding, length: int, unit: str
    ) -> None:
        name = binding.name
        bad = [
            (occ, index)
            for occ, index in model.constant_subscripts.get(name, ())
            if not -length <= index < length
            and _resolves_to(occ, scope)
            and (occ.scope is not scope or occ.pos > binding.pos)
        ]
        if not bad:
            return
        for occ in model.by_name[name]:
            if (
                occ.node is not binding.node
                and _resolves_to(occ, scope)
                and not self.read_only(occ)
            ):
                return
        for occ, index in bad:
            assert isinstance(occ.parent, ast.Subscript)
            self.add(
                Code.INDEX_OUT_OF_RANGE,
                _index_message(name, index, length, unit),
                self.loc.span(occ.parent.slice),
                Severity.ERROR,
                name,
                (("index", str(index)), ("length", str(length)), ("unit", unit)),
            )

    def read_only(self, occ: Occurrence) -> bool:
        if occ.ctx != "load" or occ.role == "other":
            return False
        if occ.role.startswith("call:") and self.model is not None:
            return occ.role[5:] not in self.model.bound_anywhere
        return True

    def identity_stage(self) -> None:
        if Code.LITERAL_IS_COMPARISON not in self.checks or self.model is None:
            return
        for left, right, op in self.model.identity_pairs:
            start, end = self.loc.offset(start_of(left)), self.loc.offset(end_of(right))
            text = self.source[start:end]
            negated = isinstance(op, ast.IsNot)
            wanted = "!=" if negated else "=="
            word = "is not" if negated else "is"
            self.add(
                Code.LITERAL_IS_COMPARISON,
                f"'{_one_line(text)}' uses '{word}' with a literal, which compares identity;"
                f" use '{wanted}' to compare values",
                (start, end),
                Severity.WARNING,
                _one_line(text),
            )

    def defaults_stage(self) -> None:
        if Code.MUTABLE_DEFAULT not in self.checks or self.model is None:
            return
        shadowed = self.model.bound_anywhere
        for func, arg, default in self.model.defaults:
            if isinstance(default, (ast.List, ast.Dict, ast.Set)):
                pass
            elif not (
                isinstance(default, ast.Call)
                and isinstance(default.func, ast.Name)
                and default.func.id in _MUTABLE_FACTORIES
                and default.func.id not in shadowed
            ):
                continue
            # Only a default the function changes, keeps or hands out can leak state.
            escape = default_escape(func, arg.arg)
            if escape is None:
                continue
            span = self.loc.span(default)
            text = _one_line(self.source[span[0] : span[1]])
            self.add(
                Code.MUTABLE_DEFAULT,
                f"the default {text} for parameter '{arg.arg}' of '{func.name}' is created"
                f" once and shared by every call, and '{func.name}' {escape.how} it on line"
                f" {escape.line}; use None and create it inside the function",
                span,
                Severity.WARNING,
                f"{func.name}.{arg.arg}",
                (("function", func.name), ("parameter", arg.arg)),
            )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _resolves_to(occ: Occurrence, target: Scope) -> bool:
    """Whether ``occ`` names the variable ``target`` binds (closures included)."""
    scope: Scope | None = occ.scope
    if scope is target:
        return True
    if target.kind == "class" or scope is None or scope.is_local(occ.name):
        return False
    scope = scope.parent
    while scope is not None:
        if scope is target:
            return True
        # Class bodies are not visible to the functions nested in them.
        if scope.kind != "class" and occ.name in scope.bindings:
            return False
        scope = scope.parent
    return False


def _literal_size(value: ast.expr) -> tuple[int, str] | None:
    if isinstance(value, (ast.List, ast.Tuple)):
        if any(isinstance(e, ast.Starred) for e in value.elts):
            return None
        return len(value.elts), "item"
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return len(value.value), "character"
    if isinstance(value, ast.Constant) and isinstance(value.value, bytes):
        return len(value.value), "byte"
    return None


def _constant_index(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _index_message(name: str, index: int, length: int, unit: str) -> str:
    if length == 0:
        return f"index {index} is out of range for '{name}', which is empty"
    units = unit if length == 1 else f"{unit}s"
    valid = f"0..{length - 1}" if index >= 0 else f"0..{length - 1} or -{length}..-1"
    return (
        f"index {index} is out of range for '{name}', which has {length} {units}"
        f" (valid indexes {valid})"
    )


def analyze_static(
    source: str,
    tree: ast.Module | None = None,
    checks: frozenset[str] = ALL_CHECKS,
    filename: str = "<file>",
) -> list[Problem]:
    """Static problems in ``source`` (which parses), sorted by start offset; never raises.

    Problems a ``# noqa`` / ``# debugllm: ignore`` comment suppresses are left out here, so the
    analysis and the verifier (which calls this for a fixed text) see the same problems.
    The last few results are kept (the problems depend on the text, the checks and the file's
    name only): the fix plan analyses the text the verifier just checked.
    """
    return list(_cached(source, tree, checks, filename)[0])


def complete_static(
    source: str, tree: ast.Module, checks: frozenset[str], filename: str
) -> list[Problem] | None:
    """``analyze_static``'s answer when every stage ran in full on a scope model, else ``None``
    (a partial answer cannot be compared with another text's: ``analysis.scoped``)."""
    problems, complete = _cached(source, tree, checks, filename)
    return list(problems) if complete else None


def _cached(
    source: str, tree: ast.Module | None, checks: frozenset[str], filename: str
) -> tuple[tuple[Problem, ...], bool]:
    key = (source, checks, filename)
    with _recent_lock:
        known = _recent.get(key)
        if known is not None:
            _recent.move_to_end(key)
            return known
    found = _analyze_static(source, tree, checks, filename)
    with _recent_lock:
        _recent[key] = found
        while len(_recent) > _RECENT_SIZE:
            _recent.popitem(last=False)
    return found


#: Recent results by (text, checks, file name), with whether they are complete; the tree is not
#: part of the key (it is the text's, however it was parsed) and is not kept. Repairs run in
#: worker threads: a lock.
_RECENT_SIZE = 8
_recent: OrderedDict[tuple[str, frozenset[str], str], tuple[tuple[Problem, ...], bool]] = (
    OrderedDict()
)
_recent_lock = threading.Lock()


def analyze_tree(
    source: str,
    tree: ast.Module,
    checks: frozenset[str],
    filename: str,
    suppressions: Suppressions | None = None,
) -> tuple[list[Problem], ScopeModel] | None:
    """The static problems ``tree`` gives when checked as the tree of ``source`` (uncached),
    with its scope model; ``None`` when the analysis could not run in full.

    For a tree made from ``source``'s own by replacing parts of it (``analysis.scoped``): the
    text is still needed for positions, type comments and suppression comments.
    """
    try:
        with paused_gc():
            analysis = _Analysis(source, tree, checks, filename)
            problems = analysis.run()
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if analysis.model is None or not analysis.complete:
        return None
    return without_suppressed(source, problems, suppressions), analysis.model


def _analyze_static(
    source: str, tree: ast.Module | None, checks: frozenset[str], filename: str
) -> tuple[tuple[Problem, ...], bool]:
    try:
        with paused_gc():  # see debugllm.gcpause: the collector took a third of the time
            if tree is None:
                # CPython's SyntaxWarnings for user code must not reach stderr (the JSON log).
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tree = ast.parse(source, filename)
            analysis = _Analysis(source, tree, checks, filename)
            problems = without_suppressed(source, analysis.run())
            return tuple(problems), analysis.complete
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return (), False
