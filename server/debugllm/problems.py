"""What is wrong with a file: the engine's own diagnostics, independent of the LSP types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class Severity(IntEnum):
    """Same numbering as LSP's DiagnosticSeverity."""

    ERROR = 1
    WARNING = 2
    INFORMATION = 3
    HINT = 4


class Code:
    """Stable diagnostic codes; editors and users may filter on them, so never rename one."""

    SYNTAX_ERROR = "syntax-error"
    INDENTATION_ERROR = "indentation-error"
    TAB_ERROR = "tab-error"
    UNDEFINED_NAME = "undefined-name"
    UNUSED_IMPORT = "unused-import"
    USED_BEFORE_ASSIGNMENT = "used-before-assignment"
    INDEX_OUT_OF_RANGE = "index-out-of-range"
    LITERAL_IS_COMPARISON = "is-literal"
    MUTABLE_DEFAULT = "mutable-default-argument"
    #: Syntax of a newer Python than DebugLLM runs on (a WARNING: it cannot check the file), or
    #: than the project targets (an ERROR). Never a syntax code: the engine must not "fix" it.
    UNSUPPORTED_SYNTAX = "unsupported-syntax"
    # Diagnostics other tools send in a code action's context keep their own code; this one marks
    # the rest of the model-only requests ("fix this function").
    FOREIGN = "foreign"


SYNTAX_CODES = frozenset({Code.SYNTAX_ERROR, Code.INDENTATION_ERROR, Code.TAB_ERROR})


@dataclass(frozen=True)
class Problem:
    """One diagnostic: offsets are code points into the analysed source.

    ``subject`` names what the problem is about (the undefined name, the unused module, the
    sequence indexed) so a verifier can tell the same problem apart from a new one after an edit.
    """

    code: str
    message: str
    start: int
    end: int
    severity: Severity = Severity.ERROR
    subject: str = ""
    source: str = "debugllm"
    #: 1-based line, as CPython reports it (for messages and the CLI).
    line: int = 0
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @property
    def is_syntax(self) -> bool:
        return self.code in SYNTAX_CODES

    def key(self) -> tuple[str, str]:
        """Identity that survives edits elsewhere in the file (offsets do not)."""
        return (self.code, self.subject)
