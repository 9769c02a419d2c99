#!/usr/bin/env bash
# Sets up a fresh clone; safe to run again (it only does what is missing or stale).
#   - a virtualenv in .venv with the package (and, with --test, the test tools), at the
#     versions of requirements/*.txt (the lock files: scripts/lock.sh)
#   - front-end assets from npm (Bootstrap Italia, socket.io client) copied to static/vendor
#   - the translations compiled (workshop/translations/*/LC_MESSAGES/*.mo, not committed)
# Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"

if [[ ! -x .venv/bin/python ]]; then
  echo "==> virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed${extras}"
# The exact versions of the lock file (scripts/lock.sh refreshes it from pyproject.toml).
lock=requirements/base.txt
[[ -n "$extras" ]] && lock=requirements/test.txt
if [[ ! -f "$stamp" || pyproject.toml -nt "$stamp" || "$lock" -nt "$stamp" ]]; then
  echo "==> Python packages${extras} ($lock)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -r "$lock" -e ".${extras}"
  touch "$stamp"
fi

if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  echo "==> npm packages"
  npm ci --no-audit --no-fund --loglevel=error
fi
vendor=static/vendor
if [[ ! -f "$vendor/.copied" || node_modules/.package-lock.json -nt "$vendor/.copied" ]]; then
  echo "==> front-end assets into $vendor"
  rm -rf "$vendor"
  mkdir -p "$vendor/bootstrap-italia" "$vendor/socket.io" "$vendor/chart.js"
  # Bootstrap Italia's fonts for the PDF exports; pages get static/build (below).
  cp -r node_modules/bootstrap-italia/dist/fonts "$vendor/bootstrap-italia/"
  cp node_modules/socket.io-client/dist/socket.io.min.js node_modules/socket.io-client/dist/socket.io.min.js.map "$vendor/socket.io/"
  cp node_modules/chart.js/dist/chart.umd.min.js node_modules/chart.js/dist/chart.umd.min.js.map "$vendor/chart.js/"
  touch "$vendor/.copied"
fi

# What pages load: Bootstrap Italia's parts in use, compiled from its sources; the
# fonts in use; the icons in use (scripts/build_assets.py). Again when any input changed.
built=static/build/site.css
if [[ ! -f "$built" || -n "$(find static/scss templates static/js scripts/build_assets.py \
      node_modules/.package-lock.json -newer "$built" -print -quit)" ]]; then
  echo "==> building front-end assets into static/build"
  .venv/bin/python scripts/build_assets.py
fi

# The translations: .po (committed, edited by translators) compiled to .mo (what
# gettext reads) whenever a .po is newer than its .mo (scripts/i18n.py).
if [[ -n "$(find workshop/translations -name '*.po' -print | while read -r po; do
      [[ "$po" -nt "${po%.po}.mo" ]] && echo "$po"; done)" ]]; then
  echo "==> compiling the translations"
  .venv/bin/python scripts/i18n.py compile
fi
