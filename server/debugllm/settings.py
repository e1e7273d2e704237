"""User settings (section ``debugllm``): plain dataclasses, validated by pydantic when needed.

Sources, later ones winning: built-in defaults, the environment (``DEBUGLLM_ENDPOINT_URL``,
``DEBUGLLM_API_KEY``, ``DEBUGLLM_MODEL``), the client's ``initializationOptions``, then
``workspace/configuration``. A bad value never stops the server: it is reported and that one
setting falls back to its default.

Importing pydantic and building its models costs about a quarter of a second, before the
language server can publish anything. So the settings are dataclasses, and ``load_settings``
first tries a strict check of its own (``_exact_sections``) that accepts only values pydantic
takes unchanged: JSON types exactly as declared, known keys, within bounds. Everything else
(a bad value, a string for a number, a duplicate key) goes to pydantic
(``debugllm.settings_schema``), which produces the values and the messages.
``tests/unit/test_settings_fast_path.py`` compares both ways on random settings.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from debugllm.analysis.static import ALL_CHECKS
from debugllm.config import merge_settings
from debugllm.settings_rules import API_KEY, BAD_API_KEY, python_version


class Secret:
    """A string kept out of reprs and logs (what pydantic's ``SecretStr`` does for us)."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __str__(self) -> str:
        return "**********" if self._value else ""

    def __repr__(self) -> str:
        return f"Secret('{self}')"


@dataclass
class DiagnosticsSettings:
    #: Publish our own diagnostics. Off for editors that already show another linter's; quick
    #: fixes still answer the diagnostics the client sends with a code action request.
    enable: bool = True
    #: Wait this long after the last change before re-analysing a document.
    debounce_ms: int = 300
    #: Static checks to skip, by diagnostic code (e.g. ``["unused-import"]``).
    disabled_checks: list[str] = field(default_factory=list)

    def enabled_checks(self) -> frozenset[str]:
        return ALL_CHECKS - frozenset(self.disabled_checks)


@dataclass
class RepairSettings:
    #: Wall-clock budget for computing every fix of one document version.
    budget_ms: int = 1000
    #: Most fixes offered per diagnostic (the best one is preferred).
    max_fixes_per_diagnostic: int = 3
    #: Search budget of "Fix failing test" (``debugllm fix --test``), after the tests ran once.
    test_budget_ms: int = 5000


@dataclass
class EndpointSettings:
    #: OpenAI-compatible base URL ending in ``/v1``; empty means fully offline.
    url: str = field(default_factory=lambda: os.environ.get("DEBUGLLM_ENDPOINT_URL", ""))
    api_key: Secret = field(default_factory=lambda: Secret(os.environ.get("DEBUGLLM_API_KEY", "")))
    model: str = field(default_factory=lambda: os.environ.get("DEBUGLLM_MODEL", "") or "debugllm")
    #: The base model served by the same vLLM (e.g. ``phi3``), asked through
    #: ``/v1/chat/completions`` for a two-sentence explanation of a model fix; empty: off.
    explain_model: str = ""
    #: Allow plain ``http://`` to a host that is not loopback (key and code unencrypted).
    allow_insecure: bool = False
    connect_timeout_ms: int = 3000
    #: Longest wait for one upstream answer (read timeout).
    read_timeout_ms: int = 20_000
    #: Total deadline for one fix, retries and backoff included.
    timeout_ms: int = 30_000
    #: Retries after the first attempt (connection errors, timeouts, 429, 5xx).
    retries: int = 2
    #: Longest ``Retry-After`` honoured.
    retry_after_cap_ms: int = 5000
    cache_size: int = 256
    cache_ttl_s: int = 600
    #: Most upstream requests in flight at once.
    max_concurrency: int = 4
    #: Largest region (function, class or small file) sent, in characters.
    max_region_chars: int = 6000
    #: Consecutive failures that open the circuit breaker, and its cool-down.
    breaker_threshold: int = 3
    breaker_cooldown_s: int = 30
    #: For clients without ``codeAction/resolve``: the longest wait for the model while listing.
    eager_wait_ms: int = 3000
    #: Price of one GPU hour, for the cost estimate of ``debugllm.stats``.
    gpu_hour_price: float = 0.0
    #: Log the code of model answers (off: the user's code is never logged).
    log_code: bool = False
    #: Why the model is off although a URL is set (a key it cannot send), else "".
    key_problem: str = ""

    def __post_init__(self) -> None:
        # Not a field error: the key may come from the environment (a default), which would be
        # put back on every retry. The endpoint is switched off instead, and the message never
        # contains the key itself.
        if not API_KEY.fullmatch(self.api_key.get_secret_value()):
            self.api_key = Secret("")
            self.url = ""
            self.key_problem = BAD_API_KEY

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


LogLevel = Literal["error", "warning", "info", "debug"]
Prefetch = Literal["off", "errors"]


@dataclass
class Settings:
    #: Let "fix all" (``source.fixAll.debugllm``) apply unsafe fixes too (renames, removed
    #: imports, guessed operators, model answers); they are always offered for review.
    unsafe_fixes: bool = False
    #: The Python version the checked code runs on (``3.12`` or ``py312``); empty: the
    #: project's ``requires-python``, else the interpreter DebugLLM runs on.
    target_version: str = ""
    diagnostics: DiagnosticsSettings = field(default_factory=DiagnosticsSettings)
    repair: RepairSettings = field(default_factory=RepairSettings)
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    log_level: LogLevel = "info"
    #: ``errors``: after diagnostics settle, ask the model in the background for errors the
    #: embedded engine could not fix (within ``endpoint.maxConcurrency``).
    prefetch: Prefetch = "off"

    @property
    def target(self) -> tuple[int, int] | None:
        """``target_version`` as ``(3, minor)``; ``None`` for the running interpreter."""
        if not self.target_version:
            return None
        major, minor = self.target_version.split(".")
        return int(major), int(minor)

    def fingerprint(self) -> str:
        """Equal for equal settings (the API key masked): a cache key."""
        return repr(self)


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
    settings = exact_settings(data)
    if settings is None:
        from debugllm.settings_schema import validate

        model, found = validate(data)
        problems.extend(found)
        settings = settings_of(model) if model is not None else Settings()
    elif settings.endpoint.key_problem:
        problems.append(settings.endpoint.key_problem)
    return settings, problems


def settings_of(model: Any) -> Settings:
    """The dataclasses holding the values of a validated ``settings_schema.SettingsModel``."""
    endpoint = model.endpoint
    return Settings(
        unsafe_fixes=model.unsafe_fixes,
        target_version=model.target_version,
        diagnostics=DiagnosticsSettings(**_values(model.diagnostics, DiagnosticsSettings)),
        repair=RepairSettings(**_values(model.repair, RepairSettings)),
        endpoint=EndpointSettings(
            **{
                **_values(endpoint, EndpointSettings),
                "api_key": Secret(endpoint.api_key.get_secret_value()),
                "key_problem": endpoint.key_problem,
            }
        ),
        log_level=model.log_level,
        prefetch=model.prefetch,
    )


def _values(model: Any, cls: type) -> dict[str, Any]:
    names = [f.name for f in fields(cls) if f.name in type(model).model_fields]
    return {name: getattr(model, name) for name in names}


def _plain(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) if isinstance(v, Mapping) else v for k, v in raw.items()}


