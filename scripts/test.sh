#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: installs the test dependencies (the CPU build of
# torch, pinned), Debian's chromium for the browser tests, then runs pytest. Extra arguments go to
# pytest, e.g. `make test ARGS=...` is not needed: `bash scripts/test.sh -k tokenizer`.
set -euo pipefail
cd "$(dirname "$0")/.."

# torch first and pinned: the CPU build. An unpinned torch would pull a multi-GB CUDA build.
bash scripts/setup.sh
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"

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

# GPT-2's BPE ranks for the tokenizer tests: online, tiktoken downloads them once; offline (CI),
# the copy beside the checkout is used.
if [ -z "${TIKTOKEN_CACHE_DIR:-}" ] && [ -d ../shared/data/tiktoken-cache ]; then
  export TIKTOKEN_CACHE_DIR="$PWD/../shared/data/tiktoken-cache"
fi

export PYTHONUNBUFFERED=1
exec .venv/bin/python -m pytest "$@"
