"""Repairs of indentation: a missing block, an unexpected indent, a misplaced clause, a dedent to
no level, a line indented too little, tabs, 'return' outside a function and a header pushed
left of its block, with the evidence that tells which lines form a body."""

from __future__ import annotations

import re
from collections.abc import Iterator

from debugllm.repair.syntax.context import (
    CONTINUATION_KEYWORDS,
    DEF,
    INDENT_MESSAGES,
    INDENTED_BLOCK,
    KEYWORDS,
    TARGETS,
    Ctx,
    Proposal,
    first_word,
    indent_of,
    statement_facts,
    width_of,
)

_TERMINAL_KEYWORDS = frozenset({"return", "raise", "break", "continue"})
_OUTSIDE = re.compile(r"'(return|yield|break|continue|await)' (?:outside|not properly in) (\w+)")


def _moved(ctx: Ctx, first: int, new_lines: list[str]) -> float:
    """Extra cost for re-indenting many lines: the fewer lines a fix touches, the likelier."""
    changed = sum(1 for i, t in enumerate(new_lines, first) if t != ctx.lines[i])
    return min(0.05 * max(changed - 1, 0), 0.5)


def gen_indented_block(ctx: Ctx) -> Iterator[Proposal]:
    match = INDENTED_BLOCK.fullmatch(ctx.msg)
    if not match:
        return
    header = int(match.group(2)) - 1
    if not 0 <= header < ctx.count:
        return
    facts = statement_facts(ctx, header)
    facts["header_line"] = header + 1
    word = str(facts["keyword"])
    start = ctx.statement_start(header)
    target = indent_of(ctx.lines[start]) + ctx.unit
    line = ctx.line
    overwritten = False
    if line > header and ctx.is_code(line):
        title = f"Indent line {line + 1} under the {word} statement"
        # A deeper line after this one: only this line lost its indentation.
        following = ctx.next_code(line)
        deeper = following < ctx.count and ctx.width(following) > ctx.width(line)
        costs = {"block": 0.4, "line": 0.39 if deeper else 0.45, "run": 0.5, "para": 0.5}
        costs["methods"] = 0.45
        if word == "class":  # a class body written flush left: its methods move together
            costs["methods"] = 0.38
        if word == "def" and (not deeper or _uses_parameters(ctx, header, line)):
            # A function body written at the `def`'s own level: the statements up to the next
            # definition move together, surely so when they use the function's parameters.
            costs["body"] = 0.37
        # Evidence that the statements up to the blank line form the body: moving them all
        # is then no less likely than moving one.
        if word == "for" and _uses_loop_target(ctx, header, line):
            # The statement after the first block uses the loop's variable.
            costs["para"] = 0.35
        if _ends_in_dead_code(ctx, line):
            # `if c:` / `x = 1` / `return` / (blank) / `more()`: a `return` left at the header's
            # level would make what follows it unreachable.
            costs["para"] = 0.3
        if word == "while" and _loop_needs_run(ctx, header, line):
            # A loop whose first statement never changes its condition would never end.
            costs["para"] = 0.3
        evidence = costs["para"] < 0.5
        # `for i in range(3):` / `name = input()` / `print(name)`: read after the loop, the
        # value would be the last turn's only; in the loop, each one. Two programs.
        overwritten = (
            word in ("for", "while")
            and not evidence
            and not deeper
            and _fresh_value_read_next(ctx, line)
        )
        for mode, cost in costs.items():
            if mode == "methods":
                end = _methods_end(ctx, line)
            elif mode == "body":
                end = _body_end(ctx, line)
            else:
                end = ctx.block_end(line, mode)
            end = _reachable_end(ctx, line, end)
            if word == "def":
                end = _before_own_call(ctx, header, line, end)
            moved = ctx.shifted(line, end, target)
            if mode not in ("methods", "body") and not (mode == "para" and evidence):
                cost += _moved(ctx, line, moved)
            p = ctx.lines_to(
                line, end, moved, cost, "missing-indent", title, **facts, line=line + 1
            )
            yield p.as_guess() if overwritten else p
        # Or the header itself sits too deep: its block is at its own level. Likely when it
        # follows a `return` at its level, where it could never run.
        if ctx.width(line) == ctx.width(start) and header == start:
            title = f"Remove the extra indentation of line {header + 1}"
            previous = ctx.previous_statement(header)
            dead = previous >= 0 and ctx.width(previous) == ctx.width(header)
            dead = dead and first_word(ctx.lines[previous]) in _TERMINAL_KEYWORDS
            levels = [ws for ws in ctx.levels(header) if width_of(ws) < ctx.width(line)]
            for rank, level in enumerate(levels[:3]):
                moved = ctx.shifted(header, header + 1, level)
                cost = (0.38 if dead else 0.42) + 0.1 * rank
                if _else_of_loop_or_if(ctx, header, width_of(level)):
                    cost = 0.36  # an `else` is far likelier an `if`'s than a loop's
                yield ctx.lines_to(
                    header,
                    header + 1,
                    moved,
                    cost,
                    "unexpected-indent",
                    title,
                    line=header + 1,
                )
    # No body at all: give the statement one.
    new_lines = [ctx.lines[header], target + "pass"]
    title = f"Add 'pass' as the body of the {word} statement"
    p = ctx.lines_to(
        header, header + 1, new_lines, 1.5, "empty-block", title, **facts, line=header + 1
    )
    # Where the body's lines are two programs, an empty loop is neither.
    yield p.as_guess() if overwritten else p


