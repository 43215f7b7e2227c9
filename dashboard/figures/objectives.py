"""Actual against objective: each ALI's filling rate month by month (a pure figure builder)."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import SECRET_COLOUR, chart_layout

# Under the threshold dark orange, at the places blue; 100 % (places filled) in the middle.
SCALE = [[0.0, "#b35806"], [0.35, "#f1a340"], [0.5, "#f7f7f7"], [0.75, "#91bfdb"], [1.0, "#2166ac"]]


def filling_grid(names: list[str], months: list[str], cells: list[list], texts: list[list[str]]) -> go.Figure:
    """ALIs × months, coloured by filling rate (0 to 200 %, 100 % white); a secret or missing
    month is grey and says why on hover."""
    z = [[c if isinstance(c, float) else None for c in row] for row in cells]
    figure = go.Figure(go.Heatmap(
        z=z, x=months, y=names, zmin=0, zmax=200, colorscale=SCALE, xgap=1, ygap=2, hoverongaps=True,
        colorbar={"title": {"text": "% des places"}, "ticksuffix": " %", "orientation": "h", "y": -0.25,
                  "thickness": 12},
        customdata=texts, hovertemplate="%{y}<br>%{x} : %{customdata}<extra></extra>"))
    figure.update_layout(**chart_layout(yaxis={"autorange": "reversed", "type": "category", "automargin": True},
                                        xaxis={"type": "category"}, plot_bgcolor=SECRET_COLOUR))
    return figure
