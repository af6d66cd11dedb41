#!/usr/bin/env bash
# One entry point for a fresh machine (Python 3.11+ and pip, nothing else):
#   bash dev.sh serve [privacybot serve options]   set up .venv (runtime only), then start the server
#   bash dev.sh test  [pytest options]             set up .venv with the test tools, then run the tests
set -euo pipefail
cd "$(dirname "$0")"

PY=${PYTHON:-python3}
RUNTIME=.venv/.privacybot-installed-runtime
DEV=.venv/.privacybot-installed-dev

# Installed since pyproject.toml last changed?
fresh() { [ -f "$1" ] && [ ! pyproject.toml -nt "$1" ]; }

# setup runtime|dev: install the project (editable, so `corpus/` of the checkout is found) with
# the dependencies it needs to serve, or those plus the test tools; only when they changed.
setup() {
  if [ ! -x .venv/bin/python ]; then
    "$PY" -m venv .venv
  fi
  if [ "$1" = dev ]; then
    fresh "$DEV" && return 0
    spec='.[dev]' stamp=$DEV
  else
    { fresh "$RUNTIME" || fresh "$DEV"; } && return 0  # the test install holds the runtime too
    spec='.' stamp=$RUNTIME
  fi
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
}

cmd=${1:-}
shift || true
case "$cmd" in
  # compileall: the project's bytecode, also where PYTHONDONTWRITEBYTECODE=1 keeps Python from
  # writing it (each start would compile ~40 modules from source again, ~0.08 s); only the
  # changed modules are compiled again.
  serve) setup runtime; .venv/bin/python -m compileall -q index bot >/dev/null
         exec .venv/bin/privacybot serve "$@" ;;
  test)  setup dev; exec .venv/bin/python -m pytest "$@" ;;
  *) echo "usage: bash dev.sh serve|test [options]" >&2; exit 2 ;;
esac
