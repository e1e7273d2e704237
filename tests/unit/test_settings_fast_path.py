"""``load_settings`` checks plain settings itself and leaves the rest to pydantic: both ways
must give the same settings and messages."""

import copy
import dataclasses
import random
from typing import Any

import pytest
from debugllm.settings import (
    _CHECKS,
    _SECTIONS,
    DiagnosticsSettings,
    EndpointSettings,
    RepairSettings,
    Settings,
    camel,
    exact_settings,
    load_settings,
    settings_of,
)
from debugllm.settings_schema import (
    DiagnosticsModel,
    EndpointModel,
    RepairModel,
    SettingsModel,
    validate,
)
from pydantic.alias_generators import to_camel

MODELS = {
    Settings: SettingsModel,
    DiagnosticsSettings: DiagnosticsModel,
    RepairSettings: RepairModel,
    EndpointSettings: EndpointModel,
}

#: Values of every kind, around every bound: most are exact for some field, many are not.
VALUES: list[Any] = [
    *(-1, 0, 1, 2, 3, 9, 10, 11, 64, 65, 99, 100, 101, 199, 200, 499, 500, 3600, 3601),
    *(10_000, 10_001, 30_000, 60_000, 60_001, 86_400, 100_000, 300_000, 600_000, 600_001),
    *(2**60, True, False, None, 0.0, 1.5, 300.0, -0.5, float("nan"), float("inf")),
    *("", " ", "300", "true", "info", "debug", "errors", "off", "warning", "INFO", "loud"),
    *("3.12", "py312", "python 3.9", "3", "2.7", "http://127.0.0.1:8000/v1", "sk-ok"),
    *("sk-ключ", "sk bad", ["unused-import"], [], ["a", 1], ("x",), {}, {"enable": True}),
]


def _field_names(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls) if f.name != "key_problem"]


def _key(rng: random.Random, name: str) -> str:
    return rng.choice([name, camel(name), camel(name), camel(name) + "X"])


def _section(rng: random.Random, cls: type, exact_bias: float) -> dict[str, Any]:
    data: dict[str, Any] = {}
    names = _field_names(cls)
    for name in rng.sample(names, rng.randint(0, min(4, len(names)))):
        if name in _SECTIONS:
            value: Any = _section(rng, _SECTIONS[name], exact_bias)
        elif rng.random() < exact_bias:
            value = _exact_value(rng, cls, name)
        else:
            value = rng.choice(VALUES)
        data[_key(rng, name) if rng.random() < 0.1 else camel(name)] = value
    if rng.random() < 0.05:  # a name given twice, as alias and as itself
        name = rng.choice(_field_names(cls))
        data[name] = data[camel(name)] = rng.choice(VALUES)
    return data


def _exact_value(rng: random.Random, cls: type, name: str) -> Any:
    check = _CHECKS[cls][name]
    for value in rng.sample(VALUES, len(VALUES)):
        try:
            check(value)
        except Exception:
            continue
        return value
    return rng.choice(VALUES)


def _pydantic(data: dict[str, Any]) -> tuple[Settings, list[str]]:
    model, problems = validate(copy.deepcopy(data))
    assert model is not None
    return settings_of(model), problems


@pytest.mark.parametrize("key", ["", "sk-secret", "sk bad"])
def test_random_settings_give_what_pydantic_gives(monkeypatch, key: str) -> None:
    monkeypatch.setenv("DEBUGLLM_ENDPOINT_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("DEBUGLLM_API_KEY", key)
    rng = random.Random(f"settings-{key}")
    exact = fallback = 0
    for case in range(1500):
        data = _section(rng, Settings, exact_bias=case / 1500)
        exact += exact_settings(copy.deepcopy(data)) is not None
        fallback += exact_settings(copy.deepcopy(data)) is None
        settings, problems = load_settings(copy.deepcopy(data))
        expected, expected_problems = _pydantic(data)
        assert (settings, problems) == (expected, expected_problems), data
        assert settings.fingerprint() == expected.fingerprint()
    # Both ways were taken often enough for the comparison to mean something.
    assert exact > 300 and fallback > 300, (exact, fallback)


def test_defaults_and_names_are_pydantics(monkeypatch) -> None:
    monkeypatch.setenv("DEBUGLLM_MODEL", "adapter")
    assert settings_of(SettingsModel()) == Settings()
    for cls, model in MODELS.items():
        names = _field_names(cls)
        assert names == list(model.model_fields)
        assert [camel(name) for name in names] == [to_camel(name) for name in names]
        checked = [*_CHECKS[cls], *(_SECTIONS if cls is Settings else ())]
        assert sorted(checked) == sorted(names)


def test_the_secret_stays_out_of_reprs() -> None:
    settings, problems = load_settings({"endpoint": {"apiKey": "sk-hidden"}})
    assert problems == []
    assert settings.endpoint.api_key.get_secret_value() == "sk-hidden"
    assert "sk-hidden" not in repr(settings) and "sk-hidden" not in settings.fingerprint()


def test_every_value_of_every_field_gives_what_pydantic_gives() -> None:
    compared = 0
    for cls, checks in _CHECKS.items():
        section = next((key for key, kind in _SECTIONS.items() if kind is cls), None)
        for name in checks:
            for value in VALUES:
                data = {camel(name): value}
                if section is not None:
                    data = {section: data}
                assert load_settings(copy.deepcopy(data)) == _pydantic(data), data
                compared += 1
    assert compared == len(VALUES) * sum(len(checks) for checks in _CHECKS.values())
