"""``debugllm fix FOLDER``: which files a walk finds, and a parallel run's output."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from debugllm import parallel
from debugllm.cli import main
from debugllm.walk import python_files

BROKEN = "def f(x)\n    return x\n"
CLEAN = "def g(y):\n    return y\n"


def _tree(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _found(folder: Path) -> list[str]:
    return [Path(p).relative_to(folder).as_posix() for p in python_files(str(folder))]


def test_a_walk_skips_what_gitignore_exclude_and_the_defaults_leave_out(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    _tree(
        tmp_path,
        {
            ".gitignore": "generated/\n*_pb2.py\n!keep_pb2.py\n",
            "pyproject.toml": '[project]\nname = "x"\n\n[tool.debugllm]\n'
            'extend-exclude = ["fixtures/"]\n',
            "pkg/__init__.py": CLEAN,
            "pkg/mod.py": CLEAN,
            "pkg/stub.pyi": CLEAN,
            "pkg/notes.txt": "not python",
            "pkg/api_pb2.py": CLEAN,
            "pkg/keep_pb2.py": CLEAN,
            "pkg/generated/out.py": CLEAN,
            "pkg/sub/.gitignore": "local.py\n",
            "pkg/sub/local.py": CLEAN,
            "pkg/sub/other.py": CLEAN,
            "tests/fixtures/broken.py": BROKEN,
            "tests/test_a.py": CLEAN,
            ".venv/lib/site.py": CLEAN,
            "node_modules/x.py": CLEAN,
        },
    )
    assert _found(tmp_path) == [
        "pkg/__init__.py",
        "pkg/keep_pb2.py",
        "pkg/mod.py",
        "pkg/stub.pyi",
        "pkg/sub/other.py",
        "tests/test_a.py",
    ]
    # A parent's .gitignore applies to a walk that starts below it.
    assert _found(tmp_path / "pkg") == [
        "__init__.py",
        "keep_pb2.py",
        "mod.py",
        "stub.pyi",
        "sub/other.py",
    ]


def test_exclude_replaces_the_defaults(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pyproject.toml": '[tool.debugllm]\nexclude = ["skip.py"]\n',
            "skip.py": CLEAN,
            "venv/tool.py": CLEAN,
            "main.py": CLEAN,
        },
    )
    assert _found(tmp_path) == ["main.py", "venv/tool.py"]
    # Outside a repository a .gitignore means nothing to git, nor to the walk above it.
    _tree(tmp_path, {"sub/.gitignore": "*.py\n", "sub/a.py": CLEAN})
    assert _found(tmp_path / "sub") == []  # its own folder's .gitignore still applies


def test_a_bad_exclude_is_reported_and_ignored(tmp_path: Path) -> None:
    _tree(tmp_path, {"pyproject.toml": '[tool.debugllm]\nexclude = "x.py"\n', "x.py": BROKEN})
    err = io.StringIO()
    out = io.StringIO()
    assert _run(["fix", "--offline", str(tmp_path / "x.py")], out, err) == 0  # fixed
    assert "exclude must be a list of strings; ignored" in err.getvalue()


def _run(argv: list[str], out: io.StringIO, err: io.StringIO) -> int:
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        return main(argv)
    finally:
        sys.stdout, sys.stderr = saved


def _without_times(lines: str) -> list[dict[str, object]]:
    rows = [json.loads(line) for line in lines.splitlines()]
    for row in rows:
        row.pop("elapsed_ms", None)
    return rows


def test_a_folder_run_in_parallel_reports_what_file_by_file_runs_do(tmp_path: Path) -> None:
    names = [f"m{i:02d}.py" for i in range(12)]
    _tree(tmp_path, {name: BROKEN if i % 3 == 0 else CLEAN for i, name in enumerate(names)})
    (tmp_path / "bad.py").write_bytes(b"x = '\xff'\n")  # not UTF-8: an I/O error (exit 2)
    out, err = io.StringIO(), io.StringIO()
    status = _run(["fix", "--offline", "--json", str(tmp_path)], out, err)
    assert status == 2
    one_by_one = io.StringIO()
    for name in ["bad.py", *names]:
        _run(["fix", "--offline", "--json", str(tmp_path / name)], one_by_one, io.StringIO())
    assert _without_times(out.getvalue()) == _without_times(one_by_one.getvalue())
    assert err.getvalue().count("bad.py") == 1


def test_no_progress_bar_when_piped(tmp_path: Path) -> None:
    _tree(tmp_path, {f"m{i}.py": CLEAN for i in range(4)})
    done = subprocess.run(
        [sys.executable, "-m", "debugllm.cli", "fix", "--offline", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("no problems found") == 4
    assert "\r" not in done.stderr and "files" not in done.stderr


def test_the_progress_bar_shows_after_a_second_and_is_cleared(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = io.StringIO()
    progress = parallel.Progress(4, stream, width=4)
    progress.advance()
    assert stream.getvalue() == ""  # a quick run shows nothing
    monkeypatch.setattr(parallel, "PROGRESS_AFTER_S", 0.0)
    progress.advance()
    assert stream.getvalue() == "\r[##..] 2/4 files"
    progress.clear()
    assert stream.getvalue().endswith("\r\x1b[2K")
