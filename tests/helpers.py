"""Small helpers shared by tests."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from sqlalchemy import select

from dashboard.store.models import Base


# Publication bookkeeping: versions only grow (a rollback is a new publication) and published
# rows are written anew; what they hold is compared, not their row numbers.
_BOOKKEEPING = {"publication": None, "published_value": "id", "published_period": "id"}


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean an unchanged store."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in _BOOKKEEPING and _BOOKKEEPING[table.name] is None:
                continue
            columns = [c for c in table.columns if c.name != _BOOKKEEPING.get(table.name)]
            out[table.name] = sorted(map(tuple, conn.execute(select(*columns)).all()), key=repr)
    return out


def choose(dash_duo, dropdown: str, label: str) -> None:
    """Pick an option of a Dash dropdown: open it, type its label in the search box (long lists
    scroll), then click the option whose text is exactly the label."""
    from dash.testing.wait import until

    dash_duo.find_element(dropdown).click()
    until(lambda: dash_duo.find_elements(".dash-dropdown-search"), timeout=5)
    dash_duo.find_element(".dash-dropdown-search").send_keys(label)

    def option():
        return next((o for o in dash_duo.find_elements(".dash-dropdown-option") if o.text.strip() == label), None)

    until(option, timeout=5)
    option().click()
    until(lambda: label in dash_duo.find_element(dropdown).text, timeout=5)


def pick(dash_duo, css: str, label: str) -> None:
    """Pick an option of a native <select> by its visible text."""
    from selenium.webdriver.support.select import Select

    Select(dash_duo.find_element(css)).select_by_visible_text(label)


def initialised(var_dir: Path, *, demo: bool = True, threshold: int = 10):
    """Settings of a SQLite store loaded as `observatoire init` loads it (reference data, and the
    demo dataset unless told otherwise), published at this secrecy threshold."""
    from dashboard.ingest.reference import load_reference
    from dashboard.settings import load_settings
    from dashboard.store import make_engine, migrate

    settings = load_settings({"OBSERVATOIRE_VAR_DIR": str(var_dir)})
    migrate(settings.database_url)
    load_reference(make_engine(settings.database_url), settings.raw_dir, demo=demo, threshold=threshold)
    return dataclasses.replace(settings, secrecy_threshold=threshold)


def import_rsa(engine, path: Path, rows: str, raw_dir: Path):
    """Import an `allocataires` CSV of "month;commune;households" lines, as of 24 November 2026."""
    from dashboard.ingest.importer import Provenance, import_file

    path.write_text("Mois;Code commune;Foyers\n" + rows, encoding="utf-8")
    return import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw_dir,
                       today=dt.date(2026, 11, 24))


class _LatestAppReader:
    """The reader of the app a test created last (tests/conftest.py records it): what the
    tests that drive an app compare its pages with. Test-only: the app code reaches its own
    reader through the request."""

    app = None

    def __getattr__(self, name):
        from dashboard.indicators.reader import EXTENSION

        return getattr(self.app.server.extensions[EXTENSION], name)


queries = _LatestAppReader()


def record_created_apps() -> None:
    """Wrap `dashboard.app.create_app` so that `queries` and `published` outside a request
    follow the latest app (called by conftest before any test module imports it)."""
    import dashboard.app

    original = dashboard.app.create_app

    def create_app(*args, **kwargs):
        app = original(*args, **kwargs)
        queries.app = app
        # Views called outside a request (tests of a view's fallbacks) read the latest app's reader.
        app.server.app_context().push()
        return app

    dashboard.app.create_app = create_app


class StoreReader:
    """A reader of the store a test is working on (`use(engine)` in the test or its fixture),
    for the module's helpers."""

    reader = None

    def use(self, engine):
        from dashboard.indicators.reader import Reader

        self.reader = Reader(engine)
        return self.reader

    def __getattr__(self, name):
        return getattr(self.reader, name)


def sum_links(engine, geography: str) -> list[tuple[tuple, tuple]]:
    """The attacker's "total = sum of parts" equations between the hierarchy's levels of a
    geography, keyed (level, code): a part counted with a weight below 1 (Saint-Denis in 2025)
    enters through an unknown share cell, and the whole is the sum of its shares."""
    from dashboard.publication.cells import load_geographies, relations

    with engine.connect() as conn:
        geo = load_geographies(conn)[geography]
    out, shares = [], {}
    for total, parts in relations(geo):
        cells = []
        for part, weight in parts:
            if weight == 1:
                cells.append(part)
            else:
                share = ("part", f"{part[0]}:{part[1]}", f"{total[0]}:{total[1]}")
                cells.append(share)
                shares.setdefault((part, total[0]), []).append(share)
        out.append((total, tuple(cells)))
    out += [(whole, tuple(sorted(cells))) for (whole, _), cells in sorted(shares.items())]
    return out


def crash(*_args, **_kwargs):
    """What a reader bug or an allocation past the memory ceiling does to its process."""
    import os

    os.abort()


def allocate(gigabytes: int):
    """Ask for more memory than an isolated import may take."""
    return bytearray(gigabytes * 1024 ** 3)


def drawn_with_breaks(rows, values: list, days: list | None = None) -> tuple[list, list]:
    """What a line chart draws of a history's rows: a gap (the day again, with None) before each
    break of series (`publication.series`), then the values. Returns (days, values)."""
    from dashboard.publication.series import break_reason

    days = list(days if days is not None else rows["period_start"])
    out_days, out_values, ids = [], [], rows["series"].tolist()
    for i, (day, value) in enumerate(zip(days, values)):
        if i and break_reason(ids[i - 1], ids[i]):
            out_days.append(day)
            out_values.append(None)
        out_days.append(day)
        out_values.append(value)
    return out_days, out_values


READER = "lecteur-test"
READER_PASSWORD = "mot-de-passe-du-lecteur"


def reader_account(app) -> str:
    """A `lecteur` account in the store of an internal app (made or renewed): its name."""
    from dashboard import accounts, auth

    accounts.add_user(app.server.extensions[auth.EXTENSION], READER, READER_PASSWORD, ["lecteur"])
    return READER


def signed_in(app):
    """A test client of an internal app with a reader's session, as the sign-in form leaves it:
    the account is real and read from the store on each request like any other."""
    from dashboard import audit

    client = app.server.test_client()
    name = reader_account(app)
    with client.session_transaction() as session:
        session["username"] = name
        session["seen"] = audit.now().isoformat(timespec="seconds")
    return client


def start_signed_in(dash_duo, app, **kwargs) -> None:
    """`dash_duo.start_server`, then sign in as a reader through the sign-in form: the internal
    pages need the `lecteur` right."""
    name = reader_account(app)
    dash_duo.start_server(app, **kwargs)
    dash_duo.driver.get(f"{dash_duo.server_url}/connexion")
    dash_duo.find_element("#username").send_keys(name)
    dash_duo.find_element("#password").send_keys(READER_PASSWORD)
    dash_duo.find_element("#login-submit").click()
    dash_duo.wait_for_element(dash_duo.dash_entry_locator, timeout=10)
