"""Candidate edits over one function: the small slips behind most wrong results.

Each mutation is one text edit inside the function (its formatting kept), with a bug class and a
cost: operator and comparison slips first, then off-by-one edits and negated conditions, then
swapped names and arguments, dropped code last. ``rank`` orders them by cost, by how suspicious
their line is (the lines only failing tests run) and by the token model's plausibility.
"""

from __future__ import annotations

import ast
import io
import itertools
import math
import tokenize
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from debugllm.repair.plausibility import TokenModel


@dataclass(frozen=True)
class Mutation:
    start: int
    end: int
    new_text: str
    kind: str
    description: str
    cost: float
    line: int

    def apply(self, source: str) -> str:
        return source[: self.start] + self.new_text + source[self.end :]


# Alternatives per operator, most likely slip first.
_COMPARE: Mapping[str, tuple[str, ...]] = {
    "<": ("<=", ">", ">=", "==", "!="),
    "<=": ("<", ">=", ">", "==", "!="),
    ">": (">=", "<", "<=", "==", "!="),
    ">=": (">", "<=", "<", "==", "!="),
    "==": ("!=", "<", ">", "<=", ">="),
    "!=": ("==", "<", ">"),
    "is": ("is not",),
    "is not": ("is",),
    "in": ("not in",),
    "not in": ("in",),
}
_ARITHMETIC: Mapping[str, tuple[str, ...]] = {
    "+": ("-", "*", "/", "//", "%"),
    "-": ("+", "*", "%", "//", "/"),
    "*": ("/", "//", "+", "**", "-", "%"),
    "/": ("//", "*", "%", "+", "-"),
    "//": ("/", "%", "*", "+", "-"),
    "%": ("//", "/", "*", "-", "+"),
    # `**` and `*` differ by one keystroke; `+` for `**` is no slip (`n ** 0.5` -> `n + 0.5`
    # passes a trial-division test and is wrong).
    "**": ("*",),
    "<<": (">>",),
    ">>": ("<<",),
    "&": ("|", "^"),
    "|": ("&", "^"),
    "^": ("|", "&"),
}
_BOOLEAN: Mapping[str, tuple[str, ...]] = {"and": ("or",), "or": ("and",)}
#: Functions and methods with a twin that is easy to write instead.
_TWINS: Mapping[str, str] = {
    "min": "max",
    "max": "min",
    "any": "all",
    "all": "any",
    "lower": "upper",
    "upper": "lower",
    "islower": "isupper",
    "isupper": "islower",
    "floor": "ceil",
    "ceil": "floor",
    "append": "extend",
    "startswith": "endswith",
    "endswith": "startswith",
    "index": "find",
    "remove": "pop",
}
_NON_COMMUTATIVE = (ast.Sub, ast.Div, ast.FloorDiv, ast.Mod, ast.Pow)


class TextIndex:
    """Offsets in the module text from AST positions (UTF-8 byte columns)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, line: int, col: int) -> int:
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        return self.starts[line - 1] + len(text.encode("utf-8")[:col].decode("utf-8", "replace"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def segment(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.source[start:end]

    def line_of(self, offset: int) -> int:
        low, high = 0, len(self.starts) - 1
        while low < high:
            mid = (low + high + 1) // 2
            if self.starts[mid] <= offset:
                low = mid
            else:
                high = mid - 1
        return low + 1


class _Tokens:
    """The function's tokens with absolute offsets, to find the operator between two nodes."""

    def __init__(self, text: TextIndex, start: int, end: int) -> None:
        self.items: list[tuple[int, int, str]] = []
        segment = text.source[start:end]
        base_line = text.line_of(start)
        base_col = start - text.starts[base_line - 1]
        try:
            for token in tokenize.generate_tokens(io.StringIO(segment).readline):
                if token.type not in (tokenize.OP, tokenize.NAME):
                    continue
                (sl, sc), (el, ec) = token.start, token.end
                a = text.starts[base_line + sl - 2] + (sc + base_col if sl == 1 else sc)
                b = text.starts[base_line + el - 2] + (ec + base_col if el == 1 else ec)
                self.items.append((a, b, token.string))
        except (tokenize.TokenError, SyntaxError, IndexError):
            pass

    def between(self, start: int, end: int) -> tuple[int, int, str] | None:
        """The operator between ``start`` and ``end`` (brackets skipped; ``not in`` joined)."""
        found = [t for t in self.items if start <= t[0] and t[1] <= end and t[2] not in "()"]
        if not found:
            return None
        return found[0][0], found[-1][1], " ".join(t[2] for t in found)


