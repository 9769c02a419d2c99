#!/usr/bin/env bash
# Refreshes the lock files from pyproject.toml: the exact version of every package,
# direct or not, that scripts/setup.sh installs. Run it after changing a dependency
# in pyproject.toml (or to take newer versions), run the tests, commit both files.
#   requirements/base.txt  what the platform runs on (production installs this)
#   requirements/test.txt  the same versions plus the test and lint tools
# pip-tools runs in a throwaway virtualenv, so .venv is left as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet pip-tools
compile=("$tmp/venv/bin/pip-compile" --quiet --strip-extras --no-emit-index-url
         --no-emit-find-links --newline=lf)
"${compile[@]}" --output-file requirements/base.txt pyproject.toml
"${compile[@]}" --extra test --constraint requirements/base.txt \
  --output-file requirements/test.txt pyproject.toml
echo "requirements/base.txt and requirements/test.txt refreshed"
