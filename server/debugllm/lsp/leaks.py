"""Work around pygls 2.1.1 keeping a finished future for every notification.

What: ``JsonRPCProtocol._execute_handler`` (pygls/protocol/json_rpc.py) stores the future of every
async, threaded or generator handler in ``protocol._request_futures`` under its message id. For a
request, ``_send_handler_result`` pops it when the answer is sent. A notification gets a fresh
``uuid4`` id and ``_check_handler_result`` as callback, which never pops it; so do the nested
handlers a generator yields to (callback ``_run_generator``). pygls' own didOpen, didChange and
didClose are generator handlers, so each of these notifications leaves a
``concurrent.futures.Future`` (with its Condition and lock) and a uuid string behind: about 2 KB
each, for the session's life.

Repro (pygls 2.1.1, any LanguageServer): send 20,000 ``textDocument/didChange`` and read
``len(server.protocol._request_futures)``: 20,000; RSS +38.9 MB. 6,000 didOpen/didChange/didClose
cycles: 18,000 entries, +46 MB. Related upstream reports, not this one: pygls #607 (progress tokens)
and #608 (``_result_types`` for unanswered requests). Upstream fix: pop the entry in
``_check_handler_result`` and in ``_run_generator`` (or add a done callback that pops it).

The workaround here adds that done callback: once a handler's future is done, its entry is removed
(if it is still the same future), on the event loop's next turn: pygls' ``lsp_shutdown`` cancels
pending futures while iterating over the dict, and a concurrent future calls back inside
``cancel()``. Requests are unaffected: theirs is already popped before the
answer is sent, and a ``$/cancelRequest`` for a finished request had nothing to cancel anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from pygls.protocol import JsonRPCProtocol


def forget_finished_handlers(protocol: JsonRPCProtocol) -> None:
    """Patch ``protocol`` (an instance) so finished handlers leave ``_request_futures``."""
    execute: Callable[..., Any] = protocol._execute_handler
    futures: dict[Any, Any] = protocol._request_futures

    def pop(msg_id: Any, done: Any) -> None:
        # The identity check spares a newer future under the same id.
        if futures.get(msg_id) is done:
            futures.pop(msg_id, None)

    def execute_and_forget(msg_id: Any, handler: Any, callback: Any, *args: Any, **kw: Any) -> Any:
        result = execute(msg_id, handler, callback, *args, **kw)
        future = futures.get(msg_id)
        if future is not None:
            loop = asyncio.get_running_loop()  # handlers are dispatched on the loop's thread

            def forget(done: Any) -> None:
                # Later, on the loop's thread: a concurrent future runs its done callbacks
                # inside cancel(), which pygls' shutdown calls while iterating over the dict
                # (and a thread pool future calls back in its worker thread).
                with contextlib.suppress(RuntimeError):  # the loop has closed: exiting
                    loop.call_soon_threadsafe(pop, msg_id, done)

            future.add_done_callback(forget)
        return result

    protocol._execute_handler = execute_and_forget  # type: ignore[method-assign]
