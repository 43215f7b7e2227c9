"""The figures of one geography as they will be published, before secrecy: each indicator at
every level, stored figures where the level has them, else summed from communes (or, for ALI
activity, from circonscriptions) through the territory links, period by period.

A coarser level summed from communes has a value only when every commune is known (a partial
sum would be a false figure). A sum through a link weight below 1 (Saint-Denis split between two
ALI territories) is an estimate: published as a whole number and flagged `estimated`."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, select, tuple_
from sqlalchemy.orm import aliased

from dashboard.indicators.registry import DERIVED_BY_CODE
from dashboard.store.models import Figure, Geography, ImportRecord, Territory, TerritoryLink

# The levels of the sums that secondary secrecy protects together, finest first.
HIERARCHY = ("commune", "circonscription", "ept", "departement")
PROVENANCE = ["import_id", "source", "quality", "data_date", "caveats"]
CELL_COLUMNS = ["indicator", "level", "code", "name", "period_type", "period_start", "value", "flag",
                "aggregated", "estimated", *PROVENANCE]
KEY = ["indicator", "period_type", "period_start"]


@dataclass(frozen=True)
class Geo:
    """One geography's territories and links, read once per publication."""

    code: str
    family: str
    territories: pd.DataFrame  # id, level, code, name
    links: pd.DataFrame        # parent_id, parent_level, parent_code, parent_name, child_id, child_level, child_code, weight


def load_geographies(conn: Connection) -> dict[str, Geo]:
    territories = pd.read_sql(select(Territory.id, Territory.geography_code, Territory.level, Territory.code,
                                     Territory.name).order_by(Territory.id), conn)
    parent, child = aliased(Territory), aliased(Territory)
    links = pd.read_sql(
        select(parent.geography_code, TerritoryLink.parent_id, parent.level.label("parent_level"),
               parent.code.label("parent_code"), parent.name.label("parent_name"), TerritoryLink.child_id,
               child.level.label("child_level"), child.code.label("child_code"), TerritoryLink.weight)
        .join(parent, parent.id == TerritoryLink.parent_id).join(child, child.id == TerritoryLink.child_id)
        .order_by(parent.code, child.code), conn)
    out = {}
    for code, family in conn.execute(select(Geography.code, Geography.family).order_by(Geography.code)):
        out[code] = Geo(code, family,
                        territories[territories["geography_code"] == code].drop(columns="geography_code")
                        .reset_index(drop=True),
                        links[links["geography_code"] == code].drop(columns="geography_code").reset_index(drop=True))
    return out


def stored_figures(conn: Connection, indicators: list[str], periods: set[tuple] | None) -> pd.DataFrame:
    """The current figures of these indicators (every geography), for these (type, start)
    periods or all, with their territory and provenance."""
    where = [Figure.indicator_code.in_(indicators), Figure.superseded_by.is_(None)]
    if periods is not None:
        if not periods:
            return pd.DataFrame(columns=["indicator", "territory_id", "geography", "level", "code", "name",
                                         "period_type", "period_start", "value", "flag", *PROVENANCE])
        where.append(tuple_(Figure.period_type, Figure.period_start).in_(sorted(periods)))
    frame = pd.read_sql(
        select(Figure.indicator_code.label("indicator"), Figure.territory_id,
               Territory.geography_code.label("geography"), Territory.level, Territory.code, Territory.name,
               Figure.period_type, Figure.period_start, Figure.value, Figure.flag,
               ImportRecord.id.label("import_id"), ImportRecord.source, ImportRecord.quality,
               ImportRecord.data_date, ImportRecord.caveats)
        .join(Territory, Territory.id == Figure.territory_id)
        .join(ImportRecord, ImportRecord.id == Figure.import_id)
        .where(and_(*where)).order_by(Figure.indicator_code, Figure.period_start, Territory.code), conn)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    frame["value"] = frame["value"].astype(float)
    return frame


def home_geographies(figures: pd.DataFrame, geos: dict[str, Geo]) -> dict[tuple, str]:
    """(indicator, type, start) -> the geography its figures were given on: the COG when they
    are on it, else the geography that holds most of them (QPV-only figures)."""
    if figures.empty:
        return {}
    counts = figures.groupby([*KEY, "geography"]).size().rename("n").reset_index()
    counts["cog"] = counts["geography"].map(lambda g: geos[g].family == "cog")
    counts = counts.sort_values([*KEY, "cog", "n", "geography"], ascending=[True, True, True, False, False, True])
    first = counts.drop_duplicates(KEY)
    return {(i, t, s): g for i, t, s, g in zip(first["indicator"], first["period_type"], first["period_start"],
                                               first["geography"])}


