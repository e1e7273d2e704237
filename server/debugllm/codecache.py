"""A persistent cache of the code that attrs and dataclasses generate and compile at import.

``import lsprotocol.types`` builds ~570 attrs classes; attrs writes the source of their methods
and calls ``compile()`` on it ~560 times, about 40% of that import (the slowest step before the
first diagnostics). ``dataclasses`` does the same through ``exec()`` of source text for every
``@dataclass``: about 120 calls and a third of ``import debugllm.cli``. A code object is a
function of its source, file name, compiler flags and interpreter alone, so this module keeps
the compiled code in a file of the user's cache dir and gives it back for the same source, as
``__pycache__`` does for modules.

How: for the duration of an import, ``attr._make`` gets a module global ``compile`` (and
``dataclasses`` a module global ``exec``) that shadows the builtin; neither module relies on
anything else, and if it stops calling the builtin there, the cache simply stays unused. Each
entry is keyed on the generated source, its file name and the flags; the file on the
interpreter (version, bytecode magic, optimisation level) and on the installed library files
(their paths, sizes and times). Anything unexpected - no cache dir, an unreadable, truncated or
foreign file, a failed write, a call shape other than the library's own - falls back to the
builtin silently. ``DEBUGLLM_NO_CODE_CACHE=1`` turns it off.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import marshal
import os
import sys
import types
import zlib
from collections.abc import Callable, Iterator
from typing import Any

_MAGIC = b"debugllm-code-2\n"
#: Rewrite the file when more than this share of the compilations missed it.
_STALE_SHARE = 0.1
#: Files of installs not used for this long are removed when another file is written.
_UNUSED_S = 30 * 24 * 3600


def cache_dir() -> str | None:
    """The user's cache directory for DebugLLM (None when there is no usable one)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA", "")
    elif sys.platform == "darwin":
        base = os.path.expanduser("~/Library/Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME", "")
        if not os.path.isabs(base):  # the XDG spec: a relative path is to be ignored
            base = os.path.expanduser("~/.cache")
    return os.path.join(base, "debugllm") if os.path.isabs(base) else None


