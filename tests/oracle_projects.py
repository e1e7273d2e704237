"""Projects with a failing test, shared by the test-driven repair tests (unit and over LSP).

``flipped_operator_project`` is the canonical one: `add` returns `a - b`, its test fails, and one
operator makes it green. The helpers check the rules every search must keep: the user's files
unchanged (hashes) and no worker process left behind.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

CALC = "def add(a, b):\n    return a - b\n\n\ndef double(x):\n    return 2 * x\n"
CALC_TESTS = (
    "from calc import add, double\n\n\n"
    "def test_add():\n    assert add(1, 2) == 3\n\n\n"
    "def test_add_zero():\n    assert add(0, 0) == 0\n\n\n"
    "def test_double():\n    assert double(4) == 8\n"
)
#: A script whose traceback names `ratio` (for "Explain traceback").
PROG = "def ratio(a, b):\n    return a / b\n\n\nprint(ratio(1, 0))\n"
#: The command that runs the project's failing test file.
CALC_COMMAND = f"{sys.executable} -m pytest -x tests/test_calc.py"


def flipped_operator_project(root: Path) -> Path:
    """`calc.py` with `a - b` for `a + b`, `tests/test_calc.py` and `prog.py` under ``root``."""
    (root / "tests").mkdir(parents=True)
    (root / "calc.py").write_text(CALC)
    (root / "tests" / "test_calc.py").write_text(CALC_TESTS)
    (root / "prog.py").write_text(PROG)
    (root / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    return root


def digests(root: Path) -> dict[str, str]:
    """Every file under ``root`` (caches aside) and its SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def run_tests(root: Path, *paths: str) -> int:
    """The exit status of a fresh pytest run in ``root``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *paths],
        cwd=root,
        capture_output=True,
        timeout=120,
    ).returncode


def leftover_workers(marker: str) -> list[str]:
    """Test workers still running for a project folder named ``marker``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "worker.py" in text and f"/{marker} " in text:
            found.append(text)
    return found
