"""Plain-language explanations, one template per repair kind.

Each explanation is one or two sentences for a beginner, naming the line and the token, in the
voice of: "The `for` loop statement was missing the required colon ':' that marks the start of a
loop block in Python." Templates are ``str.format`` strings; ``explain`` fills them from the
facts a repair knows (``line``, ``token``, ``name`` ...), and never fails on a missing fact.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

CATALOG: dict[str, str] = {
    # --- syntax repairs (the debugllm.repair.syntax package) -------------------------------
    "missing-colon": "The {statement} on line {line} was missing the required colon ':' that "
    "marks the start of its {block} in Python.",
    "missing-dict-colon": "In the dictionary on line {line}, the key {token} was not followed by "
    "a colon ':'; every entry is written as key: value.",
    "unclosed-bracket": "The opening bracket '{token}' on line {opener_line} was never closed, so "
    "Python could not tell where the expression ends; the missing '{closer}' was added on line "
    "{line}.",
    "unmatched-bracket": "Line {line} has a closing '{token}' with no opening bracket to match "
    "it, so the extra '{token}' was removed.",
    "mismatched-bracket": "On line {line} the closing '{token}' does not match the opening "
    "'{opener}' it should close; brackets come in matching pairs, so it was changed to "
    "'{closer}'.",
    "missing-opener": "The closing '{token}' on line {line} has no opening '{opener}' to match "
    "it; the missing '{opener}' was inserted where the bracketed part begins.",
    "unterminated-string": "The string that starts with {quote} on line {line} was never closed, "
    "so Python read the rest of the line as text; the closing {quote} was added.",
    "mismatched-quote": "The string on line {line} starts with {token} but ends with {other}; a "
    "string must end with the same kind of quote it starts with, so the closing quote was "
    "changed to {token}.",
    "stray-quote": "The quote {token} before `{name}` on line {line} started a string by mistake; "
    "`{name}` is a variable here, so the stray quote was removed.",
    "bare-generator": "The generator expression (`... for ... in ...`) on line {line} needs "
    "its own parentheses here: Python accepts it bare only as a call's sole argument; they were "
    "added.",
    "missing-call-parentheses": "`{token}` on line {line} is a function (it is called with "
    "parentheses everywhere else), so the value after it was put in parentheses as its argument.",
    "trailing-quote": "The quote {token} at the end of line {line} started a string that "
    "nothing follows; the code before it is complete, so the stray quote was removed.",
    "unterminated-triple-string": "The triple-quoted string that starts with {token} on line "
    "{line} was never closed, so Python read all the code after it as part of the string; the "
    "closing {token} was added on line {at_line}.",
    "missing-indent": "The {statement} on line {header_line} must be followed by an indented "
    "block, but line {line} was not indented; it was indented one level deeper so that it "
    "belongs to the {block}.",
    "dedented-header": "The `{keyword}` statement on line {line} was indented less than the "
    "block under it, so Python only noticed the problem on line {error_line}; it was indented "
    "back to one level above its block.",
    "missing-indent-line": "Line {line} was indented less than the lines before and after it, "
    "which belong to the same block; it was indented to line up with them.",
    "empty-block": "The {statement} on line {header_line} has no indented body; Python needs at "
    "least one statement there, so a `pass` placeholder was added.",
    "unexpected-indent": "Line {line} was indented further than the code before it, but nothing "
    "above it opens a new block; it was moved back to line up with the surrounding code.",
    "inconsistent-dedent": "Line {line} was unindented to a level that matches none of the "
    "blocks around it; it was re-indented to line up with the block it belongs to.",
    "tab-indent": "Line {line} mixes tabs and spaces in its indentation, so Python cannot tell "
    "how deeply it is indented; the tabs were replaced by spaces.",
    "outside-block": "`{keyword}` on line {line} is only allowed inside a {container}, but the "
    "line was not indented under one; it was indented to line up with line {ref_line}.",
    "assign-in-condition": "The condition on line {line} used '=' (assignment) where a "
    "comparison was meant; Python tests whether two values are equal with '=='.",
    "assign-in-value": "Line {line} has a second '=' after the assignment's own '='; Python "
    "cannot assign to the expression before it. A comparison ('==') is one reading, but another "
    "operator may have been meant.",
    "missing-operator": "On line {line}, `{left}` and `{right}` stand side by side with no "
    "operator between them; '{operator}' is the likeliest one there, but check that it is the "
    "one you meant.",
    "missing-comma": "On line {line}, {left} and {right} were written next to each other without "
    "a comma between them; a comma was added to separate the items.",
    "print-statement": "Line {line} uses the Python 2 `{token}` statement; in Python 3 `{token}` "
    "is a function, so its arguments go in parentheses: {token}(...).",
    "else-if": "Line {line} writes 'else if', which Python does not understand; Python spells it "
    "as the single keyword `elif`.",
    "keyword-typo": "`{token}` on line {line} looks like a misspelling of the Python keyword "
    "`{keyword}`, so Python could not understand the statement; it was corrected to "
    "`{keyword}`.",
    "foreign-syntax": "`{token}` on line {line} is syntax from languages like C or JavaScript, "
    "not Python; Python writes it as `{replacement}`.",
    "foreign-declaration": "`{token}` on line {line} declares a variable in languages like "
    "JavaScript or Java; Python has no such keyword (a variable is created simply by assigning "
    "to it), so `{token}` was removed.",
    "foreign-declaration-line": "Line {line} declares `{name}` with `{token}` and no value, as "
    "JavaScript or Java do; Python needs no declaration (a variable is created by assigning to "
    "it), so the line was removed.",
    "foreign-import": "Line {line} (`{token}`) brings in a library the way Java, C# or C++ do; "
    "Python has no such statement, so the line was turned into a comment (import what the code "
    "needs with Python's `import`).",
    "line-continuation": "Line {line} ends with '{token}', so the statement carries on to the "
    "next line; Python needs a backslash '\\' at the end of the line (or brackets around the "
    "expression) to continue a statement.",
    "missing-token": "Python expected '{token}' on line {line} to complete the statement, so it "
    "was inserted where it fits.",
    "extra-token": "Line {line} has an extra '{token}' that Python cannot make sense of here, so "
    "it was removed.",
    "misplaced-clause": "The `{keyword}` on line {line} was not lined up with the statement it "
    "belongs to; `{keyword}` must have exactly the same indentation as its `if`, `for`, "
    "`while` or `try`.",
    "spaced-name": "Line {line} has two words side by side where Python expects one name; a "
    "name cannot contain a space, so they were joined as `{name}` (everywhere they appear).",
    "wrong-separator": "On line {line}, '{token}' stands between two items inside brackets, "
    "where Python separates items with a comma ','; it was changed to ','.",
    "brace-block": "Line {line} opens its block with `{{` and closes it with `}}`, as C, Java "
    "and JavaScript do; Python ends the header with ':' and marks the block by indentation "
    "alone, so the braces were replaced.",
    "def-parentheses": "The function definition on line {line} has no parentheses after the "
    "name `{name}`; a `def` always needs them, even around an empty parameter list (a method's "
    "first parameter is `self`, a class method's `cls`): `def {name}({params}):`.",
    "code-fence": "Line {line} is the fence of a Markdown code block (three backticks, maybe "
    "with a language name), copied along with the code from a chat or a web page. It is not "
    "Python, so the line was removed; the code between the fences is kept as it was.",
    "hyphenated-name": "`{token}` on line {line} is meant as one name, but Python reads a "
    "`-` as subtraction, and a subtraction cannot be given a value. Names join words with "
    "`_` instead, so it was renamed `{name}` everywhere the file writes it.",
    "reversed-assignment": "Line {line} has the value on the left of `=` and the name "
    "`{name}` on the right, as in mathematics; Python assigns the other way round, the name "
    "first: `{name} = {value}`. `{name}` is not defined before that line and is used after it, "
    "so it is the variable being given a value.",
    "lambda-return": "The lambda on line {line} has `return` before its value, but a "
    "lambda's body is already the value it returns, so `return` cannot be written there; it "
    "was removed (`lambda x: x * 2`). A function that needs statements is written with `def`.",
    "for-without-in": "The `for` loop on line {line} has no `in` between its variable "
    "`{target}` and what it loops over; a loop is written `for {target} in ...:`.",
    "bare-elif": "`elif` on line {line} has no condition, but `elif` always takes one; a "
    "branch that runs when nothing before matched is written `else:` (or write the condition "
    "you meant after `elif`).",
    "else-condition": "`else` on line {line} is followed by a condition, but `else` takes none "
    "(it runs when nothing before matched); a branch with a condition is written `elif`.",
    "bare-symbol": "On line {line}, the symbol {token} stands alone where a value is needed; "
    "text must be put in quotes to be a string, so it was written as '{token}'.",
    "joined-assignments": "Line {line} writes two assignments as one statement, which Python "
    "cannot read (it would try to assign to an expression); each assignment now has its own "
    "line.",
    "split-operator": "On line {line}, the operator '{token}' was typed with a space inside it; "
    "Python only recognises it written without the space.",
    "reversed-operator": "On line {line}, '{token}' is written backwards; Python writes this "
    "comparison as '{replacement}' (the '=' comes second).",
    "parenthesized-exceptions": "Line {line} lists several exception types after `except` "
    "without parentheses; Python 3 needs them in parentheses, `except ({token}):`, to catch any "
    "of them.",
    "leading-zeros": "The number {token} on line {line} starts with a zero; Python 3 does not "
    "allow leading zeros in a decimal number (Python 2 read them as octal), so it was written "
    "{replacement}.",
    "python2-syntax": "`{token}` on line {line} is Python 2 syntax, which Python 3 no longer "
    "accepts; Python 3 writes it as `{replacement}`.",
    "missing-open-quote": "The text {token} on line {line} was meant as a string, but its "
    "opening quote {quote} was missing, so Python read the closing quote as the start of a new "
    "string; the opening quote was added.",
    "stray-escape": "On line {line}, `{token}` stands outside any string; escapes such as "
    "`\\n` only mean something inside quotes, so it was removed (move it into the string if "
    "you meant a line break there).",
    "repl-prompt": "Line {line} starts with the interactive interpreter's `>>>` prompt, which "
    "was copied along with the code; a program holds only the code, so the prompts were "
    "removed (and any output the session printed turned into comments).",
    "prose-line": "Line {line} is a sentence, not Python code, so Python cannot run it; it was "
    "turned into a comment by putting '#' in front of it.",
    "apostrophe": "On line {line}, the apostrophe in `{text}` is the same character as the quotes"
    " around the string, so Python ended the string there; the string is now written in {quote}"
    " quotes, so the apostrophe is part of the text.",
    "lookalike-character": "Line {line} has {token}: characters that look like Python's but"
    " are others ({codes}), as a word processor, a web page or a document puts in, so Python"
    " cannot read them; they were replaced by the plain keyboard characters Python expects.",
    "fstring-brace": "On line {line}, the value `{field}` in the f-string starts with a curly"
    " bracket but the string ends before the closing one, so Python cannot tell where the value"
    " stops; the closing curly bracket was added after it.",
    "unquoted-string": "On line {line}, {token} is text, but it was not in quotes, so Python "
    "read the words as names; text is written between quotes to make a string.",
    "dangling-operator": "On line {line}, '{token}' has nothing after it, so Python cannot "
    "finish the calculation; it was removed (if a value is missing after it, add that value "
    "instead).",
    "missing-keyword-equals": "On line {line}, `{token}` is one of print's settings, given as "
    "{token}=value; the '=' between `{token}` and its value was missing.",
    "escaped-quote": "On line {line}, the backslash before the closing quote {quote} turned it "
    "into a quote inside the text, so the string never ended; a backslash in text is written "
    "as '\\\\'.",
    "digit-name": "`{token}` on line {line} is used as a variable, but a name cannot start with "
    "a digit (Python reads the digits as a number); it was renamed `{name}` in all {count} "
    "places it appears.",
    "lost-plus": "On line {line}, {left} and {right} stand side by side in a value built with "
    "'+'; Python cannot join two values without an operator, so the lost '+' was added.",
    "dot-subscript": "On line {line}, a '.' stands between a value and its index in square "
    "brackets; Python writes an index right after the value (`s[0]`), so the '.' was removed.",
    "glued-statement": "Line {line} holds two statements typed one after the other without "
    "the line break between them; `print(...)` was put on a line of its own.",
    "declared-container": "`{name}{token}` on line {line} declares an empty {what} the way C or "
    "Java declare a variable; Python creates it by assigning it: `{name} = {token}`.",
    "comprehension-element": "The list comprehension on line {line} says what to loop over but "
    "not what to collect; the loop variable `{name}` was put before `for` (write the value you "
    "meant, such as `int({name})`, if it is not the variable itself).",
    "keyword-as-name": "`{token}` on line {line} is a Python keyword, which cannot be used as a "
    "variable name; it was renamed `{name}` wherever it stands as a name (choose another name "
    "if you prefer).",
    "commented-out": "Python could not understand line {line}, and no repair is certain; the "
    "line was turned into a comment so the rest of the file can run. Rewrite it in the form "
    "you meant.",
    # --- end syntax repairs ---
    # --- static-check repairs (debugllm.repair.semantic) ----------------------------------
    "name-typo": (
        "On line {line}, `{name}` is not defined; it looks like a typo of `{suggestion}`,"
        " {defined}."
    ),
    "python2-builtin": (
        "`{name}` on line {line} is a Python 2 built-in that Python 3 renamed; Python 3 calls it"
        " `{suggestion}`, which does the same."
    ),
    "missing-import": (
        "On line {line}, `{name}` is used but was never imported; adding `{statement}` at the"
        " top of the file makes it available."
    ),
    "unused-import": (
        "Line {line} imports `{name}`, but nothing in the file uses it, so the import can be"
        " removed."
    ),
    "index-off-by-one": (
        "On line {line}, `{name}[{index}]` asks for a position that does not exist: `{name}` has"
        " {count} and Python counts from 0, so the last one is `{name}[{last}]`."
    ),
    "index-out-of-range": (
        "On line {line}, `{name}` has only {count}, so index {index} does not exist;"
        " `{name}[-1]` reads the last {unit} instead, which may not be the one you meant."
    ),
    "is-literal": (
        "On line {line}, `{expression}` uses `{word}`, which checks whether two things are the"
        " very same object rather than equal values; `{operator}` compares the values."
    ),
    "mutable-default": (
        "On line {line}, the default `{default}` for `{name}` is created only once and shared by"
        " every call to `{function}`, so changes leak from one call to the next; defaulting to"
        " `None` and creating a fresh value inside the function avoids this."
    ),
    "missing-global": (
        "On line {line}, `{name}` is assigned inside `{function}`, which makes Python treat it"
        " as a new local variable with no value yet; declaring `{keyword} {name}` makes the"
        " function use the `{name}` defined on line {defined_line}."
    ),
    # --- end static-check repairs ---
    "model-fix": "DebugLLM's model rewrote {where} to fix the bug: {summary}",
    # debugllm.oracle (the failing tests verify it; report.py adds the bug class and the tests)
    "test-fix": "A small edit of {where} makes the failing tests pass and breaks no other test.",
}


class _Facts(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"


def explain(kind: str, facts: Mapping[str, object] | None = None) -> str:
    """The catalog sentence for ``kind`` with ``facts`` filled in."""
    template = CATALOG.get(kind)
    if template is None:
        return f"DebugLLM fixed a problem of kind '{kind}' on line {{line}}.".format_map(
            _Facts(facts or {})
        )
    return string.Formatter().vformat(template, (), _Facts(facts or {}))
