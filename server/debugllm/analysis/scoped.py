"""Static verification proportional to the edit: check the function a fix edits, not the file.

The verifier's verdict on a fix of a file that parses needs one thing from the static checks:
the Counter of ``problem.key()`` (code, subject) over the fixed text's problems of severity
ERROR or WARNING. ``after_keys`` computes that Counter from the function the fix edits, or
returns ``None`` (the caller then checks the whole file) whenever an argument below fails.

Let F be the module-level function, or the method of a module-level class, whose statement
(decorators to end) holds every edit, and R its span. The fixed text equals the original outside
R, and F' (the statement at F's place in the fixed tree: same kind, same name, same number of
statements around it) spans exactly the rest. Keys carry no positions, so:

* Problems outside R are the original's. Code outside F sees F only through what F gives other
  scopes, and each is compared before and after the fix (``_Footprint``; any change: fall back):
  ``global`` statements (refused outright: they bind module names), ``nonlocal`` names (the
  index check skips declared names), reads of ``exec``/``eval``/``globals``/``locals``/``vars``
  (they turn checks off file-wide), bindings of the builtins the checks trust (``len``,
  ``list`` ...), names ``runtime_names`` finds (``builtins.x = ``, ``_convert_``, NameError
  probes, ``install``/gettext), which module-level names F's occurrences resolve to (with how
  each is used: the index check drops a literal that anything but a read touches), and
  whole-file suppression comments. What pyflakes marks as used is compared on its output: the
  problems outside R of the reduced module (below) before and after must have the same keys. An
  import F stops using (or starts using) changes them unless the rest of the module uses it
  anyway; the other functions' uses only ever add "used" marks, so equal reduced answers mean
  equal whole-file answers. Positions outside R only shift by whole lines after R, so every
  order the checks compare outside R is kept.
* Problems inside R are those of a reduced module: the fixed tree with each other function
  (module-level defs, methods of module-level classes) replaced by ``def name(): pass`` at the
  same position, analysed with the fixed text (positions, type comments, suppression comments
  are the text's). A function is replaced only when it is "plain" (``_plain_body``): no
  ``global``/``nonlocal``, no dynamic call name, no binding of a trusted builtin (parameters
  included), no name or attribute any ``runtime_names`` idiom needs. Then every input of F's
  problems is kept: module and class bindings (a plain function binds only its own locals and
  its name, which the stub keeps, at its position), the file-wide flags, the runtime names.
  One check reads other functions: the index check drops a module-level literal that any of
  them touches, so an index problem inside R whose name a replaced function mentions refuses
  the scoped path (removing functions only ever adds index reports, never removes one).
* Every analysis used must have run in full (no stage failing, a scope model built:
  ``static.complete_static``, ``static.analyze_tree``); the original's problems come from the
  analysis cache, its functions' facts are computed once per text (``_Baseline``).

Checks and their locality (``analysis.static``): undefined names and used-before-assignment
(pyflakes + scope model: module bindings, the enclosing scopes, ``runtime_names``, the
``globals()`` flag); unused imports (pyflakes' used marks: compared as above; re-exports use
``__all__``, module-level only, and type comments in the text); index out of range (bindings,
all occurrences resolving to them, ``declared``, ``dynamic``, builtins bound anywhere);
``is`` with a literal (the comparison alone); mutable defaults (the function's own body and the
builtins bound anywhere).
"""

from __future__ import annotations

import ast
import copy
import sys
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from debugllm.analysis.runtime_names import RuntimeNames, runtime_names
from debugllm.analysis.static import (
    _DYNAMIC_CALLS,
    _MUTABLE_FACTORIES,
    _SAFE_CALLS,
    Locator,
    _resolves_to,
    analyze_tree,
    build_model,
    complete_static,
)
from debugllm.analysis.suppressions import Codes, Suppressions, find_suppressions
from debugllm.gcpause import paused_gc
from debugllm.problems import Code, Problem, Severity
from debugllm.text import Edit

