"""The publication step, on the write side: what the apps may read, decided once per import.

Every import and every rollback publishes what it touched, in its own transaction: each
indicator (stored and derived) × geography × level × territory × period, summed through the
links (`cells`), ratios computed from the summed counts, and statistical secrecy decided across
every level and partition of the family (`masking`). Readers see the publication before the
import or after it, never a mix. Only the publication units (families protected together, and
the ratios built on them) and the periods the import touched are recomputed; `publish_all`
rebuilds everything from the stored figures and gives the same rows.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from types import SimpleNamespace

import pandas as pd
from sqlalchemy import Connection, delete, func, select, tuple_

from dashboard.formatting import MONTHS
from dashboard.indicators.registry import (
    DERIVED,
    DERIVED_BY_CODE,
    OF_WHICH,
    PARTITIONS,
    PUBLIC,
    STORED,
    Derived,
    family,
)
from dashboard.publication import cells as C
from dashboard.publication.intervals import Relation
from dashboard.publication.masking import mask_period
from dashboard.publication.series import ratio_series, series_id
from dashboard.store.models import (
    Figure,
    Geography,
    ImportRecord,
    Publication,
    PublishedPeriod,
    PublishedValue,
    Territory,
    TerritoryLink,
)

DEFAULT_THRESHOLD = 10
DEFAULT_PROTECTION = 0.0
Period = tuple[str, dt.date]


@dataclass(frozen=True)
class Unit:
    """What is published together: a family of counts protected together (the stored members
    and the sums of parts among them), or one ratio."""

    name: str
    members: tuple[str, ...]        # stored indicators, then sums of parts (family units)
    ratio: Derived | None = None

    @property
    def stored(self) -> list[str]:
        return [m for m in self.members if not C.is_derived_sum(m)]


def units() -> list[Unit]:
    families = sorted({family(s.code) for s in STORED} | {family(d.code) for d in DERIVED if d.parts})
    out = [Unit(f"famille:{members[0]}", members) for members in families]
    out += [Unit(f"ratio:{d.code}", (d.code,), d) for d in DERIVED if not d.parts]
    return out


def unit_of(indicator: str) -> str:
    """The publication unit an indicator is published by."""
    spec = DERIVED_BY_CODE.get(indicator)
    if spec is not None and not spec.parts:
        return f"ratio:{indicator}"
    return f"famille:{family(indicator)[0]}"


@dataclass
class Settings:
    threshold: int = DEFAULT_THRESHOLD
    protection: float = DEFAULT_PROTECTION


def publish(conn: Connection, touched: Iterable[tuple[str, str, dt.date]] | None,
            threshold: int | None = None) -> dict[str, int]:
    """Publish, inside the caller's transaction, the periods of the units that `touched`
    ((indicator, period type, period start) of the figures written or removed) concerns; all
    of them when `touched` is None. The threshold is the store's (set by `publish_all`).
    Returns the number of rows written per unit."""
    threshold = threshold if threshold is not None else store_threshold(conn)
    geos = C.load_geographies(conn)
    wanted: dict[str, set[Period] | None] = {}
    if touched is None:
        conn.execute(delete(PublishedValue))
        conn.execute(delete(PublishedPeriod))
        wanted = {u.name: None for u in units()}
    else:
        for indicator, period_type, period_start in touched:
            _want(wanted, unit_of(indicator), {(period_type, C.as_date(period_start))})
        for spec in DERIVED:  # in declaration order: a ratio may build on a yearly sum declared before it
            name = f"ratio:{spec.code}"
            if spec.yearly_sum_of:
                source = unit_of(spec.yearly_sum_of)
                if source in wanted:
                    periods = wanted[source]
                    _want(wanted, name, None if periods is None else {_year(p) for p in periods})
                continue
            if not (spec.numerator and spec.denominator):  # a sum of parts: published with its family
                continue
            num, den = unit_of(spec.numerator), unit_of(spec.denominator)
            if den in wanted:  # the nearest denominator of any period may have changed
                wanted[name] = None
            elif num in wanted:
                _want(wanted, name, wanted[num])
    written = {}
    ordered = [u for u in units() if u.name in wanted]
    for unit in [u for u in ordered if u.ratio is None] + [u for u in ordered if u.ratio is not None]:
        periods = wanted[unit.name]
        _clear(conn, unit, periods)
        if unit.ratio is None:
            rows = _family_rows(conn, unit, periods, geos, threshold)
        elif unit.ratio.yearly_sum_of:
            rows = _yearly_rows(conn, unit, periods)
        else:
            rows = _ratio_rows(conn, unit, periods)
        if rows:
            _insert(conn, rows)
            conn.execute(PublishedPeriod.__table__.insert(), _catalogue(rows))
        _bump(conn, unit.name, threshold)
        written[unit.name] = len(rows)
    _bump(conn, "*", threshold)  # every import: the territories, ALIs and lists may have changed
    return written


def _want(wanted: dict[str, set[Period] | None], unit: str, periods: set[Period] | None) -> None:
    """Add periods to a unit's share of the work (None: all of them)."""
    current = wanted.get(unit, set())
    wanted[unit] = None if periods is None or current is None else current | periods


