"""The remote model on the same oracle: its rewrite of the failing function, run by the tests.

A model answer is executed only when it adds nothing the original function lacks: no import, no
call of a name not called before, no name or attribute not used before (it may reorder, drop or
recombine what is there). Anything else is shown unexecuted, marked so. Nothing but the
rewritten function of an answer is ever run, in the same sandbox as the embedded candidates.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from debugllm.problems import Problem

if TYPE_CHECKING:
    from debugllm.remote.source import ModelSource

#: ``(module source, file name, function node) -> rewritten module sources`` (may be empty).
Proposer = Callable[[str, str, ast.FunctionDef | ast.AsyncFunctionDef], list[str]]


@dataclass(frozen=True)
class Admission:
    allowed: bool
    #: What the answer adds (``call open``, ``import os`` ...), for the user; empty if allowed.
    added: tuple[str, ...] = ()


def _vocabulary(node: ast.AST) -> tuple[set[str], set[str], set[str]]:
    names: set[str] = set()
    calls: set[str] = set()
    imports: set[str] = set()
    for item in ast.walk(node):
        if isinstance(item, ast.Name):
            names.add(item.id)
        elif isinstance(item, ast.Attribute):
            names.add(item.attr)
        elif isinstance(item, ast.arg):
            names.add(item.arg)
        elif isinstance(item, ast.Import | ast.ImportFrom):
            imports.update(alias.name for alias in item.names)
        if isinstance(item, ast.Call):
            func = item.func
            if isinstance(func, ast.Name):
                calls.add(func.id)
            elif isinstance(func, ast.Attribute):
                calls.add(func.attr)
    return names, calls, imports


def admit(original: ast.AST, candidate: ast.AST) -> Admission:
    """Whether ``candidate`` (the model's function) may run: it adds no import, call or name."""
    names, calls, imports = _vocabulary(original)
    new_names, new_calls, new_imports = _vocabulary(candidate)
    added = (
        [f"import {n}" for n in sorted(new_imports - imports)]
        + [f"call {n}" for n in sorted(new_calls - calls)]
        + [f"name {n}" for n in sorted(new_names - names - new_calls)]
    )
    return Admission(not added, tuple(added))


def function_named(tree: ast.AST, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node
    return None


def model_proposer(
    model: ModelSource,
    run: Callable[[Coroutine[Any, Any, Any]], Any],
    timeout_s: float = 30.0,
) -> Proposer:
    """A ``Proposer`` asking ``model`` (the training prompt, as "Fix this function" does);
    ``run`` runs a coroutine to completion on the loop the model's client belongs to."""
    from debugllm.analysis.analyzer import AnalysisOptions, analyze
    from debugllm.pipeline import ModelTarget
    from debugllm.region import Region
    from debugllm.text import LineIndex

    def propose(
        source: str, filename: str, function: ast.FunctionDef | ast.AsyncFunctionDef
    ) -> list[str]:
        index = LineIndex(source)
        start = index.offset_of_line_col(function.lineno, function.col_offset)
        problem = Problem(
            "test-failure", "a test fails", start, start + len(function.name), line=function.lineno
        )
        # The region is the failing function itself (a method too), decorators included: the
        # model rewrites only what the tests blame.
        first = min([function.lineno, *(d.lineno for d in function.decorator_list)])
        last = function.end_lineno or function.lineno
        region = Region(
            index.line_starts[first - 1],
            index.line_starts[last] if last < index.line_count else len(source),
            f"function `{function.name}`",
            first,
        )
        analysis = analyze(source, AnalysisOptions(), filename)
        outcome = run(
            asyncio.wait_for(model.fix(analysis, ModelTarget(problem, region)), timeout_s)
        )
        return [candidate.apply(source) for candidate in outcome.candidates]

    return propose


def run_on(loop: asyncio.AbstractEventLoop) -> Callable[[Coroutine[Any, Any, Any]], Any]:
    """Run coroutines on ``loop`` (another thread's, e.g. the language server's) and wait."""

    def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result()

    return run
