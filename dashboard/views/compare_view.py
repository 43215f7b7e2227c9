"""Compare and rank: one level's territories (all, or those chosen) on one indicator at its
latest period, with the département as reference; and two indicators against each other."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.formatting import fr_period, fr_value
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals, period_key
from dashboard.views import map_view
from dashboard.views.chart import Chart, provenance_of, shown

LEVELS = {"circonscription": "Circonscriptions / territoires ALI", "commune": "Communes", "ept": "Territoires (EPT)",
          "qpv": "Quartiers prioritaires (QPV)"}
# The level as written in a chart's title ("Foyers au RSA — communes, mars 2025").
IN_TITLE = {"circonscription": "circonscriptions", "commune": "communes", "ept": "EPT", "qpv": "QPV"}
DEFAULT_LEVEL = "circonscription"
DEFAULT_X, DEFAULT_Y = "rsa_foyers_pour_100_hab", "ali_taux_couverture"
COUNT_UNITS = {"foyers", "personnes", "habitants", "structures"}
MAX_CHOSEN = 200  # more codes than any level holds: a longer list is forged


def known_level(level) -> str:
    drawn = {o["value"] for o in map_view.level_options()}
    return level if isinstance(level, str) and level in LEVELS and level in drawn else DEFAULT_LEVEL


def known_indicator(code, default: str = DEFAULT_X) -> str:
    available = set(published.indicators()["code"])
    if isinstance(code, str) and code in available:
        return code
    return default if default in available else map_view.known_indicator(None)


def latest(indicator: str, level: str) -> tuple[tuple[str, dt.date], str] | None:
    """The latest period of an indicator and the geography its figures are on (for a QPV
    level, the QPV geography of that date)."""
    periods = published.periods(indicator)
    if not periods:
        return None
    period = periods[-1]
    geography = published.geography_of(indicator, *period)
    if level == "qpv" and geography and not geography.startswith("QPV"):
        geography = published.geography_at("qpv", period[1])
    return (period, geography) if geography else None


def territory_options(level) -> list[dict]:
    """The territories of a level on the geography of the RSA's latest month (their names)."""
    found = latest(known_indicator("rsa_foyers"), known_level(level))
    if found is None:
        return []
    frame = published.territories(found[1], known_level(level))
    return [{"label": name, "value": code} for code, name in frame[["code", "name"]].itertuples(index=False)]


def chosen(codes, level) -> list[str]:
    """The valid codes among those sent (all the level's when none is)."""
    known = [o["value"] for o in territory_options(level)]
    if not isinstance(codes, list) or not codes or len(codes) > MAX_CHOSEN:
        return known
    picked = {c for c in codes if isinstance(c, str)}
    return [c for c in known if c in picked] or known


def _meta(indicator: str) -> tuple[str, str]:
    meta = published.indicators().set_index("code")
    return (meta.loc[indicator, "label"], meta.loc[indicator, "unit"]) if indicator in meta.index else (indicator, "")


NOT_COUNTED = "non recensé"
PARTIAL_TITLE = " — liste partielle : valeurs minimales, sans classement"


def ranking(indicator, level, codes) -> tuple[Chart, dict]:
    """The ranked values (highest first, secret cells last) and the figure's inputs:
    names, values, flags, unit, decimals and the département's value."""
    indicator, level = known_indicator(indicator), known_level(level)
    label, unit = _meta(indicator)
    found = latest(indicator, level)
    level_label = IN_TITLE[level]
    if found is None:
        chart = Chart(f"{label} — aucune période", pd.DataFrame(), name=f"classement_{indicator}")
        return chart, {"names": [], "values": [], "secret": [], "unit": unit, "decimals": decimals(indicator),
                       "reference": None}
    period, geography = found
    frame = published.values(indicator, level, *period, geography)
    frame = frame[frame["code"].isin(chosen(codes, level))].copy()
    frame["secret"] = frame["flag"].map(lambda f: isinstance(f, str)).astype(bool)
    frame["sort"] = frame["value"].astype(float)
    frame = frame.sort_values(["secret", "sort"], ascending=[True, False], na_position="last")
    # On a QPV geography there is no département: no reference then.
    department = published.values(indicator, "departement", *period, geography)
    reference = None
    if not department.empty:
        row = department.iloc[0]
        reference = (row["name"], shown(row["value"], row["flag"]))
    column = f"Valeur ({unit})"
    # From a partial list a value is a lower bound and a missing territory is not recensé: no
    # rank is given, and the territories outside the list are named as such, never as 0.
    partial = bool(frame["partial"].any())
    values = [shown(v, f) for v, f in zip(frame["value"], frame["flag"])]
    if partial:
        values = [f"au moins {fr_value(v, unit, decimals(indicator))}" if isinstance(v, float) else v for v in values]
    table = pd.DataFrame({"Rang": range(1, len(frame) + 1), "Code": frame["code"].tolist(),
                          "Territoire": frame["name"].tolist(), column: values})
    if partial:
        table["Rang"] = None
        listed = set(frame["code"])
        outside = published.territories(geography, level)
        outside = outside[outside["code"].isin(chosen(codes, level)) & ~outside["code"].isin(listed)]
        for code, name in zip(outside["code"], outside["name"]):
            table.loc[len(table)] = {"Rang": None, "Code": code, "Territoire": name, column: NOT_COUNTED}
        if reference is not None and isinstance(reference[1], float):
            reference = (reference[0], f"au moins {fr_value(reference[1], unit, decimals(indicator))}")
    if reference is not None:
        table.loc[len(table)] = {"Rang": None, "Code": "departement", "Territoire": f"{reference[0]} (référence)",
                                 column: reference[1]}
    table["Rang"] = table["Rang"].astype("Int64").astype(object).where(table["Rang"].notna(), "")
    title = f"{label} — {level_label}, {fr_period(*period)}" + (PARTIAL_TITLE if partial else "")
    chart = Chart(title, table,
                  formats={column: (unit, decimals(indicator))},
                  name=f"classement_{indicator}_{level}_{period_key(*period)}",
                  **provenance_of(frame, department))
    # A count of the département is the sum of its territories', not a level they can be read
    # against: its line would only stretch the axis. It stays in the table.
    inputs = {"names": frame["name"].tolist(), "values": frame["value"].tolist(), "secret": frame["secret"].tolist(),
              "unit": unit, "decimals": decimals(indicator), "partial": partial,
              "reference": None if unit in COUNT_UNITS or partial else reference}
    return chart, inputs


