from debugllm.settings import load_settings


def test_defaults_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DEBUGLLM_ENDPOINT_URL", "http://127.0.0.1:8000/v1")
    monkeypatch.setenv("DEBUGLLM_API_KEY", "sk-secret")
    monkeypatch.setenv("DEBUGLLM_MODEL", "my-adapter")
    settings, problems = load_settings({})
    assert problems == []
    assert settings.endpoint.url == "http://127.0.0.1:8000/v1"
    assert settings.endpoint.model == "my-adapter"
    assert settings.endpoint.api_key.get_secret_value() == "sk-secret"
    assert "sk-secret" not in repr(settings)


def test_editor_settings_override_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("DEBUGLLM_MODEL", "from-env")
    settings, _ = load_settings({"endpoint": {"model": "from-editor"}})
    assert settings.endpoint.model == "from-editor"


def test_camel_case_keys_and_disabled_checks() -> None:
    settings, problems = load_settings(
        {"diagnostics": {"debounceMs": 50, "disabledChecks": ["unused-import"]}}
    )
    assert problems == []
    assert settings.diagnostics.debounce_ms == 50
    assert "unused-import" not in settings.diagnostics.enabled_checks()
    assert "undefined-name" in settings.diagnostics.enabled_checks()


def test_bad_values_fall_back_to_defaults_one_by_one() -> None:
    settings, problems = load_settings(
        {
            "diagnostics": {"debounceMs": -5, "enable": False},
            "repair": {"budgetMs": "soon"},
            "bogus": 1,
        }
    )
    assert settings.diagnostics.debounce_ms == 300  # default kept
    assert settings.diagnostics.enable is False  # the good value survives
    assert settings.repair.budget_ms == 1000
    text = " ".join(problems)
    assert "debugllm.diagnostics.debounceMs" in text
    assert "debugllm.repair.budgetMs" in text
    assert "debugllm.bogus" in text


def test_a_non_object_is_reported() -> None:
    settings, problems = load_settings(["not", "a", "dict"])  # type: ignore[arg-type]
    assert settings.diagnostics.enable is True
    assert problems and "must be an object" in problems[0]
