#!/usr/bin/env bash
# Install the observatory in .venv and serve it on the embedded SQLite store, data loaded.
# Needs only Python 3.11+. HOST and PORT may be set (default 127.0.0.1:8050).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
.venv/bin/observatoire init
echo "Observatoire : http://${HOST:-127.0.0.1}:${PORT:-8050}/"
echo "Pages internes : connexion avec un compte ; pour en créer un :"
echo "  .venv/bin/observatoire users add NOM --rights \"lecteur import admin\""
exec .venv/bin/observatoire serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8050}"
