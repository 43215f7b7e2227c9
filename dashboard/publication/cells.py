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

from dashboard.indicators.registry import DERIVED_BY_CODE, NOT_ADDITIVE
from dashboard.store.models import Figure, Geography, ImportRecord, Territory, TerritoryLink

# The levels of the sums that secondary secrecy protects together, finest first.
HIERARCHY = ("commune", "circonscription", "ept", "departement")
# Protected with them: the parts of a commune nouvelle.
MASKED_WITH_HIERARCHY = (*HIERARCHY, "commune_deleguee")
PROVENANCE = ["import_id", "kind", "coverage", "source", "quality", "data_date", "caveats"]
CELL_COLUMNS = ["indicator", "level", "code", "name", "period_type", "period_start", "value", "flag",
                "aggregated", "estimated", *PROVENANCE]
KEY = ["indicator", "period_type", "period_start"]
INCOMPLETE = ("partial", "sample")  # coverages whose figures are not a census


@dataclass(frozen=True)
class Geo:
    """One geography's territories and links, read once per publication."""

    code: str
    family: str
    territories: pd.DataFrame  # id, level, code, name, perimeter
    links: pd.DataFrame        # parent_id, parent_level, parent_code, parent_name, child_id, child_level, child_code, weight

    @property
    def perimeters(self) -> dict[tuple[str, str], int]:
        """(level, code) -> the territory's perimeter number (`series`)."""
        return dict(zip(zip(self.territories["level"], self.territories["code"]), self.territories["perimeter"]))


def load_geographies(conn: Connection) -> dict[str, Geo]:
    territories = pd.read_sql(select(Territory.id, Territory.geography_code, Territory.level, Territory.code,
                                     Territory.name, Territory.area_km2).order_by(Territory.id), conn)
    families = dict(conn.execute(select(Geography.code, Geography.family)).all())
    territories["perimeter"] = _perimeters(territories, families)
    territories = territories.drop(columns="area_km2")
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


def _perimeters(territories: pd.DataFrame, families: dict[str, str]) -> pd.Series:
    """For each territory, how many times its area changed by more than 1 % from one geography
    vintage of its family to the next (vintages in code order: COG2024, COG2025): the same code
    on a new perimeter starts a new series."""
    ordered = territories.assign(family=territories["geography_code"].map(families)).sort_values(
        ["family", "level", "code", "geography_code"])
    previous = ordered.groupby(["family", "level", "code"])["area_km2"].shift()
    area = ordered["area_km2"].astype(float)
    changed = (area - previous.astype(float)).abs() > 0.01 * previous.astype(float)
    return changed.groupby([ordered["family"], ordered["level"], ordered["code"]]).cumsum().astype(int) \
        .reindex(territories.index)


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
               ImportRecord.id.label("import_id"), ImportRecord.kind, ImportRecord.coverage, ImportRecord.source,
               ImportRecord.quality,
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
    own = pd.concat([direct, _commune_nouvelle_cells(direct, geo)], ignore_index=True)
    taken = set(zip(own["indicator"], own["level"], own["period_type"], own["period_start"]))
    out = [own]
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
    parts = own[(own["level"] == child_level) & ~own["indicator"].isin(NOT_ADDITIVE)]
    if links.empty or parts.empty:
        return pd.DataFrame()
    known_rows = parts[parts["value"].notna()]
    known = set(zip(known_rows["indicator"], known_rows["period_type"], known_rows["period_start"]))
    parts = parts[[k in known for k in zip(parts["indicator"], parts["period_type"], parts["period_start"])]]
    merged = links.merge(parts, left_on="child_id", right_on="territory_id")
    if merged.empty:
        return pd.DataFrame()
    merged["part"] = merged["value"] * merged["weight"]
    # Completeness is judged on the communes, before a commune nouvelle is replaced by its parts.
    known_communes = merged.groupby(["indicator", "parent_code", "period_type", "period_start"])["part"].count()
    if child_level == "commune":
        merged = _deleguees_for_split_communes(merged, own, geo, level)
    merged["split"] = merged["weight"] != 1
    merged["demo"] = merged["quality"].eq("demo")
    merged["incomplete"] = merged["coverage"].isin(INCOMPLETE)
    keys = ["indicator", "parent_code", "parent_name", "period_type", "period_start"]
    grouped = merged.groupby(keys, sort=True)
    out = grouped["part"].sum(min_count=1).rename("value").to_frame()
    out["known"] = grouped["part"].count()
    out["import_id"] = grouped["import_id"].max()
    out["demo"] = grouped["demo"].max()
    out["estimated"] = grouped["split"].max()
    out["incomplete"] = grouped["incomplete"].max()
    out = out.join(merged.sort_values(["child_code"], kind="stable").drop_duplicates(keys).set_index(keys)[
        [c for c in PROVENANCE if c != "import_id"]]).reset_index()
    out["quality"] = out["quality"].where(~out["demo"].astype(bool), "demo")
    # A sum over a partial list is partial too (the département "has at least" what it lists).
    out["coverage"] = out["coverage"].where(~out["incomplete"].astype(bool), "partial")
    if child_level == "commune":
        children = links.groupby("parent_code")["child_id"].count()
        known = known_communes.reindex(pd.MultiIndex.from_frame(
            out[["indicator", "parent_code", "period_type", "period_start"]])).to_numpy()
        complete = known == children.reindex(out["parent_code"]).to_numpy()
        # A partial list knows only some communes: its sum is published, said to be partial.
        out["value"] = out["value"].where(complete | out["incomplete"].astype(bool).to_numpy())
    # A count summed through a weight below 1 is an estimate: a whole number, never decimals
    # (six decimals of weight × value would give the commune's value away).
    estimated = out["estimated"].astype(bool)
    out.loc[estimated, "value"] = out.loc[estimated, "value"].round()
    out = out.rename(columns={"parent_code": "code", "parent_name": "name"})
    out["level"], out["flag"], out["aggregated"] = level, None, True
    out["estimated"] = estimated
    return out[CELL_COLUMNS]


