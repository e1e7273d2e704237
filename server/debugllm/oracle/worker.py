"""The test worker: runs pytest on candidate versions of a module, one forked child each.

Started by ``runner.PytestWorker`` as a script (``python worker.py ROOT``) with the interpreter
that runs the user's tests, so it imports nothing of DebugLLM, only the standard library and
pytest. It imports pytest once; each request forks a child that runs ``pytest.main`` in its own
process group with memory and CPU limits, so a candidate costs a fork and a collection instead of
an interpreter start. Requests and answers are JSON lines on stdin/stdout; the children's own
output goes to /dev/null.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import tempfile
import time
from typing import Any

#: The address space a child may use (an endless list append must not take the machine down).
MEMORY_LIMIT = 2 * 1024**3


class _Collector:
    """A pytest plugin recording each test's outcome and, when asked, the lines it ran."""

    def __init__(self, trace_file: str | None) -> None:
        self.passed: list[str] = []
        self.failed: list[str] = []
        self.lines: dict[str, list[int]] = {}
        self.trace_file = os.path.realpath(trace_file) if trace_file else None
        self._current: set[int] = set()
        self._ours: dict[str, bool] = {}

    def _tracer(self, frame: Any, event: str, arg: Any) -> Any:
        name = frame.f_code.co_filename
        ours = self._ours.get(name)
        if ours is None:
            ours = self._ours[name] = os.path.realpath(name) == self.trace_file
        if not ours:
            return None
        if event in ("line", "call"):
            self._current.add(frame.f_lineno)
        return self._tracer

    def pytest_runtest_call(self, item: Any) -> Any:
        # A hook wrapper: tracing stops before pytest formats a failure.
        if not self.trace_file:
            return (yield)
        self._current = set()
        sys.settrace(self._tracer)
        try:
            return (yield)
        finally:
            sys.settrace(None)
            self.lines[item.nodeid] = sorted(self._current)

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed and report.nodeid not in self.failed:
            self.failed.append(report.nodeid)
        elif report.when == "call" and report.passed:
            self.passed.append(report.nodeid)

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(report.nodeid or "<collection>")


