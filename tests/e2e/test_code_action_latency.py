"""Code actions never wait for the whole fix plan (issue 14): the list is answered from what is
verified so far, a lazy client's resolve waits for the rest, and an edit is never handed out for
a version the editor no longer has. The real server over stdio, on a file whose plan takes
seconds (three syntax errors in some 3,000 lines: each round of the chain re-checks the file).
"""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    apply_text_edits,
    change_document,
    open_document,
    plans_running,
    settled,
)

URI = "file:///tmp/project/slow_plan.py"
BLOCK = '''
def total_{n}(values, scale):
    """Sum of the scaled values."""
    result = 0
    for value in values:
        if value > scale:
            result += value * scale
        else:
            result -= value
    return result
'''
#: Three lost colons, far apart: the first is fixed directly, the others only by the chain.
SLOW = "".join(
    BLOCK.format(n=n).replace("for value in values:", "for value in values", n in (100, 200, 299))
    for n in range(300)
)
#: Every repair runs to its end, however loaded the machine: the plan is slow, never cut short.
OPTIONS = {"debugllm": {"repair": {"budgetMs": 60000}}}


def params_for(diagnostics: list[types.Diagnostic]) -> types.CodeActionParams:
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=URI),
        range=diagnostics[-1].range,
        context=types.CodeActionContext(diagnostics=diagnostics),
    )


def quick(actions: object) -> list[types.CodeAction]:
    assert isinstance(actions, list)
    return [a for a in actions if isinstance(a, types.CodeAction) and a.kind == "quickfix"]


def pending(action: types.CodeAction) -> bool:
    return isinstance(action.data, dict) and bool(action.data.get("pending"))


@pytest.fixture
async def slow_plan(client: LanguageClient) -> list[types.Diagnostic]:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=OPTIONS))
    published = await open_document(client, URI, SLOW, settle=False)
    diagnostics = list(published.diagnostics)
    # The analysis lists as many as its syntax budget finds (all three on an idle machine).
    assert len(diagnostics) >= 2 and {d.code for d in diagnostics} == {"syntax-error"}
    return diagnostics


async def test_the_list_is_answered_before_the_plan_ends(
    client: LanguageClient, slow_plan: list[types.Diagnostic]
) -> None:
    actions = quick(await client.text_document_code_action_async(params_for(slow_plan)))
    # Answered, and the plan still runs: the list did not wait for it.
    assert await plans_running(client) == 1
    # The last error is only fixed by the chain: listed as a fix its resolve waits for.
    last = [a for a in actions if a.diagnostics and a.diagnostics[0].range == slow_plan[-1].range]
    assert last and all(pending(a) for a in last)
    assert all(a.edit is None for a in actions)  # lazy: edits come on resolve


async def test_resolve_waits_and_returns_the_verified_edit(
    client: LanguageClient, slow_plan: list[types.Diagnostic]
) -> None:
    actions = quick(await client.text_document_code_action_async(params_for(slow_plan)))
    waiting = next(
        a for a in actions if pending(a) and a.diagnostics[0].range == slow_plan[-1].range
    )
    resolved = await client.code_action_resolve_async(waiting)
    assert resolved.edit is not None
    assert await plans_running(client) == 0
    # The same edit as the whole plan's best fix for that error, listed once it is done.
    final = quick(await client.text_document_code_action_async(params_for(slow_plan)))
    best = next(
        a for a in final if not pending(a) and a.diagnostics[0].range == slow_plan[-1].range
    )
    assert best.title.startswith("DebugLLM: ") and "(unsafe" not in best.title
    assert resolved.edit == (await client.code_action_resolve_async(best)).edit
    fixed = apply_text_edits(SLOW, resolved.edit, version=1)
    assert fixed.count("for value in values\n") == SLOW.count("for value in values\n") - 1


async def test_a_change_between_list_and_resolve_gives_no_edit(
    client: LanguageClient, slow_plan: list[types.Diagnostic]
) -> None:
    actions = quick(await client.text_document_code_action_async(params_for(slow_plan)))
    assert actions
    await change_document(client, URI, SLOW + "\n# edited\n", version=2, settle=False)
    for action in actions:
        with pytest.raises(JsonRpcException, match="changed"):
            await client.code_action_resolve_async(action)
    # The change cancelled the old version's plan; the new version's runs on its own.
    await settled(client)


async def test_a_client_without_resolve_waits_only_briefly(
    eager_client: LanguageClient,
) -> None:
    eager_client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings=OPTIONS)
    )
    published = await open_document(eager_client, URI, SLOW, settle=False)
    diagnostics = list(published.diagnostics)
    assert len(diagnostics) >= 2
    actions = quick(await eager_client.text_document_code_action_async(params_for(diagnostics)))
    assert await plans_running(eager_client) == 1
    # Nothing it cannot apply: no action without its edit, none for the unfinished error.
    assert all(a.edit is not None for a in actions)
    assert not [a for a in actions if a.diagnostics[0].range == diagnostics[-1].range]
    await settled(eager_client)
    final = quick(await eager_client.text_document_code_action_async(params_for(diagnostics)))
    assert [a for a in final if a.diagnostics[0].range == diagnostics[-1].range]
