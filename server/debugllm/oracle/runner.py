"""Running the user's tests: once as given, then per candidate, always on a temporary copy.

The user's files never change: the project is copied to a temporary folder (without virtual
environments, VCS data and caches) and every run happens there. Each run has a timeout, runs in
its own process group and the whole group is killed afterwards, so nothing is left behind.
A pytest command gets a ``PytestWorker`` (one interpreter for the whole search, a fork per
candidate); any other command is run again per candidate and judged by its exit status.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

#: Folders never copied: environments, VCS data, caches, build output.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "env",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "build",
        "dist",
        ".eggs",
    }
)
#: The largest project copied (bytes); a larger one is refused with a message.
MAX_COPY_BYTES = 200 * 1024**2
WORKER = Path(__file__).with_name("worker.py")


class RunnerError(Exception):
    """The tests could not be run (a message for the user)."""


@dataclass(frozen=True)
class TestCommand:
    """A parsed test command: pytest (its interpreter and arguments) or any other program."""

    __test__ = False  # not a pytest test class

    argv: tuple[str, ...]
    #: The interpreter that runs pytest, or ``None`` when the command is not pytest.
    interpreter: str | None = None
    pytest_args: tuple[str, ...] = ()

    @classmethod
    def parse(cls, command: str) -> TestCommand:
        try:
            argv = tuple(shlex.split(command))
        except ValueError as error:
            raise RunnerError(f"cannot read the test command: {error}") from None
        if not argv:
            raise RunnerError("the test command is empty")
        program = os.path.basename(argv[0])
        if program in ("pytest", "py.test"):
            return cls(argv, _interpreter_of(argv[0]), argv[1:])
        if program.startswith("python") and argv[1:3] == ("-m", "pytest"):
            found = shutil.which(argv[0]) or argv[0]
            return cls(argv, found, argv[3:])
        return cls(argv)


#: pytest options that change nothing of which tests run and how (the worker's own run of the
#: command's tests is then the command's run).
_NEUTRAL_OPTIONS = frozenset(
    {"-x", "--exitfirst", "-q", "-qq", "-v", "-vv", "-s", "--capture=no", "-l", "--showlocals"}
)
#: Configuration files whose ``addopts`` the worker does not apply (it runs with ``addopts=``).
_PYTEST_CONFIGS = ("pytest.ini", ".pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


def runs_like_session(command: TestCommand, root: Path) -> bool:
    """Whether the worker, which collected the command's test paths, runs what the command
    runs: only paths and neutral options, and no ``addopts`` in the project's configuration."""
    if command.interpreter is None:
        return False
    args = list(command.pytest_args)
    while args:
        arg = args.pop(0)
        if arg == "-p" and args and args[0] == "no:cacheprovider":
            args.pop(0)
        elif not (
            arg in _NEUTRAL_OPTIONS
            or arg.startswith("--tb=")
            or (not arg.startswith("-") and (root / arg.split("::", 1)[0]).exists())
        ):
            return False
    for name in _PYTEST_CONFIGS:
        with contextlib.suppress(OSError, UnicodeDecodeError):
            if "addopts" in (root / name).read_text(encoding="utf-8"):
                return False
    return True


def _interpreter_of(script: str) -> str:
    """The interpreter of a ``pytest`` console script (its shebang), else the running one."""
    found = shutil.which(script)
    if found:
        try:
            with open(found, "rb") as handle:
                first = handle.readline().decode("utf-8", "replace").strip()
        except OSError:
            first = ""
        if first.startswith("#!"):
            parts = first[2:].split()
            if parts and os.path.basename(parts[0]).startswith("python"):
                return parts[0]
    return sys.executable


@dataclass(frozen=True)
class CommandResult:
    exit_code: int | None
    output: str
    timed_out: bool
    seconds: float


@dataclass
class RunResult:
    """One candidate's run: which tests passed and failed (pytest), or the exit status."""

    status: str  # "done", "timeout" or "crash"
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    exit_code: int | None = None
    lines: dict[str, list[int]] = field(default_factory=dict)
    seconds: float = 0.0
    #: Seconds per test (session runs).
    durations: dict[str, float] = field(default_factory=dict)
    #: The first failure's traceback and the summary lines (``report`` runs).
    output: str = ""

    @property
    def green(self) -> bool:
        return self.status == "done" and self.exit_code == 0 and not self.failed


def copy_project(root: Path, into: Path) -> None:
    """Copy ``root`` into ``into`` without environments, caches and VCS data."""
    total = 0

    def ignore(folder: str, names: list[str]) -> set[str]:
        nonlocal total
        skipped = {n for n in names if n in SKIPPED_DIRS or n.endswith(".egg-info")}
        for name in names:
            path = os.path.join(folder, name)
            if name in skipped:
                continue
            if os.path.isdir(path) and os.path.exists(os.path.join(path, "pyvenv.cfg")):
                skipped.add(name)
            elif os.path.isfile(path):
                total += os.path.getsize(path)
        if total > MAX_COPY_BYTES:
            raise RunnerError(f"the project is larger than {MAX_COPY_BYTES >> 20} MB to copy")
        return skipped

    shutil.copytree(root, into, ignore=ignore, symlinks=True, dirs_exist_ok=True)


