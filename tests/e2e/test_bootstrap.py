"""``debugllm-lsp`` answers ``initialize`` before the LSP stack loads (``lsp.bootstrap``), with
exactly the result the server computes, and loses nothing the client sends meanwhile.

Real processes over stdio: the bootstrap as ``debugllm-lsp`` starts it, and the plain server
(``python -m debugllm.lsp.server``, pygls answering) as the reference.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from debugllm.lsp.snapshot import plain_initialize_answer
from lsprotocol.converters import get_converter
from pytest_lsp import client_capabilities

from tests.e2e.rawrpc import PLAIN_SERVER, SERVER, RawServer, frame

pytestmark = pytest.mark.timeout(120)

URI = "file:///tmp/bootstrap_test.py"
SERVER_NOT_INITIALIZED = -32002
# The bootstrap with the LSP stack made unimportable: whatever it answers came before the stack.
WITHOUT_STACK = [
    sys.executable,
    "-c",
    "import sys\n"
    "sys.modules['pygls'] = sys.modules['lsprotocol'] = None\n"
    "from debugllm.lsp.bootstrap import main\n"
    "main()\n",
]


def published(raw: RawServer, timeout: float = 30.0) -> list[dict[str, Any]]:
    """The first non-empty diagnostics published for ``URI``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for note in list(raw.notifications):
            params = note.get("params") or {}
            if (
                note["method"] == "textDocument/publishDiagnostics"
                and params.get("uri") == URI
                and params["diagnostics"]
            ):
                diagnostics: list[dict[str, Any]] = params["diagnostics"]
                return diagnostics
        time.sleep(0.02)
    raise AssertionError(f"no diagnostics for {URI} in {timeout} s")


def caps(name: str) -> dict[str, Any]:
    value: dict[str, Any] = get_converter().unstructure(client_capabilities(name))
    return value


PARAMS: dict[str, dict[str, Any]] = {
    "no-capabilities": {"processId": None, "rootUri": None, "capabilities": {}},
    "utf-8-preferred": {
        "processId": 4242,
        "rootUri": "file:///tmp",
        "capabilities": {"general": {"positionEncodings": ["utf-8", "utf-16"]}},
    },
    "utf-32-with-options": {
        "capabilities": {"general": {"positionEncodings": ["latin-1", "utf-32"]}},
        "initializationOptions": {"debugllm": {"unsafeFixes": True, "targetVersion": "3.12"}},
    },
    "vscode-with-folders": {
        "processId": None,
        "rootUri": "file:///tmp",
        "capabilities": caps("visual-studio-code"),
        "workspaceFolders": [{"uri": "file:///tmp", "name": "tmp"}],
        "clientInfo": {"name": "Visual Studio Code", "version": "1.95.0"},
        "trace": "off",
        "locale": "en",
    },
    "neovim": {"processId": None, "capabilities": caps("neovim")},
    "notebooks-only": {"capabilities": {"notebookDocument": {"synchronization": {}}}},
}


def early_answer(params: dict[str, Any]) -> dict[str, Any]:
    """The bootstrap's answer, from a process that cannot import the stack."""
    message = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
    done = subprocess.run(
        WITHOUT_STACK, input=frame(message), capture_output=True, timeout=30, check=False
    )
    header, _, rest = done.stdout.partition(b"\r\n\r\n")
    assert header.startswith(b"Content-Length: "), (done.stdout, done.stderr)
    assert b"ImportError" in done.stderr or b"ModuleNotFoundError" in done.stderr
    answer: dict[str, Any] = json.loads(rest[: int(header.split(b"\r\n")[0].split(b":")[1])])
    return answer


def test_the_early_answer_is_the_servers_for_representative_clients() -> None:
    """Also the check that ``initialize_result.json`` has not drifted from the server."""
    names = list(PARAMS)
    with ThreadPoolExecutor(2) as pool:
        plain = list(pool.map(lambda name: plain_initialize_answer(PARAMS[name]), names))
    for name, reference in zip(names, plain, strict=True):
        early = early_answer(PARAMS[name])
        assert early == reference, (
            f"{name}: the bootstrap's answer differs from the server's; "
            "regenerate with `python -m debugllm.lsp.snapshot`"
        )
    # The variants do exercise what the bootstrap adjusts.
    encodings = {a["result"]["capabilities"]["positionEncoding"] for a in plain}
    assert encodings == {"utf-8", "utf-16", "utf-32"}
    with_notebooks = {
        n
        for n, a in zip(names, plain, strict=True)
        if "notebookDocumentSync" in a["result"]["capabilities"]
    }
    assert "notebooks-only" in with_notebooks and "no-capabilities" not in with_notebooks


