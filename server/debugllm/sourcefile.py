"""Reading and writing Python source files faithfully.

A file is decoded the way CPython decodes it (``tokenize.detect_encoding``: a UTF-8 BOM, a
PEP 263 coding cookie on line 1 or 2, else UTF-8) and written back in the same encoding, with
the BOM if it had one, so the bytes outside the edited spans stay as they were. Line endings
are kept as they are: the bytes are decoded directly, never through universal newlines.

Writing is atomic and checked: the new bytes go to a temporary file in the same folder, which
replaces the original only once fully written and synced, and only if the original is still
what was read (size, mtime and SHA-256). A failure at any step leaves the original untouched.
"""

from __future__ import annotations

import codecs
import contextlib
import io
import os
import re
import stat
import tokenize
from dataclasses import dataclass
from typing import BinaryIO

#: The suffixes of Python source files (case-insensitive: ``.PY`` on case-insensitive disks).
PYTHON_SUFFIXES = (".py", ".pyi", ".pyw")

_BOM = codecs.BOM_UTF8
#: The interpreter named by a shebang: ``python``, ``python3``, ``python3.11``, ``pypy3``.
_PYTHON_INTERPRETER = re.compile(r"(?:python|pypy)[0-9.]*")
#: Every printable ASCII character and the line breaks: an encoding that does not keep these
#: as the same bytes cannot hold Python source (CPython refuses a ``utf-16`` cookie likewise).
_ASCII_PROBE = "".join(chr(c) for c in range(32, 127)) + "\t\r\n"


class SourceError(Exception):
    """A file that cannot be read or written as Python source; ``str(exc)`` says why.

    The message starts with the path, as the CLI prints it after ``debugllm: ``.
    """


class ChangedOnDisk(SourceError):
    """The file changed between reading and writing: it is left as it is, not overwritten."""


@dataclass(frozen=True)
class Fingerprint:
    """What identifies the bytes that were read: checked again just before writing."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class SourceFile:
    """A decoded source file and what writing it back needs."""

    path: str
    text: str
    encoding: str  # a codec name as ``tokenize.detect_encoding`` gives it, never "utf-8-sig"
    bom: bool
    #: ``None`` for standard input, which is never written.
    fingerprint: Fingerprint | None

    def encode(self, text: str) -> bytes:
        """``text`` in the file's own encoding; ``SourceError`` if it cannot hold it."""
        return encode_source(self.path, text, self.encoding, self.bom)


def is_python_path(path: str, raw: bytes) -> bool:
    """Whether ``path`` (with the bytes ``raw`` it holds) is Python source.

    By its suffix; a file with no or another suffix (a script in ``bin/``) by its shebang.
    """
    if path.lower().endswith(PYTHON_SUFFIXES):
        return True
    first = raw.removeprefix(_BOM).split(b"\n", 1)[0]
    if not first.startswith(b"#!"):
        return False
    words = first[2:].decode("utf-8", "replace").split()
    if not words:
        return False
    program = os.path.basename(words[0])
    if program == "env":
        # `#!/usr/bin/env -S python3 -u`, `#!/usr/bin/env PYTHONPATH=. python3`: skip options.
        rest = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        program = os.path.basename(rest[0]) if rest else ""
    return _PYTHON_INTERPRETER.fullmatch(program) is not None


def decode_source(name: str, raw: bytes) -> tuple[str, str, bool]:
    """``(text, encoding, bom)`` of ``raw`` as CPython reads a source file.

    ``name`` only labels the messages of the ``SourceError`` raised when it cannot be read.
    """
    bom = raw.startswith(_BOM)
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        # No cookie and a first line that is not UTF-8: say where, as for any other line.
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as bad:
            raise SourceError(f"{name}: not UTF-8 text (byte {bad.start}: {bad.reason})") from exc
        raise SourceError(f"{name}: {exc.msg}") from exc
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    if _ASCII_PROBE.encode(encoding, "replace") != _ASCII_PROBE.encode("ascii"):
        raise SourceError(f"{name}: encoding problem: {encoding} (not ASCII-compatible)")
    body = raw[len(_BOM) :] if bom else raw
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        where = exc.start + (len(_BOM) if bom else 0)
        label = "UTF-8" if encoding == "utf-8" else encoding
        raise SourceError(f"{name}: not {label} text (byte {where}: {exc.reason})") from exc
    return text, encoding, bom


def encode_source(name: str, text: str, encoding: str, bom: bool) -> bytes:
    """``text`` encoded as the file was: never in another encoding than the one declared."""
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        char = exc.object[exc.start]
        line = exc.object.count("\n", 0, exc.start) + 1
        raise SourceError(
            f"{name}: cannot write: the fixed text has {char!r} (U+{ord(char):04X}) on line "
            f"{line}, which {encoding} cannot encode; not written"
        ) from exc
    return _BOM + data if bom else data


