"""End to end through a real third-party client: Neovim's built-in LSP client (Neovim 0.7.2).

Neovim opens a buggy file, starts ``debugllm-lsp``, waits for the diagnostic, asks for code
actions, resolves the preferred quick fix (or takes its inline edit), applies it with Neovim's
own ``apply_workspace_edit``, saves the file and writes a JSON report (``nvim/probe.lua``).
The test checks the saved file byte for byte.

Without ``nvim`` the tests skip, except under CI (``CI`` set), where they fail:
``.ci/install-system.sh`` installs it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.nvim

PROBE = Path(__file__).parent / "nvim" / "probe.lua"
NVIM_TIMEOUT_S = 60

MISSING_COLON = "def total(xs)\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"
MISSING_COLON_FIXED = "def total(xs):\n    s = 0\n    for x in xs:\n        s += x\n    return s\n"


def _nvim() -> str:
    nvim = shutil.which("nvim")
    if nvim is None:
        if os.environ.get("CI"):
            pytest.fail("nvim is not installed (run .ci/install-system.sh); required under CI")
        pytest.skip("nvim is not installed (apt-get install neovim, or .ci/install-system.sh)")
    return nvim


def _server_cmd() -> list[str]:
    """``$DEBUGLLM_LSP_CMD`` (a JSON list) if set, else the console script of this venv."""
    override = os.environ.get("DEBUGLLM_LSP_CMD")
    if override:
        cmd = json.loads(override)
        assert isinstance(cmd, list) and cmd, "DEBUGLLM_LSP_CMD must be a non-empty JSON list"
        return [str(part) for part in cmd]
    beside = Path(sys.executable).parent / "debugllm-lsp"
    if beside.exists():
        return [str(beside)]
    found = shutil.which("debugllm-lsp")
    if found is not None:
        return [found]
    return [sys.executable, "-m", "debugllm.lsp.server"]


def _run_probe(tmp_path: Path, name: str, source: str, mode: str, code: str) -> dict[str, Any]:
    nvim = _nvim()
    target = tmp_path / name
    target.write_text(source, encoding="utf-8")
    report_path = tmp_path / f"report-{mode}.json"
    home = tmp_path / "nvim-home"
    env = {
        **os.environ,
        "DEBUGLLM_LSP_CMD": json.dumps(_server_cmd()),
        "PROBE_REPORT": str(report_path),
        "PROBE_MODE": mode,
        "PROBE_EXPECT_CODE": code,
        "PROBE_TIMEOUT_MS": "30000",
        # Keep Neovim's state (and its lsp.log, with the server's stderr) inside tmp_path.
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    luafile = str(PROBE).replace("\\", "\\\\").replace(" ", "\\ ")
    cmd = [nvim, "--headless", "-u", "NONE", "-i", "NONE", "-n", "-c", f"luafile {luafile}", name]
    timed_out = False
    try:
        completed = subprocess.run(
            cmd,
            cwd=tmp_path,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=NVIM_TIMEOUT_S,
            check=False,
        )
        returncode: int | None = completed.returncode
        output = (completed.stdout + completed.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        timed_out, returncode = True, None
        output = ((exc.stdout or b"") + (exc.stderr or b"")).decode("utf-8", "replace")

    report: dict[str, Any] = {}
    if report_path.exists():
        try:
            report = json.loads(report_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            report = {"ok": False, "error": f"unreadable report: {exc}"}
    log_path = home / "cache" / "nvim" / "lsp.log"
    lsp_log = ""
    if log_path.exists():
        lsp_log = log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
    context = (
        f"nvim exit={returncode} timed_out={timed_out}\n"
        f"report={json.dumps(report, indent=1)[:6000]}\n"
        f"nvim output:\n{output[-2000:]}\nlsp.log tail:\n{lsp_log}"
    )
    assert not timed_out, f"Neovim did not finish in {NVIM_TIMEOUT_S} s\n{context}"
    assert report.get("ok") is True, f"probe failed at step {report.get('step')!r}\n{context}"
    assert returncode == 0, context
    report["_context"] = context
    report["_saved"] = target.read_text(encoding="utf-8")
    return report


@pytest.mark.parametrize(
    "mode",
    [
        # Neovim's own capabilities declare resolveSupport for "edit": the edit comes lazily.
        "resolve",
        # A client without resolveSupport gets the edit inline with the action.
        "inline",
    ],
)
def test_neovim_fixes_missing_colon(tmp_path: Path, mode: str) -> None:
    report = _run_probe(tmp_path, "total.py", MISSING_COLON, mode, "syntax-error")
    context = report["_context"]

    target = report["target"]
    assert target["source"] == "debugllm", context
    assert target["code"] == "syntax-error", context
    assert target["lnum"] == 0, context  # the ``def`` line (0-based in Neovim)
    assert target["severity"] == 1, context  # vim.diagnostic.severity.ERROR

    assert report["chosen"].startswith("DebugLLM: "), context
    assert report["chosen_preferred"] is True, context
    assert all(a["title"].startswith("DebugLLM: ") for a in report["actions"]), context
    if mode == "resolve":
        assert report["resolve_provider"] is True, context
        assert report["inline_edit"] is False, context
        assert report.get("resolved") is True, context
    else:
        assert report["inline_edit"] is True, context
    assert "documentChanges" in report["edit"], context

    saved = report["_saved"]
    assert saved == MISSING_COLON_FIXED, context
    compile(saved, "total.py", "exec")

    # Neovim sent the edit as didChange; the server withdrew the syntax error.
    assert report["cleared"] is True, context
    assert not [d for d in report["diagnostics_after_fix"] if d["source"] == "debugllm"], context


def test_neovim_hover_explains_the_fix(tmp_path: Path) -> None:
    report = _run_probe(tmp_path, "total.py", MISSING_COLON, "resolve", "syntax-error")
    context = report["_context"]
    assert report.get("hover_kind") == "markdown", context
    hover = report.get("hover") or ""
    assert "syntax-error" in hover, context
    assert "```diff" in hover, context
    assert "+def total(xs):" in hover, context


UNUSED_IMPORT = "import os\nimport sys\n\nprint(sys.argv)\n"
UNUSED_IMPORT_FIXED = "import sys\n\nprint(sys.argv)\n"


def test_neovim_removes_unused_import(tmp_path: Path) -> None:
    report = _run_probe(tmp_path, "imports.py", UNUSED_IMPORT, "resolve", "unused-import")
    context = report["_context"]
    assert report["target"]["source"] == "debugllm", context
    assert report["target"]["lnum"] == 0, context
    assert report["_saved"] == UNUSED_IMPORT_FIXED, context
    compile(report["_saved"], "imports.py", "exec")
    assert report["cleared"] is True, context
