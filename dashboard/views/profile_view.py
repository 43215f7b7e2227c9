"""A territory's profile: every indicator at its latest period, its change since the first
period, the same figures for the département (and the circonscription of a commune) with the gap
to the département; the ALI that serves it, its structures, a locator map and a trend chart."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dashboard.formatting import fr_date, fr_period, fr_value
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.publication.series import breaks
from dashboard.views.chart import Chart, provenance_of, shown

LEVEL_LABELS = {"commune": "Commune", "circonscription": "Circonscription / territoire ALI", "ept": "Territoire (EPT)",
                "departement": "Département", "qpv": "Quartier prioritaire (QPV)",
                "commune_deleguee": "Commune déléguée"}
# Themes of the profile table, in order: the first prefix an indicator's code starts with.
THEMES = (("Population", ("population",)), ("Prestations sociales", ("rsa_", "caf_", "prime_", "aah_")),
          ("Accompagnement par l'ALI", ("ali_",)), ("Cohortes d'entrées en accompagnement", ("cohorte_",)),
          ("Structures d'insertion", ("structures",)), ("Quartier et emploi", ("qpv_", "de_")))
DEFAULT_TREND = "rsa_foyers"
COUNT_UNITS = {"habitants", "foyers", "personnes", "structures"}


def theme_of(code: str) -> str:
    return next((name for name, prefixes in THEMES if code.startswith(prefixes)), "Autres indicateurs")


@dataclass
class Profile:
    territory: dict
    department: dict | None
    circonscription: dict | None  # a commune's circonscription (its main one when it spans two)
    ali: dict | None
    structures: pd.DataFrame
    table: Chart
    row_decimals: list[int]  # decimals of each row's values (units differ row by row)
    demo: bool
    options: list[dict] = field(default_factory=list)  # indicators of the trend chart
    row_breaks: list[str] = field(default_factory=list)  # each row's break of series, "" when none


def _points(history: pd.DataFrame | None) -> dict[tuple, tuple]:
    """(indicator, period type, period start) -> (value, flag) of a history frame."""
    if history is None:
        return {}
    return {(i, t, s): (v, f) for i, t, s, v, f in zip(history["indicator"], history["period_type"],
                                                       history["period_start"], history["value"], history["flag"])}


def _main_circonscription(territory: dict) -> dict | None:
    if territory["level"] != "commune":
        return None
    parents = published.parents(territory["code"], "commune", territory["geography"])
    circ = parents[parents["level"] == "circonscription"].sort_values("weight", ascending=False)
    return None if circ.empty else {"code": circ["code"].iloc[0], "name": circ["name"].iloc[0]}


def _department(territory: dict) -> dict | None:
    if territory["level"] == "departement":
        return None
    frame = published.territories(territory["geography"], "departement")
    if frame.empty:  # a QPV: the département of the COG in force
        found = published.find_territory("93")
        return None if found is None else {"code": found["code"], "name": found["name"]}
    return {"code": frame["code"].iloc[0], "name": frame["name"].iloc[0]}


def ali_of(territory: dict, circonscription: dict | None) -> dict | None:
    """The ALI serving the territory (a circonscription's own, a commune's circonscription's),
    with the first month of activity its exports hold."""
    code = territory["code"] if territory["level"] == "circonscription" else (
        circonscription["code"] if circonscription else None)
    alis = published.alis()
    found = alis[alis["circonscription_code"] == code] if code else alis.iloc[0:0]
    if found.empty:
        return None
    ali = {k: (None if isinstance(v, float) and v != v or v is pd.NaT else v) for k, v in found.iloc[0].items()}
    active = published.history(code)
    active = active[(active["indicator"] == "ali_file_active")]
    ali["first_month"] = fr_period(*active[["period_type", "period_start"]].iloc[0]) if len(active) else None
    ali["start"] = fr_date(ali["start_date"]) if isinstance(ali["start_date"], dt.date) else None
    ali["inauguration"] = fr_date(day) if isinstance(day := ali.get("inaugurated_on"), dt.date) else None
    ali["members"] = [m.strip() for m in (ali["consortium"] or "").split(";") if m.strip()]
    return ali


def structures_in(territory: dict) -> pd.DataFrame:
    """The structures of the current list located in the territory's communes (a QPV: in its
    communes, since the list places structures by commune)."""
    frame = published.structures()
    if territory["level"] == "departement":
        return frame
    if territory["level"] == "commune":
        communes = {territory["code"]}
    else:
        relatives = (published.children if territory["level"] != "qpv" else published.parents)(
            territory["code"], territory["level"], territory["geography"])
        communes = set(relatives[relatives["level"].isin(("commune", "commune_deleguee"))]["code"])
    return frame[frame["commune_code"].isin(communes)]


def _same_extent(series: pd.DataFrame, last) -> pd.Series:
    if last["area_km2"] is None or last["area_km2"] != last["area_km2"]:
        return series["geography"] == last["geography"]
    return (series["area_km2"].astype(float) - float(last["area_km2"])).abs() < 0.01


def unbroken(series: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The last unbroken run of a territory's values (periods in order) and, when values of
    another series come before it, why they are not compared (`break_reason`)."""
    found = breaks(series["series"].tolist())
    start, reason = found[-1] if found else (0, None)
    return series.iloc[start:], reason


