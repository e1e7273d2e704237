"""JSON-RPC hardening over pygls 2.1.1: every request answered, framing errors recovered.

pygls drops requests whose params fail to deserialize (the client waits forever), answers nothing
after ``shutdown``, reports uninitialized requests as -32603 with a traceback, and its stdio reader
stops recognising headers after one framing error (alive but deaf). ``DebugLLMProtocol`` fixes the
message handling for every transport; ``serve_stdio`` replaces pygls's stdio loop with a reader that
resynchronises at the next ``Content-Length`` header.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import cattrs
from debugllm.lsp import opened
from debugllm.lsp.sync import apply_changes
from lsprotocol import types
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.protocol.json_rpc import JsonRPCProtocol

log = logging.getLogger("debugllm.lsp")

INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
SERVER_NOT_INITIALIZED = -32002

#: Seconds without input after which a half-received message is judged (see ``Framer.idle``).
IDLE_SECONDS = 1.0
#: A body larger than this is a framing error, not a reason to buffer gigabytes.
MAX_BODY = 256 * 1024 * 1024


@dataclass(frozen=True)
class _Rejected:
    """A message that cannot be handled, and the error that answers it if it was a request."""

    msg_id: int | str | None
    method: str
    code: int
    message: str


def _request_id(data: dict[str, Any]) -> int | str | None:
    msg_id = data.get("id")
    # bool is an int to Python but not a JSON-RPC id.
    if isinstance(msg_id, (int, str)) and not isinstance(msg_id, bool):
        return msg_id
    return None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, (cattrs.ClassValidationError, cattrs.IterableValidationError)):
        return "; ".join(cattrs.transform_error(exc))
    return str(exc) or type(exc).__name__


class DebugLLMProtocol(LanguageServerProtocol):
    """pygls's protocol, answering every request with the error code LSP 3.17 gives it."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Iterator[tuple[Callable[..., Any], tuple[Any, ...], None]]:
        """pygls's built-in, with incremental changes applied by ``lsp.sync`` (LSP lines)."""
        uri = params.text_document.uri
        document = opened.text_document(self.workspace, uri)
        if document is not None:
            encoding = str(self.workspace.position_encoding or "utf-16")
            text = apply_changes(
                document.source,
                params.content_changes,
                encoding if encoding in ("utf-8", "utf-32") else "utf-16",  # type: ignore[arg-type]
            )
            document.apply_change(types.TextDocumentContentChangeWholeDocument(text=text))
            document.version = params.text_document.version
        user_handler = self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)
        if user_handler is not None:
            yield user_handler, (params,), None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_received = False
        #: The process's exit status, once the client sent ``exit`` (1 without ``shutdown``).
        self.exit_code: int | None = None

    def structure_message(self, data: dict[str, Any]) -> Any:
        # Called by json.loads for every object: only top-level messages carry "jsonrpc".
        if "jsonrpc" not in data:
            return data
        try:
            return super().structure_message(data)
        except Exception as exc:
            cause = exc.__cause__ or exc
            method = data.get("method")
            if not isinstance(method, str) or "error" in data or "result" in data:
                log.warning("dropped a malformed JSON-RPC message: %s", _describe(cause))
                return _Rejected(None, "", INVALID_REQUEST, "")
            detail = _describe(cause)
            return _Rejected(
                _request_id(data),
                method,
                INVALID_PARAMS,
                f"invalid params for {method}: {detail}",
            )

    def handle_message(self, message: Any) -> None:
        if isinstance(message, dict):  # no "jsonrpc" member: not JSON-RPC 2.0
            message = _Rejected(
                _request_id(message),
                str(message.get("method", "")),
                INVALID_REQUEST,
                "not a JSON-RPC 2.0 message",
            )
        if isinstance(message, _Rejected):
            self._reject(message)
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if method == types.EXIT:
            # pygls computes the same status but its stdio loop swallows the SystemExit.
            self.exit_code = 0 if self._shutdown else 1
        elif method is not None and self._shutdown:
            self._refuse(message, is_request, INVALID_REQUEST, "the server is shutting down")
            return
        elif method == types.INITIALIZE and is_request:
            if self._initialize_received:
                self._refuse(message, True, INVALID_REQUEST, "initialize was already received")
                return
            self._initialize_received = True
        elif method is not None and not self._initialize_received:
            self._refuse(
                message, is_request, SERVER_NOT_INITIALIZED, "the server is not initialized"
            )
            return
        super().handle_message(message)

    def _refuse(self, message: Any, is_request: bool, code: int, text: str) -> None:
        if is_request:
            self._reject(_Rejected(message.id, message.method, code, f"{message.method}: {text}"))
        else:
            log.info("ignored %s notification: %s", message.method, text)

    def _reject(self, rejected: _Rejected) -> None:
        if rejected.msg_id is None:
            # A notification (or an id we cannot answer): the spec forbids a response.
            if rejected.message:
                log.warning("dropped %s notification: %s", rejected.method, rejected.message)
            return
        log.warning("request %s refused: %s", rejected.msg_id, rejected.message)
        self.send_error(rejected.msg_id, rejected.code, rejected.message)

    def send_error(self, msg_id: int | str, code: int, message: str) -> None:
        # Built by hand: pygls's error types attach a Python traceback as `data`.
        self._send_data(
            {
                "jsonrpc": JsonRPCProtocol.VERSION,
                "id": msg_id,
                "error": {"code": code, "message": message},
            }
        )


