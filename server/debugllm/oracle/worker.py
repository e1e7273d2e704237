"""The test worker: collects the user's tests once, then runs them against candidate functions.

Started by ``runner.PytestSession`` as a script (``python worker.py ROOT TESTS...``) with the
interpreter that runs the user's tests, so it imports nothing of DebugLLM, only the standard
library and pytest. pytest collects TESTS once; then each request (a JSON line on stdin) names a
function of a module and a new source for it. A forked child swaps the function's code object (so
every reference the tests hold sees the candidate), runs the chosen tests through pytest's own
setup, call and teardown hooks under memory and CPU limits, and reports (a JSON line on stdout)
unless the timeout kills it first. A candidate costs a fork, not an interpreter start and a
collection.
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

#: How many times the slowest passing test a test may take (``test_floor`` requests).
_PASS_SCALE = 10.0
#: The address space a child may use (an endless list append must not take the machine down).
MEMORY_LIMIT = 2 * 1024**3


def _limit(cpu_seconds: float) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        cpu = int(cpu_seconds) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    except (ImportError, ValueError, OSError):  # not every platform has every limit
        pass


class _Lines:
    """The lines of one file that a test ran (``sys.settrace``)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: set[int] = set()
        self._ours: dict[str, bool] = {}

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        name = frame.f_code.co_filename
        ours = self._ours.get(name)
        if ours is None:
            ours = self._ours[name] = os.path.realpath(name) == self.path
        if not ours:
            return None
        if event in ("line", "call"):
            self.lines.add(frame.f_lineno)
        return self


