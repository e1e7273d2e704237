"""``debugllm fix --offline FOLDER`` against ``ruff check FOLDER`` on the same files.

The folder is a copy of the running interpreter's standard library (every ``*.py`` outside
``site-packages``), or ``--folder``. Each round runs, interleaved so a shared machine's load
falls on all alike:

- ``ruff check --no-cache`` (its default rules, which include pyflakes's), then ``ruff check``
  answering from the cache the run before filled;
- ``debugllm fix --offline --no-cache``, then ``debugllm fix --offline`` twice with a cache
  folder of its own: the first fills the clean verdicts, the second answers the unchanged
  clean files from them (the files with any problem are checked again every time).

Wall-clock seconds are reported, median of the rounds, with the ratio to ``ruff check
--no-cache`` in the same rounds, and how many files each debugllm run checked.

    .venv/bin/python bench/cli_folder.py --rounds 3
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path


def copy_stdlib(target: Path) -> int:
    """Copy every ``*.py`` of this interpreter's stdlib (not site-packages) under ``target``."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    count = 0
    for path in stdlib.rglob("*.py"):
        relative = path.relative_to(stdlib)
        if relative.parts[0] in ("site-packages", "dist-packages"):
            continue
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        count += 1
    return count


def timed(command: list[str], env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    # 1: problems found; 2: some files not read (the stdlib's tests hold files in broken
    # encodings on purpose): both are normal ends of a run over a folder.
    if done.returncode not in (0, 1, 2) or not done.stdout:
        raise SystemExit(f"{command[:3]} failed ({done.returncode}): {done.stderr[-2000:]}")
    return elapsed, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, help="check this folder instead of the stdlib")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ruff", default=shutil.which("ruff") or "ruff")
    parser.add_argument("--python", default=sys.executable, help="the interpreter of debugllm")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        folder = args.folder
        if folder is None:
            folder = work / "stdlib"
            files = copy_stdlib(folder)
        else:
            files = sum(1 for _ in folder.rglob("*.py"))
        env = {**os.environ, "XDG_CACHE_HOME": str(work / "cache")}
        env.pop("DEBUGLLM_NO_CACHE", None)
        ruff = [args.ruff, "check", "--quiet", "--exit-zero"]
        ruff_cache = str(work / "ruff-cache")
        debugllm = [args.python, "-m", "debugllm.cli", "fix", "--offline"]
        samples: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            shutil.rmtree(work / "cache", ignore_errors=True)
            shutil.rmtree(ruff_cache, ignore_errors=True)
            runs = {
                "ruff check --no-cache": [*ruff, "--no-cache", str(folder)],
                "ruff check (filling its cache)": [*ruff, "--cache-dir", ruff_cache, str(folder)],
                "ruff check (from its cache)": [*ruff, "--cache-dir", ruff_cache, str(folder)],
                "debugllm fix --no-cache": [*debugllm, "--no-cache", str(folder)],
                "debugllm fix (filling the verdicts)": [*debugllm, str(folder)],
                "debugllm fix (from the verdicts)": [*debugllm, str(folder)],
            }
            for name, command in runs.items():
                samples.setdefault(name, []).append(timed(command, env)[0])
        verdicts = sum(1 for _ in (work / "cache").rglob("clean/*/*"))
        base = statistics.median(samples["ruff check --no-cache"])
        load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
        what = args.folder or f"the standard library of {sys.version.split()[0]}"
        print(
            f"{files} files ({what}); "
            f"{args.rounds} rounds, interleaved; load average at the end: {load}; "
            f"{verdicts} files found clean (answered from the verdicts on the last run).\n"
        )
        print("| run | wall s, median (min-max) | ratio to ruff --no-cache |")
        print("| --- | ---: | ---: |")
        for name, values in samples.items():
            median = statistics.median(values)
            print(
                f"| {name} | {median:.2f} ({min(values):.2f}-{max(values):.2f}) "
                f"| {median / base:.1f}x |"
            )


if __name__ == "__main__":
    main()
