"""Syntax of a newer Python: which constructs a file uses that an older interpreter rejects.

The server parses with the interpreter it runs on, so a valid Python 3.12 file checked on 3.11
fails to parse, and "repairing" it (``type Vector = ...`` into ``type, Vector = ...``) breaks it.
``newer_syntax`` finds such constructs with a scanner that is the same on every interpreter (it
does not use ``tokenize``, whose f-string handling changed in 3.12): strings, comments and
brackets are skipped the way PEP 701 lexes them, and each construct is matched specifically
(a ``type`` soft keyword at a statement start followed by a name, optional ``[...]`` and ``=``;
``def NAME [...] (``; ``class NAME [...]``) so that a real error is not taken for one.
"""

from __future__ import annotations

import bisect
import functools
import keyword
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace

from debugllm.problems import Code, Problem, Severity
from debugllm.text import LineIndex

#: The Python this process parses with: constructs newer than it fail to parse here.
RUNNING = (sys.version_info.major, sys.version_info.minor)

_OPEN = {"(": ")", "[": "]", "{": "}"}
#: A string literal's start where a name cannot continue (``xf"..."`` is not an f-string).
_STRING_START = re.compile(r"(?:(?<![\w.])[rRbBuUfFtT]{1,2})?['\"]")
_PREFIX_QUOTE = re.compile(r"([rRbBuUfFtT]{0,2})('''|\"\"\"|'|\")")
_PREFIXES = frozenset("rRbBuUfFtT")
_NAME = re.compile(r"[^\W\d]\w*")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_STARTS = _PREFIXES | {"'", '"'}
#: The rest of a plain string after its opening quote; group 1 is its closing quote (empty
#: when the line, or the file, ends first).
_CLOSE = {
    "'": re.compile(r"(?:[^'\\\r\n]|\\(?:\r\n|[\s\S]))*('?)"),
    '"': re.compile(r'(?:[^"\\\r\n]|\\(?:\r\n|[\s\S]))*("?)'),
    "'''": re.compile(r"(?:[^'\\]|\\[\s\S]|'(?!''))*('''|)"),
    '"""': re.compile(r'(?:[^"\\]|\\[\s\S]|"(?!""))*("""|)'),
}
#: What matters in an f-string's literal text (everything else is skipped in one step).
_FSTRING_SPECIAL = re.compile(r"[\\{}'\"\r\n]")
#: A comment or a string's quote: what the first pass stops at.
_SKIP = re.compile(r"[#'\"]")
#: Where a PEP 695 form may start (checked token by token from there). One pattern per keyword:
#: a pattern starting with a literal is searched for much faster than an alternation.
_CANDIDATES = (
    re.compile(r"type[ \t]+[^\W\d]\w*[ \t]*[\[=]"),
    re.compile(r"def[ \t]+[^\W\d]\w*[ \t]*\["),
    re.compile(r"class[ \t]+[^\W\d]\w*[ \t]*\["),
)
#: A statement header longer than this is not matched (bounds the work on malformed text).
_MAX_HEADER_TOKENS = 2000
#: What the statement scanner stops at: a comment, a string, a name, a line break, a
#: continuation backslash or one operator character (``==``, ``!=``, ``<=`` ... kept whole so a
#: comparison is never read as an assignment).
_TOKEN = re.compile(
    r"(?P<comment>\#)|(?P<string>(?:(?<![\w.])[rRbBuUfFtT]{1,2})?['\"])|(?P<name>[^\W\d]\w*)"
    r"|(?P<newline>\r\n|\r|\n)|(?P<backslash>\\(?:\r\n|\r|\n))"
    r"|(?P<op>[=!<>:]=|->|\*\*|[^\s\w])|(?P<number>\d[\w.]*)"
)


