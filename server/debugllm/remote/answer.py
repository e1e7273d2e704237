"""Untrusted model answers -> cleaned code -> minimal edits confined to the region sent.

The adapter answers with code only, but a served model may echo the prompt, wrap the code in
fences, run past the end into a new ``Instruction:`` block, or append prose. Nothing here trusts
the answer: the edits it yields still go through the verifier.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from debugllm.prompt import STOP_SEQUENCES
from debugllm.text import Edit, minimal_edits

#: Markers after which nothing is code (the stop sequences and common prose headers).
_CUT_MARKERS: tuple[str, ...] = (
    *STOP_SEQUENCES,
    "\nResponse:",
    "\n### ",
    "\nExplanation:",
    "\nExplanation of",
    "\n</s>",
    "<|end|>",
    "<|assistant|>",
)
_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:\n?```|\Z)", re.DOTALL)


#: A line that opens a definition (the text fallback of the "drops code" check).
_DEFINITION = re.compile(r"(?:async[ \t]+)?(?:def|class)[ \t]+(\w+)")
#: Statements an answer may lose in all before it counts as dropping code. A fix for a bug
#: adds or removes 0-2 statements (a lost ``return`` put back, a duplicated line removed, an
#: ``if``/``else`` made one expression); 3 also lets a loop become a comprehension.
MAX_LOST_STATEMENTS = 3

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statements(code: str) -> Counter[str] | None:
    """Statements per definition (qualified name; ``""``: the module), or ``None``.

    A definition's count excludes the bodies of definitions nested in it, which have their own;
    the nested ``def`` statement itself counts for the enclosing one.
    """
    try:
        # A model answer's SyntaxWarnings must not reach stderr (the JSON log) either.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return None
    counts: Counter[str] = Counter({"": 0})

    def visit(scope: str, nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.stmt):
                counts[scope] += 1
            if isinstance(node, _SCOPES):
                name = f"{scope}.{node.name}" if scope else node.name
                counts[name] += 0  # a definition with nothing of its own is still there
                visit(name, ast.iter_child_nodes(node))
            else:
                visit(scope, ast.iter_child_nodes(node))

    visit("", tree.body)
    return counts


def _logical_lines(code: str) -> Iterator[tuple[int, str]]:
    """``(column, text from there)`` of each logical line that is neither blank nor a comment.

    Raises ``tokenize.TokenError`` or ``SyntaxError`` on code the tokenizer cannot follow.
    """
    at_start = True
    skip = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
    for token in tokenize.generate_tokens(io.StringIO(code).readline):
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            at_start = True
        elif at_start and token.type not in skip:
            at_start = False
            yield token.start[1], token.line[token.start[1] :]


def _physical_lines(code: str) -> Iterator[tuple[int, str]]:
    for line in code.splitlines():
        text = line.lstrip()
        if text and not text.startswith("#"):
            yield len(line) - len(text), text


def _lines_per_definition(lines: Iterable[tuple[int, str]]) -> Counter[str]:
    """Lines per definition, a definition's body being the lines indented deeper than it."""
    counts: Counter[str] = Counter({"": 0})
    open_scopes: list[tuple[str, int]] = []
    for column, text in lines:
        while open_scopes and column <= open_scopes[-1][1]:
            open_scopes.pop()
        scope = open_scopes[-1][0] if open_scopes else ""
        counts[scope] += 1
        definition = _DEFINITION.match(text)
        if definition:
            name = f"{scope}.{definition.group(1)}" if scope else definition.group(1)
            counts[name] += 0
            open_scopes.append((name, column))
    return counts


def _code_counts(original: str, code: str) -> tuple[Counter[str], Counter[str], str]:
    """The same measure of both: statements when both parse, else logical lines, else lines."""
    old, new = _statements(original), _statements(code)
    if old is not None and new is not None:
        return old, new, "statements"
    try:
        return (
            _lines_per_definition(_logical_lines(original)),
            _lines_per_definition(_logical_lines(code)),
            "lines",
        )
    except (tokenize.TokenError, SyntaxError):
        # An unclosed bracket makes the rest of the code one logical line: count lines instead.
        return (
            _lines_per_definition(_physical_lines(original)),
            _lines_per_definition(_physical_lines(code)),
            "lines",
        )


def dropped_code(original: str, code: str) -> str | None:
    """Why ``code`` (an answer for the region ``original``) drops code, or ``None`` if it does not.

    Judged by what each definition loses, so blank lines cannot pad a gutted body: a definition
    that disappears, one that loses more than half its statements (and at least 2), or more than
    ``MAX_LOST_STATEMENTS`` lost in all. When either does not parse, logical lines are counted.
    """
    old, new, unit = _code_counts(original, code)
    missing = [name for name in old if name and name not in new]
    if missing:
        return ", ".join(f"`{name}`" for name in missing[:3])
    lost = {name: old[name] - new[name] for name in old if old[name] > new[name]}
    for name, count in lost.items():
        if count >= 2 and count * 2 > old[name]:
            where = f"`{name}`" if name else "the module level"
            return f"{where} loses {count} of its {old[name]} {unit}"
    total = sum(lost.values())
    if total > MAX_LOST_STATEMENTS:
        return f"{total} {unit} lost"
    return None


class AnswerError(ValueError):
    """The answer cannot be used; ``str(exc)`` says why."""


@dataclass(frozen=True)
class RegionAnswer:
    code: str
    edits: tuple[Edit, ...]


def clean_answer(text: str, original: str) -> str:
    """The code in ``text``: echoed prompt parts, fences and trailing prose removed."""
    # An echoed prompt: keep what follows the last "Response:" header.
    for header in ("\nResponse:\n", "Response:\n"):
        if header in text:
            text = text.rsplit(header, 1)[1]
            break
    if text.lstrip().startswith(("Instruction:", "Input:")) and "\nInput:\n" in text:
        text = text.split("\nInput:\n", 1)[1]
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    for marker in _CUT_MARKERS:
        cut = text.find(marker)
        if cut >= 0:
            text = text[:cut]
    text = text.strip("\n")
    text = text.rstrip()
    # Keep the region's own trailing whitespace so a fix does not touch the file's last line.
    tail = original[len(original.rstrip()) :]
    lead = original[: len(original) - len(original.lstrip("\n"))]
    return lead + text + tail if text else ""


def map_answer(
    source: str, start: int, end: int, text: str, max_growth: float = 3.0
) -> RegionAnswer:
    """Minimal edits turning ``source[start:end]`` into the code of ``text`` (offsets in source)."""
    original = source[start:end]
    if len(text) > max(4096, int(len(original) * max_growth) + 1024):
        raise AnswerError(
            f"the model's answer is too large ({len(text)} characters for a "
            f"{len(original)}-character region)"
        )
    code = clean_answer(text, original)
    if not code.strip():
        raise AnswerError("the model's answer holds no code")
    if len(code) > int(len(original) * max_growth) + 512:
        raise AnswerError(
            f"the model's answer is too large ({len(code)} characters of code for a "
            f"{len(original)}-character region)"
        )
    if code == original:
        raise AnswerError("the model returned the code unchanged")
    dropped = dropped_code(original, code)
    if dropped:
        raise AnswerError(f"the model's answer drops code ({dropped}); it is not used")
    edits = tuple(
        Edit(e.start + start, e.end + start, e.new_text) for e in minimal_edits(original, code)
    )
    if not edits:
        raise AnswerError("the model returned the code unchanged")
    return RegionAnswer(code, edits)
