"""``debugllm-lsp``'s entry point: answer ``initialize`` before the LSP stack has loaded.

pygls and lsprotocol take about a second to import (attrs generates the methods of ~570 classes),
and an editor waits for the initialize result before it shows anything. This module imports only
the standard library. It reads the client's first message from stdin; when that is ``initialize``,
it answers at once with the result the server gives (``initialize_result.json``, a snapshot of
the real server's answer, adjusted for what pygls derives from the client: the position encoding,
notebook sync, willSave). Then it loads the server and hands it stdin with the bytes already
read put back in front, so pygls processes the same ``initialize`` (its state, our handler, the
client's options) and everything after it in order; pygls's own answer to that request is dropped
on its way out, after a check that it equals ours. Any other first message, any argument
(``--tcp``, ``--help``), or anything unexpected here takes the plain path with every byte kept.
"""

from __future__ import annotations

import json
import os
import sys
from typing import TYPE_CHECKING, Any, BinaryIO, cast

if TYPE_CHECKING:
    import logging
    from collections.abc import Callable

#: The real server's initialize result for a client with notebook support and UTF-16.
SNAPSHOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "initialize_result.json")
#: pygls's supported position encodings (``pygls.capabilities._SUPPORTED_ENCODINGS``).
ENCODINGS = ("utf-8", "utf-16", "utf-32")
#: A first message larger than this is left to the server's own reader.
MAX_FIRST_MESSAGE = 16 * 1024 * 1024
_TRACE_VALUES = ("off", "messages", "verbose")


class ReplayReader:
    """stdin with the bytes the bootstrap already consumed put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix = prefix
        self._stream = stream

    def read1(self, size: int = -1) -> bytes:
        if self._prefix:
            n = len(self._prefix) if size < 0 else size
            chunk, self._prefix = self._prefix[:n], self._prefix[n:]
            return chunk
        read = getattr(self._stream, "read1", self._stream.read)
        data: bytes = read(size)
        return data

    def read(self, size: int = -1) -> bytes:
        return self.read1(size)


class DuplicateAnswerFilter:
    """stdout for pygls: drops its answer to the initialize request the bootstrap answered.

    pygls writes one whole framed message per call (``JsonRPCProtocol._send_data``).
    """

    def __init__(self, stream: BinaryIO, msg_id: int | str, sent: dict[str, Any]) -> None:
        self._stream = stream
        self._msg_id = msg_id
        self._sent = sent
        self._pending = True

    def write(self, data: bytes) -> int:
        if self._pending:
            answer = _answer_to(data, self._msg_id)
            if answer is not None:
                self._pending = False
                if "result" in answer:
                    if answer["result"] != self._sent:
                        _warn_mismatch(self._sent, answer["result"])
                    return len(data)
                # Params the bootstrap accepted but pygls refused: the client must see why.
                _log().error("the server refused the initialize the bootstrap answered: %s", answer)
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()

    def close(self) -> None:
        self._stream.close()


def _answer_to(data: bytes, msg_id: int | str) -> dict[str, Any] | None:
    _, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        return None
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if isinstance(message, dict) and "method" not in message and message.get("id") == msg_id:
        return message
    return None


def _log() -> logging.Logger:
    import logging  # loaded by the server by now; not worth its import time before the answer

    return logging.getLogger("debugllm.lsp.bootstrap")


def _warn_mismatch(sent: dict[str, Any], real: Any) -> None:
    _log().warning(
        "the early initialize result differs from the server's (regenerate %s with "
        "`python -m debugllm.lsp.snapshot`): sent %s, the server computed %s",
        os.path.basename(SNAPSHOT),
        json.dumps(sent, sort_keys=True),
        json.dumps(real, sort_keys=True),
    )


# --- the first message -----------------------------------------------------------------------


def _content_length(header: bytes) -> int | None:
    """The body length of a header block, or None for anything the server should judge."""
    length: int | None = None
    for line in header.replace(b"\r\n", b"\n").split(b"\n"):
        name, sep, value = line.partition(b":")
        if not sep:
            return None
        if name.strip().lower() == b"content-length":
            text = value.strip()
            if length is not None or not (text.isdigit() and text.isascii()):
                return None
            length = int(text)
    return length


_HEADER_ENDS = (b"\r\n\r\n", b"\r\n\n", b"\n\r\n", b"\n\n")  # the server's reader: \r?\n\r?\n


def _header_end(data: bytes) -> tuple[int, int] | None:
    """Where the header block ends and the body starts."""
    found = [(i, i + len(end)) for end in _HEADER_ENDS if (i := data.find(end)) >= 0]
    return min(found) if found else None


def _header_so_far(data: bytes) -> bool:
    """Whether the complete lines read so far can be headers (else the server judges them)."""
    lines = data.lstrip(b"\r\n").split(b"\n")[:-1]
    return all(b":" in line for line in lines)


def read_first_message(stdin: BinaryIO) -> tuple[bytes, Any]:
    """Every byte read, and the first message's JSON body (None when it cannot be framed)."""
    read = getattr(stdin, "read1", stdin.read)
    data = b""
    while (bounds := _header_end(data.lstrip(b"\r\n"))) is None:
        if len(data) > 65536 or not _header_so_far(data):
            return data, None
        chunk = read(65536)
        if not chunk:
            return data, None
        data += chunk
    skipped = len(data) - len(data.lstrip(b"\r\n"))
    end, body_start = bounds[0] + skipped, bounds[1] + skipped
    length = _content_length(data[skipped:end])
    if length is None or length > MAX_FIRST_MESSAGE:
        return data, None
    while len(data) < body_start + length:
        chunk = read(65536)
        if not chunk:
            return data, None
        data += chunk
    try:
        return data, json.loads(data[body_start : body_start + length])
    except ValueError:
        return data, None


