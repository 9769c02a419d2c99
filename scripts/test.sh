#!/usr/bin/env bash
# One command runs the whole test suite from a fresh clone: installs what is
# missing (virtualenv, packages, front-end assets), checks PostgreSQL and Redis,
# lints (ruff check and format, the translation catalogues, mypy, eslint), runs the browser client's Node tests (tests/js), then
# pytest --full (PostgreSQL variants, real servers, the browser; a bare `pytest` is
# the quick run). Extra arguments go to pytest (e.g. -k vote, -x).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
bash scripts/services.sh
if [[ ! -x "${WORKSHOP_CHROMIUM:-/usr/bin/chromium}" ]]; then
  echo "Chromium is needed for the browser tests: apt-get install chromium (or set WORKSHOP_CHROMIUM)" >&2
  exit 1
fi
.venv/bin/ruff check .
.venv/bin/ruff format --check .
# Translations: a stale catalogue, an untranslated or fuzzy string (also tests/test_translations.py)
.venv/bin/python scripts/i18n.py check
.venv/bin/mypy
npx --no-install eslint
node --test tests/js
exec .venv/bin/python -m pytest --full -n 0 "$@"
