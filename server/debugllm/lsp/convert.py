"""Conversions between the engine's types (offsets, problems, fixes) and LSP's."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from debugllm.pipeline import VerifiedFix
from debugllm.problems import Problem
from debugllm.text import Edit, Encoding, LineIndex
from lsprotocol import types

SOURCE = "debugllm"


def to_range(index: LineIndex, start: int, end: int, encoding: Encoding) -> types.Range:
    start_line, start_char = index.position(start, encoding)
    end_line, end_char = index.position(max(start, end), encoding)
    return types.Range(
        start=types.Position(line=start_line, character=start_char),
        end=types.Position(line=end_line, character=end_char),
    )


def to_offsets(index: LineIndex, rng: types.Range, encoding: Encoding) -> tuple[int, int]:
    start = index.offset(rng.start.line, rng.start.character, encoding)
    end = index.offset(rng.end.line, rng.end.character, encoding)
    return start, max(start, end)


def to_diagnostic(index: LineIndex, problem: Problem, encoding: Encoding) -> types.Diagnostic:
    tags = [types.DiagnosticTag.Unnecessary] if problem.code == "unused-import" else None
    return types.Diagnostic(
        range=to_range(index, problem.start, problem.end, encoding),
        message=problem.message,
        severity=types.DiagnosticSeverity(int(problem.severity)),
        code=problem.code,
        source=problem.source,
        tags=tags,
    )


def to_text_edits(
    index: LineIndex, edits: Sequence[Edit], encoding: Encoding
) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=to_range(index, e.start, e.end, encoding), new_text=e.new_text)
        for e in sorted(edits)
    ]


def workspace_edit(
    uri: str, version: int, index: LineIndex, edits: Sequence[Edit], encoding: Encoding
) -> types.WorkspaceEdit:
    """Edits pinned to ``version``: a client refuses them once the document has changed."""
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(
                    uri=uri, version=version
                ),
                edits=list(to_text_edits(index, edits, encoding)),
            )
        ]
    )


def fix_diff(source: str, fixed: str, context: int = 1) -> str:
    """A small unified diff of the lines a fix changes, for hovers and the CLI."""
    diff = difflib.unified_diff(
        source.splitlines(), fixed.splitlines(), "before", "after", n=context, lineterm=""
    )
    return "\n".join(line for line in diff if not line.startswith(("---", "+++")))


def hover_markdown(problem: Problem, line: int, fix: VerifiedFix | None, source: str) -> str:
    """``line`` is 1-based."""
    parts = [f"**{problem.message}** (`{problem.code}`, line {line})"]
    if fix is None:
        parts.append("DebugLLM has no verified fix for this problem yet.")
        return "\n\n".join(parts)
    parts.append(fix.candidate.explanation)
    diff = fix_diff(source, fix.fixed_source)
    if diff:
        label = "Proposed fix" if fix.candidate.safe else "Proposed fix, unsafe (review it)"
        parts.append(f"{label} ({fix.candidate.title}):\n\n```diff\n{diff}\n```")
    return "\n\n".join(parts)