def level_cells(figures: pd.DataFrame, geo: Geo) -> pd.DataFrame:
    """The stored indicators of `figures` at every level of the geography, period by period
    (CELL_COLUMNS): a level's own figures where it has some in that period, else the sum of its
    communes, else of its circonscriptions."""
    own = figures[figures["geography"] == geo.code]
    if own.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    direct = own.assign(aggregated=False, estimated=False)
    taken = set(zip(direct["indicator"], direct["level"], direct["period_type"], direct["period_start"]))
    out = [direct]
    for level in sorted(geo.territories["level"].unique()):
        for child_level in ("commune", "circonscription"):
            if child_level == level:
                continue
            summed = _aggregated(own, geo, level, child_level)
            if summed.empty:
                continue
            keys = list(zip(summed["indicator"], summed["level"], summed["period_type"], summed["period_start"]))
            summed = summed[[k not in taken for k in keys]]
            taken |= set(zip(summed["indicator"], summed["level"], summed["period_type"], summed["period_start"]))
            out.append(summed)
    return pd.concat([f for f in out if not f.empty], ignore_index=True)[CELL_COLUMNS]


def _aggregated(own: pd.DataFrame, geo: Geo, level: str, child_level: str) -> pd.DataFrame:
    """Sum the children of each territory of `level` (value × link weight), per indicator and
    period. From communes, a territory with any commune missing or secret gets no value; from
    circonscriptions (ALI activity), a circonscription without figures has no ALI and adds
    nothing. An indicator and period with no known child value gives no row (nothing to sum)."""
    links = geo.links[(geo.links["parent_level"] == level) & (geo.links["child_level"] == child_level)]
    parts = own[own["level"] == child_level]
    if links.empty or parts.empty:
        return pd.DataFrame()
    known_rows = parts[parts["value"].notna()]
    known = set(zip(known_rows["indicator"], known_rows["period_type"], known_rows["period_start"]))
    parts = parts[[k in known for k in zip(parts["indicator"], parts["period_type"], parts["period_start"])]]
    merged = links.merge(parts, left_on="child_id", right_on="territory_id")
    if merged.empty:
        return pd.DataFrame()
    merged["part"] = merged["value"] * merged["weight"]
    merged["split"] = merged["weight"] != 1
    merged["demo"] = merged["quality"].eq("demo")
    keys = ["indicator", "parent_code", "parent_name", "period_type", "period_start"]
    grouped = merged.groupby(keys, sort=True)
    out = grouped["part"].sum(min_count=1).rename("value").to_frame()
    out["known"] = grouped["part"].count()
    out["import_id"] = grouped["import_id"].max()
    out["demo"] = grouped["demo"].max()
    out["estimated"] = grouped["split"].max()
    out = out.join(merged.sort_values(["child_code"], kind="stable").drop_duplicates(keys).set_index(keys)[
        ["source", "quality", "data_date", "caveats"]]).reset_index()
    out["quality"] = out["quality"].where(~out["demo"].astype(bool), "demo")
    if child_level == "commune":
        children = links.groupby("parent_code")["child_id"].count()
        complete = out["known"].to_numpy() == children.reindex(out["parent_code"]).to_numpy()
        out["value"] = out["value"].where(complete)
    # A count summed through a weight below 1 is an estimate: a whole number, never decimals
    # (six decimals of weight × value would give the commune's value away).
    estimated = out["estimated"].astype(bool)
    out.loc[estimated, "value"] = out.loc[estimated, "value"].round()
    out = out.rename(columns={"parent_code": "code", "parent_name": "name"})
    out["level"], out["flag"], out["aggregated"] = level, None, True
    out["estimated"] = estimated
    return out[CELL_COLUMNS]


def sum_cells(parts: list[pd.DataFrame], indicator: str) -> pd.DataFrame:
    """A sum of parts (all exits), cell by cell: unknown when a part is, secret when a part is."""
    if not parts or any(p.empty for p in parts):
        return pd.DataFrame(columns=CELL_COLUMNS)
    key = ["level", "code", "period_type", "period_start"]
    out = parts[0].set_index(key).copy()
    indexed = [p.set_index(key).reindex(out.index) for p in parts]
    out["value"] = sum(p["value"].astype(float) for p in indexed)
    out["flag"] = ["secret" if any(isinstance(f, str) for f in flags) else None
                   for flags in zip(*(p["flag"].tolist() for p in indexed))]
    out["estimated"] = [any(bool(e) for e in flags) for flags in zip(*(p["estimated"].tolist() for p in indexed))]
    out["indicator"] = indicator
    return out.reset_index()[CELL_COLUMNS]


def relations(geo: Geo) -> list[tuple[tuple[str, str], tuple[tuple[tuple[str, str], float], ...]]]:
    """Every "total = sum of parts" relation between the hierarchy's levels of a geography:
    (total (level, code), ((part (level, code), weight), …)), one per parent and child level
    (the département is the sum of its communes and, separately, of its circonscriptions), in
    a sorted order."""
    links = geo.links[geo.links["parent_level"].isin(HIERARCHY) & geo.links["child_level"].isin(HIERARCHY)]
    sums: dict[tuple, list] = {}
    for p_level, p_code, c_level, c_code, weight in zip(links["parent_level"], links["parent_code"],
                                                        links["child_level"], links["child_code"], links["weight"]):
        sums.setdefault(((p_level, p_code), c_level), []).append(((c_level, c_code), float(weight)))
    return [(total, tuple(sorted(parts))) for (total, _), parts in sorted(sums.items())]


def is_derived_sum(code: str) -> bool:
    spec = DERIVED_BY_CODE.get(code)
    return spec is not None and bool(spec.parts)


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
