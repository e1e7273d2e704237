"""``[tool.debugllm]`` in pyproject.toml: found by walking up, under the editor's settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from debugllm.cli import main
from debugllm.config import find_pyproject, minimum_python, project_config
from debugllm.settings import load_settings

UNUSED = "import os\n\nprint(1)\n"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_closest_project_file_is_found_from_a_nested_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.debugllm]\nunsafe-fixes = true\n")
    write(tmp_path / "pkg" / "pyproject.toml", "[build-system]\nrequires = []\n")  # no project
    source = write(tmp_path / "pkg" / "sub" / "m.py", UNUSED)
    assert find_pyproject(str(source)) == str(tmp_path / "pyproject.toml")
    assert project_config(str(source)).settings == {"unsafeFixes": True}


def test_keys_are_the_editor_settings_in_kebab_or_camel_case(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.debugllm]\ntarget-version = 'py312'\n"
        "[tool.debugllm.diagnostics]\ndisabled-checks = ['unused-import']\n"
        "[tool.debugllm.repair]\nbudgetMs = 500\n",
    )
    config = project_config(str(tmp_path / "m.py"))
    settings, problems = load_settings({}, config.settings)
    assert problems == [] and config.problems == ()
    assert settings.target == (3, 12)
    assert "unused-import" not in settings.diagnostics.enabled_checks()
    assert settings.repair.budget_ms == 500


def test_a_project_file_cannot_choose_the_endpoint(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.debugllm]\nendpoint = { url = 'http://evil/v1' }\n")
    config = project_config(str(tmp_path / "m.py"))
    assert config.settings == {}
    assert "endpoint" in config.problems[0] and "ignored" in config.problems[0]


def test_requires_python_is_the_default_target_version(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\nrequires-python = '>=3.12,<4'\n")
    settings, _ = load_settings({}, project_config(str(tmp_path / "m.py")).settings)
    assert settings.target == (3, 12)
    assert minimum_python("~=3.11") == (3, 11) and minimum_python("<4") is None


def test_editor_settings_win_over_the_file(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.debugllm]\nunsafe-fixes = true\n")
    project = project_config(str(tmp_path / "m.py")).settings
    assert load_settings({}, project)[0].unsafe_fixes is True
    assert load_settings({"unsafeFixes": False}, project)[0].unsafe_fixes is False


def test_a_broken_project_file_is_reported_and_ignored(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[project\n")
    assert project_config(str(tmp_path / "m.py")).settings == {}


def test_the_cli_reads_the_project_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "m.py", UNUSED)
    main(["fix", "--offline", "--json", str(source)])
    assert json.loads(capsys.readouterr().out)["diagnostics"]
    write(
        tmp_path / "pyproject.toml",
        "[tool.debugllm.diagnostics]\ndisabled-checks = ['unused-import']\n",
    )
    assert main(["fix", "--offline", "--json", str(source)]) == 0
    assert json.loads(capsys.readouterr().out)["diagnostics"] == []


def test_unsafe_fixes_from_the_project_file_apply_with_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write(tmp_path / "m.py", UNUSED)
    write(tmp_path / "pyproject.toml", "[tool.debugllm]\nunsafe-fixes = true\n")
    main(["fix", "--offline", "--write", str(source)])
    assert source.read_text() == "\nprint(1)\n"


def test_a_bad_target_version_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fix", "--target-version", "2.7", "-"])
    assert exited.value.code == 2
    assert "3.12" in capsys.readouterr().err
