#!/usr/bin/env bash
# Debian packages the test suite needs, installed only when missing (idempotent):
# neovim (the real LSP client in tests/e2e/test_neovim.py) and nginx-light (the reverse-proxy
# recipe is run for real in tests/inference/test_nginx_live.py).
set -euo pipefail
missing=()
command -v nvim >/dev/null || missing+=(neovim)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
