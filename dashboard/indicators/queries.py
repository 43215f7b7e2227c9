"""The query layer: small functions that return tidy pandas frames with provenance.

Pages and figures never touch SQL; they call these. Aggregation to coarser levels is done here
from the finest level through the territory links (sum of value × weight), never by summing
rates, and only when every part is known (a partial sum would be a false figure).
"""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import Session, aliased

from dashboard.ingest.kinds import KINDS
from dashboard.indicators import cache, secrecy
from dashboard.indicators.registry import DERIVED, DERIVED_BY_CODE, PUBLIC, Derived
from dashboard.store.models import (
    QUALITIES,
    Figure,
    Geography,
    ImportEvent,
    ImportRecord,
    Indicator,
    Territory,
    TerritoryLink,
)

_engine: Engine | None = None


_secrecy = {"threshold": 10}
# The levels published for a count, from finest to coarsest: secondary secrecy protects them
# together, since each is the sum of the finer ones.
HIERARCHY = ("commune", "circonscription", "ept", "departement")


def configure(engine: Engine, redis_url: str | None = None, secrecy_threshold: int = 10) -> None:
    """Point the query layer at a store and its cache (done once by the app factory)."""
    global _engine
    _engine = engine
    _secrecy["threshold"] = secrecy_threshold
    cache.configure(redis_url, generation)


def generation() -> str:
    """The store's generation: it changes with every import and rollback (cache keys carry it),
    and with the store itself (its URL, and the time of its latest event: a store dropped and
    made again does not meet its predecessor's entries)."""
    with engine().connect() as conn:
        latest, at = conn.execute(select(func.max(ImportEvent.id), func.max(ImportEvent.at))).one()
    return f"{engine().url.render_as_string(hide_password=True)}|{latest}|{at}"


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("query layer not configured: call dashboard.indicators.queries.configure(engine)")
    return _engine


def _frame(statement) -> pd.DataFrame:
    with engine().connect() as conn:
        return pd.read_sql(statement, conn)


@cache.cached
def imports() -> pd.DataFrame:
    """Every applied import with its provenance, newest first."""
    frame = _frame(select(
        ImportRecord.id, ImportRecord.kind, ImportRecord.file_name, ImportRecord.source,
        ImportRecord.source_url, ImportRecord.licence, ImportRecord.quality, ImportRecord.caveats,
        ImportRecord.data_date, ImportRecord.imported_at, ImportRecord.row_count, ImportRecord.sha256,
    ).where(ImportRecord.status == "applied").order_by(ImportRecord.id.desc()))
    frame["quality_label"] = frame["quality"].map(QUALITIES)
    frame["kind_label"] = frame["kind"].map(lambda k: KINDS[k].label if k in KINDS else k)
    frame["is_demo"] = frame["quality"].eq("demo")
    return frame


