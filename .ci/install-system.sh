#!/usr/bin/env bash
# Debian packages the test suite needs (Neovim for tests/e2e/test_neovim.py). Idempotent.
set -euo pipefail
command -v nvim >/dev/null || (apt-get update -qq && apt-get install -y -qq neovim)
