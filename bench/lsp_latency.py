"""Diagnostics and code-action latency of debugllm-lsp, side by side with ruff, ty, pyrefly
and pylsp (those installed: ty and pyrefly come with the ``bench`` extra).

One hand-written JSON-RPC stdio client drives every server the same way, interleaved: all
servers are started (the time to their initialize result is recorded), then round by round each
case is opened on each server in turn, so a slow moment of the machine hits them all alike.
Cases: ``didOpen`` -> the first ``textDocument/publishDiagnostics`` for that URI on a generated
file (default 5,000 lines) clean, with one syntax error, made of one module repeated with the
last colon missing (the shape that once made a whole-file diff quadratic), and a 300-line file;
then one keystroke in the 5,000-line file (a colon deleted, sent as an incremental change to
servers that ask for incremental sync) -> the diagnostics that show it. Each server's peak
resident memory (``VmHWM``) is read before it stops. It then measures debugllm-lsp's
``textDocument/codeAction`` and ``codeAction/resolve`` latency on a 300-line file with a few
errors.

    python bench/lsp_latency.py [--lines 5000] [--runs 10] [--json out.json]

Not part of the test run. Numbers depend on the machine; compare servers within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Json = Any
BIN = Path(sys.executable).parent


# --- a minimal JSON-RPC client over stdio ----------------------------------------------------


class ServerError(RuntimeError):
    pass


class StdioClient:
    """Sends requests and notifications, answers the server's requests with defaults."""

    def __init__(self, name: str, cmd: list[str], cwd: str) -> None:
        self.name = name
        self.cmd = cmd
        self.cwd = cwd
        self.proc: asyncio.subprocess.Process | None = None
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[Json]] = {}
        self._waiters: list[tuple[Callable[[str, Json], bool], asyncio.Future[float]]] = []
        self._reader: asyncio.Task[None] | None = None
        self._stderr: asyncio.Task[bytes] | None = None
        self.server_requests: list[str] = []
        #: Start of the process to the initialize result (ms).
        self.initialize_ms = float("nan")

    async def start(self) -> None:
        self.proc = await asyncio.create_subprocess_exec(
            *self.cmd,
            cwd=self.cwd,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1 << 24,
        )
        self._reader = asyncio.create_task(self._read_loop())
        assert self.proc.stderr is not None
        self._stderr = asyncio.create_task(self.proc.stderr.read())

    async def _read_loop(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        stdout = self.proc.stdout
        try:
            while True:
                length = -1
                while True:
                    line = await stdout.readline()
                    if not line:
                        raise EOFError
                    line = line.strip()
                    if not line:
                        break
                    key, _, value = line.decode("ascii").partition(":")
                    if key.lower() == "content-length":
                        length = int(value)
                body = await stdout.readexactly(length)
                received = time.perf_counter()
                self._dispatch(json.loads(body), received)
        except (EOFError, asyncio.IncompleteReadError):
            error = ServerError(f"{self.name} closed its output")
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(error)
            for _, waiter in self._waiters:
                if not waiter.done():
                    waiter.set_exception(error)

    def _dispatch(self, message: Json, received: float) -> None:
        if "id" in message and "method" not in message:
            future = self._pending.pop(message["id"], None)
            if future is not None and not future.done():
                if "error" in message:
                    future.set_exception(ServerError(f"{self.name}: {message['error']}"))
                else:
                    future.set_result(message.get("result"))
            return
        method = message.get("method", "")
        params = message.get("params")
        if "id" in message:  # a request from the server
            self.server_requests.append(method)
            self._send(
                {"jsonrpc": "2.0", "id": message["id"], "result": self._answer(method, params)}
            )
            return
        for predicate, waiter in list(self._waiters):
            if not waiter.done() and predicate(method, params):
                waiter.set_result(received)
                self._waiters.remove((predicate, waiter))

    @staticmethod
    def _answer(method: str, params: Json) -> Json:
        if method == "workspace/configuration":
            return [None for _ in params.get("items", [])]
        return None  # client/registerCapability, window/workDoneProgress/create, ...

    def peak_rss_mib(self) -> float:
        """The server process's peak resident memory (Linux ``VmHWM``), MiB."""
        if self.proc is None:
            return float("nan")
        try:
            with open(f"/proc/{self.proc.pid}/status") as status:
                for line in status:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return float("nan")

    def _send(self, message: Json) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(message, separators=(",", ":")).encode("utf-8")
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    async def request(self, method: str, params: Json, timeout: float = 60.0) -> Json:
        request_id = next(self._ids)
        future: asyncio.Future[Json] = asyncio.get_running_loop().create_future()
        self._pending[request_id] = future
        self._send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        assert self.proc is not None and self.proc.stdin is not None
        await self.proc.stdin.drain()
        return await asyncio.wait_for(future, timeout)

    async def notify(self, method: str, params: Json) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})
        assert self.proc is not None and self.proc.stdin is not None
        await self.proc.stdin.drain()

    def expect(self, predicate: Callable[[str, Json], bool]) -> asyncio.Future[float]:
        """A future set to the time the first matching notification was read."""
        waiter: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((predicate, waiter))
        return waiter

    async def stop(self) -> str:
        """Shut the server down politely, then firmly; return its stderr."""
        if self.proc is None:
            return ""
        with contextlib.suppress(Exception):
            await self.request("shutdown", None, timeout=5)
            await self.notify("exit", None)
        try:
            await asyncio.wait_for(self.proc.wait(), 5)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        err = b""
        if self._stderr is not None:
            with contextlib.suppress(Exception):
                err = await asyncio.wait_for(self._stderr, 2)
        return err.decode("utf-8", "replace")