class CodeCache:
    """The cached code of one library install, and what this run compiled."""

    def __init__(
        self, module: types.ModuleType, path: str, install: str, shadowed: str = "compile"
    ) -> None:
        self._module = module
        #: The builtin the module's calls go through: ``compile`` (attrs) or ``exec``.
        self._shadowed = shadowed
        self.path = path
        #: The interpreter and library files the code was compiled for (``_install``): a file
        #: written for another is ignored, whatever its name.
        self.install_key = install
        # attrs calls compile() without dont_inherit: the code gets attr._make's future flags
        # (exec() of text compiles with its caller's too).
        self._inherited = 0
        for name in __future__.all_feature_names:
            feature = getattr(__future__, name)
            flag: int = feature.compiler_flag
            if vars(module).get(name) is feature:
                self._inherited |= flag
        self.entries = _read(path, install)
        self.used: dict[str, types.CodeType] = {}
        self.misses = 0

    def compile(self, source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or type(source) is not str or type(filename) is not str or mode != "exec":
            return self._compile(source, filename, mode, *args, **kwargs)
        # The whole input is the key (no digest: hashlib's OpenSSL import alone costs ~5 ms).
        key = f"{self._inherited}\0{filename}\0{source}"
        code = self.entries.get(key)
        if code is None:
            code = self._compile(source, filename, mode)
            self.misses += 1
        self.used[key] = code
        return code

    def _compile(
        self,
        source: Any,
        filename: Any,
        mode: Any,
        flags: int = 0,
        dont_inherit: bool = False,
        optimize: int = -1,
        **kwargs: Any,
    ) -> Any:
        """The builtin, with the future flags it inherits when attr._make calls it."""
        if not dont_inherit:
            flags |= self._inherited
        return builtins.compile(source, filename, mode, flags, True, optimize, **kwargs)

    def exec(self, source: Any, globals: Any = None, locals: Any = None, *args: Any) -> None:
        """``exec`` as the shadowed module calls it (``dataclasses``: source text and a
        namespace), with the source's code from the cache."""
        if args or type(source) is not str:
            builtins.exec(source, globals, locals, *args)
            return
        if globals is None:  # the builtin would run it in its caller's module: the shadowed one
            globals = vars(self._module)
        builtins.exec(self.compile(source, "<string>", "exec"), globals, locals)

    def install(self) -> None:
        setattr(self._module, self._shadowed, getattr(self, self._shadowed))

    def uninstall(self) -> None:
        if vars(self._module).get(self._shadowed) == getattr(self, self._shadowed):
            delattr(self._module, self._shadowed)

    def save_if_stale(self) -> None:
        """Write this run's code when the file missed too much of it (new install, first run)."""
        if self.misses <= _STALE_SHARE * len(self.used):
            return
        import tempfile  # only when writing: not worth its import on every start

        body = marshal.dumps(self.used)
        head = self.install_key.encode("utf-8", "surrogatepass")
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".code-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + len(head).to_bytes(4, "big") + head)
                f.write(zlib.crc32(body).to_bytes(4, "big") + body)
            os.replace(temporary, self.path)  # atomic: a concurrent start reads old or new
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
        _prune(directory, self.path)


def _prune(directory: str, keep: str) -> None:
    """Remove the files of installs unused for a month (each Python, attrs or venv has its own;
    a file in use is rewritten when it goes stale, and read, not written, in between)."""
    import time

    old = time.time() - _UNUSED_S
    with os.scandir(directory) as entries:
        for entry in entries:
            if entry.name.endswith(".marshal") and "-code-" in entry.name and entry.path != keep:
                with contextlib.suppress(OSError):
                    if entry.stat().st_atime < old and entry.stat().st_mtime < old:
                        os.unlink(entry.path)


def _read(path: str, install: str) -> dict[str, types.CodeType]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    head = install.encode("utf-8", "surrogatepass")
    start = len(_MAGIC) + 4 + len(head)
    expected = _MAGIC + len(head).to_bytes(4, "big") + head
    if data[:start] != expected or len(data) < start + 4:
        return {}
    digest, body = data[start : start + 4], data[start + 4 :]
    if zlib.crc32(body).to_bytes(4, "big") != digest:
        return {}
    try:
        entries = marshal.loads(body)
    except (EOFError, ValueError, TypeError):
        return {}
    if not isinstance(entries, dict) or not all(
        isinstance(key, str) and isinstance(code, types.CodeType) for key, code in entries.items()
    ):
        return {}
    return entries


def _install(*files: str) -> str:
    """What the cached code depends on besides its source: the interpreter, the libraries."""
    from importlib.util import MAGIC_NUMBER

    parts = [sys.version, MAGIC_NUMBER.hex(), str(sys.flags.optimize)]
    for path in files:
        stat = os.stat(path)
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return "\n".join(parts)


def _file(directory: str, prefix: str, install: str) -> str:
    """The cache file of ``install``; the name only spreads installs over files, the header
    says whose the code is."""
    return os.path.join(directory, f"{prefix}-{zlib.crc32(install.encode()):08x}.marshal")


def _open_attrs() -> CodeCache | None:
    if "lsprotocol.types" in sys.modules:
        return None
    directory = cache_dir()
    if directory is None:
        return None
    from importlib import import_module
    from importlib.util import find_spec

    make = import_module("attr._make")
    spec = find_spec("lsprotocol.types")
    if spec is None or spec.origin is None or make.__file__ is None:
        return None
    install = _install(make.__file__, spec.origin)
    return CodeCache(make, _file(directory, "attrs-code", install), install)


def _open_dataclasses(purpose: str) -> CodeCache | None:
    """The dataclass code of one entry point (``purpose``): the CLI and the server create
    different classes, and one file for both would be rewritten by each in turn."""
    directory = cache_dir()
    if directory is None:
        return None
    import dataclasses

    if dataclasses.__file__ is None:
        return None
    install = _install(dataclasses.__file__)
    path = _file(directory, f"dataclass-code-{purpose}", install)
    return CodeCache(dataclasses, path, install, "exec")


@contextlib.contextmanager
def _cached(*openers: Callable[[], CodeCache | None]) -> Iterator[None]:
    caches: list[CodeCache] = []
    if not os.environ.get("DEBUGLLM_NO_CODE_CACHE"):
        for opener in openers:
            try:
                cache = opener()
                if cache is not None:
                    cache.install()
                    caches.append(cache)
            except Exception:  # the cache is an optimisation: never a reason not to start
                pass
    try:
        yield
    finally:
        for cache in caches:
            with contextlib.suppress(Exception):
                cache.uninstall()
            with contextlib.suppress(Exception):
                cache.save_if_stale()


def cached_attrs_code() -> contextlib.AbstractContextManager[None]:
    """Serve attrs's and dataclasses' compilations from the cache while the block (importing
    the LSP stack and the server) runs."""
    return _cached(_open_attrs, lambda: _open_dataclasses("server"))


def cached_dataclass_code(purpose: str) -> contextlib.AbstractContextManager[None]:
    """Serve the compilations of ``@dataclass`` from the cache while the block runs."""
    return _cached(lambda: _open_dataclasses(purpose))