_WORD = re.compile(r"[A-Za-z_]\w*")


def _changed_names(text: str) -> set[str]:
    """Names a statement assigns or calls a method on (`x = ...`, `a, b = ...`, `q.pop()`)."""
    names = set(re.findall(r"\b([A-Za-z_]\w*)\.\w+\(", text))
    target = TARGETS.match(text)
    if target:
        names.update(_WORD.findall(target.group(1)))
    return names


_FOR_TARGETS = re.compile(r"\s*(?:async\s+)?for\s+(.+?)\s+in\b")


def _uses_loop_target(ctx: Ctx, header: int, line: int) -> bool:
    """Does the statement after the block at ``line``, in its paragraph, use a name the `for`
    at ``header`` assigns?"""
    match = _FOR_TARGETS.match(ctx.lines[header])
    if not match:
        return False
    targets = set(_WORD.findall(match.group(1)))
    first = ctx.block_end(line, "block")
    end = ctx.block_end(line, "para")
    base = ctx.width(line)
    later = [i for i in range(first, end) if ctx.is_statement(i) and ctx.width(i) == base]
    return bool(later) and bool(targets & set(_WORD.findall(ctx.lines[later[0]])))


_ASSIGNMENT = re.compile(r"\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=(?!=)(.*)")


def _fresh_value_read_next(ctx: Ctx, line: int) -> bool:
    """Does the statement at ``line`` give a name a fresh value (`name = input()`; not
    `total = total + i`, which accumulates) that the next statement of its paragraph, at the
    same level, reads?"""
    match = _ASSIGNMENT.match(ctx.lines[line])
    if not match or ctx.is_header(line):
        return False
    names = set(_WORD.findall(match.group(1)))
    if names & set(_WORD.findall(match.group(2))):
        return False
    first = ctx.block_end(line, "block")
    end = ctx.block_end(line, "para")
    base = ctx.width(line)
    later = [i for i in range(first, end) if ctx.is_statement(i) and ctx.width(i) == base]
    return bool(later) and bool(names & set(_WORD.findall(ctx.lines[later[0]])))


def _ends_in_dead_code(ctx: Ctx, line: int) -> bool:
    """Does the paragraph from ``line`` end with `return`/`raise`/`break`/`continue` (after
    more than one statement) with statements after it at the same level?"""
    end = ctx.block_end(line, "para")
    base = ctx.width(line)
    last = max(
        (i for i in range(line, end) if ctx.is_statement(i) and ctx.width(i) == base),
        default=line,
    )
    if last == line or first_word(ctx.lines[last]) not in _TERMINAL_KEYWORDS:
        return False
    following = ctx.next_code(end - 1)
    return following < ctx.count and ctx.width(following) == base