# --- the strict check: values pydantic would take as they are --------------------------------

#: A check returns the value pydantic would store, or raises ``_NotExact``.
_Check = Callable[[Any], Any]


class _NotExact(Exception):
    """A value the strict check leaves to pydantic."""


def _int(low: int, high: int | None = None) -> _Check:
    def check(value: Any) -> Any:
        if type(value) is not int or value < low or (high is not None and value > high):
            raise _NotExact
        return value

    return check


def _bool(value: Any) -> Any:
    if type(value) is not bool:
        raise _NotExact
    return value


def _str(value: Any) -> Any:
    if type(value) is not str:
        raise _NotExact
    return value


def _secret(value: Any) -> Any:
    return Secret(_str(value))


def _price(value: Any) -> Any:
    # JSON sends 0 for 0.0; pydantic stores ints as floats. Huge ints are left to it.
    if type(value) is int and abs(value) < 2**53:
        value = float(value)
    if type(value) is not float or not math.isfinite(value) or value < 0:
        raise _NotExact
    return value


def _names(value: Any) -> Any:
    if type(value) is not list or any(type(item) is not str for item in value):
        raise _NotExact
    return list(value)


def _choice(*choices: str) -> _Check:
    def check(value: Any) -> Any:
        if type(value) is not str or value not in choices:
            raise _NotExact
        return value

    return check


