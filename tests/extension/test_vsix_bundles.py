"""Every platform VSIX that `npm run package` built: its target, and a complete, loadable bundle.

For each target and each CPython the extension supports, the wheels bundled in ``libs/common``
plus ``libs/cpXY`` must hold every distribution the server needs (DebugLLM's requirements,
followed transitively with markers evaluated for that platform and Python) in a version its
dependants accept, each built for a tag that platform and Python can load. The tags are derived
here from VS Code's own platform floor (glibc 2.28, musl 1.2, macOS 10.15/11), not from the
bundler's pip arguments, so a wrong ``--platform`` list in the bundler is caught.

Reads ``$DEBUGLLM_VSIX_DIR`` (default ``dist/``). Skipped when no VSIX was built, unless
``DEBUGLLM_REQUIRE_VSIX=1`` (set by ``.ci/extension.sh`` right after packaging).
"""

from __future__ import annotations

import json
import os
import re
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest
from packaging import tags
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

REPO = Path(__file__).resolve().parents[2]
VSIX_DIR = Path(os.environ.get("DEBUGLLM_VSIX_DIR", REPO / "dist"))
PYTHONS = ("3.11", "3.12", "3.13")
TARGETS = (
    "win32-x64",
    "win32-arm64",
    "darwin-x64",
    "darwin-arm64",
    "linux-x64",
    "linux-arm64",
    "alpine-x64",
)
LIBS = "extension/extension/bundled/libs/"


def platform_tags(target: str) -> list[str]:
    """The wheel platform tags a machine of `target` that runs VS Code can load."""
    if target == "win32-x64":
        return ["win_amd64"]
    if target == "win32-arm64":
        return ["win_arm64"]
    if target == "darwin-x64":
        return list(tags.mac_platforms((10, 15), "x86_64"))
    if target == "darwin-arm64":
        return list(tags.mac_platforms((11, 0), "arm64"))
    if target in ("linux-x64", "linux-arm64"):
        arch = "x86_64" if target == "linux-x64" else "aarch64"
        legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
        return [f"manylinux_2_{m}_{arch}" for m in range(28, 4, -1)] + [
            f"{name}_{arch}" for name, m in legacy.items() if arch == "x86_64" or m >= 17
        ]
    assert target == "alpine-x64", target
    return ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"]


def marker_env(target: str, python: str) -> dict[str, str]:
    system, machine = target.split("-")
    plat = {
        "win32": ("win32", "Windows", "nt"),
        "darwin": ("darwin", "Darwin", "posix"),
        "linux": ("linux", "Linux", "posix"),
        "alpine": ("linux", "Linux", "posix"),
    }[system]
    arch = {
        ("win32", "x64"): "AMD64",
        ("win32", "arm64"): "ARM64",
        ("darwin", "arm64"): "arm64",
        ("linux", "arm64"): "aarch64",
    }.get((system, machine), "x86_64")
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": plat[0],
        "platform_system": plat[1],
        "os_name": plat[2],
        "platform_machine": arch,
        "platform_release": "",
        "platform_version": "",
        "implementation_version": f"{python}.0",
    }


@dataclass
class Dist:
    name: str
    version: Version
    folder: str
    wheel_tags: list[str]
    requires: list[Requirement]


def read_dists(vsix: zipfile.ZipFile, folder: str) -> dict[str, Dist]:
    found = {}
    pattern = re.compile(re.escape(LIBS + folder) + r"/([^/]+\.dist-info)/METADATA$")
    for member in vsix.namelist():
        match = pattern.match(member)
        if not match:
            continue
        meta = Parser().parsestr(vsix.read(member).decode())
        wheel = vsix.read(member.removesuffix("METADATA") + "WHEEL").decode()
        dist = Dist(
            name=canonicalize_name(meta["Name"]),
            version=Version(meta["Version"]),
            folder=folder,
            wheel_tags=[v.strip() for k, v in Parser().parsestr(wheel).items() if k == "Tag"],
            requires=[Requirement(r) for r in meta.get_all("Requires-Dist") or []],
        )
        found[dist.name] = dist
    return found


