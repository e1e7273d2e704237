"""The two distributions: the editor's `debugllm` never needs the GPU host's PyYAML or vLLM."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from importlib import metadata

from packaging.requirements import Requirement


def _names(dist: str) -> set[str]:
    return {Requirement(r).name.lower() for r in metadata.requires(dist) or []}


def test_debugllm_requires_neither_yaml_nor_the_inference_tools() -> None:
    names = _names("debugllm")
    assert "pygls" in names and "pyflakes" in names
    assert not names & {"pyyaml", "vllm", "peft", "debugllm-inference"}
    scripts = {ep.name for ep in metadata.distribution("debugllm").entry_points}
    assert scripts == {"debugllm", "debugllm-lsp"}


def test_debugllm_inference_carries_yaml_vllm_and_serve() -> None:
    names = _names("debugllm-inference")
    assert {"debugllm", "pyyaml", "vllm", "peft"} <= names
    scripts = {ep.name for ep in metadata.distribution("debugllm-inference").entry_points}
    assert scripts == {"debugllm-serve"}


def test_server_and_cli_import_with_yaml_blocked() -> None:
    # A finder that refuses `yaml` proves the editor's code paths never import it.
    probe = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("yaml", "debugllm_inference"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        import debugllm.cli, debugllm.lsp.server
        print("ok")
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
