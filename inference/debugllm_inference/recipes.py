"""Deployment recipes rendered from ``ServeSettings`` (one source of truth with ``print``).

- ``systemd``: a unit running exactly ``debugllm-serve print``'s command, key in an env file;
  the executable by its absolute path (systemd searches only its own fixed ``PATH``).
- ``nginx``: the reverse proxy in front of it (TLS, rate limit per API key, only the inference
  routes of ``/v1`` reachable; ``/health``, ``/metrics``, ``/tokenize`` closed to the outside).
- ``modal``: a Modal app (``@app.function`` + ``@modal.concurrent`` + ``@modal.web_server``
  running ``vllm serve`` once per container; weights on volumes).
- ``helm``: values for the vLLM production-stack chart (replicas, LoRA, prefix-aware routing).
- ``kserve``: a KServe ``LLMInferenceService`` with the adapter under ``spec.model.lora``.
- ``compose`` + ``compose-nginx``: Docker Compose, the ``vllm/vllm-openai`` image with ``print``'s
  arguments and the nginx recipe in front as a second service (the only one with a port).

Containers and pods must listen on all interfaces (their platform's proxy connects from
outside the container), so those recipes use the settings with ``host=0.0.0.0``; every other
argument is ``serve_args`` unchanged.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from dataclasses import dataclass, field
from importlib import resources
from string import Template
from typing import Any

import yaml

from debugllm_inference.command import API_KEY_ENV, serve_args, vllm_argv
from debugllm_inference.settings import ServeSettings

RECIPES = ("systemd", "nginx", "modal", "helm", "kserve", "compose", "compose-nginx")
FILENAMES = {
    "systemd": "debugllm-vllm.service",
    "nginx": "nginx-debugllm.conf",
    "modal": "modal_app.py",
    "helm": "production-stack-values.yaml",
    "kserve": "llminferenceservice.yaml",
    "compose": "compose.yaml",
    "compose-nginx": "nginx-compose.conf",
}
#: vLLM release the container recipes pin (the image tag and the Modal pip install).
VLLM_VERSION = "0.11.0"


@dataclass(frozen=True)
class RecipeOptions:
    """What the recipes need beyond the serving settings (sizes, names, paths)."""

    replicas: int = 2
    gpu: str = "A10G"  # SIZING.md: an L4 decodes ~28 tok/s, too slow for interactive fixes
    server_name: str = "debugllm.example.com"
    tls_cert: str = "/etc/letsencrypt/live/debugllm.example.com/fullchain.pem"
    tls_key: str = "/etc/letsencrypt/live/debugllm.example.com/privkey.pem"
    rate_per_second: int = 5
    burst: int = 20
    http_port: int = 80
    https_port: int = 443
    user: str = "debugllm"
    env_file: str = "/etc/debugllm/serve.env"
    hf_home: str = "/var/lib/debugllm/huggingface"
    app_name: str = "debugllm"
    max_inputs: int = 32
    scaledown_window: int = 300
    secret_name: str = "debugllm-api-key"
    namespace: str = "debugllm"
    #: Where ``vllm`` is installed when ``vllm_bin`` is a bare name: this tool's environment.
    venv: str = field(default_factory=lambda: sys.prefix)
    #: Compose: the file beside ``compose.yaml`` holding ``VLLM_API_KEY=...``.
    compose_env_file: str = "serve.env"


def container_settings(settings: ServeSettings) -> ServeSettings:
    return settings.model_copy(update={"host": "0.0.0.0"})


def _template(name: str) -> Template:
    text = resources.files("debugllm_inference").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def vllm_executable(settings: ServeSettings, venv: str) -> str:
    """The absolute path of ``vllm_bin``: as given when absolute, else in ``venv`` (where
    ``pip install vllm`` put it), else on ``PATH``; the venv's path when it is nowhere yet."""
    name = settings.vllm_bin
    if os.path.isabs(name):
        return name
    in_venv = os.path.join(venv, "bin", name)
    if os.access(in_venv, os.X_OK):
        return in_venv
    found = shutil.which(name)
    return os.path.abspath(found) if found else in_venv


def systemd_exec_start(settings: ServeSettings, venv: str) -> str:
    """``ExecStart=``: systemd expands ``%`` specifiers and ``$`` variables, so escape them."""
    argv = [vllm_executable(settings, venv), *vllm_argv(settings)[1:]]
    return shlex.join(argv).replace("%", "%%").replace("$", "$$")


def render_systemd(settings: ServeSettings, options: RecipeOptions) -> str:
    return _template("debugllm-vllm.service").substitute(
        base_model=settings.merged_model or settings.base_model,
        adapter_name=settings.adapter_name,
        user=options.user,
        env_file=options.env_file,
        hf_home=options.hf_home,
        exec_start=systemd_exec_start(settings, options.venv),
    )


