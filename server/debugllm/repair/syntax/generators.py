"""All generators in the order they run, and the proposals they make for an error (of two making
the same edit at the same cost, the earlier generator's is kept)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from debugllm.repair.syntax.brackets import (
    gen_mismatch,
    gen_missing_opener,
    gen_never_closed,
    gen_open_in_line,
    gen_unmatched,
)
from debugllm.repair.syntax.characters import gen_lookalike
from debugllm.repair.syntax.context import MAX_LINE, Ctx, Proposal
from debugllm.repair.syntax.foreign import gen_brace_block, gen_foreign
from debugllm.repair.syntax.generic import gen_generic
from debugllm.repair.syntax.indentation import (
    gen_dedent,
    gen_dedented_header,
    gen_indented_block,
    gen_misplaced_clause,
    gen_outside,
    gen_shallow_line,
    gen_tabs,
    gen_unexpected_indent,
)
from debugllm.repair.syntax.novice import (
    gen_assignments_as_expression,
    gen_backtick_repr,
    gen_bare_elif,
    gen_bare_symbol,
    gen_builtin_call,
    gen_code_fence,
    gen_colon_and_block,
    gen_comprehension_element,
    gen_dangling_operator,
    gen_declared_container,
    gen_def_parentheses,
    gen_digit_name,
    gen_dot_subscript,
    gen_else_condition,
    gen_escaped_quote,
    gen_except_comma,
    gen_for_without_in,
    gen_glued_statement,
    gen_hyphenated_name,
    gen_joined_assignments,
    gen_keyword_argument,
    gen_keyword_as_name,
    gen_lambda_return,
    gen_long_suffix,
    gen_lost_plus,
    gen_missing_open_quote,
    gen_operator_typo,
    gen_prose_line,
    gen_python2_operator,
    gen_raise_comma,
    gen_repl_prompt,
    gen_reversed_assignment,
    gen_spaced_name,
    gen_stray_escape,
    gen_unquoted_string,
    gen_wrong_separator,
)
from debugllm.repair.syntax.slips import (
    gen_assign_in_condition,
    gen_assign_in_value,
    gen_bare_generator,
    gen_continuation,
    gen_keyword_typo,
    gen_leading_zeros,
    gen_missing_call,
    gen_missing_colon,
    gen_missing_comma,
    gen_missing_operator,
    gen_number_name,
    gen_print,
    gen_starred_target,
    gen_unparenthesized_generator,
)
from debugllm.repair.syntax.strings import gen_fstring_brace, gen_string, gen_triple_string

Generator = Callable[[Ctx], Iterator[Proposal]]

GENERATORS: tuple[Generator, ...] = (
    gen_missing_colon,
    gen_colon_and_block,
    gen_brace_block,
    gen_def_parentheses,
    gen_for_without_in,
    gen_never_closed,
    gen_open_in_line,
    gen_unmatched,
    gen_mismatch,
    gen_missing_opener,
    gen_string,
    gen_fstring_brace,
    gen_lookalike,
    gen_escaped_quote,
    gen_missing_open_quote,
    gen_triple_string,
    gen_indented_block,
    gen_unexpected_indent,
    gen_dedent,
    gen_misplaced_clause,
    gen_tabs,
    gen_outside,
    gen_shallow_line,
    gen_assign_in_condition,
    gen_assign_in_value,
    gen_wrong_separator,
    gen_operator_typo,
    gen_joined_assignments,
    gen_assignments_as_expression,
    gen_python2_operator,
    gen_except_comma,
    gen_raise_comma,
    gen_reversed_assignment,
    gen_hyphenated_name,
    gen_lambda_return,
    gen_long_suffix,
    gen_backtick_repr,
    gen_stray_escape,
    gen_code_fence,
    gen_prose_line,
    gen_repl_prompt,
    gen_glued_statement,
    gen_declared_container,
    gen_comprehension_element,
    gen_unquoted_string,
    gen_else_condition,
    gen_bare_elif,
    gen_bare_symbol,
    gen_builtin_call,
    gen_digit_name,
    gen_lost_plus,
    gen_dot_subscript,
    gen_spaced_name,
    gen_keyword_argument,
    gen_keyword_as_name,
    gen_missing_comma,
    gen_starred_target,
    gen_print,
    gen_keyword_typo,
    gen_foreign,
    gen_continuation,
    gen_bare_generator,
    gen_unparenthesized_generator,
    gen_number_name,
    gen_leading_zeros,
    gen_dedented_header,
    gen_missing_operator,
    gen_missing_call,
    gen_dangling_operator,
    gen_generic,
)


def propose(ctx: Ctx) -> list[Proposal]:
    best: dict[tuple[int, int, str], Proposal] = {}
    if len(ctx.lines[ctx.line]) > MAX_LINE:
        return []
    for generator in GENERATORS:
        for p in generator(ctx):
            key = (p.first, p.last, p.text)
            if p.text != ctx.raw(p.first, p.last) and (key not in best or p < best[key]):
                best[key] = p
    return sorted(best.values())