class _Session:
    """A pytest plugin that collects once, then serves candidates instead of the test loop."""

    def __init__(self, protocol_in: Any, protocol_out: Any) -> None:
        self.input = protocol_in
        self.output = protocol_out
        self._modules: dict[str, Any] = {}

    def _send(self, answer: dict[str, Any]) -> None:
        self.output.write(json.dumps(answer) + "\n")
        self.output.flush()

    def pytest_runtestloop(self, session: Any) -> bool:
        items = {item.nodeid: item for item in session.items}
        self._send({"ready": True, "items": list(items)})
        for line in self.input:
            self._send(self._try(items, json.loads(line)))
        return True

    def _module(self, path: str) -> Any:
        """The imported module of ``path`` (looked up once: realpath on every module is slow)."""
        if path not in self._modules:
            self._modules[path] = next(
                (
                    m
                    for m in list(sys.modules.values())
                    if os.path.realpath(str(getattr(m, "__file__", None) or "")) == path
                ),
                None,
            )
        return self._modules[path]

    def _try(self, items: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
        module = self._module(os.path.realpath(request["path"]))
        handle, result_path = tempfile.mkstemp(suffix=".json")
        os.close(handle)
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            try:
                _limit(float(request["timeout"]))
                outcome = _patched_run(items, request, module)
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


def _swap(module: Any, path: str, qualname: str, source: str) -> bool:
    """Give the function ``qualname`` of ``module`` (the file ``path``) the code compiled from
    ``source``; False when the module is not imported or the code cannot be swapped."""
    import inspect

    if module is None:
        return False
    # A nested function is made anew by each call of the one around it: swap that one's code
    # (the nested code is among its constants).
    qualname = qualname.split(".<locals>.", 1)[0]
    new_code = _find_code(compile(source, path, "exec"), qualname)
    if new_code is None:
        return False
    target: Any = module
    try:
        for part in qualname.split("."):
            target = inspect.getattr_static(target, part)
        if isinstance(target, staticmethod | classmethod):
            target = target.__func__
        target = inspect.unwrap(target)
        target.__code__ = new_code  # a different set of free variables raises ValueError
    except (AttributeError, TypeError, ValueError):
        return False
    return True


def _patched_run(items: dict[str, Any], request: dict[str, Any], module: Any) -> dict[str, Any]:
    """In the forked child: swap in the candidate, run the tests (stop at a failure if asked)."""
    path = os.path.realpath(request["path"])
    if request.get("source") is not None and not _swap(
        module, path, request["qualname"], request["source"]
    ):
        return {"status": "unpatchable"}
    selected = [items[n] for n in request["tests"] if n in items]
    passed: list[str] = []
    failed: list[str] = []
    lines: dict[str, list[int]] = {}
    durations: dict[str, float] = {}
    per_test = float(request.get("test_timeout") or 0)
    #: A run as the user's command would: the first failure's traceback is reported.
    report = bool(request.get("report"))
    errors: list[BaseException] = []
    trace_budget = float(request.get("trace_budget") or 0)
    always = set(request.get("trace_always") or ())
    traced = 0.0
    #: Once a test passed or ran into the limit, the limit shrinks to ``_PASS_SCALE`` times the
    #: slowest pass (not below ``floor``): a bug that loops forever then costs a fraction of
    #: ``per_test`` per test.
    floor = float(request.get("test_floor") or 0)
    slowest_pass = 0.0
    timeouts = 0
    if per_test:
        signal.signal(signal.SIGALRM, _too_long)
    for index, item in enumerate(selected):
        following = selected[index + 1] if index + 1 < len(selected) else None
        # Tracing slows a test several times: past ``trace_budget`` seconds of traced tests
        # only the ``trace_always`` ones (the known failures) are traced, the rest just run.
        tracing = bool(request.get("trace")) and (
            not trace_budget or traced < trace_budget or item.nodeid in always
        )
        tracer = _Lines(path) if tracing else None
        if tracer is not None:
            sys.settrace(tracer)
        if per_test:  # a test that loops forever fails alone, the others still run
            limit = per_test
            if floor and (passed or timeouts):
                limit = min(per_test, max(floor, _PASS_SCALE * slowest_pass))
            signal.setitimer(signal.ITIMER_REAL, limit)
        started = time.monotonic()
        try:
            ok = _quick(item, following, errors if report and not failed else None)
        finally:
            if per_test:
                signal.setitimer(signal.ITIMER_REAL, 0)
            durations[item.nodeid] = time.monotonic() - started
            if tracing:
                traced += durations[item.nodeid]
            if tracer is not None:
                sys.settrace(None)
                lines[item.nodeid] = sorted(tracer.lines)
        if not ok:
            failed.append(item.nodeid)
            if per_test and durations[item.nodeid] >= 0.9 * limit:
                timeouts += 1  # one loop forever: the next ones get the short limit
            if request.get("stop", True):
                break
        else:
            passed.append(item.nodeid)
            slowest_pass = max(slowest_pass, durations[item.nodeid])
    return {
        "output": _report(failed, errors[0] if errors else None) if report else "",
        "passed": passed,
        "failed": failed,
        "exit": 1 if failed else 0,
        "lines": lines,
        "durations": durations,
    }


def _quick(item: Any, following: Any, errors: list[BaseException] | None = None) -> bool:
    """Run one test through pytest's setup, call and teardown hooks, without the reports
    (formatting a failure costs more than most tests): whether it passed. A skip passes; a
    failure of a test marked xfail too. A failure's exception goes to ``errors`` if given."""
    import pytest

    ok = True
    try:
        item.ihook.pytest_runtest_setup(item=item)
        item.ihook.pytest_runtest_call(item=item)
        # A unittest.TestCase test never raises: pytest's TestCaseFunction is the test's
        # result object and keeps what went wrong for its report hook, which is not run here.
        kept = item.__dict__.pop("_excinfo", None) or []
        for excinfo in kept:
            raise excinfo.value
    except pytest.skip.Exception:
        pass
    except BaseException as error:
        import unittest

        if isinstance(error, unittest.SkipTest):
            pass
        else:
            ok = item.get_closest_marker("xfail") is not None
            if not ok and errors is not None:
                errors.append(error)
    try:
        item.ihook.pytest_runtest_teardown(item=item, nextitem=following)
    except BaseException as error:
        ok = False
        if errors is not None:
            errors.append(error)
    return ok


def _report(failed: list[str], error: BaseException | None) -> str:
    """The first failure as a plain traceback, then pytest's summary lines (what
    ``failure.parse_failure`` reads from a real run)."""
    import traceback

    lines: list[str] = []
    if error is not None:
        lines.extend(traceback.format_exception(type(error), error, error.__traceback__))
        head = traceback.format_exception_only(type(error), error)[-1].strip().splitlines()[0]
    else:
        head = ""
    for node in failed:
        lines.append(f"FAILED {node}" + (f" - {head}" if head else "") + "\n")
    return "".join(lines)


def _too_long(signum: int, frame: Any) -> None:
    raise TimeoutError("the test ran longer than its time limit")


def _wait(pid: int, deadline: float) -> str:
    """Wait for a child until ``deadline``; kill it then."""
    while time.monotonic() < deadline:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            return "done"
        time.sleep(0.001)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "timeout"


def main() -> None:
    root, args = sys.argv[1], sys.argv[2:]
    os.chdir(root)
    sys.path.insert(0, root)
    sys.dont_write_bytecode = True
    # pytest replaces sys.stdin and captures fds 1 and 2: the protocol keeps its own copies.
    protocol_in = os.fdopen(os.dup(0), "r")
    protocol_out = os.fdopen(os.dup(1), "w")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    import pytest

    # Marked here: this module must import without pytest (the search's own interpreter).
    pytest.hookimpl(tryfirst=True)(_Session.pytest_runtestloop)
    session = _Session(protocol_in, protocol_out)
    pytest.main(
        [
            *args,
            "-p",
            "no:cacheprovider",
            "-q",
            "-o",
            "addopts=",
            "-p",
            "no:randomly",
            "--capture=no",
            # No failure is shown: formatting one (a deep recursion) costs seconds.
            "--tb=no",
        ],
        plugins=[session],
    )
    protocol_out.write(json.dumps({"ready": False}) + "\n")  # collection failed
    protocol_out.flush()


if __name__ == "__main__":
    main()