class _Generator:
    def __init__(self, source: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.source = source
        self.function = function
        self.text = TextIndex(source)
        start, end = self.text.span(function)
        self.tokens = _Tokens(self.text, start, end)
        self.out: list[Mutation] = []
        self.names = _scope_names(function)
        #: How often each name is read in the function.
        self.loads: dict[str, int] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                self.loads[node.id] = self.loads.get(node.id, 0) + 1

    def add(self, start: int, end: int, new: str, kind: str, cost: float, what: str = "") -> None:
        old = self.source[start:end]
        if old == new:
            return
        description = what or f"`{old.strip()}` -> `{new.strip()}`"
        self.out.append(
            Mutation(start, end, new, kind, description, cost, self.text.line_of(start))
        )

    def replace_node(self, node: ast.AST, new: str, kind: str, cost: float) -> None:
        start, end = self.text.span(node)
        self.add(start, end, new, kind, cost)

    def operator(
        self,
        left: ast.AST,
        right: ast.AST,
        table: Mapping[str, tuple[str, ...]],
        kind: str,
        cost: float,
    ) -> None:
        found = self.tokens.between(self.text.span(left)[1], self.text.span(right)[0])
        if found is None:
            return
        start, end, op = found
        for rank, alternative in enumerate(table.get(op, ())):
            self.add(start, end, alternative, kind, cost + 0.15 * rank)

    def run(self) -> list[Mutation]:
        # The body only: annotations and defaults are not where results go wrong.
        for statement in self.function.body:
            for node in ast.walk(statement):
                if isinstance(node, ast.arg):
                    continue
                for visit in self._visitors():
                    visit(node)
        self._missing_return()
        return self.out

    def _visitors(self) -> tuple[Callable[[ast.AST], None], ...]:
        return (
            self._binop,
            self._compare,
            self._boolop,
            self._augassign,
            self._constant,
            self._condition,
            self._unary,
            self._subscript,
            self._call,
            self._name,
            self._statement,
        )

    def _binop(self, node: ast.AST) -> None:
        if not isinstance(node, ast.BinOp):
            return
        self.operator(node.left, node.right, _ARITHMETIC, "operator", 1.0)
        left, right = self.text.segment(node.left), self.text.segment(node.right)
        if isinstance(node.op, _NON_COMMUTATIVE):
            self._swap(node.left, node.right, "swapped-operands", 2.6)
        elif isinstance(node.op, ast.Add) and not _numeric(node.left, node.right):
            # `result + digit` for `digit + result`: strings and lists do not commute
            self._swap(node.left, node.right, "swapped-operands", 2.9)
        # Excess logic: `a + 1` where `a` was meant.
        if isinstance(node.right, ast.Constant) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult
        ):
            self.replace_node(node, left, "dropped-term", 2.4)
        if isinstance(node.left, ast.Constant) and isinstance(node.op, ast.Add | ast.Mult):
            self.replace_node(node, right, "dropped-term", 2.6)

    def _swap(self, first: ast.AST, second: ast.AST, kind: str, cost: float) -> None:
        """``first`` and ``second`` exchanged, the text between them kept."""
        a_start, a_end = self.text.span(first)
        b_start, b_end = self.text.span(second)
        if a_end > b_start:
            return
        middle = self.source[a_end:b_start]
        if middle.count("(") != middle.count(")") or middle.count("[") != middle.count("]"):
            return  # `(a + b) // c`: the brackets belong to one operand
        new = self.source[b_start:b_end] + middle + self.source[a_start:a_end]
        self.add(a_start, b_end, new, kind, cost)

    def _compare(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Compare):
            return
        operands = [node.left, *node.comparators]
        for left, right in itertools.pairwise(operands):
            self.operator(left, right, _COMPARE, "comparison", 1.0)
        if len(node.comparators) == 1 and isinstance(node.ops[0], ast.In | ast.NotIn):
            # `x in s` for `s in x` (for < and > a flipped operator says the same)
            self._swap(node.left, node.comparators[0], "swapped-operands", 2.6)

    def _boolop(self, node: ast.AST) -> None:
        if not isinstance(node, ast.BoolOp):
            return
        for left, right in zip(node.values, node.values[1:], strict=False):
            self.operator(left, right, _BOOLEAN, "boolean", 1.2)
        if len(node.values) == 2:  # a condition too many
            for kept in node.values:
                self.replace_node(node, self.text.segment(kept), "dropped-condition", 3.0)

    def _augassign(self, node: ast.AST) -> None:
        if not isinstance(node, ast.AugAssign):
            return
        found = self.tokens.between(self.text.span(node.target)[1], self.text.span(node.value)[0])
        if found is None:
            return
        start, end, op = found
        for rank, alternative in enumerate(_ARITHMETIC.get(op.rstrip("="), ())):
            self.add(start, end, alternative + "=", "operator", 1.0 + 0.1 * rank)
        if isinstance(node.target, ast.Name):  # `x += y` for `x = y`
            self.add(start, end, "=", "operator", 2.8)

    def _constant(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Constant):
            return
        value = node.value
        if isinstance(value, bool):
            self.replace_node(node, str(not value), "constant", 1.5)
        elif isinstance(value, int):
            for rank, new in enumerate((value + 1, value - 1)):
                self.replace_node(node, str(new), "off-by-one", 2.0 + 0.1 * rank)
            if value not in (0, 1):
                self.replace_node(node, "0", "constant", 2.9)
        elif isinstance(value, str) and value in ("", " "):
            quote = self.text.segment(node)[:1]
            if quote in ("'", '"'):
                other = "" if value else " "
                self.replace_node(node, f"{quote}{other}{quote}", "constant", 2.5)
        elif isinstance(value, float) and math.isfinite(value) and value == int(value):
            self.replace_node(node, repr(value + 1), "constant", 2.5)

    def _condition(self, node: ast.AST) -> None:
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
            test = node.test
            if isinstance(test, ast.Compare):
                return  # a flipped comparison covers it, more readably
            if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
                self.replace_node(test, self.text.segment(test.operand), "negated-condition", 1.8)
                return
            segment = self.text.segment(test)
            wrapped = f"not ({segment})" if isinstance(test, ast.BoolOp) else f"not {segment}"
            self.replace_node(test, wrapped, "negated-condition", 1.8)

    def _unary(self, node: ast.AST) -> None:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Invert):
            self.replace_node(node, self.text.segment(node.operand), "sign", 2.2)

    def _subscript(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Subscript):
            return
        index = node.slice
        if isinstance(index, ast.Slice):
            for bound in (index.lower, index.upper):
                if bound is not None and not isinstance(bound, ast.Constant):
                    self._plus_minus_one(bound, 2.0)
            if index.lower is None and index.upper is not None and index.step is None:
                # `x[:i]` for `x[i:]` and back
                self.replace_node(index, f"{self.text.segment(index.upper)}:", "slice", 2.7)
            if index.upper is None and index.lower is not None and index.step is None:
                self.replace_node(index, f":{self.text.segment(index.lower)}", "slice", 2.7)
        elif isinstance(index, ast.Tuple):  # `grid[i - 1, j]`: each coordinate
            for element in index.elts:
                if not isinstance(element, ast.Constant | ast.Slice):
                    self._plus_minus_one(element, 2.1)
            if len(index.elts) == 2:  # `dist[j, k]` for `dist[k, j]`: transposed
                self._swap(index.elts[0], index.elts[1], "swapped-arguments", 2.6)
        elif not isinstance(index, ast.Constant):
            self._plus_minus_one(index, 2.0)

    def _plus_minus_one(self, node: ast.AST, cost: float) -> None:
        segment = self.text.segment(node)
        if "\n" in segment:
            return
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Add | ast.Sub)
            and isinstance(node.right, ast.Constant)
            and type(node.right.value) is int
        ):
            # `n - 1` plus one is `n`, not `(n - 1) + 1`
            left = self.text.segment(node.left)
            signed = node.right.value if isinstance(node.op, ast.Add) else -node.right.value
            for rank, delta in enumerate((1, -1)):
                value = signed + delta
                new = left if value == 0 else f"{left} {'+' if value > 0 else '-'} {abs(value)}"
                self.replace_node(node, new, "off-by-one", cost + 0.1 * rank)
            return
        simple = isinstance(
            node, ast.Name | ast.Attribute | ast.Subscript | ast.Call | ast.Constant
        )
        body = segment if simple else f"({segment})"
        # `n - 1` back to `n` is the dropped term; here the missing one.
        self.replace_node(node, f"{body} + 1", "off-by-one", cost)
        self.replace_node(node, f"{body} - 1", "off-by-one", cost + 0.1)

    def _call(self, node: ast.AST) -> None:
        if not isinstance(node, ast.Call):
            return
        func = node.func
        if isinstance(func, ast.Name) and func.id == "range" and not node.keywords:
            for arg in node.args[:2]:
                self._plus_minus_one(arg, 1.9)
        elif not (isinstance(func, ast.Name) and func.id in ("len", "print", "isinstance")):
            # `search(lo, mid)` for `search(lo, mid + 1)`: a bound passed on
            for arg in node.args:
                if isinstance(arg, ast.Name | ast.BinOp):
                    self._plus_minus_one(arg, 2.3)
        name_node: ast.AST | None = None
        name = ""
        if isinstance(func, ast.Name):
            name_node, name = func, func.id
        elif isinstance(func, ast.Attribute):
            name = func.attr
        if (
            isinstance(func, ast.Name)
            and len(node.args) == 1
            and not node.keywords
            and not isinstance(node.args[0], ast.Starred)
        ):
            # A call too many: `yield flatten(x)` for `yield x`. It drops behaviour, like a
            # removed statement: after the additions of what a container evidently lacks.
            self.replace_node(node, self.text.segment(node.args[0]), "dropped-call", 3.3)
        twin = _TWINS.get(name)
        if twin and name_node is not None:
            self.replace_node(name_node, twin, "function", 2.3)
        elif twin and isinstance(func, ast.Attribute):
            _start, end = self.text.span(func)
            self.add(end - len(name), end, twin, "function", 2.3)
        args = node.args
        if not any(isinstance(a, ast.Starred) for a in args):
            for rank, (first, second) in enumerate(itertools.pairwise(args)):
                self._swap(first, second, "swapped-arguments", 2.8 + 0.1 * rank)

    def _name(self, node: ast.AST) -> None:
        if isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            for other in self.names:  # `total += x` where `count += x` was meant
                if other != node.target.id:
                    self.replace_node(node.target, other, "variable", 3.2)
        if not isinstance(node, ast.Name) or not isinstance(node.ctx, ast.Load):
            return
        if node.id not in self.names:
            return
        # Replacing the only read of a name leaves it bound and unused (`f(goal) for nxt in
        # ...`): the author wrote the name to use it, so that edit comes last.
        cost = 3.0 if self.loads.get(node.id, 0) > 1 else 4.0
        for other in self.names:
            if other != node.id:
                self.replace_node(node, other, "variable", cost)

    def _statement(self, node: ast.AST) -> None:
        """Excess logic: one simple statement too many (never the last one of a block)."""
        for body in _bodies(node):
            if len(body) < 2:
                continue
            for stmt in body:
                if isinstance(stmt, ast.Assign | ast.AugAssign | ast.Expr | ast.If):
                    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                        continue  # a docstring
                    start, end = self.text.span(stmt)
                    line_start = self.text.starts[self.text.line_of(start) - 1]
                    if self.source[line_start:start].strip():
                        continue  # shares its line (`a = 1; b = 2`)
                    end_line = self.text.line_of(end)
                    stop = self.text.starts[end_line] if end_line < len(self.text.starts) else end
                    what = f"remove `{self.source[start:end].splitlines()[0].strip()}`"
                    self.add(line_start, stop, "", "removed-statement", 3.4, what)

    def _missing_return(self) -> None:
        """A function that computes a value and never returns it: ``return`` it."""
        self._discarded_values()
        body = self.function.body
        last = body[-1]
        if isinstance(last, ast.Return) and last.value is not None:
            return
        value: str | None = None
        if isinstance(last, ast.Return):  # a bare `return`
            for stmt in reversed(body[:-1]):
                value = _assigned_name(stmt)
                if value:
                    break
            if value:
                self.replace_node(last, f"return {value}", "missing-return", 1.0)
            return
        value = _assigned_name(last)
        if value is None and isinstance(last, ast.Expr):
            segment = self.text.segment(last)
            if "\n" not in segment:
                self.replace_node(last, f"return {segment}", "missing-return", 1.0)
            return
        if value is None:
            for stmt in reversed(body):
                value = _assigned_name(stmt)
                if value:
                    break
        if value is None:
            return
        _, end = self.text.span(last)
        first_line = self.text.lines[body[0].lineno - 1]
        indent = first_line[: len(first_line) - len(first_line.lstrip())]
        self.add(
            end, end, f"\n{indent}return {value}", "missing-return", 1.0, f"add `return {value}`"
        )

    def _discarded_values(self) -> None:
        """A value computed and thrown away inside a block (``re.sub(rule, repl, word)`` on
        its own line in a loop's ``if``): the ``return`` that lost its keyword. Not a call
        made for its effect (``items.append(x)``, ``print(x)``), not in a generator (there a
        ``return`` ends the iteration), not the last statement (``_missing_return`` has it).
        A lone literal in a branch (``"th"`` under an ``if``) counts: nothing else uses it."""
        function = self.function
        body = function.body
        for node in ast.walk(function):
            if node is not function and isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef
            ):
                return  # nested code: which function a `return` belongs to is unclear
            if isinstance(node, ast.Yield | ast.YieldFrom):
                return
        for node in ast.walk(function):
            if not isinstance(node, ast.Expr) or node is body[-1]:
                continue
            value = node.value
            if isinstance(value, ast.Await | ast.Yield | ast.YieldFrom) or (
                isinstance(value, ast.Constant) and (node is body[0] or value.value is ...)
            ):
                continue  # (the docstring, and `...` as a placeholder body, are meant so)
            if isinstance(value, ast.Call):
                callee = value.func
                name = (
                    callee.id
                    if isinstance(callee, ast.Name)
                    else callee.attr
                    if isinstance(callee, ast.Attribute)
                    else ""
                )
                if not name or name in _EFFECT_CALLS or name.startswith(_EFFECT_PREFIXES):
                    continue
            segment = self.text.segment(node)
            if "\n" in segment:
                continue
            # A bare expression that is not a call cannot have been meant as it is; a call's
            # value may be ignored on purpose (a function with effects), so it costs more.
            cost = 1.6 if isinstance(value, ast.Call) else 1.2
            self.replace_node(node, f"return {segment}", "missing-return", cost)


