"""Fixes for the static checks (``debugllm.analysis.static``).

Each repair re-reads the tree to find the exact nodes a problem points at, proposes the smallest
edit that removes it and explains it with the catalog. Candidates come best first; a fix that
could change what working code does is marked ``changes_behaviour`` so it is never preferred.
"""

from __future__ import annotations

import ast
import builtins
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from debugllm.analysis.static import (
    Binding,
    Locator,
    Occurrence,
    Scope,
    ScopeModel,
    build_model,
    enclosing_binding,
    end_of,
    parameter_defaults,
    start_of,
)
from debugllm.candidates import Candidate
from debugllm.problems import Code, Problem
from debugllm.repair.catalog import explain
from debugllm.text import Edit

#: Well-known standard-library members people use without importing them.
_KNOWN_MEMBERS: dict[str, str] = {
    "defaultdict": "collections", "Counter": "collections", "deque": "collections",
    "namedtuple": "collections", "OrderedDict": "collections", "dataclass": "dataclasses",
    "Path": "pathlib", "datetime": "datetime", "date": "datetime", "timedelta": "datetime",
    "sqrt": "math", "pi": "math", "floor": "math", "ceil": "math", "randint": "random",
    "choice": "random", "shuffle": "random", "partial": "functools", "reduce": "functools",
    "lru_cache": "functools", "wraps": "functools", "chain": "itertools",
    "product": "itertools", "permutations": "itertools", "combinations": "itertools",
    "Enum": "enum", "ABC": "abc", "abstractmethod": "abc", "sleep": "time", "pprint": "pprint",
    "Decimal": "decimal", "Fraction": "fractions", "Any": "typing", "Optional": "typing",
    "Callable": "typing",
}  # fmt: skip
#: For names that are both a module and a member of it: attributes that mean the module.
_MODULE_ATTRIBUTES: dict[str, frozenset[str]] = {
    "datetime": frozenset(
        {"datetime", "date", "time", "timedelta", "timezone", "tzinfo", "MINYEAR", "MAXYEAR", "UTC"}
    ),
    "pprint": frozenset({"pprint", "pformat", "pp", "PrettyPrinter", "saferepr"}),
}
#: Standard-library modules whose import has side effects or that nobody means.
_NOT_IMPORTABLE = frozenset({"this", "antigravity", "test", "idlelib", "turtledemo"})
_BUILTIN_NAMES = frozenset(n for n in dir(builtins) if not n.startswith("_"))


@dataclass
class _Context:
    source: str
    tree: ast.Module
    problem: Problem
    loc: Locator

    @property
    def line(self) -> int:
        return self.problem.line or self.loc.index.line_of(self.problem.start) + 1

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.source else "\n"

    def text(self, node: ast.AST) -> str:
        start, end = self.loc.span(node)
        return self.source[start:end]

    def candidate(
        self,
        kind: str,
        title: str,
        edits: list[Edit],
        facts: dict[str, object],
        *,
        changes_behaviour: bool = False,
        guess: bool = False,
        cost: float = 1.0,
    ) -> Candidate:
        return Candidate(
            target=self.problem,
            kind=kind,
            title=title,
            explanation=explain(kind, {"line": self.line, **facts}),
            edits=tuple(sorted(edits)),
            cost=cost,
            changes_behaviour=changes_behaviour,
            guess=guess,
        )


def repair_static(source: str, problem: Problem, tree: ast.Module | None = None) -> list[Candidate]:
    """Candidate fixes for one static problem, best first; [] when no safe fix is known."""
    handler = _HANDLERS.get(problem.code)
    if handler is None:
        return []
    try:
        if tree is None:
            # CPython's SyntaxWarnings for user code must not reach stderr (the JSON log).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(source)
        return handler(_Context(source, tree, problem, Locator(source)))
    except (SyntaxError, ValueError, RecursionError):
        return []


# -- undefined names -----------------------------------------------------------------------------


