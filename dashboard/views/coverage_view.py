"""ALI coverage: for one month, every circonscription of the département with the ALI that
serves it (carrier, consortium, start date), the people it follows, the RSA households of the
territory and the coverage rate; the territories no ALI covers are listed as such.

Start dates are not published (the ALI import's caveat says so): they are written "non
publiée", never guessed; beside them, the first month the store holds activity figures for
the ALI, labelled as what it is."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from dashboard.formatting import fr_date, fr_number, fr_period, fr_value
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals, period_key, unit_of
from dashboard.views.chart import SECRET, Chart, provenance_of, shown

FOLLOWED, HOUSEHOLDS, RATE = "ali_file_active", "rsa_foyers", "ali_taux_couverture"
LEVEL = "circonscription"
UNCOVERED = "non couverte"
NOT_PUBLISHED = "non publiée"
NO_MEMBER = "aucun membre publié"
# The table's columns, and how the screen writes the numeric ones.
FOLLOWED_COLUMN, HOUSEHOLDS_COLUMN, RATE_COLUMN = "Personnes suivies", "Foyers au RSA", "Taux de couverture"
FORMATS = {FOLLOWED_COLUMN: ("personnes", 0), HOUSEHOLDS_COLUMN: ("foyers", 0), RATE_COLUMN: ("%", decimals(RATE))}
# Actual against the objectives of the agreements (`ali_objectifs`): (column, indicator, period).
# "year" is the calendar year of the month shown: its objectives, and its sums (to the latest
# published month for the year in progress).
FILLING = "ali_taux_remplissage"
OBJECTIVES = [
    ("Places (objectif)", "ali_objectif_places", "year"),
    ("Taux de remplissage", FILLING, "month"),
    ("Personnes à accompagner (objectif annuel)", "ali_objectif_orientations", "year"),
    ("Entrées de l'année (cumul)", "ali_entrees_annee", "year"),
    ("Réalisation de l'objectif d'entrées", "ali_realisation_orientations", "year"),
    ("Part visée de sorties vers l'emploi durable", "ali_objectif_part_emploi_durable", "year"),
    ("Part des sorties vers l'emploi durable dans l'année", "ali_part_sorties_emploi_durable_annee", "year"),
]
FORMATS.update({column: (unit_of(indicator), decimals(indicator)) for column, indicator, _ in OBJECTIVES})


@dataclass
class Territory:
    """One circonscription as the page shows it; `ali` is None when no ALI covers it."""
    code: str
    name: str
    ali: dict | None
    followed: object  # a number, "s" (secret) or None (no figure), as `shown` gives it
    households: object
    rate: object
    source: str = ""  # where the rate comes from (the map's hover says it)
    # Actual against objective, by OBJECTIVES column: a number, "s" or None.
    objectives: dict = field(default_factory=dict)


@dataclass
class Coverage:
    period: tuple[str, dt.date] | None
    geography: str | None
    territories: list[Territory]
    reference: tuple[str, object] | None  # the département's rate: (name, number or "s")
    provenance: dict  # of the coverage figures (the map)
    # of the table, which adds the objectives and their sums of the year
    table_provenance: dict = field(default_factory=dict)

    @property
    def period_label(self) -> str:
        return fr_period(*self.period) if self.period else "aucune période"

    @property
    def covered(self) -> list[Territory]:
        return [t for t in self.territories if t.ali is not None]

    @property
    def uncovered(self) -> list[Territory]:
        return [t for t in self.territories if t.ali is None]


def months() -> list[tuple[str, dt.date]]:
    """The months with ALI activity figures, oldest first."""
    return [p for p in published.periods(FOLLOWED) if p[0] == "month"]


def month_options() -> list[dict]:
    """Newest first: the latest month is the one people come for."""
    return [{"label": fr_period(*p), "value": period_key(*p)} for p in reversed(months())]


def known_month(value) -> tuple[str, dt.date] | None:
    """The month a select value names, else the latest (None when there is no ALI figure)."""
    available = months()
    by_key = {period_key(*p): p for p in available}
    if isinstance(value, str) and value in by_key:
        return by_key[value]
    return available[-1] if available else None


def _serving(alis: pd.DataFrame, month: dt.date) -> dict[str, dict]:
    """The ALIs that serve a circonscription in this month, by circonscription code: an ALI
    with no published start date is taken as serving since it was declared; one closed before
    the month, or opening after it, does not."""
    out = {}
    for ali in alis.to_dict("records"):
        start, end = ali["start_date"], ali["end_date"]
        if isinstance(start, dt.date) and start > _month_end(month):
            continue
        if isinstance(end, dt.date) and end < month:
            continue
        out[ali["circonscription_code"]] = ali
    return out


def _month_end(month: dt.date) -> dt.date:
    following = dt.date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def first_months(codes: list[str]) -> dict[str, tuple[str, dt.date]]:
    """The first month the store holds an activity figure (published or secret) for each of
    these circonscriptions."""
    found: dict[str, tuple[str, dt.date]] = {}
    for period in months():
        geography = published.geography_of(FOLLOWED, *period)
        frame = published.values(FOLLOWED, LEVEL, *period, geography)
        present = frame[frame["value"].notna() | frame["flag"].map(lambda f: isinstance(f, str))]
        for code in present["code"]:
            found.setdefault(code, period)
        if all(c in found for c in codes):
            break
    return found


def _ali_facts(ali: dict, first: tuple[str, dt.date] | None) -> dict:
    consortium = ali["consortium"] if isinstance(ali["consortium"], str) else ""
    return {"code": ali["code"], "name": ali["name"],
            "porteur": ali["porteur"] if isinstance(ali["porteur"], str) else "non publié",
            "members": [m.strip() for m in consortium.split(";") if m.strip()],
            "start": fr_date(ali["start_date"]) if isinstance(ali["start_date"], dt.date) else NOT_PUBLISHED,
            "inauguration": fr_date(ali["inaugurated_on"]) if isinstance(ali.get("inaugurated_on"), dt.date)
            else NOT_PUBLISHED,
            "first_month": fr_period(*first) if first else "aucun"}


def resolve(month) -> Coverage:
    """The coverage of every circonscription in the month (the latest when `month` is not one)."""
    period = known_month(month)
    alis = published.alis()
    # Without any activity figure, the ALIs and their territories are still listed, on today's map.
    geography = published.geography_of(FOLLOWED, *period) if period else published.geography_at("cog", dt.date.today())
    if geography is None:
        return Coverage(None, None, [], None, provenance_of(alis))
    places = published.territories(geography, LEVEL)
    frames = {i: (published.values(i, LEVEL, *period, geography) if period else published.empty_values()).set_index("code")
              for i in (FOLLOWED, HOUSEHOLDS, RATE)}
    objectives = _objective_frames(period)
    serving = _serving(alis, period[1] if period else dt.date.today())
    firsts = first_months(list(serving))

    territories = []
    for code, name in places[["code", "name"]].itertuples(index=False):
        ali = serving.get(code)
        facts = _ali_facts(ali, firsts.get(code)) if ali is not None else None
        # No ALI: no one is followed here, and no rate is computed (a figure sent by mistake is not shown).
        source = frames[RATE]["source"].get(code) if ali is not None else None
        goals = {column: _cell(objectives[indicator], code) for column, indicator, _ in OBJECTIVES} if ali else {}
        territories.append(Territory(code, name, facts, _cell(frames[FOLLOWED], code) if ali is not None else None,
                                     _cell(frames[HOUSEHOLDS], code),
                                     _cell(frames[RATE], code) if ali is not None else None,
                                     source if isinstance(source, str) else "", goals))
    department = published.values(RATE, "departement", *period, geography) if period else published.empty_values()
    reference = None
    if not department.empty:
        row = department.iloc[0]
        reference = (row["name"], shown(row["value"], row["flag"]))
    provenance = provenance_of(*(f.reset_index() for f in frames.values()), department, alis)
    table_provenance = provenance_of(*(f.reset_index() for f in frames.values()),
                                     *(f.reset_index() for f in objectives.values()), department, alis)
    # Covered territories first, in ALI order; then the others by name.
    territories.sort(key=lambda t: (t.ali is None, t.ali["code"] if t.ali else t.name))
    return Coverage(period, geography, territories, reference, provenance, table_provenance)


def _objective_frames(period) -> dict[str, pd.DataFrame]:
    """Each objective indicator at the circonscriptions, for the month or for its year, by code."""
    out = {}
    for _, indicator, span in OBJECTIVES:
        if period is None:
            out[indicator] = published.empty_values().set_index("code")
            continue
        at = period if span == "month" else ("year", period[1].replace(month=1))
        geography = published.geography_of(indicator, *at)
        frame = published.values(indicator, LEVEL, *at, geography) if geography else published.empty_values()
        out[indicator] = frame.set_index("code")
    return out


def _cell(frame: pd.DataFrame, code: str):
    return shown(frame.at[code, "value"], frame.at[code, "flag"]) if code in frame.index else None


# (label, actual column, objective column, how the gap reads): the card's lines.
OBJECTIVE_LINES = [
    ("Remplissage", FOLLOWED_COLUMN, "Places (objectif)", "Taux de remplissage"),
    ("Entrées de l'année", "Entrées de l'année (cumul)", "Personnes à accompagner (objectif annuel)",
     "Réalisation de l'objectif d'entrées"),
    ("Sorties vers l'emploi durable", "Part des sorties vers l'emploi durable dans l'année",
     "Part visée de sorties vers l'emploi durable", None),
]


def objective_lines(territory: Territory) -> list[tuple[str, str, str, str]]:
    """Each objective as the card says it: label, actual, objective, and the gap (a share of the
    objective, or a difference in points for a target share); secret parts say so."""
    goals = {**territory.objectives, FOLLOWED_COLUMN: territory.followed}
    out = []
    for label, actual_column, objective_column, rate_column in OBJECTIVE_LINES:
        actual = goals.get(actual_column)
        objective = goals.get(objective_column)
        if objective is None:
            continue
        gap = ""
        if rate_column is not None:
            rate = goals.get(rate_column)
            gap = "secret statistique" if rate == SECRET else (
                f"{fr_value(rate, '%', 1)} de l'objectif" if isinstance(rate, float) else "")
        elif isinstance(actual, float) and isinstance(objective, float):
            difference = actual - objective
            sign = "+" if difference > 0 else "−" if difference < 0 else ""
            gap = f"écart {sign}{fr_number(abs(difference), 1)} point{'s' * (abs(difference) >= 2)}"
        out.append((label, _text(actual, actual_column), _text(objective, objective_column), gap))
    return out


def _text(value, column: str) -> str:
    if value == SECRET:
        return "secret statistique"
    return "non publié" if value is None else fr_value(value, *FORMATS[column])


def objectives_year(coverage: Coverage) -> int | None:
    return coverage.period[1].year if coverage.period else None


def _rate_shown(territory: Territory):
    return territory.rate if territory.ali is not None else UNCOVERED


def map_chart(coverage: Coverage) -> Chart:
    """What the map shows: each territory's coverage rate, or that no ALI covers it."""
    table = pd.DataFrame({"Code": [t.code for t in coverage.territories],
                          "Territoire": [t.name for t in coverage.territories],
                          RATE_COLUMN: [_rate_shown(t) for t in coverage.territories]})
    if coverage.reference is not None:
        table.loc[len(table)] = {"Code": "departement", "Territoire": f"{coverage.reference[0]} (référence)",
                                 RATE_COLUMN: coverage.reference[1]}
    return Chart(f"Taux de couverture des ALI — circonscriptions, {coverage.period_label}", table,
                 formats={RATE_COLUMN: FORMATS[RATE_COLUMN]}, name=f"couverture_ali_carte_{_key(coverage)}",
                 **coverage.provenance)


