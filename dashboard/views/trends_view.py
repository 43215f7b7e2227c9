"""Trends: one indicator over time for the territories chosen (the département, circonscriptions,
communes), with the ALIs' start marked, and its change over one year.

ALI start dates are not published: where a start date is unknown the mark is the first month
of activity the store holds for the ALI, and says so."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.formatting import fr_date, fr_period
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.publication.series import break_reason
from dashboard.publication.series import breaks as series_breaks
from dashboard.views import map_view
from dashboard.views.chart import BROKEN, SECRET, Chart, provenance_of, shown

LEVELS = {"departement": "Département", "circonscription": "Circonscriptions / territoires ALI",
          "commune": "Communes"}
DEFAULT_INDICATOR = "rsa_foyers_pour_100_hab"
MAX_SHOWN = 8  # more lines than this cannot be told apart (and the palette has eight colours)
ACTIVITY = "ali_file_active"  # an ALI is active from the first month its exports count people
FIRST_MONTH = "Premier mois d'activité transmis"
START = "Démarrage de l'ALI"
COUNT_UNITS = {"foyers", "personnes", "habitants", "structures"}


@dataclass(frozen=True)
class Mark:
    """Where an ALI's start is marked: its published start date, else its first month of
    activity in the store (`published` says which)."""

    code: str
    name: str
    ali: str
    day: dt.date | None
    published: bool

    @property
    def label(self) -> str:
        return START if self.published else FIRST_MONTH

    def describe(self) -> str:
        if self.published and self.day is not None:  # a published start always has its day
            return f"{self.name} ({self.ali}) : démarrage le {fr_date(self.day)}."
        first = fr_period("month", self.day) if self.day else "aucun"
        return f"{self.name} ({self.ali}) : date de démarrage non publiée ; {FIRST_MONTH.lower()} : {first}."


def _geography() -> str | None:
    """The geography the territories are listed on: that of the RSA's latest month."""
    found = published.periods("rsa_foyers")
    return published.geography_of("rsa_foyers", *found[-1]) if found else None


def territory_options(level: str) -> list[dict]:
    geography = _geography()
    if geography is None or level not in LEVELS:
        return []
    frame = published.territories(geography, level)
    return [{"label": name, "value": code} for code, name in frame[["code", "name"]].itertuples(index=False)]


def _names() -> dict[str, str]:
    """Every territory that can be chosen, in the order of the controls: code -> name."""
    return {o["value"]: o["label"] for level in LEVELS for o in territory_options(level)}


def department() -> str | None:
    return next((o["value"] for o in territory_options("departement")), None)


def default_territories() -> list[str]:
    """The département and the first ALI territory: a reference and one ALI whose start shows."""
    names = list(_names())
    alis = [c for c in published.alis()["circonscription_code"] if c in names][:1]
    return [c for c in (department(), *alis) if c] or names[:1]


def chosen(codes) -> list[str]:
    """The valid codes among those sent, in the order of the controls, at most MAX_SHOWN; the
    defaults when none is valid."""
    names = _names()
    if isinstance(codes, str):
        codes = codes.split(",")
    picked = {c for c in codes if isinstance(c, str)} if isinstance(codes, list) else set()
    return [c for c in names if c in picked][:MAX_SHOWN] or default_territories()


def too_many(codes) -> bool:
    """More valid territories were ticked than are drawn."""
    names = _names()
    return isinstance(codes, list) and len({c for c in codes if isinstance(c, str) and c in names}) > MAX_SHOWN


def indicator_options() -> list[dict]:
    """The indicators the département has figures for (QPV-only ones have no series here)."""
    code = department()
    held = set(published.history(code)["indicator"]) if code else None
    return [o for o in map_view.indicator_options() if held is None or o["value"] in held]


def known_indicator(code) -> str:
    available = [o["value"] for o in indicator_options()]
    if isinstance(code, str) and code in available:
        return code
    return DEFAULT_INDICATOR if DEFAULT_INDICATOR in available else (available[0] if available else DEFAULT_INDICATOR)


def years(indicator) -> list[int]:
    return sorted({d.year for _t, d in published.periods(known_indicator(indicator))})