@pytest.fixture
def raw() -> Iterator[RawServer]:
    server = RawServer(SERVER)
    try:
        yield server
    finally:
        server.close()


def did_open(text: str) -> dict[str, Any]:
    document = {"uri": URI, "languageId": "python", "version": 1, "text": text}
    return {
        "jsonrpc": "2.0",
        "method": "textDocument/didOpen",
        "params": {"textDocument": document},
    }


def test_messages_sent_while_the_stack_loads_are_all_processed(raw: RawServer) -> None:
    params = PARAMS["no-capabilities"]
    answer = raw.call("initialize", params, timeout=30)
    # Everything at once, right after the early answer: the server is still importing pygls.
    raw.write(
        frame({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        + frame(did_open("def f(x)\n    return x\n"))
        + frame(
            {
                "jsonrpc": "2.0",
                "id": 100,
                "method": "textDocument/codeAction",
                "params": {
                    "textDocument": {"uri": URI},
                    "range": {
                        "start": {"line": 0, "character": 0},
                        "end": {"line": 0, "character": 8},
                    },
                    "context": {"diagnostics": []},
                },
            }
        )
        + frame(
            {
                "jsonrpc": "2.0",
                "id": 101,
                "method": "textDocument/hover",
                "params": {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 1}},
            }
        )
    )
    actions = raw.response(100, timeout=60)["result"]
    fixes = [a for a in actions if a.get("kind") == "quickfix"]
    assert fixes and "edit" in fixes[0], actions  # no resolve support: the edit comes inline
    (change,) = fixes[0]["edit"]["documentChanges"]
    assert change["textDocument"]["uri"] == URI
    assert ":" in "".join(e["newText"] for e in change["edits"]), fixes[0]
    assert "result" in raw.response(101, timeout=30)
    assert any("':'" in d["message"] for d in published(raw)), raw.notifications
    # pygls's own answer to the same initialize was dropped: one answer for id 1, the early one.
    assert raw.no_response(answer["id"], wait=0.5)
    assert "differs" not in raw.log() and "refused" not in raw.log()
    assert "result" in raw.call("shutdown")
    raw.notify("exit")
    assert raw.wait() == 0


def test_a_client_that_sends_something_else_first_is_served_by_pygls(raw: RawServer) -> None:
    hover = {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 0}}
    error = raw.call("textDocument/hover", hover, timeout=30)["error"]
    assert error["code"] == SERVER_NOT_INITIALIZED, error
    answer = raw.call("initialize", PARAMS["utf-8-preferred"], timeout=30)
    assert answer == plain_initialize_answer(PARAMS["utf-8-preferred"]) | {"id": answer["id"]}
    raw.notify("initialized", {})
    raw.alive()
    assert "result" in raw.call("shutdown")
    raw.notify("exit")
    assert raw.wait() == 0


def test_bytes_that_are_no_message_before_initialize_are_recovered(raw: RawServer) -> None:
    raw.write(b"this is not a header\r\n\r\n")
    answer = raw.call("initialize", PARAMS["no-capabilities"], timeout=30)
    assert answer["result"]["capabilities"]["positionEncoding"] == "utf-16"
    raw.alive()


def test_exit_without_shutdown_right_after_the_early_answer_exits_1(raw: RawServer) -> None:
    raw.call("initialize", PARAMS["no-capabilities"], timeout=30)
    raw.notify("exit")
    assert raw.wait(timeout=30) == 1


def test_the_plain_server_still_serves() -> None:
    """``python -m debugllm.lsp.server`` (no bootstrap) stays a working entry point."""
    plain = RawServer(PLAIN_SERVER)
    try:
        plain.initialize()
        plain.alive()
        assert "result" in plain.call("shutdown")
        plain.notify("exit")
        assert plain.wait(timeout=30) == 0
    finally:
        plain.close()


def test_arguments_take_the_plain_path() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "debugllm.lsp", "--help"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "--tcp" in done.stdout, done