Keys = Counter[tuple[str, str]]
#: Where a function sits: (index in the module) or (class index, index in the class body).
Path = tuple[int, ...]
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
#: Builtins the checks assume are not rebound anywhere (``read_only``, ``defaults_stage``).
_TRUSTED_BUILTINS = _SAFE_CALLS | _MUTABLE_FACTORIES


def verdict_keys(problems: Iterable[Problem]) -> Keys:
    """What the verifier compares: the keys of the problems it counts."""
    return Counter(p.key() for p in problems if p.severity <= Severity.WARNING)


@dataclass(frozen=True)
class _Footprint:
    """What a function gives the scopes outside it (see the module docstring)."""

    has_global: bool
    declared: frozenset[str]
    dynamic: bool
    rebinds_globals: bool
    trusted_bound: frozenset[str]
    runtime: RuntimeNames
    gettext: tuple[bool, bool]
    #: (name, ctx, role) of occurrences that resolve outside the function.
    free: frozenset[tuple[str, str, str]]

    def outside_view(self, module_names: Iterable[str]) -> object:
        """The part that can change problems outside the function."""
        names = frozenset(module_names)
        return (
            self.declared,
            self.dynamic,
            self.rebinds_globals,
            self.trusted_bound,
            self.runtime,
            self.gettext,
            frozenset(f for f in self.free if f[0] in names),
        )


def _footprint(node: ast.FunctionDef | ast.AsyncFunctionDef) -> _Footprint:
    alone = ast.Module(body=[node], type_ignores=[])
    model = build_model(alone)  # F's own scopes, resolved the way the checks resolve them
    has_global = install = gettext = False
    for child in ast.walk(node):
        if isinstance(child, ast.Global):
            has_global = True
        elif isinstance(child, ast.Call):
            func = child.func
            install |= (isinstance(func, ast.Name) and func.id == "install") or (
                isinstance(func, ast.Attribute) and func.attr == "install"
            )
        elif isinstance(child, (ast.Import, ast.ImportFrom)):
            module = child.module if isinstance(child, ast.ImportFrom) else None
            gettext |= module == "gettext" or any(a.name == "gettext" for a in child.names)
    free = frozenset(
        (occ.name, occ.ctx, occ.role if occ.aug is None else "aug")
        for occs in model.by_name.values()
        for occ in occs
        if _resolves_to(occ, model.module)
    )
    # The function's own name is a module binding either way (its kind and name are checked).
    bound = model.bound_anywhere - {node.name}
    return _Footprint(
        has_global=has_global,
        declared=frozenset(model.declared),
        dynamic=model.dynamic,
        rebinds_globals=model.rebinds_globals,
        trusted_bound=frozenset(bound & _TRUSTED_BUILTINS),
        runtime=runtime_names(alone),
        gettext=(install, gettext),
        free=free,
    )


#: Names and attributes every idiom ``runtime_names`` reads contains (one of them present: the
#: function is not plain, whatever ``runtime_names`` would make of it).
_RUNTIME_MARKS = frozenset(
    {
        "_convert_", "_convert", "install", "setattr", "builtins", "__builtin__", "__builtins__",
        "modules", "NameError", "gettext", "global_enum",
    }
)  # fmt: skip


