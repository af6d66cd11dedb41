#!/usr/bin/env bash
# One entry point for a fresh machine (Python 3.11+ and pip, nothing else):
#   bash dev.sh serve [privacybot serve options]   set up .venv, then start the server
#   bash dev.sh test  [pytest options]             set up .venv, then run the test suite
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
setup() {
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  # Reinstall only when the project's dependencies changed since the last install.
  stamp=.venv/.privacybot-installed
  if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[dev]'
    touch "$stamp"
  fi
}

cmd=${1:-}
shift || true
case "$cmd" in
  serve) setup; exec .venv/bin/privacybot serve "$@" ;;
  test)  setup; exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash dev.sh serve|test [options]" >&2; exit 2 ;;
esac
