"""The ALI coverage figures: the map — the coverage rate of each circonscription in classed
colours (the shared choropleth of maps.py), and the territories that no ALI covers in a colour
of their own, outlined in dark and named in the legend, so that they stand out rather than read
as "no data" — and the ranked bars of the rates."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.maps import base_map, value_layer
from dashboard.formatting import fr_value

UNCOVERED_LABEL = "non couvert par une ALI"
UNCOVERED_COLOUR = "#f7d9c4"  # pale orange: outside the cividis classes, the grey of "s" and the white of "no figure"
UNCOVERED_LINE = "#333333"


def coverage_map(geojson: dict, codes: list[str], values: list, secret: list[bool], uncovered: list[str], *,
                 sources: list[str], unit: str, decimals: int, period_label: str,
                 reference: tuple[str, float | str | None] | None, height: int = 600) -> go.Figure:
    """`codes`, `values`, `secret`, `sources`: the rate of each covered territory; `uncovered`:
    the codes no ALI covers; `reference`: the département's name and rate (a number, "s" or None)."""
    frame = pd.DataFrame({"code": codes, "value": [None if s else v for v, s in zip(values, secret)],
                          "flag": ["secret" if s else None for s in secret], "source": sources})
    drawn = [f["id"] for f in geojson["features"]]
    known = [v for v, s in zip(values, secret) if not s and v is not None]
    named_only = marked = None  # (name, value, flag), as value_layer takes it
    if reference is not None:
        name, rate = reference
        hidden = isinstance(rate, str)
        marked = (name, None if isinstance(rate, str) else rate, "secret" if hidden else None)
        # value_layer marks the class the reference falls in; the département's rate counts the
        # households of the uncovered territories too and may fall in none: then it is only named.
        if isinstance(marked[1], float) and not (known and min(known) <= marked[1] <= max(known)):
            named_only, marked = marked, None
    layer = value_layer(frame, drawn, unit=unit, decimals=decimals, period_label=period_label, reference=marked)
    if named_only is not None:
        layer["colorbar"]["title"]["text"] = f"{unit}<br>{named_only[0]} : {fr_value(named_only[1], unit, decimals)}"
    figure = base_map(geojson, height=height)
    figure.update_traces(**with_uncovered(layer, drawn, set(uncovered)))
    return figure


def with_uncovered(layer: dict, drawn: list[str], uncovered: set[str]) -> dict:
    """A `value_layer` with one more class, below the others, for the uncovered territories:
    its own colour, a dark outline, its hover text and its legend entry."""
    z_uncovered = layer["colorbar"]["tickvals"][0] - 1
    colours = [UNCOVERED_COLOUR] + [colour for _, colour in layer["colorscale"][::2]]
    n = len(colours)
    scale = [step for i, colour in enumerate(colours) for step in ([i / n, colour], [(i + 1) / n, colour])]
    is_out = [code in uncovered for code in drawn]
    return {
        **layer,
        "z": [z_uncovered if out else z for z, out in zip(layer["z"], is_out)],
        "zmin": z_uncovered - 0.5,
        "colorscale": scale,
        "customdata": [[UNCOVERED_LABEL, ""] if out else data for data, out in zip(layer["customdata"], is_out)],
        "marker": {"line": {"color": [UNCOVERED_LINE if out else "white" for out in is_out],
                            "width": [1.6 if out else 0.6 for out in is_out]}},
        "colorbar": {**layer["colorbar"], "tickvals": [z_uncovered, *layer["colorbar"]["tickvals"]],
                     "ticktext": [UNCOVERED_LABEL, *layer["colorbar"]["ticktext"]]},
    }