def table_chart(coverage: Coverage) -> Chart:
    """The full table: one row per circonscription, the ALI's facts and its figures."""
    rows = []
    for t in coverage.territories:
        ali = t.ali or {}
        rows.append({"Code": t.code, "Territoire": t.name, "ALI": ali.get("code", UNCOVERED),
                     "Porteur": ali.get("porteur", ""), "Membres du consortium": _members(t.ali),
                     "Date de démarrage": ali.get("start", ""),
                     "Date d'inauguration": ali.get("inauguration", ""),
                     "Premier mois d'activité dans les données": ali.get("first_month", ""),
                     FOLLOWED_COLUMN: t.followed, HOUSEHOLDS_COLUMN: t.households, RATE_COLUMN: _rate_shown(t),
                     **{column: t.objectives.get(column) for column, _, _ in OBJECTIVES}})
    table = pd.DataFrame(rows, columns=["Code", "Territoire", "ALI", "Porteur", "Membres du consortium",
                                        "Date de démarrage", "Date d'inauguration",
                                        "Premier mois d'activité dans les données",
                                        FOLLOWED_COLUMN, HOUSEHOLDS_COLUMN, RATE_COLUMN,
                                        *(column for column, _, _ in OBJECTIVES)])
    return Chart(f"Couverture de chaque territoire ALI — circonscriptions, {coverage.period_label}", table,
                 formats=FORMATS, name=f"couverture_ali_{_key(coverage)}",
                 **(coverage.table_provenance or coverage.provenance))