def _loop_needs_run(ctx: Ctx, header: int, line: int) -> bool:
    """Does the `while` at ``header`` change none of its condition's names in the block at
    ``line`` but some in the statements after it at that level?"""
    condition = set(_WORD.findall(ctx.lines[header].split("while", 1)[-1])) - KEYWORDS
    first = ctx.block_end(line, "block")
    run = ctx.block_end(line, "para")
    changed_first = set().union(*(_changed_names(ctx.lines[i]) for i in range(line, first)))
    changed_run = set().union(*(_changed_names(ctx.lines[i]) for i in range(first, run)))
    return not condition & changed_first and bool(condition & changed_run)


def _signature(ctx: Ctx, header: int) -> tuple[str, set[str]] | None:
    """The name and parameter names of the `def` at ``header`` (None when it is no `def`
    with its parameters on that line)."""
    match = DEF.match(ctx.lines[header]) if header >= 0 else None
    if not match:
        return None
    params = {p.split(":")[0].split("=")[0].strip(" *") for p in match.group(2).split(",")}
    return match.group(1), params - {""}


def _uses_parameters(ctx: Ctx, header: int, line: int) -> bool:
    """Do statements after the block at ``line``, at its level, use the parameters of the
    `def` at ``header`` (so they belong to its body)?"""
    signature = _signature(ctx, header)
    if signature is None:
        return False
    params = signature[1] - {"self", "cls"}
    end = ctx.block_end(line, "block")
    after = _body_end(ctx, line)
    used = set().union(*(_WORD.findall(ctx.lines[i]) for i in range(end, after)))
    return bool(params & used)


def _else_of_loop_or_if(ctx: Ctx, header: int, width: int) -> bool:
    """Is ``header`` an `else:` that pairs with a `for`/`while` at its own level, while an
    `if`/`elif` at ``width`` above it could take it instead?"""
    if first_word(ctx.lines[header]) != "else":
        return False
    own = ctx.width(header)
    paired = ""
    for i in range(header - 1, max(header - 200, -1), -1):
        if not ctx.is_statement(i):
            continue
        if ctx.width(i) == own and not paired:
            paired = first_word(ctx.lines[i])
        if ctx.width(i) == width:
            return paired in ("for", "while") and first_word(ctx.lines[i]) in ("if", "elif")
        if ctx.width(i) < width:
            return False
    return False


def _reachable_end(ctx: Ctx, line: int, end: int) -> int:
    """``end``, or sooner: after the first `return`/`raise`/`break`/`continue` among the
    statements from ``line`` at its level. What follows one in the same block could never run,
    so it was not meant to be moved into the block (`def add(a, b):` / `return a + b` /
    `print(add(1, 2))`: the call stays outside the function)."""
    base = ctx.width(line)
    for i in range(line, end):
        terminal = first_word(ctx.lines[i]) in _TERMINAL_KEYWORDS
        if terminal and ctx.is_statement(i) and ctx.width(i) == base:
            return min(end, ctx.block_end(i, "line"))
    return end


def _function_at(ctx: Ctx, line: int, width: int) -> int:
    """The `def` whose body a statement at ``line`` indented to ``width`` would be in; -1 when
    none (at most 200 lines up)."""
    for i in range(line - 1, max(line - 200, -1), -1):
        if ctx.is_statement(i) and ctx.width(i) < width:
            if DEF.match(ctx.lines[i]):
                return i
            width = ctx.width(i)  # an `if` or a `for` in between: look past it
            if width == 0:
                return -1
    return -1