def _repair_undefined(ctx: _Context) -> list[Candidate]:
    name = ctx.problem.subject
    if not name or ctx.source[ctx.problem.start : ctx.problem.end] != name:
        return []
    model = build_model(ctx.tree)
    renamed = _python2_builtin(ctx, model, name)
    if renamed:
        return renamed
    occ = model.occurrences.get(ctx.loc.pos(ctx.problem.start))
    typos = _typo_fixes(ctx, model, occ, name, [(ctx.problem.start, ctx.problem.end)])
    imports = _import_fixes(ctx, name, model)
    if not imports:
        return typos
    # A known member, or a stdlib module used as `name.attr`, is almost surely a missing import.
    strong = name in _KNOWN_MEMBERS or any(
        isinstance(o.parent, ast.Attribute) for o in model.by_name.get(name, ())
    )
    return imports + typos if strong else typos + imports


#: Python 2 built-ins that Python 3 renamed, called the same way and doing the same:
#: `raw_input(...)` reads a line as `input(...)` does now, `xrange(n)` counts as `range(n)`.
_PYTHON2_BUILTINS = {"raw_input": "input", "xrange": "range", "unichr": "chr"}


def _python2_builtin(ctx: _Context, model: ScopeModel, name: str) -> list[Candidate]:
    """`raw_input("?")` in a file that defines neither `raw_input` nor `input`: the author wrote
    Python 2, and the Python 3 name is the one program meant. Every use is renamed; only calls
    (a name passed around or rebound may be the author's own design) and no run-time names."""
    new = _PYTHON2_BUILTINS.get(name)
    if new is None or model.dynamic or {name, new} & (model.bound_anywhere | model.declared):
        return []
    uses = model.by_name.get(name, [])
    if not uses or any(
        use.ctx != "load" or not isinstance(use.parent, ast.Call) or use.parent.func is not use.node
        for use in uses
    ):
        return []
    edits = [Edit(*ctx.loc.span(use.node), new) for use in uses]
    return [
        ctx.candidate(
            "python2-builtin",
            f"Use Python 3's '{new}' for Python 2's '{name}'",
            edits,
            {"name": name, "suggestion": new},
        )
    ]


def _typo_fixes(
    ctx: _Context,
    model: ScopeModel,
    occ: Occurrence | None,
    name: str,
    spans: list[tuple[int, int]],
) -> list[Candidate]:
    """A rename to the one visible name ``name`` is clearly a slip of, or nothing.

    A rename is a guess about intent, so it is offered only when one candidate stands out: it is
    close (``_closeness``), of the same kind as the use (``_fits_use``), and no other candidate is
    as close. Two equally close names (``countre`` for ``countr`` or ``counter``) get no rename:
    picking one would be a coin toss.
    """
    uses = _uses_of(model, occ, name)
    ranked: list[tuple[float, str, Binding | None]] = []
    for candidate, binding in _visible_names(model, occ).items():
        if candidate == name:
            continue
        score = _closeness(name, candidate, builtin=binding is None)
        if score is not None and _fits_use(name, candidate, binding, uses):
            ranked.append((score, candidate, binding))
    if not ranked:
        return []
    best_score = min(r[0] for r in ranked)
    closest = [r for r in ranked if r[0] == best_score]
    if len(closest) != 1:
        return []
    score, suggestion, binding = closest[0]
    defined = (
        f"which is defined on line {binding.line}"
        if binding is not None
        else "which is one of Python's built-in names"
    )
    return [
        ctx.candidate(
            "name-typo",
            f"Rename '{name}' to '{suggestion}'",
            [Edit(start, end, suggestion) for start, end in spans],
            {"name": name, "suggestion": suggestion, "defined": defined},
            cost=1.0 + score,
        )
    ]


@dataclass(frozen=True)
class _Uses:
    """How the misspelt name is used: called, and the attributes read from it."""

    called: bool
    attributes: frozenset[str]
    #: The aliases of ``import x`` statements (bindings of a module, not of a member).
    module_aliases: frozenset[int]


