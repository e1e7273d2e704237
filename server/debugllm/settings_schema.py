"""pydantic's validation of the settings, for what ``settings.exact_settings`` leaves to it.

The models mirror the dataclasses of ``debugllm.settings`` field for field (same defaults and
bounds); ``settings.settings_of`` copies a validated model into those dataclasses. Kept apart
so that a start with plain settings never imports pydantic (about a quarter of a second).
"""

from __future__ import annotations

import os
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from debugllm.settings_rules import API_KEY, BAD_API_KEY, python_version


class _Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class DiagnosticsModel(_Section):
    enable: bool = True
    debounce_ms: int = Field(default=300, ge=0, le=10_000)
    disabled_checks: list[str] = Field(default_factory=list)


class RepairModel(_Section):
    budget_ms: int = Field(default=1000, ge=10, le=60_000)
    max_fixes_per_diagnostic: int = Field(default=3, ge=1, le=10)
    test_budget_ms: int = Field(default=5000, ge=500, le=600_000)


class EndpointModel(_Section):
    url: str = Field(default_factory=lambda: os.environ.get("DEBUGLLM_ENDPOINT_URL", ""))
    api_key: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("DEBUGLLM_API_KEY", ""))
    )
    model: str = Field(default_factory=lambda: os.environ.get("DEBUGLLM_MODEL", "") or "debugllm")
    explain_model: str = ""
    allow_insecure: bool = False
    connect_timeout_ms: int = Field(default=3000, ge=100, le=60_000)
    read_timeout_ms: int = Field(default=20_000, ge=100, le=300_000)
    timeout_ms: int = Field(default=30_000, ge=100, le=600_000)
    retries: int = Field(default=2, ge=0, le=10)
    retry_after_cap_ms: int = Field(default=5000, ge=0, le=60_000)
    cache_size: int = Field(default=256, ge=1, le=100_000)
    cache_ttl_s: int = Field(default=600, ge=1, le=86_400)
    max_concurrency: int = Field(default=4, ge=1, le=64)
    max_region_chars: int = Field(default=6000, ge=200, le=100_000)
    breaker_threshold: int = Field(default=3, ge=1, le=100)
    breaker_cooldown_s: int = Field(default=30, ge=1, le=3600)
    eager_wait_ms: int = Field(default=3000, ge=0, le=30_000)
    gpu_hour_price: float = Field(default=0.0, ge=0)
    log_code: bool = False
    _key_problem: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _usable_key(self) -> EndpointModel:
        # Not a field error: the key may come from the environment (a default), which pydantic
        # would put back on every retry. The endpoint is switched off instead, and the message
        # never contains the key itself.
        if not API_KEY.fullmatch(self.api_key.get_secret_value()):
            self.api_key = SecretStr("")
            self.url = ""
            self._key_problem = BAD_API_KEY
        return self

    @property
    def key_problem(self) -> str:
        return self._key_problem


class SettingsModel(_Section):
    unsafe_fixes: bool = False
    target_version: str = ""
    diagnostics: DiagnosticsModel = Field(default_factory=DiagnosticsModel)
    repair: RepairModel = Field(default_factory=RepairModel)
    endpoint: EndpointModel = Field(default_factory=EndpointModel)
    log_level: Literal["error", "warning", "info", "debug"] = "info"
    prefetch: Literal["off", "errors"] = "off"

    @field_validator("target_version")
    @classmethod
    def _version(cls, value: str) -> str:
        return python_version(value)


def validate(data: dict[str, Any]) -> tuple[SettingsModel | None, list[str]]:
    """The model pydantic makes of ``data``, dropping what it rejects, and its messages (no
    model when rejections never end)."""
    problems: list[str] = []
    # Each pass drops the entries pydantic rejected; nesting is shallow, so a few passes suffice.
    for _ in range(8):
        try:
            model = SettingsModel.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                location = [str(part) for part in error["loc"]]
                problems.append(f"debugllm.{'.'.join(location)}: {error['msg']}")
                _drop(data, location)
        else:
            if model.endpoint.key_problem:
                problems.append(model.endpoint.key_problem)
            return model, problems
    return None, problems


def _drop(data: dict[str, Any], location: list[str]) -> None:
    node: Any = data
    for part in location[:-1]:
        if not isinstance(node, dict) or part not in node:
            return
        if not isinstance(node[part], dict):
            # The error is inside a value (a list item): drop the whole value.
            del node[part]
            return
        node = node[part]
    if isinstance(node, dict):
        node.pop(location[-1], None)
