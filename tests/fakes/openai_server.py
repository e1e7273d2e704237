"""A scripted OpenAI-compatible HTTP server on loopback, for tests and benchmarks.

A real socket on ``127.0.0.1`` (random free port), served by the standard library's
``ThreadingHTTPServer`` in a daemon thread: the code under test talks HTTP to it exactly as it
would to vLLM, so retries, timeouts, truncated bodies and vanishing endpoints are real.

Routes: ``POST /v1/completions``, ``POST /v1/chat/completions``, ``GET /v1/models``,
``GET /health``. Every other path answers 404.

Usage::

    from tests.fakes.openai_server import FakeOpenAI, Reply

    with FakeOpenAI() as fake:                       # fake.url == "http://127.0.0.1:PORT/v1"
        fake.script("/v1/completions",
                    Reply(status=503), Reply(status=503),          # first two calls
                    Reply.completion("def f():\\n    return 1\\n")) # third call
        fake.default("/v1/completions", Reply.completion("x = 1\\n"))  # after the script runs out
        ...                                          # point the client at fake.url
        request = fake.requests[0]                   # what was received, in order
        request.path, request.headers["authorization"], request.json["prompt"]

Scripting (``Reply`` fields, all optional):
- ``status``, ``headers`` (e.g. ``{"Retry-After": "1"}``), ``json`` (an object, serialised) or
  ``body`` (raw bytes or str: malformed JSON, anything).
- ``delay``: seconds to sleep before answering (slow upstream / past a client timeout).
- ``truncate``: send only this many bytes of the body while announcing the full
  ``Content-Length``, then close the connection (a truncated body).
- ``sse``: a list of ``data:`` payloads (dicts or strings) sent as ``text/event-stream``, each
  followed by a blank line; add ``"[DONE]"`` yourself when you want the terminator.
- ``drop``: close the connection without answering anything.
- ``endless``: a chunk (bytes) sent again and again, without ``Content-Length``, until the
  client closes the connection (or ``endless_for`` seconds pass): an endpoint that never ends.
- Helpers: ``Reply.completion(text, finish_reason="stop", usage=...)`` builds a
  ``/v1/completions`` body; ``Reply.chat(text)`` a ``/v1/chat/completions`` body;
  ``Reply.empty_choices()`` a body with ``"choices": []``.

``script(path, *replies)`` queues replies consumed one per request; when the queue is empty,
``default(path, reply)`` answers (initially: a completion echoing nothing useful, ``"pass\\n"``
for completions, ``"OK"`` for chat, the model list for ``/v1/models``, 200 for ``/health``).
``responder(path, fn)`` installs a callable ``fn(Received) -> Reply`` that is used instead of the
queue/default (e.g. to answer from the prompt). ``stop()`` (or leaving the ``with`` block)
closes the socket: later connections are refused, which simulates the endpoint vanishing.
``requests`` lists every ``Received`` (method, path, headers with lower-cased names, raw body,
parsed ``json`` or ``None``) in arrival order; ``wait_for_requests(n)`` blocks until n arrived.
Thread-safe; one instance per test.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

COMPLETIONS = "/v1/completions"
CHAT = "/v1/chat/completions"
MODELS = "/v1/models"
HEALTH = "/health"


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    body: bytes | str | None = None
    delay: float = 0.0
    truncate: int | None = None
    sse: list[Any] | None = None
    drop: bool = False
    endless: bytes | None = None
    endless_for: float = 30.0

    @staticmethod
    def completion(
        text: str,
        finish_reason: str = "stop",
        model: str = "debugllm",
        usage: dict[str, int] | None = None,
        **kwargs: Any,
    ) -> Reply:
        return Reply(
            json={
                "id": "cmpl-fake",
                "object": "text_completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {"index": 0, "text": text, "logprobs": None, "finish_reason": finish_reason}
                ],
                "usage": usage
                or {"prompt_tokens": 50, "completion_tokens": 20, "total_tokens": 70},
            },
            **kwargs,
        )

    @staticmethod
    def chat(text: str, model: str = "phi3", **kwargs: Any) -> Reply:
        return Reply(
            json={
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 30, "completion_tokens": 10, "total_tokens": 40},
            },
            **kwargs,
        )

    @staticmethod
    def empty_choices(**kwargs: Any) -> Reply:
        return Reply(json={"id": "cmpl-fake", "object": "text_completion", "choices": []}, **kwargs)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    time: float

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None


def _defaults() -> dict[str, Reply]:
    return {
        COMPLETIONS: Reply.completion("pass\n"),
        CHAT: Reply.chat("OK"),
        MODELS: Reply(
            json={
                "object": "list",
                "data": [
                    {"id": "phi3", "object": "model", "owned_by": "vllm", "parent": None},
                    {"id": "debugllm", "object": "model", "owned_by": "vllm", "parent": "phi3"},
                ],
            }
        ),
        HEALTH: Reply(body=b""),
    }


class FakeOpenAI:
    """See the module docstring."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[Reply]] = {}
        self._defaults = _defaults()
        self._responders: dict[str, Callable[[Received], Reply]] = {}
        self.requests: list[Received] = []
        self._arrived = threading.Condition(self._lock)
        handler = _make_handler(self)
        self._httpd = ThreadingHTTPServer((host, port), handler)
        self._httpd.daemon_threads = True
        self.host, self.port = self._httpd.server_address[:2]  # type: ignore[misc]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        self._stopped = False
        self._connections: set[socket.socket] = set()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI-style base URL (ending in ``/v1``)."""
        return f"{self.base}/v1"

    def script(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self._queues.setdefault(path, deque()).extend(replies)

    def default(self, path: str, reply: Reply) -> None:
        with self._lock:
            self._defaults[path] = reply

    def responder(self, path: str, fn: Callable[[Received], Reply] | None) -> None:
        with self._lock:
            if fn is None:
                self._responders.pop(path, None)
            else:
                self._responders[path] = fn

    def requests_to(self, path: str) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def wait_for_requests(self, count: int, timeout: float = 10.0, path: str | None = None) -> None:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len([r for r in self.requests if path is None or r.path == path]) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{count} requests did not arrive in {timeout}s")
                self._arrived.wait(left)

    def _record(self, received: Received) -> Reply | None:
        with self._arrived:
            self.requests.append(received)
            self._arrived.notify_all()
            path = received.path
            responder = self._responders.get(path)
            if responder is None:
                queue = self._queues.get(path)
                if queue:
                    return queue.popleft()
                return self._defaults.get(path)
        return responder(received)

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._httpd.shutdown()
        self._httpd.server_close()
        # Kept-alive connections die too: the endpoint vanishes, not just its listener.
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
                connection.close()

    def __enter__(self) -> FakeOpenAI:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _make_handler(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as vLLM (uvicorn) does

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            super().setup()
            with fake._lock:
                fake._connections.add(self.connection)

        def finish(self) -> None:
            with contextlib.suppress(OSError):
                super().finish()
            with fake._lock:
                fake._connections.discard(self.connection)

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            received = Received(
                method=self.command,
                path=self.path.split("?", 1)[0],
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                time=time.monotonic(),
            )
            reply = fake._record(received)
            if reply is None:
                reply = Reply(status=404, json={"error": {"message": "not found"}})
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                return
            try:
                self._send(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def _send(self, reply: Reply) -> None:
            if reply.endless is not None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Connection", "close")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.close_connection = True
                stop = time.monotonic() + reply.endless_for
                with contextlib.suppress(OSError):
                    self.wfile.write(b'{"choices": [{"text": "')
                    while time.monotonic() < stop:
                        self.wfile.write(reply.endless)
                return
            if reply.sse is not None:
                self.send_response(reply.status)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                for item in reply.sse:
                    data = item if isinstance(item, str) else json.dumps(item)
                    self.wfile.write(f"data: {data}\n\n".encode())
                    self.wfile.flush()
                self.close_connection = True
                return
            if reply.body is not None:
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                content_type = "application/json"
            elif reply.json is not None:
                payload = json.dumps(reply.json).encode()
                content_type = "application/json"
            else:
                payload = b""
                content_type = "text/plain"
            self.send_response(reply.status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.truncate is not None:
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload[: reply.truncate])
                self.wfile.flush()
                self.close_connection = True
                return
            self.end_headers()
            self.wfile.write(payload)

        do_GET = _handle
        do_POST = _handle

    return Handler
