"""Repairing syntax errors: a best-first search over small edits, each checked by CPython.

Generators propose edits: those CPython's message asks for (a missing ':' or ')', a string to
close, an indentation level), common slips (a misspelled keyword, '=' for '==', C-style
operators) and generic one-token edits near the error. Proposals are tried cheapest first, each
compiled in a small window around the error (the enclosing function or top-level statement,
first checked to reproduce the original error), so a large file costs about what a small one
does. A proposal counts only when the window then parses, or fails further on where blanking the
broken statement fails too (a separate error). The winner is confirmed on the whole file.

One concern per module: ``context`` (the file under repair, its lexer, the proposals and
the constants they share), the generators by kind of mistake (``brackets``, ``strings``,
``indentation``, ``slips``, ``foreign``, ``generic``), ``generators`` (the order they run in),
``search`` (checking and ranking proposals) and ``engine`` (the entry points below).

To add a repair: write a generator ``gen_x(ctx: Ctx) -> Iterator[Proposal]`` in the module of
its kind of mistake, list it in ``GENERATORS`` in ``generators.py`` and give its kind a template
in ``catalog.py``.
"""

from __future__ import annotations

from debugllm.repair.syntax.engine import recover, repair_syntax

__all__ = ["recover", "repair_syntax"]
