"""Candidate edits that add a little code: the slips where something was left out.

``mutations`` changes what is written; these add what the author forgot, in the few shapes that
recur across programs: a loop that pops from a container with no test that it is empty (`while
True` for `while queue`), a guard missing before an attribute or an index (`x.next is None` with
`x` itself None, a recursion's base case that forgets the empty list), a running maximum that
forgets the value it had (`best = new` for `best = max(best, new)`, a sum that must not go below
zero), a container that is read but never filled (a `visited` set nobody adds to, a stack nobody
pushes), and a variable a loop reads but never updates. Each addition is one short edit; their
triggers are narrow, so they cost about what a swapped variable costs in ``mutations``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from debugllm.oracle.mutations import Mutation, TextIndex

#: Methods that take an element off a container (a loop over them must stop when it is empty).
_TAKING = frozenset({"pop", "popleft", "popitem"})
#: Methods that put elements into a container.
_FILLING = frozenset(
    {"append", "appendleft", "add", "extend", "extendleft", "insert", "update", "setdefault"}
)
#: Calls that make an empty container.
_EMPTY_CALLS = frozenset({"set", "list", "dict", "deque", "Queue", "OrderedDict", "defaultdict"})
#: The most positions one addition is tried at (the candidates stay a handful).
_MAX_POSITIONS = 12

_Function = ast.FunctionDef | ast.AsyncFunctionDef


def additions(source: str, function: _Function) -> list[Mutation]:
    """Every addition inside ``function`` of ``source`` (duplicates removed)."""
    adder = _Adder(source, function)
    adder.run()
    seen: set[tuple[int, int, str]] = set()
    unique: list[Mutation] = []
    for mutation in adder.out:
        key = (mutation.start, mutation.end, mutation.new_text)
        if key not in seen:
            seen.add(key)
            unique.append(mutation)
    return unique


class _Adder:
    def __init__(self, source: str, function: _Function) -> None:
        self.source = source
        self.function = function
        self.text = TextIndex(source)
        self.out: list[Mutation] = []

    def add(
        self, start: int, end: int, new: str, kind: str, cost: float, what: str, line: int = 0
    ) -> None:
        self.out.append(
            Mutation(start, end, new, kind, what, cost, line or self.text.line_of(start))
        )

    def run(self) -> None:
        for node in _walk_body(self.function):
            if isinstance(node, ast.While):
                self._loop_guard(node)
            if isinstance(node, ast.If | ast.While):
                self._none_guard(node)
            if isinstance(node, ast.If):
                self._empty_guard(node)
            if isinstance(node, ast.For | ast.While):
                self._stale_variable(node)
                self._running_extreme(node)
        self._unfilled_containers()

    # `while True: x = queue.popleft()` -> `while queue:`
    def _loop_guard(self, loop: ast.While) -> None:
        test = loop.test
        if not (isinstance(test, ast.Constant) and test.value is True):
            return
        for name in _taken_from(loop.body):
            start, end = self.text.span(test)
            self.add(start, end, name, "loop-guard", 2.4, f"`while True` -> `while {name}`")

    # `if x.next is None` -> `if x is None or x.next is None`
    def _none_guard(self, node: ast.If | ast.While) -> None:
        test = node.test
        if not (
            isinstance(test, ast.Compare)
            and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Is | ast.IsNot)
            and isinstance(test.comparators[0], ast.Constant)
            and test.comparators[0].value is None
        ):
            return
        base = _attribute_base(test.left)
        if base is None:
            return
        segment = self.text.segment(test)
        start, end = self.text.span(test)
        if isinstance(test.ops[0], ast.Is):
            new = f"{base} is None or {segment}"
        else:
            new = f"{base} is not None and {segment}"
        self.add(start, end, new, "guard", 2.6, f"`{segment}` -> `{new}`")

    # `if total < 0: return 0` -> `if total < 0 or not coins: return 0`
    def _empty_guard(self, node: ast.If) -> None:
        if not (len(node.body) == 1 and isinstance(node.body[0], ast.Return | ast.Raise)):
            return
        mentioned = {n.id for n in ast.walk(node.test) if isinstance(n, ast.Name)}
        segment = self.text.segment(node.test)
        if "\n" in segment:
            return
        start, end = self.text.span(node.test)
        wrapped = f"({segment})" if isinstance(node.test, ast.BoolOp | ast.IfExp) else segment
        for name in _indexed_parameters(self.function):
            if name in mentioned:
                continue
            new = f"{wrapped} or not {name}"
            self.add(start, end, new, "guard", 3.0, f"`{segment}` -> `{new}`")

    # `longest = length + 1` -> `longest = max(longest, length + 1)`
    def _running_extreme(self, loop: ast.For | ast.While) -> None:
        assigned_before = _assigned_before(self.function, loop)
        for stmt in _walk_statements(loop.body):
            if not (
                isinstance(stmt, ast.Assign)
                and len(stmt.targets) == 1
                and isinstance(stmt.targets[0], ast.Name)
            ):
                continue
            name = stmt.targets[0].id
            value = stmt.value
            if name not in assigned_before or _calls(value, ("max", "min")):
                continue
            segment = self.text.segment(value)
            if "\n" in segment:
                continue
            start, end = self.text.span(value)
            for rank, new in enumerate(
                (f"max({name}, {segment})", f"min({name}, {segment})", f"max(0, {segment})")
            ):
                self.add(start, end, new, "extreme", 2.7 + 0.1 * rank, f"`{segment}` -> `{new}`")

    # `prevnode` read by the loop, never updated in it: `prevnode = node` somewhere in the body
    def _stale_variable(self, loop: ast.For | ast.While) -> None:
        if not loop.body:
            return
        assigned_before = _assigned_before(self.function, loop)
        inside = _stored_names(loop)
        read = [
            n.id
            for stmt in loop.body
            for n in ast.walk(stmt)
            if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
        ]
        stale = [name for name in dict.fromkeys(read) if name in assigned_before - inside]
        sources = [name for name in dict.fromkeys(_ordered_stores(loop)) if name not in stale]
        if not stale or not sources:
            return
        indent = self._indent(loop.body[0])
        for position, after in enumerate(loop.body[:_MAX_POSITIONS]):
            offset = self._line_after(after)
            for variable in stale[:2]:
                for source in sources[:3]:
                    self.add(
                        offset,
                        offset,
                        f"{indent}{variable} = {source}\n",
                        "stale-variable",
                        3.1 + 0.02 * position,
                        f"add `{variable} = {source}`",
                        after.lineno,
                    )

    # `visited = set()` only ever tested: `visited.add(node)` where the node is seen
    def _unfilled_containers(self) -> None:
        empty = _empty_containers(self.function)
        if not empty:
            return
        filled = _filled_names(self.function)
        for name, (init, kind) in empty.items():
            if name in filled:
                continue
            elements = _element_names(self.function, name)
            if not elements:
                continue
            method = "add" if kind == "set" else "append"
            positions = [
                stmt
                for stmt in _walk_statements(self.function.body)
                if stmt.lineno > (init.end_lineno or init.lineno)
                # nothing goes between an `if` block and its `elif`
                and not self.text.lines[stmt.lineno - 1].lstrip().startswith("elif")
            ][:_MAX_POSITIONS]
            calls = [f"{name}.{method}({element})" for element in elements[:2]]
            for rank, stmt in enumerate(positions):
                offset = self.text.starts[stmt.lineno - 1]
                self._add_calls(offset, stmt, calls, 2.9 + 0.02 * rank)
            for block in _open_blocks(self.function):
                last = block[-1]
                if last.lineno > (init.end_lineno or init.lineno):
                    # At the block's end, so it runs whenever the block runs (its end may not).
                    self._add_calls(self._line_after(last), last, calls, 2.95)

    def _add_calls(self, offset: int, stmt: ast.stmt, calls: list[str], cost: float) -> None:
        """Each of ``calls`` as a statement of its own at ``offset``, indented as ``stmt``."""
        indent = self._indent(stmt)
        for call in calls:
            self.add(
                offset,
                offset,
                f"{indent}{call}\n",
                "missing-statement",
                cost,
                f"add `{call}`",
                stmt.lineno,
            )

    def _indent(self, stmt: ast.stmt) -> str:
        line = self.text.lines[stmt.lineno - 1]
        return line[: len(line) - len(line.lstrip())]

    def _line_after(self, stmt: ast.stmt) -> int:
        """The offset where the line after ``stmt`` starts (the end of the text at the end)."""
        last = stmt.end_lineno or stmt.lineno
        return self.text.starts[min(last, len(self.text.starts) - 1)]


def _walk_body(function: _Function) -> Iterator[ast.AST]:
    for statement in function.body:
        yield from ast.walk(statement)


def _walk_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of ``body`` and of the blocks inside it, in source order."""
    for stmt in body:
        yield stmt
        for field in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, field, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _walk_statements(inner)
        for handler in getattr(stmt, "handlers", ()):
            yield from _walk_statements(handler.body)


