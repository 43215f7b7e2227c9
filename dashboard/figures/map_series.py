"""Every period of one indicator and level, for the browser: the map changes period (slider,
"Lecture") and its table follows without asking the server.

Compact: the shapes once per geography (a series can span COG 2024 and COG 2025), and per period
only what changes — the trace's value layer (classes, hover texts, legend), the title, the
table's rows as text and the source note. Pure: values in, a JSON-able dict out."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import plotly.utils

from dashboard.figures.maps import base_map, value_layer
from dashboard.formatting import fr_value


def payload(views: Sequence, geojson_of: Callable[[str, str], dict], *, decimals: int,
            notes: Sequence, height: int = 560) -> dict:
    """`views`: one map view per period (code, name, value, flag of each territory, reference);
    `geojson_of(geography, level)`: the shapes; `notes`: the source note of each period."""
    shapes: dict[str, dict] = {}
    periods = []
    for view, note in zip(views, notes):
        key = f"{view.geography}|{view.level}"
        if key not in shapes:
            figure = base_map(geojson_of(view.geography, view.level) if view.geography
                              else {"type": "FeatureCollection", "features": []}, height=height)
            shapes[key] = json.loads(json.dumps(figure.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder))
        layer = value_layer(view.frame, view.codes, unit=view.unit, decimals=decimals,
                            period_label=view.period_label, reference=view.reference)
        periods.append({
            "key": view.period_key, "label": view.period_label, "shapes": key,
            "layer": layer, "title": f"{view.label} — {view.period_label}",
            "caption": f"{view.label} — {view.period_label}",
            "rows": _rows(view, decimals), "reference": _reference(view, decimals),
            "note": json.loads(json.dumps(note, cls=plotly.utils.PlotlyJSONEncoder)),
            "state": {"indicateur": view.indicator, "niveau": view.level, "periode": view.period_key},
        })
    unit = views[0].unit if views else ""
    return {"unit": unit, "shapes": shapes, "periods": periods}


def _text(value, flag, unit: str, decimals: int) -> str | None:
    """A cell as the table shows it: None for "s" (the page draws its explanation)."""
    if isinstance(flag, str):
        return None
    if value is None or value != value:
        return "non disponible"
    return fr_value(float(value), unit, decimals)


def _rows(view, decimals: int) -> list[list]:
    """[name, shown text (None when secret), value to sort on (None when secret or missing)]."""
    out = []
    for name, value, flag in zip(view.frame["name"], view.frame["value"], view.frame["flag"]):
        secret = isinstance(flag, str)
        number = None if secret or value is None or value != value else float(value)
        out.append([name, _text(value, flag, view.unit, decimals), number])
    return out


def _reference(view, decimals: int) -> list | None:
    if view.reference is None:
        return None
    name, value, flag = view.reference
    return [f"{name} (référence)", _text(value, flag, view.unit, decimals)]
