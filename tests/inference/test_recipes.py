"""Every recipe renders from the serving settings, parses, and carries `print`'s vLLM arguments."""

from __future__ import annotations

import ast
import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from debugllm_inference.cli import main
from debugllm_inference.command import serve_args, vllm_argv
from debugllm_inference.recipes import (
    FILENAMES,
    RECIPES,
    RecipeOptions,
    container_settings,
    render,
    vllm_executable,
)
from debugllm_inference.settings import ServeSettings

SETTINGS = [
    ServeSettings(),
    ServeSettings(port=9001, max_model_len=2048, extra_args=("--seed", "7", "--enforce-eager")),
    ServeSettings(merged_model="/models/debugllm-merged"),
]


def _options(args: list[str]) -> dict[str, str | None]:
    """Flags to values (None for switches), model excluded."""
    out: dict[str, str | None] = {}
    index = 1
    while index < len(args):
        flag = args[index]
        if index + 1 < len(args) and not args[index + 1].startswith("--"):
            out[flag] = args[index + 1]
            index += 2
        else:
            out[flag] = None
            index += 1
    return out


@pytest.mark.parametrize("settings", SETTINGS)
def test_systemd_execstart_is_prints_command(settings: ServeSettings) -> None:
    unit = render("systemd", settings)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(unit)
    service = parser["Service"]
    exec_start = shlex.split(service["ExecStart"].replace("$$", "$").replace("%%", "%"))
    # systemd searches only its own fixed PATH: the executable by its absolute path.
    assert os.path.isabs(exec_start[0]) and os.path.basename(exec_start[0]) == "vllm"
    assert exec_start[1:] == vllm_argv(settings)[1:]
    assert service["EnvironmentFile"] and "API_KEY" not in service["ExecStart"]
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def test_nginx_closes_everything_but_the_inference_routes() -> None:
    conf = render("nginx", ServeSettings(port=8123), RecipeOptions(rate_per_second=3))
    assert conf.count("{") == conf.count("}")
    # Every template placeholder was filled: only nginx's own variables are left.
    assert set(re.findall(r"\$([a-z_]+)", conf)) == {
        "http_authorization",
        "debugllm_key",
        "host",
        "request_uri",
        "proxy_add_x_forwarded_for",
        "token",
        "uri",
        "is_args",
        "args",
    }
    assert "ssl_certificate " in conf and "listen 443 ssl" in conf
    assert "limit_req_zone $debugllm_key" in conf and "rate=3r/s" in conf
    assert "map $http_authorization $debugllm_key" in conf
    assert "server 127.0.0.1:8123" in conf
    routes = re.findall(r"location (.+?) \{", conf)
    assert routes == ["~ ^/v1/(completions|chat/completions|models)$", "/"]
    closed = conf.split("location / {")[1]
    assert "return 404" in closed and "proxy_pass" not in closed
    open_route = re.compile(routes[0].removeprefix("~ "))
    for path in ("/metrics", "/health", "/tokenize", "/v1/load_lora_adapter", "/v1/completions"):
        assert bool(open_route.match(path)) is (path == "/v1/completions")


@pytest.mark.parametrize("settings", SETTINGS)
def test_modal_app_loads_once_per_container_with_prints_args(settings: ServeSettings) -> None:
    source = render("modal", settings, RecipeOptions(gpu="A10G", scaledown_window=120))
    tree = ast.parse(source)
    assigned = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    args = ast.literal_eval(assigned["SERVE_ARGS"])
    assert args == serve_args(container_settings(settings))
    # Only the host differs from `print`, so the platform's proxy can reach vLLM.
    printed = _options(serve_args(settings))
    printed["--host"] = "0.0.0.0"
    assert _options(args) == printed
    serve = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "serve")
    decorators = [ast.unparse(d) for d in serve.decorator_list]
    assert decorators[0].startswith("app.function(")
    assert "gpu='A10G'" in decorators[0] and "scaledown_window=120" in decorators[0]
    assert "volumes=" in decorators[0] and "secrets=" in decorators[0]
    assert decorators[1].startswith("modal.concurrent(max_inputs=")
    assert decorators[2].startswith("modal.web_server(port=VLLM_PORT")
    # The engine starts in the container, in the web_server function: never per request.
    assert "Popen" in ast.unparse(serve) and len(serve.body) == 1


