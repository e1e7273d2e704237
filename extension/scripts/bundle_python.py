"""Bundle the DebugLLM server and its dependencies for one VS Code target platform.

Usage: python bundle_python.py TARGET [--wheel debugllm-*.whl]

Writes ``extension/bundled/libs``:

- ``common/``: the pure-Python distributions (``py3-none-any`` wheels, DebugLLM itself), once;
- ``cp311/``, ``cp312/``, ``cp313/``: the binary ones (pydantic_core, websockets) built for that
  CPython on TARGET;
- ``bundle.json``: the target and the folder of each Python, read by the extension (which says
  clearly when the selected interpreter has no folder) and by the launcher.

Each Python's tree is resolved on its own by ``pip install --target --platform --python-version
--only-binary=:all:``, so markers that differ by platform or Python are honoured; a pure
distribution goes to ``common`` only when every Python resolved the same version of it. The
resolved trees are cached by (dependencies, target, Python) in ``$DEBUGLLM_BUNDLE_CACHE`` (default
``~/.cache/debugllm-ci/bundles``): a CI run after the first reuses them, as a lock file would, until
``pyproject.toml``'s dependencies change.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

PYTHONS = ("3.11", "3.12", "3.13")

# pip's --platform tags per VS Code target. VS Code itself needs glibc 2.28 and macOS 10.15+;
# pip expands a macOS tag to the older ones, not a manylinux one, so those are listed.
PLATFORMS: dict[str, list[str]] = {
    "win32-x64": ["win_amd64"],
    "win32-arm64": ["win_arm64"],
    "darwin-x64": ["macosx_10_15_x86_64"],
    "darwin-arm64": ["macosx_11_0_arm64"],
    "linux-x64": [f"manylinux_2_{m}_x86_64" for m in (28, 17, 12, 5)]
    + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"],
    "linux-arm64": [f"manylinux_2_{m}_aarch64" for m in (28, 17)] + ["manylinux2014_aarch64"],
    "alpine-x64": ["musllinux_1_2_x86_64", "musllinux_1_1_x86_64"],
}

EXTENSION = Path(__file__).resolve().parent.parent
REPO = EXTENSION.parent
LIBS = EXTENSION / "bundled" / "libs"
CACHE = Path(
    os.environ.get("DEBUGLLM_BUNDLE_CACHE", Path.home() / ".cache" / "debugllm-ci" / "bundles")
)


def folder(python: str) -> str:
    return "cp" + python.replace(".", "")


def build_wheel(out: Path) -> Path:
    """DebugLLM itself as a wheel (pure Python), the root of every tree."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--wheel-dir", str(out), str(REPO)],
        check=True,
    )  # fmt: skip
    return next(out.glob("debugllm-*.whl"))


def dependencies() -> list[str]:
    with (REPO / "pyproject.toml").open("rb") as f:
        deps: list[str] = tomllib.load(f)["project"]["dependencies"]
    return deps


def install_tree(target: str, python: str, dest: Path) -> Path:
    """The server's dependencies for one CPython on `target`, from the cache or resolved anew."""
    deps = dependencies()
    key = hashlib.sha256(json.dumps([deps, target, python, PLATFORMS[target]]).encode()).hexdigest()
    cached = CACHE / f"{target}-{folder(python)}-{key[:16]}"
    tree = dest / folder(python)
    if not (cached / ".complete").exists():
        shutil.rmtree(cached, ignore_errors=True)
        platforms = [arg for tag in PLATFORMS[target] for arg in ("--platform", tag)]
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-compile", "--target", str(cached), "--only-binary=:all:", "--implementation",
             "cp", "--python-version", python, *platforms, *deps],
            check=True,
        )  # fmt: skip
        (cached / ".complete").touch()
    shutil.copytree(cached, tree, ignore=shutil.ignore_patterns(".complete"))
    return tree


def is_pure(dist_info: Path) -> bool:
    """A wheel whose every tag is `*-none-any` runs on any platform and Python."""
    tags = [
        line.split(":", 1)[1].strip()
        for line in (dist_info / "WHEEL").read_text().splitlines()
        if line.startswith("Tag:")
    ]
    return bool(tags) and all(tag.endswith("-none-any") for tag in tags)


def dist_files(tree: Path, dist_info: Path) -> list[Path]:
    """The files of one distribution inside `tree` (its RECORD), scripts and caches left out."""
    files = []
    for line in (dist_info / "RECORD").read_text().splitlines():
        rel = line.rsplit(",", 2)[0]
        if not rel or rel.startswith(("..", "bin/")) or "__pycache__" in rel:
            continue
        files.append(tree / rel)
    return files


def move_dist(tree: Path, dist_info: Path, dest: Path) -> None:
    for path in dist_files(tree, dist_info):
        if path.exists():
            target = dest / path.relative_to(tree)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(str(path), target)
    shutil.rmtree(dist_info, ignore_errors=True)


def prune_empty(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def split_pure(trees: dict[str, Path], common: Path) -> None:
    """Move the pure distributions every Python resolved identically to `common`, once."""
    names = [{d.name for d in tree.glob("*.dist-info")} for tree in trees.values()]
    shared = set.intersection(*names)
    first = next(iter(trees.values()))
    for name in sorted(shared):
        if not is_pure(first / name):
            continue
        move_dist(first, first / name, common)
        for tree in list(trees.values())[1:]:
            for path in dist_files(tree, tree / name):
                path.unlink(missing_ok=True)
            shutil.rmtree(tree / name)
    for tree in trees.values():
        for junk in ("bin", "__pycache__"):
            shutil.rmtree(tree / junk, ignore_errors=True)
        prune_empty(tree)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(PLATFORMS))
    parser.add_argument("--wheel", type=Path, help="DebugLLM's wheel (default: built here)")
    args = parser.parse_args(argv)
    shutil.rmtree(LIBS, ignore_errors=True)
    LIBS.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="debugllm-bundle-") as tmp:
        work = Path(tmp)
        # The three resolutions wait on the index more than on the CPU: run them side by side.
        with ThreadPoolExecutor(len(PYTHONS)) as pool:
            done = pool.map(lambda py: install_tree(args.target, py, work / "trees"), PYTHONS)
            trees = dict(zip(PYTHONS, done, strict=True))
        split_pure(trees, LIBS / "common")
        # DebugLLM itself is pure Python, built fresh from this checkout every time.
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-compile", "--no-deps", "--target", str(LIBS / "common"),
             str(args.wheel or build_wheel(work / "self"))],
            check=True,
        )  # fmt: skip
        shutil.rmtree(LIBS / "common" / "bin", ignore_errors=True)
        for python, tree in trees.items():
            shutil.move(str(tree), LIBS / folder(python))
    # The libraries' own test suites (pyflakes/test, certifi/tests) are never run by the server.
    # (.vscodeignore cannot drop them: its `!extension/bundled/libs/**` include wins over any.)
    for suite in [*LIBS.glob("*/*/test"), *LIBS.glob("*/*/tests")]:
        shutil.rmtree(suite)
    manifest = {
        "target": args.target,
        "platforms": PLATFORMS[args.target],
        "pythons": {python: folder(python) for python in PYTHONS},
    }
    (LIBS / "bundle.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"bundled {args.target}: common + {', '.join(folder(p) for p in PYTHONS)} in {LIBS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
