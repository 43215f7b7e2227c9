"""Outcomes of the ALIs' accompaniment: exits by type per ALI and over time, exit rates, entries
against exits, and what became of the people who entered in a quarter (the ALIs' cohort
exports). Cohorts are only ever the stored `cohorte_*` figures: monthly flows cannot tell which
entry quarter a person who left came from, so they are never used to estimate them."""
from __future__ import annotations

from typing import Any

import datetime as dt

import pandas as pd

from dashboard.formatting import fr_date, fr_period
from dashboard.indicators import reader
from dashboard.indicators.reader import published
from dashboard.indicators.registry import COHORT_STATUSES, EXITS, decimals, period_key
from dashboard.views.chart import SECRET, Chart, provenance_of, shown

UNIT = "personnes"
EXIT_LABELS = {"ali_sorties_emploi_durable": "Emploi durable", "ali_sorties_emploi_transition": "Emploi de transition",
               "ali_sorties_formation": "Formation qualifiante", "ali_sorties_autres": "Autres sorties"}
TOTAL, TOTAL_LABEL = "ali_sorties", "Ensemble des sorties"
RATES = {"ali_part_sorties_emploi_durable": "Part des sorties vers l'emploi durable",
         "ali_taux_sortie": "Taux de sortie mensuel"}
FLOWS = {"ali_entrees": "Entrées du mois", "ali_sorties": "Sorties du mois",
         "ali_file_active": "Personnes suivies en fin de mois"}
STATUS_LABELS = {"suivis": "Toujours suivies", "sorties_emploi_durable": "Emploi durable",
                 "sorties_emploi_transition": "Emploi de transition", "sorties_formation": "Formation qualifiante",
                 "sorties_autres": "Autres sorties"}
HORIZONS = (6, 12)
ENTRIES = "cohorte_entrees"
MONTH_INDICATOR = EXITS[0]


def _cohort(horizon: int, status: str) -> str:
    return f"cohorte_{horizon}m_{status}"


def months() -> list[tuple[str, dt.date]]:
    return [p for p in published.periods(MONTH_INDICATOR) if p[0] == "month"]


def month_options() -> list[dict]:
    return [{"label": fr_period(*p), "value": period_key(*p)} for p in reversed(months())]


def known_month(key) -> tuple[str, dt.date] | None:
    """The month a key names, else the latest (a forged key is not an error)."""
    available = months()
    return next((p for p in available if period_key(*p) == key), available[-1] if available else None)


def quarters() -> list[tuple[str, dt.date]]:
    return [p for p in published.periods(ENTRIES) if p[0] == "quarter"]


def quarter_options() -> list[dict]:
    return [{"label": fr_period(*p), "value": period_key(*p)} for p in reversed(quarters())]


def known_quarter(key) -> tuple[str, dt.date] | None:
    """The entry quarter a key names, else the latest whose situation at 12 months is known (the
    fullest picture), else the latest."""
    available = quarters()
    if not available:
        return None
    complete = set(published.periods(_cohort(12, "suivis")))
    default = next((p for p in reversed(available) if p in complete), available[-1])
    return next((p for p in available if period_key(*p) == key), default)


def _ali_territories(geography: str) -> pd.DataFrame:
    """The circonscriptions served by an ALI (not the communes that no ALI covers)."""
    frame = published.territories(geography, "circonscription")
    return frame[frame["code"].isin(set(published.alis()["circonscription_code"].dropna()))]


def territory_options() -> list[dict]:
    """The département, then the ALI territories, on the geography of the latest month."""
    latest = known_month(None)
    geography = published.geography_of(MONTH_INDICATOR, *latest) if latest else None
    if geography is None:
        return []
    departments = published.territories(geography, "departement")
    return [{"label": name, "value": code} for code, name in departments[["code", "name"]].itertuples(index=False)] + \
        [{"label": f"— {name}", "value": code}
         for code, name in _ali_territories(geography)[["code", "name"]].itertuples(index=False)]


def known_territory(code) -> dict | None:
    options = [o["value"] for o in territory_options()]
    chosen = code if isinstance(code, str) and code in options else (options[0] if options else None)
    return published.find_territory(chosen) if chosen else None


