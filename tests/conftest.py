"""Shared fixtures: stores on both backends, loaded once per test session.

PostgreSQL is exercised for real: each run creates its own database on the server named by
OBSERVATOIRE_TEST_POSTGRES (default: the local server, user postgres, trust auth) and drops it
at the end. Set OBSERVATOIRE_TEST_POSTGRES=skip to run on SQLite only.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dashboard.ingest.reference import load_reference
from dashboard.store import make_engine, migrate

from tests.helpers import record_created_apps

record_created_apps()

POSTGRES_ADMIN = os.environ.get("OBSERVATOIRE_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ["sqlite"] + ([] if POSTGRES_ADMIN == "skip" else ["postgresql"])


def pytest_setup_options():
    """Options for dash_duo's Chromium (Dash already adds --headless, --no-sandbox…).

    Every request to a host other than loopback goes through a recording proxy, so a test can
    prove that a page fetches nothing from the internet (CDN, fonts, tiles)."""
    from selenium.webdriver.chrome.options import Options

    from tests.recording_proxy import proxy

    options = Options()
    options.add_argument("--window-size=1400,1000")
    options.add_argument(f"--proxy-server=http://127.0.0.1:{proxy().port}")
    # No calls home: this machine has no network and Chromium's would only add noise.
    for flag in ("--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", "--disable-default-apps", "--allow-browser-signin=false",
                 "--disable-features=AutofillServerCommunication,OptimizationHints,MediaRouter,Translate"):
        options.add_argument(flag)
    return options


@pytest.fixture
def foreign_requests():
    """The hosts the browser tried to reach beyond the app's own (recorded by the proxy)."""
    from tests.recording_proxy import proxy

    proxy().requests.clear()
    return proxy().page_requests


class PostgresDatabases:
    """Creates throw-away databases on the PostgreSQL server and drops them at the end."""

    def __init__(self, admin_url: str):
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.created: list[str] = []

    def create(self) -> str:
        name = f"observatoire_test_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.created.append(name)
        return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.created:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture(scope="session")
def postgres_databases():
    dbs = PostgresDatabases(POSTGRES_ADMIN)
    yield dbs
    dbs.drop_all()


def new_database_url(backend: str, directory: Path, postgres_databases) -> str:
    if backend == "sqlite":
        return f"sqlite:///{directory / 'observatoire.sqlite'}"
    return postgres_databases.create()


@pytest.fixture(params=BACKENDS)
def empty_store(request, tmp_path, postgres_databases):
    """A migrated, empty store on each backend: (url, engine, raw_dir)."""
    url = new_database_url(request.param, tmp_path, postgres_databases)
    migrate(url)
    engine = make_engine(url)
    yield url, engine, tmp_path / "raw"
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def reference_store(request, tmp_path_factory, postgres_databases):
    """A store with the reference data loaded, shared by read-only tests: (url, engine, raw_dir)."""
    directory = tmp_path_factory.mktemp(f"store-{request.param}")
    url = new_database_url(request.param, directory, postgres_databases)
    migrate(url)
    engine = make_engine(url)
    load_reference(engine, directory / "raw")
    yield url, engine, directory / "raw"
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_reference_settings(tmp_path_factory):
    """Settings of an app on a SQLite store loaded as `observatoire init` does, reference and
    demo data (for the browser tests)."""
    from tests.helpers import initialised

    return initialised(tmp_path_factory.mktemp("app"))


@pytest.fixture
def loaded_store(reference_store, tmp_path, postgres_databases):
    """A private copy of the reference store, for tests that write: (url, engine, raw_dir)."""
    url, engine, _raw = reference_store
    engine.dispose()  # a template database must have no open connection
    if url.startswith("sqlite"):
        import shutil
        import sqlite3

        source = make_url(url).database
        with sqlite3.connect(source) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy(source, tmp_path / "copy.sqlite")
        copy_url = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    else:
        name = f"observatoire_test_{uuid.uuid4().hex[:10]}"
        with postgres_databases.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(url).database}"'))
        postgres_databases.created.append(name)
        copy_url = make_url(url).set(database=name).render_as_string(hide_password=False)
    copy = make_engine(copy_url)
    yield copy_url, copy, tmp_path / "raw"
    copy.dispose()


@pytest.fixture
def client(app):
    """A test client of the module's `app` fixture (callbacks posted as the browser posts them),
    signed in as a reader: the internal pages need the `lecteur` right."""
    from tests.helpers import signed_in

    return signed_in(app)
