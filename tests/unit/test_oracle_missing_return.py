"""The test-driven repair's "lost return" class: a value computed and thrown away."""

from __future__ import annotations

import ast

from debugllm.oracle.mutations import mutations


def _returns(source: str, name: str) -> list[str]:
    tree = ast.parse(source)
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    return [m.apply(source) for m in mutations(source, function) if m.kind == "missing-return"]


SINGULAR = (
    "import re\n\n\ndef singularize(word, rules):\n"
    "    for rule, replacement in rules:\n"
    "        if re.search(rule, word):\n"
    "            re.sub(rule, replacement, word)\n"
    "    return word\n"
)


def test_a_value_thrown_away_inside_a_block_gets_its_return_back() -> None:
    fixed = SINGULAR.replace("            re.sub(", "            return re.sub(")
    assert fixed in _returns(SINGULAR, "singularize")


def test_calls_made_for_their_effect_and_generators_are_left_alone() -> None:
    effects = (
        "def collect(xs, out):\n    for x in xs:\n        out.append(x)\n"
        "        print(x)\n    return out\n"
    )
    assert _returns(effects, "collect") == []
    generator = "def gen(xs):\n    for x in xs:\n        x + 1\n        yield x\n"
    assert _returns(generator, "gen") == []


def test_a_lone_literal_in_a_branch_is_a_lost_return_but_a_docstring_is_not() -> None:
    source = (
        'def ordinal(number):\n    """The suffix."""\n    if number % 100 in (11, 12, 13):\n'
        '        "th"\n    else:\n        return {1: "st"}.get(number % 10, "th")\n'
    )
    assert _returns(source, "ordinal") == [source.replace('        "th"', '        return "th"')]