def _version(value: Any) -> Any:
    try:
        return python_version(_str(value))
    except ValueError:
        raise _NotExact from None


#: Per section, each field's check (the bounds are ``settings_schema``'s).
_CHECKS: dict[type, dict[str, _Check]] = {
    DiagnosticsSettings: {
        "enable": _bool,
        "debounce_ms": _int(0, 10_000),
        "disabled_checks": _names,
    },
    RepairSettings: {
        "budget_ms": _int(10, 60_000),
        "max_fixes_per_diagnostic": _int(1, 10),
        "test_budget_ms": _int(500, 600_000),
    },
    EndpointSettings: {
        "url": _str,
        "api_key": _secret,
        "model": _str,
        "explain_model": _str,
        "allow_insecure": _bool,
        "connect_timeout_ms": _int(100, 60_000),
        "read_timeout_ms": _int(100, 300_000),
        "timeout_ms": _int(100, 600_000),
        "retries": _int(0, 10),
        "retry_after_cap_ms": _int(0, 60_000),
        "cache_size": _int(1, 100_000),
        "cache_ttl_s": _int(1, 86_400),
        "max_concurrency": _int(1, 64),
        "max_region_chars": _int(200, 100_000),
        "breaker_threshold": _int(1, 100),
        "breaker_cooldown_s": _int(1, 3600),
        "eager_wait_ms": _int(0, 30_000),
        "gpu_hour_price": _price,
        "log_code": _bool,
    },
    Settings: {
        "unsafe_fixes": _bool,
        "target_version": _version,
        "log_level": _choice("error", "warning", "info", "debug"),
        "prefetch": _choice("off", "errors"),
    },
}
_SECTIONS: dict[str, type] = {
    "diagnostics": DiagnosticsSettings,
    "repair": RepairSettings,
    "endpoint": EndpointSettings,
}


def camel(name: str) -> str:
    """pydantic's ``to_camel`` for our snake_case field names (``max_fixes`` -> ``maxFixes``)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _keys(names: list[str]) -> dict[str, str]:
    """Accepted key -> field name: the camelCase alias and the name itself."""
    keys = {name: name for name in names}
    keys.update({camel(name): name for name in names})
    return keys


_KEYS: dict[type, dict[str, str]] = {
    cls: _keys([*checks, *(_SECTIONS if cls is Settings else ())])
    for cls, checks in _CHECKS.items()
}


def _exact(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = _KEYS[cls].get(key)
        if name is None or name in values:  # unknown, or given twice (alias and name)
            raise _NotExact
        if cls is Settings and name in _SECTIONS:
            if type(value) is not dict:
                raise _NotExact
            values[name] = _SECTIONS[name](**_exact(_SECTIONS[name], value))
        else:
            values[name] = _CHECKS[cls][name](value)
    return values


def exact_settings(data: dict[str, Any]) -> Settings | None:
    """The settings when every value is one pydantic accepts as it is, else None."""
    try:
        return Settings(**_exact(Settings, data))
    except _NotExact:
        return None
