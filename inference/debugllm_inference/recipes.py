"""Deployment recipes rendered from ``ServeSettings`` (one source of truth with ``print``).

- ``systemd``: a unit running exactly ``debugllm-serve print``'s command, key in an env file.
- ``nginx``: the reverse proxy in front of it (TLS, rate limit per API key, only the inference
  routes of ``/v1`` reachable; ``/health``, ``/metrics``, ``/tokenize`` closed to the outside).
- ``modal``: a Modal app (``@app.function`` + ``@modal.concurrent`` + ``@modal.web_server``
  running ``vllm serve`` once per container; weights on volumes).
- ``helm``: values for the vLLM production-stack chart (replicas, LoRA, prefix-aware routing).
- ``kserve``: a KServe ``LLMInferenceService`` with the adapter under ``spec.model.lora``.

Containers and pods must listen on all interfaces (their platform's proxy connects from
outside the container), so those recipes use the settings with ``host=0.0.0.0``; every other
argument is ``serve_args`` unchanged.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from importlib import resources
from string import Template
from typing import Any

import yaml

from debugllm_inference.command import API_KEY_ENV, serve_args, vllm_argv
from debugllm_inference.settings import ServeSettings

RECIPES = ("systemd", "nginx", "modal", "helm", "kserve")
FILENAMES = {
    "systemd": "debugllm-vllm.service",
    "nginx": "nginx-debugllm.conf",
    "modal": "modal_app.py",
    "helm": "production-stack-values.yaml",
    "kserve": "llminferenceservice.yaml",
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


def container_settings(settings: ServeSettings) -> ServeSettings:
    return settings.model_copy(update={"host": "0.0.0.0"})


def _template(name: str) -> Template:
    text = resources.files("debugllm_inference").joinpath("templates", name).read_text("utf-8")
    return Template(text)


def systemd_exec_start(settings: ServeSettings) -> str:
    """``ExecStart=``: systemd expands ``%`` specifiers and ``$`` variables, so escape them."""
    return shlex.join(vllm_argv(settings)).replace("%", "%%").replace("$", "$$")


def render_systemd(settings: ServeSettings, options: RecipeOptions) -> str:
    return _template("debugllm-vllm.service").substitute(
        base_model=settings.merged_model or settings.base_model,
        adapter_name=settings.adapter_name,
        user=options.user,
        env_file=options.env_file,
        hf_home=options.hf_home,
        exec_start=systemd_exec_start(settings),
    )


def render_nginx(settings: ServeSettings, options: RecipeOptions) -> str:
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
    raise ValueError(f"unknown recipe {name!r}: choose from {', '.join(RECIPES)}")