def _year(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        return int(value)
    return None


def year_range(indicator, start, end) -> tuple[int, int] | None:
    """The years shown: those asked for when the indicator has them, else its whole span."""
    available = years(indicator)
    if not available:
        return None
    first, last = _year(start), _year(end)
    first = first if first in available else available[0]
    last = last if last in available else available[-1]
    return (first, last) if first <= last else (last, first)


def marks(codes: list[str]) -> list[Mark]:
    """The start of the ALI of each chosen territory that is an ALI's circonscription."""
    alis = published.alis()
    names = _names()
    found = []
    for row in alis.itertuples():
        if row.circonscription_code not in codes:
            continue
        if isinstance(row.start_date, dt.date):
            found.append(Mark(row.circonscription_code, names.get(row.circonscription_code, row.name), row.code,
                              row.start_date, True))
            continue
        history = published.history(row.circonscription_code)
        active = history[history["indicator"] == ACTIVITY]["period_start"]
        found.append(Mark(row.circonscription_code, names.get(row.circonscription_code, row.name), row.code,
                          min(active) if len(active) else None, False))
    order = {c: i for i, c in enumerate(codes)}
    return sorted(found, key=lambda m: order[m.code])


def _meta(indicator: str) -> tuple[str, str]:
    meta = published.indicators().set_index("code")
    return (meta.loc[indicator, "label"], meta.loc[indicator, "unit"]) if indicator in meta.index else (indicator, "")


def _where(names: list[str]) -> str:
    """The territories of a title: all of them up to four, else three and how many more."""
    return ", ".join(names) if len(names) <= 4 else f"{', '.join(names[:3])} et {len(names) - 3} autres territoires"


def _rows(indicator: str, code: str) -> pd.DataFrame:
    history = published.history(code)
    return history[history["indicator"] == indicator].sort_values("period_start")


def _mask(flags: list[bool]) -> np.ndarray:
    """A row mask that stays one on an empty frame (an empty list would select columns)."""
    return np.array(flags, dtype=bool)


def _in_range(rows: pd.DataFrame, span: tuple[int, int] | None) -> pd.DataFrame:
    if span is None:
        return rows.iloc[0:0]
    return rows[_mask([span[0] <= d.year <= span[1] for d in rows["period_start"]])]


def _span_text(span: tuple[int, int] | None) -> str:
    if span is None:
        return "aucune période"
    return str(span[0]) if span[0] == span[1] else f"{span[0]}–{span[1]}"


def series(indicator, codes, start=None, end=None) -> tuple[Chart, dict]:
    """The indicator's values over the years chosen, one series per territory: the figure's
    inputs (secret and missing points are gaps) and the table (secret cells "s")."""
    indicator, codes = known_indicator(indicator), chosen(codes)
    label, unit = _meta(indicator)
    span, names = year_range(indicator, start, end), _names()
    column = f"Valeur ({unit})"
    table, lines, frames, all_breaks = [], [], [], []
    for code in codes:
        rows = _in_range(_rows(indicator, code), span)
        frames.append(rows)
        cells = [shown(v, f) for v, f in zip(rows["value"], rows["flag"])]
        periods = [fr_period(t, d) for t, d in zip(rows["period_type"], rows["period_start"])]
        days = rows["period_start"].tolist()
        # A break starts a new series: the line is not drawn across it (`series_lines`).
        breaks = [{"code": code, "name": names[code], "day": days[i], "period": periods[i], "reason": reason}
                  for i, reason in series_breaks(rows["series"].tolist())]
        lines.append({"code": code, "name": names[code], "x": rows["period_start"].tolist(), "periods": periods,
                      "y": [c if isinstance(c, float) else None for c in cells],
                      "secret": [c == SECRET for c in cells], "breaks": [b["day"] for b in breaks]})
        all_breaks += breaks
        table += [{"Territoire": names[code], "Code": code, "Période": p, column: c} for p, c in zip(periods, cells)]
    chart = Chart(f"{label} — {_where([names[c] for c in codes])}, {_span_text(span)}",
                  pd.DataFrame(table, columns=["Territoire", "Code", "Période", column]),
                  formats={column: (unit, decimals(indicator))},
                  name=f"evolution_{indicator}_{_span_text(span).replace('–', '-')}", **provenance_of(*frames))
    days = [d for line in lines for d in line["x"]]
    found = marks(codes)
    drawn = [m for m in found if m.day is not None and days and min(days) <= m.day <= max(days)]
    return chart, {"lines": lines, "unit": unit, "decimals": decimals(indicator), "department": department(),
                   "marks": [{"code": m.code, "day": m.day, "label": m.label, "name": m.name} for m in drawn],
                   "notes": [(m.describe(), m in drawn) for m in found],
                   "breaks": all_breaks,
                   "empty": [line["name"] for line in lines if not line["x"]]}


def change_unit(unit: str) -> str:
    """A change of a percentage is in points; of anything else, in its own unit."""
    return "points" if unit == "%" else unit


def _year_before(day: dt.date) -> dt.date:
    """The same period a year before (periods start on the first of a month)."""
    return day.replace(year=day.year - 1)


def year_on_year(indicator, codes, start=None, end=None) -> tuple[Chart, dict]:
    """For each period shown that has the same period a year before: both values and the change
    (for counts, also in per cent). No change where either value is secret ("s") or unknown."""
    indicator, codes = known_indicator(indicator), chosen(codes)
    label, unit = _meta(indicator)
    span, names = year_range(indicator, start, end), _names()
    delta_unit, places = change_unit(unit), decimals(indicator)
    relative = unit in COUNT_UNITS
    value_col, before_col = f"Valeur ({unit})", f"Un an avant ({unit})"
    change_col, relative_col = f"Évolution sur un an ({delta_unit})", "Évolution sur un an (%)"
    columns = ["Territoire", "Code", "Période", value_col, before_col, change_col] + ([relative_col] if relative else [])
    table: list = []
    lines: list = []
    frames: list = []
    reasons: dict = {}
    for code in codes:
        rows = _rows(indicator, code)
        previous = {(t, d): (v, f) for t, d, v, f in zip(rows["period_type"], rows["period_start"], rows["value"],
                                                          rows["flag"])}
        series_of = dict(zip(zip(rows["period_type"], rows["period_start"]), rows["series"]))
        current = _in_range(rows, span)
        current = current[_mask([(t, _year_before(d)) in previous
                                 for t, d in zip(current["period_type"], current["period_start"])])]
        compared = {(t, _year_before(d)) for t, d in zip(current["period_type"], current["period_start"])}
        frames += [current, rows[_mask([key in compared for key in zip(rows["period_type"], rows["period_start"])])]]
        line = {"code": code, "name": names[code], "x": [], "periods": [], "y": [], "relative": [], "secret": [],
                "broken": []}
        for t, d, v, f in zip(current["period_type"], current["period_start"], current["value"], current["flag"]):
            now, then = shown(v, f), shown(*previous[(t, _year_before(d))])
            broken = break_reason(series_of[(t, _year_before(d))], series_of[(t, d)])
            secret = SECRET in (now, then) and not broken
            known = isinstance(now, float) and isinstance(then, float) and not broken
            delta = BROKEN if broken else SECRET if secret else (now - then if known else None)
            ratio = BROKEN if broken else SECRET if secret else ((now - then) / then * 100 if known and then != 0 else None)
            if broken:
                reasons.setdefault(broken, []).append(f"{names[code]} ({fr_period(t, d)})")
            period = fr_period(t, d)
            row = {"Territoire": names[code], "Code": code, "Période": period, value_col: now, before_col: then,
                   change_col: delta}
            if relative:
                row[relative_col] = ratio
            table.append(row)
            line["x"].append(d)
            line["periods"].append(period)
            line["y"].append(delta if isinstance(delta, float) else None)
            line["relative"].append(ratio if relative and isinstance(ratio, float) else None)
            line["secret"].append(secret)
            line["broken"].append(bool(broken))
        lines.append(line)
    formats = {value_col: (unit, places), before_col: (unit, places), change_col: (delta_unit, places)}
    if relative:
        formats[relative_col] = ("%", 1)
    chart = Chart(f"Évolution sur un an : {label} — {_where([names[c] for c in codes])}, {_span_text(span)}",
                  pd.DataFrame(table, columns=columns), formats=formats,
                  name=f"evolution_sur_un_an_{indicator}_{_span_text(span).replace('–', '-')}",
                  **provenance_of(*frames))
    period_types = {t for t, _d in published.periods(indicator)}
    return chart, {"lines": lines, "unit": delta_unit, "decimals": places, "relative": relative,
                   "department": department(), "bars": period_types == {"year"},
                   "breaks": [(reason, where) for reason, where in reasons.items()]}