# --- framing ---------------------------------------------------------------------------------

# A Content-Length header line where a header block may start. A JSON body cannot contain this:
# letters outside strings are invalid JSON and a raw newline inside a string is too, so a match
# inside a declared body proves the length wrong, and is where the next message starts.
_RESYNC = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_TOKEN = rb"[-!#$%&'*+.^_`|~0-9A-Za-z]"  # an HTTP header name's characters (RFC 9110)
_HEADER_LINE = re.compile(_TOKEN + rb"+[ \t]*:[^\r\n]*")
# What a header block looks like while its end has not arrived yet.
_HEADER_PREFIX = re.compile(
    rb"(" + _TOKEN + rb"+[ \t]*:[^\r\n]*\r?\n)*" + _TOKEN + rb"*([ \t]*:[^\r\n]*)?\r?"
)


@dataclass(frozen=True)
class Message:
    """A well-framed body, parsed as JSON."""

    value: Any


@dataclass(frozen=True)
class FramingError:
    """Bytes that could not be framed; ``request_id`` is set if they hold a readable request."""

    reason: str
    request_id: int | str | None


Event = Message | FramingError


def _salvage_id(garbage: bytes) -> int | str | None:
    """The id of a request mis-framed but intact, so that its client does not wait forever."""
    start = garbage.find(b"{")
    if start < 0:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(garbage[start:].decode("utf-8", "replace"))
    except ValueError:
        return None
    if isinstance(value, dict) and isinstance(value.get("method"), str):
        return _request_id(value)
    return None


