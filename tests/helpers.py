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