def _uses_of(model: ScopeModel, occ: Occurrence | None, name: str) -> _Uses:
    occurrences = [occ] if occ is not None else model.by_name.get(name, [])
    called = False
    attributes: set[str] = set()
    for o in occurrences:
        parent = o.parent
        if isinstance(parent, ast.Call) and parent.func is o.node:
            called = True
        elif isinstance(parent, ast.Attribute) and parent.value is o.node:
            attributes.add(parent.attr)
    module_aliases = frozenset(
        id(alias)
        for info in model.imports.values()
        if isinstance(info.stmt, ast.Import)
        for alias in info.stmt.names
    )
    return _Uses(called, frozenset(attributes), module_aliases)


#: What a literal right-hand side makes a variable (its attributes are the type's).
_LITERAL_TYPES: dict[type[ast.AST], type] = {
    ast.List: list, ast.ListComp: list, ast.Dict: dict, ast.DictComp: dict, ast.Set: set,
    ast.SetComp: set, ast.Tuple: tuple, ast.JoinedStr: str,
}  # fmt: skip


def _literal_type(binding: Binding) -> type | None:
    """The type of the literal a plain assignment binds, or None for anything else."""
    value = binding.value
    if binding.kind != "assign" or value is None:
        return None
    if isinstance(value, ast.Constant):
        return type(value.value)
    return _LITERAL_TYPES.get(type(value))


def _fits_use(name: str, candidate: str, binding: Binding | None, uses: _Uses) -> bool:
    """Whether ``candidate`` is the kind of thing the code does with ``name``.

    * A called name that starts with a capital (a class) stays a class: the candidate starts with
      a capital too and is no module and no literal (``Codec()`` never becomes ``codecs()``).
    * A called name maps to something callable: a def, a class, an import, a callable built-in
      (never a variable bound to a literal, a parameter or a loop variable).
    * A name whose attributes are read (``name.attr``) maps to a module, an import, a class or a
      variable, never to a function; a built-in or a literal-bound variable must have every
      attribute read (``lenght.x`` is not ``len.x``).
    """
    builtin = getattr(builtins, candidate, None) if binding is None else None
    module = binding is not None and id(binding.node) in uses.module_aliases
    literal = _literal_type(binding) if binding is not None else None
    if uses.called:
        if name[:1].isupper() and (not candidate[:1].isupper() or module or literal is not None):
            return False
        if not _is_callable(binding, builtin, module):
            return False
    if uses.attributes:
        if binding is not None and binding.kind == "def":
            return False
        owner: object = builtin if binding is None else literal
        if owner is not None and not all(hasattr(owner, a) for a in uses.attributes):
            return False
    return True


def _visible_names(model: ScopeModel, occ: Occurrence | None) -> dict[str, Binding | None]:
    """Names code at ``occ`` can read, nearest scope first, then builtins (as None).

    Where code runs as it is reached (the module, a class body, the current function), only names
    bound before the use count: suggesting one bound later would trade the error for another.
    """
    names: dict[str, Binding | None] = {}
    scope: Scope | None = occ.scope if occ is not None else model.module
    runs_now = occ is not None
    innermost = True
    while scope is not None:
        if innermost or scope.kind != "class":
            for name, binds in scope.bindings.items():
                if name in names or name in scope.declared:
                    continue
                earlier = [b for b in binds if not runs_now or occ is None or b.pos < occ.pos]
                if earlier:
                    names[name] = min(earlier, key=lambda b: b.pos)
        if scope.kind in ("function", "lambda"):
            runs_now = False
        innermost = innermost and scope.kind == "comprehension"
        scope = scope.parent
    for name in sorted(_BUILTIN_NAMES):
        names.setdefault(name, None)
    return names


def _is_callable(binding: Binding | None, builtin: object, module: bool) -> bool:
    if binding is None:
        return callable(builtin)
    if module:
        return False
    return binding.kind in ("def", "class", "import") or isinstance(binding.value, ast.Lambda)


