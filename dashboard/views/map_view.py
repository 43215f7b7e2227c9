"""The map's view: one indicator, one level, one period, with its département reference,
its provenance and the frame that the table and the downloads show."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard.formatting import fr_period
from dashboard.indicators.reader import COLUMNS, published
from dashboard.indicators.registry import period_key
from dashboard.views.chart import provenance_of

LEVELS = {"commune": "Communes", "circonscription": "Circonscriptions / territoires ALI",
          "ept": "Territoires (EPT)", "qpv": "Quartiers prioritaires (QPV)"}
DEFAULT_LEVEL = "commune"
PREFERRED_INDICATORS = ("rsa_foyers_pour_100_hab", "rsa_foyers", "population")


@dataclass(frozen=True)
class UrlState:
    indicator: str
    level: str
    period_index: int


@dataclass
class MapView:
    indicator: str
    label: str
    unit: str
    level: str
    period: tuple[str, dt.date] | None
    geography: str | None
    frame: pd.DataFrame
    codes: list[str]
    reference: tuple[str, float | None, str | None] | None

    @property
    def period_label(self) -> str:
        return fr_period(*self.period) if self.period else "aucune période"

    @property
    def period_key(self) -> str:
        return period_key(*self.period) if self.period else "sans-periode"

    @property
    def sources(self) -> list[str]:
        return sorted(self.frame["source"].dropna().unique())

    @property
    def caveats(self) -> list[str]:
        return provenance_of(self.frame)["caveats"]

    @property
    def demo(self) -> bool:
        return bool(self.frame["quality"].eq("demo").any())

    def export(self) -> pd.DataFrame:
        """Exactly what the map and its table show: masked cells are "s", never a number."""
        shown = self.frame.set_index("code").reindex(self.codes).reset_index()
        names = published.territories(self.geography, self.level).set_index("code")["name"] if self.geography else {}
        secret = shown["flag"].map(lambda f: isinstance(f, str)).astype(bool)
        rows = pd.DataFrame({
            "code": shown["code"], "territoire": shown["code"].map(names),
            "indicateur": self.label, "periode": self.period_label,
            "valeur": shown["value"].astype(object).where(~secret, "s"),
            "unite": self.unit, "source": shown["source"], "qualite": shown["quality"],
            "import": shown["import_id"],
            # a weighted share (Saint-Denis since 2025) is an estimate; a partial list's count a minimum
            "estimation": shown["estimated"].fillna(False).astype(bool),
            "liste_partielle": shown["partial"].fillna(False).astype(bool),
        })
        if self.reference is not None:
            name, value, flag = self.reference
            rows.loc[len(rows)] = {"code": "departement", "territoire": name, "indicateur": self.label,
                                   "periode": self.period_label, "valeur": "s" if isinstance(flag, str) else value,
                                   "unite": self.unit, "source": ", ".join(self.sources), "qualite": None, "import": None,
                                   "estimation": False, "liste_partielle": False}
        return rows

    def provenance(self) -> pd.DataFrame:
        """The imports the shown figures come from, with their source and licence."""
        used = set(self.frame["import_id"].dropna().astype(int))
        imports = published.imports()
        return imports[imports["id"].isin(used)][["id", "source", "source_url", "licence", "quality_label",
                                                 "data_date", "imported_at", "file_name", "sha256"]] \
            .fillna({"data_date": "non renseignée", "source_url": ""})


def indicator_options() -> list[dict]:
    return [{"label": r.label, "value": r.code} for r in published.indicators().itertuples()]


def known_indicator(code) -> str:
    available = list(published.indicators()["code"])
    if isinstance(code, str) and code in available:
        return code
    return next((c for c in PREFERRED_INDICATORS if c in available), available[0] if available else "population")


def level_options() -> list[dict]:
    """The levels that have shapes to draw."""
    counts = published.territory_counts()
    drawn = set(counts[counts["with_geometry"] > 0]["level"])
    return [{"label": label, "value": level} for level, label in LEVELS.items() if level in drawn]


def geographies_with_shapes(level: str) -> list[str]:
    """The geographies whose territories of this level have shapes to draw."""
    counts = published.territory_counts()
    return sorted(counts[(counts["level"] == level) & (counts["with_geometry"] > 0)]["geography_code"])


def known_level(level) -> str:
    return level if isinstance(level, str) and level in {o["value"] for o in level_options()} else DEFAULT_LEVEL


def period_index(periods: list, index) -> int:
    """A valid index into `periods` (the latest when the one given is not)."""
    if isinstance(index, bool) or not isinstance(index, (int, float)) or index != index:
        return max(len(periods) - 1, 0)
    return min(max(int(index), 0), max(len(periods) - 1, 0))


def from_url(indicateur, niveau, periode) -> UrlState:
    indicator = known_indicator(indicateur)
    periods = published.periods(indicator)
    keys = [period_key(t, d) for t, d in periods]
    index = keys.index(periode) if periode in keys else len(periods) - 1
    return UrlState(indicator, known_level(niveau), max(index, 0))


def same_period_index(indicator, periods: list, state) -> int:
    """The index of the period shown before (from the page's state) in the new indicator's
    periods, or its latest."""
    keys = [period_key(t, d) for t, d in periods]
    shown = state.get("periode") if isinstance(state, dict) else None
    return keys.index(shown) if shown in keys else max(len(periods) - 1, 0)


def period_marks(periods: list) -> dict[int, str]:
    """A mark at the first period of each year, skipped when too close to the previous mark
    to be read (yearly figures before monthly ones crowd the start of the slider)."""
    marks: dict[int, str] = {}
    gap = max(len(periods) // 12, 1)
    for index, (_t, start) in enumerate(periods):
        if str(start.year) not in marks.values() and (not marks or index - max(marks) >= gap):
            marks[index] = str(start.year)
    return marks


def resolve(indicator, level, index) -> MapView:
    indicator, level = known_indicator(indicator), known_level(level)
    meta = published.indicators().set_index("code")
    label, unit = (meta.loc[indicator, "label"], meta.loc[indicator, "unit"]) if indicator in meta.index else ("", "")
    periods = published.periods(indicator)
    if not periods:
        return MapView(indicator, label, unit, level, None, None, published.empty_values(), [], None)
    period = periods[period_index(periods, index)]
    geography = published.geography_of(indicator, *period)
    if level == "qpv" and geography and not geography.startswith("QPV"):
        geography = published.geography_at("qpv", period[1])
    frame = published.values(indicator, level, *period, geography) if geography else published.empty_values()
    codes = published.shape_codes(geography, level) if geography else []
    reference = None
    if geography and level != "departement":
        department = published.values(indicator, "departement", *period, geography)
        if not department.empty:
            row = department.iloc[0]
            reference = (row["name"], row["value"], row["flag"])
    return MapView(indicator, label, unit, level, period, geography, frame, codes, reference)


def series(indicator, level) -> list[MapView]:
    """The map's view for every period of the indicator (what the browser steps through), from
    one read of the published values; the same views as `resolve` gives period by period."""
    indicator, level = known_indicator(indicator), known_level(level)
    if level == "qpv":  # drawn on the QPV geography of each date, whatever the figures' own
        return [resolve(indicator, level, index) for index in range(len(published.periods(indicator)))]
    meta = published.indicators().set_index("code")
    label, unit = (meta.loc[indicator, "label"], meta.loc[indicator, "unit"]) if indicator in meta.index else ("", "")
    rows = published.series_values(indicator, (level, "departement"))
    by_period = {key: part for key, part in rows.groupby(["period_type", "period_start"], sort=False)}
    views = []
    for period in published.periods(indicator):
        part = by_period.get(period)
        geography = part["geography"].iloc[0] if part is not None else published.geography_of(indicator, *period)
        frame = part[part["level"] == level][COLUMNS].reset_index(drop=True) if part is not None \
            else published.empty_values()
        reference = None
        if level != "departement" and part is not None and (part["level"] == "departement").any():
            row = part[part["level"] == "departement"].iloc[0]
            reference = (row["name"], row["value"], row["flag"])
        codes = published.shape_codes(geography, level) if geography else []
        views.append(MapView(indicator, label, unit, level, period, geography, frame, codes, reference))
    return views
