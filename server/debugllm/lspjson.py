"""LSP shapes (``Diagnostic``, ``TextEdit``) as plain JSON objects, for ``debugllm fix --json``.

The same dicts lsprotocol's converter makes of ``lsp.convert.to_diagnostic`` and
``to_text_edits`` (a unit test keeps them equal), without importing lsprotocol: its types cost
about 250 ms, more than the whole of a command-line run on a small file.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from debugllm.problems import Problem
from debugllm.text import Edit, Encoding, LineIndex

#: LSP's ``DiagnosticTag.Unnecessary``: the editor greys the code out.
_UNNECESSARY = 1

Json = dict[str, Any]


def range_json(index: LineIndex, start: int, end: int, encoding: Encoding) -> Json:
    start_line, start_char = index.position(start, encoding)
    end_line, end_char = index.position(max(start, end), encoding)
    return {
        "start": {"line": start_line, "character": start_char},
        "end": {"line": end_line, "character": end_char},
    }


def diagnostic_json(index: LineIndex, problem: Problem, encoding: Encoding) -> Json:
    diagnostic: Json = {
        "range": range_json(index, problem.start, problem.end, encoding),
        "message": problem.message,
        "severity": int(problem.severity),
        "code": problem.code,
        "source": problem.source,
    }
    if problem.code == "unused-import":
        diagnostic["tags"] = [_UNNECESSARY]
    return diagnostic


def text_edits_json(index: LineIndex, edits: Sequence[Edit], encoding: Encoding) -> list[Json]:
    return [
        {"range": range_json(index, e.start, e.end, encoding), "newText": e.new_text}
        for e in sorted(edits)
    ]
