"""Source files are read as CPython reads them and written back faithfully, atomically, safely."""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import re
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from debugllm import cli, filecheck, parallel, sourcefile
from debugllm.sourcefile import (
    ChangedOnDisk,
    SourceError,
    is_python_path,
    read_source,
    write_source,
)

BUGGY = "def f(x)\n    return x\n"
FIXED = "def f(x):\n    return x\n"


def run_cli(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "debugllm.cli", *args],
        input=stdin,
        capture_output=True,
        timeout=60,
    )


def main(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in this process (a subprocess costs seconds of imports): status, out, err."""
    code = cli.main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def fix_colon(raw: bytes) -> bytes:
    """The expected bytes: only the ':' inserted, every other byte as it was."""
    assert raw.count(b"def f(x)") == 1
    return raw.replace(b"def f(x)", b"def f(x):")


# --- encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "cookie", "text", "newline"),
    [
        ("latin-1", "# -*- coding: latin-1 -*-", "s = 'café ñ ß'", "\n"),
        ("koi8-r", "# -*- coding: koi8-r -*-", "s = 'привет, мир'", "\r\n"),
        ("cp1252", "# coding: cp1252", "s = '€ “quoted” \u2013 dash'", "\r\n"),
    ],
)
def test_a_declared_encoding_round_trips_byte_for_byte(
    tmp_path: Path, encoding: str, cookie: str, text: str, newline: str
) -> None:
    lines = ["#!/usr/bin/env python3", cookie, text, *BUGGY.splitlines(), "t = " + text[4:]]
    raw = newline.join(lines).encode(encoding) + newline.encode()
    path = tmp_path / "coded.py"
    path.write_bytes(raw)
    source = read_source(str(path))
    assert text in source.text and f"def f(x){newline}" in source.text  # CRLF kept as it is
    assert not source.bom
    fixed = source.text.replace("def f(x)", "def f(x):")
    assert write_source(source, fixed) is True
    assert path.read_bytes() == fix_colon(raw)


@pytest.mark.parametrize(
    "cookie",
    ["# -*- coding: latin-1 -*-\r\n", "#!/usr/bin/python3\r\n# vim: set fileencoding=koi8-r :\r\n"],
)
def test_the_cli_fixes_a_file_with_a_coding_cookie_in_its_own_encoding(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cookie: str
) -> None:
    encoding = "latin-1" if "latin-1" in cookie else "koi8-r"
    body = "s = 'déjà'\r\n" if encoding == "latin-1" else "s = 'ещё'\r\n"
    raw = (cookie + body + BUGGY.replace("\n", "\r\n")).encode(encoding)
    path = tmp_path / "coded.py"
    path.write_bytes(raw)
    code, _, err = main(capsys, "fix", "--offline", "--write", str(path))
    assert code == 0, err
    assert path.read_bytes() == fix_colon(raw)


def test_a_utf8_bom_is_kept_and_never_shown_as_a_character(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = b"\xef\xbb\xbf" + "s = 'é'\r\n".encode() + BUGGY.replace("\n", "\r\n").encode()
    path = tmp_path / "bom.py"
    path.write_bytes(raw)
    source = read_source(str(path))
    assert source.bom and source.encoding == "utf-8" and not source.text.startswith("\ufeff")
    code, _, err = main(capsys, "fix", "--offline", "--write", str(path))
    assert code == 0, err
    assert path.read_bytes() == fix_colon(raw)


def test_standard_input_honours_a_bom_and_a_cookie(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fix_stdin(raw: bytes) -> dict[str, object]:
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))
        code, out, err = main(capsys, "fix", "--json", "--offline", "-")
        assert code == 0, err
        record: dict[str, object] = json.loads(out)
        return record

    record = fix_stdin(b"\xef\xbb\xbf" + BUGGY.encode())
    # One error (the missing ':'), not also an "invalid character U+FEFF".
    assert len(record["diagnostics"]) == 1  # type: ignore[arg-type]
    assert record["fixed_source"] == FIXED
    coded = "# coding: latin-1\ns = 'é'\n"
    assert fix_stdin(coded.encode("latin-1") + BUGGY.encode())["fixed_source"] == coded + FIXED


def test_undecodable_and_undeclared_encodings_are_refused_with_the_reason(tmp_path: Path) -> None:
    cases = {
        "nocookie.py": ("s = 'caf\xe9'\n".encode("latin-1"), "not UTF-8 text (byte 8"),
        "late.py": ("x = 1\n\n# coding: latin-1\ns = 'é'\n".encode("latin-1"), "not UTF-8"),
        "unknown.py": (b"# coding: klingon\nx = 1\n", "unknown encoding: klingon"),
        "utf16.py": (b"# coding: utf-16\nx = 1\n", "encoding problem: utf-16"),
        "bomcookie.py": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem"),
    }
    for name, (raw, reason) in cases.items():
        (tmp_path / name).write_bytes(raw)
        with pytest.raises(SourceError, match=re.escape(reason)):
            read_source(str(tmp_path / name))


def test_a_fix_the_encoding_cannot_hold_is_refused_and_the_file_kept(tmp_path: Path) -> None:
    raw = "# coding: latin-1\ns = 'café'\n".encode("latin-1")
    path = tmp_path / "l1.py"
    path.write_bytes(raw)
    source = read_source(str(path))
    with pytest.raises(SourceError, match=r"'→' \(U\+2192\) on line 3, which iso-8859-1 cannot"):
        write_source(source, source.text + "arrow = '→'\n")
    assert path.read_bytes() == raw
    assert sorted(os.listdir(tmp_path)) == ["l1.py"]


# --- atomic, checked writes ------------------------------------------------------------------


def test_a_write_that_fails_part_way_leaves_the_original_intact(tmp_path: Path) -> None:
    # The reviewer's `ulimit -f 8`: the file may grow to 8 KiB only, so the write fails midway.
    # SIGXFSZ is ignored so the write raises EFBIG instead of killing the process.
    original = BUGGY + "".join(f"CONSTANT_{i:05d} = {i}\n" for i in range(1200))
    path = tmp_path / "big.py"
    path.write_text(original)
    size = path.stat().st_size
    assert size > 3 * 8192
    script = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))\n"
        "from debugllm.cli import main\n"
        f"sys.exit(main(['fix', '--offline', '--write', {str(path)!r}]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert f"debugllm: {path}: cannot write: File too large" in done.stderr
    assert path.read_text() == original and path.stat().st_size == size
    assert os.listdir(tmp_path) == ["big.py"]  # no temporary file left behind


def test_an_edit_saved_while_the_cli_works_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "edited.py"
    path.write_text(BUGGY)
    other = tmp_path / "other.py"
    other.write_text(BUGGY)
    saved = "# saved by the editor meanwhile\n" + BUGGY
    real_fix_source = filecheck.fix_source

    async def fix_then_edit(*args: object, **kwargs: object) -> filecheck.FileResult:
        result = await real_fix_source(*args, **kwargs)  # type: ignore[arg-type]
        if result.path == str(path):
            path.write_text(saved)  # the user saves while the fixes are computed
        return result

    monkeypatch.setattr(filecheck, "fix_source", fix_then_edit)
    # Two files run in worker processes: forked from here, they carry the patch (a fork
    # server's workers import filecheck afresh).
    monkeypatch.setattr(parallel, "_start_context", lambda: multiprocessing.get_context("fork"))
    code = cli.main(["fix", "--offline", "--write", str(path), str(other)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"debugllm: {path}: changed on disk since it was read; not written" in err
    assert path.read_text() == saved
    assert other.read_text() == FIXED  # the other files are still written
    assert sorted(os.listdir(tmp_path)) == ["edited.py", "other.py"]


def test_a_change_just_before_the_replace_is_caught_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "late.py"
    path.write_text(BUGGY)
    source = read_source(str(path))
    real_copy_owner = sourcefile._copy_owner

    def edit_meanwhile(fd: int, info: os.stat_result) -> None:
        real_copy_owner(fd, info)
        # Same size, different bytes: only the hash can tell.
        path.write_text(BUGGY.replace("x", "y"))

    monkeypatch.setattr(sourcefile, "_copy_owner", edit_meanwhile)
    with pytest.raises(ChangedOnDisk, match="changed on disk since it was read"):
        write_source(source, FIXED)
    assert path.read_text() == BUGGY.replace("x", "y")
    assert os.listdir(tmp_path) == ["late.py"]


def test_a_touched_file_with_the_same_bytes_counts_as_changed(tmp_path: Path) -> None:
    path = tmp_path / "touched.py"
    path.write_text(BUGGY)
    source = read_source(str(path))
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ChangedOnDisk):
        write_source(source, FIXED)
    assert path.read_text() == BUGGY


def test_through_a_symlink_the_target_is_written_and_the_link_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "target.py"
    target.write_text(BUGGY)
    link = tmp_path / "link.py"
    link.symlink_to(target)
    code, _, err = main(capsys, "fix", "--offline", "--write", str(link))
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == FIXED
    assert os.listdir(tmp_path / "real") == ["target.py"]


def test_mode_is_preserved(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "script.py"
    path.write_text("#!/usr/bin/env python3\n" + BUGGY)
    path.chmod(0o751)
    code, _, err = main(capsys, "fix", "--offline", "--write", str(path))
    assert code == 0, err
    assert path.read_text() == "#!/usr/bin/env python3\n" + FIXED
    assert stat.S_IMODE(path.stat().st_mode) == 0o751


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write in a read-only folder")
def test_a_read_only_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "a.py"
    path.write_text(BUGGY)
    folder.chmod(0o555)
    try:
        done = run_cli("fix", "--offline", "--write", str(path))
    finally:
        folder.chmod(0o755)
    assert done.returncode == 2
    assert f"debugllm: {path}: cannot write: Permission denied" in done.stderr.decode()
    assert path.read_text() == BUGGY and os.listdir(folder) == ["a.py"]


def test_no_temporary_file_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # What a read-only folder does to a user other than root (the test may run as root).
    path = tmp_path / "a.py"
    path.write_text(BUGGY)

    def refuse(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)  # sourcefile imports it when writing
    assert cli.main(["fix", "--offline", "--write", str(path)]) == 2
    assert f"debugllm: {path}: cannot write: Permission denied" in capsys.readouterr().err
    assert path.read_text() == BUGGY


def test_a_read_only_file_is_not_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ro.py"
    path.write_text(BUGGY)
    path.chmod(0o444)
    code, _, err = main(capsys, "fix", "--offline", "--write", str(path))
    assert code == 2
    assert f"debugllm: {path}: cannot write: Permission denied" in err
    assert path.read_text() == BUGGY and stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_hard_linked_file_is_not_detached_from_its_other_names(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "a.py"
    path.write_text(BUGGY)
    os.link(path, tmp_path / "b.py")
    code, _, err = main(capsys, "fix", "--offline", "--write", str(path))
    assert code == 2
    assert f"debugllm: {path}: cannot write: it has 2 hard links; not written" in err
    assert path.read_text() == BUGGY == (tmp_path / "b.py").read_text()


def test_nothing_is_written_when_nothing_changes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "clean.py"
    path.write_text(FIXED)
    before = path.stat().st_mtime_ns
    assert main(capsys, "fix", "--offline", "--write", str(path))[0] == 0
    assert path.stat().st_mtime_ns == before


# --- only Python files -----------------------------------------------------------------------


def test_files_that_are_not_python_are_refused_and_left_byte_identical(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    others = {
        "app.js": b"// app\nconst x = 1\n",
        "notes.md": b"# notes\n\ndef f(x)\n",
        "data.json": b'{"ok": true, "n": null}\n',
    }
    for name, raw in others.items():
        (tmp_path / name).write_bytes(raw)
    good = tmp_path / "good.py"
    good.write_text(BUGGY)
    paths = [str(tmp_path / name) for name in others]
    done = run_cli("fix", "--offline", "--write", "--json", *paths, str(good))
    assert done.returncode == 2
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["path"] for r in records] == [*paths, str(good)]
    for path, record in zip(paths, records, strict=False):
        message = f"{path}: not a Python file (use --force-python to check it anyway)"
        assert record == {"path": path, "error": message}
        assert f"debugllm: {message}" in done.stderr.decode()
    for name, raw in others.items():
        assert (tmp_path / name).read_bytes() == raw
    assert good.read_text() == FIXED


def test_force_python_checks_any_file_and_a_shebang_is_enough(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "tool"
    script.write_text("#!/usr/bin/env python3\n" + BUGGY)
    text = tmp_path / "snippet.txt"
    text.write_text(BUGGY)
    assert main(capsys, "fix", "--offline", "--write", str(script), str(text))[0] == 2
    assert script.read_text() == "#!/usr/bin/env python3\n" + FIXED
    assert text.read_text() == BUGGY
    code, _, err = main(capsys, "fix", "--offline", "--write", "--force-python", str(text))
    assert code == 0, err
    assert text.read_text() == FIXED


def test_the_flag_is_documented(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["fix", "--help"])
    out = capsys.readouterr().out
    assert "--force-python" in out and "atomically" in out


@pytest.mark.parametrize(
    ("path", "first_line", "expected"),
    [
        ("a.py", b"", True),
        ("stubs.pyi", b"", True),
        ("gui.pyw", b"", True),
        ("UPPER.PY", b"", True),
        ("tool", b"#!/usr/bin/env python3", True),
        ("tool", b"#!/usr/bin/python3.11 -u", True),
        ("tool", b"#! /usr/local/bin/python", True),
        ("tool", b"#!/usr/bin/env -S python3 -X dev", True),
        ("tool", b"\xef\xbb\xbf#!/usr/bin/env pypy3", True),
        ("tool.cgi", b"#!/usr/bin/python2.7", True),
        ("tool", b"#!/bin/sh", False),
        ("tool", b"#!/usr/bin/env node", False),
        ("tool", b"#!/usr/bin/env pythonista-runner", False),
        ("app.js", b"// python", False),
        ("README", b"python is nice", False),
        ("data.json", b"", False),
    ],
)
def test_what_counts_as_a_python_file(path: str, first_line: bytes, expected: bool) -> None:
    assert is_python_path(path, first_line + b"\nx = 1\n") is expected