def _cell(frame: pd.DataFrame, indicator: str, start: dt.date):
    """A cell of a territory's history as displayed: number, "s" or None."""
    row = frame[(frame["indicator"] == indicator) & (frame["period_start"] == start)]
    return None if row.empty else shown(row["value"].iloc[0], row["flag"].iloc[0])


def _series(code: str, indicators: list[str], period_type: str) -> tuple[pd.DataFrame, list[dt.date]]:
    """The history rows of these indicators for one territory, and the periods any of them has."""
    history = published.history(code)
    rows = history[history["indicator"].isin(indicators) & (history["period_type"] == period_type)]
    return rows, sorted(set(rows["period_start"]))


def _empty(title: str, name: str) -> tuple[Chart, dict]:
    return Chart(title, pd.DataFrame(), name=name), {}


def exits_by_ali(month) -> tuple[Chart, dict]:
    """Exits by type for every ALI territory in one month. Inputs of the figure: names, and per
    type its label and cells (number or "s"); the total is only in the table and the hover."""
    period = known_month(month)
    if period is None:
        return _empty("Sorties d'accompagnement par type — aucune donnée", "sorties_par_ali")
    geography = published.geography_of(MONTH_INDICATOR, *period)
    served = _ali_territories(geography)
    codes, names = served["code"].tolist(), served["name"].tolist()
    frames = {i: published.values(i, "circonscription", *period, geography) for i in (*EXITS, TOTAL)}
    cells = {i: [shown(v, f) for v, f in zip(*(frame.set_index("code").reindex(codes)[c] for c in ("value", "flag")))]
             for i, frame in frames.items()}
    columns = {i: f"{EXIT_LABELS.get(i, TOTAL_LABEL)} ({UNIT})" for i in (*EXITS, TOTAL)}
    table = pd.DataFrame({"Code": codes, "Territoire ALI": names, **{columns[i]: cells[i] for i in columns}})
    chart = Chart(f"Sorties d'accompagnement par type — territoires ALI, {fr_period(*period)}", table,
                  formats={c: (UNIT, 0) for c in columns.values()},
                  name=f"sorties_par_ali_{period_key(*period)}",
                  **provenance_of(*(f[f["code"].isin(codes)] for f in frames.values())))
    return chart, {"names": names, "parts": [(EXIT_LABELS[i], cells[i]) for i in EXITS], "total": cells[TOTAL],
                   "unit": UNIT}


def _time_table(rows: pd.DataFrame, starts: list[dt.date], labels: dict[str, str], units: dict[str, str]) -> \
        tuple[pd.DataFrame, dict[str, list], dict[str, str]]:
    """One row per month: the cells of each indicator, under "label (unit)" headers."""
    columns = {i: f"{label} ({units[i]})" for i, label in labels.items()}
    cells = {i: [_cell(rows, i, s) for s in starts] for i in labels}
    table = pd.DataFrame({"Mois": [fr_period("month", s) for s in starts], **{columns[i]: cells[i] for i in labels}})
    return table, cells, columns


def _months_span(starts: list) -> str:
    return f"{fr_period('month', starts[0])} à {fr_period('month', starts[-1])}" if starts else "aucun mois"


def exits_over_time(code) -> tuple[Chart, dict]:
    """Monthly exits by type in one territory (the département or an ALI territory)."""
    territory = known_territory(code)
    if territory is None:
        return _empty("Sorties d'accompagnement par mois — aucune donnée", "sorties_par_mois")
    labels = {**{i: EXIT_LABELS[i] for i in EXITS}, TOTAL: TOTAL_LABEL}
    rows, starts = _series(territory["code"], list(labels), "month")
    table, cells, columns = _time_table(rows, starts, labels, {i: UNIT for i in labels})
    when = _months_span(starts)
    chart = Chart(f"Sorties d'accompagnement par type et par mois — {territory['name']}, {when}", table,
                  formats={c: (UNIT, 0) for c in columns.values()},
                  name=f"sorties_par_mois_{territory['code']}", **provenance_of(rows))
    return chart, {"months": starts, "parts": [(EXIT_LABELS[i], cells[i]) for i in EXITS], "total": cells[TOTAL],
                   "unit": UNIT}


