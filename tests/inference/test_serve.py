"""Settings, `print`, `preflight` and `run` (run execs a stand-in `vllm` that records argv/env)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from debugllm_inference.cli import main
from debugllm_inference.command import child_environment, command_line, serve_args, vllm_argv
from debugllm_inference.preflight import find_adapter_config, preflight
from debugllm_inference.settings import ServeSettings, SettingsError, load_settings

#: The published adapter's config (Sud1212/phi3-debug-llm-lora), abridged.
PUBLISHED_CONFIG = {
    "base_model_name_or_path": "microsoft/Phi-3-mini-4k-instruct",
    "peft_type": "LORA",
    "r": 16,
    "lora_alpha": 32,
    "target_modules": ["o_proj", "q_proj", "k_proj", "v_proj"],
    "task_type": "CAUSAL_LM",
}


def test_defaults_match_the_reference_command() -> None:
    args = serve_args(ServeSettings())
    assert args[0] == "microsoft/Phi-3-mini-4k-instruct"
    pairs = dict(zip(args[1::2], args[2::2], strict=False))
    assert "--enable-lora" in args
    assert args[args.index("--served-model-name") + 1] == "phi3"
    assert args[args.index("--max-lora-rank") + 1] == "16"
    assert args[args.index("--max-model-len") + 1] == "4096"
    lora = json.loads(args[args.index("--lora-modules") + 1])
    assert lora == {
        "name": "debugllm",
        "path": "Sud1212/phi3-debug-llm-lora",
        "base_model_name": "phi3",
    }
    assert pairs  # the rest are flag/value pairs


def test_environment_then_flags_override_defaults() -> None:
    env = {"DEBUGLLM_SERVE_PORT": "9000", "DEBUGLLM_SERVE_EXTRA_ARGS": "--seed 1 --enforce-eager"}
    settings = load_settings({"port": 9100, "dtype": None}, environ=env)
    assert settings.port == 9100 and settings.dtype == "bfloat16"
    assert settings.extra_args == ("--seed", "1", "--enforce-eager")
    assert load_settings(environ=env).port == 9000


def test_bad_settings_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="DEBUGLLM_SERVE_GPU_MEMORY_UTILIZATION"):
        load_settings(environ={"DEBUGLLM_SERVE_GPU_MEMORY_UTILIZATION": "1.5"})
    assert main(["print", "--port", "0"]) == 2


def test_print_is_one_shell_line_without_the_key(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VLLM_API_KEY", "sk-secret")
    assert main(["print", "--port", "8123"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    assert shlex.split(out) == vllm_argv(load_settings({"port": 8123}))
    assert "sk-secret" not in out and "--api-key" not in out


def test_api_key_on_the_command_line_is_refused() -> None:
    with pytest.raises(ValueError, match="VLLM_API_KEY"):
        serve_args(ServeSettings(extra_args=("--api-key", "x")))


def test_merged_model_is_served_under_the_adapter_name() -> None:
    args = serve_args(ServeSettings(merged_model="/models/merged"))
    assert args[:3] == ["/models/merged", "--served-model-name", "debugllm"]
    assert "--enable-lora" not in args and "--lora-modules" not in args


def test_client_key_is_forwarded_as_vllm_key() -> None:
    assert child_environment({"DEBUGLLM_API_KEY": "k"})["VLLM_API_KEY"] == "k"
    assert child_environment({"DEBUGLLM_API_KEY": "k", "VLLM_API_KEY": "v"})["VLLM_API_KEY"] == "v"


def _hf_cache(tmp_path: Path, config: dict[str, object]) -> Path:
    cache = tmp_path / "hub"
    repo = cache / "models--Sud1212--phi3-debug-llm-lora"
    snapshot = repo / "snapshots" / "abc123"
    snapshot.mkdir(parents=True)
    (snapshot / "adapter_config.json").write_text(json.dumps(config))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc123")
    return cache


def test_preflight_reads_the_hf_cache_and_warns_about_unfused_targets(tmp_path: Path) -> None:
    cache = _hf_cache(tmp_path, PUBLISHED_CONFIG)
    assert find_adapter_config("Sud1212/phi3-debug-llm-lora", cache) is not None
    findings = preflight(ServeSettings(), cache)
    warnings = [f.message for f in findings if f.level == "warning"]
    assert len(warnings) == 1
    assert "k_proj, q_proj, v_proj" in warnings[0] and "qkv_proj" in warnings[0]
    assert "only o_proj" in warnings[0] and "debugllm-serve merge" in warnings[0]


def test_preflight_base_mismatch_and_rank(tmp_path: Path) -> None:
    folder = tmp_path / "adapter"
    folder.mkdir()
    config = dict(PUBLISHED_CONFIG, target_modules=["qkv_proj", "o_proj"], r=64)
    config["base_model_name_or_path"] = "unsloth/phi-3-mini-4k-instruct-bnb-4bit"
    (folder / "adapter_config.json").write_text(json.dumps(config))
    findings = preflight(ServeSettings(adapter=str(folder)))
    text = "\n".join(str(f) for f in findings)
    assert "trained on 'unsloth/phi-3-mini-4k-instruct-bnb-4bit'" in text
    assert "error: adapter rank r=64 exceeds --max-lora-rank 16" in text
    assert "will NOT apply" not in text


def test_preflight_missing_config(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert preflight(ServeSettings(adapter=str(tmp_path / "empty")))[0].level == "error"
    not_cached = preflight(ServeSettings(), tmp_path / "nothing")
    assert not_cached[0].level == "warning" and "huggingface-cli download" in not_cached[0].message


def _fake_vllm(tmp_path: Path) -> Path:
    script = tmp_path / "vllm"
    record = tmp_path / "record.json"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import json, os, sys
            json.dump({{"argv": sys.argv[1:], "key": os.environ.get("VLLM_API_KEY")}},
                      open({str(record)!r}, "w"))
            """
        )
    )
    script.chmod(0o755)
    return script