def client_capabilities(resolve_edit: bool) -> Json:
    """What every server is told: push diagnostics only (no ``textDocument.diagnostic``)."""
    code_action: Json = {
        "dynamicRegistration": False,
        "isPreferredSupport": True,
        "dataSupport": True,
        "codeActionLiteralSupport": {
            "codeActionKind": {"valueSet": ["", "quickfix", "source", "source.fixAll"]}
        },
    }
    if resolve_edit:
        code_action["resolveSupport"] = {"properties": ["edit"]}
    return {
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {"configuration": True, "workspaceEdit": {"documentChanges": True}},
        "textDocument": {
            "synchronization": {"dynamicRegistration": False, "didSave": True},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
            "codeAction": code_action,
            "hover": {"contentFormat": ["markdown", "plaintext"]},
        },
    }


# pylsp lints only through plugins; keep pyflakes (the checks closest to ours) and turn off the
# ones that are slow or not installed, so it reports what it finds instead of failing.
PYLSP_SETTINGS: Json = {
    "pylsp": {
        "plugins": {
            "pyflakes": {"enabled": True},
            "pycodestyle": {"enabled": False},
            "mccabe": {"enabled": False},
            "pydocstyle": {"enabled": False},
            "flake8": {"enabled": False},
            "pylint": {"enabled": False},
            "autopep8": {"enabled": False},
            "yapf": {"enabled": False},
            "rope_autoimport": {"enabled": False},
        }
    }
}


@dataclass
class ServerSpec:
    name: str
    cmd: list[str]
    settings: Json = None


def server_specs() -> list[ServerSpec]:
    """debugllm-lsp and the peers that are installed (ty and pyrefly: the ``bench`` extra)."""

    def exe(name: str) -> str | None:
        candidate = BIN / name
        if candidate.exists():
            return str(candidate)
        return shutil.which(name)

    wanted = [
        ("debugllm-lsp", "debugllm-lsp", [], None),
        ("ruff server", "ruff", ["server"], None),
        ("ty server", "ty", ["server"], None),
        ("pyrefly lsp", "pyrefly", ["lsp"], None),
        ("pylsp", "pylsp", [], PYLSP_SETTINGS),
    ]
    specs: list[ServerSpec] = []
    for label, name, args, settings in wanted:
        path = exe(name)
        if path is None:
            print(f"{label}: {name} is not installed; skipped", file=sys.stderr)
            continue
        specs.append(ServerSpec(label, [path, *args], settings))
    return specs


def initialize_params(spec: ServerSpec, root: Path, resolve_edit: bool = False) -> Json:
    return {
        "processId": os.getpid(),
        "clientInfo": {"name": "debugllm-bench", "version": "1"},
        "rootUri": root.as_uri(),
        "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
        "capabilities": client_capabilities(resolve_edit),
        "initializationOptions": spec.settings.get("pylsp") if spec.settings else None,
    }


async def start_client(
    spec: ServerSpec, root: Path, resolve_edit: bool = False
) -> tuple[StdioClient, Json]:
    client = StdioClient(spec.name, spec.cmd, str(root))
    started = time.perf_counter()
    await client.start()
    result = await client.request(
        "initialize", initialize_params(spec, root, resolve_edit), timeout=60
    )
    client.initialize_ms = (time.perf_counter() - started) * 1000
    await client.notify("initialized", {})
    if spec.settings is not None:
        await client.notify("workspace/didChangeConfiguration", {"settings": spec.settings})
    return client, result