def shapes(coverage: Coverage) -> dict:
    """The circonscriptions' shapes on the month's geography."""
    if coverage.geography is None:
        return {"type": "FeatureCollection", "features": []}
    return published.geojson(coverage.geography, LEVEL)


def map_inputs(coverage: Coverage) -> dict:
    """The map's inputs: the rate of each covered territory (number, secret or unknown), the
    codes of the uncovered ones, and the département's rate."""
    covered = coverage.covered
    return {"codes": [t.code for t in covered],
            "values": [t.rate if isinstance(t.rate, float) else None for t in covered],
            "secret": [isinstance(t.rate, str) for t in covered],
            "uncovered": [t.code for t in coverage.uncovered],
            "sources": [t.source for t in covered],
            "unit": "%", "decimals": decimals(RATE), "reference": coverage.reference}


def _members(ali: dict | None) -> str:
    if ali is None:
        return ""
    return " ; ".join(ali["members"]) or NO_MEMBER


def bars_inputs(coverage: Coverage) -> dict:
    """The bar chart's inputs: the covered territories, highest rate first, secret or unknown
    last; and the département's rate."""
    def order(t):
        known = isinstance(t.rate, float)
        return (not known, -(t.rate if known else 0.0))
    ranked = sorted(coverage.covered, key=order)
    return {"names": [t.name for t in ranked],
            "values": [t.rate if isinstance(t.rate, float) else None for t in ranked],
            "secret": [isinstance(t.rate, str) for t in ranked], "decimals": decimals(RATE),
            "reference": coverage.reference}


