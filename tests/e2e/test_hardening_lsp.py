"""Issue 15 over stdio, against the real server process: deep valid code (item 3), endless model
answers and redirects (items 4, 8), a non-ASCII API key (item 5), the hover format (item 9)."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    SERVER,
    free_loopback_port,
    hover_at,
    open_document,
    start,
    vscode_capabilities,
    wait_until,
)
from tests.e2e.rawrpc import RawServer
from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Reply

URI = "file:///tmp/project/hardening.py"
BAD_KEY = "sk-ключ"
KEY = "sk-e2e-hardening-7d1e"
MISSING_COLON = "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n"
CLEAN = "def add(a, b):\n    return a - b\n"


def plus_chain(terms: int) -> str:
    return "x = " + " + ".join(f"a{i}" for i in range(terms)) + "\n"


def elif_chain(branches: int) -> str:
    arms = "".join(f"elif x == {i}:\n    pass\n" for i in range(1, branches))
    return "x = 0\nif x == 0:\n    pass\n" + arms


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


# --- item 3 ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [plus_chain(990), elif_chain(990), plus_chain(1500)])
async def test_deep_valid_code_gets_no_diagnostic(client: LanguageClient, text: str) -> None:
    compile(text, "<file>", "exec", dont_inherit=True)
    published = await open_document(client, URI, text)
    assert published.diagnostics == []


def test_syntax_warnings_stay_out_of_stderr() -> None:
    """Raw JSON-RPC over stdio: every stderr line of the server is a JSON log line."""
    text = 'x = 1\nif x is 1:\n    print("\\d")\nimport os\n'
    server = RawServer()
    try:
        server.initialize()
        server.notify("initialized", {})
        item = {"uri": URI, "languageId": "python", "version": 1, "text": text}
        server.notify("textDocument/didOpen", {"textDocument": item})
        # Each answer is awaited: a shutdown sent at once would cancel the analysis in flight.
        hover = server.call(
            "textDocument/hover",
            {"textDocument": {"uri": URI}, "position": {"line": 1, "character": 4}},
            timeout=30,
        )
        assert "is-literal" in json.dumps(hover)  # the file was analysed
        assert "result" in server.call("shutdown")
        server.notify("exit")
        assert server.wait(10) == 0
        log = server.log()
    finally:
        server.close()
    for line in log.splitlines():
        assert line.startswith("{"), f"not a JSON log line: {line!r}"
    assert "SyntaxWarning" not in log


# --- item 5 ----------------------------------------------------------------------------------


def bad_key_options(fake: FakeOpenAI) -> dict[str, Any]:
    return {
        "debugllm": {
            "endpoint": {"url": fake.url, "apiKey": BAD_KEY},
            "diagnostics": {"debounceMs": 0},
        }
    }


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def bad_key_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    await start(lsp_client, options=bad_key_options(fake))  # failed with -32603 before
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER, server_env={**os.environ, "DEBUGLLM_API_KEY": BAD_KEY}
    )
)
async def bad_env_key_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    options = {"debugllm": {"endpoint": {"url": fake.url}, "diagnostics": {"debounceMs": 0}}}
    await start(lsp_client, options=options)
    yield lsp_client
    await lsp_client.shutdown_session()


async def _serves_offline_and_says_why(client: LanguageClient, fake: FakeOpenAI) -> None:
    published = await open_document(client, URI, MISSING_COLON)
    assert [d.code for d in published.diagnostics] == ["syntax-error"]
    texts = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    about_key = [t for t in texts if "apiKey" in t]
    assert len(about_key) == 1 and "DEBUGLLM_API_KEY" in about_key[0]
    assert all("ключ" not in t for t in texts)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=published.diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=list(published.diagnostics)),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert titles and not any("with DebugLLM" in t for t in titles)  # no model action
    assert fake.requests == []


async def test_a_non_ascii_key_in_the_settings_keeps_the_server_offline(
    bad_key_client: LanguageClient, fake: FakeOpenAI
) -> None:
    await _serves_offline_and_says_why(bad_key_client, fake)


async def test_a_non_ascii_key_in_the_environment_keeps_the_server_offline(
    bad_env_key_client: LanguageClient, fake: FakeOpenAI
) -> None:
    await _serves_offline_and_says_why(bad_env_key_client, fake)


# --- items 4 and 8 ---------------------------------------------------------------------------


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def model_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    options = {
        "debugllm": {
            "endpoint": {"url": fake.url, "apiKey": KEY, "retries": 0, "timeoutMs": 20_000},
            "diagnostics": {"debounceMs": 0},
        }
    }
    await start(lsp_client, options=options)
    yield lsp_client
    await lsp_client.shutdown_session()


async def _resolve_model_fix(client: LanguageClient) -> types.CodeAction:
    await open_document(client, URI, CLEAN)
    position = types.Position(line=1, character=12)
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=types.Range(start=position, end=position),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    (action,) = [
        a for a in result or [] if isinstance(a, types.CodeAction) and "with DebugLLM" in a.title
    ]
    return await client.code_action_resolve_async(action)


async def test_an_endless_answer_fails_that_request_quickly(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply(endless=b"x" * 65536, endless_for=20))
    loop = asyncio.get_running_loop()
    started = loop.time()
    resolved = await _resolve_model_fix(model_client)
    assert resolved.edit is None
    assert loop.time() - started < 10  # cut at the cap, not at the 20 s deadline
    await wait_until(lambda: any("exceeded" in m.message for m in model_client.messages))
    texts = [m.message for m in model_client.messages]
    assert any("the endpoint's answer exceeded" in t and "bytes" in t for t in texts)
    assert all(KEY not in t for t in texts)


async def test_a_redirect_is_refused(model_client: LanguageClient, fake: FakeOpenAI) -> None:
    fake.default(COMPLETIONS, Reply(status=307, headers={"Location": "http://example.com/v1"}))
    resolved = await _resolve_model_fix(model_client)
    assert resolved.edit is None
    await wait_until(lambda: any("redirect refused" in m.message for m in model_client.messages))
    assert [r.path for r in fake.requests] == [COMPLETIONS]


async def test_an_answer_with_the_key_is_not_offered(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(f"def add(a, b):\n    return '{KEY}'\n"))
    resolved = await _resolve_model_fix(model_client)
    assert resolved.edit is None
    await wait_until(lambda: any("API key" in m.message for m in model_client.messages))
    texts = [m.message for m in model_client.messages + model_client.log_messages]
    assert all(KEY not in t for t in texts)


# --- item 9 ----------------------------------------------------------------------------------


def plaintext_capabilities() -> types.ClientCapabilities:
    caps = vscode_capabilities()
    assert caps.text_document is not None
    # What Emacs eglot 1.9 sends without markdown-mode: plain text preferred.
    caps.text_document.hover = types.HoverClientCapabilities(
        content_format=[types.MarkupKind.PlainText]
    )
    return caps


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def plaintext_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=plaintext_capabilities(), root_uri="file:///tmp")
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_hover_answers_plain_text_to_a_client_that_prefers_it(
    plaintext_client: LanguageClient,
) -> None:
    await open_document(plaintext_client, URI, MISSING_COLON)
    hover = await hover_at(plaintext_client, URI, 2, 15)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.PlainText
    text = hover.contents.value
    assert "**" not in text and "`" not in text and "```" not in text
    assert "    -    for x in xs\n" in text and "    +    for x in xs:" in text


async def test_hover_stays_markdown_for_a_markdown_client(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    hover = await hover_at(client, URI, 2, 15)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "```diff" in hover.contents.value


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER,
        server_env={
            **os.environ,
            "DEBUGLLM_ENDPOINT_URL": f"http://127.0.0.1:{free_loopback_port()}/v1",
            "DEBUGLLM_API_KEY": BAD_KEY,
        },
    )
)
async def env_only_bad_key_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await start(lsp_client, options=None)  # no initializationOptions at all
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_a_bad_key_from_the_environment_alone_is_reported_once(
    env_only_bad_key_client: LanguageClient,
) -> None:
    client = env_only_bad_key_client
    published = await open_document(client, URI, MISSING_COLON)
    texts = [m.message for m in client.messages] + [m.message for m in client.log_messages]
    about_key = [t for t in texts if "apiKey" in t]
    assert len(about_key) == 1 and all("ключ" not in t for t in texts)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=published.diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=list(published.diagnostics)),
        )
    )
    titles = [a.title for a in actions or [] if isinstance(a, types.CodeAction)]
    assert titles and not any("with DebugLLM" in t for t in titles)