class Framer:
    """Splits a byte stream into LSP messages; recovers from any framing error.

    A push parser, so the reader thread never blocks on a length it cannot trust: ``feed`` bytes,
    call ``idle`` when the client has gone quiet, ``eof`` at the end; each returns the events found.
    """

    def __init__(self) -> None:
        self._buf = b""
        self._length: int | None = None  # declared body length, once a header block is read
        self._scanned = 0  # body bytes already searched for a header
        self._garbage = False  # discarding up to the next Content-Length header

    def feed(self, data: bytes) -> list[Event]:
        self._buf += data
        events: list[Event] = []
        while self._step(events):
            pass
        return events

    def pending(self) -> bool:
        return bool(self._buf.strip()) or self._length is not None

    def idle(self) -> list[Event]:
        """The client is quiet: judge what is buffered instead of waiting for bytes to come."""
        events: list[Event] = []
        if self._length is not None:
            # A complete JSON value short of the declared length: the length is too long.
            body = self._buf.strip()
            try:
                json.loads(body)
            except ValueError:
                return events  # a slow sender mid-body: keep waiting
            self._fail(events, f"Content-Length {self._length} exceeds the message", len(self._buf))
        elif self._garbage or (self._buf.strip() and not self._header_prefix()):
            self._fail(events, "bytes outside a message", len(self._buf))
        return events

    def eof(self) -> list[Event]:
        events: list[Event] = []
        if self.pending():
            self._fail(events, "stdin closed inside a message", len(self._buf))
        return events

    def _header_prefix(self) -> bool:
        return _HEADER_PREFIX.fullmatch(self._buf) is not None

    def _fail(self, events: list[Event], reason: str, end: int) -> None:
        garbage, self._buf = self._buf[:end], self._buf[end:]
        self._length = None
        self._scanned = 0
        self._garbage = False
        if garbage.strip():  # stray blank lines between messages are harmless
            events.append(FramingError(reason, _salvage_id(garbage)))

    def _step(self, events: list[Event]) -> bool:
        if self._garbage:
            match = _RESYNC.search(self._buf, 1)
            if match is None:
                return False
            self._fail(events, "framing error", match.start())
            return True
        if self._length is None:
            return self._read_headers(events)
        return self._read_body(events)

    def _read_headers(self, events: list[Event]) -> bool:
        stripped = self._buf.lstrip(b"\r\n")
        if stripped is not self._buf:
            self._buf = stripped
        end = _HEADER_END.search(self._buf)
        if end is None:
            if self._buf and not self._header_prefix():
                self._garbage = True
                return True
            return False
        length: int | None = None
        reason = ""
        for line in re.split(rb"\r?\n", self._buf[: end.start()]):
            if not _HEADER_LINE.fullmatch(line):
                reason = f"malformed header line {line[:80]!r}"
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                text = value.strip()
                if not text.isdigit() or not text.isascii() or length is not None:
                    reason = f"invalid Content-Length {text[:40]!r}"
                    break
                length = int(text)
        if not reason and length is None:
            reason = "no Content-Length header"
        if not reason and length is not None and length > MAX_BODY:
            reason = f"Content-Length {length} over the {MAX_BODY} byte limit"
        if reason:
            log.warning("framing error: %s; looking for the next message", reason)
            self._garbage = True
            return True
        self._length = length
        self._scanned = 0
        self._buf = self._buf[end.end() :]
        return True

    def _read_body(self, events: list[Event]) -> bool:
        assert self._length is not None
        region = self._buf[: self._length]
        # Re-search a little before the new bytes: a header may straddle two reads.
        match = _RESYNC.search(region, max(0, self._scanned - 64))
        if match is not None:
            self._fail(events, f"Content-Length {self._length} exceeds the message", match.start())
            return True
        self._scanned = len(region)
        if len(region) < self._length:
            return False
        try:
            value = json.loads(region)
        except ValueError as exc:
            # Too short (a truncated body) or not JSON: drop up to the next header.
            log.warning("framing error: body is not JSON (%s); looking for the next message", exc)
            self._length = None
            self._garbage = True
            return True
        self._buf = self._buf[self._length :]
        self._length = None
        self._scanned = 0
        events.append(Message(value))
        return True


# --- stdio loop ------------------------------------------------------------------------------


