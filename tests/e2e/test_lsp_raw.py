"""End-to-end over raw stdio JSON-RPC: the server's memory and its log (issue 15).

A raw driver (subprocess + Content-Length framing) because these tests need the server's PID and
its stderr, which pytest-lsp does not expose.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

SERVER = [sys.executable, "-m", "debugllm.lsp"]  # as debugllm-lsp starts (lsp.bootstrap)


class RawServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.responses: dict[int, dict[str, Any]] = {}
        self.stderr: list[str] = []
        self._ready = threading.Condition()
        self._next_id = 0
        assert self.proc.stdout and self.proc.stderr
        threading.Thread(target=self._read, args=(self.proc.stdout,), daemon=True).start()
        threading.Thread(target=self._drain, args=(self.proc.stderr,), daemon=True).start()

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if not line:
                return
            message = json.loads(stream.read(length))
            if "id" in message and "method" not in message:
                with self._ready:
                    self.responses[message["id"]] = message
                    self._ready.notify_all()

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.stderr.append(line.decode("utf-8", "replace"))

    def send(self, method: str, params: Any, msg_id: int | None = None) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
        if msg_id is not None:
            message["id"] = msg_id
        body = json.dumps(message).encode()
        assert self.proc.stdin
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def request(self, method: str, params: Any, timeout: float = 30) -> dict[str, Any]:
        self._next_id += 1
        msg_id = self._next_id
        self.send(method, params, msg_id)
        with self._ready:
            assert self._ready.wait_for(lambda: msg_id in self.responses, timeout), method
            return self.responses.pop(msg_id)

    def rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")

    def start(self) -> None:
        self.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}})
        self.send("initialized", {})

    def stop(self) -> None:
        self.request("shutdown", None)
        self.send("exit", None)
        self.proc.wait(10)


def _cycle(server: RawServer, i: int) -> None:
    uri = f"file:///tmp/memory/m{i % 10}.py"
    item = {"uri": uri, "languageId": "python", "version": 1, "text": f"x = {i}\n"}
    server.send("textDocument/didOpen", {"textDocument": item})
    server.send(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": f"y = {i}\n"}]},
    )
    server.send("textDocument/didClose", {"textDocument": {"uri": uri}})


def test_memory_stays_flat_over_6000_open_change_close_cycles() -> None:
    server = RawServer()
    try:
        server.start()
        for i in range(500):  # warm up: imports, caches, the thread pool
            _cycle(server, i)
        server.request("workspace/executeCommand", {"command": "debugllm.stats"})
        before = server.rss_kb()
        started = time.monotonic()
        for i in range(6000):
            _cycle(server, i)
            if i % 500 == 0:  # keep the pipes from filling up faster than the server reads
                server.request("workspace/executeCommand", {"command": "debugllm.stats"})
        server.request("workspace/executeCommand", {"command": "debugllm.stats"})
        time.sleep(0.5)  # the last analyses finish
        growth_mb = (server.rss_kb() - before) / 1024
        print(
            f"RSS growth over 6,000 cycles: {growth_mb:.1f} MB"
            f" in {time.monotonic() - started:.1f} s"
        )
        # pygls 2.1.1 without debugllm.lsp.leaks: about +46 MB, linear in the cycles.
        assert growth_mb < 20
        server.stop()
    finally:
        server.proc.kill()


MISSING_COLON = "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n"


def test_content_modified_is_no_error_in_the_log() -> None:
    server = RawServer()
    try:
        server.start()
        uri = "file:///tmp/project/stale.py"
        item = {"uri": uri, "languageId": "python", "version": 1, "text": MISSING_COLON}
        server.send("textDocument/didOpen", {"textDocument": item})
        data = {"uri": uri, "version": 1, "problem": 0, "rank": 0}
        action = {"title": "DebugLLM", "kind": "quickfix", "data": data}
        assert "result" in server.request("codeAction/resolve", action)
        server.send(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": MISSING_COLON + "\n"}],
            },
        )
        for _ in range(3):
            answer = server.request("codeAction/resolve", action)
            assert answer["error"]["code"] == -32801, answer  # ContentModified
        server.stop()
    finally:
        server.proc.kill()
    log = "".join(server.stderr)
    assert "Traceback" not in log, log
    assert "ContentModified" not in log and "Exception occurred" not in log, log