def _limit(cpu_seconds: float) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        cpu = int(cpu_seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    except (ImportError, ValueError, OSError):  # not every platform has every limit
        pass


def _child(request: dict[str, Any], result_path: str) -> None:
    os.setpgid(0, 0)
    _limit(float(request["timeout"]))
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    import pytest

    collector = _Collector(request.get("trace"))
    args = [*request["args"], "-p", "no:cacheprovider", "-q", "--no-header", "-o", "addopts="]
    code = pytest.main(args, plugins=[collector])
    with open(result_path, "w", encoding="utf-8") as out:
        json.dump(
            {
                "exit": int(code),
                "passed": collector.passed,
                "failed": collector.failed,
                "lines": collector.lines,
            },
            out,
        )
    os._exit(0)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def run(request: dict[str, Any]) -> dict[str, Any]:
    """Write the request's files, run pytest in a child, and report what passed and failed."""
    for path, text in request.get("files", {}).items():
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    handle, result_path = tempfile.mkstemp(suffix=".json")
    os.close(handle)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        try:
            _child(request, result_path)
        finally:
            os._exit(70)
    status = _wait(pid, started + float(request["timeout"]))
    _kill_group(pid)  # the child's own subprocesses too
    answer: dict[str, Any] = {"status": status, "seconds": time.monotonic() - started}
    try:
        with open(result_path, encoding="utf-8") as result:
            answer.update(json.load(result))
    except (OSError, ValueError):
        if status == "done":
            answer["status"] = "crash"
    finally:
        os.unlink(result_path)
    return answer


class _Session:
    """A pytest plugin that collects once, then runs candidates instead of the test loop.

    Each candidate is a new body for one function of the module under repair: a forked child
    swaps the function's code object (so every reference the tests hold sees it), runs the
    chosen tests with pytest's own ``runtestprotocol`` and reports, within the timeout.
    """

    def __init__(self, protocol_in: Any, protocol_out: Any) -> None:
        self.input = protocol_in
        self.output = protocol_out

    def _send(self, answer: dict[str, Any]) -> None:
        self.output.write(json.dumps(answer) + "\n")
        self.output.flush()

    def pytest_runtestloop(self, session: Any) -> bool:
        items = {item.nodeid: item for item in session.items}
        self._send({"ready": True, "items": list(items)})
        for line in self.input:
            self._send(self._try(items, json.loads(line)))
        return True

    def _try(self, items: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        handle, result_path = tempfile.mkstemp(suffix=".json")
        os.close(handle)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                _limit(float(request["timeout"]))
                outcome = _patched_run(items, request)
                with open(result_path, "w", encoding="utf-8") as out:
                    json.dump(outcome, out)
            finally:
                os._exit(0)
        status = _wait(pid, started + float(request["timeout"]))
        answer: dict[str, Any] = {"status": status, "seconds": time.monotonic() - started}
        try:
            with open(result_path, encoding="utf-8") as result:
                answer.update(json.load(result))
        except (OSError, ValueError):
            if status == "done":
                answer["status"] = "crash"
        finally:
            os.unlink(result_path)
        return answer


def _find_code(code: Any, qualname: str) -> Any:
    for const in code.co_consts:
        if hasattr(const, "co_qualname"):
            if const.co_qualname == qualname:
                return const
            found = _find_code(const, qualname)
            if found is not None:
                return found
    return None


def _patched_run(items: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """In the forked child: swap in the candidate's code, run the tests, stop at a failure."""
    import inspect

    from _pytest.runner import runtestprotocol

    path = os.path.realpath(request["path"])
    qualname = request["qualname"]
    module = next(
        (
            m
            for m in list(sys.modules.values())
            if os.path.realpath(str(getattr(m, "__file__", None) or "")) == path
        ),
        None,
    )
    if module is None:
        return {"status": "unpatchable"}
    new_code = _find_code(compile(request["source"], path, "exec"), qualname)
    target: Any = module
    try:
        for part in qualname.split("."):
            target = inspect.getattr_static(target, part)
        if isinstance(target, staticmethod | classmethod):
            target = target.__func__
        target = inspect.unwrap(target)
        target.__code__ = new_code
    except (AttributeError, TypeError, ValueError):
        return {"status": "unpatchable"}
    selected = [items[n] for n in request["tests"] if n in items]
    passed: list[str] = []
    failed: list[str] = []
    for index, item in enumerate(selected):
        following = selected[index + 1] if index + 1 < len(selected) else None
        reports = runtestprotocol(item, nextitem=following, log=False)
        if any(r.failed for r in reports):
            failed.append(item.nodeid)
            break
        passed.append(item.nodeid)
    return {"passed": passed, "failed": failed, "exit": 1 if failed else 0}


def _wait(pid: int, deadline: float) -> str:
    """Wait for a child until ``deadline``; kill it (and its process group) then."""
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return "done"
        time.sleep(0.001)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "timeout"


def session_main(root: str, args: list[str]) -> None:
    """``worker.py ROOT --session ARGS``: collect ARGS once, then serve candidates."""
    # pytest replaces sys.stdin and captures fds 1 and 2: the protocol keeps its own copies.
    protocol_in = os.fdopen(os.dup(0), "r")
    protocol_out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    import pytest

    session = _Session(protocol_in, protocol_out)
    pytest.main(
        [*args, "-p", "no:cacheprovider", "-q", "-o", "addopts=", "-p", "no:randomly"],
        plugins=[session],
    )
    protocol_out.write(json.dumps({"ready": False}) + "\n")  # collection failed
    protocol_out.flush()


def _preload() -> None:
    """Import pytest, its own plugins and the installed ones once, before the forks."""
    import importlib

    import pytest
    from _pytest.config import default_plugins

    # Marked here: this module must import without pytest (the search's own interpreter).
    pytest.hookimpl(wrapper=True)(_Collector.pytest_runtest_call)
    pytest.hookimpl(tryfirst=True)(_Session.pytest_runtestloop)

    names = [f"_pytest.{name}" for name in default_plugins]
    if not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        from importlib.metadata import entry_points

        names += [entry.module for entry in entry_points(group="pytest11")]
    for name in names:
        with contextlib.suppress(Exception):
            importlib.import_module(name)


def main() -> None:
    os.chdir(sys.argv[1])
    sys.path.insert(0, sys.argv[1])
    sys.dont_write_bytecode = True  # candidates of equal size and mtime must not hit a stale .pyc
    _preload()
    if sys.argv[2:3] == ["--session"]:
        session_main(sys.argv[1], sys.argv[3:])
        return

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(run(request)), flush=True)


if __name__ == "__main__":
    main()
