"""Small helpers shared by tests."""
from __future__ import annotations

from sqlalchemy import select

from dashboard.store.models import Base


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order: equal snapshots mean an unchanged store."""
    with engine.connect() as conn:
        return {table.name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
                for table in Base.metadata.sorted_tables}
