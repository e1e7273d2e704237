"""Which files an earlier ``debugllm fix`` found clean, so that an unchanged file's check is a
lookup, as ``ruff check`` keeps its cache: a clean run of one 300-line file spends most of its
time importing and running the checker, a lookup needs neither.

A verdict is an empty file in the user's cache dir named by a digest of everything the check
depends on: the file's bytes and absolute path, every ``pyproject.toml`` from its folder up
(their bytes: any edit is a miss), the flags that change the analysis, the interpreter, and the
installed checker (the sizes and times of debugllm's and pyflakes's files). Only a file without
a single problem, and a run that wrote nothing to standard error, is recorded; anything
unexpected is a miss. ``--no-cache`` or ``DEBUGLLM_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import os
import sys
from typing import Any

#: Python sources the cache serves; anything else takes the checker's own path (refusals).
_PYTHON = (".py", ".pyi", ".pyw")
#: Verdicts older than this are removed now and then (when a verdict named 00... is written).
_UNUSED_S = 30 * 24 * 3600


def _digest() -> Any:
    try:
        from _blake2 import blake2b  # CPython's own: hashlib would load OpenSSL (~5 ms)
    except ImportError:  # pragma: no cover - other interpreters
        from hashlib import blake2b
    return blake2b(digest_size=20)


def _tree_stamp(package: str) -> str:
    """The sizes and times of a package's files, found without importing it."""
    from importlib.util import find_spec

    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(package)
    parts: list[str] = []
    for root in spec.submodule_search_locations:
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".json.gz")):
                    stat = os.stat(os.path.join(folder, name))
                    parts.append(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


class VerdictKeys:
    """Names the verdicts of one run's files. What they all depend on (the interpreter, the
    installed checker, the flags) is read once per run; each file's bytes and the
    ``pyproject.toml`` files above it are read whenever a verdict is named."""

    def __init__(self, target_version: str | None, force_python: bool) -> None:
        self._flags = (str(target_version), str(force_python))
        self._shared: str | None = None
        self._directory: str | None = None

    def verdict(self, path: str) -> Verdict | None:
        """The verdict of ``path`` as it is now; None when the file is not one the cache
        serves or anything it depends on cannot be read."""
        name = self.name(path)
        return None if name is None else Verdict(self, path, name)

    def name(self, path: str) -> str | None:
        if os.environ.get("DEBUGLLM_NO_CACHE") or path == "-" or not path.endswith(_PYTHON):
            return None
        try:
            shared = self._shared_context()
            absolute = os.path.abspath(path)
            with open(absolute, "rb") as f:
                data = f.read()
            context = [shared, absolute, *_settings_files(os.path.dirname(absolute))]
        except (OSError, LookupError, ValueError):
            return None
        if self._directory is None:
            return None
        digest = _digest()
        digest.update("\0".join(context).encode("utf-8", "surrogatepass"))
        digest.update(b"\0" + data)
        name: str = digest.hexdigest()
        return os.path.join(self._directory, "clean", name[:2], name[2:])

    def _shared_context(self) -> str:
        if self._shared is None:
            from debugllm.codecache import cache_dir

            self._directory = cache_dir()
            stamps = [_tree_stamp("debugllm"), _tree_stamp("pyflakes")]
            self._shared = "\0".join(["debugllm-clean-1", sys.version, *self._flags, *stamps])
        return self._shared


def _settings_files(folder: str) -> list[str]:
    """Every ``pyproject.toml`` from ``folder`` up, path and bytes (any edit is a miss)."""
    found: list[str] = []
    while True:
        candidate = os.path.join(folder, "pyproject.toml")
        if os.path.exists(candidate):
            with open(candidate, "rb") as f:
                found.append(f"{candidate}\0{f.read().hex()}")
        parent = os.path.dirname(folder)
        if parent == folder:
            return found
        folder = parent


class Verdict:
    """The clean verdict of one file as it was read when the verdict was named."""

    def __init__(self, keys: VerdictKeys, path: str, name: str) -> None:
        self.keys = keys
        self.path = path
        self.name = name

    def known_clean(self) -> bool:
        return os.path.exists(self.name)

    def record(self) -> None:
        """Remember that the file had no problem (best effort), if it still has the bytes the
        verdict was named for: one saved while it was checked must not get the verdict of the
        text checked."""
        if self.keys.name(self.path) != self.name:
            return
        try:
            os.makedirs(os.path.dirname(self.name), exist_ok=True)
            with open(self.name, "wb"):
                pass
            if os.path.basename(self.name).startswith("00"):  # now and then, not every run
                _prune(os.path.dirname(os.path.dirname(self.name)))
        except OSError:
            pass


def _prune(root: str) -> None:
    import time

    old = time.time() - _UNUSED_S
    for folder, _, files in os.walk(root):
        for name in files:
            entry = os.path.join(folder, name)
            try:
                if os.stat(entry).st_mtime < old:
                    os.unlink(entry)
            except OSError:
                pass


def clean_report(path: str, as_json: bool, elapsed_ms: float) -> str:
    """What ``debugllm fix`` prints for a file without problems (``filecheck.result_json`` and
    ``print_human`` on a clean file; tests/unit/test_verdicts.py keeps them equal)."""
    if not as_json:
        return f"{path}: no problems found\n"
    import json

    report: dict[str, object] = {
        "path": path,
        "diagnostics": [],
        "fixes": [],
        "fixed_source": None,
        "remaining_errors": 0,
        "elapsed_ms": round(elapsed_ms, 3),
    }
    return json.dumps(report, ensure_ascii=False) + "\n"
