"""The clean verdicts of ``debugllm fix``: an unchanged file found without problems is answered
from the cache, byte for byte as the checker answers, and anything it depends on is a miss."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from debugllm.analysis.analyzer import AnalysisOptions
from debugllm.filecheck import ProjectCheck, fix_source, print_human, result_json
from debugllm.verdicts import clean_report

CLEAN = "import sys\n\n\ndef main() -> int:\n    return len(sys.argv)\n"

#: One run of the CLI in a fresh interpreter: its output, exit status, and whether the checker
#: was loaded (a cached verdict needs none of it).
PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from debugllm.cli import main
out = io.StringIO()
with redirect_stdout(out):
    status = main(sys.argv[1:])
print(json.dumps({"out": out.getvalue(), "status": status,
                  "checked": "debugllm.filecheck" in sys.modules}))
"""


def _cli(tmp_path: Path, *args: str, **env: str) -> dict[str, object]:
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache"), **env}
    environment.pop("DEBUGLLM_NO_CACHE", None)
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, "fix", "--offline", *args],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_cached_report_is_the_checkers_report_for_a_clean_file() -> None:
    check = ProjectCheck(AnalysisOptions(), lambda: None)  # type: ignore[arg-type,return-value]
    result = asyncio.run(fix_source(check, "pkg/m.py", CLEAN, 1.0))
    human = io.StringIO()
    print_human(result, human)
    assert human.getvalue() == clean_report("pkg/m.py", False, 0.0)
    report = result_json(result)
    report["elapsed_ms"] = 1.5
    assert json.dumps(report, ensure_ascii=False) + "\n" == clean_report("pkg/m.py", True, 1.5)


