"""Regenerate ``initialize_result.json``, the answer ``lsp.bootstrap`` gives before pygls loads.

``python -m debugllm.lsp.snapshot`` starts the real server (the plain path, no bootstrap), sends
it ``initialize`` as a client with notebook support would, and stores its result. Run it after
changing a feature, a command or the server's version; ``tests/e2e/test_bootstrap.py`` fails
until the snapshot matches what the server answers.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from debugllm.lsp.bootstrap import SNAPSHOT

#: The client the snapshot is taken for: what ``bootstrap.initialize_result`` adjusts from.
SNAPSHOT_PARAMS: dict[str, Any] = {
    "processId": None,
    "rootUri": None,
    "capabilities": {"notebookDocument": {"synchronization": {}}},
}
PLAIN_SERVER = [sys.executable, "-m", "debugllm.lsp.server"]


def _frame(message: dict[str, Any]) -> bytes:
    body = json.dumps(message).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def plain_initialize_answer(params: dict[str, Any], timeout: float = 60.0) -> dict[str, Any]:
    """The plain server's whole answer to ``initialize`` with these params, then it exits."""
    messages = (
        _frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params})
        + _frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
        + _frame({"jsonrpc": "2.0", "method": "exit"})
    )
    done = subprocess.run(
        PLAIN_SERVER, input=messages, capture_output=True, timeout=timeout, check=False
    )
    out = done.stdout
    while out:
        header, _, rest = out.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in header.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        message: dict[str, Any] = json.loads(rest[:length])
        if message.get("id") == 1 and "method" not in message:
            return message
        out = rest[length:]
    raise RuntimeError(f"no initialize answer; stderr: {done.stderr.decode(errors='replace')}")


def main() -> None:
    answer = plain_initialize_answer(SNAPSHOT_PARAMS)
    snapshot = {
        "comment": "The server's initialize result; regenerate: python -m debugllm.lsp.snapshot",
        "result": answer["result"],
    }
    Path(SNAPSHOT).write_text(json.dumps(snapshot, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")


if __name__ == "__main__":
    main()