async def start_once(spec: ServerSpec, root: Path, source: str, name: str) -> tuple[float, float]:
    """Spawn -> the initialize result, and spawn -> the first diagnostics of a small file opened
    right after ``initialized`` (ms). The second keeps an early initialize answer honest: the
    editor shows nothing until the server can analyse."""
    client = StdioClient(spec.name, spec.cmd, str(root))
    uri = (root / f"bench_start_{name}.py").as_uri()
    waiter: asyncio.Future[float] | None = None
    started = time.perf_counter()
    try:
        await client.start()
        waiter = client.expect(
            lambda method, params: (
                method == "textDocument/publishDiagnostics" and params.get("uri") == uri
            )
        )
        await client.request("initialize", initialize_params(spec, root), timeout=60)
        initialized = time.perf_counter()
        await client.notify("initialized", {})
        if spec.settings is not None:
            await client.notify("workspace/didChangeConfiguration", {"settings": spec.settings})
        await client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": source}},
        )
        received = await asyncio.wait_for(waiter, 60)
    finally:
        if waiter is not None and not waiter.done():
            waiter.cancel()
        await client.stop()
    return (initialized - started) * 1000, (received - started) * 1000


async def bench_start(
    specs: list[ServerSpec], root: Path, source: str, runs: int, pause: float
) -> dict[str, Json]:
    """Every server started ``runs`` times (after one warm-up start), interleaved round by round."""
    samples: dict[str, dict[str, list[float]]] = {
        spec.name: {"initialize": [], "first_diagnostics": []} for spec in specs
    }
    errors: dict[str, str] = {}
    for round_ in range(runs + 1):
        for spec in specs:
            if spec.name in errors:
                continue
            try:
                init_ms, first_ms = await start_once(spec, root, source, str(round_))
            except (TimeoutError, ServerError) as exc:
                errors[spec.name] = f"{type(exc).__name__}: {exc}"
                continue
            if round_:
                samples[spec.name]["initialize"].append(init_ms)
                samples[spec.name]["first_diagnostics"].append(first_ms)
            await asyncio.sleep(pause)
    out: dict[str, Json] = {}
    for name, by_case in samples.items():
        out[name] = {case: {**stats(v), "samples_ms": v} for case, v in by_case.items()}
        if name in errors:
            out[name]["error"] = errors[name]
    return out


def _python_of(cmd: list[str]) -> str | None:
    """The interpreter a server command runs: itself, or a script's ``#!`` line."""
    exe = cmd[0]
    if Path(exe).name.startswith("python"):
        return exe
    try:
        with open(exe, "rb") as script:
            first = script.readline()
    except OSError:
        return None
    if first.startswith(b"#!") and b"python" in first:
        return first[2:].decode().split()[0]
    return None  # a native binary (ruff, ty, pyrefly)


def ensure_bytecode(specs: list[ServerSpec]) -> list[str]:
    """Compile the Python servers' site-packages and debugllm package, as a wheel install has
    them: with PYTHONDONTWRITEBYTECODE set, every start would otherwise compile from source."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    compiled: list[str] = []
    for python in sorted({p for spec in specs if (p := _python_of(spec.cmd)) is not None}):
        where = subprocess.run(
            [
                python,
                "-c",
                "import os, sysconfig\n"
                "print(sysconfig.get_paths()['purelib'])\n"
                "try:\n"
                "    import debugllm\n"
                "    print(os.path.dirname(debugllm.__file__))\n"
                "except ImportError:\n"
                "    pass\n",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        subprocess.run(
            [python, "-m", "compileall", "-q", *where], env=env, capture_output=True, check=False
        )
        compiled += where
    return compiled


# --- generated source ------------------------------------------------------------------------

HEADER = '''"""Generated module for the latency benchmark."""

from __future__ import annotations

import json
import math
import os
from collections import defaultdict
from dataclasses import dataclass, field


'''

BLOCKS = [
    '''@dataclass
class Record{n}:
    """A record with a few derived values."""

    name: str
    values: list[float] = field(default_factory=list)
    tags: dict[str, int] = field(default_factory=dict)

    def total(self) -> float:
        result = 0.0
        for value in self.values:
            if value > 0:
                result += value
            else:
                result -= value / 2
        return result

    def describe(self) -> str:
        parts = [f"{{key}}={{count}}" for key, count in sorted(self.tags.items())]
        return self.name + "(" + ", ".join(parts) + ")"


''',
    '''def summarize_{n}(rows: list[dict[str, float]], key: str = "value") -> dict[str, float]:
    """Mean, spread and extremes of one column."""
    numbers = [row[key] for row in rows if key in row]
    if not numbers:
        return {{"count": 0.0}}
    mean = sum(numbers) / len(numbers)
    variance = sum((x - mean) ** 2 for x in numbers) / len(numbers)
    return {{
        "count": float(len(numbers)),
        "mean": mean,
        "std": math.sqrt(variance),
        "min": min(numbers),
        "max": max(numbers),
    }}


''',
    """def group_words_{n}(text: str) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for index, word in enumerate(text.split()):
        cleaned = word.strip(".,;:!?").lower()
        if not cleaned:
            continue
        while len(cleaned) > 12:
            cleaned = cleaned[:-1]
        groups[cleaned[0]].append(f"{{index}}:{{cleaned}}")
    return dict(groups)