def _key(coverage: Coverage) -> str:
    return period_key(*coverage.period) if coverage.period else "sans-periode"


FILLING_MONTHS = 24


def filling_history(coverage: Coverage) -> tuple[Chart, dict]:
    """Each ALI's filling rate over the FILLING_MONTHS months up to the month shown: the grid's
    inputs and its table (one row per ALI and month, as the grid shows it)."""
    alis = {t.code: t.ali["code"] for t in coverage.covered if t.ali}
    names = {t.code: t.name for t in coverage.covered}
    shown_months = [p for p in months() if coverage.period and p[1] <= coverage.period[1]][-FILLING_MONTHS:]
    series = published.series_values(FILLING, (LEVEL,))
    series = series[series["code"].isin(alis) & series["period_start"].isin([m[1] for m in shown_months])]
    by_cell = {(c, d): shown(v, f) for c, d, v, f in zip(series["code"], series["period_start"], series["value"],
                                                          series["flag"])}
    unit, places = FORMATS["Taux de remplissage"]
    rows, cells, texts = [], [], []
    for code in alis:
        line = [by_cell.get((code, m[1])) for m in shown_months]
        cells.append(line)
        texts.append([_said(c, unit, places) for c in line])
        rows += [{"Territoire": names[code], "ALI": alis[code], "Mois": fr_period(*m), "Taux de remplissage": c}
                 for m, c in zip(shown_months, line)]
    table = pd.DataFrame(rows, columns=["Territoire", "ALI", "Mois", "Taux de remplissage"])
    span = f"{fr_period(*shown_months[0])} à {fr_period(*shown_months[-1])}" if shown_months else "aucun mois"
    chart = Chart(f"Taux de remplissage des places de chaque ALI, {span}", table,
                  formats={"Taux de remplissage": (unit, places)}, name=f"remplissage_ali_{_key(coverage)}",
                  **provenance_of(series))
    return chart, {"names": [names[c] for c in alis], "months": [m[1].isoformat() for m in shown_months],
                   "cells": cells, "texts": texts}


def _said(cell, unit: str, places: int) -> str:
    if cell == SECRET:
        return "secret statistique"
    return "pas de chiffre (objectif ou activité absents)" if cell is None else fr_value(cell, unit, places)