def _serve(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_CACHE": str(tmp_path / "hub"), **env}
    return subprocess.run(
        [sys.executable, "-m", "debugllm_inference.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=60,
    )


def test_run_execs_exactly_what_print_shows(tmp_path: Path) -> None:
    _hf_cache(tmp_path, PUBLISHED_CONFIG)
    fake = _fake_vllm(tmp_path)
    env = {"DEBUGLLM_API_KEY": "sk-run", "DEBUGLLM_SERVE_VLLM_BIN": str(fake)}
    printed = _serve(tmp_path, "print", env=env)
    run = _serve(tmp_path, "run", env=env)
    assert run.returncode == 0, run.stderr
    assert "qkv_proj" in run.stderr  # the preflight warning, said plainly
    record = json.loads((tmp_path / "record.json").read_text())
    assert [str(fake), *record["argv"]] == shlex.split(printed.stdout)
    assert record["key"] == "sk-run" and "sk-run" not in printed.stdout


def test_run_strict_refuses_on_warnings(tmp_path: Path) -> None:
    _hf_cache(tmp_path, PUBLISHED_CONFIG)
    fake = _fake_vllm(tmp_path)
    run = _serve(tmp_path, "run", "--strict", env={"DEBUGLLM_SERVE_VLLM_BIN": str(fake)})
    assert run.returncode == 1 and "not starting vLLM" in run.stderr
    assert not (tmp_path / "record.json").exists()


def test_run_without_vllm_says_how_to_install(tmp_path: Path) -> None:
    run = _serve(tmp_path, "run", "--vllm-bin", str(tmp_path / "no-vllm"), env={})
    assert run.returncode == 127 and "debugllm[gpu]" in run.stderr


def test_merge_without_peft_explains(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        import peft  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match=r"debugllm\[gpu\]"):
            main(["merge", "--out", str(tmp_path / "merged")])
    else:  # pragma: no cover - only on a GPU host
        pytest.skip("peft installed")


def test_command_line_round_trips() -> None:
    settings = ServeSettings(extra_args=("--chat-template", "a b'c"))
    assert shlex.split(command_line(settings)) == vllm_argv(settings)
