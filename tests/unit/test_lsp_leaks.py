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
