"""A persistent cache of the code attrs compiles while lsprotocol loads.

``import lsprotocol.types`` builds ~570 attrs classes; attrs writes the source of their methods
and calls ``compile()`` on it ~560 times, about 40% of that import (the slowest step before the
first diagnostics). A code object is a function of its source, file name, compiler flags and
interpreter alone, so this module keeps the compiled code in one file of the user's cache dir
and gives it back for the same source, as ``__pycache__`` does for modules.

How: for the duration of the import, ``attr._make`` gets a module global ``compile`` that
shadows the builtin (it relies on nothing else of attrs: if attrs stops calling ``compile``
there, the cache simply stays unused). Each entry is keyed on the generated source, its file
name and the flags; the file on the interpreter (version, bytecode magic, optimisation level)
and on the installed attrs and lsprotocol (their files' paths, sizes and times). Anything
unexpected - no cache dir, an unreadable, truncated or foreign file, a failed write, a call
shape other than attrs's ``compile(script, filename, "exec")`` - falls back to the builtin
silently. ``DEBUGLLM_NO_CODE_CACHE=1`` turns it off.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import hashlib
import marshal
import os
import sys
import types
from collections.abc import Iterator
from typing import Any

_MAGIC = b"debugllm-attrs-code-1\n"
#: Rewrite the file when more than this share of the compilations missed it.
_STALE_SHARE = 0.1


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
    """The cached code of one attrs + lsprotocol install, and what this run compiled."""

    def __init__(self, module: types.ModuleType, path: str) -> None:
        self._module = module
        self.path = path
        # attrs calls compile() without dont_inherit: the code gets attr._make's future flags.
        self._inherited = 0
        for name in __future__.all_feature_names:
            feature = getattr(__future__, name)
            flag: int = feature.compiler_flag
            if vars(module).get(name) is feature:
                self._inherited |= flag
        self.entries = _read(path)
        self.used: dict[str, types.CodeType] = {}
        self.misses = 0

    def compile(self, source: Any, filename: Any, mode: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or type(source) is not str or type(filename) is not str or mode != "exec":
            return self._compile(source, filename, mode, *args, **kwargs)
        try:
            key = hashlib.sha256(
                f"{self._inherited}\0{filename}\0{source}".encode("utf-8", "surrogatepass")
            ).hexdigest()
        except Exception:
            return self._compile(source, filename, mode)
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

    def install(self) -> None:
        self._module.compile = self.compile  # type: ignore[attr-defined]

    def uninstall(self) -> None:
        if vars(self._module).get("compile") == self.compile:
            del self._module.compile

    def save_if_stale(self) -> None:
        """Write this run's code when the file missed too much of it (new install, first run)."""
        if self.misses <= _STALE_SHARE * len(self.used):
            return
        import tempfile  # only when writing: not worth its import on every start

        body = marshal.dumps(self.used)
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".attrs-code-", dir=directory)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_MAGIC + hashlib.sha256(body).digest() + body)
            os.replace(temporary, self.path)  # atomic: a concurrent start reads old or new
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _read(path: str) -> dict[str, types.CodeType]:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return {}
    start = len(_MAGIC) + 32
    head, digest, body = data[: len(_MAGIC)], data[len(_MAGIC) : start], data[start:]
    if head != _MAGIC or hashlib.sha256(body).digest() != digest:
        return {}
    entries = marshal.loads(body)
    if not isinstance(entries, dict) or not all(
        isinstance(key, str) and isinstance(code, types.CodeType) for key, code in entries.items()
    ):
        return {}
    return entries


def _install_key(*files: str) -> str:
    """What the cached code depends on besides its source: interpreter, attrs, lsprotocol."""
    from importlib.util import MAGIC_NUMBER

    parts = [sys.version, MAGIC_NUMBER.hex(), str(sys.flags.optimize)]
    for path in files:
        stat = os.stat(path)
        parts.append(f"{path}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:20]


def _open() -> CodeCache | None:
    if os.environ.get("DEBUGLLM_NO_CODE_CACHE") or "lsprotocol.types" in sys.modules:
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
    key = _install_key(make.__file__, spec.origin)
    return CodeCache(make, os.path.join(directory, f"attrs-code-{key}.marshal"))


@contextlib.contextmanager
def cached_attrs_code() -> Iterator[None]:
    """Serve attrs's compilations from the cache while the block (importing lsprotocol) runs."""
    cache: CodeCache | None = None
    try:
        cache = _open()
        if cache is not None:
            cache.install()
    except Exception:  # the cache is an optimisation: never a reason not to start
        cache = None
    try:
        yield
    finally:
        if cache is not None:
            with contextlib.suppress(Exception):
                cache.uninstall()
            with contextlib.suppress(Exception):
                cache.save_if_stale()