def test_an_unchanged_clean_file_is_answered_without_the_checker(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(CLEAN)
    first = _cli(tmp_path, "m.py")
    second = _cli(tmp_path, "m.py")
    assert first["checked"] and not second["checked"]
    assert first["out"] == second["out"] == "m.py: no problems found\n"
    assert first["status"] == second["status"] == 0
    as_json = _cli(tmp_path, "--json", "m.py")
    assert not as_json["checked"]
    assert json.loads(str(as_json["out"]))["diagnostics"] == []
    # Off when asked.
    assert _cli(tmp_path, "--no-cache", "m.py")["checked"]
    assert _cli(tmp_path, "m.py", DEBUGLLM_NO_CACHE="1")["checked"]


def test_an_edit_the_settings_or_a_problem_means_the_checker_runs(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text(CLEAN)
    _cli(tmp_path, "m.py")
    # The file changed: checked, and the error found.
    source.write_text(CLEAN.replace("def main() -> int:", "def main() -> int"))
    broken = _cli(tmp_path, "m.py")
    assert broken["checked"] and "expected ':'" in str(broken["out"])
    assert _cli(tmp_path, "m.py")["checked"]  # a file with problems is never recorded
    # Back to the clean text: its verdict still holds.
    source.write_text(CLEAN)
    assert not _cli(tmp_path, "m.py")["checked"]
    # A pyproject.toml above it appears: checked again (settings may change the analysis).
    (tmp_path / "pyproject.toml").write_text('[tool.debugllm]\ntarget-version = "3.11"\n')
    assert _cli(tmp_path, "m.py")["checked"]
    assert not _cli(tmp_path, "m.py")["checked"]
    # Another target version on the command line: another verdict.
    assert _cli(tmp_path, "--target-version", "3.12", "m.py")["checked"]


def test_a_warning_or_a_settings_message_is_never_cached(tmp_path: Path) -> None:
    source = tmp_path / "m.py"
    source.write_text("import os\n")  # an unused import: a warning, exit status 0
    assert _cli(tmp_path, "m.py")["status"] == 0
    assert _cli(tmp_path, "m.py")["checked"]
    (tmp_path / "pyproject.toml").write_text("[tool.debugllm]\nno-such-setting = 1\n")
    source.write_text(CLEAN)
    _cli(tmp_path, "m.py")
    assert _cli(tmp_path, "m.py")["checked"]  # the message about the setting must repeat


def test_a_file_saved_while_it_was_checked_gets_no_verdict(tmp_path: Path, monkeypatch) -> None:
    # The verdict is named for the bytes read first; the checker then reads the file again. If
    # the editor saved in between, the clean text checked is not the text the name stands for.
    import debugllm.filecheck as filecheck
    from debugllm.cli import main

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DEBUGLLM_NO_CACHE", raising=False)
    source = tmp_path / "m.py"
    broken = CLEAN.replace("def main() -> int:", "def main() -> int")
    source.write_text(broken)
    read = filecheck.read_input

    def saved_meanwhile(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        source.write_text(CLEAN)  # the save lands after the verdict's bytes were read
        return read(path, *args, **kwargs)

    monkeypatch.setattr(filecheck, "read_input", saved_meanwhile)
    monkeypatch.chdir(tmp_path)
    assert main(["fix", "--offline", "m.py"]) == 0  # it checked the clean text
    monkeypatch.setattr(filecheck, "read_input", read)
    source.write_text(broken)
    assert not list((tmp_path / "cache").rglob("clean/*/*"))  # nothing recorded


def _folder_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    environment.pop("DEBUGLLM_NO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-m", "debugllm.cli", "fix", "--offline", *args],
        env=environment,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def _verdicts(tmp_path: Path) -> int:
    return len(list((tmp_path / "cache").rglob("clean/*/*")))


def test_a_folder_run_answers_the_unchanged_clean_files_from_their_verdicts(
    tmp_path: Path, monkeypatch
) -> None:
    import argparse

    from debugllm import parallel

    project = tmp_path / "proj"
    project.mkdir()
    for i in range(4):
        (project / f"clean{i}.py").write_text(CLEAN.replace("main", f"main{i}"))
    (project / "broken.py").write_text("def f(x)\n    return x\n")
    (project / "warn.py").write_text("import os\n")
    first = _folder_run(tmp_path, "proj")
    assert _verdicts(tmp_path) == 4  # the clean files only
    second = _folder_run(tmp_path, "proj")
    assert (second.stdout, second.stderr, second.returncode) == (
        first.stdout,
        first.stderr,
        first.returncode,
    )
    assert "proj/broken.py:1:9: error [syntax-error] expected ':'" in second.stdout
    # In the parent: which files the verdicts answer.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DEBUGLLM_NO_CACHE", raising=False)
    options = argparse.Namespace(no_cache=False, target_version=None, force_python=False, json=True)
    paths = sorted(str(p) for p in project.iterdir())
    known = parallel._known_clean(options, paths)
    assert sorted(Path(p).name for p in known) == [f"clean{i}.py" for i in range(4)]
    report = json.loads(known[str(project / "clean0.py")].out)
    assert report["diagnostics"] == [] and report["remaining_errors"] == 0
    (project / "clean0.py").write_text(CLEAN + "\n")  # an edit: checked again
    assert str(project / "clean0.py") not in parallel._known_clean(options, paths)
    assert (
        parallel._known_clean(argparse.Namespace(**{**vars(options), "no_cache": True}), paths)
        == {}
    )
    # With --no-cache the whole folder is checked, with the same report.
    again = _folder_run(tmp_path, "--no-cache", "proj")
    assert again.stdout.replace("clean0.py: no", "") == second.stdout.replace("clean0.py: no", "")


def test_a_folder_run_records_no_verdict_after_a_settings_message(tmp_path: Path) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.debugllm]\nno-such-setting = 1\n")
    for i in range(3):
        (project / f"clean{i}.py").write_text(CLEAN)
    first = _folder_run(tmp_path, "proj")
    assert "no-such-setting" in first.stderr
    assert _verdicts(tmp_path) == 0
    second = _folder_run(tmp_path, "proj")
    assert "no-such-setting" in second.stderr  # said again: the files were checked again
    assert second.stdout == first.stdout