@dataclass(frozen=True, order=True)
class Construct:
    """One use of newer syntax: where it starts (a code-point offset) and what it needs."""

    start: int
    version: tuple[int, int]
    #: What it is, for messages: "a `type` statement".
    feature: str
    #: Where it ends (the statement header, or the string).
    end: int = 0
    #: The PEP that added it.
    pep: int = 0


@dataclass
class _Token:
    kind: str
    text: str
    start: int
    end: int


class _Scanner:
    """One pass over a source: its statement-level tokens, and the f-string constructs met."""

    def __init__(self, source: str, stop: int, start: int = 0) -> None:
        self.source = source
        self.stop = stop
        self.start = start
        #: (start, end) of every string and comment, in order.
        self.spans: list[tuple[int, int]] = []
        self.found: list[Construct] = []

    # -- strings --------------------------------------------------------------------------------

    def string(self, pos: int) -> tuple[int, bool]:
        """Skip the string literal at ``pos`` (its prefix first): the offset after it, and
        whether it is closed. The constructs of a string that is not closed are dropped: such a
        string is an error on every Python, and must be reported as one."""
        match = _PREFIX_QUOTE.match(self.source, pos)
        if match is None:  # callers only call at a quote or a prefix; step over one character
            return pos + 1, False
        prefix, quote = match.group(1).lower(), match.group(2)
        mark = len(self.found)
        if "f" in prefix or "t" in prefix:
            end, closed = self.fstring_body(pos, match.end(), quote, "r" in prefix)
        else:
            end, closed = self.plain_body(match.end(), quote)
        if not closed:
            del self.found[mark:]
            return end, False
        if "t" in prefix:
            self.found.append(Construct(pos, (3, 14), "a template string", pep=750))
        # A construct inside a string covers the whole string (outermost first).
        self.found[mark:] = [replace(c, end=max(c.end, end)) for c in self.found[mark:]]
        return end, True

    def plain_body(self, pos: int, quote: str) -> tuple[int, bool]:
        match = _CLOSE[quote].match(self.source, pos)
        if match is None or not match.group(1):  # the line, or the file, ended first
            return (match.end() if match else len(self.source)), False
        return match.end(), True

    def fstring_body(self, start: int, pos: int, quote: str, raw: bool) -> tuple[int, bool]:
        """Skip an f-string's body by PEP 701's rules, noting where 3.11's rules fail."""
        source = self.source
        end = len(source)
        while pos < end:
            special = _FSTRING_SPECIAL.search(source, pos)
            if special is None:
                return end, False
            pos = special.start()
            char = source[pos]
            if char == "\\":
                # Raw or not, a backslash keeps the next character from ending the string, but
                # not a brace from opening a field (f"\{x}" has one); "\N{...}" names a character.
                named = not raw and source.startswith("N{", pos + 1)
                if named:
                    close = source.find("}", pos)
                    pos = close + 1 if close >= 0 else end
                else:
                    pos += 1 if source.startswith(("{", "}"), pos + 1) else 2
            elif source.startswith(quote, pos):
                return pos + len(quote), True
            elif char in "\r\n" and len(quote) == 1:
                return pos, False
            elif source.startswith("{{", pos) or source.startswith("}}", pos):
                pos += 2
            elif char == "{":
                pos, closed = self.replacement_field(start, pos + 1, quote)
                if not closed:
                    return pos, False
            else:
                pos += 1
        return end, False

    def replacement_field(self, start: int, pos: int, quote: str) -> tuple[int, bool]:
        """Skip ``{expression!r:spec}`` from after its ``{``: the offset after its ``}``, and
        whether there is one."""
        source = self.source
        end = len(source)
        depth = 0
        while pos < end:
            char = source[pos]
            literal = _STRING_START.match(source, pos) if char in _STARTS else None
            if literal is not None:
                if char in "'\"" and source.startswith(quote, pos):
                    self.note(start, "a string inside an f-string with the same quotes")
                after, closed = self.string(pos)
                if not closed:
                    return after, False
                # Python 3.11 rejects these anywhere in the expression, strings included.
                text = source[pos:after]
                if "\\" in text:
                    self.note(start, "a backslash inside an f-string's replacement field")
                if len(quote) == 1 and _NEWLINE.search(text):
                    self.note(start, "a line break inside a single-quoted f-string")
                pos = after
            elif char == "\\":
                self.note(start, "a backslash inside an f-string's replacement field")
                pos += 1
            elif char == "#":
                self.note(start, "a comment inside an f-string's replacement field")
                pos = _line_end(source, pos)
            elif char in "\r\n":
                if len(quote) == 1:
                    self.note(start, "a line break inside a single-quoted f-string")
                pos += 1
            elif char in _OPEN:
                depth += 1
                pos += 1
            elif char in ")]" or (char == "}" and depth):
                depth = max(depth - 1, 0)
                pos += 1
            elif char == "}":
                return pos + 1, True
            elif depth == 0 and char == "!" and not source.startswith("!=", pos):
                pos += 1
            elif depth == 0 and char == ":":
                return self.format_spec(start, pos + 1, quote)
            else:
                name = _NAME.match(source, pos)
                pos = name.end() if name else pos + 1
        return end, False

    def format_spec(self, start: int, pos: int, quote: str) -> tuple[int, bool]:
        """Skip a format spec (literal text with nested fields) up to its field's ``}``."""
        source = self.source
        end = len(source)
        while pos < end:
            char = source[pos]
            if source.startswith(quote, pos) or (char in "\r\n" and len(quote) == 1):
                return pos, False
            if char == "{":
                pos, closed = self.replacement_field(start, pos + 1, quote)
                if not closed:
                    return pos, False
            elif char == "}":
                return pos + 1, True
            else:
                pos += 2 if char == "\\" else 1
        return end, False

    def note(self, start: int, feature: str) -> None:
        self.found.append(Construct(start, (3, 12), feature, start, pep=701))

    # -- statements -----------------------------------------------------------------------------

    def skip_code(self) -> None:
        """Pass over strings and comments up to ``stop``, noting each span (and f-strings')."""
        source = self.source
        pos = self.start
        while pos < self.stop:
            match = _SKIP.search(source, pos, self.stop)
            if match is None:
                break
            start = match.start()
            if match.group() == "#":
                pos = _line_end(source, start)
            else:
                # A prefix is the letters just before the quote unless a name goes on before
                # them (``xf"..."`` is the name ``xf`` and a plain string).
                prefix = start
                while prefix > start - 2 and prefix > 0 and source[prefix - 1] in _PREFIXES:
                    prefix -= 1
                if prefix > 0 and (source[prefix - 1].isalnum() or source[prefix - 1] in "_."):
                    prefix = start
                start = prefix
                pos, _ = self.string(start)
            self.spans.append((start, pos))

    def in_span(self, offset: int) -> bool:
        i = bisect.bisect_right(self.spans, (offset, len(self.source) + 1)) - 1
        return i >= 0 and self.spans[i][0] <= offset < self.spans[i][1]

    def statements(self) -> None:
        """Match the PEP 695/696 forms at each candidate the quick pattern finds."""
        source = self.source
        span = (self.start, self.stop)
        matches = [m for pattern in _CANDIDATES for m in pattern.finditer(source, *span)]
        for match in sorted(matches, key=lambda m: m.start()):
            start = match.start()
            if start > 0 and (source[start - 1].isalnum() or source[start - 1] == "_"):
                continue  # inside a longer name (`subtype X`)
            if self.in_span(start):
                continue
            word = match.group().split(None, 1)[0]
            if word == "type":
                # A statement start: nothing but ``;`` or a compound header's ``:`` before it on
                # its line (`type X = ...` is invalid anywhere else, so this is not guessing).
                line_start = max(source.rfind("\n", 0, start), source.rfind("\r", 0, start)) + 1
                before = source[line_start:start].rstrip()
                if before and before[-1] not in ";:":
                    continue
                self.match_generic(start, "a `type` statement", ("=",), optional=True)
            elif word == "def":
                self.match_generic(start, "a generic function", ("(",))
            else:
                self.match_generic(start, "a generic class", ("(", ":"))

    def tokens_from(self, pos: int) -> Iterator[_Token]:
        """Tokens from ``pos`` to the end of its logical line (strings as one token each)."""
        source = self.source
        depth = 0
        for _ in range(_MAX_HEADER_TOKENS):
            match = _TOKEN.search(source, pos)
            if match is None:
                return
            kind = match.lastgroup or ""
            if kind == "comment":
                pos = _line_end(source, match.end())
                continue
            if kind == "string":
                pos, closed = self.string(match.start())
                if not closed:
                    return
                yield _Token("string", "", match.start(), pos)
                continue
            pos = match.end()
            text = match.group()
            if kind == "backslash" or (kind == "newline" and depth):
                continue
            if kind == "newline":
                return
            if text in _OPEN:
                depth += 1
            elif text in ")]}":
                depth -= 1
            yield _Token(kind, text, match.start(), pos)

    def match_generic(
        self, start: int, feature: str, after: tuple[str, ...], optional: bool = False
    ) -> None:
        """``KEYWORD NAME [params] <after> ...`` at ``start``; ``[params]`` may be absent only
        when ``optional``."""
        tokens = list(self.tokens_from(start))
        if len(tokens) < 3 or tokens[1].kind != "name" or keyword.iskeyword(tokens[1].text):
            return
        j = 2
        has_default = False
        if tokens[j].text == "[":
            depth = 0
            for k in range(j, len(tokens)):
                text = tokens[k].text
                if tokens[k].kind == "op" and text in _OPEN:
                    depth += 1
                elif tokens[k].kind == "op" and text in ")]}":
                    depth -= 1
                    if depth == 0:
                        break
                elif depth == 1 and text == "=":
                    has_default = True
            else:
                return
            if tokens[k].text != "]":
                return
            j = k + 1
        elif not optional:
            return
        if j >= len(tokens) or tokens[j].text not in after:
            return
        if optional and j + 1 >= len(tokens):
            return  # `type X =` with nothing after it is an error on every Python
        end = tokens[j].end
        self.found.append(Construct(start, (3, 12), feature, end, pep=695))
        if has_default:
            default = Construct(start, (3, 13), "a type parameter default", end, pep=696)
            self.found.append(default)


