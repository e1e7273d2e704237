"""The serving settings: one pydantic model, read from ``DEBUGLLM_SERVE_*`` variables and flags.

Every artefact (the ``vllm serve`` command line, the systemd unit, the Modal app, the Helm
values, the KServe resource) is generated from one ``ServeSettings``, so they cannot drift apart.
The API key is deliberately not a field: it travels only through the ``VLLM_API_KEY``
environment variable, so it never appears on a command line, in a rendered recipe or in ``ps``.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_PREFIX = "DEBUGLLM_SERVE_"

Dtype = Literal["auto", "bfloat16", "float16", "float32"]


class SettingsError(ValueError):
    """A setting has an invalid value; the message names the variable or flag."""


class ServeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The base model (hub id or local folder).
    base_model: str = "microsoft/Phi-3-mini-4k-instruct"
    #: The LoRA adapter: a hub id or a local folder holding adapter_config.json.
    adapter: str = "Sud1212/phi3-debug-llm-lora"
    #: Model name a request uses to get the adapter (``"model": "debugllm"``).
    adapter_name: str = "debugllm"
    #: Model name a request uses to get the plain base model, in the same server.
    base_name: str = "phi3"
    #: A merged model folder (``debugllm-serve merge``): when set it is served as
    #: ``adapter_name`` with no LoRA at all (the remedy when vLLM would ignore the adapter).
    merged_model: str | None = None
    max_lora_rank: int = Field(16, ge=1, le=512)
    max_loras: int = Field(1, ge=1)
    max_model_len: int = Field(4096, ge=256)
    gpu_memory_utilization: float = Field(0.90, gt=0.0, le=1.0)
    #: vLLM listens on loopback by default: a reverse proxy (see ``recipes``) faces the network,
    #: since vLLM's key guards only ``/v1`` and leaves /health, /metrics and /tokenize open.
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    dtype: Dtype = "bfloat16"
    #: Further ``vllm serve`` arguments, appended verbatim.
    extra_args: tuple[str, ...] = ()
    #: The ``vllm`` executable (``run`` execs it; recipes name it).
    vllm_bin: str = "vllm"

    @field_validator("extra_args", mode="before")
    @classmethod
    def _split_extra(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(shlex.split(value))
        return value

    @field_validator("adapter_name", "base_name")
    @classmethod
    def _plain_name(cls, value: str) -> str:
        if not value or any(c.isspace() for c in value):
            raise ValueError("a served model name must be non-empty and without spaces")
        return value

    @property
    def served_adapter(self) -> str:
        """The model name clients send to get the fine-tuned model."""
        return self.adapter_name

    @property
    def uses_lora(self) -> bool:
        return self.merged_model is None


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``DEBUGLLM_SERVE_PORT=9000`` -> ``{"port": "9000"}`` for every known field."""
    environ = os.environ if environ is None else environ
    fields = ServeSettings.model_fields
    out: dict[str, str] = {}
    for key, value in environ.items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name in fields:
                out[name] = value
    return out


def load_settings(
    flags: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> ServeSettings:
    """Defaults, overridden by ``DEBUGLLM_SERVE_*`` variables, overridden by flags (not None)."""
    values: dict[str, Any] = dict(env_overrides(environ))
    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = value
    try:
        return ServeSettings(**values)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"])
            problems.append(
                f"{name} (flag --{name.replace('_', '-')} or {ENV_PREFIX}{name.upper()}): "
                f"{error['msg']}"
            )
        raise SettingsError("invalid settings: " + "; ".join(problems)) from None
