"""Which fixes may be applied unasked: ``safe`` and ``unsafe`` fixes (ruff's "applicability").

A fix is *safe* only when it restores the one program the author evidently meant and changes no
behaviour of working code. Everything else is *unsafe*: offered for review, never the preferred
quick fix, never applied by ``source.fixAll.debugllm`` or ``debugllm fix --write`` unless the user
opted in (``--unsafe-fixes``, the ``debugllm.unsafeFixes`` setting, ``unsafe-fixes`` in
``[tool.debugllm]``).

Syntax repairs run only on a file CPython cannot compile, so they cannot change what working
code does; they are safe unless the engine had to pick one of several programs (which operator
was lost, ``==`` for a second ``=``), which it marks as a guess. Fixes of the static checks run
on code that compiles and may be correct, so each is unsafe unless it cannot change behaviour.
README.md ("Safe and unsafe fixes") holds the same table for users; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Applicability = Literal["safe", "unsafe"]

#: Every fix kind (the ``kind`` of a candidate, the key of its explanation in the catalog).
#: A kind missing here is unsafe.
KIND_APPLICABILITY: Mapping[str, Applicability] = {
    # Syntax repairs: the file does not run; the repair supplies what CPython asked for.
    "missing-colon": "safe",
    "missing-dict-colon": "safe",
    "unclosed-bracket": "safe",
    "unmatched-bracket": "safe",
    "mismatched-bracket": "safe",
    "missing-opener": "safe",
    "unterminated-string": "safe",
    "mismatched-quote": "safe",
    "stray-quote": "safe",
    "trailing-quote": "safe",
    "unterminated-triple-string": "safe",
    "bare-generator": "safe",
    "missing-call-parentheses": "safe",
    "missing-indent": "safe",
    "dedented-header": "safe",
    "missing-indent-line": "safe",
    "empty-block": "safe",
    "unexpected-indent": "safe",
    "inconsistent-dedent": "safe",
    "tab-indent": "safe",
    "outside-block": "safe",
    "misplaced-clause": "safe",
    "line-continuation": "safe",
    "print-statement": "safe",
    "else-if": "safe",
    "keyword-typo": "safe",
    "foreign-syntax": "safe",
    "foreign-declaration": "safe",
    "foreign-declaration-line": "safe",
    "foreign-import": "safe",
    "assign-in-condition": "safe",
    "missing-comma": "safe",
    "missing-token": "safe",
    "extra-token": "safe",
    # Beginners' slips whose repair is the only program that fits (server/.../novice.py).
    "wrong-separator": "safe",
    "else-condition": "safe",
    "bare-elif": "unsafe",
    "brace-block": "safe",
    "def-parentheses": "safe",
    "for-without-in": "safe",
    "lambda-return": "safe",
    "reversed-assignment": "safe",
    "hyphenated-name": "safe",
    "code-fence": "safe",
    "bare-symbol": "safe",
    "joined-assignments": "safe",
    "split-operator": "safe",
    "reversed-operator": "safe",
    "python2-syntax": "safe",
    "leading-zeros": "safe",
    "parenthesized-exceptions": "safe",
    "missing-open-quote": "safe",
    "prose-line": "safe",
    "repl-prompt": "safe",
    "unquoted-string": "safe",
    "apostrophe": "safe",
    "fstring-brace": "safe",
    "lookalike-character": "safe",
    "missing-keyword-equals": "safe",
    "escaped-quote": "safe",
    "digit-name": "safe",
    "lost-plus": "safe",
    "dot-subscript": "safe",
    "declared-container": "safe",
    "glued-statement": "safe",
    "comprehension-element": "safe",
    # An escape outside a string may have been meant inside the string next to it.
    "stray-escape": "unsafe",
    # An operand may have been lost after it rather than the operator typed by mistake.
    "dangling-operator": "unsafe",
    # A rename: the author may prefer another name.
    "keyword-as-name": "unsafe",
    # A name typed as two words (`total price`) may be two names that lost a comma.
    "spaced-name": "unsafe",
    # The last resort when no repair is certain: the line's code is lost until rewritten.
    "commented-out": "unsafe",
    # One of several programs: the engine cannot know which operator or comparison was meant.
    "assign-in-value": "unsafe",
    "missing-operator": "unsafe",
    # Static checks: the file compiles and may be correct.
    # An import of a standard module for a name used only as that module (``os.path``); an
    # import of a member (``from math import sqrt``) is a guess, marked so by the repair.
    "missing-import": "safe",
    # `raw_input(...)` -> `input(...)` in a file that binds neither name: Python 3's name for it.
    "python2-builtin": "safe",
    # A rename picks one of the visible names; a re-export looks unused to a one-file check.
    "name-typo": "unsafe",
    "unused-import": "unsafe",
    # Each changes what the code computes.
    "index-off-by-one": "unsafe",
    "index-out-of-range": "unsafe",
    "is-literal": "unsafe",
    "mutable-default": "unsafe",
    "missing-global": "unsafe",
    # The remote model's answer: untrusted, whatever the verifier says.
    "model-fix": "unsafe",
    # A fix found by running the user's tests (``debugllm fix --test``): it changes what the
    # code computes, and the tests are its only witness.
    "test-fix": "unsafe",
}


def applicability_of(kind: str, *, guess: bool, changes_behaviour: bool) -> Applicability:
    """A kind's applicability, made unsafe by the repair's own doubts about one fix."""
    if guess or changes_behaviour:
        return "unsafe"
    return KIND_APPLICABILITY.get(kind, "unsafe")
