"""Safety benchmark: does ``debugllm fix --write`` leave correct Python files alone?

Corpus (copied fresh into ``<workdir>/run`` on every run): the ``.py`` files of the running
interpreter's stdlib (without ``site-packages`` and the test-data directories ``test/``,
``idlelib/idle_test/`` and ``lib2to3/tests/``, which hold deliberately broken files), pinned
pure-Python packages installed with ``pip install --target --no-deps --no-compile`` (cached in
the workdir), and the Python 3.12+ syntax files of ``bench/safety/newer_syntax/``.

Before: which files compile, and the public names of every importable module of the packages.
Then ``debugllm fix --write --json --offline`` on the copy, in batches of paths per process (its
JSON is computed before each file is written: the pristine file's diagnostics and the fixes
applied; ``--report-pass`` also runs ``debugllm fix --json`` first, as a separate timed pass);
``ruff check`` on the same files for the time. After: which files changed, which still compile,
the public names again (packages: every module; stdlib: each changed file, loaded by file under
its real module name, original vs changed copy).

    .venv/bin/python bench/safety/run.py [--debugllm PATH] [--workdir DIR] [--json out.json]

Exit status 1 when a file that compiled (or a newer-syntax file) was changed or a module broke.
Not part of the test suite. See bench/safety/README.md.
"""

from __future__ import annotations

import argparse
import datetime
import difflib
import hashlib
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import sysconfig
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
NEWER_SYNTAX = HERE / "newer_syntax"

# Pinned package versions (pure Python; markupsafe's C speedup has a pure fallback, both kept).
PINS: dict[str, str] = {
    "requests": "2.32.3",
    "urllib3": "2.3.0",
    "idna": "3.10",
    "certifi": "2024.12.14",
    "charset-normalizer": "3.4.1",
    "rich": "13.9.4",
    "pygments": "2.19.1",
    "markdown-it-py": "3.0.0",
    "mdurl": "0.1.2",
    "flask": "3.1.0",
    "werkzeug": "3.1.3",
    "jinja2": "3.1.5",
    "markupsafe": "3.0.2",
    "itsdangerous": "2.2.0",
    "blinker": "1.9.0",
    "click": "8.1.8",
    "attrs": "24.3.0",
    "packaging": "24.2",
    "six": "1.17.0",
}
# Installed from their py3-none-any wheel: charset-normalizer's platform wheels carry mypyc
# builds of its modules, which would shadow the .py files under test at import time.
PURE_WHEEL_ONLY = ("charset-normalizer",)

STDLIB_EXCLUDED = ("site-packages", "test", "idlelib/idle_test", "lib2to3/tests")
# Never imported by the import check: they start programs or open a browser when imported.
IMPORT_SKIPPED = {"antigravity", "idlelib.idle", "this"}

LSP_ERROR, LSP_WARNING = 1, 2
SEVERITY = {1: "error", 2: "warning", 3: "information", 4: "hint"}


@dataclass
class File:
    group: str  # stdlib, site, newer
    rel: str  # path under the group's root
    path: Path  # the copy that debugllm reads and writes
    original: Path  # where the copy came from (left untouched)
    module: str | None  # dotted module name, None when not importable by name
    before: bytes = b""
    after: bytes = b""
    compiles_before: bool = False
    compiles_after: bool = False
    compile_error: str = ""
    diagnostics: list[dict[str, Any]] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)  # from the --write pass
    report_diagnostics: list[dict[str, Any]] | None = None  # from --report-pass
    cli_error: str = ""

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def display(self) -> str:
        return f"{self.group}/{self.rel}"


# --- corpus ---------------------------------------------------------------------------------------