def _line_end(source: str, pos: int) -> int:
    """Where the line holding ``pos`` ends (its line break, or the end of the source)."""
    end = source.find("\n", pos)
    end = len(source) if end < 0 else end
    # str.find is many times faster than a regex; a lone "\r" ends a line too.
    carriage = source.find("\r", pos, end)
    return end if carriage < 0 else carriage


def newer_syntax(source: str, stop: int | None = None, start: int = 0) -> list[Construct]:
    """Every construct of ``source`` that needs Python 3.12 or later, by position.

    Only constructs starting before ``stop`` (an offset) are found: a caller looking for the
    construct behind a syntax error needs none after it. The scan begins at ``start``, which
    must be where a top-level statement starts (outside any string or bracket): a caller that
    knows the text before it compiled here needs no constructs from it. Never raises.
    """
    return list(_newer_syntax(source, stop, start))


#: The analysis of a file that does not parse asks up to three times for the same text.
@functools.lru_cache(maxsize=4)
def _newer_syntax(source: str, stop: int | None, start: int) -> tuple[Construct, ...]:
    scanner = _Scanner(source, len(source) if stop is None else min(stop, len(source)), start)
    try:
        scanner.skip_code()
        scanner.statements()
    except RecursionError:  # f-strings nested hundreds deep: what was found so far
        pass
    return tuple(sorted(set(scanner.found)))