#: Calls made for their effect: their value is rightly ignored.
_EFFECT_CALLS = frozenset(
    {
        "print", "append", "extend", "insert", "remove", "pop", "popleft", "appendleft",
        "clear", "update", "add", "discard", "sort", "reverse", "write", "writelines",
        "close", "flush", "send", "put", "join", "start", "run", "wait", "sleep", "exit",
        "setdefault", "register", "emit", "log", "debug", "info", "warning", "error",
        "exception", "critical", "assert_called", "raise_for_status", "shuffle", "seed",
        "heappush", "heapify", "next", "exec", "setattr", "delattr", "super", "__init__",
    }
)  # fmt: skip
_EFFECT_PREFIXES = ("set", "add", "remove", "write", "assert", "_set", "_add", "on_", "do_")


def _numeric(*nodes: ast.AST) -> bool:
    """Whether one of ``nodes`` is a number literal (then ``+`` commutes)."""
    return any(isinstance(n, ast.Constant) and isinstance(n.value, int | float) for n in nodes)


def _bodies(node: ast.AST) -> Iterator[list[ast.stmt]]:
    for name in ("body", "orelse", "finalbody"):
        body = getattr(node, name, None)
        if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
            yield body


def _assigned_name(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target = stmt.targets[0]
        return target.id if isinstance(target, ast.Name) else None
    if isinstance(stmt, ast.AugAssign | ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    if isinstance(stmt, ast.For | ast.While | ast.If | ast.With):
        for inner in reversed(stmt.body):
            found = _assigned_name(inner)
            if found:
                return found
    return None


def _scope_names(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The function's parameters and local variables, in order of appearance."""
    names: list[str] = []
    args = function.args
    for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
        if arg is not None and arg.arg not in ("self", "cls"):
            names.append(arg.arg)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id not in names:
            names.append(node.id)
    return names


def mutations(source: str, function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[Mutation]:
    """Every candidate edit inside ``function`` of ``source`` (duplicates removed)."""
    seen: set[tuple[int, int, str]] = set()
    unique: list[Mutation] = []
    for mutation in _Generator(source, function).run():
        key = (mutation.start, mutation.end, mutation.new_text)
        if key not in seen:
            seen.add(key)
            unique.append(mutation)
    return unique


def rank(
    source: str,
    found: list[Mutation],
    suspicion: Mapping[int, float],
    model: TokenModel | None = None,
) -> list[Mutation]:
    """Cheapest and most suspicious first; lines no failing test ran are dropped."""
    return [m for _, m in scored(source, found, suspicion, model)]


def scored(
    source: str,
    found: list[Mutation],
    suspicion: Mapping[int, float],
    model: TokenModel | None = None,
) -> list[tuple[float, Mutation]]:
    """``rank``'s order with each mutation's key (lower: tried earlier).

    ``suspicion`` maps line numbers to 0..1 (1: run only by failing tests); a mutation on a line
    missing from it cannot change what the failing tests see. Added ``return`` statements are
    kept whatever their line (the line is new).
    """
    text = TextIndex(source)
    kept = [m for m in found if m.kind == "missing-return" or m.line in suspicion or not suspicion]

    def plausibility(m: Mutation) -> float:
        if model is None:
            return 0.0
        line = text.line_of(m.start)
        first, last = text.starts[line - 1], text.starts[min(line, len(text.starts) - 1)]
        old = source[first:last]
        new = source[first : m.start] + m.new_text + source[m.end : max(last, m.end)]
        return model.score(old) - model.score(new)  # > 0: the edit reads less like Python

    def key(m: Mutation) -> float:
        suspect = suspicion.get(m.line, 1.0 if m.kind == "missing-return" else 0.0)
        penalty = max(0.0, min(1.0, plausibility(m) / 10.0)) if model else 0.0
        return m.cost + 1.5 * (1.0 - suspect) + 0.5 * penalty

    return sorted(((key(m), m) for m in kept), key=lambda pair: pair[0])