def _closeness(name: str, candidate: str, *, builtin: bool = False) -> float | None:
    """How far ``candidate`` is from ``name`` as a slip of the keyboard, or None when too far.

    Each changed, added or dropped letter, or swap of neighbours, is one slip, case included
    (optimal string alignment distance). Clear slips only:

    * a case-only difference (``true`` for ``True``, ``codec`` for ``Codec``) scores 0.5;
    * otherwise the name has 4 letters or more (shorter ones have too many neighbours), the same
      first letter (a different first letter is another word: ``pgettext``/``gettext``,
      ``xrange``/``range``) and one slip, two from 9 letters on;
    * a built-in followed by up to 3 stray letters (``lenght`` for ``len``) scores just above
      the slip limit, so a real one-slip match wins.
    """
    if name.lower() == candidate.lower():
        return 0.5
    if len(name) < 4 or name[0].lower() != candidate[0].lower():
        return None
    limit = 1 if len(name) <= 8 else 2
    # Cheap length bound before the quadratic distance.
    if abs(len(name) - len(candidate)) <= limit:
        distance = _osa_distance(name, candidate)
        if distance <= limit:
            return float(distance)
    extra = len(name) - len(candidate)
    if builtin and len(candidate) >= 3 and name.startswith(candidate) and 0 < extra <= 3:
        return limit + 0.5
    return None


def _osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits plus swaps of adjacent letters ("lenght")."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def _import_fixes(ctx: _Context, name: str, model: ScopeModel) -> list[Candidate]:
    attributes = {
        o.parent.attr
        for o in model.by_name.get(name, ())
        if isinstance(o.parent, ast.Attribute) and o.parent.value is o.node
    }
    module = _KNOWN_MEMBERS.get(name)
    is_module = name in sys.stdlib_module_names and not name.startswith("_")
    if module is not None and is_module:
        # `datetime.now()` wants the class, `datetime.date.today()` the module.
        wants_module = bool(attributes) and attributes <= _MODULE_ATTRIBUTES.get(name, frozenset())
        module = None if wants_module else module
    if module is not None:
        statement = f"from {module} import {name}"
        edit = _extend_from_import(ctx, module, name) or _insert_import(ctx, statement)
    elif is_module and name not in _NOT_IMPORTABLE:
        statement = f"import {name}"
        edit = _insert_import(ctx, statement)
    else:
        return []
    # Safe only for a module used only as that module (`os.path`): a member (`sqrt`) or a bare
    # use may mean a name from elsewhere (numpy's sqrt, a variable the author forgot to set).
    uses = model.by_name.get(name, ())
    module_only = module is None and all(
        isinstance(o.parent, ast.Attribute) and o.parent.value is o.node for o in uses
    )
    return [
        ctx.candidate(
            "missing-import",
            f"Add '{statement}'",
            [edit],
            {"name": name, "statement": statement},
            guess=not (module_only and uses),
        )
    ]


def _extend_from_import(ctx: _Context, module: str, name: str) -> Edit | None:
    """Add ``name`` to a ``from module import ...`` in the top import block."""
    for stmt in _top_imports(ctx.tree):
        if (
            isinstance(stmt, ast.ImportFrom)
            and stmt.module == module
            and stmt.level == 0
            and all(alias.name != "*" for alias in stmt.names)
        ):
            end = ctx.loc.offset(end_of(stmt.names[-1]))
            return Edit(end, end, f", {name}")
    return None


def _insert_import(ctx: _Context, statement: str) -> Edit:
    """A new line after the docstring, ``__future__`` imports and the top import block."""
    body = ctx.tree.body
    block = _top_imports(ctx.tree)
    after = block[-1] if block else body[0] if body and _is_docstring(body[0]) else None
    nl = ctx.newline
    if after is None:
        first_line = _first_line(body[0]) if body else ctx.loc.index.line_count + 1
        offset = ctx.loc.line_start(first_line)
        prefix = nl if offset == len(ctx.source) and not ctx.source.endswith(("\n", "\r")) else ""
        return Edit(offset, offset, f"{prefix}{statement}{nl}")
    offset = ctx.loc.line_start(end_of(after)[0] + 1)
    if offset == len(ctx.source) and not ctx.source.endswith(("\n", "\r")):
        return Edit(offset, offset, f"{nl}{statement}")
    return Edit(offset, offset, f"{statement}{nl}")


