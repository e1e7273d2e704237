"""End-to-end: every way an editor can hand the server its model settings, each proven by a
model fix that reaches the scripted endpoint (the real ``debugllm-lsp`` process over stdio).

Clients differ: VS Code sends ``initializationOptions`` and answers ``workspace/configuration``;
Neovim without ``init_options``, Helix and Sublime send neither and answer ``null`` for an
unknown section, or have no configuration capability at all; some fail the request. The
environment (``DEBUGLLM_ENDPOINT_URL`` ...) must work for all of them.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from typing import Any

import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcInternalError
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    SERVER,
    apply_text_edits,
    free_loopback_port,
    open_document,
    vscode_capabilities,
    wait_until,
)
from tests.e2e.test_model_lsp import (
    BUGGY,
    KEY,
    URI,
    actions_at,
    at,
    fix_minus,
    model_actions,
    options,
    record_status,
)
from tests.fakes.openai_server import COMPLETIONS, FakeOpenAI

#: The endpoint of the servers configured by their environment (fixed before they start).
ENV_PORT = free_loopback_port()
ENV = {
    **os.environ,
    "DEBUGLLM_ENDPOINT_URL": f"http://127.0.0.1:{ENV_PORT}/v1",
    "DEBUGLLM_API_KEY": KEY,
    "DEBUGLLM_MODEL": "debugllm-env",
}
REFUSAL = "this client cannot answer configuration requests"
#: Nothing from the environment: the settings must come over the protocol.
BARE = {k: v for k, v in os.environ.items() if not k.startswith("DEBUGLLM_")}


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=ENV))
async def env_server(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    """A server started with the model in its environment; the test initializes it."""
    lsp_client.statuses = record_status(lsp_client)  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=BARE))
async def bare_server(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    lsp_client.statuses = record_status(lsp_client)  # type: ignore[attr-defined]
    yield lsp_client
    await lsp_client.shutdown_session()


async def initialize(
    client: LanguageClient,
    init_options: Any = None,
    configuration: bool = True,
) -> None:
    capabilities = vscode_capabilities()
    if not configuration:
        assert capabilities.workspace is not None
        capabilities.workspace.configuration = False
    await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=init_options,
            root_uri="file:///tmp",
        )
    )


def fail_configuration_requests(client: LanguageClient) -> list[types.ConfigurationParams]:
    """Answer every ``workspace/configuration`` with an error response; record the requests."""
    asked: list[types.ConfigurationParams] = []

    def refuse(params: types.ConfigurationParams) -> None:
        asked.append(params)
        raise JsonRpcInternalError(REFUSAL)

    client.protocol.fm.features[types.WORKSPACE_CONFIGURATION] = refuse
    # pytest-lsp fails the test on any exception in a client handler: not on this deliberate one.
    report = client.report_server_error

    def report_others(error: Exception, source: Any) -> None:
        if not (isinstance(error, JsonRpcInternalError) and str(error) == REFUSAL):
            report(error, source)

    client.report_server_error = report_others  # type: ignore[method-assign]
    return asked


async def model_configured(client: LanguageClient) -> None:
    """Wait for the server's ``debugllm/status``: a model endpoint is in use."""
    statuses = client.statuses  # type: ignore[attr-defined]
    await wait_until(lambda: any(getattr(s, "state", None) == "closed" for s in statuses))


async def assert_model_fix_reaches(client: LanguageClient, fake: FakeOpenAI, model: str) -> None:
    """A model fix listed, resolved to the verified edit, asked of ``fake`` with the key."""
    fake.responder(COMPLETIONS, fix_minus)
    await open_document(client, URI, BUGGY, version=1)
    (action,) = model_actions(await actions_at(client, at(1, 12)))
    resolved = await client.code_action_resolve_async(action)
    assert resolved.edit is not None, [m.message for m in client.messages]
    assert apply_text_edits(BUGGY, resolved.edit, version=1) == BUGGY.replace("a - b", "a + b")
    (request,) = fake.requests_to(COMPLETIONS)
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.json["model"] == model


async def test_environment_only_and_configuration_answered_null(
    env_server: LanguageClient,
) -> None:
    await initialize(env_server)  # pytest-lsp answers `null` for a section it does not know
    with FakeOpenAI(port=ENV_PORT) as fake:
        await assert_model_fix_reaches(env_server, fake, "debugllm-env")


async def test_environment_only_and_configuration_request_failing(
    env_server: LanguageClient,
) -> None:
    asked = fail_configuration_requests(env_server)
    await initialize(env_server)
    await wait_until(lambda: bool(asked))
    with FakeOpenAI(port=ENV_PORT) as fake:
        await assert_model_fix_reaches(env_server, fake, "debugllm-env")


async def test_environment_only_and_a_client_without_the_configuration_capability(
    env_server: LanguageClient,
) -> None:
    asked = fail_configuration_requests(env_server)  # it must never be asked
    await initialize(env_server, configuration=False)
    # Such a client may still notify a change without settings: nothing to pull, nothing lost.
    env_server.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    with FakeOpenAI(port=ENV_PORT) as fake:
        await assert_model_fix_reaches(env_server, fake, "debugllm-env")
    assert asked == []


async def test_initialization_options_only(bare_server: LanguageClient) -> None:
    with FakeOpenAI() as fake:
        await initialize(bare_server, init_options=options(fake, model="from-init"))
        await assert_model_fix_reaches(bare_server, fake, "from-init")


async def test_workspace_configuration_returning_an_object(bare_server: LanguageClient) -> None:
    with FakeOpenAI() as fake:
        bare_server.set_configuration(options(fake, model="from-configuration"))
        await initialize(bare_server)
        await model_configured(bare_server)
        await assert_model_fix_reaches(bare_server, fake, "from-configuration")


async def test_did_change_configuration_with_settings(bare_server: LanguageClient) -> None:
    with FakeOpenAI() as fake:
        await initialize(bare_server)
        bare_server.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=options(fake, model="from-change"))
        )
        await model_configured(bare_server)
        await assert_model_fix_reaches(bare_server, fake, "from-change")


async def test_did_change_configuration_without_settings_pulls_them(
    bare_server: LanguageClient,
) -> None:
    with FakeOpenAI() as fake:
        await initialize(bare_server)
        bare_server.set_configuration(options(fake, model="pulled-on-change"))
        bare_server.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings=None)
        )
        await model_configured(bare_server)
        await assert_model_fix_reaches(bare_server, fake, "pulled-on-change")