def _families(geo: Geo) -> pd.DataFrame:
    """Communes nouvelles and their communes déléguées: deleguee_id, deleguee_code, commune_id,
    commune_code, and how many déléguées the commune has."""
    links = geo.links[(geo.links["parent_level"] == "commune") & (geo.links["child_level"] == "commune_deleguee")]
    out = pd.DataFrame({"deleguee_id": links["child_id"], "deleguee_code": links["child_code"],
                        "commune_id": links["parent_id"], "commune_code": links["parent_code"],
                        "commune_name": links["parent_name"]})
    out["parts"] = out.groupby("commune_id")["deleguee_id"].transform("size")
    return out.reset_index(drop=True)


def _commune_nouvelle_cells(direct: pd.DataFrame, geo: Geo) -> pd.DataFrame:
    """A commune nouvelle and its communes déléguées agree: a commune nouvelle without a figure
    of its own is the sum of its déléguées when all are known; a déléguée missing from a file
    that gives the commune nouvelle and every other déléguée is the rest. Either way the commune
    nouvelle equals the sum of its déléguées, and the EPT and the département keep every part."""
    families = _families(geo)
    if families.empty:
        return pd.DataFrame(columns=direct.columns)
    known = direct[direct["value"].notna() & direct["flag"].isna()]
    deleguees = known[known["level"] == "commune_deleguee"].merge(
        families, left_on="territory_id", right_on="deleguee_id")
    communes = known[known["level"] == "commune"].set_index([*KEY, "territory_id"])
    rows = []
    for (indicator, ptype, start, commune_id), parts in deleguees.groupby([*KEY, "commune_id"], sort=True):
        total = parts["parts"].iloc[0]
        first = parts.iloc[0]
        if len(parts) == total and (indicator, ptype, start, commune_id) not in communes.index:
            rows.append({**first[[*KEY, *PROVENANCE]].to_dict(), "territory_id": commune_id,
                         "geography": geo.code, "level": "commune", "code": first["commune_code"],
                         "name": first["commune_name"], "value": float(parts["value"].sum()), "flag": None})
        elif len(parts) == total - 1 and (indicator, ptype, start, commune_id) in communes.index:
            whole = communes.loc[(indicator, ptype, start, commune_id)]
            missing = families[(families["commune_id"] == commune_id)
                               & ~families["deleguee_id"].isin(parts["deleguee_id"])].iloc[0]
            name = geo.territories.set_index("id").at[missing["deleguee_id"], "name"]
            rows.append({**whole[PROVENANCE].to_dict(), "indicator": indicator, "period_type": ptype,
                         "period_start": start, "territory_id": missing["deleguee_id"], "geography": geo.code,
                         "level": "commune_deleguee", "code": missing["deleguee_code"], "name": name,
                         "value": float(whole["value"] - parts["value"].sum()), "flag": None})
    if not rows:
        return pd.DataFrame(columns=direct.columns)
    return pd.DataFrame(rows).assign(aggregated=True, estimated=False)[direct.columns]


def _deleguees_for_split_communes(merged: pd.DataFrame, own: pd.DataFrame, geo: Geo, level: str) -> pd.DataFrame:
    """Where a commune nouvelle is split between territories by a weight (Saint-Denis between two
    ALI territories) and all its communes déléguées are known, sum the déléguées, each wholly in
    its territory, rather than a weighted share: an exact count instead of an estimate."""
    families = _families(geo)
    split = merged[merged["weight"] != 1]
    if families.empty or split.empty:
        return merged
    known = own[(own["level"] == "commune_deleguee") & own["value"].notna() & own["flag"].isna()].merge(
        families, left_on="territory_id", right_on="deleguee_id")
    counts = known.groupby([*KEY, "commune_id"]).agg(n=("deleguee_id", "size"), parts=("parts", "first"))
    whole = counts[counts["n"] == counts["parts"]].reset_index()[[*KEY, "commune_id"]]
    if whole.empty:
        return merged
    replaced = split.merge(whole.rename(columns={"commune_id": "child_id"}), on=[*KEY, "child_id"])
    if replaced.empty:
        return merged
    links = geo.links[(geo.links["parent_level"] == level) & (geo.links["child_level"] == "commune_deleguee")]
    parts = links.merge(known.drop(columns=["parts"]), left_on="child_id", right_on="deleguee_id")
    parts = parts.merge(whole, on=[*KEY, "commune_id"])
    parts = parts[parts.set_index(["parent_code", *KEY]).index.isin(
        replaced.set_index(["parent_code", *KEY]).index)]
    drop = merged.set_index(["parent_code", "child_id", *KEY]).index.isin(
        replaced.set_index(["parent_code", "child_id", *KEY]).index)
    parts = parts.assign(part=parts["value"] * parts["weight"])
    return pd.concat([merged[~drop], parts[[c for c in merged.columns if c in parts.columns]]], ignore_index=True)


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
    in_hierarchy = geo.links["parent_level"].isin(HIERARCHY) & geo.links["child_level"].isin(HIERARCHY)
    # a commune nouvelle is the sum of its communes déléguées (`_commune_nouvelle_cells`)
    deleguees = (geo.links["parent_level"] == "commune") & (geo.links["child_level"] == "commune_deleguee")
    links = geo.links[in_hierarchy | deleguees]
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
