"""User settings (section ``debugllm``), validated with pydantic.

Sources, later ones winning: built-in defaults, the environment (``DEBUGLLM_ENDPOINT_URL``,
``DEBUGLLM_API_KEY``, ``DEBUGLLM_MODEL``), the client's ``initializationOptions``, then
``workspace/configuration``. A bad value never stops the server: it is reported and that one
setting falls back to its default.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
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

from debugllm.analysis.static import ALL_CHECKS
from debugllm.config import merge_settings


class _Section(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class DiagnosticsSettings(_Section):
    #: Publish our own diagnostics. Off for editors that already show another linter's; quick
    #: fixes still answer the diagnostics the client sends with a code action request.
    enable: bool = True
    #: Wait this long after the last change before re-analysing a document.
    debounce_ms: int = Field(default=300, ge=0, le=10_000)
    #: Static checks to skip, by diagnostic code (e.g. ``["unused-import"]``).
    disabled_checks: list[str] = Field(default_factory=list)

    def enabled_checks(self) -> frozenset[str]:
        return ALL_CHECKS - frozenset(self.disabled_checks)


class RepairSettings(_Section):
    #: Wall-clock budget for computing every fix of one document version.
    budget_ms: int = Field(default=1000, ge=10, le=60_000)
    #: Most fixes offered per diagnostic (the best one is preferred).
    max_fixes_per_diagnostic: int = Field(default=3, ge=1, le=10)
    #: Search budget of "Fix failing test" (``debugllm fix --test``), after the tests ran once.
    test_budget_ms: int = Field(default=5000, ge=500, le=600_000)


#: What an API key may contain: printable ASCII, no whitespace. It travels in an HTTP header,
#: which httpx encodes as ASCII: anything else fails every request (``initialize`` failed with
#: a UnicodeEncodeError for ``sk-ключ``).
_API_KEY = re.compile(r"[!-~]*")

BAD_API_KEY = (
    "debugllm.endpoint.apiKey (or DEBUGLLM_API_KEY): an API key must be printable ASCII "
    "without spaces; model fixes are off, DebugLLM works offline"
)


class EndpointSettings(_Section):
    #: OpenAI-compatible base URL ending in ``/v1``; empty means fully offline.
    url: str = Field(default_factory=lambda: os.environ.get("DEBUGLLM_ENDPOINT_URL", ""))
    api_key: SecretStr = Field(
        default_factory=lambda: SecretStr(os.environ.get("DEBUGLLM_API_KEY", ""))
    )
    model: str = Field(default_factory=lambda: os.environ.get("DEBUGLLM_MODEL", "") or "debugllm")
    #: The base model served by the same vLLM (e.g. ``phi3``), asked through
    #: ``/v1/chat/completions`` for a two-sentence explanation of a model fix; empty: off.
    explain_model: str = ""
    #: Allow plain ``http://`` to a host that is not loopback (key and code unencrypted).
    allow_insecure: bool = False
    connect_timeout_ms: int = Field(default=3000, ge=100, le=60_000)
    #: Longest wait for one upstream answer (read timeout).
    read_timeout_ms: int = Field(default=20_000, ge=100, le=300_000)
    #: Total deadline for one fix, retries and backoff included.
    timeout_ms: int = Field(default=30_000, ge=100, le=600_000)
    #: Retries after the first attempt (connection errors, timeouts, 429, 5xx).
    retries: int = Field(default=2, ge=0, le=10)
    #: Longest ``Retry-After`` honoured.
    retry_after_cap_ms: int = Field(default=5000, ge=0, le=60_000)
    cache_size: int = Field(default=256, ge=1, le=100_000)
    cache_ttl_s: int = Field(default=600, ge=1, le=86_400)
    #: Most upstream requests in flight at once.
    max_concurrency: int = Field(default=4, ge=1, le=64)
    #: Largest region (function, class or small file) sent, in characters.
    max_region_chars: int = Field(default=6000, ge=200, le=100_000)
    #: Consecutive failures that open the circuit breaker, and its cool-down.
    breaker_threshold: int = Field(default=3, ge=1, le=100)
    breaker_cooldown_s: int = Field(default=30, ge=1, le=3600)
    #: For clients without ``codeAction/resolve``: the longest wait for the model while listing.
    eager_wait_ms: int = Field(default=3000, ge=0, le=30_000)
    #: Price of one GPU hour, for the cost estimate of ``debugllm.stats``.
    gpu_hour_price: float = Field(default=0.0, ge=0)
    #: Log the code of model answers (off: the user's code is never logged).
    log_code: bool = False
    #: Why the model is off although a URL is set (a key it cannot send), else "".
    _key_problem: str = PrivateAttr(default="")

    @model_validator(mode="after")
    def _usable_key(self) -> EndpointSettings:
        # Not a field error: the key may come from the environment (a default), which pydantic
        # would put back on every retry. The endpoint is switched off instead, and the message
        # never contains the key itself.
        if not _API_KEY.fullmatch(self.api_key.get_secret_value()):
            self.api_key = SecretStr("")
            self.url = ""
            self._key_problem = BAD_API_KEY
        return self

    @property
    def key_problem(self) -> str:
        return self._key_problem

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


class Settings(_Section):
    #: Let "fix all" (``source.fixAll.debugllm``) apply unsafe fixes too (renames, removed
    #: imports, guessed operators, model answers); they are always offered for review.
    unsafe_fixes: bool = False
    #: The Python version the checked code runs on (``3.12`` or ``py312``); empty: the
    #: project's ``requires-python``, else the interpreter DebugLLM runs on.
    target_version: str = ""
    diagnostics: DiagnosticsSettings = Field(default_factory=DiagnosticsSettings)
    repair: RepairSettings = Field(default_factory=RepairSettings)
    endpoint: EndpointSettings = Field(default_factory=EndpointSettings)
    log_level: Literal["error", "warning", "info", "debug"] = "info"
    #: ``errors``: after diagnostics settle, ask the model in the background for errors the
    #: embedded engine could not fix (within ``endpoint.maxConcurrency``).
    prefetch: Literal["off", "errors"] = "off"

    @field_validator("target_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not value.strip():
            return ""
        match = re.fullmatch(r"\s*(?:py|python)?\s*3\.?(\d{1,2})\s*", value, re.IGNORECASE)
        if match is None:
            raise ValueError(
                f"expected a Python 3 version such as '3.12' or 'py312', got {value!r}"
            )
        return f"3.{int(match.group(1))}"

    @property
    def target(self) -> tuple[int, int] | None:
        """``target_version`` as ``(3, minor)``; ``None`` for the running interpreter."""
        if not self.target_version:
            return None
        major, minor = self.target_version.split(".")
        return int(major), int(minor)


def load_settings(
    raw: Mapping[str, Any] | None, project: Mapping[str, Any] | None = None
) -> tuple[Settings, list[str]]:
    """Validate ``raw`` (the editor's section) over ``project`` (a ``pyproject.toml``'s, see
    ``debugllm.config``): the editor's values win. Bad entries fall back to defaults and are
    described in the messages."""
    data: dict[str, Any] = _plain(raw) if isinstance(raw, Mapping) else {}
    problems: list[str] = []
    if raw is not None and not isinstance(raw, Mapping):
        problems.append(f"debugllm settings must be an object, got {type(raw).__name__}")
    if project:
        data = merge_settings(_plain(project), data)
    # Each pass drops the entries pydantic rejected; nesting is shallow, so a few passes suffice.
    for _ in range(8):
        try:
            settings = Settings.model_validate(data)
        except ValidationError as exc:
            for error in exc.errors():
                location = [str(part) for part in error["loc"]]
                problems.append(f"debugllm.{'.'.join(location)}: {error['msg']}")
                _drop(data, location)
        else:
            if settings.endpoint.key_problem:
                problems.append(settings.endpoint.key_problem)
            return settings, problems
    return Settings(), problems


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in raw.items()}


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
