"""The cache of the code attrs and dataclasses generate gives back exactly what ``compile``
makes, and falls back to it on anything unexpected."""

import __future__

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from debugllm import codecache
from debugllm.codecache import CodeCache, cached_attrs_code

#: A stand-in for attr._make: a module with ``from __future__ import annotations`` whose
#: functions call ``compile`` without ``dont_inherit``.
MAKER = (
    "from __future__ import annotations\n"
    "def make(script, name):\n"
    "    return compile(script, name, 'exec')\n"
)
SCRIPT = "def __init__(self, x: Later):\n    self.x = x\n"


def _maker() -> types.ModuleType:
    module = types.ModuleType("fake_make")
    exec(compile(MAKER, "<fake>", "exec", dont_inherit=True), vars(module))
    return module


def _same(a: types.CodeType, b: types.CodeType) -> bool:
    return a == b and a.co_filename == b.co_filename and a.co_flags == b.co_flags


def test_cached_code_is_what_compile_makes(tmp_path: Path) -> None:
    path = str(tmp_path / "code.marshal")
    module = _maker()
    plain = module.make(SCRIPT, "<attrs generated init C>")
    assert plain.co_flags & __future__.annotations.compiler_flag  # inherited from the module

    cold = CodeCache(module, path, "install")
    cold.install()
    first = module.make(SCRIPT, "<attrs generated init C>")
    cold.uninstall()
    assert "compile" not in vars(module)
    assert (cold.misses, len(cold.used)) == (1, 1)
    assert _same(first, plain)
    cold.save_if_stale()

    warm = CodeCache(module, path, "install")
    warm.install()
    again = module.make(SCRIPT, "<attrs generated init C>")
    other = module.make(SCRIPT, "<attrs generated init D>")  # another file name: not a hit
    warm.uninstall()
    assert warm.misses == 1 and len(warm.used) == 2
    assert _same(again, plain)
    assert _same(other, module.make(SCRIPT, "<attrs generated init D>"))


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign"])
def test_a_damaged_file_is_ignored(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "code.marshal"
    module = _maker()
    plain = module.make(SCRIPT, "<a>")
    cache = CodeCache(module, str(path), "install")
    cache.install()
    module.make(SCRIPT, "<a>")
    cache.uninstall()
    cache.save_if_stale()
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        path.write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    else:
        path.write_bytes(b"something else entirely")
    reread = CodeCache(module, str(path), "install")
    assert reread.entries == {}
    reread.install()
    assert _same(module.make(SCRIPT, "<a>"), plain)
    reread.uninstall()


def test_other_call_shapes_pass_through(tmp_path: Path) -> None:
    module = _maker()
    cache = CodeCache(module, str(tmp_path / "code.marshal"), "install")
    assert _same(
        cache.compile("x = 1", "<e>", "eval" if False else "exec"), module.make("x = 1", "<e>")
    )
    flag = __future__.annotations.compiler_flag  # what a call from the module inherits
    assert cache.compile("1 + 1", "<e>", "eval") == compile("1 + 1", "<e>", "eval", flag)
    with pytest.raises(SyntaxError):
        cache.compile("def (", "<bad>", "exec")
    assert cache.misses == 1 and len(cache.used) == 1  # the syntax error was not cached


def test_no_cache_dir_or_switched_off_means_the_plain_import(monkeypatch) -> None:
    monkeypatch.setenv("DEBUGLLM_NO_CODE_CACHE", "1")
    with cached_attrs_code():
        pass
    monkeypatch.delenv("DEBUGLLM_NO_CODE_CACHE")
    monkeypatch.setattr(codecache, "cache_dir", lambda: None)
    with cached_attrs_code():
        pass


#: Run twice with one cache dir: lsprotocol is loaded through the cache, and every code object
#: the cache serves is compared with a fresh ``compile`` of the same source.
PROBE = """
import json, sys, types
from debugllm import codecache
served = []
original = codecache.CodeCache.compile
def checked(self, source, filename, mode, *args, **kwargs):
    code = original(self, source, filename, mode, *args, **kwargs)
    fresh = self._compile(source, filename, mode, *args, **kwargs)
    served.append(code == fresh and code.co_filename == fresh.co_filename
                  and code.co_flags == fresh.co_flags)
    return code
codecache.CodeCache.compile = checked
with codecache.cached_attrs_code():
    import lsprotocol.types as t
    from lsprotocol.converters import get_converter
import attr._make
shape = get_converter().unstructure(t.Diagnostic(
    range=t.Range(t.Position(1, 2), t.Position(3, 4)), message="m", code="c",
    severity=t.DiagnosticSeverity.Warning))
print(json.dumps({"served": len(served), "same": all(served),
                  "shadow_left": "compile" in vars(attr._make), "shape": shape,
                  "eq": t.Position(1, 2) == t.Position(1, 2), "repr": repr(t.Position(1, 2))}))
"""


def test_lsprotocol_loads_the_same_through_the_cache(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
        )
        runs.append(json.loads(done.stdout))
    assert list((tmp_path / "debugllm").glob("attrs-code-*.marshal"))
    for run in runs:
        assert run["served"] > 500 and run["same"] and not run["shadow_left"]
        assert run["eq"] and run["repr"] == runs[0]["repr"] == "1:2"
        assert run["shape"] == runs[0]["shape"]


def test_a_file_written_for_another_install_is_ignored(tmp_path: Path) -> None:
    path = str(tmp_path / "code.marshal")
    module = _maker()
    cache = CodeCache(module, path, "python A")
    cache.install()
    module.make(SCRIPT, "<a>")
    cache.uninstall()
    cache.save_if_stale()
    assert CodeCache(module, path, "python A").entries
    assert CodeCache(module, path, "python B").entries == {}


def test_files_of_installs_unused_for_a_month_are_removed_on_the_next_write(
    tmp_path: Path,
) -> None:
    old = tmp_path / "attrs-code-00000000.marshal"
    recent = tmp_path / "dataclass-code-cli-11111111.marshal"
    other = tmp_path / "notes.txt"
    for path in (old, recent, other):
        path.write_bytes(b"x")
    month_ago = 31 * 24 * 3600
    os.utime(old, (old.stat().st_atime - month_ago, old.stat().st_mtime - month_ago))
    os.utime(other, (other.stat().st_atime - month_ago, other.stat().st_mtime - month_ago))
    module = _maker()
    cache = CodeCache(module, str(tmp_path / "attrs-code-22222222.marshal"), "install")
    cache.install()
    module.make(SCRIPT, "<a>")
    cache.uninstall()
    cache.save_if_stale()
    assert not old.exists() and recent.exists() and other.exists()


#: Run twice with one cache dir: the checker's modules are loaded with their dataclass code
#: through the cache, every code object served is compared with a fresh ``compile``, and the
#: classes behave as plain ones.
DATACLASS_PROBE = """
import dataclasses, json
from debugllm import codecache
served = []
original = codecache.CodeCache.compile
def checked(self, source, filename, mode, *args, **kwargs):
    code = original(self, source, filename, mode, *args, **kwargs)
    fresh = compile(source, filename, mode, dont_inherit=True)
    served.append(code == fresh and code.co_filename == fresh.co_filename
                  and code.co_flags == fresh.co_flags)
    return code
codecache.CodeCache.compile = checked
with codecache.cached_dataclass_code("cli"):
    import debugllm.filecheck
    from debugllm.problems import Problem, Severity
p = Problem(code="undefined-name", message="m", start=1, end=2, line=1,
            severity=Severity.ERROR)
try:
    p.message = "changed"
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
print(json.dumps({"served": len(served), "same": all(served), "frozen": frozen,
                  "shadow_left": "exec" in vars(dataclasses),
                  "eq": p == dataclasses.replace(p), "repr": repr(p)[:20]}))
"""


def test_the_checker_loads_the_same_through_the_dataclass_cache(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = []
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-c", DATACLASS_PROBE],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        runs.append(json.loads(done.stdout))
    assert list((tmp_path / "debugllm").glob("dataclass-code-cli-*.marshal"))
    for run in runs:
        # One compilation per method (3.11, 3.12) or per class (3.13): about 120 or 23.
        assert run["served"] >= 20 and run["same"] and run["frozen"] and run["eq"]
        assert not run["shadow_left"] and run["repr"] == runs[0]["repr"]
