"""``debugllm fix`` prints, writes and exits exactly as recorded: every byte of stdout and
stderr, the exit status and the files ``--write`` leaves, over files of every shape (clean, one
syntax error, warnings, static errors, several errors, another encoding, not Python, standard
input, a project folder with its own configuration, --help and a usage error).

The expected outputs in ``tests/fixtures/cli_outputs/expected`` were recorded with the code of
``233897b`` (before the one-file run went synchronous and lazy); the start-up work must not
change a byte. After an intended change of the output, record them again with
``python tests/unit/test_cli_outputs.py --record`` and review the diff.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "cli_outputs"
INPUTS = FIXTURES / "inputs"
EXPECTED = FIXTURES / "expected"

#: name -> (arguments after ``debugllm fix``, standard input, files whose bytes are checked after)
CASES: dict[str, tuple[tuple[str, ...], str, tuple[str, ...]]] = {
    "help": (("--help",), "", ()),
    "usage-error": (("--budget-ms", "soon", "clean.py"), "", ()),
    "clean": (("clean.py",), "", ()),
    "clean-json": (("--json", "clean.py"), "", ()),
    "syntax-error": (("syntax_error.py",), "", ()),
    "syntax-error-json": (("--json", "syntax_error.py"), "", ()),
    "warnings": (("lint_warnings.py",), "", ()),
    "warnings-json": (("--json", "lint_warnings.py"), "", ()),
    "static-errors": (("static_errors.py",), "", ()),
    "static-errors-json": (("--json", "static_errors.py"), "", ()),
    "several-errors": (("several_errors.py",), "", ()),
    "several-errors-json": (("--json", "several_errors.py"), "", ()),
    "several-errors-unsafe-json": (("--json", "--unsafe-fixes", "several_errors.py"), "", ()),
    "latin1-crlf-json": (("--json", "latin1_crlf.py"), "", ()),
    "not-python": (("notes.txt",), "", ()),
    "missing-json": (("--json", "missing.py"), "", ()),
    "stdin": (("-",), (INPUTS / "syntax_error.py").read_text(), ()),
    "target-version": (("--target-version", "3.11", "lint_warnings.py"), "", ()),
    "folder": (("project",), "", ()),
    "folder-json": (("--json", "project"), "", ()),
    "files-and-missing": (("clean.py", "missing.py", "syntax_error.py"), "", ()),
    "write": (("--write", "several_errors.py"), "", ("several_errors.py",)),
    "write-latin1-crlf": (("--write", "latin1_crlf.py"), "", ("latin1_crlf.py",)),
    "write-unsafe": (
        ("--write", "--unsafe-fixes", "static_errors.py"),
        "",
        ("static_errors.py",),
    ),
    "write-folder": (
        ("--write", "project"),
        "",
        ("project/main.py", "project/pkg/core.py", "project/pkg/__init__.py"),
    ),
}

#: The only figure that changes from run to run.
_ELAPSED = re.compile(r'"elapsed_ms": [0-9.e+-]+')


def run_case(name: str, workdir: Path) -> dict[str, bytes]:
    """Run one case in a fresh copy of the inputs; what it printed, its status and the files."""
    arguments, stdin, written = CASES[name]
    copy = workdir / name
    shutil.copytree(INPUTS, copy)
    done = subprocess.run(
        [sys.executable, "-m", "debugllm.cli", "fix", "--offline", *arguments],
        cwd=copy,
        env={**os.environ, "COLUMNS": "100"},  # the width of --help and usage messages
        input=stdin.encode(),
        capture_output=True,
        timeout=120,
    )
    here = str(copy).encode()  # messages naming a file by its absolute path
    outputs = {
        "stdout": _ELAPSED.sub('"elapsed_ms": 0', done.stdout.decode()).encode(),
        "stderr": done.stderr.replace(here, b"<dir>"),
        "status": f"{done.returncode}\n".encode(),
    }
    for path in written:
        outputs[f"written/{path}"] = (copy / path).read_bytes()
    return outputs


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_output_is_the_recorded_one(name: str, tmp_path: Path) -> None:
    outputs = run_case(name, tmp_path)
    expected = EXPECTED / name
    assert sorted(outputs) == sorted(
        str(p.relative_to(expected)) for p in expected.rglob("*") if p.is_file()
    )
    for part, data in outputs.items():
        assert data.decode(errors="replace") == (expected / part).read_bytes().decode(
            errors="replace"
        ), part
        assert data == (expected / part).read_bytes(), part


def record(workdir: Path) -> None:
    """Record every case's outputs with the code that runs now."""
    shutil.rmtree(EXPECTED, ignore_errors=True)
    for name in sorted(CASES):
        for part, data in run_case(name, workdir).items():
            target = EXPECTED / name / part
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


if __name__ == "__main__" and sys.argv[1:] == ["--record"]:
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        record(Path(scratch))
