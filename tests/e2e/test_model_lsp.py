"""End-to-end: the real server process, the model path against the scripted loopback endpoint."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    SERVER,
    apply_text_edits,
    change_document,
    open_document,
    start,
    wait_until,
)
from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI, Received, Reply

KEY = "sk-e2e-secret-5f2b9c"
URI = "file:///tmp/project/model.py"
BUGGY = (
    "def add(a, b):\n    return a - b\n\n\n"
    "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n"
)
FIXED_ADD = "def add(a, b):\n    return a + b\n\n\n"
CLEAN = "def add(a, b):\n    return a - b\n"


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def options(fake: FakeOpenAI, **endpoint: Any) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "url": fake.url,
        "apiKey": KEY,
        "retries": 1,
        "timeoutMs": 4000,
        "readTimeoutMs": 3000,
        "breakerThreshold": 2,
        "eagerWaitMs": 3000,
    }
    settings.update(endpoint)
    return {"debugllm": {"endpoint": settings, "diagnostics": {"debounceMs": 0}}}


def fix_minus(received: Received) -> Reply:
    """A tiny scripted "model": answers the code it was sent with `-` turned into `+`."""
    code = received.json["prompt"].split("Input:\n", 1)[1].rsplit("\n\nResponse:\n", 1)[0]
    return Reply.completion(code.replace(" - ", " + "))


def record_status(client: LanguageClient) -> list[Any]:
    statuses: list[Any] = []

    @client.feature("debugllm/status")
    def on_status(params: Any) -> None:
        statuses.append(params)

    return statuses


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def model_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    lsp_client.statuses = record_status(lsp_client)  # type: ignore[attr-defined]
    await start(lsp_client, options=options(fake))
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def eager_model_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    await start(lsp_client, resolve=False, options=options(fake, eagerWaitMs=1500))
    yield lsp_client
    await lsp_client.shutdown_session()


def at(line: int, character: int) -> types.Range:
    position = types.Position(line=line, character=character)
    return types.Range(start=position, end=position)


async def actions_at(
    client: LanguageClient,
    rng: types.Range,
    diagnostics: list[types.Diagnostic] | None = None,
    trigger: types.CodeActionTriggerKind | None = None,
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=rng,
            context=types.CodeActionContext(diagnostics=diagnostics or [], trigger_kind=trigger),
        )
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


def model_actions(actions: list[types.CodeAction]) -> list[types.CodeAction]:
    return [a for a in actions if a.title == "DebugLLM: Fix this function with DebugLLM"]


def no_key_anywhere(client: LanguageClient) -> None:
    texts = [m.message for m in client.log_messages] + [m.message for m in client.messages]
    assert all(KEY not in text for text in texts)


async def test_model_action_is_listed_without_network_and_resolved_to_a_verified_edit(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.responder(COMPLETIONS, fix_minus)
    await open_document(model_client, URI, BUGGY, version=1)
    actions = await actions_at(model_client, at(1, 12))
    (action,) = model_actions(actions)
    assert action.kind == types.CodeActionKind.QuickFix and action.edit is None
    assert fake.requests == []  # listing never waits on the network
    resolved = await model_client.code_action_resolve_async(action)
    assert resolved.edit is not None
    fixed = apply_text_edits(BUGGY, resolved.edit, version=1)
    assert fixed == BUGGY.replace("a - b", "a + b")  # one minimal edit
    (request,) = fake.requests_to(COMPLETIONS)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["prompt"].endswith("Input:\n" + BUGGY + "\n\nResponse:\n")
    no_key_anywhere(model_client)


async def test_one_model_action_per_position_and_it_targets_an_unfixable_diagnostic(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    text = "def f(xs):\n    return undefined_thing + xs\n"
    published = await open_document(model_client, URI, text, version=1)
    diagnostics = list(published.diagnostics)
    actions = await actions_at(model_client, diagnostics[0].range, diagnostics)
    (action,) = model_actions(actions)
    assert action.diagnostics and action.diagnostics[0].code == "undefined-name"


async def test_embedded_fixes_come_first_and_the_model_is_not_asked_for_them(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    published = await open_document(model_client, URI, BUGGY, version=1)
    diagnostics = list(published.diagnostics)
    actions = await actions_at(model_client, diagnostics[0].range, diagnostics)
    assert actions[0].title.startswith("DebugLLM:") and actions[0].is_preferred
    assert len(model_actions(actions)) <= 1
    assert fake.requests == []


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply.completion("def add(a, b:\n    return a + b\n"), "failed verification"),
        (Reply.completion(CLEAN), "unchanged"),
        (Reply(body="{not json"), "malformed JSON"),
        (Reply.empty_choices(), "no choices"),
        (Reply(status=401), "refused the API key"),
        (Reply.completion("x" * 40_000), "too large"),
    ],
)
async def test_bad_answers_give_no_edit_and_a_clear_message(
    model_client: LanguageClient, fake: FakeOpenAI, reply: Reply, words: str
) -> None:
    fake.default(COMPLETIONS, reply)
    await open_document(model_client, URI, CLEAN, version=1)
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    resolved = await model_client.code_action_resolve_async(action)
    assert resolved.edit is None
    await wait_until(lambda: any(words in m.message for m in model_client.messages))
    no_key_anywhere(model_client)


async def test_slow_endpoint_past_the_timeout_is_a_clear_message(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=6.0))
    await open_document(model_client, URI, CLEAN, version=1)
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    resolved = await model_client.code_action_resolve_async(action)
    assert resolved.edit is None
    assert any("did not answer within" in m.message for m in model_client.messages)


async def test_breaker_opens_reports_status_and_embedded_fixes_keep_working(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply(status=503))
    await open_document(model_client, URI, CLEAN, version=1)
    for _ in range(2):
        (action,) = model_actions(await actions_at(model_client, at(1, 12)))
        resolved = await model_client.code_action_resolve_async(action)
        assert resolved.edit is None
    statuses = model_client.statuses  # type: ignore[attr-defined]
    await wait_until(lambda: any(getattr(s, "state", None) == "open" for s in statuses))
    assert any("paused" in m.message for m in model_client.log_messages)
    assert model_actions(await actions_at(model_client, at(1, 12))) == []
    published = await change_document(model_client, URI, BUGGY, version=2)
    diagnostics = list(published.diagnostics)
    actions = await actions_at(model_client, diagnostics[0].range, diagnostics)
    assert any(a.is_preferred for a in actions)  # the embedded fix is still offered
    no_key_anywhere(model_client)


async def test_document_change_while_in_flight_cancels_and_never_gives_a_stale_edit(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=2.0))
    await open_document(model_client, URI, CLEAN, version=1)
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    pending = asyncio.ensure_future(model_client.code_action_resolve_async(action))
    await asyncio.to_thread(fake.wait_for_requests, 1)
    await change_document(model_client, URI, CLEAN + "\n", version=2)
    with pytest.raises(JsonRpcException, match="changed"):
        await pending


async def test_cancel_request_and_endpoint_vanishing(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=2.0))
    await open_document(model_client, URI, CLEAN, version=1)
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    pending = asyncio.ensure_future(
        model_client.protocol.send_request_async(
            types.CODE_ACTION_RESOLVE, action, msg_id="resolve-to-cancel"
        )
    )
    await asyncio.to_thread(fake.wait_for_requests, 1)
    model_client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="resolve-to-cancel"))
    with pytest.raises(JsonRpcException):
        await asyncio.wait_for(pending, 1.5)  # answered before the slow upstream would be
    fake.stop()
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    resolved = await model_client.code_action_resolve_async(action)
    assert resolved.edit is None
    await wait_until(lambda: any("cannot reach" in m.message for m in model_client.messages))
    stats = await model_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="debugllm.stats", arguments=[])
    )
    assert stats["errors"]["connection"] >= 1
    assert stats["outcomes"]["cancelled"] >= 1
    assert stats["model"]["state"] in ("closed", "open")


async def test_work_done_progress_is_reported_and_cancellable(
    model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=2.0))
    await open_document(model_client, URI, CLEAN, version=1)
    (action,) = model_actions(await actions_at(model_client, at(1, 12)))
    pending = asyncio.ensure_future(model_client.code_action_resolve_async(action))
    reports = model_client.progress_reports
    await wait_until(lambda: any(reports.values()))
    (token,) = reports
    begin = model_client.progress_reports[token][0]
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    model_client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    resolved = await asyncio.wait_for(pending, 1.5)
    assert resolved.edit is None
    await wait_until(lambda: any("cancelled" in m.message for m in model_client.messages))
    await wait_until(
        lambda: isinstance(model_client.progress_reports[token][-1], types.WorkDoneProgressEnd)
    )


async def test_eager_client_gets_an_inline_edit_within_the_bounded_wait(
    eager_model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD))
    await open_document(eager_model_client, URI, CLEAN, version=1)
    assert (
        model_actions(
            await actions_at(
                eager_model_client, at(1, 12), trigger=types.CodeActionTriggerKind.Automatic
            )
        )
        == []
    )
    (action,) = model_actions(
        await actions_at(eager_model_client, at(1, 12), trigger=types.CodeActionTriggerKind.Invoked)
    )
    assert action.edit is not None
    assert apply_text_edits(CLEAN, action.edit, 1) == CLEAN.replace("a - b", "a + b")


async def test_eager_client_and_a_slow_model_get_an_honest_no_fix(
    eager_model_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion(FIXED_ADD, delay=3.0))
    await open_document(eager_model_client, URI, CLEAN, version=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    actions = await actions_at(eager_model_client, at(1, 12))
    assert model_actions(actions) == [] and loop.time() - started < 3.0
    assert any("not answered yet" in m.message for m in eager_model_client.log_messages)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def insecure_client(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    await start(
        lsp_client,
        options={
            "debugllm": {"endpoint": {"url": "http://gpu-host.invalid:8000/v1", "apiKey": KEY}}
        },
    )
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_plain_http_to_a_remote_host_is_refused_with_a_reason(
    insecure_client: LanguageClient,
) -> None:
    await wait_until(lambda: any("allowInsecure" in m.message for m in insecure_client.messages))
    await open_document(insecure_client, URI, CLEAN, version=1)
    assert model_actions(await actions_at(insecure_client, at(1, 12))) == []
    no_key = [m.message for m in insecure_client.messages + insecure_client.log_messages]
    assert all(KEY not in m for m in no_key)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER))
async def prefetch_client(
    lsp_client: LanguageClient, fake: FakeOpenAI
) -> AsyncIterator[LanguageClient]:
    settings = options(fake)
    settings["debugllm"]["prefetch"] = "errors"
    await start(lsp_client, options=settings)
    yield lsp_client
    await lsp_client.shutdown_session()


async def test_prefetch_asks_in_the_background_for_unfixed_errors(
    prefetch_client: LanguageClient, fake: FakeOpenAI
) -> None:
    fake.default(COMPLETIONS, Reply.completion("def f(xs):\n    return 0 + xs\n"))
    text = "def f(xs):\n    return undefined_thing + xs\n"
    published = await open_document(prefetch_client, URI, text, version=1)
    await asyncio.to_thread(fake.wait_for_requests, 1)  # before any code action request
    diagnostics = list(published.diagnostics)
    (action,) = model_actions(await actions_at(prefetch_client, diagnostics[0].range, diagnostics))
    resolved = await prefetch_client.code_action_resolve_async(action)
    assert resolved.edit is not None
    assert apply_text_edits(text, resolved.edit, 1) == "def f(xs):\n    return 0 + xs\n"
    assert len(fake.requests_to(COMPLETIONS)) == 1  # the prefetched answer was reused
    stats = await prefetch_client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="debugllm.stats", arguments=[])
    )
    assert stats["requests"]["model"] == 1 and stats["tokens"]["completion"] == 20


async def test_no_endpoint_means_no_model_action_and_no_network(
    client: LanguageClient, fake: FakeOpenAI
) -> None:
    await open_document(client, URI, CLEAN, version=1)
    assert model_actions(await actions_at(client, at(1, 12))) == []
    assert fake.requests == []