def vsixes() -> dict[str, Path]:
    built = {path.stem.removeprefix("debugllm-"): path for path in VSIX_DIR.glob("debugllm-*.vsix")}
    if not built:
        if os.environ.get("DEBUGLLM_REQUIRE_VSIX") == "1":
            pytest.fail(f"no debugllm-*.vsix in {VSIX_DIR}")
        pytest.skip(f"no VSIX built in {VSIX_DIR} (npm run package)")
    return built


def test_every_target_was_built() -> None:
    assert sorted(vsixes()) == sorted(TARGETS)


@pytest.mark.parametrize("target", TARGETS)
def test_target_platform_and_bundles(target: str) -> None:
    path = vsixes().get(target)
    if path is None:
        pytest.fail(f"{target}: not built")
    with zipfile.ZipFile(path) as vsix:
        manifest = vsix.read("extension.vsixmanifest").decode()
        assert re.search(rf'<Identity [^>]*TargetPlatform="{re.escape(target)}"', manifest)
        # Marketplace / Open VSX: icon, changelog, licence, categories and keywords are shipped.
        manifest_json = json.loads(vsix.read("extension/package.json"))
        assert "extension/" + manifest_json["icon"] in vsix.namelist()
        assert {"extension/changelog.md", "extension/readme.md"} <= set(vsix.namelist())
        assert any(n.lower().startswith("extension/license") for n in vsix.namelist())
        assert "Notebooks" in manifest_json["categories"] and "jupyter" in manifest_json["keywords"]
        bundle = json.loads(vsix.read(LIBS + "bundle.json"))
        assert bundle["target"] == target
        assert bundle["pythons"] == {py: "cp" + py.replace(".", "") for py in PYTHONS}
        assert LIBS.replace("libs/", "tool/lsp_server.py") in vsix.namelist()
        # `vsce ls` clean: no tests, caches or development files in what users install.
        junk = re.compile(r"__pycache__|\.pyc$|/tests?/|node_modules/|test-output|\.venv|\.ts$")
        assert [n for n in vsix.namelist() if junk.search(n)] == []
        common = read_dists(vsix, "common")
        assert all(tag.endswith("-none-any") for d in common.values() for tag in d.wheel_tags)
        for python in PYTHONS:
            check_python(vsix, target, python, common)


def check_python(vsix: zipfile.ZipFile, target: str, python: str, common: dict[str, Dist]) -> None:
    cp = "cp" + python.replace(".", "")
    binary = read_dists(vsix, cp)
    assert not set(binary) & set(common), f"{target}/{cp}: in both folders"
    dists = {**common, **binary}
    major, minor = (int(x) for x in python.split("."))
    platforms = platform_tags(target)
    loadable = {
        str(t)
        for t in [
            *tags.cpython_tags((major, minor), [cp, "abi3", "none"], platforms),
            *tags.compatible_tags((major, minor), cp, platforms),
        ]
    }
    for dist in dists.values():
        assert set(dist.wheel_tags) & loadable, (
            f"{target}/{cp}: {dist.name} {dist.version} is built for {dist.wheel_tags}"
        )
    for dist in binary.values():
        assert not all(t.endswith("-none-any") for t in dist.wheel_tags), dist.name
    # Follow DebugLLM's requirements as pip would on that machine.
    env = marker_env(target, python)
    todo: list[tuple[str, set[str]]] = [("debugllm", set())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, frozenset(extras)) in seen:
            continue
        seen.add((name, frozenset(extras)))
        assert name in dists, f"{target}/{cp}: {name} is needed but not bundled"
        for req in dists[name].requires:
            wanted = [{**env, "extra": extra} for extra in extras or {""}]
            if req.marker is not None and not any(req.marker.evaluate(e) for e in wanted):
                continue
            dep = canonicalize_name(req.name)
            assert dep in dists, f"{target}/{cp}: {name} needs {req}, not bundled"
            assert req.specifier.contains(dists[dep].version, prereleases=True), (
                f"{target}/{cp}: {name} needs {req}, bundled {dists[dep].version}"
            )
            todo.append((dep, set(req.extras)))
    # What the server imports for the editor is there: the binary pieces for this Python.
    assert {"pydantic-core", "debugllm", "pygls", "lsprotocol"} <= set(dists)
    assert "pyyaml" not in dists and "debugllm-inference" not in dists
