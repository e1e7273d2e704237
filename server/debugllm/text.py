"""Text positions and edits.

The engine works in offsets into the Python ``str`` (code points). Editors speak LSP positions:
a zero-based line and a column counted in UTF-16 code units by default (UTF-8 or UTF-32 when
negotiated). ``LineIndex`` converts between the two; ``Edit`` and ``minimal_edits`` describe
changes as small replacements so a quick fix touches only what it must.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]

#: Line terminators as the LSP defines them (\r\n, \n, \r).
_TERMINATORS = ("\r\n", "\n", "\r")
#: A line break as the LSP counts them.
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """``text`` split at its line breaks (``LINE_BREAK.split``; a text without ``\r`` is
    split by ``str.split``, several times faster on a large file)."""
    return text.split("\n") if "\r" not in text else LINE_BREAK.split(text)


def line_breaks(text: str) -> list[str]:
    """Each of ``text``'s line breaks in order (``LINE_BREAK.findall``, faster likewise)."""
    return ["\n"] * text.count("\n") if "\r" not in text else LINE_BREAK.findall(text)


@dataclass(frozen=True, order=True)
class Edit:
    """Replace ``source[start:end]`` by ``new_text`` (offsets in code points)."""

    start: int
    end: int
    new_text: str


def apply_edits(source: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; raises ``ValueError`` when two overlap."""
    ordered = sorted(edits)
    parts: list[str] = []
    cursor = 0
    for edit in ordered:
        if edit.start < cursor or edit.end < edit.start or edit.end > len(source):
            raise ValueError(f"overlapping or out-of-range edit {edit!r}")
        parts.append(source[cursor : edit.start])
        parts.append(edit.new_text)
        cursor = edit.end
    parts.append(source[cursor:])
    return "".join(parts)


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """``(start, old_end, new_end)``: ``old[start:old_end]`` became ``new[start:new_end]``, the
    rest is shared (the longest common prefix, then the longest common suffix after it)."""
    limit = min(len(old), len(new))
    head = _common_length(old, new, limit, lambda k: old[:k] == new[:k])
    tail_limit = limit - head
    tail = _common_length(
        old, new, tail_limit, lambda k: old[len(old) - k :] == new[len(new) - k :]
    )
    return head, len(old) - tail, len(new) - tail


def _common_length(old: str, new: str, limit: int, shares: Callable[[int], bool]) -> int:
    # A binary search over slice comparisons: the comparisons run in C, so even a 5 MB file
    # costs a few milliseconds, where a character loop in Python would cost a second.
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if shares(middle):
            low = middle
        else:
            high = middle - 1
    return low


def minimal_edits(old: str, new: str) -> list[Edit]:
    """The smallest set of replacements turning ``old`` into ``new``.

    Only the span that changed is diffed (the common prefix and suffix are cut off first, in
    linear time): a diff of whole files is quadratic on repeated lines. Inside that span lines
    are diffed first, then characters inside each changed hunk, so an inserted colon is one
    one-character edit rather than a rewritten line.
    """
    if old == new:
        return []
    start, old_end, new_end = changed_span(old, new)
    old_mid, new_mid = old[start:old_end], new[start:new_end]
    if "\n" not in old_mid + new_mid and "\r" not in old_mid + new_mid:
        return _char_edits(old_mid, new_mid, start)
    old_lines = old_mid.splitlines(keepends=True)
    new_lines = new_mid.splitlines(keepends=True)
    old_starts = _line_offsets(old_lines)
    new_starts = _line_offsets(new_lines)
    edits: list[Edit] = []
    import difflib  # here: only a fix's edits need it, not an analysis

    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        old_chunk = old_mid[old_starts[i1] : old_starts[i2]]
        new_chunk = new_mid[new_starts[j1] : new_starts[j2]]
        edits.extend(_char_edits(old_chunk, new_chunk, start + old_starts[i1]))
    return edits


def combined_edits(old: str, groups: Iterable[Iterable[Edit]], new: str) -> list[Edit]:
    """The edits of several fixes as one set, when together they turn ``old`` into ``new``;
    otherwise (they overlap, or later fixes were mapped back inexactly) the minimal edits.
    Fixes far apart would otherwise make one changed span of nearly the whole file."""
    edits = sorted(edit for group in groups for edit in group)
    try:
        if edits and apply_edits(old, edits) == new:
            return edits
    except ValueError:
        pass
    return minimal_edits(old, new)


def _line_offsets(lines: Sequence[str]) -> list[int]:
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    return offsets


def _char_edits(old: str, new: str, base: int) -> list[Edit]:
    # Character diffs of large hunks are quadratic; keep a whole-hunk replacement for those.
    if len(old) + len(new) > 20_000:
        return [Edit(base, base + len(old), new)]
    import difflib

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        Edit(base + i1, base + i2, new[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _units(text: str, encoding: Encoding) -> int:
    if encoding == "utf-32" or text.isascii():
        return len(text)
    if encoding == "utf-16":
        return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)
    return len(text.encode("utf-8", errors="surrogatepass"))


@functools.lru_cache(maxsize=8)
def _line_starts(source: str) -> list[int]:
    """Where each line of ``source`` starts. Kept for a few texts: the analysis of a file that
    does not parse indexes the same text half a dozen times (a regex pass over the file each)."""
    starts = [0]
    if "\r" in source:
        starts.extend(m.end() for m in LINE_BREAK.finditer(source))
    else:
        # Only "\n" breaks: summed in C, a third of the regex pass's time on a 5k-line file.
        starts.extend(itertools.accumulate(map((1).__add__, map(len, source.split("\n")[:-1]))))
    return starts


class LineIndex:
    """Maps code-point offsets to LSP (line, column) positions and back."""

    def __init__(self, source: str) -> None:
        self.source = source
        #: Shared between indexes of the same text: read it, never change it.
        self.line_starts = _line_starts(source)

    @property
    def line_count(self) -> int:
        return len(self.line_starts)

    def line_text(self, line: int) -> str:
        """The text of ``line`` without its terminator."""
        start = self.line_starts[line]
        end = self.line_starts[line + 1] if line + 1 < len(self.line_starts) else len(self.source)
        text = self.source[start:end]
        for term in _TERMINATORS:
            if text.endswith(term):
                return text[: -len(term)]
        return text

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset) - 1

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        offset = max(0, min(offset, len(self.source)))
        line = self.line_of(offset)
        start = self.line_starts[line]
        return line, _units(self.source[start:offset], encoding)

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The offset of an LSP position; positions past a line's end clamp to its end."""
        if line < 0:
            return 0
        if line >= len(self.line_starts):
            return len(self.source)
        start = self.line_starts[line]
        text = self.line_text(line)
        if encoding == "utf-32" or text.isascii():
            return start + min(character, len(text))
        units = 0
        for i, ch in enumerate(text):
            if units >= character:
                return start + i
            units += _units(ch, encoding)
        return start + len(text)

    def offset_of_line_col(self, lineno: int, col: int) -> int:
        """Offset of a 1-based line and 0-based code-point column, as CPython reports them."""
        line = max(0, min(lineno - 1, len(self.line_starts) - 1))
        return min(self.line_starts[line] + max(col, 0), self.line_end(line))

    def line_end(self, line: int) -> int:
        return self.line_starts[line] + len(self.line_text(line))


def utf8_col_to_char(line_text: str, byte_col: int) -> int:
    """``ast`` reports columns in UTF-8 bytes; convert one to a code-point column."""
    if line_text.isascii():
        return byte_col
    return len(line_text.encode("utf-8")[:byte_col].decode("utf-8", errors="ignore"))


#: The rest of a string literal after its opening quote, escapes included (for scanners that
#: must skip strings in text that may not tokenize): triple-quoted, then single-quoted (which
#: stop at the line's end when the string is left open).
STRING_REST_TRIPLE = {
    "'''": re.compile(r"[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"),
    '"""': re.compile(r'[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'),
}
STRING_REST_SINGLE = {
    "'": re.compile(r"[^'\\\r\n]*(?:\\(?:\r\n|[\s\S])[^'\\\r\n]*)*'?"),
    '"': re.compile(r'[^"\\\r\n]*(?:\\(?:\r\n|[\s\S])[^"\\\r\n]*)*"?'),
}
