"""Project configuration: ``[tool.debugllm]`` in the nearest ``pyproject.toml``.

Found by walking up from the checked file, as ruff finds ``[tool.ruff]``: the closest
``pyproject.toml`` with a ``[tool.debugllm]`` or a ``[project]`` table. It holds the same keys as
the editor's ``debugllm`` section (kebab-case, as TOML users write them, or camelCase), limited to
what describes the project: ``unsafe-fixes``, ``target-version``, ``[tool.debugllm.diagnostics]``
and ``[tool.debugllm.repair]``. Endpoint settings are refused there: a cloned repository must
not be able to send the user's code to a server of its choosing. When ``target-version`` is
unset, the lower bound of ``[project] requires-python`` is the project's Python version.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

PYPROJECT = "pyproject.toml"
#: The sections and keys of the editor settings a project file may set (camelCase).
PROJECT_KEYS: Mapping[str, frozenset[str]] = {
    "": frozenset({"unsafeFixes", "targetVersion", "diagnostics", "repair"}),
    "diagnostics": frozenset({"enable", "disabledChecks"}),
    "repair": frozenset({"budgetMs", "maxFixesPerDiagnostic", "testBudgetMs"}),
}


@dataclass(frozen=True)
class ProjectConfig:
    """What a ``pyproject.toml`` says about checking its project."""

    path: str | None = None
    #: ``[tool.debugllm]`` in the shape of the editor's ``debugllm`` section (camelCase keys).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: Entries that were ignored, each with the reason.
    problems: tuple[str, ...] = ()
    #: ``[tool.debugllm] exclude``: gitignore-style patterns, relative to the
    #: ``pyproject.toml``'s folder, of what a folder walk skips (``None``: the defaults of
    #: ``debugllm.walk``); ``extend-exclude`` adds to them. Command-line only, not a setting.
    exclude: tuple[str, ...] | None = None
    extend_exclude: tuple[str, ...] = ()


def find_pyproject(path: str) -> str | None:
    """The closest ``pyproject.toml`` at or above ``path`` (a file or folder) that configures
    a project, else ``None``."""
    folder = os.path.abspath(path)
    if not os.path.isdir(folder):
        folder = os.path.dirname(folder)
    while True:
        candidate = os.path.join(folder, PYPROJECT)
        if os.path.isfile(candidate) and _describes_project(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


def project_config(path: str) -> ProjectConfig:
    """The configuration that applies to the file or folder ``path``."""
    found = find_pyproject(path)
    if found is None:
        return ProjectConfig()
    try:
        stat = os.stat(found)
    except OSError:
        return ProjectConfig()
    return _load(found, stat.st_mtime_ns, stat.st_size)


def _describes_project(path: str) -> bool:
    data = _read_toml(path)
    tool = data.get("tool")
    return "project" in data or (isinstance(tool, dict) and "debugllm" in tool)


def _read_toml(path: str) -> dict[str, Any]:
    try:
        stat = os.stat(path)
    except OSError:
        return {}
    return _parsed(path, stat.st_mtime_ns, stat.st_size)[0]


@lru_cache(maxsize=64)
def _parsed(path: str, mtime_ns: int, size: int) -> tuple[dict[str, Any], str]:
    """The TOML document (cached until the file changes) and the error that made it empty."""
    import tomllib  # only where a pyproject.toml exists: a file outside any project needs none

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle), ""
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, f"{path}: cannot read: {exc}"


@lru_cache(maxsize=64)
def _load(path: str, mtime_ns: int, size: int) -> ProjectConfig:
    data, error = _parsed(path, mtime_ns, size)
    problems: list[str] = [error] if error else []
    tool = data.get("tool")
    section = tool.get("debugllm", {}) if isinstance(tool, dict) else {}
    settings: dict[str, Any] = {}
    exclude: dict[str, tuple[str, ...]] = {}
    if isinstance(section, dict):
        section = dict(section)
        for key in ("exclude", "extend-exclude", "extendExclude", "extend_exclude"):
            if key in section:
                patterns = _patterns(section.pop(key), key, path, problems)
                if patterns is not None:
                    exclude["exclude" if key == "exclude" else "extend"] = patterns
        settings = _camel_section(section, "", path, problems)
    else:
        problems.append(f"{path}: [tool.debugllm] must be a table")
    if "targetVersion" not in settings:
        project = data.get("project")
        requires = project.get("requires-python") if isinstance(project, dict) else None
        version = minimum_python(requires) if isinstance(requires, str) else None
        if version is not None:
            settings["targetVersion"] = f"{version[0]}.{version[1]}"
    return ProjectConfig(
        path, settings, tuple(problems), exclude.get("exclude"), exclude.get("extend", ())
    )


def _patterns(value: Any, key: str, path: str, problems: list[str]) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(value)
    problems.append(f"{path}: [tool.debugllm] {key} must be a list of strings; ignored")
    return None


def _camel_section(
    section: Mapping[str, Any], name: str, path: str, problems: list[str]
) -> dict[str, Any]:
    allowed = PROJECT_KEYS[name]
    out: dict[str, Any] = {}
    for key, value in section.items():
        camel = _camel(key)
        where = f"[tool.debugllm{'.' + name if name else ''}] {key}"
        if camel not in allowed:
            problems.append(f"{path}: {where} is not a project setting; ignored")
        elif camel in PROJECT_KEYS:
            if isinstance(value, dict):
                out[camel] = _camel_section(value, camel, path, problems)
            else:
                problems.append(f"{path}: {where} must be a table")
        else:
            out[camel] = value
    return out


def _camel(key: str) -> str:
    head, *rest = re.split(r"[-_]", key)
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


_CLAUSE = re.compile(r"^\s*(>=|>|~=|==|===)\s*(\d+)\.(\d+)")


def minimum_python(requires: str) -> tuple[int, int] | None:
    """The lowest ``major.minor`` a ``requires-python`` specifier admits (``>=3.11,<4``)."""
    lows: list[tuple[int, int]] = []
    for clause in requires.split(","):
        match = _CLAUSE.match(clause)
        if match:
            lows.append((int(match.group(2)), int(match.group(3))))
    return max(lows) if lows else None


def merge_settings(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``over``'s values on top, tables merged key by key (``None`` is unset)."""
    merged = dict(base)
    for key, value in over.items():
        if value is None:
            continue
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_settings(merged[key], value)
        else:
            merged[key] = value
    return merged