def _year(period: Period) -> Period:
    return ("year", period[1].replace(month=1, day=1))


def publish_all(conn: Connection, threshold: int = DEFAULT_THRESHOLD) -> dict[str, int]:
    """Rebuild every published row from the stored figures (what `init` and
    `observatoire publish --all` do), at this threshold, kept for later imports."""
    return publish(conn, None, threshold)


def store_threshold(conn: Connection) -> int:
    found = conn.execute(select(Publication.threshold).where(Publication.unit == "*")).scalar()
    return found if found is not None else DEFAULT_THRESHOLD


def touched_by_import(conn: Connection, import_id: int) -> set[tuple[str, str, dt.date]] | None:
    """The (indicator, period) keys of the figures an import wrote or superseded; None (publish
    everything) when it changed territories, links or geographies, which every sum goes
    through."""
    for model in (Geography, Territory, TerritoryLink):
        if conn.execute(select(model.import_id).where(model.import_id == import_id).limit(1)).first():
            return None
    undo = conn.execute(select(ImportRecord.undo).where(ImportRecord.id == import_id)).scalar()
    if any(entry.get("table") in ("geography", "territory", "territory_link") for entry in undo or []):
        return None
    rows = conn.execute(select(Figure.indicator_code, Figure.period_type, Figure.period_start).where(
        (Figure.import_id == import_id) | (Figure.superseded_by == import_id)).distinct()).all()
    return {(i, t, C.as_date(s)) for i, t, s in rows}


def _clear(conn: Connection, unit: Unit, periods: set[Period] | None) -> None:
    for model in (PublishedValue, PublishedPeriod):
        stmt = delete(model).where(model.unit == unit.name)
        if periods is None:
            conn.execute(stmt)
            continue
        ordered = sorted(periods)
        for i in range(0, len(ordered), 200):
            conn.execute(stmt.where(tuple_(model.period_type, model.period_start).in_(ordered[i:i + 200])))


_COLUMNS = [c.name for c in PublishedValue.__table__.columns if c.name != "id"]


