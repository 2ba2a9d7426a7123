#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: lint first (fast), then pytest. Set-up installs the
# test dependencies once (the CPU build of torch, pinned, and the test extras; skipped when nothing
# changed) and Debian's chromium for the browser tests. Extra arguments go to pytest, e.g.
# `bash scripts/test.sh -k tokenizer`.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --test

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: the browser tests need Chromium at /usr/bin/chromium." >&2
    echo "       Install it with: sudo apt-get install chromium   (then run this again)" >&2
    exit 1
  fi
fi

# Lint first (a second); its findings fail the run, but the tests still run so one pass shows both.
lint=0
.venv/bin/ruff check . || { lint=$?; echo "make lint: ruff found problems (listed above); running the tests anyway." >&2; }

export PYTHONUNBUFFERED=1
status=0
.venv/bin/python -m pytest "$@" || status=$?
[ "$status" = 0 ] && [ "$lint" != 0 ] && { echo "Tests passed, but lint failed: run make lint." >&2; status=$lint; }
exit "$status"