def _open_blocks(function: _Function) -> Iterator[list[ast.stmt]]:
    """The blocks inside the function whose last statement lets control fall through."""
    for stmt in _walk_statements(function.body):
        for field in ("body", "orelse"):
            inner = getattr(stmt, field, None)
            if (
                isinstance(inner, list)
                and inner
                and isinstance(inner[0], ast.stmt)
                and not isinstance(inner[-1], ast.Return | ast.Raise | ast.Continue | ast.Break)
            ):
                yield inner


def _taken_from(body: list[ast.stmt]) -> list[str]:
    names: list[str] = []
    for stmt in body:
        for node in ast.walk(stmt):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _TAKING
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id not in names
            ):
                names.append(node.func.value.id)
    return names


def _attribute_base(node: ast.expr) -> str | None:
    """``x`` of ``x.a.b`` (a plain name under one or more attributes)."""
    if not isinstance(node, ast.Attribute):
        return None
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _indexed_parameters(function: _Function) -> list[str]:
    """Parameters the function indexes, slices or unpacks (`coins[0]`, `first, *rest = coins`)."""
    args = function.args
    parameters = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
    indexed: set[str] = set()
    for node in _walk_body(function):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            indexed.add(node.value.id)
        elif (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Name)
            and any(
                isinstance(t, ast.Tuple) and any(isinstance(e, ast.Starred) for e in t.elts)
                for t in node.targets
            )
        ):
            indexed.add(node.value.id)  # `first, *rest = coins` needs one element
    return [p for p in parameters if p in indexed]


