"""CPU time of a fresh interpreter until the language server's stack is loaded, per code tree.

What the bootstrap does after its early initialize answer (``bootstrap._load_server``, or a
plain ``import debugllm.lsp.server`` for trees without it), measured as the process's CPU time
(``time.process_time``) at the end, so a shared machine's load inflates it less than the wall
time. Trees run interleaved round by round.

    .venv/bin/python bench/lsp_import.py --tree main=/path/to/main/server --tree new=server
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys

PROBE = """
import sys, time
import debugllm.lsp.bootstrap as bootstrap
if hasattr(bootstrap, "_load_server"):
    bootstrap._load_server()
else:
    import debugllm.lsp.server
print(time.process_time() * 1000, "pydantic" in sys.modules)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=DIR[:ENV=VALUE]")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    samples: dict[str, list[float]] = {}
    pydantic: dict[str, str] = {}
    for _ in range(args.runs):
        for spec in args.tree:
            name, _, rest = spec.partition("=")
            tree, _, extra = rest.partition(":")
            env = dict(os.environ, PYTHONPATH=tree)
            if extra:
                key, _, value = extra.partition("=")
                env[key] = value
            out = subprocess.run(
                [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
            ).stdout.split()
            samples.setdefault(name, []).append(float(out[0]))
            pydantic[name] = out[1]
    print(f"{args.runs} runs each, interleaved; load average at the end: {os.getloadavg()}\n")
    print("| tree | CPU ms median (min) | pydantic loaded |")
    print("| --- | ---: | --- |")
    for name, values in samples.items():
        median, low = statistics.median(values), min(values)
        print(f"| {name} | {median:.0f} ({low:.0f}) | {pydantic[name]} |")


if __name__ == "__main__":
    main()
