"""Start the bundled DebugLLM language server over stdio.

The extension runs ``python lsp_server.py``; the server and all its dependencies were installed
into ``../libs`` when the extension was packaged. That folder goes first on ``sys.path`` so that a
user's own pygls, pydantic or debugllm in the selected environment can never shadow them.
"""

from __future__ import annotations

import os
import sys

# The launcher may run under any Python: this check is the last line of defence.
if sys.version_info < (3, 11):  # noqa: UP036
    sys.stderr.write(f"DebugLLM needs Python >= 3.11, this is {sys.version.split()[0]}\n")
    sys.exit(3)

LIBS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "libs"))
if os.path.isdir(LIBS):
    sys.path.insert(0, LIBS)

from debugllm.lsp.server import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