def rates(code) -> tuple[Chart, dict]:
    """The share of exits to durable employment and the monthly exit rate of one territory."""
    territory = known_territory(code)
    if territory is None:
        return _empty("Taux de sortie — aucune donnée", "taux_de_sortie")
    rows, starts = _series(territory["code"], list(RATES), "month")
    table, cells, columns = _time_table(rows, starts, RATES, {i: "%" for i in RATES})
    when = _months_span(starts)
    chart = Chart(f"Part des sorties vers l'emploi durable et taux de sortie mensuel — {territory['name']}, {when}",
                  table, formats={columns[i]: ("%", decimals(i)) for i in RATES},
                  name=f"taux_de_sortie_{territory['code']}", **provenance_of(rows))
    return chart, {"months": starts, "series": [(RATES[i], cells[i], decimals(i)) for i in RATES]}


def flows(code) -> tuple[Chart, dict]:
    """Entries against exits each month, and the people followed at the end of the month."""
    territory = known_territory(code)
    if territory is None:
        return _empty("Entrées, sorties et personnes suivies — aucune donnée", "entrees_sorties")
    rows, starts = _series(territory["code"], list(FLOWS), "month")
    table, cells, columns = _time_table(rows, starts, FLOWS, {i: UNIT for i in FLOWS})
    when = _months_span(starts)
    chart = Chart(f"Entrées, sorties et personnes suivies par mois — {territory['name']}, {when}", table,
                  formats={c: (UNIT, 0) for c in columns.values()},
                  name=f"entrees_sorties_{territory['code']}", **provenance_of(rows))
    return chart, {"months": starts, "entries": (FLOWS["ali_entrees"], cells["ali_entrees"]),
                   "exits": (FLOWS["ali_sorties"], cells["ali_sorties"]),
                   "followed": (FLOWS["ali_file_active"], cells["ali_file_active"]), "unit": UNIT}


def share(count, entries):
    """A status's share of the quarter's entries, in %: "s" when either count is secret (no
    figure is worked out from a masked one), None when unknown."""
    if count == SECRET or entries == SECRET:
        return SECRET
    if count is None or entries is None or entries == 0:
        return None
    return count / entries * 100


def short_quarter(start: dt.date) -> str:
    """A quarter as an axis label: "T1 2025"."""
    return f"T{(start.month - 1) // 3 + 1} {start.year}"


def known_at(quarter: dt.date, horizon: int) -> dt.date:
    """The day a quarter's situation `horizon` months after its end is observed: the last day of
    the quarter's last month, `horizon` months on."""
    month = quarter.month + 2 + horizon
    year, month = quarter.year + (month - 1) // 12, (month - 1) % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def _cohort_cells(rows: pd.DataFrame, start: dt.date) -> tuple[object, dict[int, dict[str, object] | None]]:
    """The entries of a quarter and, per horizon, the count of each status (None for a horizon
    whose figures are not stored: not yet observed)."""
    by_horizon = {}
    for horizon in HORIZONS:
        found = {s: _cell(rows, _cohort(horizon, s), start) for s in COHORT_STATUSES}
        stored = rows[(rows["period_start"] == start) & rows["indicator"].isin(
            [_cohort(horizon, s) for s in COHORT_STATUSES])]
        by_horizon[horizon] = found if not stored.empty else None
    return _cell(rows, ENTRIES, start), by_horizon


def _cohort_rows(code: str) -> tuple[pd.DataFrame, list[dt.date]]:
    indicators = [ENTRIES, *(_cohort(h, s) for h in HORIZONS for s in COHORT_STATUSES)]
    return _series(code, indicators, "quarter")


def _quarter_rows(territory: dict, period: tuple[str, dt.date]) -> pd.DataFrame:
    """One quarter's cohort figures for one territory, from `values` (rows like the history's):
    a single quarter needs none of the territory's other periods."""
    frames = []
    for indicator in [ENTRIES, *(_cohort(h, s) for h in HORIZONS for s in COHORT_STATUSES)]:
        if period not in published.periods(indicator):
            continue  # a horizon not yet observed for this quarter
        frame = published.values(indicator, territory["level"], *period, published.geography_of(indicator, *period))
        frames.append(frame[frame["code"] == territory["code"]].assign(indicator=indicator, period_start=period[1]))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=[*reader.COLUMNS, "indicator", "period_start"])