def _helm_args(values: dict[str, Any]) -> dict[str, str | None]:
    spec = values["servingEngineSpec"]["modelSpec"][0]
    config = spec["vllmConfig"]
    args = [spec["modelURL"]]
    if spec["enableLoRA"]:
        args.append("--enable-lora")
    args += ["--max-model-len", str(config["maxModelLen"]), "--dtype", config["dtype"]]
    args += ["--gpu-memory-utilization", f"{config['gpuMemoryUtilization']:g}"]
    if "maxLoras" in config:
        args += ["--max-loras", str(config["maxLoras"])]
    args += ["--host", "0.0.0.0", "--port", str(values["servingEngineSpec"]["containerPort"])]
    return _options(args + config["extraArgs"])


@pytest.mark.parametrize("settings", SETTINGS)
def test_helm_values_carry_prints_args(settings: ServeSettings) -> None:
    values = yaml.safe_load(render("helm", settings, RecipeOptions(replicas=3)))
    spec = values["servingEngineSpec"]["modelSpec"][0]
    assert spec["replicaCount"] == 3 and spec["requestGPU"] == 1
    assert spec["modelURL"] == (settings.merged_model or settings.base_model)
    assert spec["enableLoRA"] is settings.uses_lora
    assert values["routerSpec"]["routingLogic"] == "prefixaware"
    assert values["servingEngineSpec"]["vllmApiKey"]["secretKey"] == "VLLM_API_KEY"
    printed = _options(serve_args(settings))
    printed["--host"] = "0.0.0.0"
    assert _helm_args(values) == printed


@pytest.mark.parametrize("settings", SETTINGS)
def test_kserve_resource_is_valid(settings: ServeSettings) -> None:
    resource = yaml.safe_load(render("kserve", settings, RecipeOptions(replicas=2)))
    assert resource["apiVersion"] == "serving.kserve.io/v1alpha1"
    assert resource["kind"] == "LLMInferenceService"
    assert resource["metadata"]["name"]
    spec = resource["spec"]
    assert spec["replicas"] == 2 and set(spec["router"]) == {"route", "gateway", "scheduler"}
    container = spec["template"]["containers"][0]
    assert container["name"] == "main"
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["env"][0]["valueFrom"]["secretKeyRef"]["key"] == "VLLM_API_KEY"
    printed = _options(serve_args(settings))
    for flag in ("--max-model-len", "--gpu-memory-utilization", "--dtype"):
        assert container["args"][container["args"].index(flag) + 1] == printed[flag]
    if settings.uses_lora:
        assert spec["model"]["uri"] == "hf://microsoft/Phi-3-mini-4k-instruct"
        assert spec["model"]["lora"]["adapters"] == [
            {"name": "debugllm", "uri": "hf://Sud1212/phi3-debug-llm-lora"}
        ]
    else:
        assert "lora" not in spec["model"] and spec["model"]["name"] == "debugllm"


def test_recipe_all_writes_every_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["recipe", "all", "--out", str(tmp_path), "--port", "8111"]) == 0
    written = {p.name for p in tmp_path.iterdir()}
    assert written == {FILENAMES[name] for name in RECIPES}
    assert "--port 8111" in (tmp_path / FILENAMES["systemd"]).read_text()
    assert main(["recipe", "all"]) == 2
    capsys.readouterr()
    assert main(["recipe", "helm"]) == 0
    assert yaml.safe_load(capsys.readouterr().out)["servingEngineSpec"]


