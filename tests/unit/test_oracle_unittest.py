"""Test-driven repair with unittest.TestCase tests, as many real libraries write them."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from debugllm.oracle.search import TestRepair


@pytest.fixture(autouse=True)
def _no_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")


MODULE = "def add(a, b):\n    return a - b\n\n\ndef double(a):\n    return 2 * a\n"
TESTS = (
    "import unittest\n\nfrom mod import add, double\n\n\n"
    "class AddTests(unittest.TestCase):\n"
    "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n\n"
    "    def test_zero(self):\n        self.assertEqual(add(4, 0), 4)\n\n"
    "    @unittest.skip('not today')\n    def test_skipped(self):\n        self.fail()\n\n\n"
    "class DoubleTests(unittest.TestCase):\n"
    "    def test_double(self):\n        self.assertEqual(double(3), 6)\n"
)


def test_a_failing_unittest_test_is_seen_failing_and_its_fix_found(tmp_path: Path) -> None:
    # pytest runs a TestCase with itself as the result object: a failure is kept for the
    # report, never raised, so a worker that only watched for exceptions saw every test pass.
    (tmp_path / "mod.py").write_text(MODULE)
    (tmp_path / "test_mod.py").write_text(TESTS)
    result = TestRepair(tmp_path, f"{sys.executable} -m pytest -x test_mod.py", 30).run()
    assert result.candidates_tried > 0
    assert result.fix is not None
    assert result.fix.fixed == MODULE.replace("a - b", "a + b")
    assert (tmp_path / "mod.py").read_text() == MODULE
