"""Small helpers shared by tests."""
from __future__ import annotations

from sqlalchemy import select

from dashboard.store.models import Base


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean an unchanged store."""
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables}


def choose(dash_duo, dropdown: str, label: str) -> None:
    """Pick an option of a Dash dropdown by typing its label in the search box (long lists
    scroll, so clicking the n-th option is not reliable)."""
    from selenium.webdriver.common.keys import Keys

    dash_duo.find_element(dropdown).click()
    search = dash_duo.find_element(f"{dropdown} .dash-dropdown-search, .dash-dropdown-search")
    search.send_keys(label)
    search.send_keys(Keys.ENTER)