def render_nginx(
    settings: ServeSettings, options: RecipeOptions, upstream: str | None = None
) -> str:
    """The proxy; ``upstream`` is vLLM's address from nginx (default: where vLLM listens)."""
    if upstream is None:
        upstream = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    return _template("nginx-debugllm.conf").substitute(
        upstream_host=upstream,
        upstream_port=settings.port,
        server_name=options.server_name,
        tls_cert=options.tls_cert,
        tls_key=options.tls_key,
        rate_per_second=f"{options.rate_per_second}r/s",
        burst=options.burst,
        http_port=options.http_port,
        https_port=options.https_port,
    )


def render_modal(settings: ServeSettings, options: RecipeOptions) -> str:
    container = container_settings(settings)
    return _template("modal_app.py.tmpl").substitute(
        base_model=container.merged_model or container.base_model,
        adapter_name=container.adapter_name,
        app_name=options.app_name,
        port=container.port,
        serve_args=repr(serve_args(container)),
        vllm_version=VLLM_VERSION,
        gpu=options.gpu,
        scaledown_window=options.scaledown_window,
        timeout=3600,
        max_inputs=options.max_inputs,
        startup_timeout=900,
    )


#: The Compose service names; nginx reaches vLLM by its service name.
VLLM_SERVICE = "vllm"
NGINX_SERVICE = "nginx"
NGINX_IMAGE = "nginx:1.27"
#: Where the image keeps the Hugging Face cache (its HF_HOME); the weights volume goes there.
CONTAINER_HF_HOME = "/root/.cache/huggingface"


def compose_project(settings: ServeSettings, options: RecipeOptions) -> dict[str, Any]:
    """Docker Compose: vLLM (GPU, key from an env file, health-checked, weights on a volume)
    behind the nginx recipe; only nginx publishes ports, vLLM is reachable on the project's
    network alone."""
    container = container_settings(settings)
    port = container.port
    probe = f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{port}/health')"
    vllm: dict[str, Any] = {
        "image": f"vllm/vllm-openai:v{VLLM_VERSION}",
        "entrypoint": ["vllm", "serve"],
        # Compose would substitute `$VAR` in an argument: `$$` keeps a literal `$`.
        "command": [arg.replace("$", "$$") for arg in serve_args(container)],
        # VLLM_API_KEY=...: the key lives only in this file (mode 0600), never in compose.yaml.
        "env_file": [options.compose_env_file],
        "environment": {"HF_HOME": CONTAINER_HF_HOME},
        "volumes": [f"huggingface:{CONTAINER_HF_HOME}"],
        "ipc": "host",  # PyTorch shares tensors between vLLM's processes through /dev/shm
        "expose": [str(port)],
        "deploy": {
            "resources": {
                "reservations": {
                    "devices": [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
                }
            }
        },
        "healthcheck": {
            # The image has Python but not necessarily curl.
            "test": ["CMD", "python3", "-c", probe],
            "interval": "30s",
            "timeout": "5s",
            "retries": 3,
            "start_period": "900s",  # loading the weights and capturing CUDA graphs
        },
        "restart": "unless-stopped",
    }
    nginx: dict[str, Any] = {
        "image": NGINX_IMAGE,
        "ports": [
            f"{options.http_port}:{options.http_port}",
            f"{options.https_port}:{options.https_port}",
        ],
        "volumes": [
            f"./{FILENAMES['compose-nginx']}:/etc/nginx/conf.d/default.conf:ro",
            # The certificate and key at the same paths inside (Docker follows the symlinks
            # of /etc/letsencrypt/live on the host).
            f"{options.tls_cert}:{options.tls_cert}:ro",
            f"{options.tls_key}:{options.tls_key}:ro",
        ],
        "depends_on": {VLLM_SERVICE: {"condition": "service_healthy"}},
        "restart": "unless-stopped",
    }
    return {
        "services": {VLLM_SERVICE: vllm, NGINX_SERVICE: nginx},
        "volumes": {"huggingface": {}},
    }


def render_compose_nginx(settings: ServeSettings, options: RecipeOptions) -> str:
    return render_nginx(container_settings(settings), options, upstream=VLLM_SERVICE)


def _split_structured(args: list[str]) -> tuple[str, dict[str, str], list[str]]:
    """Model, the flags the Helm chart has fields for, and the rest (as extraArgs)."""
    structured = {
        "--max-model-len",
        "--gpu-memory-utilization",
        "--dtype",
        "--max-loras",
        "--host",
        "--port",
    }
    model, rest = args[0], args[1:]
    picked: dict[str, str] = {}
    extra: list[str] = []
    index = 0
    while index < len(rest):
        arg = rest[index]
        takes_value = index + 1 < len(rest) and not rest[index + 1].startswith("--")
        if arg in structured and takes_value:
            picked[arg] = rest[index + 1]
            index += 2
            continue
        extra.append(arg)
        index += 1
    return model, picked, extra


def helm_values(settings: ServeSettings, options: RecipeOptions) -> dict[str, Any]:
    container = container_settings(settings)
    model, picked, extra = _split_structured(serve_args(container))
    # The chart adds --enable-lora itself when enableLoRA is true.
    extra = [a for a in extra if a != "--enable-lora"]
    vllm_config: dict[str, Any] = {
        "maxModelLen": int(picked["--max-model-len"]),
        "dtype": picked["--dtype"],
        "gpuMemoryUtilization": float(picked["--gpu-memory-utilization"]),
        "enablePrefixCaching": True,
        "extraArgs": extra,
    }
    if "--max-loras" in picked:
        vllm_config["maxLoras"] = int(picked["--max-loras"])
    return {
        "servingEngineSpec": {
            "runtimeClassName": "nvidia",
            "containerPort": container.port,
            "vllmApiKey": {"secretName": options.secret_name, "secretKey": API_KEY_ENV},
            "modelSpec": [
                {
                    "name": options.app_name,
                    "repository": "vllm/vllm-openai",
                    "tag": f"v{VLLM_VERSION}",
                    "modelURL": model,
                    "replicaCount": options.replicas,
                    "requestCPU": 6,
                    "requestMemory": "24Gi",
                    "requestGPU": 1,
                    "pvcStorage": "50Gi",
                    "enableLoRA": container.uses_lora,
                    "vllmConfig": vllm_config,
                }
            ],
        },
        "routerSpec": {
            # Requests sharing the prompt template prefix land where their KV cache is.
            "routingLogic": "prefixaware",
            "replicaCount": 1,
        },
    }


def kserve_resource(settings: ServeSettings, options: RecipeOptions) -> dict[str, Any]:
    container = container_settings(settings)
    model_source = container.merged_model or container.base_model
    model: dict[str, Any] = {
        "uri": _uri(model_source),
        "name": container.adapter_name if container.merged_model else container.base_name,
    }
    if container.uses_lora:
        model["lora"] = {
            "adapters": [{"name": container.adapter_name, "uri": _uri(container.adapter)}]
        }
    # KServe writes the model, served names, LoRA modules, host and port itself; the rest of
    # serve_args travels as the container's extra arguments.
    _, picked, extra = _split_structured(serve_args(container))
    args: list[str] = []
    for flag in ("--max-model-len", "--gpu-memory-utilization", "--dtype", "--max-loras"):
        if flag in picked:
            args += [flag, picked[flag]]
    skip_with_value = {"--served-model-name", "--lora-modules"}
    index = 0
    while index < len(extra):
        if extra[index] in skip_with_value:
            index += 2
            continue
        if extra[index] != "--enable-lora":
            args.append(extra[index])
        index += 1
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "LLMInferenceService",
        "metadata": {"name": options.app_name, "namespace": options.namespace},
        "spec": {
            "model": model,
            "replicas": options.replicas,
            "template": {
                "containers": [
                    {
                        "name": "main",
                        "args": args,
                        "env": [
                            {
                                "name": API_KEY_ENV,
                                "valueFrom": {
                                    "secretKeyRef": {
                                        "name": options.secret_name,
                                        "key": API_KEY_ENV,
                                    }
                                },
                            }
                        ],
                        "resources": {
                            "limits": {"nvidia.com/gpu": "1", "cpu": "8", "memory": "32Gi"},
                            "requests": {"nvidia.com/gpu": "1", "cpu": "4", "memory": "16Gi"},
                        },
                    }
                ]
            },
            "router": {"route": {}, "gateway": {}, "scheduler": {}},
        },
    }


