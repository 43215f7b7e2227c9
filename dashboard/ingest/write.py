"""The store's only writer: territories, links and figures, always stamped with their import."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import and_, insert, select, update
from sqlalchemy.orm import Session

from dashboard import geometry
from dashboard.store.models import Figure, Geography, ImportRecord, Territory, TerritoryLink

CHUNK = 500


def geography_at(session: Session, family: str, day: dt.date) -> Geography | None:
    """The geography vintage in force on `day` (a figure is shown on the geography of its date)."""
    for geo in session.scalars(select(Geography).where(Geography.family == family)):
        if (geo.valid_from is None or geo.valid_from <= day) and (geo.valid_to is None or day <= geo.valid_to):
            return geo
    return None


def territory_ids(session: Session, geography_code: str, levels: Iterable[str]) -> dict[str, int]:
    rows = session.execute(
        select(Territory.code, Territory.id).where(
            Territory.geography_code == geography_code, Territory.level.in_(list(levels))
        )
    )
    return dict(rows.all())


def upsert_territory(session: Session, record: ImportRecord, *, geography: str, level: str, code: str,
                     name: str, geom=None, attributes: dict | None = None) -> Territory:
    territory = session.scalar(select(Territory).where(
        Territory.geography_code == geography, Territory.level == level, Territory.code == code))
    if territory is None:
        territory = Territory(geography_code=geography, level=level, code=code)
        session.add(territory)
    territory.name = name
    territory.attributes = attributes or None
    territory.import_id = record.id
    if geom is not None:
        territory.geometry = geometry.to_geojson(geom)
        territory.label_lon, territory.label_lat = geometry.representative_point(geom)
        territory.area_km2 = round(geometry.area_km2(geom), 3)
    session.flush()
    return territory


def link(session: Session, record: ImportRecord, child: Territory, parent: Territory,
         weight: float | None = 1.0, basis: str | None = None) -> None:
    existing = session.scalar(select(TerritoryLink).where(
        TerritoryLink.child_id == child.id, TerritoryLink.parent_id == parent.id))
    if existing is None:
        existing = TerritoryLink(child_id=child.id, parent_id=parent.id)
        session.add(existing)
    existing.weight, existing.weight_basis, existing.import_id = weight, basis, record.id


def unlink_children(session: Session, parent_level: str, geography: str, child_ids: Iterable[int]) -> None:
    """Drop the links of these children to any parent of one level (before re-linking them)."""
    parents = select(Territory.id).where(Territory.level == parent_level, Territory.geography_code == geography)
    ids = list(child_ids)
    for i in range(0, len(ids), CHUNK):
        for row in session.scalars(select(TerritoryLink).where(
                TerritoryLink.child_id.in_(ids[i:i + CHUNK]), TerritoryLink.parent_id.in_(parents))):
            session.delete(row)
    session.flush()


@dataclass(frozen=True)
class FigureRow:
    indicator: str
    territory_id: int
    period_type: str
    period_start: dt.date
    value: float | None
    flag: str | None = None


def write_figures(session: Session, record: ImportRecord, rows: list[FigureRow]) -> int:
    """Supersede the current figures of the same keys, then insert the new ones.

    The earlier rows stay, marked `superseded_by` this import, so a rollback restores them."""
    by_key: dict[tuple, list[int]] = defaultdict(list)
    for r in rows:
        by_key[(r.indicator, r.period_type, r.period_start)].append(r.territory_id)
    for (indicator, ptype, start), ids in by_key.items():
        for i in range(0, len(ids), CHUNK):
            session.execute(update(Figure).where(and_(
                Figure.indicator_code == indicator, Figure.period_type == ptype,
                Figure.period_start == start, Figure.territory_id.in_(ids[i:i + CHUNK]),
                Figure.superseded_by.is_(None),
            )).values(superseded_by=record.id))
    payload = [
        {"indicator_code": r.indicator, "territory_id": r.territory_id, "period_type": r.period_type,
         "period_start": r.period_start, "value": r.value, "flag": r.flag, "import_id": record.id}
        for r in rows
    ]
    for i in range(0, len(payload), 10_000):
        session.execute(insert(Figure), payload[i:i + 10_000])
    return len(payload)
