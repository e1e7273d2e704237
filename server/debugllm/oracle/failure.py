"""Reading a failure: pytest's report or a plain Python traceback.

The result is the frames (file, line), the exception and its message, and the failing tests'
node ids, in the order the output gives them; ``innermost_user_frame`` picks the frame in the
user's own code (not the standard library, not an installed package) where the diagnostic goes.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

# `  File "path.py", line 12, in name` (a Python traceback, or pytest --tb=native)
_NATIVE_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>\S+))?')
# `tests/test_x.py:12: AssertionError` or `pkg/mod.py:3: ` (pytest's long and short styles)
_PYTEST_FRAME = re.compile(
    r"^(?P<path>[^\s:][^:]*\.py):(?P<line>\d+):(?: in (?P<func>\S+)| (?P<exc>[\w.]+))?\s*$"
)
# `E       ZeroDivisionError: division by zero` (pytest's exception lines)
_PYTEST_E = re.compile(r"^E\s+(?P<text>.*)$")
# `FAILED tests/test_x.py::test_add - assert 3 == -1`, `ERROR tests/test_y.py`
_SUMMARY = re.compile(r"^(?:FAILED|ERROR) (?P<node>\S+)(?: - (?P<reason>.*))?$")
# `ValueError: bad`, `mod.Error`, `AssertionError` (the last line of a traceback)
_EXCEPTION = re.compile(
    r"^(?P<name>[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failed|Iteration))(?::\s?(?P<message>.*))?$"
)
_TEST_FILE = re.compile(r"(^|/)(test_[^/]*|[^/]*_test)\.py$")


@dataclass(frozen=True)
class Frame:
    path: str
    line: int
    function: str | None = None


@dataclass
class Failure:
    """What the output of a failed run says."""

    frames: list[Frame] = field(default_factory=list)
    exception: str = ""
    message: str = ""
    failed_tests: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.frames or self.failed_tests)

    def summary(self) -> str:
        if self.exception and self.message:
            return f"{self.exception}: {self.message}"
        return self.exception or self.message or "the test failed"


def parse_failure(output: str) -> Failure:
    """The first failure in ``output`` (pytest's report or a plain traceback)."""
    failure = Failure()
    lines = output.splitlines()
    in_traceback = False
    e_lines: list[str] = []
    first_block_done = False
    for raw in lines:
        line = raw.rstrip()
        summary = _SUMMARY.match(line)
        if summary:
            node = summary.group("node")
            if node not in failure.failed_tests:
                failure.failed_tests.append(node)
            continue
        if first_block_done:
            continue
        if line.startswith("Traceback (most recent call last)"):
            in_traceback = True
            failure.frames = []
            continue
        native = _NATIVE_FRAME.match(line)
        if native:
            failure.frames.append(
                Frame(native.group("path"), int(native.group("line")), native.group("func"))
            )
            continue
        pytest_frame = _PYTEST_FRAME.match(line)
        if pytest_frame:
            failure.frames.append(
                Frame(
                    pytest_frame.group("path"),
                    int(pytest_frame.group("line")),
                    pytest_frame.group("func"),
                )
            )
            if pytest_frame.group("exc"):
                failure.exception = failure.exception or pytest_frame.group("exc")
                first_block_done = True  # the first failing test's report ends here
            continue
        e_line = _PYTEST_E.match(line)
        if e_line:
            e_lines.append(e_line.group("text").strip())
            continue
        exception = _EXCEPTION.match(line.strip())
        if in_traceback and exception and not line.startswith(" "):
            failure.exception = exception.group("name")
            failure.message = (exception.group("message") or "").strip()
            in_traceback = False
            first_block_done = True
    if e_lines and not failure.message:
        head = e_lines[0]
        named = _EXCEPTION.match(head)
        if named:
            failure.exception = failure.exception or named.group("name")
            failure.message = (named.group("message") or "").strip()
        else:
            failure.message = head
    return failure


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path.replace("\\", "/")))


def resolve(frame: Frame, root: Path) -> Path | None:
    """The frame's file inside ``root`` (relative paths are relative to it), else ``None``."""
    path = Path(frame.path)
    if not path.is_absolute():
        path = root / path
    try:
        resolved = path.resolve()
        resolved.relative_to(root.resolve())
    except (OSError, ValueError):
        return None
    parts = set(resolved.relative_to(root.resolve()).parts)
    if parts & {"site-packages", "dist-packages", ".venv", "venv"}:
        return None
    return resolved if resolved.is_file() else None


def innermost_user_frame(failure: Failure, root: Path) -> tuple[Frame, Path] | None:
    """The innermost frame in a file of the project (the user's code)."""
    for frame in reversed(failure.frames):
        path = resolve(frame, root)
        if path is not None:
            return frame, path
    return None


def enclosing_function(tree: ast.AST, line: int) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    """The innermost function whose body holds ``line``."""
    best: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            end = node.end_lineno or node.lineno
            if node.lineno <= line <= end and (best is None or node.lineno >= best.lineno):
                best = node
    return best