def module_name(rel: str) -> str | None:
    parts = rel[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(p.isidentifier() for p in parts) or parts[-1] == "__main__":
        return None
    return ".".join(parts)


def install_site(workdir: Path, python: str) -> Path:
    """The pinned packages in ``<workdir>/site-pristine``, installed once per set of pins."""
    site = workdir / "site-pristine"
    stamp = site / ".pins.json"
    wanted = json.dumps({"pins": PINS, "pure": PURE_WHEEL_ONLY}, sort_keys=True)
    if stamp.is_file() and stamp.read_text() == wanted:
        return site
    shutil.rmtree(site, ignore_errors=True)
    env = dict(os.environ, PIP_CACHE_DIR=str(workdir / "pip-cache"))
    base = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    base += ["--target", str(site), "--no-deps", "--no-compile"]
    pure_flags = ["--only-binary=:all:", "--platform", "any", "--implementation", "py"]
    version = f"{sys.version_info[0]}{sys.version_info[1]}"
    pure_flags += ["--abi", "none", "--python-version", version]
    plain = [f"{n}=={v}" for n, v in PINS.items() if n not in PURE_WHEEL_ONLY]
    pure = [f"{n}=={v}" for n, v in PINS.items() if n in PURE_WHEEL_ONLY]
    for args in (plain, pure_flags + pure):
        done = subprocess.run(base + args, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"pip install failed:\n{done.stdout}\n{done.stderr}")
    stamp.write_text(wanted)
    return site


def stdlib_files(stdlib: Path) -> Iterable[str]:
    for path in sorted(stdlib.rglob("*.py")):
        rel = path.relative_to(stdlib).as_posix()
        if "__pycache__" in rel or any(rel.startswith(x + "/") for x in STDLIB_EXCLUDED):
            continue
        yield rel


def site_files(site: Path) -> Iterable[str]:
    for path in sorted(site.rglob("*.py")):
        rel = path.relative_to(site).as_posix()
        top = rel.split("/")[0]
        if top == "bin" or top.endswith((".dist-info", ".egg-info")) or "__pycache__" in rel:
            continue
        yield rel


def site_module(site: Path, rel: str) -> str | None:
    """The module name of a package file, when every directory above it is a package."""
    name = module_name(rel)
    parts = rel.split("/")[:-1]
    for depth in range(1, len(parts) + 1):
        if not (site.joinpath(*parts[:depth]) / "__init__.py").is_file():
            return None
    return name


def _not_copied(origin: Path, excluded: Sequence[str], folder: str, names: list[str]) -> set[str]:
    """What ``copytree`` leaves out: caches, the excluded directories, static libraries."""
    rel = Path(folder).relative_to(origin).as_posix()
    skipped = {"__pycache__", ".pins.json"}
    for path in excluded:
        parent, _, name = path.rpartition("/")
        if (parent or ".") == rel:
            skipped.add(name)
    return {n for n in names if n in skipped or n.endswith(".a")}


def build_corpus(workdir: Path, site_pristine: Path, groups: set[str]) -> tuple[Path, list[File]]:
    run = workdir / "run"
    shutil.rmtree(run, ignore_errors=True)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files: list[File] = []
    sources: list[tuple[str, Path, Iterable[str]]] = []
    if "stdlib" in groups:
        sources.append(("stdlib", stdlib, stdlib_files(stdlib)))
    if "site" in groups:
        sources.append(("site", site_pristine, site_files(site_pristine)))
    if "newer" in groups:
        sources.append(("newer", NEWER_SYNTAX, (p.name for p in sorted(NEWER_SYNTAX.glob("*.py")))))
    for group, origin, rels in sources:
        # The whole tree, data files and extension modules too (certifi's cacert.pem,
        # markupsafe's speedups, lib2to3's grammar): imports of the copy must work as before.
        excluded = (*STDLIB_EXCLUDED, "lib-dynload") if group == "stdlib" else ()
        ignore = partial(_not_copied, origin, excluded)
        shutil.copytree(origin, run / group, ignore=ignore, symlinks=True)
        for rel in rels:
            src, dst = origin / rel, run / group / rel
            if group == "stdlib":
                module = module_name(rel)
            elif group == "site":
                module = site_module(site_pristine, rel)
            else:
                module = None
            files.append(File(group, rel, dst, src, module, before=dst.read_bytes()))
    return run, files


def compiles(data: bytes, path: Path) -> tuple[bool, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(data, str(path), "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            return False, f"{type(exc).__name__}: {exc}"
    return True, ""


# --- import checks --------------------------------------------------------------------------------

PROBE = r"""
import contextlib, importlib, importlib.util, io, json, os, signal, sys
mode, root, timeout, *todo = sys.argv[1:]
real_stdout = sys.stdout


class ProbeTimeout(BaseException):
    pass


def on_alarm(signum, frame):
    raise ProbeTimeout()


signal.signal(signal.SIGALRM, on_alarm)
if mode == "site":
    sys.path.insert(0, root)
for item in todo:
    name, _, path = item.partition("=")
    result = {"name": name}
    signal.alarm(int(float(timeout)))
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            if mode == "site":
                mod = importlib.import_module(name)
            else:
                parent = name.rpartition(".")[0]
                if parent:
                    importlib.import_module(parent)
                is_pkg = os.path.basename(path) == "__init__.py"
                locations = [os.path.dirname(path)] if is_pkg else None
                spec = importlib.util.spec_from_file_location(
                    name, path, submodule_search_locations=locations
                )
                mod = importlib.util.module_from_spec(spec)
                sys.modules[name] = mod
                spec.loader.exec_module(mod)
        signal.alarm(0)
        names = sorted(n for n in dir(mod) if not n.startswith("_"))
        try:
            all_ = mod.__dict__.get("__all__")
            all_ = None if all_ is None else sorted(str(n) for n in all_)
        except Exception as exc:
            all_ = f"unreadable __all__: {exc!r}"
        result |= {"ok": True, "names": names, "all": all_, "file": getattr(mod, "__file__", None)}
    except ProbeTimeout:
        result |= {"ok": False, "error": f"timeout after {timeout} s"}
    except BaseException as exc:
        signal.alarm(0)
        result |= {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:400]}
    real_stdout.write("\n@@PROBE@@" + json.dumps(result) + "\n")
    real_stdout.flush()
os._exit(0)
"""


def probe(mode: str, root: Path, todo: list[tuple[str, Path]], timeout: float) -> dict[str, Any]:
    """Import modules in order in one fresh, isolated interpreter (``-I -S``: no site-packages).

    Each module's public names are recorded right after its own import. When the interpreter
    dies or hangs, the module it was on is recorded as failing and the rest go on in a new one.
    """
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    env |= {"LANG": "C.UTF-8", "TERM": "dumb", "PYTHONHASHSEED": "0"}
    results: dict[str, Any] = {}
    while todo:
        items = [f"{name}={path}" for name, path in todo]
        cmd = [sys.executable, "-I", "-S", "-c", PROBE, mode, str(root), str(timeout), *items]
        error = ""
        try:
            done = subprocess.run(
                cmd, capture_output=True, text=True, timeout=timeout * 2 + len(todo), env=env,
                stdin=subprocess.DEVNULL, cwd=root,
            )  # fmt: skip
            stdout = done.stdout
            error = f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            error = "the importing interpreter hung"
        for line in stdout.splitlines():
            if line.startswith("@@PROBE@@"):
                row = json.loads(line[len("@@PROBE@@") :])
                results[row.pop("name")] = row
        todo = [(name, path) for name, path in todo if name not in results]
        if todo:
            results[todo[0][0]] = {"ok": False, "error": error}
            todo = todo[1:]
    return results


def probe_site(site: Path, files: list[File], workers: int, timeout: float) -> dict[str, Any]:
    """Every module of each top-level package, in name order, one interpreter per package."""
    groups: dict[str, list[tuple[str, Path]]] = {}
    for f in sorted(files, key=lambda f: str(f.module)):
        groups.setdefault(str(f.module).split(".")[0], []).append((str(f.module), f.path))
    batches = sorted(groups.values(), key=len, reverse=True)
    results: dict[str, Any] = {}
    with ThreadPoolExecutor(workers) as pool:
        for part in pool.map(lambda todo: probe("site", site, todo, timeout), batches):
            results |= part
    return results


def probe_files(
    root: Path, files: list[tuple[str, Path]], workers: int, timeout: float
) -> list[Any]:
    """Each file loaded by itself under its module name, one interpreter per file."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda j: probe("stdlib", root, [j], timeout)[j[0]], files))


def _fixes_error(f: File) -> bool:
    """Whether an error diagnostic was reported in the pristine file (its --write run may
    rightly change it)."""
    return any(d.get("severity") == LSP_ERROR for d in f.diagnostics)


def same_module(before: dict[str, Any], after: dict[str, Any]) -> tuple[str, bool]:
    """('', False) when the module imports with the same public names; otherwise what differs,
    and whether it only gained names (an import added to fix an undefined name)."""
    if not after["ok"]:
        return f"import fails after: {after['error']}", False
    why = []
    only_gained = True
    for key in ("names", "all"):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if isinstance(old, list) and isinstance(new, list):
            gone, added = sorted(set(old) - set(new)), sorted(set(new) - set(old))
            why.append(f"{key}: missing {gone[:12]}, new {added[:12]}")
            only_gained = only_gained and not gone
        else:
            why.append(f"{key}: {str(old)[:80]} -> {str(new)[:80]}")
            only_gained = False
    return "; ".join(why), bool(why) and only_gained


# --- the CLI --------------------------------------------------------------------------------------


@dataclass
class Pass:
    name: str
    wall_s: float = 0.0
    cpu_s: float = 0.0
    processes: int = 0
    results: dict[str, dict[str, Any]] = field(default_factory=dict)
    crashed: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_batch(cmd: list[str], paths: list[str], timeout: float, into: Pass) -> None:
    """Run the CLI on ``paths``; when a process dies early, skip the file it died on, go on."""
    todo = list(paths)
    while todo:
        into.processes += 1
        try:
            done = subprocess.run(
                cmd + todo, capture_output=True, text=True, timeout=timeout,
                stdin=subprocess.DEVNULL,
            )  # fmt: skip
            stdout, stderr = done.stdout, done.stderr
        except subprocess.TimeoutExpired as exc:
            stdout = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
            stderr = f"timeout after {timeout:g} s"
        seen = set()
        for line in stdout.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "path" in row:
                into.results[row["path"]] = row
                seen.add(row["path"])
        if stderr.strip():
            into.stderr.append(stderr.strip()[-2000:])
        left = [p for p in todo if p not in seen]
        if not left:
            return
        into.crashed.append(left[0])  # the file it was working on
        todo = left[1:]


def run_cli(
    name: str, cmd: list[str], paths: list[str], jobs: int, batch: int, timeout: float
) -> Pass:
    result = Pass(name)
    # Largest files first, dealt round-robin, so that batches take about the same time.
    ordered = sorted(paths, key=lambda p: -os.path.getsize(p))
    count = max(jobs, -(-len(ordered) // batch))
    batches = [ordered[i::count] for i in range(count)]
    cpu, started = children_cpu(), time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(lambda b: run_batch(cmd, b, timeout, result), batches))
    result.wall_s = time.perf_counter() - started
    result.cpu_s = children_cpu() - cpu
    return result


def run_ruff(ruff: str, paths: list[str]) -> dict[str, Any]:
    cmd = [ruff, "check", "--isolated", "--no-cache", "--select", "E9,F", "--exit-zero"]
    cmd += ["--output-format", "json"]
    cpu, started = children_cpu(), time.perf_counter()
    done = subprocess.run(cmd + paths, capture_output=True, text=True)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    try:
        rows = json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"wall_s": wall, "cpu_s": cpu, "error": done.stderr[-500:]}
    codes = Counter(str(r.get("code") or "syntax-error") for r in rows)
    version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "version": version,
        "command": " ".join(cmd[1:]) + " FILES...",
        "wall_s": wall,
        "cpu_s": cpu,
        "diagnostics": len(rows),
        "files_with_diagnostics": len({r["filename"] for r in rows}),
        "by_code": dict(codes.most_common()),
    }


def checkout_of(debugllm: str) -> dict[str, str]:
    """The git commit of the checkout whose venv holds ``debugllm`` (when it is one)."""
    exe = Path(debugllm).resolve() if os.sep in debugllm else Path(shutil.which(debugllm) or "")
    info = {"executable": str(exe)}
    for parent in exe.parents:
        if (parent / ".git").exists():
            git = ["git", "-C", str(parent)]
            rev = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True)
            dirty = subprocess.run([*git, "status", "--porcelain", "server"], capture_output=True)
            info["checkout"] = str(parent)
            info["commit"] = rev.stdout.decode().strip()
            info["server_dirty"] = "yes" if dirty.stdout.strip() else "no"
            break
    return info


# --- report ---------------------------------------------------------------------------------------


def source_line(data: bytes, line: int) -> str:
    lines = data.decode("utf-8", "replace").splitlines()
    return lines[line].strip() if 0 <= line < len(lines) else ""


def short_diff(f: File, limit: int = 40) -> list[str]:
    old = f.before.decode("utf-8", "replace").splitlines()
    new = f.after.decode("utf-8", "replace").splitlines()
    diff = list(difflib.unified_diff(old, new, f.display, f.display, n=1, lineterm=""))[2:]
    return diff[:limit] + ([f"... {len(diff) - limit} more lines"] if len(diff) > limit else [])


def md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return out


def main(argv: Sequence[str] | None = None) -> int:
    default_cli = ROOT / ".venv" / "bin" / "debugllm"
    default_ruff = Path(sys.executable).parent / "ruff"
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--debugllm",
        default=str(default_cli) if default_cli.exists() else "debugllm",
        help="the debugllm executable to measure (default: this checkout's .venv)",
    )
    parser.add_argument(
        "--ruff",
        default=str(default_ruff) if default_ruff.exists() else "ruff",
        help="the ruff executable timed on the same files (default: beside this Python)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=Path(os.environ.get("TMPDIR", "/tmp")) / "debugllm-bench-safety",
        help="pip cache, installed packages and the corpus copy (kept for inspection)",
    )
    parser.add_argument("--json", type=Path, help="write every detail here")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="CLI processes")
    parser.add_argument("--batch", type=int, default=80, help="paths per CLI process")
    parser.add_argument("--budget-ms", type=int, help="passed to debugllm (default: its own)")
    parser.add_argument("--cli-timeout", type=float, default=900.0, help="per CLI process (s)")
    parser.add_argument("--import-timeout", type=float, default=30.0, help="per module (s)")
    parser.add_argument(
        "--groups", default="stdlib,site,newer", help="comma-separated subset of stdlib,site,newer"
    )
    parser.add_argument(
        "--report-pass",
        action="store_true",
        help="also run `debugllm fix --json` (no --write) first and compare its diagnostics",
    )
    parser.add_argument("--max-list", type=int, default=400, help="rows per markdown list")
    args = parser.parse_args(argv)
    groups = set(args.groups.split(","))
    workdir: Path = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    started_at = datetime.datetime.now().astimezone()
    t0 = time.perf_counter()
    timings: dict[str, float] = {}

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - t0:6.1f}s] {message}", file=sys.stderr, flush=True)

    site_pristine = install_site(workdir, sys.executable) if "site" in groups else workdir
    run, files = build_corpus(workdir, site_pristine, groups)
    site_copy = run / "site"
    log(f"corpus: {len(files)} files in {run}")
    for f in files:
        f.compiles_before, f.compile_error = compiles(f.before, f.path)
    paths = [str(f.path) for f in files]
    by_path = {str(f.path): f for f in files}

    # Public names of every module of the packages, before anything is written.
    site_mods = [f for f in files if f.group == "site" and f.module]
    site_mods = [f for f in site_mods if f.module not in IMPORT_SKIPPED]
    mark = time.perf_counter()
    site_before = probe_site(site_copy, site_mods, args.jobs, args.import_timeout)
    timings["imports_before_s"] = time.perf_counter() - mark
    log(f"imported {len(site_mods)} package modules (before)")

    ruff = run_ruff(args.ruff, paths)
    log(f"ruff: {ruff.get('wall_s', 0):.1f} s")
    cli = [args.debugllm, "fix", "--offline", "--json"]
    if args.budget_ms is not None:
        cli += ["--budget-ms", str(args.budget_ms)]
    report = None
    if args.report_pass:
        report = run_cli(
            "fix --json --offline", cli, paths, args.jobs, args.batch, args.cli_timeout
        )
        log(f"debugllm fix --json: {report.wall_s:.1f} s, {len(report.crashed)} crashed")
    write = run_cli(
        "fix --write --json --offline",
        [*cli, "--write"],
        paths,
        args.jobs,
        args.batch,
        args.cli_timeout,
    )
    log(f"debugllm fix --write --json: {write.wall_s:.1f} s, {len(write.crashed)} crashed")

    for f in files:
        f.after = f.path.read_bytes()
        f.compiles_after = compiles(f.after, f.path)[0] if f.changed else f.compiles_before
        # The JSON of `--write` is computed before the file is written: the pristine file's.
        row = write.results.get(str(f.path), {})
        f.diagnostics = list(row.get("diagnostics", []))
        f.cli_error = str(row.get("error", ""))
        f.applied = [x for x in row.get("fixes", []) if x.get("applied")]
        if report is not None:
            f.report_diagnostics = list(report.results.get(str(f.path), {}).get("diagnostics", []))

    # After: every package module again (when a package file changed), each changed stdlib file.
    mark = time.perf_counter()
    broken: list[dict[str, Any]] = []
    out_of_scope: list[dict[str, Any]] = []
    not_checked: list[str] = []
    site_changed = any(f.changed for f in files if f.group == "site")
    site_after = (
        probe_site(site_copy, site_mods, args.jobs, args.import_timeout)
        if site_changed
        else site_before
    )

    def compare(f: File, before: dict[str, Any], after: dict[str, Any]) -> None:
        """Record ``f``'s module as out of scope, broken, or (nothing) the same."""
        if not before["ok"]:
            out_of_scope.append({"module": f.module, "group": f.group, "error": before["error"]})
            return
        why, gained = same_module(before, after)
        if why:
            broken.append(
                {"module": f.module, "group": f.group, "file": f.display, "changed": f.changed,
                 "why": why, "gained_only": gained, "fixes_error": _fixes_error(f)}
            )  # fmt: skip

    for f in site_mods:
        compare(f, site_before[str(f.module)], site_after[str(f.module)])
    changed_std = [f for f in files if f.group == "stdlib" and f.changed]
    std_mods = [f for f in changed_std if f.module and f.module not in IMPORT_SKIPPED]
    not_checked += [f.display for f in changed_std if f not in std_mods]
    stdlib_root = Path(sysconfig.get_paths()["stdlib"])
    std_jobs = [(str(f.module), f.original) for f in std_mods]
    std_before = probe_files(stdlib_root, std_jobs, args.jobs, args.import_timeout)
    std_jobs = [(str(f.module), f.path) for f in std_mods]
    std_after = probe_files(run / "stdlib", std_jobs, args.jobs, args.import_timeout)
    for f, before, after in zip(std_mods, std_before, std_after, strict=True):
        compare(f, before, after)
    timings["imports_after_s"] = time.perf_counter() - mark
    log(f"import checks after: {len(broken)} broken")

    # --- figures ----------------------------------------------------------------------------------
    def count(pred: Any, group: str | None = None) -> int:
        return sum(1 for f in files if (group is None or f.group == group) and pred(f))

    group_names = [g for g in ("stdlib", "site", "newer") if g in groups]
    rows = []
    figures: dict[str, dict[str, int]] = {}
    for g in [*group_names, None]:
        fig = {
            "files": count(lambda f: True, g),
            "compile": count(lambda f: f.compiles_before, g),
            "changed": count(lambda f: f.changed, g),
            "changed_compiling": count(lambda f: f.changed and f.compiles_before, g),
            "changed_not_compiling": count(lambda f: f.changed and not f.compiles_before, g),
            "changed_now_failing": count(
                lambda f: f.changed and f.compiles_before and not f.compiles_after, g
            ),
            "with_applied_fixes": count(lambda f: bool(f.applied), g),
            "not_read": count(lambda f: bool(f.cli_error), g),
        }
        figures[g or "total"] = fig
        rows.append([g or "**total**", *fig.values()])

    diags = [(f, d) for f in files for d in f.diagnostics]
    errors_ok = [(f, d) for f, d in diags if d.get("severity") == LSP_ERROR and f.compiles_before]
    errors_bad = [
        (f, d) for f, d in diags if d.get("severity") == LSP_ERROR and not f.compiles_before
    ]
    by_severity = Counter(SEVERITY.get(d.get("severity", 0), "?") for _, d in diags)
    warn_codes = Counter(str(d.get("code")) for _, d in diags if d.get("severity") == LSP_WARNING)
    other_codes = Counter(
        f"{SEVERITY.get(d.get('severity', 0), '?')} {d.get('code')}"
        for _, d in diags
        if d.get("severity") not in (LSP_ERROR, LSP_WARNING)
    )
    error_codes = Counter(str(d.get("code")) for _, d in errors_ok)
    changed_ok = [f for f in files if f.changed and f.compiles_before]
    # Correct code: compiles and DebugLLM reports no error in it. A compiling file with a
    # reported error (a name used but never imported) is listed apart: each such error is
    # explained in RESULTS.md as a true bug or not, and a false one would show up there.
    changed_clean = [f for f in changed_ok if not _fixes_error(f)]
    changed_bug = [f for f in changed_ok if _fixes_error(f)]
    # A module that only gained a name because a reported error was fixed (the added import)
    # is not broken; losing a name or failing to import is.
    broken_gate = [b for b in broken if not (b["gained_only"] and b["fixes_error"])]
    applied_codes = Counter(str(x["diagnostic"]["code"]) for f in changed_ok for x in f.applied)
    newer_changed = [f for f in files if f.group == "newer" and f.changed]
    passes = [write] if report is None else [report, write]
    crashed = sorted({p for cli_pass in passes for p in cli_pass.crashed})
    differ = [f.display for f in files if f.report_diagnostics not in (None, f.diagnostics)]
    cli_sum_ms = sum(float(r.get("elapsed_ms", 0)) for r in write.results.values())
    info = checkout_of(args.debugllm)
    gate_failed = bool(changed_clean or broken_gate or newer_changed)

    md: list[str] = [
        "# Safety benchmark: `debugllm fix --write` on correct code",
        "",
        f"- date: {started_at:%Y-%m-%d %H:%M %Z}; Python {platform.python_version()} "
        f"({sys.executable}); {os.cpu_count()} CPUs, `--jobs {args.jobs}`",
        f"- debugllm: `{info['executable']}`"
        + (f" (checkout {info['checkout']} at {info['commit']}" if "commit" in info else "")
        + (f", server/ modified: {info['server_dirty']})" if "commit" in info else ""),
        f"- corpus copy: `{run}` (stdlib without {', '.join(STDLIB_EXCLUDED)}; "
        f"{len(PINS)} pinned packages; {count(lambda f: True, 'newer')} newer-syntax files)",
        f"- gate: {'FAILED' if gate_failed else 'passed'} "
        f"({len(changed_clean)} correct files changed (they compile and no error is reported "
        f"in them), {len(broken_gate)} modules broken, {len(newer_changed)} newer-syntax files "
        f"changed; apart: {len(changed_bug)} compiling files changed to fix a reported error, "
        f"{len(broken) - len(broken_gate)} of their modules only gained a name)",
        "",
        "## Files",
        "",
        *md_table(
            [
                "group",
                "files",
                "compile",
                "changed by --write",
                "changed, compiled",
                "changed, did not compile",
                "compiled, no longer compile",
                "with applied fixes (--json)",
                "not read (not UTF-8)",
            ],
            rows,
        ),
        "",
        f"CLI processes that died (files skipped): {len(crashed)}"
        + (f": {', '.join(by_path[p].display for p in crashed[:20])}" if crashed else ""),
        "",
        "## Modules broken",
        "",
        f"Import checks: {len(site_mods)} package modules before"
        + (" and after" if site_changed else " (no package file changed: not re-imported)")
        + f"; {len(std_mods)} changed stdlib files loaded by file, original vs changed. "
        f"Out of scope (import fails before): {len(out_of_scope)}. "
        f"Changed but not import-checked: {len(not_checked)}.",
        "",
    ]
    own = sum(1 for b in broken if b["changed"])
    md += [
        f"Broken: {len(broken_gate)} (an import fails or public names are lost). Differing "
        f"in all: {len(broken)}; {own} with their own file changed, {len(broken) - own} only "
        "through a module they import; those that only gained a name where a reported error "
        "was fixed (an added import) are not counted as broken.",
        "",
    ]
    md += md_table(
        ["module", "own file changed", "what differs"],
        [[b["module"], "yes" if b["changed"] else "no", b["why"][:300]] for b in broken],
    )
    md += [
        "",
        "## Changed files that compiled",
        "",
        f"{len(changed_clean)} with no error reported in them (correct code), "
        f"{len(changed_bug)} to fix a reported error (listed under 'Errors on files that "
        "compile' below: each is a true bug or explained).",
        "",
    ]
    md += [
        "Applied fixes on them, by diagnostic code: "
        + (", ".join(f"`{c}` {n}" for c, n in applied_codes.most_common()) or "none"),
        "",
    ]
    md += md_table(
        ["file", "fixes applied (code: title)"],
        [
            [f.display, "; ".join(f"{x['diagnostic']['code']}: {x['title'][:90]}" for x in fx)]
            for f in changed_ok[: args.max_list]
            for fx in [f.applied]
        ],
    )
    if newer_changed:
        md += ["", "Newer-syntax files changed: " + ", ".join(f.display for f in newer_changed)]
    md += [
        "",
        "## Diagnostics (of the pristine files)",
        "",
        "By severity: " + ", ".join(f"{k} {v}" for k, v in by_severity.most_common()),
        "",
        f"Errors on files that compile: {len(errors_ok)} in "
        f"{len({f.display for f, _ in errors_ok})} files; by code: "
        + (", ".join(f"`{c}` {n}" for c, n in error_codes.most_common()) or "none"),
        "",
        f"Errors on files that do not compile: {len(errors_bad)}",
        "",
        "Warnings by code: "
        + (", ".join(f"`{c}` {n}" for c, n in warn_codes.most_common()) or "none"),
        "",
        "Information and hints: "
        + (", ".join(f"`{c}` {n}" for c, n in other_codes.most_common()) or "none"),
        "",
        "### Errors on files that compile",
        "",
    ]
    md += md_table(
        ["file:line", "code", "message", "source line"],
        [
            [
                f"{f.display}:{d['range']['start']['line'] + 1}",
                d.get("code"),
                str(d.get("message", ""))[:160],
                "`" + source_line(f.before, d["range"]["start"]["line"])[:100] + "`",
            ]
            for f, d in errors_ok[: args.max_list]
        ],
    )
    if len(errors_ok) > args.max_list:
        md.append(f"... {len(errors_ok) - args.max_list} more (see --json)")
    md += [
        "",
        "## Time (whole corpus, wall)",
        "",
        *md_table(
            ["tool", "wall s", "CPU s", "processes"],
            [
                [
                    f"`debugllm {cli_pass.name}`",
                    f"{cli_pass.wall_s:.1f}",
                    f"{cli_pass.cpu_s:.1f}",
                    cli_pass.processes,
                ]
                for cli_pass in passes
            ]
            + [
                [
                    f"`ruff {ruff.get('command', 'check')}` ({ruff.get('version', '?')})",
                    f"{ruff['wall_s']:.2f}",
                    f"{ruff['cpu_s']:.2f}",
                    1,
                ],
            ],
        ),
        "",
        "debugllm's own per-file time (`elapsed_ms`, --write pass), summed: "
        f"{cli_sum_ms / 1000:.1f} s. Ruff: {ruff.get('diagnostics', '?')} diagnostics in "
        f"{ruff.get('files_with_diagnostics', '?')} files, by code: {ruff.get('by_code', {})}. "
        "Import checks: "
        f"{timings['imports_before_s']:.1f} s before, {timings['imports_after_s']:.1f} s after. "
        f"Whole run: {time.perf_counter() - t0:.0f} s.",
    ]
    print("\n".join(md))

    if args.json:
        details = {
            "date": started_at.isoformat(),
            "python": platform.python_version(),
            "argv": sys.argv,
            "debugllm": info,
            "pins": PINS,
            "stdlib_excluded": STDLIB_EXCLUDED,
            "workdir": str(workdir),
            "figures": figures,
            "gate_failed": gate_failed,
            "broken_modules": broken,
            "out_of_scope_modules": out_of_scope,
            "changed_not_import_checked": not_checked,
            "changed_files": [
                {
                    "file": f.display,
                    "compiled_before": f.compiles_before,
                    "compiles_after": f.compiles_after,
                    "applied": [
                        {
                            "code": x["diagnostic"]["code"],
                            "line": x["diagnostic"]["line"],
                            "title": x["title"],
                        }
                        for x in f.applied
                    ],
                    "diff": short_diff(f),
                }
                for f in files
                if f.changed
            ],
            "not_compiling": [
                {"file": f.display, "error": f.compile_error}
                for f in files
                if not f.compiles_before
            ],
            "errors_on_compiling_files": [
                {
                    "file": f.display,
                    "line": d["range"]["start"]["line"] + 1,
                    "code": d.get("code"),
                    "message": d.get("message"),
                    "source": source_line(f.before, d["range"]["start"]["line"]),
                }
                for f, d in errors_ok
            ],
            "diagnostics_by_severity": dict(by_severity),
            "warnings_by_code": dict(warn_codes.most_common()),
            "errors_by_code": dict(error_codes.most_common()),
            "info_hint_by_code": dict(other_codes.most_common()),
            "not_read": {f.display: f.cli_error for f in files if f.cli_error},
            "crashed": [by_path[p].display for p in crashed],
            "cli_stderr": [e for cli_pass in passes for e in cli_pass.stderr][:50],
            "diagnostics_differ_between_passes": differ,
            "timing": {
                "report_wall_s": report and report.wall_s,
                "report_cpu_s": report and report.cpu_s,
                "write_wall_s": write.wall_s,
                "write_cpu_s": write.cpu_s,
                "write_elapsed_ms_sum": cli_sum_ms,
                "ruff": ruff,
                **timings,
                "total_s": time.perf_counter() - t0,
            },
            "corpus_sha256": hashlib.sha256(
                b"".join(f.display.encode() + f.before for f in files)
            ).hexdigest(),
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(details, indent=1, ensure_ascii=False) + "\n")
    return 1 if gate_failed else 0


if __name__ == "__main__":
    sys.exit(main())