""",
    """class Cache{n}:
    def __init__(self, directory: str, limit: int = 128) -> None:
        self.directory = directory
        self.limit = limit
        self.entries: dict[str, str] = {{}}

    def path(self, key: str) -> str:
        return os.path.join(self.directory, key + ".json")

    def store(self, key: str, payload: object) -> None:
        if len(self.entries) >= self.limit:
            oldest = next(iter(self.entries))
            del self.entries[oldest]
        self.entries[key] = json.dumps(payload, sort_keys=True)

    def load(self, key: str) -> object:
        try:
            return json.loads(self.entries[key])
        except KeyError:
            return None


""",
]


def generate_source(lines: int, syntax_error: bool = False) -> str:
    """About ``lines`` lines of ordinary, lint-clean Python; optionally one missing colon."""
    chunks = [HEADER]
    count = HEADER.count("\n")
    for n in itertools.count():
        block = BLOCKS[n % len(BLOCKS)].format(n=n)
        if count + block.count("\n") > lines and n >= len(BLOCKS):
            break
        chunks.append(block)
        count += block.count("\n")
    source = "".join(chunks).rstrip("\n") + "\n"
    if syntax_error:
        # Drop the colon of the ``def`` nearest the middle of the file.
        out = source.splitlines(keepends=True)
        middle = len(out) // 2
        for i in itertools.chain(range(middle, len(out)), range(middle)):
            if out[i].startswith("def ") and out[i].rstrip().endswith(":"):
                out[i] = out[i].rstrip()[:-1] + "\n"
                break
        source = "".join(out)
    return source


def repeated_module_source(lines: int, module_lines: int = 300) -> str:
    """One ~300-line module repeated to about ``lines`` lines, the colon of its last ``def``
    dropped: the shape that once made the repair's whole-file diff quadratic (12 s)."""
    module = generate_source(module_lines).replace("from __future__ import annotations\n", "")
    out = (module * max(1, round(lines / module.count("\n")))).splitlines(keepends=True)
    last = max(i for i, line in enumerate(out) if line.startswith("def "))
    out[last] = out[last].rstrip()[:-1] + "\n"
    return "".join(out)


