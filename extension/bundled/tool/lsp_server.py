"""Start the bundled DebugLLM language server over stdio.

The extension runs ``python lsp_server.py``; the server and its dependencies were installed into
``../libs`` when the extension was packaged for one platform: the pure-Python ones in
``libs/common``, the binary ones (pydantic_core, websockets) in ``libs/cp311``, ``cp312``,
``cp313``, one folder per CPython (``libs/bundle.json`` lists them). The folder of the running
Python and ``common`` go first on ``sys.path`` so that a user's own pygls, pydantic or debugllm in
the selected environment can never shadow them.
"""

from __future__ import annotations

import json
import os
import sys

# The extension checks the interpreter before it starts this script; these checks are the last
# line of defence, with exit statuses it recognises.
if sys.version_info < (3, 11):  # noqa: UP036
    sys.stderr.write(f"DebugLLM needs Python >= 3.11, this is {sys.version.split()[0]}\n")
    sys.exit(3)

LIBS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "libs"))
MANIFEST = os.path.join(LIBS, "bundle.json")
if os.path.isfile(MANIFEST):
    with open(MANIFEST, encoding="utf-8") as f:
        bundle = json.load(f)
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    folder = bundle["pythons"].get(python)
    if sys.implementation.name != "cpython" or folder is None:
        sys.stderr.write(
            f"DebugLLM's {bundle['target']} build bundles its libraries for CPython "
            f"{', '.join(bundle['pythons'])}; this is {sys.implementation.name} {python}\n"
        )
        sys.exit(4)
    sys.path[0:0] = [os.path.join(LIBS, folder), os.path.join(LIBS, "common")]

# The bootstrap answers initialize before the LSP stack loads (see debugllm.lsp.bootstrap).
from debugllm.lsp.bootstrap import main  # noqa: E402

if __name__ == "__main__":
    main(sys.argv[1:])