def start_server(
    server: LanguageServer,
    argv: list[str] | None = None,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> int:
    """pygls's command line (``--tcp``, ``--ws``, ``--host``, ``--port``), with our stdio loop.

    ``stdin`` and ``stdout`` replace the process's for stdio (see ``lsp.bootstrap``).
    """
    parser = argparse.ArgumentParser(description="the DebugLLM language server")
    parser.add_argument("--tcp", action="store_true", help="start a TCP server")
    parser.add_argument("--ws", action="store_true", help="start a WebSocket server")
    parser.add_argument("--host", default="127.0.0.1", help="bind to this address")
    parser.add_argument("--port", type=int, default=8888, help="bind to this port")
    args = parser.parse_args(argv)
    if args.tcp:
        server.start_tcp(args.host, args.port)
    elif args.ws:
        server.start_ws(args.host, args.port)
    else:
        return serve_stdio(server, stdin or sys.stdin.buffer, stdout or sys.stdout.buffer)
    return 0


def serve_stdio(server: LanguageServer, stdin: BinaryIO, stdout: BinaryIO) -> int:
    """Serve LSP over stdio until ``exit`` or end of input; return the process's exit status."""
    protocol = server.protocol
    assert isinstance(protocol, DebugLLMProtocol)
    # pygls's shutdown() sets this event; its own stdio loop would have created it.
    server._stop_event = threading.Event()
    protocol.set_writer(StdoutWriter(stdout))
    try:
        return asyncio.run(_serve(protocol, stdin))
    except SystemExit:  # raised by pygls's `exit` handler from inside the loop
        return protocol.exit_code if protocol.exit_code is not None else 1
    except BrokenPipeError:
        log.error("the client closed the connection")
        return 1
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]


async def _serve(protocol: DebugLLMProtocol, stdin: BinaryIO) -> int:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[int] = loop.create_future()
    framer = Framer()
    timer: asyncio.TimerHandle | None = None

    def dispatch(events: list[Event]) -> None:
        for event in events:
            if isinstance(event, Message):
                _dispatch(protocol, event.value)
                continue
            log.error("framing error (%s); resuming at the next message", event.reason)
            if event.request_id is not None:
                protocol.send_error(
                    event.request_id, PARSE_ERROR, f"message not framed correctly: {event.reason}"
                )

    def on_idle() -> None:
        dispatch(framer.idle())

    def on_data(chunk: bytes) -> None:
        nonlocal timer
        if timer is not None:
            timer.cancel()
            timer = None
        if not chunk:
            events = framer.eof()
            dispatch(events)
            if done.done():
                return
            if events:
                log.error("stdin closed inside a message: exiting")
                done.set_result(1)
            else:
                done.set_result(0)
            return
        dispatch(framer.feed(chunk))
        if framer.pending():
            timer = loop.call_later(IDLE_SECONDS, on_idle)

    def on_read_error(exc: BaseException) -> None:
        log.error("cannot read stdin (%s): exiting", exc)
        if not done.done():
            done.set_result(1)

    threading.Thread(
        target=_read_stdin, args=(stdin, loop, on_data, on_read_error), daemon=True
    ).start()
    return await done


def _read_stdin(
    stdin: BinaryIO,
    loop: asyncio.AbstractEventLoop,
    on_data: Callable[[bytes], None],
    on_error: Callable[[BaseException], None],
) -> None:
    # A thread, as in pygls: blocking reads on a pipe cannot be awaited portably (Windows).
    read = getattr(stdin, "read1", stdin.read)
    while True:
        try:
            chunk = read(65536)
        except (OSError, ValueError) as exc:
            loop.call_soon_threadsafe(on_error, exc)
            return
        try:
            loop.call_soon_threadsafe(on_data, chunk)
        except RuntimeError:  # the loop has closed: the server is exiting
            return
        if not chunk:
            return


def _dispatch(protocol: DebugLLMProtocol, value: Any) -> None:
    if not isinstance(value, dict):
        log.warning("dropped a JSON-RPC message that is not an object")
        return
    try:
        message = protocol.structure_message(value)
        protocol.handle_message(message)
    except Exception:
        # pygls's loop does the same: one bad message must not end the server.
        log.exception("cannot handle a message")