def _uri(source: str) -> str:
    if "://" in source or source.startswith("/"):
        return source
    return f"hf://{source}"


def _yaml(data: dict[str, Any], header: str) -> str:
    body = yaml.safe_dump(data, sort_keys=False, width=1000)
    return f"# {header}\n# Generated by debugllm-serve from the serving settings.\n{body}"


def render(name: str, settings: ServeSettings, options: RecipeOptions | None = None) -> str:
    options = options or RecipeOptions()
    if name == "systemd":
        return render_systemd(settings, options)
    if name == "nginx":
        return render_nginx(settings, options)
    if name == "modal":
        return render_modal(settings, options)
    if name == "helm":
        return _yaml(
            helm_values(settings, options),
            "values for the vLLM production-stack chart: helm install debugllm "
            "vllm/vllm-stack -f production-stack-values.yaml",
        )
    if name == "kserve":
        return _yaml(
            kserve_resource(settings, options),
            "KServe LLMInferenceService: kubectl apply -f llminferenceservice.yaml",
        )
    if name == "compose":
        return _yaml(
            compose_project(settings, options),
            f"Docker Compose: put {FILENAMES['compose-nginx']} (debugllm-serve recipe "
            f"compose-nginx) and {options.compose_env_file} (VLLM_API_KEY=..., mode 0600) "
            "beside this file, then: docker compose up -d",
        )
    if name == "compose-nginx":
        return render_compose_nginx(settings, options)
    raise ValueError(f"unknown recipe {name!r}: choose from {', '.join(RECIPES)}")