def unsupported_in_edit(
    source: str, start: int, end: int, running: tuple[int, int] = RUNNING
) -> list[Construct] | None:
    """``unsupported(source, start=start)`` for a text whose part from ``end`` on is a good
    text's (it compiled here), cut at one of its top-level statement starts, scanned only up to
    ``end``; ``None`` when that scan cannot stand for the whole (the caller scans to the end).

    Entered outside any string, as it is at that cut in the good text, the rest of the text is
    read as it was there, where nothing was found (the fact ``start`` relies on for the text
    before it). So the scan stops at ``end`` unless a string opened before it runs past it (an
    edit that opened a quote): then the rest would be read otherwise.
    """
    found = _newer_syntax_until(source, start, end)
    if found is None:
        return None
    return _newest_per_place([c for c in found if c.version > running])


@functools.lru_cache(maxsize=4)
def _newer_syntax_until(source: str, start: int, end: int) -> tuple[Construct, ...] | None:
    scanner = _Scanner(source, min(end, len(source)), start)
    try:
        scanner.skip_code()
        scanner.statements()
    except RecursionError:
        return None
    if scanner.spans and scanner.spans[-1][1] > end:
        return None  # a string runs on past the cut
    return tuple(sorted(set(scanner.found)))


def unsupported(
    source: str, running: tuple[int, int] = RUNNING, stop: int | None = None, start: int = 0
) -> list[Construct]:
    """The constructs of ``source`` that ``running`` cannot parse, one per place, by position
    (from ``start`` on: see ``newer_syntax``)."""
    found = newer_syntax(source, stop, start)
    return _newest_per_place([c for c in found if c.version > running])


