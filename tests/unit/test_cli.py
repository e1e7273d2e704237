import io
import json
import subprocess
import sys
from pathlib import Path

from debugllm.cli import main

BUGGY = "def f(x)\n    return x\n"
FIXED = "def f(x):\n    return x\n"


def run_cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "debugllm.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_lines_contract(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(BUGGY)
    done = run_cli("fix", "--json", "--offline", str(path))
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.splitlines()
    record = json.loads(line)
    assert record["path"] == str(path)
    assert record["fixed_source"] == FIXED
    assert record["remaining_errors"] == 0
    assert isinstance(record["elapsed_ms"], float)
    (diagnostic,) = record["diagnostics"]
    assert diagnostic["code"] == "syntax-error" and diagnostic["source"] == "debugllm"
    (fix,) = record["fixes"]
    assert fix["source"] == "embedded" and fix["verified"] is True
    assert fix["explanation"] and fix["title"]
    assert fix["edits"] == [
        {
            "range": {"start": {"line": 0, "character": 8}, "end": {"line": 0, "character": 8}},
            "newText": ":",
        }
    ]


def test_exit_codes_and_io_errors_do_not_stop_other_files(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(BUGGY)
    latin1 = tmp_path / "latin1.py"
    latin1.write_bytes("s = 'caf\xe9'\n".encode("latin-1"))
    done = run_cli("fix", "--json", str(tmp_path / "missing.py"), str(latin1), str(good))
    assert done.returncode == 2
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(tmp_path / "missing.py"), str(latin1), str(good)]
    assert "error" in records[0] and "error" in records[1]
    assert "not UTF-8" in records[1]["error"]
    assert records[2]["fixed_source"] == FIXED
    assert "missing.py" in done.stderr


def test_exit_1_when_errors_remain_and_usage_errors_exit_2() -> None:
    done = run_cli("fix", "-", stdin="x = = = 1 ((\n")
    assert done.returncode in (0, 1)
    if done.returncode == 1:
        assert "error" in done.stdout
    assert run_cli("frobnicate").returncode == 2
    assert run_cli("fix").returncode == 2


def test_write_applies_fixes_in_place_and_keeps_crlf(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(BUGGY.replace("\n", "\r\n").encode())
    done = run_cli("fix", "--write", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_human_output_shows_location_explanation_and_diff(tmp_path: Path) -> None:
    path = tmp_path / "h.py"
    path.write_text(BUGGY)
    out = io.StringIO()
    sys_stdout = sys.stdout
    sys.stdout = out
    try:
        code = main(["fix", str(path)])
    finally:
        sys.stdout = sys_stdout
    text = out.getvalue()
    assert code == 0
    assert f"{path}:1:9: error [syntax-error] expected ':'" in text
    assert "+def f(x):" in text and "-def f(x)" in text


def test_stdin_is_read_with_dash() -> None:
    done = run_cli("fix", "--json", "-", stdin=BUGGY)
    record = json.loads(done.stdout)
    assert record["path"] == "-" and record["fixed_source"] == FIXED


def test_the_example_file_gets_its_safe_fixes_and_shows_the_rename() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "buggy.py"
    done = run_cli("fix", "--json", str(example))
    record = json.loads(done.stdout)
    # The misspelt `lenght` stays: a rename is unsafe, offered for review, not applied.
    assert done.returncode == 1, record
    fixed = record["fixed_source"]
    compile(fixed, "buggy.py", "exec")
    assert "def average(numbers):" in fixed
    assert "if score == 100:" in fixed and "elif score > 50:" in fixed
    assert "lenght(numbers)" in fixed
    rename = [f for f in record["fixes"] if f["kind"] == "name-typo"]
    assert rename and rename[0]["applicability"] == "unsafe" and not rename[0]["applied"]
    assert all(f["applicability"] == "safe" for f in record["fixes"] if f["applied"])


def test_unsafe_fixes_flag_applies_the_rename_too() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "buggy.py"
    done = run_cli("fix", "--json", "--unsafe-fixes", str(example))
    record = json.loads(done.stdout)
    assert done.returncode == 0, record
    fixed = record["fixed_source"]
    compile(fixed, "buggy.py", "exec")
    assert "len(numbers)" in fixed and "if score == 100:" in fixed
    # The unused import was never shown (the file did not parse), so it is not removed.
    assert "import os" in fixed


def test_a_guess_is_offered_for_review_and_never_written(tmp_path: Path) -> None:
    # Which operator replaced by '=' is a guess ('==' here; '+' was meant): shown, not applied.
    source = "x = (c >= 1) = (d == 1)\n"
    path = tmp_path / "guess.py"
    path.write_text(source)
    done = run_cli("fix", "--offline", "--write", str(path))
    assert done.returncode == 1, done.stdout
    assert "a guess: review before applying" in done.stdout
    assert path.read_text() == source
    done = run_cli("fix", "--json", "--offline", str(path))
    (fix,) = json.loads(done.stdout)["fixes"]
    assert fix["guess"] is True and fix["preferred"] is False and fix["applied"] is False
    assert fix["edits"][0]["newText"] == "="  # the minimal edit: '=' becomes '=='