def cohort(code, quarter) -> tuple[Chart, dict]:
    """What became of the people who entered in one quarter, 6 and 12 months after its end:
    counts and shares of the entries per status, from the stored cohort figures only."""
    territory, period = known_territory(code), known_quarter(quarter)
    if territory is None or period is None:
        return _empty("Devenir des cohortes d'entrants — aucune donnée", "cohorte")
    rows, start = _quarter_rows(territory, period), period[1]
    entries, by_horizon = _cohort_cells(rows, start)
    pending = [h for h in HORIZONS if by_horizon[h] is None]
    columns = {h: (f"À {h} mois ({UNIT})", f"À {h} mois (% des entrées)") for h in HORIZONS}
    table = pd.DataFrame({"Situation": [STATUS_LABELS[s] for s in COHORT_STATUSES] + ["Entrées du trimestre"]})
    for h in HORIZONS:
        counts = by_horizon[h] or {}
        known = by_horizon[h] is not None
        table[columns[h][0]] = [counts.get(s) for s in COHORT_STATUSES] + [entries if known else None]
        table[columns[h][1]] = [share(counts.get(s), entries) if known else None for s in COHORT_STATUSES] + \
            [share(entries, entries) if known else None]
    note = "".join(f" ; situation à {h} mois pas encore connue (elle le sera au {fr_date(known_at(start, h))})"
                   for h in pending)
    title = f"Devenir des personnes entrées au {fr_period(*period)} — {territory['name']}{note}"
    chart = Chart(title, table,
                  formats={c: (u, 0 if u == UNIT else 1) for h in HORIZONS for c, u in zip(columns[h], (UNIT, "%"))},
                  name=f"cohorte_{territory['code']}_{period_key(*period)}", **provenance_of(rows))
    bars = [(f"À {h} mois", [(STATUS_LABELS[s], (by_horizon[h] or {}).get(s),
                              share((by_horizon[h] or {}).get(s), entries)) for s in COHORT_STATUSES]
             if by_horizon[h] is not None else None) for h in HORIZONS]
    pending_text = {f"À {h} mois": f"Pas encore connue : elle le sera au {fr_date(known_at(start, h))}"
                    for h in pending}
    return chart, {"bars": bars, "pending": pending_text, "entries": entries, "unit": UNIT}


def cohort_quarters(code) -> tuple[Chart, dict]:
    """Every entry quarter of one territory side by side: the share of its entries in each status
    at 6 and at 12 months (the quarters whose situation at that horizon is observed)."""
    territory = known_territory(code)
    if territory is None:
        return _empty("Cohortes d'entrants par trimestre — aucune donnée", "cohortes")
    rows, starts = _cohort_rows(territory["code"])
    records: list[dict] = []
    panels: dict[int, dict[str, Any]] = {h: {"quarters": [], "parts": {STATUS_LABELS[s]: [] for s in COHORT_STATUSES}}
                           for h in HORIZONS}
    for start in starts:
        entries, by_horizon = _cohort_cells(rows, start)
        label = fr_period("quarter", start)
        # A horizon not yet observed has no row and no bar.
        for h in HORIZONS:
            counts = by_horizon[h]
            if counts is None:
                continue
            shares = {s: share(counts[s], entries) for s in COHORT_STATUSES}
            records.append({"Trimestre d'entrée": label, "Situation": f"À {h} mois",
                            f"Entrées du trimestre ({UNIT})": entries,
                            **{f"{STATUS_LABELS[s]} (% des entrées)": shares[s] for s in COHORT_STATUSES}})
            panels[h]["quarters"].append(short_quarter(start))
            for s in COHORT_STATUSES:
                panels[h]["parts"][STATUS_LABELS[s]].append(shares[s])
    table = pd.DataFrame(records)
    when = f"{fr_period('quarter', starts[0])} à {fr_period('quarter', starts[-1])}" if starts else "aucun trimestre"
    chart = Chart(f"Situation à 6 et 12 mois des personnes entrées, par trimestre d'entrée — {territory['name']}, "
                  f"{when}", table,
                  formats={c: ((UNIT, 0) if c.endswith(f"({UNIT})") else ("%", 1)) for c in table.columns[2:]},
                  name=f"cohortes_{territory['code']}", **provenance_of(rows))
    return chart, {"panels": [(f"À {h} mois", panels[h]["quarters"], list(panels[h]["parts"].items()))
                              for h in HORIZONS]}