def codeaction_source(lines: int = 300) -> str:
    """A ~300-line file with three syntax errors: two missing colons and ``=`` for ``==``."""
    source = generate_source(lines).splitlines(keepends=True)
    defs = [i for i, line in enumerate(source) if line.startswith("def ")]
    loops = [i for i, line in enumerate(source) if line.lstrip().startswith("for ")]
    tests = [i for i, line in enumerate(source) if line.lstrip().startswith("if value > 0")]
    first, loop = defs[len(defs) // 3], loops[2 * len(loops) // 3]
    source[first] = source[first].rstrip()[:-1] + "\n"  # def ...) -> ...  (no colon)
    source[loop] = source[loop].rstrip()[:-1] + "\n"  # for ... in ...  (no colon)
    if tests:
        source[tests[-1]] = source[tests[-1]].replace("value > 0", "value = 0")
    return "".join(source)


def static_source(lines: int = 300) -> str:
    """A ~300-line file that parses, with an undefined name, an unused import and friends."""
    source = generate_source(lines)
    source = source.replace("import json\n", "import json\nimport sys\n", 1)  # unused import
    source = source.replace('return {"count": 0.0}', 'return {"count": zero}', 1)  # undefined
    source += (
        "\n\ndef late_total(values: list[int]) -> int:\n"
        "    print(total)\n"  # used before assignment
        "    total = 0\n"
        "    for value in values:\n"
        "        total += value\n"
        "    return total\n"
        "\n\ndef third(items: list[int]) -> int:\n"
        "    pair = [1, 2]\n"
        "    return pair[2] + items[0]\n"  # index out of range
    )
    return source


# --- measurements ----------------------------------------------------------------------------


def stats(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95_index = max(0, min(len(ordered) - 1, round(0.95 * (len(ordered) - 1))))
    return {
        "n": float(len(ordered)),
        "median_ms": statistics.median(ordered) if ordered else float("nan"),
        "p95_ms": ordered[p95_index] if ordered else float("nan"),
        "min_ms": ordered[0] if ordered else float("nan"),
        "max_ms": ordered[-1] if ordered else float("nan"),
    }


async def open_once(client: StdioClient, root: Path, source: str, name: str) -> tuple[float, int]:
    """didOpen -> the first publishDiagnostics for that URI (ms), and how many it held."""
    uri = (root / f"bench_{name}.py").as_uri()
    payload: dict[str, Json] = {}

    def matches(method: str, params: Json) -> bool:
        if method == "textDocument/publishDiagnostics" and params.get("uri") == uri:
            payload["diagnostics"] = params.get("diagnostics", [])
            return True
        return False

    waiter = client.expect(matches)
    started = time.perf_counter()
    await client.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": source}},
    )
    received = await asyncio.wait_for(waiter, 60)
    await client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    return (received - started) * 1000, len(payload["diagnostics"])


def incremental(result: Json) -> bool:
    sync = (result or {}).get("capabilities", {}).get("textDocumentSync")
    kind = sync.get("change") if isinstance(sync, dict) else sync
    return kind == 2


class Keystrokes:
    """One document per server: a colon deleted (-> a syntax error) and put back, each a
    one-character change (incremental where the server asked for it, else the whole text)."""

    def __init__(self, client: StdioClient, root: Path, source: str, ranged: bool) -> None:
        self.client = client
        self.uri = (root / f"keystroke_{client.name.split()[0]}.py").as_uri()
        self.source = source
        self.ranged = ranged
        self.version = 1
        lines = source.splitlines()
        middle = len(lines) // 2
        self.line = next(i for i in range(middle, len(lines)) if lines[i].startswith("def "))
        self.column = len(lines[self.line].rstrip()) - 1  # the colon
        self.broken = (
            "\n".join(
                line[: self.column] if i == self.line else line for i, line in enumerate(lines)
            )
            + "\n"
        )

    async def open(self) -> None:
        waiter = self.client.expect(
            lambda m, p: m == "textDocument/publishDiagnostics" and p.get("uri") == self.uri
        )
        await self.client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": self.uri,
                    "languageId": "python",
                    "version": 1,
                    "text": self.source,
                }
            },
        )
        await asyncio.wait_for(waiter, 60)

    async def type(self, break_it: bool) -> float:
        """The change -> the first publish that shows (or clears) the error (ms)."""
        self.version += 1
        pos = {"line": self.line, "character": self.column}
        if self.ranged:
            end = {"line": self.line, "character": self.column + 1}
            change: Json = (
                {"range": {"start": pos, "end": end}, "text": ""}
                if break_it
                else {"range": {"start": pos, "end": pos}, "text": ":"}
            )
        else:
            change = {"text": self.broken if break_it else self.source}

        def matches(method: str, params: Json) -> bool:
            if method != "textDocument/publishDiagnostics" or params.get("uri") != self.uri:
                return False
            return bool(params.get("diagnostics")) == break_it

        waiter = self.client.expect(matches)
        started = time.perf_counter()
        await self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": self.version},
                "contentChanges": [change],
            },
        )
        received = await asyncio.wait_for(waiter, 60)
        return (received - started) * 1000