@cache.cached
def indicator_coverage() -> pd.DataFrame:
    """Per stored indicator: label, unit, periods covered, territories, sources and demo flag."""
    stmt = (
        select(
            Indicator.code, Indicator.label, Indicator.unit, Figure.period_type,
            func.min(Figure.period_start).label("first_period"),
            func.max(Figure.period_start).label("last_period"),
            func.count(func.distinct(Figure.territory_id)).label("territories"),
            func.count().label("figures"),
            func.max(ImportRecord.quality == "demo").label("is_demo"),
        )
        .join(Figure, Figure.indicator_code == Indicator.code)
        .join(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(Figure.superseded_by.is_(None))
        .group_by(Indicator.code, Indicator.label, Indicator.unit, Figure.period_type)
        .order_by(Indicator.label)
    )
    frame = _frame(stmt)
    frame["is_demo"] = frame["is_demo"].astype(bool)
    for col in ("first_period", "last_period"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return frame


@cache.cached
def territory_counts() -> pd.DataFrame:
    """How many territories of each level each geography holds, and how many have a shape."""
    return _frame(
        select(Territory.geography_code, Geography.label.label("geography_label"), Territory.level,
               func.count().label("territories"),
               func.count(Territory.geometry).label("with_geometry"))
        .join(Geography, Geography.code == Territory.geography_code)
        .group_by(Territory.geography_code, Geography.label, Territory.level)
        .order_by(Territory.geography_code, Territory.level))


@cache.cached
def periods(indicator: str) -> list[tuple[str, dt.date]]:
    """The periods an indicator has figures for (a derived one: those of its first input)."""
    if indicator in DERIVED_BY_CODE:
        return periods(_inputs(DERIVED_BY_CODE[indicator])[0])
    with engine().connect() as conn:
        rows = conn.execute(select(Figure.period_type, Figure.period_start).where(
            Figure.indicator_code == indicator, Figure.superseded_by.is_(None)).distinct()
            .order_by(Figure.period_start))
        return [(t, d) for t, d in rows]


@cache.cached
def geography_of(indicator: str, period_type: str, period_start: dt.date) -> str | None:
    """The COG geography a figure was given on (a figure is drawn on the geography of its own
    date, which its source chose: the population of 2023 is published on the 2025 communes)."""
    if indicator in DERIVED_BY_CODE:
        return geography_of(_inputs(DERIVED_BY_CODE[indicator])[0], period_type, period_start)
    with engine().connect() as conn:
        found = conn.execute(
            select(Territory.geography_code, func.count().label("n"))
            .join(Figure, Figure.territory_id == Territory.id)
            .join(Geography, Geography.code == Territory.geography_code)
            .where(Figure.indicator_code == indicator, Figure.period_type == period_type,
                   Figure.period_start == period_start, Figure.superseded_by.is_(None), Geography.family == "cog")
            .group_by(Territory.geography_code).order_by(func.count().desc()).limit(1)).first()
    return found[0] if found else geography_at("cog", period_start)


@cache.cached
def indicators() -> pd.DataFrame:
    """The indicators that have figures: the stored ones with figures, and the derived ones
    whose inputs have figures. Columns: code, label, unit, source."""
    stored = _frame(select(Indicator.code, Indicator.label, Indicator.unit, Indicator.source)
                    .where(Indicator.code.in_(select(Figure.indicator_code).distinct())))
    have = set(stored["code"])
    derived = [{"code": d.code, "label": d.label, "unit": d.unit,
                "source": " ; ".join(stored.set_index("code").loc[[i for i in _inputs(d)], "source"].unique())}
               for d in DERIVED if all(i in have for i in _inputs(d))]
    return pd.concat([stored, pd.DataFrame(derived, columns=stored.columns)], ignore_index=True) \
        .sort_values("label", ignore_index=True)


def _inputs(spec: Derived) -> list[str]:
    """The stored indicators a derived one is computed from."""
    direct = [*spec.parts, *(x for x in (spec.numerator, spec.denominator) if x)]
    return [leaf for code in direct for leaf in (_inputs(DERIVED_BY_CODE[code]) if code in DERIVED_BY_CODE
                                                 else [code])]


def geography_at(family: str, day: dt.date) -> str | None:
    with Session(engine()) as session:
        return next((g.code for g in session.scalars(select(Geography).where(Geography.family == family))
                     if g.in_force(day)), None)


@cache.cached
def territories(geography: str, level: str) -> pd.DataFrame:
    return _frame(select(Territory.id, Territory.code, Territory.name, Territory.attributes,
                         Territory.label_lon, Territory.label_lat, Territory.area_km2)
                  .where(Territory.geography_code == geography, Territory.level == level)
                  .order_by(Territory.code))


@cache.cached
def geojson(geography: str, level: str) -> dict:
    """The prepared shapes of one level as a FeatureCollection keyed by territory code
    (cached: geometry only changes with an import of the geography)."""
    with engine().connect() as conn:
        rows = conn.execute(select(Territory.code, Territory.name, Territory.geometry).where(
            Territory.geography_code == geography, Territory.level == level,
            Territory.geometry.is_not(None)).order_by(Territory.code))
        features = [{"type": "Feature", "id": code, "properties": {"nom": name}, "geometry": json.loads(geom)}
                    for code, name, geom in rows]
    return {"type": "FeatureCollection", "features": features}


COLUMNS = ["code", "name", "value", "flag", "import_id", "source", "quality", "data_date", "caveats", "aggregated"]


@cache.cached
def values(indicator: str, level: str, period_type: str, period_start: dt.date, geography: str) -> pd.DataFrame:
    """One indicator for every territory of one level, one period, on one geography, with
    statistical secrecy applied (masked cells: value None, flag "secret").

    Columns: code, name, value, flag, aggregated, and the provenance: import_id, source,
    quality, data_date, caveats."""
    if indicator in DERIVED_BY_CODE:
        return _derived(DERIVED_BY_CODE[indicator], level, period_type, period_start, geography)
    frame = _raw_values(indicator, level, period_type, period_start, geography)
    if indicator in PUBLIC or frame.empty:
        return frame
    masked = _masked(indicator, period_type, period_start, geography)
    hidden = frame["code"].map(lambda c: (level, c) in masked).astype(bool)
    frame = frame.copy()
    frame.loc[hidden, "value"] = None
    frame.loc[hidden, "flag"] = "secret"
    return frame


@cache.cached
def _masked(indicator: str, period_type: str, period_start: dt.date, geography: str) -> set[tuple[str, str]]:
    """The (level, code) cells to mask for one indicator and period: every published level is
    protected together, so no masked cell can be derived from any combination of totals."""
    cells: dict[tuple[str, str], float | None] = {}
    source_masked = set()
    for level in HIERARCHY:
        frame = _raw_values(indicator, level, period_type, period_start, geography)
        for code, value, flag in zip(frame["code"], frame["value"], frame["flag"]):
            cells[(level, code)] = None if value is None or value != value else float(value)
            if isinstance(flag, str):
                source_masked.add((level, code))
    relations = _sum_links(geography)
    if not any(level == "commune" for level, _ in cells):
        # Figures given per circonscription (ALI activity): a circonscription without figures has
        # no ALI — a known 0 that hides nothing — so it leaves the sums instead of being a cell
        # that could be chosen to mask.
        relations = [(total, tuple(p for p in parts if p in cells)) for total, parts in relations]
    constraints = [secrecy.Constraint(total, parts) for total, parts in relations if total in cells and parts]
    return secrecy.protect(cells, constraints, _secrecy["threshold"], already_masked=source_masked)


@cache.cached
def _sum_links(geography: str) -> list[tuple[tuple[str, str], tuple[tuple[str, ...], ...]]]:
    """Every "total = sum of parts" relation between published levels, as (total, parts).

    A child split between parents (the commune nouvelle Saint-Denis, in two ALI territories in
    2025) enters each parent through an unpublished share cell ("part", child, parent), and the
    child equals the sum of its shares: an attacker who knows the weights gains nothing more than
    these equations allow."""
    parent, child = aliased(Territory), aliased(Territory)
    with engine().connect() as conn:
        rows = conn.execute(select(parent.level, parent.code, child.level, child.code, TerritoryLink.weight)
                            .join(TerritoryLink, TerritoryLink.parent_id == parent.id)
                            .join(child, child.id == TerritoryLink.child_id)
                            .where(parent.geography_code == geography,
                                   parent.level.in_(HIERARCHY), child.level.in_(HIERARCHY))).all()
    sums: dict[tuple, list] = {}
    shares: dict[tuple, list] = {}
    for p_level, p_code, c_level, c_code, weight in rows:
        if weight == 1:
            part = (c_level, c_code)
        else:
            part = ("part", f"{c_level}:{c_code}", f"{p_level}:{p_code}")
            shares.setdefault(((c_level, c_code), p_level), []).append(part)
        # One relation per (parent, child level): the département is the sum of its communes
        # and, separately, of its circonscriptions.
        sums.setdefault(((p_level, p_code), c_level), []).append(part)
    relations = [(total, tuple(sorted(parts))) for (total, _), parts in sorted(sums.items())]
    relations += [(whole, tuple(sorted(parts))) for (whole, _), parts in sorted(shares.items())]
    return relations


def _raw_values(indicator: str, level: str, period_type: str, period_start: dt.date, geography: str) -> pd.DataFrame:
    """The figures as stored or summed, before secrecy (never returned to a caller outside)."""
    direct = _direct(indicator, level, period_type, period_start, geography)
    if not direct.empty:
        return direct
    for child_level in ("commune", "circonscription"):
        if child_level != level:
            summed = _aggregated(indicator, level, period_type, period_start, geography, child_level)
            if not summed.empty:
                return summed
    return pd.DataFrame(columns=COLUMNS)


def _derived(spec: Derived, level, period_type, period_start, geography) -> pd.DataFrame:
    """A ratio or a sum, computed territory by territory from the (aggregated) counts."""
    if spec.parts:
        frames = [values(p, level, period_type, period_start, geography) for p in spec.parts]
        if any(f.empty for f in frames):
            return pd.DataFrame(columns=COLUMNS)
        merged = frames[0].copy()
        merged["value"] = sum(f.set_index("code")["value"].reindex(merged["code"]).to_numpy() for f in frames)
        merged["flag"] = _combine_flags(frames, merged["code"])
        return merged[COLUMNS]
    num = values(spec.numerator, level, period_type, period_start, geography)
    if num.empty:
        return pd.DataFrame(columns=COLUMNS)
    den = _denominator(spec.denominator, level, period_type, period_start, geography)
    if den.empty:
        return pd.DataFrame(columns=COLUMNS)
    den_values = den.set_index("code")["value"].reindex(num["code"]).to_numpy()
    out = num.copy()
    out["value"] = [None if (d is None or d != d or d == 0 or n is None or n != n) else n / d * spec.scale
                    for n, d in zip(num["value"].tolist(), den_values.tolist())]
    out["flag"] = _combine_flags([num, den], num["code"])
    out["source"] = [" ; ".join(dict.fromkeys(x for x in (a, b) if isinstance(x, str)))
                     for a, b in zip(num["source"], den.set_index("code")["source"].reindex(num["code"]))]
    den_quality = den.set_index("code")["quality"].reindex(num["code"]).to_numpy()
    out["quality"] = ["demo" if "demo" in (a, b) else a for a, b in zip(num["quality"], den_quality)]
    return out[COLUMNS]


def _denominator(indicator, level, period_type, period_start, geography) -> pd.DataFrame:
    """The denominator of the same period, or — for the yearly population — of the nearest year
    available on the same geography (the latest before the period, else the first after)."""
    same = values(indicator, level, period_type, period_start, geography)
    if not same.empty:
        return same
    available = [d for t, d in periods(indicator) if geography_of(indicator, t, d) == geography]
    if not available:
        return same
    before = [d for d in available if d <= period_start]
    nearest = max(before) if before else min(available)
    kind = next(t for t, d in periods(indicator) if d == nearest)
    return values(indicator, level, kind, nearest, geography)


def _combine_flags(frames: list[pd.DataFrame], codes: pd.Series) -> list[str | None]:
    """A value computed from a masked one is masked too."""
    flags = [f.set_index("code")["flag"].reindex(codes).to_numpy() for f in frames]
    return ["secret" if any(isinstance(x[i], str) for x in flags) else None for i in range(len(codes))]


def _provenance_columns():
    return (ImportRecord.id.label("import_id"), ImportRecord.source, ImportRecord.quality,
            ImportRecord.data_date, ImportRecord.caveats)


def _direct(indicator, level, period_type, period_start, geography) -> pd.DataFrame:
    stmt = (
        select(Territory.code, Territory.name, Figure.value, Figure.flag, *_provenance_columns())
        .join(Figure, and_(Figure.territory_id == Territory.id, Figure.indicator_code == indicator,
                           Figure.period_type == period_type, Figure.period_start == period_start,
                           Figure.superseded_by.is_(None)))
        .join(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(Territory.geography_code == geography, Territory.level == level)
        .order_by(Territory.code)
    )
    frame = _frame(stmt)
    frame["aggregated"] = False
    return frame


def _aggregated(indicator, level, period_type, period_start, geography, child_level) -> pd.DataFrame:
    """Sum the children of each territory (value × link weight). From communes, a territory with
    any commune missing, secret or of unknown weight gets no value (a partial sum would be a false
    figure); from circonscriptions (ALI activity), a circonscription without figures has no ALI
    and adds nothing."""
    parent, child = aliased(Territory), aliased(Territory)
    stmt = (
        select(parent.code, parent.name, child.code.label("child_code"), TerritoryLink.weight,
               Figure.value, Figure.flag, *_provenance_columns())
        .join(TerritoryLink, TerritoryLink.parent_id == parent.id)
        .join(child, and_(child.id == TerritoryLink.child_id, child.level == child_level))
        .outerjoin(Figure, and_(Figure.territory_id == child.id, Figure.indicator_code == indicator,
                                Figure.period_type == period_type, Figure.period_start == period_start,
                                Figure.superseded_by.is_(None)))
        .outerjoin(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(parent.geography_code == geography, parent.level == level)
    )
    parts = _frame(stmt)
    if parts.empty or parts["value"].notna().sum() == 0:
        return pd.DataFrame(columns=COLUMNS)
    parts["part"] = parts["value"] * parts["weight"]
    complete = child_level == "commune"
    grouped = parts.groupby(["code", "name"], sort=True)
    out = grouped.agg(
        value=("part", lambda s: s.sum() if s.notna().all() or not complete else float("nan")),
        import_id=("import_id", "max"), source=("source", "first"),
        quality=("quality", lambda q: "demo" if (q == "demo").any() else q.dropna().iloc[0] if q.notna().any() else None),
        data_date=("data_date", "first"), caveats=("caveats", "first"),
    ).reset_index()
    out["flag"] = None
    out["aggregated"] = True
    return out[COLUMNS]
