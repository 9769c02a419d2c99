#!/usr/bin/env bash
# One command from a fresh clone to a running platform on its embedded default:
# SQLite file in instance/, one process, demo sessions loaded.
# Prints the URL and the join codes. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PORT=${PORT:-5000}
.venv/bin/python -m workshop db upgrade
.venv/bin/python -m workshop seed --demo
exec .venv/bin/python -m workshop serve --host "${HOST:-0.0.0.0}" --port "$PORT"
