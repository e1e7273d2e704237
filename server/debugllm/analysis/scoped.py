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
* Problems inside R are those of a reduced module: the fixed tree with the bodies of the other
  functions (module-level defs, methods of module-level classes) replaced by ``pass``, analysed
  with the fixed text (positions, type comments, suppression comments are the text's). A body is
  replaced only when it is "plain": no ``global``/``nonlocal``, no dynamic call name, no binding
  of a trusted builtin, nothing ``runtime_names`` reads. Then every input of F's problems is
  kept: module bindings (a body binds only its own locals), the file-wide flags, the runtime
  names; each header (decorators, defaults, annotations, parameters) stays. One check reads
  other bodies: the index check drops a module-level literal that any function touches, so an
  index problem inside R whose name a replaced body mentions refuses the scoped path (removing
  bodies can only add index reports, never remove one).
* The analysis must run in full on each side (no stage failing, a scope model built); the
  original's full analysis is run once per text (``_Baseline``), not per fix.

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
import re
import threading
from collections import Counter, OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from debugllm.analysis.runtime_names import RuntimeNames, runtime_names
from debugllm.analysis.static import (
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
_WORD = re.compile(r"[A-Za-z_]\w*")


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
    #: Every Name id and every word of a string constant (for the index rule).
    words: frozenset[str]

    @property
    def plain(self) -> bool:
        """Nothing a replaced body could take away from the problems of another function."""
        return (
            not self.has_global
            and not self.declared
            and not self.dynamic
            and not self.trusted_bound
            and self.runtime == RuntimeNames()
            and self.gettext == (False, False)
        )

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
    words: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Global):
            has_global = True
        elif isinstance(child, ast.Name):
            words.add(child.id)
        elif isinstance(child, ast.Constant) and isinstance(child.value, str):
            words.update(_WORD.findall(child.value))  # string annotations pyflakes reads
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
        words=frozenset(words),
    )


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
    #: The reduced original per edited function, with the names outside functions.
    reduced: dict[Path, tuple[list[Problem], frozenset[str]] | None] = field(default_factory=dict)

    def footprint(self, slot: _Slot) -> _Footprint:
        known = self.footprints.get(slot.path)
        if known is None:
            known = self.footprints[slot.path] = _footprint(slot.node)
        return known


def _whole_file(source: str) -> Codes:
    return find_suppressions(source).whole_file


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> ast.stmt:
    """``def name(): pass`` where ``node`` was: its binding, at the same position, and nothing
    else (a plain function's header and body give the other functions nothing, see
    ``_Footprint.plain``)."""
    where = {
        "lineno": node.lineno,
        "col_offset": node.col_offset,
        "end_lineno": node.lineno,
        "end_col_offset": node.col_offset,
    }
    return type(node)(
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
        while len(self._baselines) > 2:
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
        stubbed = {s.path for s in base.slots if s.path != slot.path and base.footprint(s).plain}
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
        if indexed and any(
            indexed & base.footprint(s).words for s in base.slots if s.path in stubbed
        ):
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
