"""Which functions the test-driven repair searches: found through a package's re-exports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from debugllm.oracle.failure import parse_failure
from debugllm.oracle.targets import find_targets


@pytest.fixture(autouse=True)
def _no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


def _targets(root: Path, test_file: str) -> list[tuple[str, str]]:
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", test_file],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stdout
    failure = parse_failure(run.stdout + run.stderr)
    return [(str(t.path.relative_to(root)), t.name) for t in find_targets(failure, root)]


def test_a_function_re_exported_by_the_package_is_found_where_it_is_defined(
    tmp_path: Path,
) -> None:
    # more-itertools' layout: the package's __init__ re-exports, the code lives elsewhere.
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text(
        "from .recipes import *\nfrom .core import total as sum_all\n"
    )
    (package / "recipes.py").write_text(
        "def nth(iterable, n):\n    for i, x in enumerate(iterable):\n"
        "        if i == n:\n            x\n"  # the slip: a deleted `return`
    )
    (package / "core.py").write_text("def total(xs):\n    return sum(xs)\n")
    (tmp_path / "test_pkg.py").write_text(
        "import pkg as p\n\n\ndef test_nth():\n    assert p.nth('abc', 1) == 'b'\n"
    )
    assert _targets(tmp_path, "test_pkg.py") == [("pkg/recipes.py", "nth")]

    (tmp_path / "test_alias.py").write_text(
        "from pkg import sum_all\n\n\ndef test_total():\n    assert sum_all([1, 2]) == 4\n"
    )
    assert _targets(tmp_path, "test_alias.py") == [("pkg/core.py", "total")]
