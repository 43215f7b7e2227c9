#!/usr/bin/env bash
# Install everything the tests need (Debian's chromium and chromium-driver for the browser
# tests, the package with its test extras in .venv) and run the whole suite, on SQLite and on
# the PostgreSQL server at 127.0.0.1:5432 (OBSERVATOIRE_TEST_POSTGRES to point elsewhere).
# ruff (with its security rules, pyproject.toml) then mypy (its [tool.mypy] settings) check dashboard/
# first. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
fi
python3 -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
# Static checks first: a new lint, security or type finding in the app's code fails the run.
.venv/bin/ruff check dashboard
.venv/bin/mypy
exec .venv/bin/pytest "$@"
