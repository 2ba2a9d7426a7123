#!/usr/bin/env bash
# Set up everything the site build needs: a virtual environment with the MkDocs stack (.venv)
# and the front-end assets the site serves itself (node_modules, from package-lock.json).
# `--test` also installs the test dependencies (the CPU build of torch, pinned, and the test extras).
#
# Idempotent and offline-safe: each step records a hash of its inputs in a stamp file (.venv/.setup-*
# for pip, node_modules/.setup-npm for npm) and runs again only when that hash changes or the
# folder is missing; a step that fails (no network) keeps the working environment it had.
set -euo pipefail
cd "$(dirname "$0")/.."

WITH_TEST=0
for arg in "$@"; do
  case "$arg" in
    --test) WITH_TEST=1 ;;
    *) echo "error: unknown option '$arg' (usage: scripts/setup.sh [--test])" >&2; exit 2 ;;
  esac
done
# torch first and pinned: the CPU build. An unpinned torch would pull a multi-GB CUDA build, and so
# does this pin from PyPI on Linux: where that is the index (GitHub runners), set TORCH_INDEX_URL to
# the PyTorch CPU wheel index (the CI workflow does).
TORCH="torch==2.13.0"
TORCH_ARGS=("$TORCH" ${TORCH_INDEX_URL:+--index-url "$TORCH_INDEX_URL"})

need() { command -v "$1" >/dev/null || { echo "error: '$1' not found. $2" >&2; exit 1; }; }
need python3 "Install Python 3.10 or newer (Debian: apt-get install python3 python3-venv)."
need npm "Install Node.js 18 or newer with npm (Debian: apt-get install nodejs npm)."

# hash_of WORDS... : SHA-256 of the files among WORDS (their contents) and of the other words.
hash_of() {
  python3 - "$@" <<'EOF'
import hashlib, os, sys
h = hashlib.sha256()
for word in sys.argv[1:]:
    h.update(word.encode() + b"\0")
    if os.path.isfile(word):
        with open(word, "rb") as f:
            h.update(f.read())
print(h.hexdigest())
EOF
}
up_to_date() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }

# True when every package of package-lock.json is in node_modules at its locked version (so a
# node_modules from before the stamp existed, or from a plain `npm ci`, is adopted offline).
node_modules_match_lock() {
  python3 - <<'EOF'
import json, pathlib, sys
lock = json.loads(pathlib.Path("package-lock.json").read_text())
for path, entry in lock.get("packages", {}).items():
    if not path or entry.get("link"):
        continue
    installed = pathlib.Path(path) / "package.json"
    if not installed.is_file():
        if entry.get("optional"):  # e.g. esbuild's binaries for other platforms
            continue
        sys.exit(1)
    if json.loads(installed.read_text()).get("version") != entry.get("version"):
        sys.exit(1)
EOF
}

# pip_step NAME ARGS... : `pip install ARGS` once per change of pyproject.toml or ARGS.
pip_step() {
  local name=$1; shift
  local stamp=".venv/.setup-$name" want
  want=$(hash_of pyproject.toml "$@")
  up_to_date "$stamp" "$want" && return 0
  echo "setup: pip install $* ..."
  if .venv/bin/python -m pip install -q --disable-pip-version-check "$@"; then
    echo "$want" > "$stamp"
  elif [ -f "$stamp" ]; then  # installed before: keep the working environment
    echo "warning: 'pip install $*' failed (offline?); keeping the packages .venv already has." >&2
  else
    echo "error: 'pip install $*' failed; it needs the network once (or a pip index/cache)." >&2
    exit 1
  fi
}

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv || { echo "error: could not create .venv (Debian: apt-get install python3-venv)" >&2; exit 1; }
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip \
    || echo "warning: could not upgrade pip (offline?); continuing with the venv's own." >&2
fi
pip_step site -e .
if [ "$WITH_TEST" = 1 ]; then
  pip_step torch "${TORCH_ARGS[@]}"
  pip_step test -e ".[test]"
fi

# npm: `npm ci` deletes node_modules before it installs, so it runs in a scratch folder and the
# result replaces node_modules only when it succeeded; offline, the current node_modules stays.
NPM_STAMP=node_modules/.setup-npm
want=$(hash_of package.json package-lock.json)
if ! up_to_date "$NPM_STAMP" "$want" && [ -d node_modules ] && node_modules_match_lock; then
  echo "$want" > "$NPM_STAMP"
fi
if ! up_to_date "$NPM_STAMP" "$want"; then
  echo "setup: npm ci ..."
  scratch=.setup-npm-tmp
  rm -rf "$scratch" && mkdir "$scratch"
  cp package.json package-lock.json "$scratch"/
  if (cd "$scratch" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error); then
    echo "$want" > "$scratch/node_modules/.setup-npm"
    rm -rf node_modules.old
    [ -d node_modules ] && mv node_modules node_modules.old
    mv "$scratch/node_modules" node_modules
    rm -rf node_modules.old "$scratch"
  else
    rm -rf "$scratch"
    if [ -d node_modules ]; then
      echo "warning: npm ci failed (offline?); keeping the current node_modules, which may not match package-lock.json." >&2
    else
      echo "error: npm ci failed and there is no node_modules; it needs the npm registry (or npm's cache) once." >&2
      exit 1
    fi
  fi
fi
