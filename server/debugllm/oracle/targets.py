"""Which functions to repair for a failure: the one that raised, or the ones the test called.

An exception raised in the user's code points at the function around the innermost frame (and
the user's functions that called it). A failed assertion points at the test itself; then the
suspects are the project's functions the test calls, those on the failing line first.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from debugllm.oracle.failure import (
    Failure,
    enclosing_function,
    is_test_file,
    resolve,
)


@dataclass(frozen=True)
class Target:
    """A function to repair: its file and the line of its ``def``."""

    path: Path
    name: str
    line: int


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), str(path))
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return None


def find_targets(failure: Failure, root: Path, limit: int = 6) -> list[Target]:
    """The functions most likely to hold the bug, most likely first."""
    found: list[Target] = []

    def add(path: Path, function: ast.FunctionDef | ast.AsyncFunctionDef, tree: ast.AST) -> None:
        # A nested function is repaired with the one around it: its code is made by that one's
        # call, and the slip may be in what the outer function gives it (a set never filled).
        function = _outermost(tree, function)
        target = Target(path, function.name, function.lineno)
        if target not in found and not is_test_file(str(path)):
            found.append(target)

    # The frames of tests and of module-level code, innermost first: a helper of the test that
    # raised (`_same(result, expected)`) calls nothing of the project; the test around it does.
    test_frames: list[tuple[Path, int]] = []
    for frame in reversed(failure.frames):
        path = resolve(frame, root)
        if path is None:
            continue
        tree = _parse(path)
        function = enclosing_function(tree, frame.line) if tree else None
        if function is None:
            # Module-level code (a script that checks its results): like a test, its calls.
            test_frames.append((path, frame.line))
            continue
        if is_test_file(str(path)):
            test_frames.append((path, frame.line))
            continue
        assert tree is not None
        add(path, function, tree)
    if not test_frames:
        # No frame of a test (a plain traceback, or a report without locations): the test ids.
        for node in failure.failed_tests:
            path = root / node.split("::", 1)[0]
            name = node.split("::")[-1].split("[", 1)[0]
            tree = _parse(path) if path.is_file() else None
            if tree is not None:
                for item in ast.walk(tree):
                    if (
                        isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
                        and item.name == name
                    ):
                        test_frames.append((path, item.body[-1].lineno))
                        break
            if test_frames:
                break
    for test_path, line in test_frames:
        for path, function in _called_functions(test_path, line, root):
            tree = _parse(path)
            if tree is not None:
                add(path, function, tree)
    # What those call in turn: a test of `main()` whose helper holds the slip (no exception
    # names the helper). The search gives each target a share in the order of its candidates.
    for target in list(found):
        for path, function in _callees(target, root):
            tree = _parse(path)
            if tree is not None:
                add(path, function, tree)
    return found[:limit]


def _callees(
    target: Target, root: Path
) -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The project's functions that ``target`` calls by name (its module's own or imported)."""
    tree = _parse(target.path)
    if tree is None:
        return []
    function = next(
        (
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.name == target.name
            and node.lineno == target.line
        ),
        None,
    )
    if function is None:
        return []
    own = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    imported = _imported_names(tree, target.path, root)
    result: list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        name = node.func.id
        if name == function.name:
            continue
        if name in own:
            result.append((target.path, own[name]))
        elif name in imported:
            module_tree = _parse(imported[name])
            wanted = _original_name(tree, name)
            for item in module_tree.body if module_tree else []:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == wanted:
                    result.append((imported[name], item))
    return result


def _outermost(
    tree: ast.AST, function: ast.FunctionDef | ast.AsyncFunctionDef
) -> ast.FunctionDef | ast.AsyncFunctionDef:
    """The outermost function whose body holds ``function`` (``function`` when none does)."""
    end = function.end_lineno or function.lineno
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            and node.lineno < function.lineno
            and end <= (node.end_lineno or node.lineno)
        ):
            return _outermost(tree, node)
    return function


def _called_functions(
    test_path: Path, line: int, root: Path
) -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The project's functions called by the test around ``line``, that line's calls first."""
    tree = _parse(test_path)
    if tree is None:
        return []
    test: ast.AST | None = enclosing_function(tree, line)
    if test is None:  # module level: the statement at that line
        test = next(
            (stmt for stmt in tree.body if stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno)),
            None,
        )
    if test is None:
        return []
    imported = _imported_names(tree, test_path, root)
    calls: list[tuple[int, str, str]] = []  # (not on the line, module alias or "", name)
    for node in ast.walk(test):
        if not isinstance(node, ast.Call):
            continue
        on_line = 0 if node.lineno <= line <= (node.end_lineno or node.lineno) else 1
        if isinstance(node.func, ast.Name):
            calls.append((on_line, "", node.func.id))
        elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            calls.append((on_line, node.func.value.id, node.func.attr))
    calls.sort(key=lambda c: c[0])
    result: list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for _, alias, name in calls:
        module = imported.get(alias) if alias else imported.get(name)
        if module is None:
            continue
        wanted = name if alias else _original_name(tree, name)
        result.extend(_definitions(module, wanted, root))
    return result


def _definitions(
    module: Path, name: str, root: Path, depth: int = 3
) -> list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """The function ``name`` of ``module`` (a class: its methods), following the module's
    re-exports (`from .recipes import *` in a package's ``__init__.py``) a few levels down."""
    tree = _parse(module)
    if tree is None:
        return []
    found: list[tuple[Path, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    for item in tree.body:
        if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and item.name == name:
            found.append((module, item))
        elif isinstance(item, ast.ClassDef) and item.name == name:
            for method in item.body:  # a class called by the test: its methods
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
                    found.append((module, method))
    if found or depth == 0:
        return found
    for item in tree.body:
        if not isinstance(item, ast.ImportFrom):
            continue
        for alias in item.names:
            if alias.name == "*" or (alias.asname or alias.name) == name:
                source = _module_file(item.module or "", item.level, module, root)
                if source is not None and source != module:
                    inner = name if alias.name == "*" else alias.name
                    found.extend(_definitions(source, inner, root, depth - 1))
        if found:
            break
    return found


def _original_name(tree: ast.Module, name: str) -> str:
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return alias.name
    return name


def _imported_names(tree: ast.Module, test_path: Path, root: Path) -> dict[str, Path]:
    """Names bound by the test module's imports -> the project file they come from."""
    names: dict[str, Path] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _module_file(node.module or "", node.level, test_path, root)
            for alias in node.names:
                # `from pkg import module` names a file; `from module import f` a member.
                sub = _module_file(f"{node.module or ''}.{alias.name}", node.level, test_path, root)
                found = sub or base
                if found is not None:
                    names[alias.asname or alias.name] = found
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found = _module_file(alias.name, 0, test_path, root)
                if found is not None:
                    names[alias.asname or alias.name] = found
    return names


def _module_file(module: str, level: int, test_path: Path, root: Path) -> Path | None:
    parts = [p for p in module.split(".") if p]
    bases: list[Path] = []
    if level:
        base = test_path.parent
        for _ in range(level - 1):
            base = base.parent
        bases.append(base)
    else:
        bases.extend([root, root / "src", test_path.parent])
    for base in bases:
        candidate = base.joinpath(*parts)
        for path in (candidate.with_suffix(".py"), candidate / "__init__.py"):
            if parts and path.is_file():
                return path
    return None
