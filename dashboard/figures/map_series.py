"""Every period of one indicator and level, for the browser: the map changes period (slider,
"Lecture") and its table follows without asking the server.

Compact columns: the shapes once per level (`shapes`, every geography of the level: a series can
span COG 2024 and COG 2025), the sources once; per period only the class of each territory, its
shown text, its value (to sort the table), the legend and the title. `renderMap` in
assets/site/observatoire.js puts the figure and the table together from them. Pure: values in,
a JSON-able dict out; the value layer itself is `maps.value_layer`'s."""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence

import plotly.utils

from dashboard.figures.maps import MISSING_Z, SECRET_Z, base_map, value_layer
from dashboard.formatting import fr_value

PERIOD_MARK = "§PERIODE§"  # in the hover template, replaced by each period's label in the browser


def shapes(geographies: Sequence[str], level: str, geojson_of: Callable[[str, str], dict], *,
           height: int | None = None) -> dict:
    """The base map of a level on each geography, keyed "geography|level" like the periods'
    `shapes` (sent once per level: an indicator change does not send them again)."""
    out = {}
    for geography in geographies:
        geojson = geojson_of(geography, level)
        out[f"{geography}|{level}"] = {"figure": _json(base_map(geojson, height=height).to_plotly_json()),
                                       "names": [f["properties"]["nom"] for f in geojson["features"]]}
    return out


def payload(views: Sequence, *, decimals: int, notes: Sequence) -> dict:
    """`views`: one map view per period; `notes`: the source note of each period."""
    sources: list[str] = []
    notes_seen: dict[str, int] = {}  # a note repeats from period to period: sent once
    scales: dict[int, list] = {}
    template = None
    periods = []
    for view, note in zip(views, notes):
        key = f"{view.geography}|{view.level}"
        layer = value_layer(view.frame, view.codes, unit=view.unit, decimals=decimals,
                            period_label=PERIOD_MARK, reference=view.reference)
        classes = int(layer["zmax"] + 0.5)
        scales.setdefault(classes, layer["colorscale"])
        template = layer["hovertemplate"]
        for _text, source in layer["customdata"]:
            if source not in sources:
                sources.append(source)
        shown = view.frame.drop_duplicates("code").set_index("code").reindex(list(view.codes))
        values = [None if z < 0 else float(v) for z, v in zip(layer["z"], shown["value"].tolist())]
        periods.append({
            "key": view.period_key, "label": view.period_label, "shapes": key, "title": f"{view.label} — {view.period_label}",
            "z": layer["z"], "text": [t for t, _s in layer["customdata"]],
            "source": [sources.index(s) for _t, s in layer["customdata"]], "value": values,
            "shown": [c in set(view.frame["code"]) for c in view.codes],
            "classes": classes, "legend": layer["colorbar"]["ticktext"], "legendTitle": layer["colorbar"]["title"]["text"],
            "reference": _reference(view, decimals),
            "note": notes_seen.setdefault(json.dumps(_json(note), sort_keys=True), len(notes_seen)),
            "state": {"indicateur": view.indicator, "niveau": view.level, "periode": view.period_key},
        })
    return {"unit": views[0].unit if views else "", "sources": sources,
            "notes": [json.loads(text) for text in notes_seen],
            "scales": {str(n): s for n, s in scales.items()}, "template": template, "mark": PERIOD_MARK,
            "secret": SECRET_Z, "missing": MISSING_Z, "periods": periods}


def _reference(view, decimals: int) -> list | None:
    """The département's row under the table: [name, text shown (None when secret)]."""
    if view.reference is None:
        return None
    name, value, flag = view.reference
    if isinstance(flag, str):
        return [f"{name} (référence)", None]
    if value is None or value != value:
        return [f"{name} (référence)", "non disponible"]
    return [f"{name} (référence)", fr_value(float(value), view.unit, decimals)]


def _json(value):
    return json.loads(json.dumps(value, cls=plotly.utils.PlotlyJSONEncoder))
