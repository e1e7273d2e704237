"""Conversions between the engine's types (offsets, problems, fixes) and LSP's."""

from __future__ import annotations

import re
from collections.abc import Sequence

from debugllm.pipeline import VerifiedFix
from debugllm.problems import Problem
from debugllm.text import Edit, Encoding, LineIndex
from debugllm.textdiff import fix_diff
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


def hover_kind(capabilities: types.ClientCapabilities | None) -> types.MarkupKind:
    """The first format of the client's ``hover.contentFormat`` that we can write.

    Without a preference, markdown (what every client we know renders). A client asking for
    plain text first (Emacs eglot without markdown-mode) would show raw ``**`` and fences.
    """
    text_document = capabilities.text_document if capabilities else None
    hover = text_document.hover if text_document else None
    for kind in (hover.content_format if hover else None) or []:
        if kind in (types.MarkupKind.Markdown, types.MarkupKind.PlainText):
            return types.MarkupKind(kind)
    return types.MarkupKind.Markdown


_INLINE_CODE = re.compile(r"`+([^`]*)`+")

#: Between the hovers of several problems at one position.
HOVER_SEPARATOR = {
    types.MarkupKind.Markdown: "\n\n---\n\n",
    types.MarkupKind.PlainText: "\n\n",
}


def hover_markdown(problem: Problem, line: int, fix: VerifiedFix | None, source: str) -> str:
    """``line`` is 1-based."""
    return hover_text(problem, line, fix, source, types.MarkupKind.Markdown)


def hover_text(
    problem: Problem, line: int, fix: VerifiedFix | None, source: str, kind: types.MarkupKind
) -> str:
    """The hover of one problem in ``kind``; ``line`` is 1-based. Plain text has no markdown
    syntax at all: the diff is indented instead of fenced."""
    markdown = kind == types.MarkupKind.Markdown
    if markdown:
        parts = [f"**{problem.message}** (`{problem.code}`, line {line})"]
    else:
        parts = [f"{problem.message} ({problem.code}, line {line})"]
    if fix is None:
        parts.append("DebugLLM has no verified fix for this problem yet.")
        return "\n\n".join(parts)
    explanation = fix.candidate.explanation
    # Explanations quote code in markdown backticks; plain text quotes it the plain way.
    parts.append(explanation if markdown else _INLINE_CODE.sub(r"'\1'", explanation))
    diff = fix_diff(source, fix.fixed_source)
    if diff:
        label = "Proposed fix" if fix.candidate.safe else "Proposed fix, unsafe (review it)"
        if markdown:
            parts.append(f"{label} ({fix.candidate.title}):\n\n```diff\n{diff}\n```")
        else:
            indented = "\n".join(f"    {row}" for row in diff.splitlines())
            parts.append(f"{label} ({fix.candidate.title}):\n\n{indented}")
    return "\n\n".join(parts)