def _plain_body(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, frozenset[str]]:
    """Whether emptying ``node`` takes nothing from another function's problems, and every
    name it mentions (for the index rule). Plain: no ``global``/``nonlocal``, no dynamic call
    name, no binding of a trusted builtin, nothing ``runtime_names`` reads. One walk reading
    the fields directly (every function of the file is walked once per text)."""
    names: set[str] = set()
    bound: set[str] = set()
    marks: set[str] = set()
    plain = True
    stack: list[ast.AST] = [node]
    while stack:
        child = stack.pop()
        if isinstance(child, ast.Name):
            names.add(child.id)
            if not isinstance(child.ctx, ast.Load):
                bound.add(child.id)
            continue
        if isinstance(child, ast.Attribute):
            marks.add(child.attr)
        elif isinstance(child, (ast.Global, ast.Nonlocal)):
            plain = False
        elif isinstance(child, ast.arg):
            bound.add(child.arg)
        elif isinstance(child, ast.alias):
            bound.add((child.asname or child.name).split(".")[0])
            marks.update(child.name.split("."))
        elif isinstance(child, ast.ImportFrom):
            marks.update((child.module or "").split("."))
        elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(child.name)
        elif isinstance(child, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            bound.update([child.name] if child.name else [])
        elif isinstance(child, ast.MatchMapping):
            bound.update([child.rest] if child.rest else [])
        for field_name in child._fields:
            value = getattr(child, field_name, None)
            if isinstance(value, ast.AST):
                stack.append(value)
            elif isinstance(value, list):
                stack.extend(item for item in value if isinstance(item, ast.AST))
    bound.discard(node.name)  # its own binding stays (the stub keeps it)
    # An assignment expression in a decorator, default or annotation binds in the enclosing
    # scope (``def g(a=(X := 1))`` makes module-level X): the stub would lose that binding.
    header = [*node.decorator_list, *node.args.defaults, node.returns]
    header += [d for d in node.args.kw_defaults if d is not None]
    header += [a.annotation for a in _parameters(node.args)]
    plain &= not any(
        isinstance(n, ast.NamedExpr) for part in header if part is not None for n in ast.walk(part)
    )
    plain = (
        plain
        and not names & (_DYNAMIC_CALLS | _RUNTIME_MARKS)
        and not marks & _RUNTIME_MARKS
        and not bound & _TRUSTED_BUILTINS
    )
    return plain, frozenset(names)


def _parameters(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


@dataclass
class _Slot:
    path: Path
    node: ast.FunctionDef | ast.AsyncFunctionDef
    #: Code-point span of the statement, from the start of its first line (decorators too).
    start: int
    end: int


def _slots(tree: ast.Module) -> list[_Slot]:
    """The functions the scoped path knows: module-level defs and methods of module-level
    classes (without offsets)."""
    found: list[_Slot] = []
    for i, stmt in enumerate(tree.body):
        if isinstance(stmt, _FUNCTIONS):
            found.append(_Slot((i,), stmt, 0, 0))
        elif isinstance(stmt, ast.ClassDef):
            for j, member in enumerate(stmt.body):
                if isinstance(member, _FUNCTIONS):
                    found.append(_Slot((i, j), member, 0, 0))
    return found


def _span(loc: Locator, node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    end = loc.offset((node.end_lineno or node.lineno, node.end_col_offset or 0))
    return loc.line_start(first), end


def _at(tree: ast.Module, path: Path) -> ast.AST | None:
    node: ast.AST = tree
    for i in path:
        body = getattr(node, "body", None)
        if not isinstance(body, list) or i >= len(body):
            return None
        node = body[i]
    return node


@dataclass
class _Baseline:
    """What the original text gives every fix of it (computed once per text)."""

    tree: ast.Module
    problems: tuple[Problem, ...]
    slots: list[_Slot]
    whole_file: Codes
    footprints: dict[Path, _Footprint] = field(default_factory=dict)
    #: Per function: whether it is plain, and the names it mentions (``_plain_body``).
    bodies: dict[Path, tuple[bool, frozenset[str]]] = field(default_factory=dict)
    #: The reduced original per edited function, with the names outside functions.
    reduced: dict[Path, tuple[list[Problem], frozenset[str]] | None] = field(default_factory=dict)

    def body(self, slot: _Slot) -> tuple[bool, frozenset[str]]:
        known = self.bodies.get(slot.path)
        if known is None:
            known = self.bodies[slot.path] = _plain_body(slot.node)
        return known

    def footprint(self, slot: _Slot) -> _Footprint:
        known = self.footprints.get(slot.path)
        if known is None:
            known = self.footprints[slot.path] = _footprint(slot.node)
        return known


def _whole_file(source: str) -> Codes:
    return find_suppressions(source).whole_file


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """``def name(): pass`` where ``node`` was: its binding, at the same position, and nothing
    else (a plain function gives the other functions nothing else, see ``_plain_body``)."""
    where = {
        "lineno": node.lineno,
        "col_offset": node.col_offset,
        "end_lineno": node.lineno,
        "end_col_offset": node.col_offset,
    }
    stub = type(node)(
        name=node.name,
        args=ast.arguments(
            posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None,
            defaults=[],
        ),
        body=[ast.Pass(**where)],
        decorator_list=[],
        returns=None,
        type_comment=None,
        **where,
    )  # fmt: skip
    if sys.version_info >= (3, 12):
        # 3.12 added type parameters: a node without the field fails the checks that read it
        # (every reduced module failed, so the scoped path was never taken on 3.12).
        stub.type_params = []
    return stub


def _reduce(tree: ast.Module, stubbed: set[Path]) -> ast.Module:
    """A copy of ``tree`` with the functions at ``stubbed`` emptied (``tree`` is unchanged: it
    is shared with ``compiled_tree``'s cache)."""
    body: list[ast.stmt] = []
    classes = {path[0] for path in stubbed if len(path) == 2}
    for i, stmt in enumerate(tree.body):
        if (i,) in stubbed and isinstance(stmt, _FUNCTIONS):
            body.append(_stub(stmt))
        elif isinstance(stmt, ast.ClassDef) and i in classes:
            members: list[ast.stmt] = [
                _stub(m) if (i, j) in stubbed and isinstance(m, _FUNCTIONS) else m
                for j, m in enumerate(stmt.body)
            ]
            cls = copy.copy(stmt)
            cls.body = members
            body.append(cls)
        else:
            body.append(stmt)
    return ast.Module(body=body, type_ignores=tree.type_ignores)


def _outside(problems: Iterable[Problem], start: int, end: int) -> list[Problem]:
    return [p for p in problems if not start <= p.start < end]


def _inside(problems: Iterable[Problem], start: int, end: int) -> list[Problem]:
    return [p for p in problems if start <= p.start < end]


class ScopedStatic:
    """The verdict keys of a fix from the function it edits (see the module docstring)."""

    def __init__(self, checks: frozenset[str], filename: str) -> None:
        self.checks = checks
        self.filename = filename
        self._baselines: OrderedDict[str, _Baseline | None] = OrderedDict()
        # Fix plans verify in worker threads.
        self._lock = threading.Lock()

    def after_keys(
        self,
        source: str,
        tree: ast.Module,
        edits: Sequence[Edit],
        fixed: str,
        fixed_tree: ast.Module,
    ) -> Keys | None:
        """``verdict_keys(analyze_static(fixed))``, or ``None`` when not proven here."""
        if not edits:
            return None
        # The reduced trees and scope models are many small objects: see debugllm.gcpause.
        with self._lock, paused_gc():
            baseline = self._baseline(source, tree)
            if baseline is None:
                return None
            return self._after_keys(baseline, source, edits, fixed, fixed_tree)

    def _baseline(self, source: str, tree: ast.Module) -> _Baseline | None:
        if source in self._baselines:
            self._baselines.move_to_end(source)
            return self._baselines[source]
        # Usually known already: the analysis of the original computed it.
        found = complete_static(source, tree, self.checks, self.filename)
        baseline = None
        if found is not None:
            loc = Locator(source)
            slots = _slots(tree)
            for slot in slots:
                slot.start, slot.end = _span(loc, slot.node)
            baseline = _Baseline(tree, tuple(found), slots, _whole_file(source))
        self._baselines[source] = baseline
        while len(self._baselines) > 1:  # a big text's tree and facts weigh tens of MB
            self._baselines.popitem(last=False)
        return baseline

    def _reduced(
        self,
        source: str,
        tree: ast.Module,
        stubbed: set[Path],
        suppressions: Suppressions | None = None,
    ) -> tuple[list[Problem], frozenset[str]] | None:
        reduced = _reduce(tree, stubbed)
        found = analyze_tree(source, reduced, self.checks, self.filename, suppressions)
        if found is None:
            return None
        problems, model = found
        # The names F's occurrences can reach outside it: module-level and class-level ones
        # (a method's header runs in its class body).
        names = set(model.module.bindings)
        for scope in model.scopes:
            if scope.kind == "class":
                names.update(scope.bindings)
        return problems, frozenset(names)

    def _after_keys(
        self,
        base: _Baseline,
        source: str,
        edits: Sequence[Edit],
        fixed: str,
        fixed_tree: ast.Module,
    ) -> Keys | None:
        low = min(e.start for e in edits)
        high = max(e.end for e in edits)
        slot = next((s for s in base.slots if s.start <= low and high <= s.end), None)
        if slot is None:
            return None
        new_node = _same_place(base.tree, fixed_tree, slot.path)
        if new_node is None:
            return None
        delta = len(fixed) - len(source)
        new_start, new_end = _span(Locator(fixed), new_node)
        # The fixed text is the original outside the function, and the function is whole.
        if (
            new_start != slot.start
            or new_end != slot.end + delta
            or fixed[:new_start] != source[: slot.start]
            or fixed[new_end:] != source[slot.end :]
        ):
            return None
        suppressions = find_suppressions(fixed)
        if suppressions.whole_file != base.whole_file:
            return None
        before_print = base.footprint(slot)
        after_print = _footprint(new_node)
        if before_print.has_global or after_print.has_global:
            return None
        stubbed = {s.path for s in base.slots if s.path != slot.path and base.body(s)[0]}
        if slot.path not in base.reduced:
            base.reduced[slot.path] = self._reduced(source, base.tree, stubbed)
        reduced_before = base.reduced[slot.path]
        reduced_after = self._reduced(fixed, fixed_tree, stubbed, suppressions)
        if reduced_before is None or reduced_after is None:
            return None
        (before_problems, module_names), (after_problems, after_names) = (
            reduced_before,
            reduced_after,
        )
        if module_names != after_names:
            return None
        if before_print.outside_view(module_names) != after_print.outside_view(module_names):
            return None
        # pyflakes' used marks (and everything else F gives the module) seen on its output.
        if verdict_keys(_outside(before_problems, slot.start, slot.end)) != verdict_keys(
            _outside(after_problems, new_start, new_end)
        ):
            return None
        inside = _inside(after_problems, new_start, new_end)
        indexed = {p.subject for p in inside if p.code == Code.INDEX_OUT_OF_RANGE}
        if indexed and any(indexed & base.body(s)[1] for s in base.slots if s.path in stubbed):
            return None
        return verdict_keys(_outside(base.problems, slot.start, slot.end)) + verdict_keys(inside)


def _same_place(
    tree: ast.Module, fixed_tree: ast.Module, path: Path
) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The function of ``fixed_tree`` at ``path``, if the statements around it match in number,
    kind and name."""
    if len(tree.body) != len(fixed_tree.body):
        return None
    old, new = _at(tree, path), _at(fixed_tree, path)
    if len(path) == 2:
        old_cls, new_cls = tree.body[path[0]], fixed_tree.body[path[0]]
        if not (
            isinstance(old_cls, ast.ClassDef)
            and isinstance(new_cls, ast.ClassDef)
            and old_cls.name == new_cls.name
            and len(old_cls.body) == len(new_cls.body)
        ):
            return None
    if (
        isinstance(old, _FUNCTIONS)
        and isinstance(new, _FUNCTIONS)
        and type(old) is type(new)
        and old.name == new.name
    ):
        return new
    return None
