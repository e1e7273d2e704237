"""The Python files under the folders given to ``debugllm fix``, as ruff finds them.

A folder is walked for ``*.py`` and ``*.pyi`` files. What a ``.gitignore`` leaves out is skipped
(the ``.gitignore`` files of the folder, of its subfolders and of its parents up to the
repository's root, each for the paths under its own folder), and so are the project's
``[tool.debugllm] exclude`` patterns (gitignore syntax, relative to the ``pyproject.toml``;
they replace the defaults below, ``extend-exclude`` adds to them). A file named on the command
line is always checked.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pathspec

from debugllm.config import project_config

#: Folders skipped unless ``exclude`` says otherwise: ruff's defaults (tools' caches,
#: virtual environments, build output, other version-control systems).
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class _Rules:
    """Gitignore-style patterns that apply below ``base``."""

    base: str
    spec: pathspec.GitIgnoreSpec

    def ignores(self, path: str, is_dir: bool) -> bool:
        relative = os.path.relpath(path, self.base)
        if relative.startswith(os.pardir):
            return False
        relative = relative.replace(os.sep, "/")
        return self.spec.match_file(relative + "/" if is_dir else relative)


def python_files(folder: str) -> Iterator[str]:
    """The files to check under ``folder``, in a stable (sorted) order."""
    folder = os.path.normpath(folder)
    rules = [*_parent_gitignores(folder), *_project_rules(folder)]
    yield from _walk(folder, rules)


def _walk(folder: str, rules: Sequence[_Rules]) -> Iterator[str]:
    here = _gitignore(folder)
    if here is not None:
        rules = [*rules, here]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        try:
            is_dir = entry.is_dir()
        except OSError:
            continue
        if is_dir and entry.is_symlink():
            continue  # a link may lead out of the project or round in a loop, as ruff does
        if any(rule.ignores(entry.path, is_dir) for rule in rules):
            continue
        if is_dir:
            yield from _walk(entry.path, rules)
        elif entry.name.endswith(SUFFIXES):
            yield entry.path


def _gitignore(folder: str) -> _Rules | None:
    path = os.path.join(folder, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            lines = handle.read().splitlines()
    except OSError:
        return None
    return _Rules(folder, pathspec.GitIgnoreSpec.from_lines(lines))


def _parent_gitignores(folder: str) -> list[_Rules]:
    """The ``.gitignore`` files above ``folder``, up to the repository's root (none outside
    a repository: a ``.gitignore`` only means something to git)."""
    found: list[_Rules] = []
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            return []  # not in a repository
        if os.path.exists(os.path.join(current, ".git")):
            break
        current = parent
        rules = _gitignore(current)
        if rules is not None:
            found.append(rules)
    return list(reversed(found))


def _project_rules(folder: str) -> list[_Rules]:
    project = project_config(folder)
    if project.path is None:
        return [_Rules(os.path.abspath(folder), _names(DEFAULT_EXCLUDE))]
    base = os.path.dirname(project.path)
    patterns = project.exclude if project.exclude is not None else DEFAULT_EXCLUDE
    return [_Rules(base, _names((*patterns, *project.extend_exclude)))]


def _names(patterns: Sequence[str]) -> pathspec.GitIgnoreSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)
