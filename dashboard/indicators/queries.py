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
from dashboard.indicators import cache, reading, secrecy
from dashboard.indicators.registry import DERIVED, DERIVED_BY_CODE, PARTITIONS, PUBLIC, Derived, family
from dashboard.store.models import (
    QUALITIES,
    Ali,
    Figure,
    Geography,
    ImportEvent,
    ImportRecord,
    Indicator,
    Structure,
    StructureType,
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
    made again does not meet its predecessor's entries). Read once per request, from the
    request's snapshot."""
    return reading.once("generation", _generation)


def _generation() -> str:
    with _connect() as conn:
        latest, at = conn.execute(select(func.max(ImportEvent.id), func.max(ImportEvent.at))).one()
    # The threshold too: apps of one process may mask at different thresholds (tests do).
    return f"{engine().url.render_as_string(hide_password=True)}|{latest}|{at}|{_secrecy['threshold']}"


def _connect():
    return reading.connection(engine())


def engine() -> Engine:
    if _engine is None:
        raise RuntimeError("query layer not configured: call dashboard.indicators.queries.configure(engine)")
    return _engine


def _frame(statement) -> pd.DataFrame:
    with _connect() as conn:
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
    with _connect() as conn:
        rows = conn.execute(select(Figure.period_type, Figure.period_start).where(
            Figure.indicator_code == indicator, Figure.superseded_by.is_(None)).distinct()
            .order_by(Figure.period_start))
        return [(t, d) for t, d in rows]


@cache.cached
def geography_of(indicator: str, period_type: str, period_start: dt.date) -> str | None:
    """The geography a figure was given on (a figure is drawn on the geography of its own date,
    which its source chose: the population of 2023 is published on the 2025 communes). The COG
    when the figures are on it, else the geography that holds them (QPV-only figures)."""
    if indicator in DERIVED_BY_CODE:
        return geography_of(_inputs(DERIVED_BY_CODE[indicator])[0], period_type, period_start)
    with _connect() as conn:
        found = conn.execute(
            select(Territory.geography_code, func.count().label("n"))
            .join(Figure, Figure.territory_id == Territory.id)
            .join(Geography, Geography.code == Territory.geography_code)
            .where(Figure.indicator_code == indicator, Figure.period_type == period_type,
                   Figure.period_start == period_start, Figure.superseded_by.is_(None))
            .group_by(Territory.geography_code, Geography.family)
            .order_by((Geography.family == "cog").desc(), func.count().desc()).limit(1)).first()
    return found[0] if found else geography_at("cog", period_start)


@cache.cached
def indicators() -> pd.DataFrame:
    """The indicators that have figures: the stored ones with figures, and the derived ones
    whose inputs have figures. Columns: code, label, unit, source."""
    # EXISTS on the current figures: the partial index answers it without reading every figure.
    stored = _frame(select(Indicator.code, Indicator.label, Indicator.unit, Indicator.source)
                    .where(select(Figure.id).where(Figure.indicator_code == Indicator.code,
                                                   Figure.superseded_by.is_(None)).exists()))
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
    with _connect() as conn, Session(conn) as session:
        return next((g.code for g in session.scalars(select(Geography).where(Geography.family == family))
                     if g.in_force(day)), None)


def find_territory(code: str) -> dict | None:
    """The territory a code names (codes are unique across levels: 93001, ALI-2022-01, QN09301M,
    93), on the COG in force today when it is there, else on the latest geography that has it.
    Keys: code, name, level, geography. A code from a URL is checked against the known codes
    first, so that made-up codes never become cache entries."""
    return _territory(code) if isinstance(code, str) and code in territory_codes() else None


@cache.cached
def territory_codes() -> frozenset[str]:
    with _connect() as conn:
        return frozenset(conn.execute(select(Territory.code).distinct()).scalars())


@cache.cached
def _territory(code: str) -> dict | None:
    with _connect() as conn, Session(conn) as session:
        rows = session.execute(select(Territory, Geography).join(Geography, Geography.code == Territory.geography_code)
                               .where(Territory.code == code)).all()
        if not rows:
            return None
        today = dt.date.today()
        territory, geography = max(rows, key=lambda r: (r[1].family == "cog", r[1].in_force(today),
                                                        r[1].valid_from or dt.date.min))
        return {"code": territory.code, "name": territory.name, "level": territory.level,
                "geography": geography.code}


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
    with _connect() as conn:
        rows = conn.execute(select(Territory.code, Territory.name, Territory.geometry).where(
            Territory.geography_code == geography, Territory.level == level,
            Territory.geometry.is_not(None)).order_by(Territory.code))
        features = [{"type": "Feature", "id": code, "properties": {"nom": name}, "geometry": json.loads(geom)}
                    for code, name, geom in rows]
    return {"type": "FeatureCollection", "features": features}


@cache.cached
def shape_codes(geography: str, level: str) -> list[str]:
    """The codes of the territories `geojson` draws, in its order (without its shapes)."""
    with _connect() as conn:
        return list(conn.execute(select(Territory.code).where(
            Territory.geography_code == geography, Territory.level == level,
            Territory.geometry.is_not(None)).order_by(Territory.code)).scalars())


COLUMNS = ["code", "name", "value", "flag", "import_id", "source", "quality", "data_date", "caveats", "aggregated"]
PROFILE_COLUMNS = ["indicator", "period_type", "period_start", "value", "flag", "import_id", "source", "quality",
                   "data_date", "caveats", "aggregated"]
_PERIOD = ["period_type", "period_start"]


@cache.cached
def values(indicator: str, level: str, period_type: str, period_start: dt.date, geography: str) -> pd.DataFrame:
    """One indicator for every territory of one level, one period, on one geography, with
    statistical secrecy applied (masked cells: value None, flag "secret").

    Columns: code, name, value, flag, aggregated, and the provenance: import_id, source,
    quality, data_date, caveats."""
    spec = DERIVED_BY_CODE.get(indicator)
    if spec is not None and not spec.parts:
        return _ratio(spec, level, period_type, period_start, geography)
    frame = _raw(indicator, level, geography, period=(period_type, period_start))
    if indicator not in PUBLIC and not frame.empty:
        masked = _masked(family(indicator), _protected_with(level), period_type, period_start, geography)
        _apply_mask(frame, indicator, level, masked)
    return frame[COLUMNS].reset_index(drop=True)


@cache.cached
def profile(code: str, level: str, geography: str) -> pd.DataFrame:
    """Every indicator for one territory and every period it has, with secrecy applied: the
    same figures, masks included, as `values` gives period by period.

    Columns: indicator, period_type, period_start, value, flag, aggregated and the provenance."""
    block = _block(code, level, geography)
    series: dict[str, pd.DataFrame] = {}
    stored = [c for c in indicators()["code"] if c not in DERIVED_BY_CODE or DERIVED_BY_CODE[c].parts]
    for indicator in stored:
        # The block's figures, which the masks below were computed from (cached with them), for
        # this territory: the same rows as the map's, without a query per territory.
        frame = _raw(indicator, level, geography, scope=block)
        frame = frame[frame["code"] == code].reset_index(drop=True)
        if frame.empty:
            continue
        if indicator not in PUBLIC:
            masks = _block_masks(family(indicator), _protected_with(level), geography, block)
            hidden = {period for period, masked in masks.items() if (indicator, level, code) in masked}
            if hidden:
                rows = [p in hidden for p in zip(frame["period_type"], frame["period_start"])]
                frame.loc[rows, ["value", "flag"]] = [None, "secret"]
        series[indicator] = frame
    for spec in DERIVED:
        if not spec.parts and spec.numerator in series and spec.denominator in series:
            series[spec.code] = _ratio_series(spec, series[spec.numerator], series[spec.denominator])
    if not series:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    out = pd.concat([f.assign(indicator=i) for i, f in series.items()], ignore_index=True)
    return out[PROFILE_COLUMNS].sort_values(["indicator", "period_start"], ignore_index=True)


def _apply_mask(frame: pd.DataFrame, indicator: str, level: str, masked: set) -> None:
    hidden = frame["code"].map(lambda c: (indicator, level, c) in masked).astype(bool)
    frame.loc[hidden, "value"] = None
    frame.loc[hidden, "flag"] = "secret"


def _protected_with(level: str) -> tuple[str, ...]:
    """The levels whose cells are protected together with this level's: the hierarchy, whose
    levels are sums of one another; a level in no sum (QPV) only with itself."""
    return HIERARCHY if level in HIERARCHY else (level,)


@cache.cached
def _masked(members: tuple[str, ...], levels: tuple[str, ...], period_type: str, period_start: dt.date,
            geography: str) -> set[tuple]:
    """The (indicator, level, code) cells to mask for a family of indicators in one period."""
    return _masks(members, levels, geography, period=(period_type, period_start)).get((period_type, period_start), set())


@cache.cached
def _block_masks(members: tuple[str, ...], levels: tuple[str, ...], geography: str,
                 block: tuple[int, ...] | None) -> dict[tuple, set]:
    """The masks of every period at once, for the territories of one block (a département and
    what it holds: blocks share no sum, so each is protected on its own, as `_masked` does)."""
    return _masks(members, levels, geography, scope=block)


def _masks(members: tuple[str, ...], levels: tuple[str, ...], geography: str, period=None, scope=None) -> dict[tuple, set]:
    """Protect every published level of a family together: each indicator's hierarchy (communes,
    circonscriptions, EPT, département) and the partitions that tie the indicators together
    (exits by type and all exits; people in a QPV and the rest). Returns period → masked cells."""
    frames = [_raw(indicator, level, geography, period=period, scope=scope).assign(indicator=indicator, level=level)
              for indicator in members for level in levels]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return {}
    allcells = pd.concat(frames, ignore_index=True)
    relations = _relations_by_total(geography)
    partitions = [p for p in PARTITIONS if p.total in members]
    out = {}
    for (period_type, period_start), cells_frame in allcells.groupby(_PERIOD, sort=False):
        cells: dict[tuple, float | None] = {}
        source_masked = set()
        for indicator, level, code, value, flag in zip(cells_frame["indicator"], cells_frame["level"],
                                                       cells_frame["code"], cells_frame["value"], cells_frame["flag"]):
            cells[(indicator, level, code)] = None if value is None or value != value else float(value)
            if isinstance(flag, str):
                source_masked.add((indicator, level, code))
        constraints = _constraints(cells, members, relations, partitions)
        threshold = _secrecy["threshold"]
        if not source_masked and not any(v is not None and 0 < v <= threshold for v in cells.values()):
            out[(period_type, period_start)] = set()
            continue
        out[(period_type, period_start)] = secrecy.protect(cells, constraints, threshold, already_masked=source_masked)
    return out


def _constraints(cells: dict, members, relations: dict, partitions) -> list[secrecy.Constraint]:
    """The equations an attacker knows, keyed like the cells: (indicator, level, code). A partition
    with a rest adds the rest as a cell (never shown, but computable, so subject to secrecy)."""
    constraints = []
    for indicator in members:
        own = {key[1:] for key in cells if key[0] == indicator}
        # Figures given per circonscription (ALI activity): a circonscription without figures has
        # no ALI — a known 0 that hides nothing — so it leaves the sums instead of being a cell
        # that could be chosen to mask.
        known_zeros = not any(level == "commune" for level, _ in own)
        for total in own:
            for parts in relations.get(total, ()):
                if known_zeros:
                    parts = tuple(p for p in parts if p in own)
                if parts:
                    constraints.append(secrecy.Constraint((indicator, *total), tuple((indicator, *p) for p in parts)))
    for index, partition in enumerate(partitions):
        for key in [k for k in cells if k[0] == partition.total]:
            parts = [(p, *key[1:]) for p in partition.parts]
            if not all(p in cells for p in parts):
                continue
            if partition.rest:
                rest = (f"{partition.total}:reste:{index}", *key[1:])
                known = [cells[key], *(cells[p] for p in parts)]
                cells[rest] = None if None in known else known[0] - sum(known[1:])
                parts.append(rest)
            constraints.append(secrecy.Constraint(key, tuple(parts)))
    return constraints


@cache.cached
def _relations_by_total(geography: str) -> dict[tuple, list[tuple]]:
    by_total: dict[tuple, list[tuple]] = {}
    for total, parts in _sum_links(geography):
        by_total.setdefault(total, []).append(parts)
    return by_total


@cache.cached
def _sum_links(geography: str) -> list[tuple[tuple[str, str], tuple[tuple[str, ...], ...]]]:
    """Every "total = sum of parts" relation between published levels, as (total, parts).

    A child split between parents (the commune nouvelle Saint-Denis, in two ALI territories in
    2025) enters each parent through an unpublished share cell ("part", child, parent), and the
    child equals the sum of its shares: an attacker who knows the weights gains nothing more than
    these equations allow."""
    parent, child = aliased(Territory), aliased(Territory)
    with _connect() as conn:
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


@cache.cached
def _block(code: str, level: str, geography: str) -> tuple[int, ...] | None:
    """The ids of the territories protected together with this one: its département and every
    territory linked to it. A level outside the hierarchy (QPV) is in no sum: its own id."""
    with _connect() as conn:
        own = conn.execute(select(Territory.id).where(
            Territory.geography_code == geography, Territory.level == level, Territory.code == code)).scalar()
        if own is None or level not in HIERARCHY:
            return None if own is None else (own,)
        found = own if level == "departement" else conn.execute(
            select(Territory.id).join(TerritoryLink, TerritoryLink.parent_id == Territory.id)
            .where(TerritoryLink.child_id == own, Territory.level == "departement").limit(1)).scalar()
        if found is None:
            return None
        children = conn.execute(select(TerritoryLink.child_id).where(TerritoryLink.parent_id == found)).scalars()
        return tuple(sorted({found, *children}))


@cache.cached
def _raw(indicator: str, level: str, geography: str, period=None, scope=None, only: str | None = None) -> pd.DataFrame:
    """The figures as stored or summed, before secrecy (never returned to a caller outside):
    for one period or all, for every territory of the level, those of a block (`scope`, ids), or
    one (`only`, a code). A sum of parts (all exits) is the sum of its parts' figures."""
    spec = DERIVED_BY_CODE.get(indicator)
    if spec is not None:
        parts = [_raw(p, level, geography, period, scope, only) for p in spec.parts]
        if any(f.empty for f in parts):
            return _empty()
        key = ["code", *_PERIOD]
        out = parts[0].set_index(key)
        out["value"] = sum(f.set_index(key)["value"].reindex(out.index).astype(float) for f in parts)
        out["flag"] = _combine_flags([f.set_index(key)["flag"].reindex(out.index) for f in parts])
        return out.reset_index()
    direct = _direct(indicator, level, geography, period, scope, only)
    if not direct.empty:
        return direct
    for child_level in ("commune", "circonscription"):
        if child_level != level:
            summed = _aggregated(indicator, level, geography, child_level, period, scope, only)
            if not summed.empty:
                return summed
    return _empty()


def empty_values() -> pd.DataFrame:
    """A frame of `values`'s columns with no row."""
    return pd.DataFrame(columns=COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=[*COLUMNS, *_PERIOD])


def _ratio(spec: Derived, level, period_type, period_start, geography) -> pd.DataFrame:
    """A ratio, computed territory by territory from the (aggregated) counts."""
    num = values(spec.numerator, level, period_type, period_start, geography)
    if num.empty:
        return pd.DataFrame(columns=COLUMNS)
    den = _denominator(spec.denominator, level, period_type, period_start, geography)
    if den.empty:
        return pd.DataFrame(columns=COLUMNS)
    return _divide(spec, num.set_index("code"), den.set_index("code")).reset_index()[COLUMNS]


def _ratio_series(spec: Derived, num: pd.DataFrame, den: pd.DataFrame) -> pd.DataFrame:
    """The same ratio over a territory's series: each period's denominator is the one of the same
    period or, failing that, the nearest as `_denominator` chooses it."""
    den_periods = sorted(zip(den["period_start"], den["period_type"]))
    if not den_periods:
        return _empty()
    chosen = []
    for start in num["period_start"]:
        before = [p for p in den_periods if p[0] <= start]
        chosen.append(before[-1] if before else den_periods[0])
    num = num.assign(den_start=[c[0] for c in chosen], den_type=[c[1] for c in chosen])
    den_index = den.set_index(["period_start", "period_type"])
    den_rows = den_index.reindex(list(zip(num["den_start"], num["den_type"]))).set_axis(num.index)
    return _divide(spec, num, den_rows).reset_index(drop=True)


def _divide(spec: Derived, num: pd.DataFrame, den: pd.DataFrame) -> pd.DataFrame:
    """num ÷ den × scale row by row (both indexed alike); masked when either is."""
    den = den.reindex(num.index)
    out = num.copy()
    out["value"] = [None if (d is None or d != d or d == 0 or n is None or n != n) else n / d * spec.scale
                    for n, d in zip(num["value"].tolist(), den["value"].tolist())]
    out["flag"] = _combine_flags([num["flag"], den["flag"]])
    out["source"] = [" ; ".join(dict.fromkeys(x for x in (a, b) if isinstance(x, str)))
                     for a, b in zip(num["source"], den["source"])]
    out["quality"] = ["demo" if "demo" in (a, b) else a for a, b in zip(num["quality"], den["quality"])]
    return out


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


def _combine_flags(flags: list[pd.Series]) -> list[str | None]:
    """A value computed from a masked one is masked too."""
    arrays = [f.to_numpy() for f in flags]
    return ["secret" if any(isinstance(a[i], str) for a in arrays) else None for i in range(len(arrays[0]))]


def _provenance_columns():
    return (ImportRecord.id.label("import_id"), ImportRecord.source, ImportRecord.quality,
            ImportRecord.data_date, ImportRecord.caveats)


def _figure_filter(indicator: str, period) -> list:
    where = [Figure.indicator_code == indicator, Figure.superseded_by.is_(None)]
    if period is not None:
        where += [Figure.period_type == period[0], Figure.period_start == period[1]]
    return where


def _territory_filter(table, level: str, geography: str, scope, only) -> list:
    where = [table.geography_code == geography, table.level == level]
    if scope is not None:
        where.append(table.id.in_(scope))
    if only is not None:
        where.append(table.code == only)
    return where


def _direct(indicator, level, geography, period, scope, only) -> pd.DataFrame:
    stmt = (
        select(Territory.code, Territory.name, Figure.period_type, Figure.period_start, Figure.value, Figure.flag,
               *_provenance_columns())
        .join(Figure, and_(Figure.territory_id == Territory.id, *_figure_filter(indicator, period)))
        .join(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(*_territory_filter(Territory, level, geography, scope, only))
        .order_by(Territory.code, Figure.period_start)
    )
    frame = _frame(stmt)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["aggregated"] = False
    return frame


def _aggregated(indicator, level, geography, child_level, period, scope, only) -> pd.DataFrame:
    """Sum the children of each territory (value × link weight). From communes, a territory with
    any commune missing, secret or of unknown weight gets no value (a partial sum would be a false
    figure); from circonscriptions (ALI activity), a circonscription without figures has no ALI
    and adds nothing."""
    parent, child = aliased(Territory), aliased(Territory)
    if scope is None and only is None:
        # Every territory of the child level: PostgreSQL misjudges the links subquery (35 000
        # children estimated at 94 nationally) and probes the index once per child.
        children = select(child.id).where(child.geography_code == geography, child.level == child_level)
    else:
        children = (select(TerritoryLink.child_id).join(parent, parent.id == TerritoryLink.parent_id)
                    .where(*_territory_filter(parent, level, geography, scope, only)))
    figures = _frame(
        select(Figure.territory_id.label("child_id"), Figure.period_type, Figure.period_start, Figure.value,
               Figure.flag, *_provenance_columns())
        .join(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(*_figure_filter(indicator, period), Figure.territory_id.in_(children)))
    if figures.empty or figures["value"].notna().sum() == 0:
        return _empty()
    links = _frame(
        select(parent.code, parent.name, TerritoryLink.child_id, TerritoryLink.weight)
        .join(TerritoryLink, TerritoryLink.parent_id == parent.id)
        .join(child, and_(child.id == TerritoryLink.child_id, child.level == child_level))
        .where(*_territory_filter(parent, level, geography, scope, only)))
    parts = links.merge(figures, on="child_id")
    if parts.empty:
        return _empty()
    parts["part"] = parts["value"] * parts["weight"]
    parts["demo"] = parts["quality"].eq("demo")
    keys = ["code", "name", *_PERIOD]
    grouped = parts.groupby(keys, sort=True)
    out = grouped[["part"]].sum().rename(columns={"part": "value"})
    out["known"], out["import_id"], out["demo"] = grouped["part"].count(), grouped["import_id"].max(), grouped["demo"].max()
    out = out.join(parts.drop_duplicates(keys).set_index(keys)[["source", "quality", "data_date", "caveats"]])
    out = out.reset_index()
    out["quality"] = out["quality"].where(~out["demo"].astype(bool), "demo")
    if child_level == "commune":
        children = links.groupby("code")["child_id"].count()
        complete = out["known"].to_numpy() == children.reindex(out["code"]).to_numpy()
        out["value"] = out["value"].where(complete)
    out["period_start"] = pd.to_datetime(out["period_start"]).dt.date
    out["flag"] = None
    out["aggregated"] = True
    return out[[*COLUMNS, *_PERIOD]]


@cache.cached
def history(code: str) -> pd.DataFrame:
    """Every indicator and period of the territory with this code, across the geographies that
    hold it (a commune's figures up to 2024 are on COG 2024, later ones on COG 2025): `profile`
    on each, each (indicator, period) kept once, from the geography its figures were given on.

    Columns: those of `profile`, geography, and area_km2 (the territory's area on that
    geography: equal areas on two geographies mean the same territory)."""
    with _connect() as conn:
        held = conn.execute(select(Territory.level, Territory.geography_code, Territory.area_km2).where(
            Territory.code == code, Territory.level.in_((*HIERARCHY, "qpv")))).all()
    frames = [profile(code, level, geography).assign(geography=geography, area_km2=area)
              for level, geography, area in held]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=[*PROFILE_COLUMNS, "geography", "area_km2"])
    out = pd.concat(frames, ignore_index=True)
    key = ["indicator", *_PERIOD]
    twice = out.duplicated(key, keep=False)
    if twice.any():
        own = out[twice].apply(lambda r: geography_of(r["indicator"], r["period_type"], r["period_start"])
                               == r["geography"], axis=1)
        out = pd.concat([out[~twice], out[twice][own.astype(bool)]]).drop_duplicates(key)
    return out.sort_values(["indicator", "period_start"], ignore_index=True)


def _linked(code: str, level: str, geography: str, upwards: bool) -> pd.DataFrame:
    """The territories linked to this one, above it (`upwards`) or below it."""
    other, this = aliased(Territory), aliased(Territory)
    ours, theirs = (TerritoryLink.child_id, TerritoryLink.parent_id) if upwards else \
        (TerritoryLink.parent_id, TerritoryLink.child_id)
    return _frame(select(other.code, other.name, other.level, TerritoryLink.weight)
                  .join(TerritoryLink, theirs == other.id)
                  .join(this, this.id == ours)
                  .where(this.code == code, this.level == level, this.geography_code == geography)
                  .order_by(other.level, other.code))


@cache.cached
def parents(code: str, level: str, geography: str) -> pd.DataFrame:
    """The territories that hold this one (its circonscription, EPT, département; a QPV's
    communes), with the share of it that lies in each. Columns: code, name, level, weight."""
    return _linked(code, level, geography, upwards=True)


@cache.cached
def children(code: str, level: str, geography: str) -> pd.DataFrame:
    """The territories this one holds. Columns: code, name, level, weight."""
    return _linked(code, level, geography, upwards=False)


@cache.cached
def alis() -> pd.DataFrame:
    """The ALIs: code, name, circonscription_code, porteur, consortium, start_date, end_date,
    inaugurated_on, and the provenance of the file that declared them (import_id, source,
    quality, caveats)."""
    return _frame(select(Ali.code, Ali.name, Ali.circonscription_code, Ali.porteur, Ali.consortium,
                         Ali.start_date, Ali.end_date, Ali.inaugurated_on, Ali.import_id, ImportRecord.source,
                         ImportRecord.quality, ImportRecord.caveats)
                  .join(ImportRecord, ImportRecord.id == Ali.import_id).order_by(Ali.code))


@cache.cached
def structures() -> pd.DataFrame:
    """The insertion structures of the current list, with their type's label and the provenance
    of the list. Columns: id, name, type_code, type_label, commune_code, address, siret, lon,
    lat, ali_code, description, opened_on, closed_on, import_id, source, quality, caveats."""
    return _frame(select(Structure.id, Structure.name, Structure.type_code,
                         func.coalesce(StructureType.label, Structure.type_code).label("type_label"),
                         Structure.commune_code, Structure.address, Structure.siret, Structure.lon, Structure.lat,
                         Structure.ali_code, Structure.description, Structure.opened_on, Structure.closed_on,
                         Structure.import_id, ImportRecord.source, ImportRecord.quality, ImportRecord.caveats)
                  .outerjoin(StructureType, StructureType.code == Structure.type_code)
                  .join(ImportRecord, ImportRecord.id == Structure.import_id)
                  .where(Structure.superseded_by.is_(None)).order_by(Structure.commune_code, Structure.name))


def warm() -> None:
    """Compute what the first visitors would otherwise wait for: the masks of every family over
    every period (a profile of each département, on each geography) and the indicator list.
    Called after start-up, in the background; the generation in the keys keeps it correct."""
    indicators()
    with engine().connect() as conn:
        departments = conn.execute(select(Territory.code).where(Territory.level == "departement").distinct()).scalars()
        for code in list(departments):
            history(code)
