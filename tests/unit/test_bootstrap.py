"""``lsp.bootstrap``: framing of the first message, the replayed stdin, the dropped duplicate
answer, and pygls's position-encoding choice, without the LSP stack."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from typing import Any

import pytest
from debugllm.lsp import bootstrap
from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.capabilities import ServerCapabilitiesBuilder

INITIALIZE = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}


def body(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


class Chunks(io.RawIOBase):
    """A pipe that delivers its bytes in the chunks given, as a slow client writes them."""

    def __init__(self, *chunks: bytes) -> None:
        self._chunks = list(chunks)

    def read1(self, size: int = -1) -> bytes:
        return self._chunks.pop(0) if self._chunks else b""

    def readable(self) -> bool:
        return True


def test_the_bootstrap_imports_no_lsp_stack() -> None:
    probe = (
        "import sys\nimport debugllm.lsp.bootstrap\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'pygls', 'lsprotocol', 'cattrs', 'attrs', 'pydantic', 'asyncio', 'logging'} "
        "or m == 'debugllm.lsp.server'))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout


@pytest.mark.parametrize(
    "header",
    [
        b"Content-Length: %d\r\n\r\n",
        b"content-length: %d\r\n\r\n",
        b"Content-Length: %d\nContent-Type: application/vscode-jsonrpc\n\n",
        b"\r\n\r\nContent-Length: %d\r\n\r\n",
        b"Content-Length: %d\r\n\n",
    ],
    ids=["crlf", "lower-case", "bare-lf", "leading-blank-lines", "mixed"],
)
def test_first_message_is_framed_as_the_server_frames_it(header: bytes) -> None:
    data = body(INITIALIZE)
    framed = header % len(data) + data
    following = b"Content-Length: 2\r\n\r\n{}"
    # Split mid-header and mid-body: a slow writer.
    stream = Chunks(framed[:10], framed[10:30], framed[30:] + following[:5])
    read, message = bootstrap.read_first_message(stream)  # type: ignore[arg-type]
    assert message == INITIALIZE
    assert read == framed + following[:5]  # every byte read is returned, for the replay


@pytest.mark.parametrize(
    "raw",
    [
        b"garbage without any header\r\n",
        b"Content-Length: 12\r\n\r\nnot json !!!",
        b"Content-Length: x\r\n\r\n{}",
        b"Content-Length: 100\r\n\r\n{}",  # stdin closes inside the body
        b"Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
    ],
    ids=["no-header", "not-json", "bad-length", "eof-in-body", "two-lengths"],
)
def test_what_cannot_be_framed_is_left_to_the_server_with_every_byte(raw: bytes) -> None:
    read, message = bootstrap.read_first_message(Chunks(raw))  # type: ignore[arg-type]
    assert message is None
    assert read == raw


def test_replay_reader_gives_the_consumed_bytes_first_then_the_stream() -> None:
    reader = bootstrap.ReplayReader(b"abcdef", io.BytesIO(b"ghi"))
    assert reader.read1(4) == b"abcd"
    assert reader.read1(65536) == b"ef"
    assert reader.read1(65536) == b"ghi"
    assert reader.read1(65536) == b""


def frame(message: dict[str, Any]) -> bytes:
    data = body(message)
    return b"Content-Length: %d\r\nContent-Type: x\r\n\r\n" % len(data) + data


def test_the_duplicate_answer_is_dropped_and_the_rest_passes() -> None:
    out = io.BytesIO()
    sent = {"capabilities": {"hoverProvider": True}}
    writer = bootstrap.DuplicateAnswerFilter(out, 7, sent)
    log_message = frame({"jsonrpc": "2.0", "method": "window/logMessage", "params": {}})
    writer.write(log_message)
    writer.write(frame({"jsonrpc": "2.0", "id": 7, "result": sent}))
    later = frame({"jsonrpc": "2.0", "id": 7, "result": None})  # a reused id later: not dropped
    writer.write(later)
    assert out.getvalue() == log_message + later


def test_a_different_answer_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    out = io.BytesIO()
    writer = bootstrap.DuplicateAnswerFilter(out, "a", {"capabilities": {}})
    with caplog.at_level(logging.WARNING, "debugllm.lsp.bootstrap"):
        writer.write(frame({"jsonrpc": "2.0", "id": "a", "result": {"capabilities": {"x": 1}}}))
    assert out.getvalue() == b""
    assert "differs from the server's" in caplog.text and '"x": 1' in caplog.text


def test_a_refused_initialize_reaches_the_client(caplog: pytest.LogCaptureFixture) -> None:
    out = io.BytesIO()
    writer = bootstrap.DuplicateAnswerFilter(out, 1, {"capabilities": {}})
    error = frame({"jsonrpc": "2.0", "id": 1, "error": {"code": -32602, "message": "bad"}})
    with caplog.at_level(logging.ERROR, "debugllm.lsp.bootstrap"):
        writer.write(error)
    assert out.getvalue() == error
    assert "refused" in caplog.text


@pytest.mark.parametrize(
    "capabilities",
    [
        {},
        {"general": {}},
        {"general": {"positionEncodings": []}},
        {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
        {"general": {"positionEncodings": ["utf-32"]}},
        {"general": {"positionEncodings": ["latin-1", "utf-32", "utf-8"]}},
        {"general": {"positionEncodings": ["latin-1"]}},
    ],
)
def test_position_encoding_is_pygls_choice(capabilities: dict[str, Any]) -> None:
    structured = get_converter().structure(capabilities, types.ClientCapabilities)
    expected = ServerCapabilitiesBuilder.choose_position_encoding(structured)
    assert bootstrap.position_encoding(capabilities) == expected  # a str enum or a str


@pytest.mark.parametrize(
    "params",
    [
        None,
        {},
        {"capabilities": []},
        {"capabilities": {}, "processId": "12"},
        {"capabilities": {}, "processId": True},
        {"capabilities": {}, "workspaceFolders": [{"uri": "file:///x"}]},
        {"capabilities": {}, "trace": "loud"},
        {"capabilities": {"general": {"positionEncodings": "utf-8"}}},
    ],
)
def test_implausible_params_take_the_plain_path(params: Any) -> None:
    stdin = io.BytesIO(frame({**INITIALIZE, "params": params}))
    stdout = io.BytesIO()
    read, writer = bootstrap._early_answer(stdin, stdout)
    assert writer is None and stdout.getvalue() == b""
    assert read == stdin.getvalue()
