"""A raw JSON-RPC driver for the real ``debugllm-lsp`` process over stdio.

pytest-lsp's client frames every message correctly and refuses to send malformed params, so the
framing and lifecycle tests need a driver that writes whatever bytes they ask for and reads the
server's framed answers with a timeout: a server that never answers must fail the test, not hang.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Any

SERVER = [sys.executable, "-m", "debugllm.lsp"]  # as debugllm-lsp starts, through lsp.bootstrap
#: The server without the bootstrap: pygls answers initialize itself.
PLAIN_SERVER = [sys.executable, "-m", "debugllm.lsp.server"]
_HEADER = re.compile(rb"Content-Length: (\d+)\r\n")


def frame(body: bytes | str | dict[str, Any], header: bytes | None = None) -> bytes:
    """``body`` framed with a correct Content-Length (or with the ``header`` block given)."""
    if isinstance(body, dict):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    if header is None:
        header = b"Content-Length: %d\r\n\r\n" % len(data)
    return header + data


class RawServer:
    """The server process, a thread that splits its stdout into messages, and its log in a file."""

    def __init__(self, command: list[str] | None = None) -> None:
        # stderr goes to a file: a pipe nobody drains could fill and block the server.
        self._log: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            command or SERVER, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log
        )
        self._messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        #: Every notification the server sent, in order (``response`` skips them).
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0
        # Answers that arrived while the test waited for another one, by id.
        self._answers: dict[Any, dict[str, Any]] = {}
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        out = self.proc.stdout
        while True:
            headers = b""
            while not headers.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    self._messages.put(None)
                    return
                headers += byte
            match = _HEADER.search(headers)
            assert match, headers
            message = json.loads(out.read(int(match.group(1))))
            if "method" in message and "id" in message:
                self._answer_server_request(message)
            elif "method" in message:
                self.notifications.append(message)
            self._messages.put(message)

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        # The server asks for the client's configuration after `initialized`: answer it empty.
        items = (message.get("params") or {}).get("items") or []
        result = [None] * len(items) if message["method"] == "workspace/configuration" else None
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, message: dict[str, Any]) -> None:
        self.write(frame(message))

    def new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    def request(self, method: str, params: Any = None, msg_id: int | None = None) -> int:
        msg_id = self.new_id() if msg_id is None else msg_id
        self.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def notify(self, method: str, params: Any = None) -> None:
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def response(self, msg_id: int, timeout: float = 10.0) -> dict[str, Any]:
        """The answer to request ``msg_id``, skipping notifications; fails after ``timeout`` s."""
        if msg_id in self._answers:
            return self._answers.pop(msg_id)
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no answer to request {msg_id} in {timeout} s")
            try:
                message = self._messages.get(timeout=remaining)
            except queue.Empty:
                continue
            if message is None:
                raise EOFError(f"the server closed stdout before answering request {msg_id}")
            if "id" in message and "method" not in message:
                if message["id"] == msg_id:
                    return message
                self._answers[message["id"]] = message

    def call(self, method: str, params: Any = None, timeout: float = 10.0) -> dict[str, Any]:
        return self.response(self.request(method, params), timeout)

    def no_response(self, msg_id: int, wait: float = 1.0) -> bool:
        try:
            self.response(msg_id, timeout=wait)
        except TimeoutError:
            return True
        return False

    def initialize(self) -> dict[str, Any]:
        answer = self.call(
            "initialize", {"processId": None, "rootUri": None, "capabilities": {}}, timeout=30
        )
        assert "result" in answer, answer
        # The bootstrap answers before the LSP stack has loaded: tests that time the server's
        # answers (5 s) start once it serves.
        self.alive(timeout=60)
        return answer

    def alive(self, timeout: float = 10.0) -> None:
        """Assert that the server still answers a valid request."""
        answer = self.call(
            "workspace/executeCommand", {"command": "debugllm.stats"}, timeout=timeout
        )
        assert "result" in answer, answer

    def wait(self, timeout: float = 10.0) -> int:
        return self.proc.wait(timeout)

    def log(self) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()
        self._log.close()
