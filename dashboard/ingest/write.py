"""The store's only writer: every row it writes is stamped with its import, and every row it
changes or deletes in a non-figure table is journaled first, so a rollback can put it back."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from itertools import islice
from typing import Any, NamedTuple

from sqlalchemy import Date, and_, select, update
from sqlalchemy.orm import Session

from dashboard import geometry
from dashboard.store.models import Base, Figure, Geography, ImportRecord, Territory, TerritoryLink

CHUNK = 500


def geography_at(session: Session, family: str, day: dt.date) -> Geography | None:
    """The geography vintage in force on `day` (a figure is shown on the geography of its date)."""
    return next((g for g in session.scalars(select(Geography).where(Geography.family == family))
                 if g.in_force(day)), None)


def territory_ids(session: Session, geography_code: str, levels: Iterable[str]) -> dict[str, int]:
    """Code -> id; where a code exists at several levels (93066: the commune nouvelle and its
    commune déléguée), the first level of `levels` wins."""
    levels = list(levels)
    rows = session.execute(
        select(Territory.code, Territory.level, Territory.id).where(
            Territory.geography_code == geography_code, Territory.level.in_(levels)
        )
    ).all()
    found: dict[str, int] = {}
    for code, _level, territory_id in sorted(rows, key=lambda r: levels.index(r[1])):
        found.setdefault(code, territory_id)
    return found


class FigureRow(NamedTuple):
    indicator: str
    territory_id: int
    period_type: str
    period_start: dt.date
    value: float | None
    flag: str | None = None


def row_state(obj: Base) -> dict[str, Any]:
    """A row as JSON-able column values (what the undo journal keeps)."""
    state = {}
    for col in obj.__table__.columns:
        value = getattr(obj, col.key)
        state[col.key] = value.isoformat() if isinstance(value, dt.date) else value
    return state


def restore_value(column, value):
    if value is not None and isinstance(column.type, Date):
        return dt.date.fromisoformat(value)
    return value


class Writer:
    """Writes for one import, inside its transaction."""

    def __init__(self, session: Session, record: ImportRecord):
        self.session = session
        self.record = record
        self._journal: dict[tuple[str, Any], dict] = {}
        self._held_asked: set[str] = set()
        self._held_pairs: set[tuple] = set()

    # -- journal ---------------------------------------------------------------------------
    def before_change(self, obj: Base) -> None:
        """Keep the row's state before this import first touches it (rows the import itself
        created need no undo: the rollback deletes them)."""
        pk = obj.__mapper__.primary_key[0].key
        if pk is None:  # typed optional, but a table's column always has a key (its name)
            raise ValueError(f"table {obj.__tablename__} : clé primaire sans nom")
        key = (obj.__tablename__, getattr(obj, pk))
        if getattr(obj, "import_id", None) != self.record.id and key not in self._journal:
            self._journal[key] = {"table": obj.__tablename__, "row": row_state(obj)}

    def delete(self, obj: Base) -> None:
        self.before_change(obj)
        self.session.delete(obj)

    def undo(self) -> list[dict]:
        return list(self._journal.values())

    # -- rows ------------------------------------------------------------------------------
    def upsert(self, model, where: dict[str, Any], **values) -> Any:
        """Insert or update one row found by `where`, stamped with this import."""
        obj = self.session.scalar(select(model).filter_by(**where))
        if obj is None:
            obj = model(**where)
            self.session.add(obj)
        else:
            self.before_change(obj)
        for key, value in values.items():
            setattr(obj, key, value)
        obj.import_id = self.record.id
        self.session.flush()
        return obj

    def territory(self, *, geography: str, level: str, code: str, name: str, geom=None,
                  attributes: dict | None = None) -> Territory:
        values: dict[str, Any] = {"name": name, "attributes": attributes or None}
        if geom is not None:
            lon, lat = geometry.representative_point(geom)
            values.update(geometry=geometry.to_geojson(geom), label_lon=lon, label_lat=lat,
                          area_km2=round(geometry.area_km2(geom), 3))
        return self.upsert(Territory, {"geography_code": geography, "level": level, "code": code}, **values)

    def link(self, child: Territory, parent: Territory, weight: float | None = 1.0,
             basis: str | None = None) -> None:
        self.upsert(TerritoryLink, {"child_id": child.id, "parent_id": parent.id}, weight=weight,
                    weight_basis=basis)

    def unlink_children(self, parent_level: str, geography: str, child_ids: Iterable[int]) -> None:
        """Drop the links of these children to any parent of one level (before re-linking them)."""
        parents = select(Territory.id).where(Territory.level == parent_level,
                                             Territory.geography_code == geography)
        ids = list(child_ids)
        for i in range(0, len(ids), CHUNK):
            for row in self.session.scalars(select(TerritoryLink).where(
                    TerritoryLink.child_id.in_(ids[i:i + CHUNK]), TerritoryLink.parent_id.in_(parents))):
                self.delete(row)
        self.session.flush()

    def figures(self, rows: Iterable[FigureRow | tuple]) -> int:
        """Supersede the current figures of the same keys, then insert the new ones (`rows` are
        FigureRow or plain tuples in its field order, each key once; an iterable is consumed in
        chunks, so a national file never holds all its rows as tuples at once).

        The earlier rows stay, marked `superseded_by` this import, so a rollback restores them."""
        columns = ("indicator_code", "territory_id", "period_type", "period_start", "value", "flag", "import_id")
        import_id = self.record.id
        connection = self.session.connection()
        postgres = connection.dialect.name == "postgresql"
        # built from the constant column names above: no value is ever formatted into it
        sql = f"INSERT INTO figure ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"  # noqa: S608
        rows, written = iter(rows), 0
        while chunk := list(islice(rows, 50_000)):
            self._supersede(chunk)
            if postgres:
                # COPY: the fastest way into PostgreSQL, inside the import's transaction.
                driver = connection.connection.driver_connection
                if driver is None:  # only a closed or invalidated connection has none
                    raise ValueError("connexion PostgreSQL fermée pendant l'import")
                with driver.cursor() as cursor:
                    with cursor.copy(f"COPY figure ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in chunk:
                            copy.write_row((*row, import_id))
            else:
                connection.exec_driver_sql(sql, [(a, b, c, d.isoformat(), e, f, import_id)
                                                 for a, b, c, d, e, f in chunk])
            written += len(chunk)
        return written

    def _supersede(self, rows: list[FigureRow | tuple]) -> None:
        by_key: dict[tuple, list[int]] = defaultdict(list)
        for indicator, territory_id, period_type, period_start, *_ in rows:
            by_key[(indicator, period_type, period_start)].append(territory_id)
        for key in by_key.keys() & self._held({k[0] for k in by_key}):
            indicator, ptype, start = key
            ids = by_key[key]
            for i in range(0, len(ids), CHUNK):
                self.session.execute(update(Figure).where(and_(
                    Figure.indicator_code == indicator, Figure.period_type == ptype,
                    Figure.period_start == start, Figure.territory_id.in_(ids[i:i + CHUNK]),
                    Figure.superseded_by.is_(None),
                )).values(superseded_by=self.record.id))

    def _held(self, indicators: set[str]) -> set[tuple]:
        """The (indicator, period) pairs the store held before this import: only those can
        have figures to supersede (asked once per indicator)."""
        missing = indicators - self._held_asked
        if missing:
            self._held_pairs |= set(self.session.execute(
                select(Figure.indicator_code, Figure.period_type, Figure.period_start)
                .where(Figure.superseded_by.is_(None), Figure.indicator_code.in_(missing),
                       Figure.import_id != self.record.id)
                .distinct()).all())
            self._held_asked |= missing
        return self._held_pairs