def _fake_venv(root: Path) -> Path:
    """A virtual environment with a ``vllm`` executable in it (the real one needs CUDA)."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120
    )
    vllm = root / "bin" / "vllm"
    vllm.write_text("#!/bin/sh\nexit 0\n")
    vllm.chmod(0o755)
    return vllm


def test_the_vllm_executable_is_found_in_the_venv_or_as_given(tmp_path: Path) -> None:
    vllm = _fake_venv(tmp_path / "venv")
    assert vllm_executable(ServeSettings(), str(tmp_path / "venv")) == str(vllm)
    assert vllm_executable(ServeSettings(vllm_bin="/opt/v/bin/vllm"), "/x") == "/opt/v/bin/vllm"
    # Not installed yet: where it will be, still absolute.
    assert vllm_executable(ServeSettings(vllm_bin="no-such-vllm"), "/srv/venv") == (
        "/srv/venv/bin/no-such-vllm"
    )


# Under CI (.ci/install-system.sh installs systemd and docker-compose) missing tools fail.
needs_systemd = pytest.mark.skipif(
    shutil.which("systemd-analyze") is None and not os.environ.get("CI"),
    reason="no systemd-analyze (apt-get install systemd)",
)
needs_compose = pytest.mark.skipif(
    shutil.which("docker-compose") is None and not os.environ.get("CI"),
    reason="no docker-compose (apt-get install docker-compose)",
)


@needs_systemd
@pytest.mark.parametrize("settings", SETTINGS)
def test_systemd_analyze_accepts_a_unit_pointing_into_a_venv(
    tmp_path: Path, settings: ServeSettings
) -> None:
    vllm = _fake_venv(tmp_path / "venv")
    unit = tmp_path / FILENAMES["systemd"]
    options = RecipeOptions(user="root", venv=str(tmp_path / "venv"))
    unit.write_text(render("systemd", settings, options))
    assert f"ExecStart={vllm} serve " in unit.read_text()
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    # A bare `vllm` (the unit before) is refused when systemd's PATH has none.
    bare = unit.read_text().replace(f"ExecStart={vllm} ", "ExecStart=vllm-not-on-path ")
    unit.write_text(bare)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0


def _compose_config(folder: Path) -> dict[str, Any]:
    """``docker-compose config``: the file validated and resolved as Compose would run it."""
    result = subprocess.run(
        ["docker-compose", "--project-directory", str(folder), "-f", "compose.yaml", "config"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = yaml.safe_load(result.stdout)
    return config


@needs_compose
@pytest.mark.parametrize("settings", SETTINGS)
def test_compose_runs_prints_args_behind_nginx(tmp_path: Path, settings: ServeSettings) -> None:
    key = "sk-compose-secret-31f"
    assert main(["recipe", "all", "--out", str(tmp_path), *_flags(settings)]) == 0
    (tmp_path / "serve.env").write_text(f"VLLM_API_KEY={key}\n")
    text = (tmp_path / FILENAMES["compose"]).read_text()
    assert key not in text
    services = _compose_config(tmp_path)["services"]
    assert set(services) == {"vllm", "nginx"}
    vllm, nginx = services["vllm"], services["nginx"]
    assert vllm["image"].startswith("vllm/vllm-openai:")
    assert vllm["entrypoint"] == ["vllm", "serve"]
    # Exactly print's arguments; only the host differs, so nginx can reach vLLM.
    assert vllm["command"] == serve_args(container_settings(settings))
    printed = _options(serve_args(settings))
    printed["--host"] = "0.0.0.0"
    assert _options(vllm["command"]) == printed
    assert vllm["environment"]["VLLM_API_KEY"] == key  # from the env file alone
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["capabilities"] == ["gpu"] and device["count"] == 1
    probe = " ".join(vllm["healthcheck"]["test"])
    assert f"127.0.0.1:{settings.port}/health" in probe
    assert any(v.endswith(":/root/.cache/huggingface:rw") for v in vllm["volumes"])
    assert "ports" not in vllm and nginx["ports"]
    assert nginx["depends_on"]["vllm"]["condition"] == "service_healthy"
    conf = (tmp_path / FILENAMES["compose-nginx"]).read_text()
    assert f"server vllm:{settings.port};" in conf
    assert any(v.startswith(f"{tmp_path}/{FILENAMES['compose-nginx']}:") for v in nginx["volumes"])


def _flags(settings: ServeSettings) -> list[str]:
    flags = ["--port", str(settings.port), "--max-model-len", str(settings.max_model_len)]
    if settings.extra_args:
        flags.append("--extra-args=" + shlex.join(settings.extra_args))
    if settings.merged_model:
        flags += ["--merged-model", settings.merged_model]
    return flags
