#!/usr/bin/env bash
# Debian packages the test suite needs, installed only when missing (idempotent):
# neovim (the real LSP client in tests/e2e/test_neovim.py), nginx-light (the reverse-proxy
# recipe is run for real in tests/inference/test_nginx_live.py), systemd (`systemd-analyze
# verify` checks the unit recipe) and docker-compose (`docker-compose config` validates the
# Compose recipe; no Docker daemon needed) in tests/inference/test_recipes.py.
set -euo pipefail
missing=()
command -v nvim >/dev/null || missing+=(neovim)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
command -v systemd-analyze >/dev/null || missing+=(systemd)
command -v docker-compose >/dev/null || missing+=(docker-compose)
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