async def bench_interleaved(
    specs: list[ServerSpec],
    root: Path,
    variants: dict[str, str],
    keystroke_source: str,
    runs: int,
    pause: float,
) -> dict[str, Json]:
    """Every server started, then round by round each variant opened on each server in turn
    (so a slow moment of the machine hits them all alike), then the keystrokes, likewise."""
    out: dict[str, Json] = {}
    clients: dict[str, StdioClient] = {}
    results: dict[str, Json] = {}
    for spec in specs:
        out[spec.name] = {label: {"samples_ms": [], "diagnostics": set()} for label in variants}
        try:
            client, result = await start_client(spec, root)
        except Exception as exc:
            out[spec.name] = {"error": f"start failed: {exc}"}
            continue
        clients[spec.name] = client
        results[spec.name] = result
        out[spec.name]["initialize_ms"] = client.initialize_ms
    try:
        for round_ in range(runs + 1):  # round 0 warms up
            for label, source in variants.items():
                for name, client in list(clients.items()):
                    entry = out[name][label]
                    try:
                        elapsed, count = await open_once(client, root, source, f"{label}_{round_}")
                    except (TimeoutError, ServerError) as exc:
                        entry["error"] = f"{type(exc).__name__}: {exc}"
                        continue
                    if round_:
                        entry["samples_ms"].append(elapsed)
                        entry["diagnostics"].add(count)
                    await asyncio.sleep(pause)
        typists = {
            name: Keystrokes(client, root, keystroke_source, incremental(results[name]))
            for name, client in clients.items()
        }
        for typist in typists.values():
            await typist.open()
        keys: dict[str, list[float]] = {name: [] for name in typists}
        for round_ in range(runs + 1):
            for name, typist in typists.items():
                try:
                    elapsed = await typist.type(break_it=True)
                    await asyncio.sleep(pause)
                    await typist.type(break_it=False)  # past any debounce: not measured
                except (TimeoutError, ServerError) as exc:
                    out[name]["keystroke_error"] = f"{type(exc).__name__}: {exc}"
                    continue
                if round_:
                    keys[name].append(elapsed)
                await asyncio.sleep(pause)
        for name, samples in keys.items():
            out[name]["keystroke"] = {
                **stats(samples),
                "samples_ms": samples,
                "incremental": typists[name].ranged,
            }
    finally:
        for name, client in clients.items():
            out[name]["peak_rss_mib"] = client.peak_rss_mib()
            stderr = await client.stop()
            if any("error" in str(v) for v in out[name].values()):
                out[name]["stderr_tail"] = stderr[-2000:]
    for server in out.values():
        for label in variants:
            entry = server.get(label)
            if isinstance(entry, dict) and "samples_ms" in entry:
                entry.update(stats(entry["samples_ms"]))
                entry["diagnostics"] = sorted(entry["diagnostics"])
    return out


def diagnostic_positions(diagnostics: list[Json]) -> list[Json]:
    return [d for d in diagnostics if d.get("source") == "debugllm"]


async def bench_code_actions(
    spec: ServerSpec, root: Path, label: str, source: str, requests: int
) -> dict[str, Json]:
    """codeAction (edits resolved lazily, as VS Code asks) and codeAction/resolve latency."""
    client, _ = await start_client(spec, root, resolve_edit=True)
    try:
        uri = (root / f"actions_{label}.py").as_uri()
        got: dict[str, Json] = {}

        def matches(method: str, params: Json) -> bool:
            if method == "textDocument/publishDiagnostics" and params.get("uri") == uri:
                got["diagnostics"] = params.get("diagnostics", [])
                return True
            return False

        waiter = client.expect(matches)
        await client.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": source}},
        )
        await asyncio.wait_for(waiter, 60)
        diagnostics = diagnostic_positions(got["diagnostics"])
        if not diagnostics:
            return {"error": "no diagnostics published", "diagnostics": got["diagnostics"]}
        action_ms: list[float] = []
        resolve_ms: list[float] = []
        first_ms: float | None = None
        without_fix: set[str] = set()
        resolve_errors: list[str] = []
        for i in range(requests + 1):
            diagnostic = diagnostics[i % len(diagnostics)]
            started = time.perf_counter()
            actions = await client.request(
                "textDocument/codeAction",
                {
                    "textDocument": {"uri": uri},
                    "range": diagnostic["range"],
                    "context": {"diagnostics": [diagnostic], "triggerKind": 1},
                },
            )
            elapsed = (time.perf_counter() - started) * 1000
            if first_ms is None:
                first_ms = elapsed  # the plan of this version has just started
            else:
                action_ms.append(elapsed)
            quickfixes = [a for a in actions or [] if a.get("kind") == "quickfix"]
            # An action listed while its fix is still being verified: its resolve waits for the
            # plan and has no edit when no safe fix was found (an answer, not an error).
            waiting = all((a.get("data") or {}).get("pending") for a in quickfixes)
            if not quickfixes:
                without_fix.add(
                    f"{diagnostic.get('code')}@{diagnostic['range']['start']['line'] + 1}"
                )
                continue
            preferred = next((a for a in quickfixes if a.get("isPreferred")), quickfixes[0])
            started = time.perf_counter()
            try:
                resolved = await client.request("codeAction/resolve", preferred)
            except ServerError as exc:
                resolve_errors.append(str(exc))
                continue
            resolve_ms.append((time.perf_counter() - started) * 1000)
            if not resolved.get("edit"):
                if waiting:
                    without_fix.add(
                        f"{diagnostic.get('code')}@{diagnostic['range']['start']['line'] + 1}"
                    )
                else:
                    resolve_errors.append("resolved action has no edit")
        return {
            "lines": source.count("\n"),
            "diagnostics": [
                f"{d.get('code')}@{d['range']['start']['line'] + 1}" for d in diagnostics
            ],
            "first_code_action_ms": first_ms,
            "code_action": stats(action_ms),
            "resolve": stats(resolve_ms),
            "diagnostics_without_quickfix": sorted(without_fix),
            "resolve_errors": resolve_errors[:5],
        }
    finally:
        await client.stop()