def _change(value, flag, first_value, first_flag):
    if isinstance(flag, str) or isinstance(first_flag, str):
        return "s"
    if value is None or first_value is None or value != value or first_value != first_value:
        return None
    return float(value) - float(first_value)


def _gap(value, flag, reference, reference_flag, unit):
    """The gap to the département: for a count, the territory's share of it (%); for a rate or
    a ratio, the difference."""
    if isinstance(flag, str) or isinstance(reference_flag, str):
        return "s"
    if value is None or reference is None or value != value or reference != reference:
        return None
    if unit in COUNT_UNITS:
        return float(value) / float(reference) * 100 if reference else None
    return float(value) - float(reference)


def build(territory: dict) -> Profile:
    history = published.history(territory["code"])
    meta = published.indicators().set_index("code")
    department = _department(territory)
    circonscription = _main_circonscription(territory)
    reference = published.history(department["code"]) if department else history.iloc[0:0]
    circ_history = published.history(circonscription["code"]) if circonscription else None
    rows, used = [], [history]
    reference_points, circ_points = _points(reference), _points(circ_history)
    for indicator, series in history.groupby("indicator", sort=False):
        if indicator not in meta.index:
            continue
        unit, places = meta.loc[indicator, "unit"], decimals(indicator)
        last = series.iloc[-1]
        # The change is read within one series: one source and method, one reliability, one
        # perimeter (a commune that merged is not the one it was).
        run, broken = unbroken(series[_same_extent(series, last)])
        first = run.iloc[0]
        period = (last["period_type"], last["period_start"])
        ref_value, ref_flag = reference_points.get((indicator, *period), (None, None))
        row = {
            "Thème": theme_of(indicator), "Indicateur": meta.loc[indicator, "label"], "Unité": unit,
            "Période": fr_period(*period), "Valeur": shown(last["value"], last["flag"]),
            "Première période": fr_period(first["period_type"], first["period_start"]),
            "Évolution depuis la première période": _change(last["value"], last["flag"], first["value"], first["flag"])
            if first["period_start"] != last["period_start"] else None,
            # where the current series starts after a break (the reason: `_break`, and the notes)
            "Rupture de série": fr_period(first["period_type"], first["period_start"]) if broken else "",
            "_break": broken or "",
        }
        if bool(last["partial"]) and isinstance(row["Valeur"], float):
            # from a partial list: a lower bound, whose change would measure the list, not the territory
            row["Valeur"] = f"au moins {fr_value(row['Valeur'], unit, places)}"
            row["Évolution depuis la première période"] = None
        if circ_history is not None:
            row["Circonscription"] = shown(*circ_points.get((indicator, *period), (None, None)))
        if department:
            row["Département"] = shown(ref_value, ref_flag)
            row["Écart au département"] = _gap(last["value"], last["flag"], ref_value, ref_flag, unit)
        row["_decimals"], row["_code"] = places, indicator
        rows.append(row)
    frame = pd.DataFrame(rows)
    if not frame.empty:
        order = {name: i for i, (name, _p) in enumerate(THEMES)}
        frame = frame.sort_values(["Thème", "Indicateur"], key=lambda s: s.map(order).fillna(99) if s.name == "Thème"
                                  else s.str.normalize("NFD"), ignore_index=True)
    used += [reference] + ([circ_history] if circ_history is not None else [])
    provenance = provenance_of(*[f for f in used if f is not None])
    # Each break's reason, said under the table and in the downloads' sources.
    provenance["caveats"] += [f"Rupture de série — {r['Indicateur']}, {r['Rupture de série']} : {r['_break']}."
                              for r in rows if r["_break"]]
    table = Chart(f"Chiffres clés — {territory['name']}, dernière période connue de chaque indicateur",
                  frame.drop(columns=[c for c in frame.columns if c.startswith("_")]) if not frame.empty else frame,
                  name=f"profil_{territory['code']}", **provenance)
    spans = history.groupby("indicator")["period_start"].nunique()
    options = [{"label": meta.loc[c, "label"], "value": c} for c in frame.get("_code", []) if spans.get(c, 0) > 1]
    return Profile(territory, department, circonscription, ali_of(territory, circonscription),
                   structures_in(territory), table, frame["_decimals"].tolist() if not frame.empty else [],
                   provenance["demo"], options, frame["_break"].tolist() if not frame.empty else [])


