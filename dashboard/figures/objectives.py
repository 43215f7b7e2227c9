"""Actual against objective: each ALI's filling rate month by month (a pure figure builder)."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import SECRET_COLOUR, chart_layout

# Diverging around 100 % (every place taken): under it orange, darker as it falls to 40 %; over
# it blue, up to 160 %. Values beyond are drawn at the ends.
LOW, HIGH = 40, 160
SCALE = [[0.0, "#b35806"], [0.25, "#f1a340"], [0.5, "#f7f7f7"], [0.75, "#91bfdb"], [1.0, "#2166ac"]]


def filling_grid(names: list[str], months: list[str], cells: list[list], texts: list[list[str]]) -> go.Figure:
    """ALIs × months (first days, ISO), coloured by filling rate; a secret or missing month is
    grey and says why on hover (`texts`)."""
    z = [[c if isinstance(c, float) else None for c in row] for row in cells]
    figure = go.Figure(go.Heatmap(
        z=z, x=months, y=names, zmin=LOW, zmax=HIGH, colorscale=SCALE, xgap=1, ygap=2, hoverongaps=True,
        colorbar={"title": {"text": "% des places"}, "ticksuffix": " %", "thickness": 12, "len": 0.9,
                  "tickvals": [LOW, 70, 100, 130, HIGH]},
        customdata=texts, hovertemplate="%{y}<br>%{x|%B %Y} : %{customdata}<extra></extra>"))
    figure.update_layout(**chart_layout(yaxis={"autorange": "reversed", "type": "category", "automargin": True},
                                        xaxis={"type": "date", "tickformat": "%b %Y", "dtick": "M3"},
                                        plot_bgcolor=SECRET_COLOUR))
    return figure