def fmt(value: Json) -> str:
    return f"{value:.1f}" if isinstance(value, float) and value == value else "n/a"


def markdown_start(report: Json) -> list[str]:
    start: dict[str, Json] = report["start"]
    if not start:
        return []
    lines = [
        f"Start-up: spawn -> initialize result, and spawn -> the first publishDiagnostics of a "
        f"{report['start_lines']}-line file opened right after `initialized`; median (min-max) "
        f"of {report['start_runs']} starts per server, interleaved, after a warm-up start, ms. "
        f"Bytecode compiled first for: {', '.join(report['bytecode']) or 'no Python server'}. "
        f"Load average at the start: {', '.join(f'{x:.2f}' for x in report['load_average'])}.",
        "",
        "| case | " + " | ".join(start) + " |",
        "| --- | " + " | ".join("---:" for _ in start) + " |",
    ]
    for case, label in (
        ("initialize", "spawn -> initialize result"),
        ("first_diagnostics", "spawn -> first diagnostics"),
    ):
        cells = []
        for entry in start.values():
            value = entry.get(case, {})
            cells.append(
                f"{fmt(value.get('median_ms'))} ({fmt(value.get('min_ms'))}-"
                f"{fmt(value.get('max_ms'))})"
                if value.get("samples_ms")
                else f"n/a {entry.get('error', '')}"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def markdown(report: Json) -> str:
    if not report["diagnostics"]:
        return "\n".join(markdown_start(report))
    servers: dict[str, Json] = report["diagnostics"]
    ruff = servers.get("ruff server", {})
    cases = [*report["variants"], "keystroke"]

    def median(entry: Json, case: str) -> float:
        value = entry.get(case) if isinstance(entry, dict) else None
        return value.get("median_ms", float("nan")) if isinstance(value, dict) else float("nan")

    lines = [
        *markdown_start(report),
        f"didOpen -> first publishDiagnostics, and one keystroke (a colon deleted, the change "
        f"sent incrementally where the server asks for it) -> the diagnostics showing it; "
        f"median of {report['runs']} interleaved rounds after a warm-up, ms (ratio to ruff "
        f"server in the same run)",
        "",
        "| case | " + " | ".join(servers) + " |",
        "| --- | " + " | ".join("---:" for _ in servers) + " |",
    ]
    for case in cases:
        cells = []
        for entry in servers.values():
            value, base = median(entry, case), median(ruff, case)
            ratio = (
                f" ({value / base:.1f}x)" if base == base and base > 0 and value == value else ""
            )
            cells.append(f"{fmt(value)}{ratio}")
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    lines.append(
        "| start-up -> initialize result (the one start of this table's servers) | "
        + " | ".join(fmt(e.get("initialize_ms", float("nan"))) for e in servers.values())
        + " |"
    )
    lines.append(
        "| peak RSS (MiB) | "
        + " | ".join(fmt(e.get("peak_rss_mib", float("nan"))) for e in servers.values())
        + " |"
    )
    for name, entry in servers.items():
        for key, value in entry.items():
            if isinstance(value, dict) and value.get("error"):
                lines.append(f"\n{name} {key}: error {value['error']}")
            elif key in ("error", "keystroke_error"):
                lines.append(f"\n{name} {key}: {value}")
    lines += [
        "",
        "debugllm-lsp code actions (client declares resolveSupport for `edit`, ms)",
        "",
        "| file | diagnostics | first codeAction | codeAction p50 | p95 | resolve p50 | p95 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, entry in report["code_actions"].items():
        if "code_action" not in entry:
            lines.append(f"| {label} | error: {entry.get('error')} | | | | | |")
            continue
        lines.append(
            f"| {label} ({entry['lines']} lines) | {', '.join(entry['diagnostics'])} "
            f"| {fmt(entry['first_code_action_ms'])} "
            f"| {fmt(entry['code_action']['median_ms'])} | {fmt(entry['code_action']['p95_ms'])} "
            f"| {fmt(entry['resolve']['median_ms'])} | {fmt(entry['resolve']['p95_ms'])} |"
        )
        if entry["diagnostics_without_quickfix"] or entry["resolve_errors"]:
            lines.append(
                f"|  | no quickfix for: {', '.join(entry['diagnostics_without_quickfix']) or '-'}; "
                f"resolve errors: {entry['resolve_errors'] or '-'} | | | | | |"
            )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> Json:
    specs = server_specs()
    if args.servers:
        wanted = set(args.servers.split(","))
        specs = [s for s in specs if s.name.split()[0] in wanted or s.name in wanted]
    for extra in args.also or []:
        label, _, command = extra.partition("=")
        specs.append(ServerSpec(label, shlex.split(command)))
    compiled = ensure_bytecode(specs)
    variants = {
        "clean": generate_source(args.lines),
        "syntax-error": generate_source(args.lines, syntax_error=True),
        "repeated-module": repeated_module_source(args.lines),
        "small-300": generate_source(args.action_lines),
    }
    report: Json = {
        "lines": variants["clean"].count("\n"),
        "runs": args.runs,
        "variants": list(variants),
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
        "bytecode": compiled,
        "load_average": os.getloadavg(),
        "start_runs": args.start_runs,
        "start_lines": args.start_lines,
        "start": {},
        "diagnostics": {},
        "code_actions": {},
    }
    with tempfile.TemporaryDirectory(prefix="lsp-bench-") as tmp:
        root = Path(tmp)
        if args.start_runs > 0:
            print("measuring start-up ...", file=sys.stderr, flush=True)
            report["start"] = await bench_start(
                specs, root, generate_source(args.start_lines), args.start_runs, args.pause
            )
        if args.start_only:
            return report
        print(f"measuring {', '.join(s.name for s in specs)} ...", file=sys.stderr, flush=True)
        report["diagnostics"] = await bench_interleaved(
            specs, root, variants, variants["clean"], args.runs, args.pause
        )
        debugllm = next((s for s in specs if s.name == "debugllm-lsp"), None)
        if debugllm is not None and args.actions > 0:
            print("measuring debugllm-lsp code actions ...", file=sys.stderr, flush=True)
            for label, source in (
                ("syntax", codeaction_source(args.action_lines)),
                ("static", static_source(args.action_lines)),
            ):
                try:
                    report["code_actions"][label] = await bench_code_actions(
                        debugllm, root, label, source, args.actions
                    )
                except (TimeoutError, ServerError) as exc:
                    report["code_actions"][label] = {"error": f"{type(exc).__name__}: {exc}"}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=5000, help="lines of the generated file")
    parser.add_argument("--runs", type=int, default=10, help="measured opens per variant")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    parser.add_argument("--actions", type=int, default=50, help="codeAction requests per file")
    parser.add_argument("--action-lines", type=int, default=300, help="lines of that file")
    parser.add_argument(
        "--pause", type=float, default=1.0, help="seconds to idle between opens (s)"
    )
    parser.add_argument(
        "--servers", help="comma-separated subset: debugllm-lsp,ruff,ty,pyrefly,pylsp"
    )
    parser.add_argument(
        "--also",
        action="append",
        metavar="LABEL=COMMAND",
        help="one more server, e.g. 'debugllm-lsp main=/work/main/.venv/bin/debugllm-lsp'",
    )
    parser.add_argument("--start-runs", type=int, default=10, help="measured starts per server")
    parser.add_argument(
        "--start-lines", type=int, default=30, help="lines of the file opened at start-up"
    )
    parser.add_argument("--start-only", action="store_true", help="only the start-up case")
    args = parser.parse_args(argv)
    report = asyncio.run(run(args))
    print(markdown(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