def _calls(node: ast.expr, names: tuple[str, ...]) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names


def _assigned_before(function: _Function, loop: ast.stmt) -> set[str]:
    """Local names assigned by statements of the function that end before ``loop``."""
    names: set[str] = set()
    for stmt in _walk_statements(function.body):
        if (stmt.end_lineno or stmt.lineno) >= loop.lineno:
            continue
        if isinstance(stmt, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            for target in targets:
                for node in ast.walk(target):
                    if isinstance(node, ast.Name):
                        names.add(node.id)
    return names


def _stored_names(node: ast.AST) -> set[str]:
    return {
        n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }


def _ordered_stores(loop: ast.For | ast.While) -> list[str]:
    """The names a loop binds: its target first, then what its body assigns."""
    names = (
        [n.id for n in ast.walk(loop.target) if isinstance(n, ast.Name)]
        if isinstance(loop, ast.For)
        else []
    )
    for stmt in loop.body:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                names.extend(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def _empty_containers(function: _Function) -> dict[str, tuple[ast.stmt, str]]:
    """Local names bound to an empty container: the statement and ``set`` or ``list``."""
    found: dict[str, tuple[ast.stmt, str]] = {}
    for stmt in _walk_statements(function.body):
        if not (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
        ):
            continue
        value = stmt.value
        kind = ""
        if isinstance(value, ast.List) and not value.elts:
            kind = "list"
        elif (
            isinstance(value, ast.Call)
            and not value.args
            and not value.keywords
            and isinstance(value.func, ast.Name | ast.Attribute)
        ):
            called = value.func.id if isinstance(value.func, ast.Name) else value.func.attr
            if called in _EMPTY_CALLS and called != "dict":
                kind = "set" if called == "set" else "list"
        if kind:
            found.setdefault(stmt.targets[0].id, (stmt, kind))
    return found


def _filled_names(function: _Function) -> set[str]:
    """Names the function puts something into (a filling method, an item or `+=`)."""
    filled: set[str] = set()
    for node in _walk_body(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in _FILLING
            and isinstance(node.func.value, ast.Name)
        ):
            filled.add(node.func.value.id)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
            if isinstance(node.value, ast.Name):
                filled.add(node.value.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            filled.add(node.target.id)
        elif isinstance(node, ast.Assign):
            # Rebound after its empty start (`stack = stack + [x]`): not a forgotten fill.
            for target in node.targets:
                if isinstance(target, ast.Name) and not _is_empty(node.value):
                    filled.add(target.id)
    return filled


def _is_empty(value: ast.expr) -> bool:
    if isinstance(value, ast.List | ast.Set | ast.Tuple):
        return not value.elts
    return isinstance(value, ast.Call) and not value.args and not value.keywords


def _element_names(function: _Function, container: str) -> list[str]:
    """What could go into ``container``: the names tested against it (`node in visited`), then
    the loop variables of the loops that read it."""
    names: list[str] = []
    for node in _walk_body(function):
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and isinstance(node.comparators[0], ast.Name)
            and node.comparators[0].id == container
            and isinstance(node.left, ast.Name)
            and node.left.id not in names
        ):
            names.append(node.left.id)
    for node in _walk_body(function):
        if isinstance(node, ast.For) and isinstance(node.target, ast.Name):
            reads = any(isinstance(n, ast.Name) and n.id == container for n in ast.walk(node))
            if reads and node.target.id not in names:
                names.append(node.target.id)
    return names
