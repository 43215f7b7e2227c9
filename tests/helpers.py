"""Small helpers shared by tests."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from dashboard.store.models import Base


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean an unchanged store."""
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables}


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


def initialised(var_dir: Path, *, demo: bool = True):
    """Settings of a SQLite store loaded as `observatoire init` loads it (reference data, and the
    demo dataset unless told otherwise)."""
    from dashboard.ingest.reference import load_reference
    from dashboard.settings import load_settings
    from dashboard.store import make_engine, migrate

    settings = load_settings({"OBSERVATOIRE_VAR_DIR": str(var_dir)})
    migrate(settings.database_url)
    load_reference(make_engine(settings.database_url), settings.raw_dir, demo=demo)
    return settings


def import_rsa(engine, path: Path, rows: str, raw_dir: Path):
    """Import an `allocataires` CSV of "month;commune;households" lines, as of 24 November 2026."""
    from dashboard.ingest.importer import Provenance, import_file

    path.write_text("Mois;Code commune;Foyers\n" + rows, encoding="utf-8")
    return import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw_dir,
                       today=dt.date(2026, 11, 24))
