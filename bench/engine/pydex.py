"""The PyDex development set: real submissions of an introductory Python course, each the
student's last version with a syntax error beside their own corrected version, and the
assignment's I/O examples (see ../shared/bench/README.md).

A fixed program is judged as the dataset's README says: it parses; it is AST-equal to the
student's correction where that correction is a small edit (so the program the student meant is
known); it passes every I/O example (run with the input on stdin, stdout compared).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: A correction within this many tokens of the submission is a small edit: the program the
#: student meant is that one (larger corrections rewrote the program as well).
SMALL_EDIT = 6
#: Seconds a program may run on one I/O example (students' loops may not end).
IO_TIMEOUT = 3.0


@dataclass(frozen=True)
class Submission:
    name: str
    broken: str
    correction: str
    io: tuple[tuple[str, str], ...]


def submissions(shared: Path) -> list[Submission]:
    found: list[Submission] = []
    for path in sorted((shared / "bench" / "pydex").glob("*_pair.json")):
        data = json.loads(path.read_text())
        io = tuple((str(e["input"]), str(e["output"])) for e in data["IO_example"])
        assignment = path.name.split("_")[0]
        for k, item in enumerate(data["submission"]):
            name = f"pydex/{assignment}#{k}"
            found.append(Submission(name, item["syntax_incorrect"], item["semantics_correct"], io))
    return found


def _same_output(got: str, expected: str) -> bool:
    # Trailing whitespace at line ends and the end is not part of the answer.
    def norm(text: str) -> list[str]:
        return [line.rstrip() for line in text.rstrip().splitlines()]

    return norm(got) == norm(expected)


def passes_io(source: str, io: tuple[tuple[str, str], ...]) -> bool:
    """Does ``source`` print the expected output for every example input?"""
    if not io:
        return False
    with tempfile.TemporaryDirectory() as folder:
        program = Path(folder) / "submission.py"
        program.write_text(source)
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONIOENCODING": "utf-8"}
        for given, expected in io:
            try:
                run = subprocess.run(
                    [sys.executable, "-I", str(program)],
                    input=given if given.endswith("\n") else given + "\n",
                    capture_output=True,
                    text=True,
                    timeout=IO_TIMEOUT,
                    cwd=folder,
                    env=env,
                )
            except subprocess.TimeoutExpired:
                return False
            if run.returncode != 0 or not _same_output(run.stdout, expected):
                return False
    return True