def _insert(conn: Connection, rows: list[dict]) -> None:
    """The published rows, in the caller's transaction: COPY on PostgreSQL (a national
    publication writes millions), executemany elsewhere."""
    if conn.dialect.name != "postgresql":
        conn.execute(PublishedValue.__table__.insert(), rows)
        return
    driver = conn.connection.driver_connection
    if driver is None:  # only a closed or invalidated connection has none
        raise ValueError("connexion PostgreSQL fermée pendant la publication")
    with driver.cursor() as cursor:
        with cursor.copy(f"COPY published_value ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in _COLUMNS])


def _catalogue(rows: list[dict]) -> list[dict]:
    """One catalogue row per indicator, geography, level and period of the published rows."""
    out: dict[tuple, dict] = {}
    for row in rows:
        key = (row["indicator_code"], row["geography_code"], row["level"], row["period_type"], row["period_start"])
        entry = out.setdefault(key, dict(zip(("indicator_code", "geography_code", "level", "period_type",
                                              "period_start"), key), unit=row["unit"], territories=0,
                                         home=row["home"], demo=False))
        entry["territories"] += 1
        entry["demo"] = entry["demo"] or row["quality"] == "demo"
    return [out[k] for k in sorted(out)]


def _bump(conn: Connection, unit: str, threshold: int) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for name in (unit,):
        current = conn.execute(select(Publication.version).where(Publication.unit == name)).scalar()
        if current is None:
            conn.execute(Publication.__table__.insert().values(unit=name, version=1, published_at=now,
                                                               threshold=threshold))
        else:
            conn.execute(Publication.__table__.update().where(Publication.unit == name)
                         .values(version=current + 1, published_at=now, threshold=threshold))


# -- families of counts -------------------------------------------------------------------

def _family_rows(conn: Connection, unit: Unit, periods: set[Period] | None, geos: dict[str, C.Geo],
                 threshold: int) -> list[dict]:
    figures = C.stored_figures(conn, unit.stored, periods)
    if figures.empty:
        return []
    homes = C.home_geographies(figures, geos)
    rows: list[dict] = []
    public = all(m in PUBLIC for m in unit.stored)
    for geo_code in sorted(figures["geography"].unique()):
        geo = geos[geo_code]
        stored = C.level_cells(figures, geo)
        by_indicator = {m: stored[stored["indicator"] == m] for m in unit.stored}
        for code in unit.members:
            spec = DERIVED_BY_CODE.get(code)
            if spec is not None and spec.parts:
                by_indicator[code] = C.sum_cells([by_indicator.get(p, pd.DataFrame()) for p in spec.parts], code)
        frames = [f for f in by_indicator.values() if not f.empty]
        if not frames:
            continue
        allcells = pd.concat(frames, ignore_index=True)
        relations = C.relations(geo)
        perimeters = geo.perimeters
        for (_period_type, _period_start), frame in allcells.groupby(["period_type", "period_start"], sort=True):
            masked = set() if public else _mask(frame, unit, relations, threshold)
            rows += _rows(frame, unit.name, geo_code, masked, homes, perimeters)
    return rows


def _mask(frame: pd.DataFrame, unit: Unit, relations, threshold: int) -> set[tuple]:
    """The secret cells of one period: the hierarchy's levels (and the communes déléguées that
    make up a commune nouvelle) together; any other level (QPV) with its own partitions only."""
    masked: set[tuple] = set()
    in_hierarchy = frame["level"].isin(C.MASKED_WITH_HIERARCHY)
    groups = [(frame[in_hierarchy], relations)]
    groups += [(frame[frame["level"] == level], []) for level in sorted(frame.loc[~in_hierarchy, "level"].unique())]
    for cells_frame, geo_relations in groups:
        if cells_frame.empty:
            continue
        cells: dict[tuple, float | None] = {}
        source_masked: set[tuple] = set()
        for indicator, level, code, value, flag in zip(cells_frame["indicator"], cells_frame["level"],
                                                       cells_frame["code"], cells_frame["value"],
                                                       cells_frame["flag"]):
            key = (indicator, level, code)
            cells[key] = None if value is None or value != value else float(value)
            if isinstance(flag, str):
                source_masked.add(key)
        relations_, of_which = _relations(cells, unit.members, geo_relations)
        masked |= mask_period(cells, source_masked, relations_, of_which, threshold, DEFAULT_PROTECTION)
    return masked


def _relations(cells: dict, members: tuple[str, ...], geo_relations) -> tuple[list[Relation], list[tuple]]:
    """Every relation an attacker knows between the cells, keyed (indicator, level, code): the
    hierarchy's sums, the partitions (a partition with a rest adds the rest as a cell: never
    shown, but computable), and the "of which" bounds."""
    relations: list[Relation] = []
    own_by_indicator: dict[str, set] = {}
    for indicator, level, code in cells:
        own_by_indicator.setdefault(indicator, set()).add((level, code))
    for indicator in sorted(own_by_indicator):
        own = own_by_indicator[indicator]
        # Figures given per circonscription (ALI activity): a circonscription without figures has
        # no ALI — a known 0 — so it leaves the sums instead of being a cell to mask.
        known_zeros = not any(level == "commune" for level, _ in own)
        for total, parts in geo_relations:
            if total not in own:
                continue
            if known_zeros:
                parts = tuple(p for p in parts if p[0] in own)
            if parts:
                relations.append(Relation((indicator, *total), tuple(((indicator, *p), w) for p, w in parts)))
    for index, partition in enumerate(PARTITIONS):
        if partition.total not in members:
            continue
        for key in sorted(k for k in list(cells) if k[0] == partition.total):
            parts = [(p, *key[1:]) for p in partition.parts]
            if not all(p in cells for p in parts):
                continue
            if partition.rest:
                rest = (f"{partition.total}:reste:{index}", *key[1:])
                known = [cells[key], *(cells[p] for p in parts)]
                cells[rest] = None if None in known else known[0] - sum(known[1:])
                parts.append(rest)
            relations.append(Relation(key, tuple((p, 1.0) for p in parts)))
    of_which = [((part, *key[1:]), (total, *key[1:]))
                for part, total in OF_WHICH if part in members and total in members
                for key in sorted(k for k in cells if k[0] == part) if (total, *key[1:]) in cells]
    return relations, of_which


def _rows(frame: pd.DataFrame, unit: str, geography: str, masked: set[tuple], homes: dict,
          perimeters: dict[tuple[str, str], int]) -> list[dict]:
    out = []
    columns = {c: frame[c].tolist() for c in C.CELL_COLUMNS}
    for r in (SimpleNamespace(**dict(zip(columns, values))) for values in zip(*columns.values())):
        secret = (r.indicator, r.level, r.code) in masked or isinstance(r.flag, str)
        value = None if secret or r.value is None or r.value != r.value else float(r.value)
        first_stored = _first_stored(r.indicator)
        out.append(dict(
            unit=unit, indicator_code=r.indicator, geography_code=geography, level=r.level, code=r.code,
            name=r.name, period_type=r.period_type, period_start=r.period_start, value=value,
            flag="secret" if secret else None, aggregated=bool(r.aggregated), estimated=bool(r.estimated),
            home=homes.get((first_stored, r.period_type, r.period_start)) == geography,
            import_id=None if r.import_id != r.import_id else int(r.import_id), source=_text(r.source),
            quality=_text(r.quality), data_date=_text(r.data_date), caveats=_text(r.caveats),
            series=series_id(_text(r.kind), _text(r.quality), perimeters.get((r.level, r.code), 0)),
            partial=r.coverage in C.INCOMPLETE))
    return out


def _first_stored(code: str) -> str:
    spec = DERIVED_BY_CODE.get(code)
    return _first_stored(spec.parts[0]) if spec is not None and spec.parts else code


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


# -- ratios ---------------------------------------------------------------------------------

_READ = [PublishedValue.geography_code, PublishedValue.level, PublishedValue.code, PublishedValue.name,
         PublishedValue.period_type, PublishedValue.period_start, PublishedValue.value, PublishedValue.flag,
         PublishedValue.aggregated, PublishedValue.estimated, PublishedValue.home, PublishedValue.import_id,
         PublishedValue.source, PublishedValue.quality, PublishedValue.data_date, PublishedValue.caveats,
         PublishedValue.series, PublishedValue.partial]


def _ratio_rows(conn: Connection, unit: Unit, periods: set[Period] | None) -> list[dict]:
    """A ratio from the published (summed, masked) counts, territory by territory: masked when
    either term is; the denominator of the same period or, for a yearly one, of the nearest
    year on the same geography (the latest before, else the first after)."""
    spec = unit.ratio
    if spec is None or spec.numerator is None or spec.denominator is None:
        raise ValueError(f"{unit.name} is not a ratio of a numerator and a denominator")
    num = _published(conn, spec.numerator, periods)
    if num.empty:  # nothing to divide: the denominator (all its periods) is not even read
        return []
    den = _published(conn, spec.denominator, None)
    if den.empty:
        return []
    chosen = {}
    for geography, on_geo in den.groupby("geography_code", sort=True):
        have = set(zip(on_geo["period_type"], on_geo["period_start"]))
        available = sorted(set(zip(on_geo.loc[on_geo["home"], "period_start"], on_geo.loc[on_geo["home"], "period_type"])))
        for period_type, period_start in set(zip(*(num.loc[num["geography_code"] == geography, c]
                                                   for c in ("period_type", "period_start")))):
            if (period_type, period_start) in have:
                chosen[(geography, period_type, period_start)] = (period_type, period_start)
            elif available:
                before = [p for p in available if p[0] <= period_start]
                start, kind = before[-1] if before else available[0]
                chosen[(geography, period_type, period_start)] = (kind, start)
    keys = list(zip(num["geography_code"], num["period_type"], num["period_start"]))
    num["den_type"] = [chosen.get(k, (None, None))[0] for k in keys]
    num["den_start"] = [chosen.get(k, (None, None))[1] for k in keys]
    den = den[["geography_code", "level", "code", "period_type", "period_start", "value", "flag", "estimated",
               "source", "quality", "series", "partial"]].rename(columns={
                   "period_type": "den_type", "period_start": "den_start", "value": "d_value", "flag": "d_flag",
                   "estimated": "d_estimated", "source": "d_source", "quality": "d_quality", "series": "d_series",
                   "partial": "d_partial"})
    merged = num.merge(den, on=["geography_code", "level", "code", "den_type", "den_start"], how="left",
                       indicator=True)
    # A level whose denominator has no row at all in the chosen period gives no ratio.
    has_level = merged.groupby(["geography_code", "period_type", "period_start", "level"])["_merge"] \
        .transform(lambda m: (m == "both").any())
    merged = merged[has_level.astype(bool)]
    rows = []
    for r in merged.itertuples(index=False):
        secret = isinstance(r.flag, str) or isinstance(r.d_flag, str)
        value = None
        if not secret and _number(r.value) and _number(r.d_value) and r.d_value != 0:
            value = r.value / r.d_value * spec.scale
        sources = [x for x in (r.source, r.d_source) if isinstance(x, str)]
        rows.append(dict(
            unit=unit.name, indicator_code=spec.code, geography_code=r.geography_code, level=r.level, code=r.code,
            name=r.name, period_type=r.period_type, period_start=r.period_start, value=value,
            flag="secret" if secret else None, aggregated=bool(r.aggregated),
            estimated=bool(r.estimated) or r.d_estimated is True, home=bool(r.home),
            import_id=None if not _number(r.import_id) else int(r.import_id),
            source=" ; ".join(dict.fromkeys(sources)) or None,
            quality="demo" if "demo" in (r.quality, r.d_quality) else _text(r.quality),
            data_date=_text(r.data_date), caveats=_text(r.caveats),
            series=ratio_series(_text(r.series), _text(r.d_series)),
            partial=_true(r.partial) or _true(r.d_partial)))
    return rows


# -- yearly sums ---------------------------------------------------------------------------

def _yearly_rows(conn: Connection, unit: Unit, periods: set[Period] | None) -> list[dict]:
    """A calendar year's sum of the published months of a monthly indicator, territory by
    territory: secret when one month is (so it says nothing the months do not); a year with
    fewer than twelve months says which months it adds up."""
    spec = unit.ratio
    if spec is None or spec.yearly_sum_of is None:
        raise ValueError(f"{unit.name} is not a yearly sum")
    months = None
    if periods is not None:
        months = {("month", dt.date(start.year, m, 1)) for _, start in periods for m in range(1, 13)}
    source = _published(conn, spec.yearly_sum_of, months)
    if source.empty:
        return []
    source = source[source["period_type"] == "month"]
    source = source.assign(year=[d.year for d in source["period_start"]])
    rows = []
    for (geography, level, code, year), group in source.groupby(["geography_code", "level", "code", "year"], sort=True):
        secret = group["flag"].map(lambda f: isinstance(f, str)).any()
        known = group["value"].notna().all()
        first, last = min(group["period_start"]), max(group["period_start"])
        span = None if len(group) == 12 else f"Cumul de {MONTHS[first.month - 1]} à {MONTHS[last.month - 1]} {year}."
        caveats = [c for c in (span, *group["caveats"].dropna().unique()) if isinstance(c, str)]
        head = group.iloc[-1]
        rows.append(dict(
            unit=unit.name, indicator_code=spec.code, geography_code=geography, level=level, code=code,
            name=head["name"], period_type="year", period_start=dt.date(int(year), 1, 1),
            value=float(group["value"].sum()) if known and not secret else None,
            flag="secret" if secret else None, aggregated=bool(group["aggregated"].any()),
            estimated=bool(group["estimated"].any()), home=bool(head["home"]),
            import_id=int(group["import_id"].max()) if group["import_id"].notna().any() else None,
            source=_text(head["source"]), quality="demo" if (group["quality"] == "demo").any() else _text(head["quality"]),
            data_date=_text(head["data_date"]), caveats=" ".join(dict.fromkeys(caveats)) or None,
            series=_yearly_series(_text(head["series"]), (first.month, last.month) if span else None),
            partial=bool(group["partial"].map(_true).any())))
    return rows


def _yearly_series(series: str | None, months: tuple[int, int] | None) -> str | None:
    """A sum of some months of a year is not of one series with a whole year's (`series`)."""
    return f"{series}|{months[0]}-{months[1]}" if series and months else series


def _published(conn: Connection, indicator: str, periods: set[Period] | None) -> pd.DataFrame:
    stmt = select(*_READ).where(PublishedValue.indicator_code == indicator)
    if periods is not None:
        if not periods:
            return pd.DataFrame()
        stmt = stmt.where(tuple_(PublishedValue.period_type, PublishedValue.period_start).in_(sorted(periods)))
    frame = pd.read_sql(stmt.order_by(PublishedValue.geography_code, PublishedValue.period_start,
                                      PublishedValue.level, PublishedValue.code), conn)
    if not frame.empty:
        frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
        frame["home"] = frame["home"].astype(bool)
    return frame


def _true(value) -> bool:
    return value is not None and value == value and bool(value)


def _number(value) -> bool:
    return value is not None and value == value


def versions(conn: Connection) -> dict[str, int]:
    return dict(conn.execute(select(Publication.unit, Publication.version)).all())


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(PublishedValue)).scalar_one()
