"""No import cycle in ``server/debugllm``: each layer imports in one direction.

The graph is built from the source with ``ast``: every ``import`` and ``from ... import``
statement anywhere in a module (module level, inside functions, under ``TYPE_CHECKING``), so a
cycle hidden behind a function-level import or an annotation-only import counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "debugllm"
ROOT = Path(__file__).resolve().parents[2] / "server" / PACKAGE


def module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(name: str, modules: set[str]) -> str | None:
    """The module of ours an imported name lives in (``a.b.C`` -> ``a.b``), else ``None``."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def import_graph() -> dict[str, set[str]]:
    files = {module_name(p): p for p in ROOT.rglob("*.py")}
    modules = set(files)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, path in files.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                # `from pkg import mod` imports the submodule; `from mod import name` the module.
                names = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for name in names:
                target = resolve(name, modules)
                # A package's __init__ runs before its submodules: an edge to it is no cycle
                # unless the package imports back, which the walk below still sees.
                if target is not None and target != module:
                    graph[module].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or ``None`` (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for root in sorted(graph):
        if state.get(root):
            continue
        path: list[str] = [root]
        stacks = [iter(sorted(graph[root]))]
        state[root] = 1
        while stacks:
            child = next(stacks[-1], None)
            if child is None:
                state[path.pop()] = 2
                stacks.pop()
                continue
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stacks.append(iter(sorted(graph[child])))
    return None


def test_the_graph_sees_imports_at_every_level() -> None:
    graph = import_graph()
    assert "debugllm.plans" in graph["debugllm.filecheck"]  # module level
    assert "debugllm.pipeline" in graph["debugllm.filecheck"]  # inside a function
    assert "debugllm.remote.source" in graph["debugllm.cli"]  # inside a function
    assert "debugllm.filecheck" in graph["debugllm.parallel"]  # module level and in a function
    assert len(graph) > 40 and sum(map(len, graph.values())) > 100


def test_find_cycle_finds_one() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_server() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, " -> ".join(cycle or [])