def trend(territory: dict, indicator) -> tuple[Chart, dict]:
    """One indicator over time for the territory, its circonscription (a commune) and the
    département: the series the chart draws (secret points are gaps) and its table."""
    profile_history = published.history(territory["code"])
    available = list(dict.fromkeys(profile_history["indicator"]))
    indicator = indicator if isinstance(indicator, str) and indicator in available else (
        DEFAULT_TREND if DEFAULT_TREND in available else (available[0] if available else None))
    meta = published.indicators().set_index("code")
    if indicator is None or indicator not in meta.index:
        return Chart(f"Évolution — {territory['name']} : aucune donnée", pd.DataFrame(), name="evolution"), \
            {"series": [], "unit": "", "decimals": 0}
    label, unit = meta.loc[indicator, "label"], meta.loc[indicator, "unit"]
    lines = [(territory["name"], profile_history)]
    # References are drawn for rates and ratios; a count of the département is of another
    # magnitude and would flatten the territory's own line.
    if unit not in COUNT_UNITS:
        circonscription = _main_circonscription(territory)
        if circonscription:
            lines.append((f"{circonscription['name']} (circonscription)", published.history(circonscription["code"])))
        department = _department(territory)
        if department:
            lines.append((department["name"], published.history(department["code"])))
    table, series, frames = [], [], []
    for name, history in lines:
        rows = history[history["indicator"] == indicator]
        frames.append(rows)
        points = [(p, shown(v, f)) for p, v, f in zip(rows["period_start"], rows["value"], rows["flag"])]
        series.append({"name": name, "x": [p for p, _v in points],
                       "y": [v if isinstance(v, float) else None for _p, v in points],
                       "breaks": [points[i][0] for i, _reason in breaks(rows["series"].tolist())]})
        table += [{"Territoire": name, "Période": fr_period(t, p), "Valeur": v}
                  for (t, p), (_p, v) in zip(rows[["period_type", "period_start"]].itertuples(index=False), points)]
    periods = profile_history[profile_history["indicator"] == indicator]["period_start"]
    span = f"{periods.min().year}–{periods.max().year}" if len(periods) else ""
    title = f"{label} — {territory['name']}" + (" et ses références" if len(lines) > 1 else "") + f", {span}"
    chart = Chart(title, pd.DataFrame(table),
                  formats={"Valeur": (unit, decimals(indicator))}, name=f"evolution_{indicator}_{territory['code']}",
                  **provenance_of(*frames))
    return chart, {"series": series, "unit": unit, "decimals": decimals(indicator)}