def _before_own_call(ctx: Ctx, header: int, line: int, end: int) -> int:
    """``end``, or sooner: before the first statement from ``line`` at its level that calls
    the function `def`ined at ``header`` with arguments that use none of its parameters
    (`greet("Bo")` after `def greet(name):`). That is the call of the finished function: in
    its own body it would recurse forever. A `return` is never one (`return n * f(n - 1)`)."""
    signature = _signature(ctx, header)
    if signature is None:
        return end
    name, params = signature
    call = re.compile(rf"(?<![\w.]){re.escape(name)}\s*\(([^()]*)\)")
    base = ctx.width(line)
    for i in range(line + 1, end):
        if not ctx.is_statement(i) or ctx.width(i) != base:
            continue
        if first_word(ctx.lines[i]) == "return":
            continue
        found = call.search(ctx.lines[i])
        if found and not params & set(_WORD.findall(found.group(1))):
            return i
    return end


def _body_end(ctx: Ctx, line: int) -> int:
    """The statements from ``line`` on at its indentation, with their blocks, up to the next
    definition, decorator or ``if __name__``."""
    end = ctx.block_end(line, "block")
    while end < ctx.count:
        nxt = ctx.next_code(end - 1)
        if nxt >= ctx.count or ctx.width(nxt) != ctx.width(line) or not ctx.is_statement(nxt):
            break
        text = ctx.lines[nxt].lstrip()
        if text.startswith(("def ", "async def ", "@", "class ", "if __name__")):
            break
        end = ctx.block_end(nxt, "block")
    return end


def _methods_end(ctx: Ctx, line: int) -> int:
    """The statements from ``line`` on at its indentation while they are defs or decorators,
    with their blocks."""
    end = ctx.block_end(line, "block")
    while end < ctx.count:
        nxt = ctx.next_code(end - 1)
        text = ctx.lines[nxt].lstrip() if nxt < ctx.count else ""
        if nxt >= ctx.count or ctx.width(nxt) != ctx.width(line):
            break
        if not (text.startswith(("def ", "async def ", "@", "class "))):
            break
        end = ctx.block_end(nxt, "block")
    return end


def gen_unexpected_indent(ctx: Ctx) -> Iterator[Proposal]:
    if ctx.msg != "unexpected indent" or not ctx.is_code(ctx.line):
        return
    line = ctx.line
    title = f"Remove the extra indentation of line {line + 1}"
    for rank, target in enumerate(ctx.levels(line)[:4]):
        for mode, cost in (("block", 0.4), ("line", 0.42), ("run", 0.45)):
            end = ctx.block_end(line, mode)
            moved = ctx.shifted(line, end, target)
            cost += 0.3 * rank + _moved(ctx, line, moved)
            yield ctx.lines_to(line, end, moved, cost, "unexpected-indent", title, line=line + 1)


def gen_misplaced_clause(ctx: Ctx) -> Iterator[Proposal]:
    """An `else`, `elif`, `except` or `finally` indented differently from its `if` or `try`."""
    word = first_word(ctx.lines[ctx.line])
    if ctx.msg != "invalid syntax" or word not in CONTINUATION_KEYWORDS:
        return
    if ctx.col > len(indent_of(ctx.lines[ctx.line])) + len(word):
        return
    width = ctx.width(ctx.line)
    title = f"Line up '{word}' on line {ctx.line + 1} with the statement it belongs to"
    levels = [ws for ws in ctx.levels(ctx.line) if width_of(ws) != width]
    for rank, target in enumerate(levels[:4]):
        function = _function_at(ctx, ctx.line, width_of(target))
        for mode, cost in (("block", 0.5), ("run", 0.55)):
            end = ctx.block_end(ctx.line, mode)
            end = _before_own_call(ctx, function, ctx.line, end)
            moved = ctx.shifted(ctx.line, end, target)
            yield ctx.lines_to(
                ctx.line,
                end,
                moved,
                cost + 0.1 * rank,
                "misplaced-clause",
                title,
                keyword=word,
                line=ctx.line + 1,
            )


