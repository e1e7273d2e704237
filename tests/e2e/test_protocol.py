"""Every request answered with the right error code, and framing errors recovered (issue 15, 6-7).

Driven byte by byte over stdio against the real server process (see ``rawrpc``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.rawrpc import RawServer, frame

pytestmark = pytest.mark.timeout(60)

INVALID_REQUEST = -32600
INVALID_PARAMS = -32602
PARSE_ERROR = -32700
SERVER_NOT_INITIALIZED = -32002
URI = "file:///tmp/protocol_test.py"


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def ready(raw: RawServer) -> RawServer:
    raw.initialize()
    return raw


def error_of(answer: dict[str, Any], code: int) -> dict[str, Any]:
    assert "error" in answer, answer
    error: dict[str, Any] = answer["error"]
    assert error["code"] == code, answer
    return error


def hover(line: Any = 0, text_document: Any = None) -> dict[str, Any]:
    return {
        "textDocument": {"uri": URI} if text_document is None else text_document,
        "position": {"line": line, "character": 0},
    }


# --- 6. requests that got no answer -------------------------------------------------------------


@pytest.mark.parametrize(
    "method, params, where",
    [
        ("textDocument/hover", hover(line="a"), "position.line"),
        ("textDocument/hover", hover(line=2**31), "position"),
        ("textDocument/hover", hover(text_document=5), "text_document"),
        ("codeAction/resolve", "not an object", "params"),
    ],
    ids=["line-not-a-number", "line-too-large", "textDocument-not-an-object", "resolve-string"],
)
def test_bad_params_get_invalid_params(
    ready: RawServer, method: str, params: Any, where: str
) -> None:
    error = error_of(ready.call(method, params, timeout=5), INVALID_PARAMS)
    assert method in error["message"] and where in error["message"], error
    assert "Traceback" not in json.dumps(error)
    ready.alive()


def test_notification_with_bad_params_is_dropped_with_a_log_line(ready: RawServer) -> None:
    ready.notify("textDocument/didOpen", {"textDocument": 5})
    ready.alive()
    assert "textDocument/didOpen" in ready.log()


def test_request_before_initialize_is_server_not_initialized(raw: RawServer) -> None:
    error = error_of(raw.call("textDocument/hover", hover(), timeout=5), SERVER_NOT_INITIALIZED)
    assert "data" not in error and "Traceback" not in error["message"], error
    raw.initialize()
    raw.alive()


def test_request_after_shutdown_is_invalid_request(ready: RawServer) -> None:
    assert "result" in ready.call("shutdown")
    error_of(ready.call("textDocument/hover", hover(), timeout=5), INVALID_REQUEST)
    ready.notify("exit")
    assert ready.wait() == 0


def test_exit_without_shutdown_exits_1(ready: RawServer) -> None:
    ready.notify("exit")
    assert ready.wait() == 1


# --- 7. framing errors ------------------------------------------------------------------------


def hover_body(raw: RawServer) -> tuple[int, bytes]:
    msg_id = raw.new_id()
    body = {"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover", "params": hover()}
    return msg_id, json.dumps(body).encode()


def test_lower_case_content_length_is_accepted(ready: RawServer) -> None:
    msg_id, body = hover_body(ready)
    ready.write(frame(body, b"content-length: %d\r\n\r\n" % len(body)))
    assert "result" in ready.response(msg_id, timeout=5)
    ready.alive()


def test_bare_lf_headers_are_accepted(ready: RawServer) -> None:
    msg_id, body = hover_body(ready)
    header = b"Content-Length: %d\nContent-Type: application/vscode-jsonrpc\n\n" % len(body)
    ready.write(frame(body, header))
    assert "result" in ready.response(msg_id, timeout=5)
    ready.alive()


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: -5\r\n\r\n",
        b"Content-Length: abc\r\n\r\n",
        b"Content-Type: application/vscode-jsonrpc\r\n\r\n",
        b"",
    ],
    ids=["negative", "non-numeric", "missing", "no-header-at-all"],
)
def test_bad_content_length_recovers_at_next_header(ready: RawServer, header: bytes) -> None:
    msg_id, body = hover_body(ready)
    ready.write(header + body)
    # The mis-framed request is answered if its id can be read, so the client stops waiting.
    error_of(ready.response(msg_id, timeout=5), PARSE_ERROR)
    ready.alive()


@pytest.mark.parametrize("delta", [-10, 50, 10**6], ids=["too-short", "too-long", "far-too-long"])
def test_wrong_content_length_followed_by_a_message(ready: RawServer, delta: int) -> None:
    msg_id, body = hover_body(ready)
    next_id = ready.new_id()
    following = {"jsonrpc": "2.0", "id": next_id, "method": "shutdown"}
    ready.write(frame(body, b"Content-Length: %d\r\n\r\n" % (len(body) + delta)) + frame(following))
    assert "result" in ready.response(next_id, timeout=5)
    error_of(ready.response(msg_id, timeout=5), PARSE_ERROR)


@pytest.mark.parametrize("delta", [-10, 50], ids=["too-short", "too-long"])
def test_wrong_content_length_alone_is_answered(ready: RawServer, delta: int) -> None:
    # Nothing follows: the client waits for this answer, so the server must not wait for more bytes.
    msg_id, body = hover_body(ready)
    ready.write(frame(body, b"Content-Length: %d\r\n\r\n" % (len(body) + delta)))
    error_of(ready.response(msg_id, timeout=5), PARSE_ERROR)
    ready.alive()


def test_invalid_json_is_dropped_and_the_server_still_answers(ready: RawServer) -> None:
    ready.write(frame(b'{"jsonrpc": "2.0", "id": 99, "method": '))
    ready.alive()


def test_stdin_closed_inside_a_message_exits_non_zero_with_a_log_line(ready: RawServer) -> None:
    ready.write(b"Content-Length: 100\r\n\r\n{")
    assert ready.proc.stdin is not None
    ready.proc.stdin.close()
    assert ready.wait() != 0
    assert "stdin closed" in ready.log()
