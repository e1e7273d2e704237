"""The exact ``vllm serve`` command line, built from ``ServeSettings`` (one place for every caller).

``print`` shows it, ``run`` execs it, and the recipes embed the same arguments. The API key is
never an argument: vLLM reads ``VLLM_API_KEY`` from its environment, so the key stays out of
``ps``, shell history and rendered files.
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Mapping

from debugllm_inference.settings import ServeSettings

API_KEY_ENV = "VLLM_API_KEY"
#: The client-side variable (``check``, ``bench``, ``eval`` and the editor read it). ``run``
#: forwards it as ``VLLM_API_KEY`` when only this one is set.
CLIENT_KEY_ENV = "DEBUGLLM_API_KEY"


def lora_module_spec(settings: ServeSettings) -> str:
    """The JSON form of ``--lora-modules``: it sets the parent shown by ``/v1/models``."""
    return json.dumps(
        {
            "name": settings.adapter_name,
            "path": settings.adapter,
            "base_model_name": settings.base_name,
        },
        separators=(",", ":"),
    )


def serve_args(settings: ServeSettings) -> list[str]:
    """The arguments after ``vllm serve`` (the recipes use exactly these)."""
    if settings.merged_model is not None:
        # The adapter is baked into the weights: serve them under the adapter's name.
        args = [settings.merged_model, "--served-model-name", settings.adapter_name]
    else:
        args = [
            settings.base_model,
            "--served-model-name",
            settings.base_name,
            "--enable-lora",
            "--lora-modules",
            lora_module_spec(settings),
            "--max-lora-rank",
            str(settings.max_lora_rank),
            "--max-loras",
            str(settings.max_loras),
        ]
    args += [
        "--max-model-len",
        str(settings.max_model_len),
        "--gpu-memory-utilization",
        f"{settings.gpu_memory_utilization:g}",
        "--dtype",
        settings.dtype,
        "--host",
        settings.host,
        "--port",
        str(settings.port),
    ]
    args += list(settings.extra_args)
    if any(a == "--api-key" or a.startswith("--api-key=") for a in args):
        raise ValueError(
            f"pass the API key through the {API_KEY_ENV} environment variable, not --api-key"
        )
    return args


def vllm_argv(settings: ServeSettings) -> list[str]:
    return [settings.vllm_bin, "serve", *serve_args(settings)]


def command_line(settings: ServeSettings) -> str:
    """One shell-quoted line: what ``debugllm-serve print`` shows and ``run`` executes."""
    return shlex.join(vllm_argv(settings))


def child_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """vLLM's environment: ``VLLM_API_KEY`` from itself or, failing that, ``DEBUGLLM_API_KEY``."""
    env = dict(os.environ if environ is None else environ)
    if not env.get(API_KEY_ENV) and env.get(CLIENT_KEY_ENV):
        env[API_KEY_ENV] = env[CLIENT_KEY_ENV]
    return env