def _top_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The imports that open the module, after its docstring."""
    body = tree.body[1:] if tree.body and _is_docstring(tree.body[0]) else tree.body
    block: list[ast.Import | ast.ImportFrom] = []
    for stmt in body:
        if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
            break
        block.append(stmt)
    return block


def _first_line(stmt: ast.stmt) -> int:
    """Where a statement starts, decorators included."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return min([stmt.lineno, *(d.lineno for d in stmt.decorator_list)])
    return stmt.lineno


def _is_docstring(stmt: ast.stmt) -> bool:
    return (
        isinstance(stmt, ast.Expr)
        and isinstance(stmt.value, ast.Constant)
        and isinstance(stmt.value.value, str)
    )


# -- unused imports ------------------------------------------------------------------------------


def _repair_unused_import(ctx: _Context) -> list[Candidate]:
    found = _find_import(ctx)
    if found is None:
        return []
    body, stmt, alias = found
    edit = _remove_alias(ctx, body, stmt, alias)
    if edit is None:
        return []
    name = ctx.problem.subject or alias.name
    return [
        ctx.candidate(
            "unused-import", f"Remove unused import '{name}'", [edit], {"name": name}, cost=0.5
        )
    ]


def _find_import(
    ctx: _Context,
) -> tuple[list[ast.stmt], ast.Import | ast.ImportFrom, ast.alias] | None:
    wanted = (ctx.problem.start, ctx.problem.end)
    for node in ast.walk(ctx.tree):
        for _, value in ast.iter_fields(node):
            if not isinstance(value, list):
                continue
            for stmt in value:
                if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                    continue
                for alias in stmt.names:
                    if ctx.loc.span(alias) == wanted:
                        return value, stmt, alias
    return None


def _remove_alias(
    ctx: _Context, body: list[ast.stmt], stmt: ast.Import | ast.ImportFrom, alias: ast.alias
) -> Edit | None:
    names = stmt.names
    if len(names) > 1:
        # Drop the name and the comma that joins it to its neighbour.
        i = names.index(alias)
        if i + 1 < len(names):
            return Edit(ctx.loc.offset(start_of(alias)), ctx.loc.offset(start_of(names[i + 1])), "")
        return Edit(ctx.loc.offset(end_of(names[i - 1])), ctx.loc.offset(end_of(alias)), "")
    start, end = ctx.loc.span(stmt)
    if len(body) == 1 and body is not ctx.tree.body:
        return Edit(start, end, "pass")  # the block would be left empty
    source, index = ctx.source, ctx.loc.index
    line_start = index.line_starts[index.line_of(start)]
    end_line = index.line_of(end)
    line_end = index.line_end(end_line)
    before, after = source[line_start:start], source[end:line_end]
    if not before.strip() and (not after.strip() or after.lstrip().startswith("#")):
        return Edit(line_start, ctx.loc.line_start(end_line + 2), "")
    following = re.match(r"[ \t]*;[ \t]*", after)
    if following is not None:
        return Edit(start, end + following.end(), "")
    preceding = re.search(r"[ \t]*;[ \t]*$", before)
    if preceding is not None:
        return Edit(line_start + preceding.start(), end, "")
    return None


# -- index out of range --------------------------------------------------------------------------


