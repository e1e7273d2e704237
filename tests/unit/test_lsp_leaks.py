"""pygls 2.1.1 keeps a future per notification: the server must not (see debugllm.lsp.leaks)."""

from __future__ import annotations

import asyncio
from typing import Any

from debugllm.lsp.server import DebugLLMServer


class _Sink:
    def write(self, data: bytes) -> None:
        pass

    def close(self) -> None:
        pass


def _send(
    ls: DebugLLMServer, method: str, params: dict[str, Any], msg_id: int | None = None
) -> None:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "params": params}
    if msg_id is not None:
        message["id"] = msg_id
    ls.protocol.handle_message(ls.protocol.structure_message(message))


async def test_notifications_leave_no_future_behind() -> None:
    ls = DebugLLMServer()
    ls.protocol.writer = _Sink()
    _send(ls, "initialize", {"processId": None, "rootUri": None, "capabilities": {}}, msg_id=1)
    await asyncio.sleep(0.05)
    cycles = 300
    for i in range(cycles):
        uri = f"file:///tmp/leak_{i % 7}.py"
        item = {"uri": uri, "languageId": "python", "version": 1, "text": f"x = {i}\n"}
        _send(ls, "textDocument/didOpen", {"textDocument": item})
        _send(
            ls,
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [{"text": f"y = {i}\n"}],
            },
        )
        _send(ls, "textDocument/didClose", {"textDocument": {"uri": uri}})
        if i % 50 == 0:
            await asyncio.sleep(0)
    await asyncio.sleep(0.2)  # let every handler's future finish
    # pygls 2.1.1 without the workaround: one entry per notification (900).
    assert len(ls.protocol._request_futures) < 10


class _Recorder(_Sink):
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.sent.append(data)


async def test_shutdown_with_handlers_in_flight_is_answered() -> None:
    # pygls' shutdown cancels the futures of handlers in flight while iterating over
    # _request_futures; a concurrent future runs its done callbacks inside cancel(), so the
    # workaround must not remove entries right then (VS Code got "dictionary changed size
    # during iteration" and the old server process lived on).
    ls = DebugLLMServer()
    sink = _Recorder()
    ls.protocol.writer = sink
    _send(ls, "initialize", {"processId": None, "rootUri": None, "capabilities": {}}, msg_id=1)
    await asyncio.sleep(0.05)

    async def slow() -> None:
        await asyncio.sleep(5)

    def in_flight() -> Any:
        yield slow, (), None

    for i in range(5):
        ls.protocol._execute_handler(f"pending-{i}", in_flight, ls.protocol._check_handler_result)
    await asyncio.sleep(0.05)
    sink.sent.clear()
    _send(ls, "shutdown", None, msg_id=2)  # type: ignore[arg-type]
    await asyncio.sleep(0.2)
    answer = b"".join(sink.sent)
    assert b'"id": 2' in answer.replace(b'"id":2', b'"id": 2'), answer
    assert b"error" not in answer, answer
    assert not [k for k in ls.protocol._request_futures if str(k).startswith("pending-")]