def read_source(path: str, *, force_python: bool = False, writable: bool = True) -> SourceFile:
    """Read and decode ``path``; ``SourceError`` when it cannot be read or is not Python.

    ``writable=False``: the file will not be written back, so it gets no fingerprint (hashing
    it would be wasted work) and ``write_source`` refuses it.
    """
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            raw = handle.read()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if not force_python and not is_python_path(path, raw):
        raise SourceError(f"{path}: not a Python file (use --force-python to check it anyway)")
    text, encoding, bom = decode_source(path, raw)
    if not writable:
        return SourceFile(path, text, encoding, bom, None)
    # The fingerprint is of the bytes decoded, so a write can tell whether they are still there.
    fingerprint: Fingerprint | None = _fingerprint(raw, info)
    if not _round_trips(text, encoding, bom, raw):
        # A codec that does not give back the same bytes (a stateful one) could change lines
        # the fix never touched: such a file is checked, but never written.
        fingerprint = None
    return SourceFile(path, text, encoding, bom, fingerprint)


def _round_trips(text: str, encoding: str, bom: bool, raw: bytes) -> bool:
    try:
        return encode_source("", text, encoding, bom) == raw
    except SourceError:
        return False


def read_stream(name: str, stream: BinaryIO) -> SourceFile:
    """Decode a byte stream (standard input) like a file; it is never written back."""
    text, encoding, bom = decode_source(name, stream.read())
    return SourceFile(name, text, encoding, bom, None)


def _fingerprint(raw: bytes, info: os.stat_result) -> Fingerprint:
    import hashlib  # only for a file that may be written (OpenSSL's start costs a few ms)

    return Fingerprint(len(raw), info.st_mtime_ns, hashlib.sha256(raw).hexdigest())


def _fingerprint_of(path: str) -> Fingerprint:
    with open(path, "rb") as handle:
        info = os.fstat(handle.fileno())
        raw = handle.read()
    return _fingerprint(raw, info)


def _check_unchanged(source: SourceFile, target: str) -> None:
    try:
        now = _fingerprint_of(target)
    except OSError as exc:
        raise SourceError(f"{source.path}: cannot write: {exc.strerror or exc}") from exc
    if now != source.fingerprint:
        raise ChangedOnDisk(f"{source.path}: changed on disk since it was read; not written")


def write_source(source: SourceFile, text: str) -> bool:
    """Replace the file's content by ``text``, atomically; ``False`` when there is nothing to do.

    Raises ``SourceError`` (``ChangedOnDisk`` if the file is no longer what was read) and then
    the original is untouched and no temporary file is left behind.
    """
    if text == source.text:
        return False
    if source.fingerprint is None:
        raise SourceError(
            f"{source.path}: cannot write: {source.encoding} does not give back the bytes read; "
            "not written"
        )
    data = source.encode(text)
    # Through a symlink the target is written, so the link stays a link.
    target = os.path.realpath(source.path)
    try:
        info = os.stat(target)
    except OSError as exc:
        raise SourceError(f"{source.path}: cannot write: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise SourceError(f"{source.path}: cannot write: not a regular file; not written")
    if info.st_nlink > 1:
        # Replacing the file would detach it from its other names, which would keep the old text.
        raise SourceError(
            f"{source.path}: cannot write: it has {info.st_nlink} hard links; not written"
        )
    if not os.access(target, os.W_OK) or not info.st_mode & 0o222:
        # A read-only file says "do not change me" (to root too, who may write anything):
        # os.replace would otherwise succeed, as the folder is what it changes.
        raise SourceError(f"{source.path}: cannot write: Permission denied")
    _check_unchanged(source, target)
    folder, name = os.path.split(target)
    import tempfile  # only to write: a check that writes nothing never loads it (nor shutil)

    try:
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".debugllm-tmp", dir=folder)
    except OSError as exc:
        raise SourceError(f"{source.path}: cannot write: {exc.strerror or exc}") from exc
    try:
        with open(fd, "wb", closefd=True) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            # The owner first: changing it clears the set-user/group-ID bits chmod restores.
            _copy_owner(handle.fileno(), info)
            os.fchmod(handle.fileno(), stat.S_IMODE(info.st_mode))
        # Checked again as late as possible: an edit saved while the CLI worked is kept.
        _check_unchanged(source, target)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise SourceError(f"{source.path}: cannot write: {exc.strerror or exc}") from exc
        raise
    _sync_folder(folder)
    return True


def _copy_owner(fd: int, info: os.stat_result) -> None:
    """Give the new file the original's owner and group when allowed (root), else its group."""
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.fchown(fd, info.st_uid, info.st_gid)
    except OSError:
        # Not root: a member of the original's group may still keep it; the owner is the user.
        with contextlib.suppress(OSError):
            os.fchown(fd, -1, info.st_gid)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable (best effort: not every system can open a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