def _optional(params: dict[str, Any], key: str, *kinds: type) -> bool:
    value = params.get(key)
    return value is None or (isinstance(value, kinds) and not isinstance(value, bool))


def _plausible(params: Any) -> bool:
    """Params pygls will accept, as far as their top level shows (deeper errors: see the filter)."""
    if not isinstance(params, dict) or not isinstance(params.get("capabilities"), dict):
        return False
    folders = params.get("workspaceFolders")
    if folders is not None and not (
        isinstance(folders, list)
        and all(
            isinstance(f, dict) and isinstance(f.get("uri"), str) and isinstance(f.get("name"), str)
            for f in folders
        )
    ):
        return False
    client_info = params.get("clientInfo")
    if client_info is not None and not (
        isinstance(client_info, dict) and isinstance(client_info.get("name"), str)
    ):
        return False
    trace = params.get("trace")
    return (
        _optional(params, "processId", int)
        and _optional(params, "rootUri", str)
        and _optional(params, "rootPath", str)
        and _optional(params, "locale", str)
        and (trace is None or trace in _TRACE_VALUES)
        and _optional(params["capabilities"], "general", dict)
        and _optional(params["capabilities"].get("general") or {}, "positionEncodings", list)
    )


def position_encoding(capabilities: dict[str, Any]) -> str:
    """pygls's choice (``ServerCapabilitiesBuilder.choose_position_encoding``)."""
    general = capabilities.get("general")
    encodings = general.get("positionEncodings") if isinstance(general, dict) else None
    for encoding in encodings or ():
        if encoding in ENCODINGS:
            return str(encoding)
    return "utf-16"


def initialize_result(params: dict[str, Any], snapshot: dict[str, Any]) -> dict[str, Any]:
    """The InitializeResult the server computes for these params."""
    result: dict[str, Any] = json.loads(json.dumps(snapshot))  # a deep copy
    capabilities: dict[str, Any] = result["capabilities"]
    capabilities["positionEncoding"] = position_encoding(params["capabilities"])
    client = params["capabilities"]
    # pygls announces notebook sync only to clients that declare notebook support.
    if client.get("notebookDocument") is None:
        capabilities.pop("notebookDocumentSync", None)
    # It answers willSave/willSaveWaitUntil (false: we register neither) when the client
    # declares them at all.
    text_document = client.get("textDocument")
    declared = text_document.get("synchronization") if isinstance(text_document, dict) else None
    for name in ("willSave", "willSaveWaitUntil"):
        if isinstance(declared, dict) and declared.get(name) is not None:
            capabilities["textDocumentSync"][name] = False
    return result


def load_snapshot() -> dict[str, Any]:
    with open(SNAPSHOT, encoding="utf-8") as f:
        snapshot: dict[str, Any] = json.load(f)["result"]
    return snapshot


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return (
        b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n"
        % len(body)
    ) + body


def _early_answer(stdin: BinaryIO, stdout: BinaryIO) -> tuple[bytes, DuplicateAnswerFilter | None]:
    """Read the first message; answer it if it is initialize. Returns the bytes read."""
    data = b""
    try:
        data, message = read_first_message(stdin)
        if not (
            isinstance(message, dict)
            and message.get("jsonrpc") == "2.0"
            and message.get("method") == "initialize"
            and isinstance(message.get("id"), (int, str))
            and not isinstance(message.get("id"), bool)
            and _plausible(message.get("params"))
        ):
            return data, None
        result = initialize_result(message["params"], load_snapshot())
        stdout.write(_frame({"jsonrpc": "2.0", "id": message["id"], "result": result}))
        stdout.flush()
    except Exception:  # the plain path answers instead: nothing here may cost the client its server
        return data, None
    return data, DuplicateAnswerFilter(stdout, message["id"], result)


def _load_server() -> Callable[..., None]:
    """The server's ``main``, its LSP stack loaded with attrs's code from the user's cache."""
    from debugllm.codecache import cached_attrs_code

    with cached_attrs_code():
        from debugllm.lsp.server import main as serve
    return serve


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    stdout = sys.stdout.buffer if sys.stdout is not None else None
    if args or stdin is None or stdout is None:  # --tcp, --ws, --help: the plain path
        serve = _load_server()
        serve(args)
        return
    data, out = _early_answer(stdin, stdout)
    serve = _load_server()

    # Duck-typed streams: the server's stdio loop only calls read1/read, write and flush.
    serve(
        [],
        stdin=cast(BinaryIO, ReplayReader(data, stdin)),
        stdout=cast(BinaryIO, out) if out is not None else stdout,
    )


if __name__ == "__main__":
    main()
