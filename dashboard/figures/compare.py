"""Pure figure builder of the compare page's scatter: two indicators, the territories labelled
(its ranking is `figures.bars.ranked_bars`)."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import CATEGORICAL, chart_layout
from dashboard.formatting import fr_value


def labelled_scatter(names: list[str], x: list[float], y: list[float], *, x_label: str, y_label: str,
                     x_unit: str, y_unit: str, x_decimals: int, y_decimals: int) -> go.Figure:
    hover = [f"{n}<br>{x_label} : {fr_value(a, x_unit, x_decimals)}<br>{y_label} : {fr_value(b, y_unit, y_decimals)}"
             for n, a, b in zip(names, x, y)]
    figure = go.Figure(go.Scatter(
        x=x, y=y, mode="markers+text", text=names, textposition="top center", textfont={"size": 11},
        marker={"size": 10, "color": CATEGORICAL[0], "line": {"color": "white", "width": 1}},
        customdata=hover, hovertemplate="%{customdata}<extra></extra>"))
    figure.update_layout(**chart_layout(xaxis={"title": {"text": x_label}}, yaxis={"title": {"text": y_label}},
                                        showlegend=False))
    return figure