def _repair_index(ctx: _Context) -> list[Candidate]:
    facts = dict(ctx.problem.extra)
    try:
        index, length = int(facts["index"]), int(facts["length"])
    except (KeyError, ValueError):
        return []
    start, end = ctx.problem.start, ctx.problem.end
    written = ctx.source[start:end].replace(" ", "")
    if length == 0 or written != str(index):
        return []
    name = ctx.problem.subject
    unit = facts.get("unit", "item")
    count = f"{length} {unit}" if length == 1 else f"{length} {unit}s"
    details = {"name": name, "index": index, "count": count}
    if index == length:
        last = length - 1
        return [
            ctx.candidate(
                "index-off-by-one",
                f"Use index {last} (the last {unit} of '{name}')",
                [Edit(start, end, str(last))],
                {**details, "last": last, "unit": unit},
            )
        ]
    return [
        ctx.candidate(
            "index-out-of-range",
            f"Use index -1 (the last {unit} of '{name}')",
            [Edit(start, end, "-1")],
            {**details, "unit": unit},
            changes_behaviour=True,
        )
    ]


# -- used before assignment ----------------------------------------------------------------------


def _repair_early_use(ctx: _Context) -> list[Candidate]:
    name = ctx.problem.subject
    if ctx.source[ctx.problem.start : ctx.problem.end] != name:
        return []
    model = build_model(ctx.tree)
    occ = model.occurrences.get(ctx.loc.pos(ctx.problem.start))
    scope = occ.scope if occ is not None else None
    if occ is None or scope is None or not scope.is_local(name):
        return []
    if not isinstance(scope.node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    # Only `+=`-style updates: the name never gets a value of its own in this function.
    updates_only = all(b.kind == "aug" for b in scope.bindings[name])
    outer = enclosing_binding(scope, name)
    # Rebinding an outer import, function or class from inside a function is rarely the intent.
    if outer is not None and outer[1].kind not in ("import", "def", "class"):
        keyword = "global" if outer[0].kind == "module" else "nonlocal"
        edit = _insert_in_body(ctx, scope.node, [f"{keyword} {name}"])
        if edit is None:
            return []
        return [
            ctx.candidate(
                "missing-global",
                f"Declare '{keyword} {name}' in '{scope.name}'",
                [edit],
                {
                    "name": name,
                    "keyword": keyword,
                    "function": scope.name,
                    "defined_line": outer[1].line,
                },
                changes_behaviour=not updates_only,
            )
        ]
    if not updates_only:
        return []
    # `totl += x` with `total` defined: the same misspelling on every update.
    spans = [ctx.loc.span(b.node) for b in scope.bindings[name]]
    return _typo_fixes(ctx, model, occ, name, spans)


# -- `is` with a literal -------------------------------------------------------------------------


def _repair_identity(ctx: _Context) -> list[Candidate]:
    for node in ast.walk(ctx.tree):
        if not isinstance(node, ast.Compare):
            continue
        left = node.left
        for op, right in zip(node.ops, node.comparators, strict=True):
            start, end = ctx.loc.offset(start_of(left)), ctx.loc.offset(end_of(right))
            if (start, end) == (ctx.problem.start, ctx.problem.end) and isinstance(
                op, (ast.Is, ast.IsNot)
            ):
                return _identity_fix(ctx, left, right, op)
            left = right
    return []


def _identity_fix(ctx: _Context, left: ast.expr, right: ast.expr, op: ast.cmpop) -> list[Candidate]:
    gap_start = ctx.loc.offset(end_of(left))
    gap = ctx.source[gap_start : ctx.loc.offset(start_of(right))]
    match = re.search(r"\bis(?:\s+not)?\b", gap)
    if match is None:
        return []
    operator = "!=" if isinstance(op, ast.IsNot) else "=="
    edit = Edit(gap_start + match.start(), gap_start + match.end(), operator)
    expression = " ".join(ctx.source[ctx.problem.start : ctx.problem.end].split())
    return [
        ctx.candidate(
            "is-literal",
            f"Use '{operator}' instead of '{match.group()}'",
            [edit],
            {"expression": expression, "operator": operator, "word": match.group()},
            cost=0.5,
        )
    ]


# -- mutable default argument --------------------------------------------------------------------


def _repair_mutable_default(ctx: _Context) -> list[Candidate]:
    wanted = (ctx.problem.start, ctx.problem.end)
    for node in ast.walk(ctx.tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for arg, default in parameter_defaults(node):
            if ctx.loc.span(default) == wanted:
                return _default_fix(ctx, node, arg, default)
    return []


def _default_fix(
    ctx: _Context, func: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg, default: ast.expr
) -> list[Candidate]:
    name, value = arg.arg, ctx.text(default)
    guard = _insert_in_body(ctx, func, [f"if {name} is None:", f"\t{name} = {value}"])
    if guard is None:
        return []
    edits = [guard, Edit(ctx.problem.start, ctx.problem.end, "None")]
    annotation = arg.annotation
    if annotation is not None and not re.search(r"\b(None|Optional|Any)\b", ctx.text(annotation)):
        if isinstance(annotation, ast.Constant):
            return []  # a string annotation would need rewriting inside the quotes
        end = ctx.loc.offset(end_of(annotation))
        edits.append(Edit(end, end, " | None"))
    return [
        ctx.candidate(
            "mutable-default",
            f"Default '{name}' to None and create {value} inside '{func.name}'",
            edits,
            {"name": name, "default": " ".join(value.split()), "function": func.name},
            changes_behaviour=True,
        )
    ]


def _insert_in_body(
    ctx: _Context, func: ast.FunctionDef | ast.AsyncFunctionDef, lines: list[str]
) -> Edit | None:
    """Insert ``lines`` as the first statements of ``func`` (after its docstring).

    A leading tab in a line stands for one more level of the function's own indentation.
    """
    source, loc, nl = ctx.source, ctx.loc, ctx.newline
    body = func.body
    has_doc = _is_docstring(body[0])
    header_indent = _indent_before(ctx, start_of(func))
    target = body[1] if has_doc and len(body) > 1 else None if has_doc else body[0]
    anchor = target if target is not None else body[0]
    indent = _indent_before(ctx, start_of(anchor))
    if indent is not None and header_indent is not None and len(indent) > len(header_indent):
        unit = indent[len(header_indent) :]
        text = "".join(f"{indent}{_expand(line, unit)}{nl}" for line in lines)
        if target is not None:
            offset = loc.line_start(_first_line(target))
            return Edit(offset, offset, text)
        offset = loc.line_start(end_of(anchor)[0] + 1)
        if offset == len(source) and not source.endswith(("\n", "\r")):
            text = nl + text.removesuffix(nl)
        return Edit(offset, offset, text)
    if indent is not None or has_doc or header_indent is None:
        return None
    # A one-line `def f(x=[]): return x`: move the body onto its own indented lines.
    unit = "\t" if header_indent.startswith("\t") else "    "
    indent = header_indent + unit
    start = loc.offset(start_of(body[0]))
    gap = start
    while gap > 0 and source[gap - 1] in " \t":
        gap -= 1
    text = "".join(f"{nl}{indent}{_expand(line, unit)}" for line in lines)
    return Edit(gap, start, f"{text}{nl}{indent}")


def _expand(line: str, unit: str) -> str:
    stripped = line.lstrip("\t")
    return unit * (len(line) - len(stripped)) + stripped


def _indent_before(ctx: _Context, pos: tuple[int, int]) -> str | None:
    """The whitespace before ``pos`` on its line, or None when code precedes it."""
    offset = ctx.loc.offset(pos)
    before = ctx.source[ctx.loc.line_start(pos[0]) : offset]
    return before if not before.strip() else None


_HANDLERS: dict[str, Callable[[_Context], list[Candidate]]] = {
    Code.UNDEFINED_NAME: _repair_undefined,
    Code.UNUSED_IMPORT: _repair_unused_import,
    Code.INDEX_OUT_OF_RANGE: _repair_index,
    Code.USED_BEFORE_ASSIGNMENT: _repair_early_use,
    Code.LITERAL_IS_COMPARISON: _repair_identity,
    Code.MUTABLE_DEFAULT: _repair_mutable_default,
}
