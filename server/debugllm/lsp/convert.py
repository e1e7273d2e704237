"""Conversions between the engine's types (offsets, problems, fixes) and LSP's."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Literal

from debugllm.pipeline import VerifiedFix
from debugllm.problems import Problem
from debugllm.text import Edit, Encoding, LineIndex, changed_span
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
    """A small unified diff of the lines a fix changes, for hovers and the CLI.

    Only the lines of the changed span are diffed (a diff of whole files is quadratic on
    repeated lines); the lines before and after it are equal by construction.
    """
    old_lines = source.splitlines()
    new_lines = fixed.splitlines()
    start, old_end, new_end = changed_span(source, fixed)
    head = max(0, len(source[:start].splitlines()) - 1)  # lines wholly before the change
    tail = min(
        len(old_lines) - len(source[:old_end].splitlines()),
        len(new_lines) - len(fixed[:new_end].splitlines()),
    )
    tail = max(0, min(tail, len(old_lines) - head, len(new_lines) - head))
    middle = difflib.SequenceMatcher(
        None, old_lines[head : len(old_lines) - tail], new_lines[head : len(new_lines) - tail]
    )
    opcodes: list[Opcode] = [("equal", 0, head, 0, head)] if head else []
    opcodes += [
        (tag, i1 + head, i2 + head, j1 + head, j2 + head)
        for tag, i1, i2, j1, j2 in middle.get_opcodes()
    ]
    if tail:
        opcodes.append(
            ("equal", len(old_lines) - tail, len(old_lines), len(new_lines) - tail, len(new_lines))
        )
    return "\n".join(_unified(old_lines, new_lines, _merge_equal(opcodes), context))


Opcode = tuple[Literal["replace", "delete", "insert", "equal"], int, int, int, int]


class _GivenOpcodes(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping over opcodes computed elsewhere (for the changed span only)."""

    def __init__(self, opcodes: list[Opcode]) -> None:
        super().__init__(None, "", "")
        self.given = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return self.given


def _merge_equal(opcodes: list[Opcode]) -> list[Opcode]:
    merged: list[Opcode] = []
    for op in opcodes:
        if op[1] == op[2] and op[3] == op[4]:
            continue
        if merged and merged[-1][0] == op[0] == "equal":
            last = merged.pop()
            op = ("equal", last[1], op[2], last[3], op[4])
        merged.append(op)
    return merged


def _unified(old: list[str], new: list[str], opcodes: list[Opcode], context: int) -> list[str]:
    """``difflib.unified_diff``'s hunks (without the file header) from given opcodes."""
    out: list[str] = []
    for group in _GivenOpcodes(opcodes).get_grouped_opcodes(context):
        first, last = group[0], group[-1]
        old_range = _range(first[1], last[2])
        new_range = _range(first[3], last[4])
        out.append(f"@@ -{old_range} +{new_range} @@")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend(" " + line for line in old[i1:i2])
                continue
            if tag in {"replace", "delete"}:
                out.extend("-" + line for line in old[i1:i2])
            if tag in {"replace", "insert"}:
                out.extend("+" + line for line in new[j1:j2])
    return out


def _range(start: int, stop: int) -> str:
    # As difflib formats a unified range: "start,length", "start" alone for one line.
    beginning = start + 1
    length = stop - start
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


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
