"""A territory's profile: every indicator at its latest period, its change over a year, and the
same figures for the département as reference."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.indicators import queries

LEVEL_LABELS = {"commune": "Commune", "circonscription": "Circonscription / territoire ALI", "ept": "Territoire (EPT)",
                "departement": "Département", "qpv": "Quartier prioritaire (QPV)",
                "commune_deleguee": "Commune déléguée"}


def _department(geography: str) -> dict | None:
    frame = queries.territories(geography, "departement")
    return None if frame.empty else {"code": frame["code"].iloc[0], "name": frame["name"].iloc[0]}


def _year_before(start: dt.date) -> dt.date:
    return start.replace(year=start.year - 1)


def latest_figures(territory: dict) -> pd.DataFrame:
    """One row per indicator: label, unit, period, value and flag, the value a year before (same
    period type), and the département's value for the same period.

    Columns: indicator, label, unit, period_type, period_start, value, flag, previous,
    previous_flag, reference, reference_flag, quality, source."""
    profile = queries.profile(territory["code"], territory["level"], territory["geography"])
    columns = ["indicator", "label", "unit", "period_type", "period_start", "value", "flag", "previous",
               "previous_flag", "reference", "reference_flag", "quality", "source"]
    if profile.empty:
        return pd.DataFrame(columns=columns)
    department = _department(territory["geography"]) if territory["level"] != "departement" else None
    reference = (queries.profile(department["code"], "departement", territory["geography"])
                 if department else profile.iloc[0:0])
    meta = queries.indicators().set_index("code")
    rows = []
    for indicator, series in profile.groupby("indicator", sort=False):
        if indicator not in meta.index:
            continue
        last = series.iloc[-1]
        key = (last["period_type"], last["period_start"])
        earlier = series[(series["period_type"] == key[0]) & (series["period_start"] == _year_before(key[1]))]
        ref = reference[(reference["indicator"] == indicator) & (reference["period_type"] == key[0])
                        & (reference["period_start"] == key[1])]
        rows.append({
            "indicator": indicator, "label": meta.loc[indicator, "label"], "unit": meta.loc[indicator, "unit"],
            "period_type": key[0], "period_start": key[1], "value": last["value"], "flag": last["flag"],
            "previous": earlier["value"].iloc[0] if len(earlier) else None,
            "previous_flag": earlier["flag"].iloc[0] if len(earlier) else None,
            "reference": ref["value"].iloc[0] if len(ref) else None,
            "reference_flag": ref["flag"].iloc[0] if len(ref) else None,
            "quality": last["quality"], "source": last["source"],
        })
    return pd.DataFrame(rows, columns=columns).sort_values("label", ignore_index=True)