def too_new(
    source: str, target: tuple[int, int], running: tuple[int, int] = RUNNING
) -> list[Construct]:
    """Constructs ``running`` parses but ``target`` does not, one per place, by position."""
    return _newest_per_place([c for c in newer_syntax(source) if target < c.version <= running])


def _newest_per_place(found: list[Construct]) -> list[Construct]:
    """A generic class with a default needs 3.13: it is not also reported as needing 3.12."""
    newest: dict[int, Construct] = {}
    for construct in found:
        if construct.start not in newest or construct.version > newest[construct.start].version:
            newest[construct.start] = construct
    return sorted(newest.values())


def construct_problem(
    source: str,
    construct: Construct,
    target: tuple[int, int] | None,
    running: tuple[int, int] = RUNNING,
    index: LineIndex | None = None,
) -> Problem:
    """The ``unsupported-syntax`` diagnostic for ``construct``.

    An ERROR when the project's target Python lacks the syntax (the file is wrong for the
    project); else a WARNING: the file may well be right, DebugLLM just cannot check it, and a
    warning does not count as a remaining error (``debugllm fix`` exits 0 for a correct file).
    """
    index = index or LineIndex(source)
    needed = describe_version(construct.version)
    what = construct.feature
    if target is not None and target < construct.version:
        severity = Severity.ERROR
        message = (
            f"{_capital(what)} (PEP {construct.pep}) needs Python {needed}; this project "
            f"targets {describe_version(target)}"
        )
    else:
        severity = Severity.WARNING
        message = (
            f"this file uses Python {needed} syntax ({what}, PEP {construct.pep}); DebugLLM runs "
            f"on Python "
            f"{describe_version(running)} and cannot check it: point it at a Python "
            f"{needed}+ interpreter"
        )
    line = index.line_of(construct.start)
    end = min(max(construct.end, construct.start + 1), index.line_end(line), len(source))
    return Problem(
        code=Code.UNSUPPORTED_SYNTAX,
        message=message,
        start=construct.start,
        end=max(end, min(construct.start + 1, len(source))),
        severity=severity,
        subject=f"{what} @ {index.line_text(line).strip()[:80]}",
        line=line + 1,
    )


def _capital(text: str) -> str:
    """'a `type` statement' -> 'the `type` statement' reads better as a sentence's subject."""
    return "the " + text[2:] if text.startswith("a ") else text


def describe_version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