def gen_dedent(ctx: Ctx) -> Iterator[Proposal]:
    if not ctx.msg.startswith("unindent does not match") or not ctx.is_code(ctx.line):
        return
    line = ctx.line
    width = ctx.width(line)
    title = f"Re-indent line {line + 1} to match an enclosing block"
    # A header whose block is where it should be goes one level above that block.
    body = ctx.next_code(line)
    if ctx.is_header(line) and body < ctx.count and ctx.width(body) > width:
        above = ctx.width(body) - width_of(ctx.unit)
        for ws in [ws for ws in ctx.levels(line) if width_of(ws) == above][:1]:
            moved = ctx.shifted(line, line + 1, ws)
            yield ctx.lines_to(
                line, line + 1, moved, 0.35, "inconsistent-dedent", title, line=line + 1
            )
    # The nearest level: a space too many or too few. Halfway between two levels (two spaces
    # between 0 and 4), inside the block above or after it are two programs: the deeper one is
    # likelier (the line continues the block), but a guess.
    levels = ctx.levels(line)[:5]
    targets = sorted(levels, key=lambda ws: (abs(width_of(ws) - width), -width_of(ws)))
    viable = [ws for ws in targets if _clause_fits(ctx, line, width_of(ws))]
    gaps = [abs(width_of(ws) - width) for ws in viable[:2]]
    halfway = len(gaps) == 2 and gaps[0] == gaps[1]
    dead = halfway and _dead_after(ctx, line, max(width_of(ws) for ws in viable[:2]))
    if dead:
        # `return 1` at eight spaces, then `return 0` at six: in the deeper block the line
        # could never run, so the outer level is meant.
        shallow = min(viable[:2], key=width_of)
        targets = [shallow, *(ws for ws in targets if ws != shallow)]
        halfway = False
    if halfway:
        # Often only one of the two compiles (`return` at the top level, a line before its
        # block's `else:`): then that one is meant.
        halfway = all(_compiles_at(ctx, line, ws) for ws in viable[:2])
    for rank, target in enumerate(targets):
        for mode, cost in (("run", 0.4), ("block", 0.45), ("line", 0.45)):
            end = ctx.block_end(line, mode)
            moved = ctx.shifted(line, end, target)
            cost += 0.2 * rank + _moved(ctx, line, moved)
            p = ctx.lines_to(line, end, moved, cost, "inconsistent-dedent", title, line=line + 1)
            yield p.as_guess() if halfway else p
    # Or the block above went too deep, and this line is where it should have been.
    previous = ctx.previous_statement(line)
    if previous < 0 or ctx.width(previous) <= width:
        return
    first = previous
    for i in range(previous - 1, -1, -1):
        if ctx.is_statement(i):
            if ctx.width(i) < ctx.width(previous):
                break
            first = i
    if ctx.width(ctx.previous_statement(first)) < width:
        moved = ctx.shifted(first, line, indent_of(ctx.lines[line]))
        title = f"Re-indent lines {first + 1}-{line} to match line {line + 1}"
        cost = 0.45 + _moved(ctx, first, moved)
        p = ctx.lines_to(first, line, moved, cost, "inconsistent-dedent", title, line=first + 1)
        # After a `return` at the block's level, the line lined up with it could never run.
        yield p.as_guess() if halfway or dead else p


_BARE_EXITS = (["break"], ["continue"], ["return"], ["pass"])


def _dead_after(ctx: Ctx, line: int, width: int) -> bool:
    """Is the statement before ``line`` a `return`, `raise`, `break` or `continue` at
    ``width``, so that ``line`` indented there could never run? A bare exit on ``line`` is
    left out: `return y` / `break` is a habit (a `switch` case's), written where it never runs."""
    if ctx.code(line) and [t.text for t in ctx.code(line)] in _BARE_EXITS:
        return False
    previous = ctx.previous_statement(line)
    if previous < 0 or ctx.width(previous) != width:
        return False
    return first_word(ctx.lines[previous]) in _TERMINAL_KEYWORDS


