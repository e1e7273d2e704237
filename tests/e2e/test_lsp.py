"""End-to-end: the real language server process over stdio, driven by pytest-lsp."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    apply_text_edits,
    change_document,
    hover_at,
    open_document,
    wait_until,
)

MISSING_COLON = "def total(xs):\n    s = 0\n    for x in xs\n        s += x\n    return s\n"
FIXED_COLON = MISSING_COLON.replace("in xs\n", "in xs:\n")
URI = "file:///tmp/project/example.py"


def code_action_params(
    uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
) -> types.CodeActionParams:
    rng = (
        diagnostics[0].range
        if diagnostics
        else types.Range(
            start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
        )
    )
    return types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        range=rng,
        context=types.CodeActionContext(diagnostics=diagnostics, only=only),
    )


async def quick_fixes(
    client: LanguageClient, uri: str, diagnostics: list[types.Diagnostic]
) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(code_action_params(uri, diagnostics))
    assert result is not None
    return [a for a in result if isinstance(a, types.CodeAction) and a.kind == "quickfix"]


async def test_missing_colon_is_diagnosed_with_version_code_and_source(
    client: LanguageClient,
) -> None:
    published = await open_document(client, URI, MISSING_COLON, version=7)
    assert published.version == 7
    (diagnostic,) = published.diagnostics
    assert diagnostic.code == "syntax-error"
    assert diagnostic.source == "debugllm"
    assert diagnostic.message == "expected ':'"
    assert diagnostic.range.start.line == 2
    assert diagnostic.severity == types.DiagnosticSeverity.Error


async def test_quick_fix_is_preferred_lazy_and_pinned_to_the_version(
    client: LanguageClient,
) -> None:
    published = await open_document(client, URI, MISSING_COLON, version=3)
    actions = await quick_fixes(client, URI, list(published.diagnostics))
    assert actions, "no quick fix offered"
    best = actions[0]
    assert best.is_preferred is True
    assert sum(1 for a in actions if a.is_preferred) == 1
    assert best.edit is None, "a client with resolve support gets the edit from resolve"
    resolved = await client.code_action_resolve_async(best)
    assert resolved.edit is not None
    fixed = apply_text_edits(MISSING_COLON, resolved.edit, version=3)
    assert fixed == FIXED_COLON
    (change,) = resolved.edit.document_changes or []
    assert isinstance(change, types.TextDocumentEdit)
    (text_edit,) = change.edits
    assert isinstance(text_edit, types.TextEdit)
    assert text_edit.new_text == ":", "the edit should be minimal"


async def test_a_client_without_resolve_gets_inline_edits(eager_client: LanguageClient) -> None:
    published = await open_document(eager_client, URI, MISSING_COLON)
    actions = await quick_fixes(eager_client, URI, list(published.diagnostics))
    assert actions and actions[0].edit is not None
    assert apply_text_edits(MISSING_COLON, actions[0].edit, version=1) == FIXED_COLON


async def test_resolve_refuses_a_fix_for_a_document_that_changed(client: LanguageClient) -> None:
    published = await open_document(client, URI, MISSING_COLON, version=1)
    (action, *_) = await quick_fixes(client, URI, list(published.diagnostics))
    await change_document(client, URI, "x = 1\n" + MISSING_COLON, version=2)
    with pytest.raises(JsonRpcException) as raised:
        await client.code_action_resolve_async(action)
    assert "changed" in str(raised.value)


async def test_hover_explains_the_error_and_shows_the_diff(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    hover = await hover_at(client, URI, 2, len("    for x in xs"))
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "colon" in text and "line 3" in text
    assert "```diff" in text and "+    for x in xs:" in text


async def test_hover_elsewhere_is_empty(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    hover = await hover_at(client, URI, 0, 1)
    assert hover is None


async def test_every_syntax_error_is_reported(client: LanguageClient) -> None:
    text = (
        "def a(x)\n    return x\n\n\n"
        "def b(y):\n    return (y + 1\n\n\n"
        "def c(z):\n    if z = 1:\n        return z\n"
    )
    published = await open_document(client, URI, text)
    lines = sorted(d.range.start.line for d in published.diagnostics)
    assert len(lines) == 3, published.diagnostics
    assert lines[0] == 0 and lines[2] == 9


async def test_fix_all_repairs_every_error(client: LanguageClient) -> None:
    text = "def a(x)\n    return x\n\n\ndef c(z):\n    if z = 1:\n        return z\n"
    await open_document(client, URI, text)
    result = await client.text_document_code_action_async(
        code_action_params(URI, [], only=["source.fixAll"])
    )
    assert result is not None
    (fix_all,) = [a for a in result if isinstance(a, types.CodeAction)]
    assert fix_all.kind == "source.fixAll.debugllm"
    resolved = await client.code_action_resolve_async(fix_all)
    assert resolved.edit is not None
    fixed = apply_text_edits(text, resolved.edit, version=1)
    assert fixed == "def a(x):\n    return x\n\n\ndef c(z):\n    if z == 1:\n        return z\n"


async def test_static_checks_are_reported(client: LanguageClient) -> None:
    text = (
        "import os\n\n"
        "numbers = [1, 2, 3, 4]\n"
        "print(numbers[4])\n\n"
        "def f(values):\n    return lenght(values)\n"
    )
    published = await open_document(client, URI, text)
    codes = {d.code: d.range.start.line for d in published.diagnostics}
    assert codes.get("unused-import") == 0
    assert codes.get("index-out-of-range") == 3
    assert codes.get("undefined-name") == 6


async def test_undefined_name_typo_gets_a_rename_fix(eager_client: LanguageClient) -> None:
    text = "def f(values):\n    return lenght(values)\n"
    published = await open_document(eager_client, URI, text)
    actions = await quick_fixes(eager_client, URI, list(published.diagnostics))
    assert actions and actions[0].edit is not None
    assert apply_text_edits(text, actions[0].edit, 1) == text.replace("lenght", "len")


async def test_foreign_diagnostics_get_fixes_when_ours_are_off(
    quiet_client: LanguageClient,
) -> None:
    published = await open_document(quiet_client, URI, MISSING_COLON)
    assert list(published.diagnostics) == []
    pylance = types.Diagnostic(
        range=types.Range(
            start=types.Position(line=2, character=15), end=types.Position(line=2, character=16)
        ),
        message='Expected ":"',
        source="Pylance",
    )
    actions = await quick_fixes(quiet_client, URI, [pylance])
    assert actions and actions[0].diagnostics == [pylance]
    resolved = await quiet_client.code_action_resolve_async(actions[0])
    assert resolved.edit is not None
    assert apply_text_edits(MISSING_COLON, resolved.edit, 1) == FIXED_COLON


async def test_settings_changes_apply_and_bad_settings_are_reported(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    client.set_configuration({"debugllm": {"diagnostics": {"enable": False, "debounceMs": "x"}}})
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: list(client.diagnostics.get(URI, [None])) == [])
    await wait_until(lambda: any("debounceMs" in m.message for m in client.messages))
    message = next(m for m in client.messages if "debounceMs" in m.message)
    assert message.type == types.MessageType.Warning


async def test_close_clears_diagnostics(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI))
    )
    await wait_until(lambda: list(client.diagnostics.get(URI, [None])) == [])


async def test_rapid_changes_are_debounced_to_the_last_version(client: LanguageClient) -> None:
    await open_document(client, URI, MISSING_COLON)
    for version in range(2, 6):
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=MISSING_COLON)],
            )
        )
    final = await change_document(client, URI, FIXED_COLON, version=6)
    assert list(final.diagnostics) == []


HOSTILE = {
    "nul": "x = 1\n\0\ny = 2\n",
    "nested": "x = " + "(" * 10_000 + "1" + ")" * 10_000 + "\n",
    "nested_unclosed": "x = " + "[" * 10_000 + "\n",
    "crlf": "def f(x)\r\n    return x\r\n",
    "tabs": "def f(x):\n\tif x:\n\t\treturn 1\n        return 2\n",
    "astral": "s = '😀😀'\nif s == '😀' print(s)\n",
    "big": "def f(x):\n    return x + 1\n\n" * 150_000 + "def g(:\n    pass\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
async def test_hostile_inputs_get_sane_answers(client: LanguageClient, name: str) -> None:
    text = HOSTILE[name]
    published = await open_document(client, f"file:///tmp/hostile/{name}.py", text)
    assert published.diagnostics, f"{name}: expected at least one diagnostic"
    for diagnostic in published.diagnostics:
        assert diagnostic.range.start.line <= text.count("\n") + text.count("\r")
    # The server still answers afterwards.
    later = await open_document(client, "file:///tmp/hostile/after.py", MISSING_COLON)
    assert later.diagnostics


async def test_astral_characters_shift_columns_in_utf16(client: LanguageClient) -> None:
    text = "s = '😀'; t = undefined_thing\n"
    published = await open_document(client, URI, text)
    (diagnostic,) = [d for d in published.diagnostics if d.code == "undefined-name"]
    # The emoji is two UTF-16 code units.
    assert diagnostic.range.start.character == text.index("undefined_thing") + 1


async def test_unknown_resolve_data_is_a_clear_error_not_a_crash(client: LanguageClient) -> None:
    with pytest.raises(JsonRpcException):
        await client.code_action_resolve_async(types.CodeAction(title="x", data={"bogus": 1}))
    published = await open_document(client, URI, MISSING_COLON)
    assert published.diagnostics


async def test_concurrent_requests_on_a_fresh_version(client: LanguageClient) -> None:
    published = await open_document(client, URI, MISSING_COLON)
    params = code_action_params(URI, list(published.diagnostics))
    results = await asyncio.gather(
        *(client.text_document_code_action_async(params) for _ in range(10))
    )
    titles = {tuple(a.title for a in r or []) for r in results}
    assert len(titles) == 1


async def fix_all_actions(client: LanguageClient, uri: str) -> list[types.CodeAction]:
    result = await client.text_document_code_action_async(
        code_action_params(uri, [], only=["source.fixAll"])
    )
    return [a for a in result or [] if isinstance(a, types.CodeAction)]


async def test_unsafe_fixes_are_offered_for_review_never_preferred_nor_in_fix_all(
    client: LanguageClient,
) -> None:
    text = "import os\n\n\ndef f(values):\n    return lenght(values)\n"
    published = await open_document(client, URI, text)
    actions = await quick_fixes(client, URI, list(published.diagnostics))
    titles = [a.title for a in actions]
    assert "DebugLLM: Remove unused import 'os' (unsafe: review)" in titles
    assert "DebugLLM: Rename 'lenght' to 'len' (unsafe: review)" in titles
    assert not any(a.is_preferred for a in actions)
    assert all(isinstance(a.data, dict) and a.data["applicability"] == "unsafe" for a in actions)
    assert await fix_all_actions(client, URI) == []


async def test_fix_all_applies_unsafe_fixes_when_the_user_opts_in(
    unsafe_client: LanguageClient,
) -> None:
    text = "def f(values):\n    return lenght(values)\n"
    await open_document(unsafe_client, URI, text)
    (fix_all,) = await fix_all_actions(unsafe_client, URI)
    resolved = await unsafe_client.code_action_resolve_async(fix_all)
    assert resolved.edit is not None
    assert apply_text_edits(text, resolved.edit, version=1) == text.replace("lenght", "len")


async def test_the_project_file_of_a_document_is_honoured(
    client: LanguageClient, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.debugllm.diagnostics]\ndisabled-checks = ['unused-import']\n"
    )
    text = "import os\n\nprint(undefined_thing)\n"
    configured = (tmp_path / "pkg" / "m.py").as_uri()
    published = await open_document(client, configured, text)
    assert [d.code for d in published.diagnostics] == ["undefined-name"]
    elsewhere = await open_document(client, URI, text)
    assert sorted(d.code for d in elsewhere.diagnostics) == ["undefined-name", "unused-import"]


async def test_suppressions_and_re_exports_are_honoured(client: LanguageClient) -> None:
    text = (
        "import os  # noqa: F401\n"
        "import sys as sys\n"
        "from json import loads\n"
        "__all__ = ['loads']\n"
        "print(undefined_thing)  # debugllm: ignore[undefined-name]\n"
        "print(other_thing)\n"
    )
    published = await open_document(client, URI, text)
    assert [(d.code, d.range.start.line) for d in published.diagnostics] == [("undefined-name", 5)]


async def test_a_package_init_re_exports_its_imports(client: LanguageClient) -> None:
    published = await open_document(client, "file:///tmp/project/pkg/__init__.py", "import os\n")
    assert list(published.diagnostics) == []


async def test_newer_python_syntax_is_one_warning_and_never_rewritten(
    client: LanguageClient,
) -> None:
    text = "type Vector = list[float]\n\n\ndef first[T](xs: list[T]) -> T:\n    return xs[0]\n"
    published = await open_document(client, URI, text)
    if sys.version_info >= (3, 12):
        assert list(published.diagnostics) == []  # this server can check it: it is correct
        return
    (diagnostic,) = published.diagnostics
    assert diagnostic.code == "unsupported-syntax"
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert "3.12" in diagnostic.message and diagnostic.range.start.line == 0
    result = await client.text_document_code_action_async(
        code_action_params(URI, list(published.diagnostics))
    )
    assert not [a for a in result or [] if isinstance(a, types.CodeAction) and a.edit]
    assert await fix_all_actions(client, URI) == []


async def test_hover_says_when_the_fix_is_unsafe(client: LanguageClient) -> None:
    text = "def f(values):\n    return lenght(values)\n"
    await open_document(client, URI, text)
    hover = await hover_at(client, URI, 1, 12)
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "Proposed fix, unsafe (review it) (Rename 'lenght' to 'len')" in hover.contents.value