def kill_group(process: subprocess.Popen[Any]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("PYTEST_ADDOPTS", None)
    return env


def run_command(argv: tuple[str, ...], cwd: Path, timeout: float) -> CommandResult:
    """Run ``argv`` in ``cwd`` with a timeout; the whole process group is killed afterwards."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=_environment(),
        )
    except OSError as error:
        raise RunnerError(f"cannot run {argv[0]}: {error.strerror or error}") from None
    timed_out = False
    try:
        raw, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(process)
        raw, _ = process.communicate()
    finally:
        kill_group(process)
    return CommandResult(
        None if timed_out else process.returncode,
        raw.decode("utf-8", "replace"),
        timed_out,
        time.monotonic() - started,
    )


class PytestSession:
    """The worker for one search (worker.py): pytest collects ``tests`` once, then runs them
    against candidate versions of one function, each in a forked child."""

    def __init__(self, interpreter: str, root: Path, tests: list[str]) -> None:
        self.root = root
        self.interpreter = interpreter
        self.items: list[str] = []
        self._ready = False
        try:
            self.process = subprocess.Popen(
                [interpreter, str(WORKER), str(root), *tests],
                cwd=root,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                start_new_session=True,
                env=_environment(),
                text=True,
            )
        except OSError as error:
            raise RunnerError(f"cannot start {interpreter}: {error.strerror or error}") from None

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait for the worker to have collected the tests."""
        if self._ready:
            return
        ready = self._read(timeout)
        if ready is None or not ready.get("ready"):
            self.close()
            raise RunnerError(f"pytest could not collect the tests with {self.interpreter}")
        self.items = list(ready.get("items", ()))
        self._ready = True

    def _read(self, timeout: float) -> dict[str, Any] | None:
        stdout = self.process.stdout
        assert stdout is not None
        if not _wait_readable(stdout, timeout):
            return None
        line = stdout.readline()
        if not line:
            return None
        answer: dict[str, Any] = json.loads(line)
        return answer

    def try_function(
        self,
        path: str,
        qualname: str,
        source: str | None,
        tests: list[str],
        timeout: float,
        *,
        stop: bool = True,
        trace: bool = False,
        test_timeout: float = 0.0,
        test_floor: float = 0.0,
        report: bool = False,
        trace_budget: float = 0.0,
        trace_always: tuple[str, ...] = (),
    ) -> RunResult:
        """Run ``tests`` with the function ``qualname`` of ``path`` (relative to the copy)
        compiled from ``source`` (``None``: as it is), stopping at the first failure unless
        ``stop`` is false; ``trace`` records the lines of ``path`` each test ran. Status
        ``unpatchable`` when the function's code cannot be swapped. ``test_timeout`` fails a
        single test that runs longer (0: only the whole run's ``timeout``); with ``test_floor``
        the limit shrinks, once a test passed or ran into it, to ten times the slowest pass
        (not below the floor); ``report`` gives the first failure's traceback in ``output``.
        With ``trace_budget`` (seconds), tests after that much traced time run untraced except
        ``trace_always``."""
        self.wait_ready()
        request = {
            "path": str(self.root / path),
            "qualname": qualname,
            "source": source,
            "tests": tests,
            "timeout": timeout,
            "stop": stop,
            "trace": trace,
            "test_timeout": test_timeout,
            "test_floor": test_floor,
            "report": report,
            "trace_budget": trace_budget,
            "trace_always": list(trace_always),
        }
        stdin = self.process.stdin
        assert stdin is not None
        try:
            stdin.write(json.dumps(request) + "\n")
            stdin.flush()
        except OSError:
            raise RunnerError("the test worker stopped") from None
        answer = self._read(timeout + 10.0)
        if answer is None:
            self.close()
            raise RunnerError("the test worker stopped answering")
        return RunResult(
            answer["status"],
            list(answer.get("passed", ())),
            list(answer.get("failed", ())),
            answer.get("exit"),
            {k: list(v) for k, v in answer.get("lines", {}).items()},
            float(answer.get("seconds", 0.0)),
            {k: float(v) for k, v in answer.get("durations", {}).items()},
            str(answer.get("output", "")),
        )

    def close(self) -> None:
        if self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        kill_group(self.process)
        if self.process.stdout:
            self.process.stdout.close()


def _wait_readable(stream: IO[str], timeout: float) -> bool:
    import selectors

    with selectors.DefaultSelector() as selector:
        selector.register(stream, selectors.EVENT_READ)
        return bool(selector.select(timeout))


class Sandbox:
    """A temporary copy of the project, removed on exit."""

    def __init__(self, root: Path) -> None:
        self.source_root = root
        self._tmp = tempfile.TemporaryDirectory(prefix="debugllm-tests-")
        self.root = Path(self._tmp.name) / root.name
        copy_project(root, self.root)

    def close(self) -> None:
        self._tmp.cleanup()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
