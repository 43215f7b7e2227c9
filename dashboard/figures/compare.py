"""Pure figure builders of the compare page: a ranked bar chart with the département as a
reference line, and a scatter of two indicators with the territories labelled."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_value


def ranked_bars(names: list[str], values: list, secret: list[bool], *, unit: str, decimals: int,
                reference: tuple[str, object] | None) -> go.Figure:
    """Horizontal bars, highest at the top; a secret territory is listed with "s" and no bar."""
    texts = ["s (secret statistique)" if s else fr_value(v, unit, decimals) for v, s in zip(values, secret)]
    figure = go.Figure(go.Bar(
        y=names, x=[None if s else v for v, s in zip(values, secret)], orientation="h",
        marker_color=CATEGORICAL[0], text=texts, textposition="outside", cliponaxis=False,
        customdata=texts, hovertemplate="%{y} : %{customdata}<extra></extra>"))
    layout = chart_layout(yaxis={"autorange": "reversed", "automargin": True},
                          xaxis={"title": {"text": unit}, "rangemode": "tozero"},
                          height=max(260, 26 * len(names) + 80), showlegend=False)
    figure.update_layout(**layout)
    if reference is not None and isinstance(reference[1], float):
        figure.add_vline(x=reference[1], line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2},
                         annotation={"text": f"{reference[0]} : {fr_value(reference[1], unit, decimals)}",
                                     "font": {"color": REFERENCE_COLOUR}},
                         annotation_position="top right")
    return figure


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
