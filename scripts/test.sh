#!/usr/bin/env bash
# Set up everything the tests need on a fresh machine, then lint, type-check and test the Python
# package and the VS Code extension. Usage: bash scripts/test.sh [pytest args...]
# DEBUGLLM_SKIP_EXTENSION=1 skips the extension (npm, code-server, Chromium) for quick local runs.
set -euo pipefail
cd "$(dirname "$0")/.."

bash .ci/install-system.sh                      # Debian packages: neovim (the real LSP client)
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
.venv/bin/python -m pip install -q -e ".[dev]"

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (strict)"
.venv/bin/mypy
if [ "${DEBUGLLM_SKIP_EXTENSION:-0}" != 1 ]; then
    echo "== VS Code extension (npm ci, npm test, package, end-to-end in code-server)"
    bash .ci/extension.sh
fi
echo "== pytest"
.venv/bin/pytest -p no:cacheprovider "$@"