def _common_period(x: str, y: str) -> tuple[str, dt.date] | None:
    """The latest period both indicators have, else None."""
    both = sorted(set(published.periods(x)) & set(published.periods(y)), key=lambda p: p[1])
    return both[-1] if both else None


def scatter(x, y, level, codes) -> tuple[Chart, dict]:
    """Two indicators for the chosen territories, at the latest period they share (each at its
    own latest when they share none: the title says so). A territory with either value secret
    or unknown is listed in the table but not placed."""
    x, y, level = known_indicator(x, DEFAULT_X), known_indicator(y, DEFAULT_Y), known_level(level)
    (x_label, x_unit), (y_label, y_unit) = _meta(x), _meta(y)
    common = _common_period(x, y)
    ends = []
    geography: str | None  # none when the common period has no figures on a known geography
    for indicator in (x, y):
        found = latest(indicator, level)
        if found is None:
            empty = Chart(f"{y_label} selon {x_label} — aucune période", pd.DataFrame(), name="nuage")
            return empty, {"names": [], "x": [], "y": [], "x_unit": x_unit, "y_unit": y_unit}
        period, geography = found
        if common is not None:
            period = common
            geography = published.geography_of(indicator, *period)
            if level == "qpv" and geography and not geography.startswith("QPV"):
                geography = published.geography_at("qpv", period[1])
        ends.append((period, published.values(indicator, level, *period, geography) if geography
                     else published.empty_values()))
    (x_period, x_frame), (y_period, y_frame) = ends
    keep = chosen(codes, level)
    merged = x_frame[x_frame["code"].isin(keep)][["code", "name", "value", "flag"]].merge(
        y_frame[["code", "value", "flag"]], on="code", how="outer", suffixes=("_x", "_y"))
    names = dict(zip(x_frame["code"], x_frame["name"])) | dict(zip(y_frame["code"], y_frame["name"]))
    merged = merged[merged["code"].isin(keep)].assign(name=lambda f: f["code"].map(names)).sort_values("name")
    x_column, y_column = f"{x_label} ({x_unit})", f"{y_label} ({y_unit})"
    if x_column == y_column:  # one indicator on both axes: still two columns
        x_column, y_column = f"{x_column}, en abscisse", f"{y_column}, en ordonnée"
    table = pd.DataFrame({"Code": merged["code"].tolist(), "Territoire": merged["name"].tolist(),
                          x_column: [shown(v, f) for v, f in zip(merged["value_x"], merged["flag_x"])],
                          y_column: [shown(v, f) for v, f in zip(merged["value_y"], merged["flag_y"])]})
    when = fr_period(*x_period) if x_period == y_period else f"{fr_period(*x_period)} et {fr_period(*y_period)}"
    chart = Chart(f"{y_label} selon {x_label} — {IN_TITLE[level]}, {when}", table,
                  formats={x_column: (x_unit, decimals(x)), y_column: (y_unit, decimals(y))},
                  name=f"nuage_{x}_{y}_{level}", **provenance_of(x_frame, y_frame))
    placed = table[table[x_column].map(lambda v: isinstance(v, float)) & table[y_column].map(
        lambda v: isinstance(v, float))]
    inputs = {"names": placed["Territoire"].tolist(), "x": placed[x_column].tolist(), "y": placed[y_column].tolist(),
              "x_label": x_column, "y_label": y_column, "x_unit": x_unit, "y_unit": y_unit,
              "x_decimals": decimals(x), "y_decimals": decimals(y)}
    return chart, inputs
