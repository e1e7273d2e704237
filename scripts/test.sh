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
# Both distributions: debugllm (server + CLI) and debugllm-inference (debugllm-serve), tested together.
.venv/bin/python -m pip install -q -e ".[dev]" -e ./inference

echo "== ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (strict)"
.venv/bin/mypy
if [ "${DEBUGLLM_SKIP_EXTENSION:-0}" != 1 ]; then
    echo "== VS Code extension (npm ci, npm test, package, end-to-end in code-server)"
    bash .ci/extension.sh
fi
echo "== pytest (Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'))"
status=0
started=$SECONDS
.venv/bin/pytest -p no:cacheprovider "$@" || status=1
echo "== pytest took $((SECONDS - started)) s"

# The other supported CPythons (requires-python >= 3.11) when installed: CPython's syntax errors
# and tokenizer differ between versions and the engine builds on them, so the whole suite runs
# on each (about 3.5 minutes per version on CI). DEBUGLLM_OTHER_PYTHONS=0 skips them; pytest
# args given to this script apply to every Python.
find_python() {
    local found="" candidate
    if command -v pyenv >/dev/null; then
        for candidate in "$(pyenv root)/versions/$1".*/bin/python; do
            [ -x "$candidate" ] && found=$candidate  # globs sort ascending: the newest patch
        done
    fi
    [ -n "$found" ] || found=$(command -v "python$1" || true)
    echo "$found"
}
if [ "${DEBUGLLM_OTHER_PYTHONS:-1}" != 0 ]; then
    for version in 3.12 3.13; do
        python=$(find_python "$version")
        if [ -z "$python" ]; then
            echo "== Python $version not found (pyenv or python$version): skipped"
            continue
        fi
        venv=".venv-$version"
        [ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --upgrade pip >/dev/null
        "$venv/bin/python" -m pip install -q -e ".[dev]" -e ./inference
        echo "== pytest (Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'))"
        started=$SECONDS
        "$venv/bin/pytest" -p no:cacheprovider "$@" || status=1
        echo "== pytest on $version took $((SECONDS - started)) s"
    done
fi
exit $status
