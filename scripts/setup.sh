#!/usr/bin/env bash
# Set up everything the site build needs: a virtual environment with the MkDocs stack (.venv)
# and the front-end assets the site serves itself (node_modules, from package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null || { echo "error: '$1' not found. $2" >&2; exit 1; }; }
need python3 "Install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)."
need npm "Install Node.js 18 or newer with npm (Debian: apt-get install nodejs npm)."

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv || { echo "error: could not create .venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e . "$@"

# npm ci is exact and offline-friendly; skip it when node_modules already matches the lock file.
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  npm ci --no-audit --no-fund --loglevel=error
fi