def _compiles_at(ctx: Ctx, line: int, ws: str) -> bool:
    """Does the top-level statement holding ``line`` compile with the line indented by ``ws``
    (the file's other statements left out: they may hold other errors)?"""
    first = line
    while first > 0 and not (
        ctx.is_statement(first)
        and ctx.width(first) == 0
        and first_word(ctx.lines[first]) not in CONTINUATION_KEYWORDS
    ):
        first -= 1
    last = line + 1
    while last < ctx.count and not (
        ctx.is_statement(last)
        and ctx.width(last) == 0
        and first_word(ctx.lines[last]) not in CONTINUATION_KEYWORDS
    ):
        last += 1
    if last - first > 2000:
        return True  # too long to check here: take it as compiling (the reading stays a guess)
    lines = ctx.lines[first:last]
    lines[line - first] = ws + ctx.lines[line].lstrip(" \t")
    try:
        compile("\n".join(lines) + "\n", "<indent>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


_CLAUSE_HEADS = {
    "else": frozenset({"if", "elif", "for", "while", "try", "except"}),
    "elif": frozenset({"if", "elif"}),
    "except": frozenset({"try", "except"}),
    "finally": frozenset({"try", "except", "else"}),
}


def _clause_fits(ctx: Ctx, line: int, width: int) -> bool:
    """Could ``line`` stand at ``width``? A clause (`else:`, `except:`) only where the
    statement above at that level heads its chain."""
    heads = _CLAUSE_HEADS.get(first_word(ctx.lines[line]))
    if heads is None:
        return True
    above = ctx.previous_statement(line)
    while above >= 0 and ctx.width(above) > width:
        above = ctx.previous_statement(above)
    return above >= 0 and ctx.width(above) == width and first_word(ctx.lines[above]) in heads


def gen_shallow_line(ctx: Ctx) -> Iterator[Proposal]:
    """A line indented less than the code on both sides of it, which is not a block header:
    the line lost its indentation (`x = 1` flush left inside a function), so the line after it
    looks over-indented. CPython reports that next line, or the line itself."""
    if not ctx.msg.startswith(INDENT_MESSAGES) and not _OUTSIDE.match(ctx.msg):
        return
    for distance, line in enumerate(range(ctx.line, max(ctx.line - 4, -1), -1)):
        if not ctx.is_statement(line) or ctx.is_header(line):
            continue
        previous = ctx.previous_statement(line)
        following = ctx.next_code(line)
        if previous < 0 or following >= ctx.count or not ctx.is_statement(following):
            continue
        width = ctx.width(line)
        if ctx.width(following) <= width or ctx.width(previous) <= width - 1:
            continue
        if ctx.width(previous) < width:
            continue
        targets = [indent_of(ctx.lines[following])]
        if ctx.is_header(previous):
            targets.insert(0, indent_of(ctx.lines[previous]) + ctx.unit)
        else:
            targets.append(indent_of(ctx.lines[previous]))
        valid = indent_of(ctx.lines[line]) in ctx.levels(line)
        title = f"Indent line {line + 1} like the lines around it"
        for rank, target in enumerate(dict.fromkeys(targets)):
            if width_of(target) <= width:
                continue
            cost = (0.43 if valid else 0.37) + 0.1 * rank + 0.03 * distance
            # The replaced lines start at ``previous``, so the compiled window holds the block.
            moved = ctx.lines[previous:line] + ctx.shifted(line, line + 1, target)
            yield ctx.lines_to(
                previous, line + 1, moved, cost, "missing-indent-line", title, line=line + 1
            )


def gen_tabs(ctx: Ctx) -> Iterator[Proposal]:
    if not ctx.msg.startswith("inconsistent use of tabs and spaces"):
        return
    line = ctx.line
    title = f"Replace the tabs in the indentation of line {line + 1} with spaces"
    # The tabs are fixed throughout the top-level statement holding the line.
    block_start = line
    while block_start > 0 and not (ctx.is_statement(block_start) and ctx.width(block_start) == 0):
        block_start -= 1
    block_end = line + 1
    while block_end < ctx.count and not (ctx.is_statement(block_end) and ctx.width(block_end) == 0):
        block_end += 1
    unit_width = 8 if ctx.unit == "\t" else len(ctx.unit.expandtabs(8))
    for size, cost in ((unit_width, 0.4), (8, 0.45), (4, 0.5)):
        ws = indent_of(ctx.lines[line])
        yield ctx.put(line, 0, len(ws), ws.expandtabs(size), cost, "tab-indent", title)
        new_lines = [
            indent_of(t).expandtabs(size) + t[len(indent_of(t)) :] if ctx.is_code(i) else t
            for i, t in enumerate(ctx.lines[block_start:block_end], block_start)
        ]
        yield ctx.lines_to(
            block_start, block_end, new_lines, cost + 0.05, "tab-indent", title, line=line + 1
        )


def gen_outside(ctx: Ctx) -> Iterator[Proposal]:
    match = _OUTSIDE.match(ctx.msg)
    if not match or not ctx.is_code(ctx.line):
        return
    word, container = match.group(1), match.group(2)
    line = ctx.line
    previous = ctx.previous_statement(line)
    if previous < 0:
        return
    ws = indent_of(ctx.lines[previous])
    targets = (
        [ws + ctx.unit] if ctx.code(previous)[-1:] and ctx.code(previous)[-1].text == ":" else []
    )
    targets += [ws]
    # The body of the nearest enclosing function (or loop) above: a `return` after a loop
    # usually ends the function rather than the loop's last iteration.
    heads = ("def", "async") if container == "function" else ("for", "while", "async")
    for i in range(previous, max(previous - 400, -1), -1):
        if ctx.is_statement(i) and first_word(ctx.lines[i]) in heads and ctx.is_header(i):
            # Where its body is, even when that is not one unit deeper.
            first = ctx.next_code(i)
            deeper = first < line and ctx.width(first) > ctx.width(i)
            body = indent_of(ctx.lines[first]) if deeper else indent_of(ctx.lines[i]) + ctx.unit
            if body in targets:
                targets.remove(body)
            targets.insert(0, body)
            break
    title = f"Indent '{word}' into the {container} body"
    for rank, target in enumerate(targets):
        if width_of(target) <= ctx.width(line):
            continue
        # Right after a `return` at the same level the line could never run: not the place
        # the author meant (`return x` / `return f(1)` at the top level).
        dead = ctx.width(previous) == width_of(target)
        dead = dead and first_word(ctx.lines[previous]) in _TERMINAL_KEYWORDS
        for mode, cost in (("block", 0.5), ("run", 0.6)):
            end = ctx.block_end(line, mode)
            # From ``previous`` on, so the compiled window holds the block it joins.
            moved = ctx.lines[previous:line] + ctx.shifted(line, end, target)
            p = ctx.lines_to(
                previous,
                end,
                moved,
                cost + 0.2 * rank,
                "outside-block",
                title,
                keyword=word,
                container=container,
                line=line + 1,
                ref_line=previous + 1,
            )
            yield p.as_guess() if dead else p


_LATE_INDENT_MESSAGES = (
    "'return' outside function",
    "'yield' outside function",
    "'break' outside loop",
    "'continue' not properly in loop",
    "'await' outside function",
    "unindent does not match any outer indentation level",
)


def gen_dedented_header(ctx: Ctx) -> Iterator[Proposal]:
    """`for j in xs:` pushed left of its own block, which stays where it was: CPython only
    complains later (a `return` outside the function, an unindent matching no level). The
    header goes back one level above its body, if the statement before it allows that."""
    if not ctx.msg.startswith(_LATE_INDENT_MESSAGES):
        return
    unit = width_of(ctx.unit)
    for header in range(ctx.line - 1, max(ctx.line - 60, -1), -1):
        if not ctx.is_statement(header) or not ctx.is_header(header):
            continue
        body = ctx.next_code(header)
        if body >= ctx.count or body > ctx.line:
            continue
        target = ctx.width(body) - unit
        previous = ctx.previous_statement(header)
        if ctx.width(header) >= target or previous < 0 or ctx.width(previous) < target:
            continue
        if ctx.width(previous) == target or ctx.is_header(previous):
            moved = ctx.shifted(header, header + 1, " " * target)
            title = f"Indent line {header + 1} back to the level of its block"
            word = first_word(ctx.lines[header])
            yield ctx.lines_to(
                header,
                header + 1,
                moved,
                0.4,
                "dedented-header",
                title,
                line=header + 1,
                keyword=word,
                error_line=ctx.line + 1,
            )
        return
