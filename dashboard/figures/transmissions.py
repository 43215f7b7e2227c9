"""The Transmissions grid: partners × months, one colour per status (a pure figure builder)."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import chart_layout

# Status -> colour (cividis-friendly ends: on time blue, missing dark orange), in legend order.
COLOURS = {"à l'heure": "#2c7bb6", "corrigé": "#7fb3d5", "en retard": "#fdae61", "attendu": "#e0e0e0",
           "annulé": "#b2abd2", "manquant": "#d7301f"}


def status_grid(partners: list[str], months: list[str], statuses: list[list[str]],
                texts: list[list[str]], imports: list[list[int | None]] | None = None) -> go.Figure:
    """Each cell carries its text and the number of the import that brought the month (None for
    none): a click opens that import (the page's clientside callback)."""
    order = list(COLOURS)
    imports = imports or [[None] * len(row) for row in texts]
    custom = [[[text, number] for text, number in zip(row_texts, row_imports)]
              for row_texts, row_imports in zip(texts, imports)]
    z = [[order.index(s) if s in order else None for s in row] for row in statuses]
    n = len(order)
    scale = [[edge / n, COLOURS[status]] for i, status in enumerate(order) for edge in (i, i + 1)]
    figure = go.Figure(go.Heatmap(
        z=z, x=months, y=partners, zmin=0, zmax=n, colorscale=scale, showscale=False, xgap=2, ygap=2,
        customdata=custom, hovertemplate="%{y}<br>%{x} : %{customdata[0]}<extra></extra>"))
    for status, colour in COLOURS.items():  # the legend: one empty trace per status
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=status,
                                    marker={"color": colour, "size": 12, "symbol": "square"}))
    figure.update_layout(**chart_layout(yaxis={"autorange": "reversed", "type": "category"},
                                        xaxis={"type": "category"}, legend={"orientation": "h", "y": -0.15}))
    return figure


def missing_bars(partners: list[str], counts: list[int]) -> go.Figure:
    """Months to chase, per partner (none: an empty chart that says so)."""
    figure = go.Figure(go.Bar(x=counts, y=partners, orientation="h", marker_color=COLOURS["manquant"],
                              hovertemplate="%{y} : %{x} mois à réclamer<extra></extra>"))
    figure.update_layout(**chart_layout(yaxis={"type": "category", "autorange": "reversed"},
                                        xaxis={"title": {"text": "mois à réclamer"}, "rangemode": "tozero"}))
    if not partners:
        figure.add_annotation(text="Aucun mois à réclamer", showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")
    return figure
