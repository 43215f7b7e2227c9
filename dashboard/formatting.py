"""The one place that turns numbers and dates into French text: `12 345`, `45,2 %`, `mars 2024`."""
from __future__ import annotations

import datetime as dt
import math

NNBSP = "\u202f"  # narrow no-break space: French thousands separator
NBSP = "\u00a0"  # no-break space: before % and units

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


def fr_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",")


def fr_percent(value: float | None, decimals: int = 1) -> str:
    """`value` is already a percentage (45.2 -> "45,2 %")."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{fr_number(value, decimals)}{NBSP}%"


def fr_value(value: float | None, unit: str, decimals: int = 0) -> str:
    """A value with its unit: "45,2 %", "12 345 foyers"."""
    if unit == "%":
        return fr_percent(value, decimals)
    return f"{fr_number(value, decimals)}{NBSP}{unit}"


def fr_period(period_type: str, start: dt.date) -> str:
    if period_type == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    if period_type == "quarter":
        return f"{(start.month - 1) // 3 + 1}{'er' if start.month == 1 else 'e'} trimestre {start.year}"
    return str(start.year)


def fr_date(day: dt.date) -> str:
    return f"{day.day}{'er' if day.day == 1 else ''} {MONTHS[day.month - 1]} {day.year}"
