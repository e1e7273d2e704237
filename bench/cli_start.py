"""How long ``debugllm fix --offline FILE`` takes on a 300-line file, and what its floor is.

Each round runs every code tree once per file, interleaved, so a shared machine's load falls on
all alike; the medians of the wall time and of the CPU time (user + system of the process) are
reported. The files are the latency benchmark's 300-line module (``lsp_latency.generate_source``)
clean, with one missing colon, with one unused import, and clean in a project whose
``pyproject.toml`` has ``[tool.debugllm]`` settings, each checked (``--no-cache``: a tree
older than that flag cannot run these cases); then the clean file as a repeated run finds it,
its clean verdict cached by the run before. The floor rows time the interpreter alone (``-I
-S``, then with ``site``) and ``import debugllm.cli``.

Bytecode: modules are compiled first (``compileall``) so no run compiles them, as with an
installed wheel; ``--no-compile`` skips that (this environment sets PYTHONDONTWRITEBYTECODE).

    .venv/bin/python bench/cli_start.py --tree main=/path/to/main/server --tree new=server
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lsp_latency import generate_source

RUN_CLI = "import sys; from debugllm.cli import main; sys.exit(main())"


def files(folder: Path) -> dict[str, Path]:
    clean = generate_source(300)
    shapes = {
        "clean": clean,
        "syntax-error": generate_source(300, syntax_error=True),
        "unused-import": clean.replace("import json\n", "import json\nimport sys\n", 1),
    }
    out = {}
    for name, text in shapes.items():
        path = folder / f"{name}.py"
        path.write_text(text)
        out[name] = path
    # Settings to validate: the CLI loads debugllm.settings for them.
    project = folder / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[tool.debugllm]\ntarget-version = "3.11"\nunsafe-fixes = false\n'
    )
    out["clean, pyproject settings"] = project / "clean.py"
    out["clean, pyproject settings"].write_text(clean)
    return out


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=DIR",
        help="a server/ folder to put first on PYTHONPATH (default: this checkout's)",
    )
    parser.add_argument("--runs", type=int, default=11)
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run")
    parser.add_argument("--no-compile", action="store_true", help="do not write bytecode first")
    args = parser.parse_args()
    here = Path(__file__).resolve().parents[1] / "server"
    trees = dict(t.split("=", 1) for t in args.tree) or {"this": str(here)}
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not args.no_compile:
        for tree in trees.values():
            subprocess.run([args.python, "-m", "compileall", "-q", tree], env=env, check=True)
    with tempfile.TemporaryDirectory() as scratch:
        # Every file checked (--no-cache), and the clean file again as a repeated run finds it:
        # its clean verdict cached by the run before (debugllm.verdicts).
        made = files(Path(scratch))
        cases = {
            name: [args.python, "-c", RUN_CLI, "fix", "--offline", "--no-cache", str(path)]
            for name, path in made.items()
        }
        cases["clean, verdict cached"] = [
            *[args.python, "-c", RUN_CLI, "fix", "--offline", str(made["clean"])]
        ]
        cases["import debugllm.cli"] = [args.python, "-c", "import debugllm.cli"]
        floor = {
            "python -I -S -c pass": [args.python, "-I", "-S", "-c", "pass"],
            "python -c pass (site)": [args.python, "-c", "pass"],
        }
        results: dict[tuple[str, str], list[tuple[float, float]]] = {}
        for _ in range(args.runs):
            for label, command in floor.items():
                results.setdefault(("-", label), []).append(timed(command, env))
            for case, command in cases.items():
                for name, tree in trees.items():
                    run_env = dict(env, PYTHONPATH=tree)
                    results.setdefault((name, case), []).append(timed(command, run_env))
    print(
        f"{args.python}, {args.runs} runs each, interleaved; load average at the end: "
        f"{os.getloadavg()[0]:.2f}\n"
    )
    print("| tree | case | wall median ms (min) | CPU median ms (min) |")
    print("| --- | --- | ---: | ---: |")
    for (name, case), samples in results.items():
        walls = [w * 1000 for w, _ in samples]
        cpus = [c * 1000 for _, c in samples]
        print(
            f"| {name} | {case} | {statistics.median(walls):.0f} ({min(walls):.0f}) "
            f"| {statistics.median(cpus):.0f} ({min(cpus):.0f}) |"
        )


if __name__ == "__main__":
    main()
