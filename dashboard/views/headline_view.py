"""The elected officials' headline figures: a few indicators for one territory and one month,
each with its change over a year."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard.formatting import fr_period, fr_value
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals, period_key
from dashboard.publication.series import break_reason

HEADLINES = ("rsa_foyers", "rsa_foyers_pour_100_hab", "ali_file_active", "ali_taux_couverture",
             "ali_part_sorties_emploi_durable")
PERIOD_INDICATOR = "rsa_foyers"
MAP_INDICATOR = "rsa_foyers_pour_100_hab"
MAP_LEVEL = "circonscription"


@dataclass(frozen=True)
class Headline:
    indicator: str
    label: str
    value: str
    change: str
    period: str
    demo: bool


def months() -> list[tuple[str, dt.date]]:
    """The months the headline figures exist for (those of the RSA households)."""
    return [p for p in published.periods(PERIOD_INDICATOR) if p[0] == "month"]


def month_options() -> list[dict]:
    return [{"label": fr_period(*p), "value": period_key(*p)} for p in reversed(months())]


def known_month(key) -> tuple[str, dt.date] | None:
    available = months()
    return next((p for p in available if period_key(*p) == key), available[-1] if available else None)


def territory_options() -> list[dict]:
    """The département, then its circonscriptions, on the geography of the latest month."""
    period = known_month(None)
    geography = published.geography_of(PERIOD_INDICATOR, *period) if period else None
    if geography is None:
        return []
    return [{"label": name if level == "departement" else f"— {name}", "value": code}
            for level in ("departement", "circonscription")
            for code, name in published.territories(geography, level)[["code", "name"]].itertuples(index=False)]


def known_territory(code) -> dict | None:
    options = territory_options()
    chosen = code if isinstance(code, str) and code in {o["value"] for o in options} else (
        options[0]["value"] if options else None)
    return published.find_territory(chosen) if chosen else None


# Actual against objective: the département against the places target it published (real), an
# ALI territory against the places of its agreement (demo until real agreements are imported).
OBJECTIVE = {"departement": ("programme_objectif_places", "ali_part_objectif_departement", "objectif publié"),
             "circonscription": ("ali_objectif_places", "ali_taux_remplissage", "convention de l'ALI")}


def objective(territory: dict, period: tuple[str, dt.date]) -> Headline | None:
    """People followed by the ALIs against the places aimed at: the objective of the month's
    year, else the next one published (the département's target is for 2026); None without one."""
    spec = OBJECTIVE.get(territory["level"])
    if spec is None:
        return None
    places_code, rate_code, said = spec
    years = [p for p in published.periods(places_code) if p[0] == "year"]
    year = next((p for p in years if p[1].year == period[1].year), None) or \
        next((p for p in years if p[1].year > period[1].year), None)
    if year is None:
        return None
    places, _, places_demo, _ = _value(places_code, territory, year)
    if places is None:
        return None
    followed, followed_secret, followed_demo, _ = _value("ali_file_active", territory, period)
    rate, rate_secret, _, _ = _value(rate_code, territory, period)
    value = "s" if followed_secret else fr_value(followed, "personnes") if followed is not None else "non disponible"
    target = f"{fr_value(places, 'places')} visées en {year[1].year} ({said})"
    share = (" — s" if rate_secret else f" — {fr_value(rate, '%', 1)} de l'objectif" if rate is not None else "")
    return Headline(rate_code, "Personnes suivies par les ALI, pour l'objectif de places", value, target + share,
                    fr_period(*period), followed_demo or places_demo)


def _value(indicator: str, territory: dict, period: tuple[str, dt.date]) -> tuple[float | None, bool, bool, str | None]:
    """(value, secret, demo, series) of one indicator for the territory, on the geography of the period."""
    geography = published.geography_of(indicator, *period)
    if geography is None or not any(p == period for p in published.periods(indicator)):
        return None, False, False, None
    frame = published.values(indicator, territory["level"], *period, geography)
    row = frame[frame["code"] == territory["code"]]
    if row.empty:
        return None, False, False, None
    secret = isinstance(row["flag"].iloc[0], str)
    series = row["series"].iloc[0]
    return ((None if secret else row["value"].iloc[0]), secret, row["quality"].iloc[0] == "demo",
            series if isinstance(series, str) else None)


def headlines(territory: dict, period: tuple[str, dt.date]) -> list[Headline]:
    meta = published.indicators().set_index("code")
    year_before = (period[0], period[1].replace(year=period[1].year - 1))
    out = []
    for indicator in HEADLINES:
        if indicator not in meta.index:
            continue
        unit, places = meta.loc[indicator, "unit"], decimals(indicator)
        value, secret, demo, series = _value(indicator, territory, period)
        before, before_secret, _, before_series = _value(indicator, territory, year_before)
        text = "s" if secret else fr_value(value, unit, places) if value is not None and value == value else "non disponible"
        broken = break_reason(before_series, series)
        if broken:  # a change across two series would measure the change of source, not of the territory
            change = f"évolution sur un an : rupture de série ({broken})"
        elif secret or before_secret:
            change = "évolution sur un an : s"
        elif value is None or before is None or value != value or before != before:
            change = "évolution sur un an : non disponible"
        else:
            difference = value - before
            change_unit = "points" if unit == "%" else unit
            if abs(difference) < 0.5 * 10 ** -places:
                change = "stable en un an"
            else:
                change = f"{'+' if difference > 0 else ''}{fr_value(difference, change_unit, places)} en un an"
        out.append(Headline(indicator, meta.loc[indicator, "label"], text, change, fr_period(*period), demo))
    return out
