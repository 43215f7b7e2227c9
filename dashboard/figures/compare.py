"""Pure figure builders of the compare page: a ranked bar chart with the département as a
reference line, and a scatter of two indicators with the territories labelled."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_value


def ranked_bars(names: list[str], values: list, secret: list[bool], *, unit: str, decimals: int,
                reference: tuple[str, object] | None) -> go.Figure:
    """Horizontal bars, highest at the top; a secret territory is listed with "s" and no bar."""
    texts = ["s (secret statistique)" if s else "non disponible" if v is None or v != v else fr_value(v, unit, decimals)
             for v, s in zip(values, secret)]
    figure = go.Figure(go.Bar(
        y=names, x=[None if s else v for v, s in zip(values, secret)], orientation="h",
        marker_color=CATEGORICAL[0], text=texts, textposition="outside", cliponaxis=False,
        customdata=texts, hovertemplate="%{y} : %{customdata}<extra></extra>"))
    shown = [v for v, s in zip(values, secret) if not s and v is not None and v == v]
    if reference is not None and isinstance(reference[1], float):
        shown.append(reference[1])
    # Room right of the longest bar for its value written outside it.
    xaxis = {"title": {"text": unit}, "rangemode": "tozero"}
    if shown and max(shown) > 0:
        xaxis["range"] = [min(0, *shown), max(shown) * 1.3]
    layout = chart_layout(yaxis={"autorange": "reversed", "automargin": True}, xaxis=xaxis,
                          height=max(260, 26 * len(names) + 80), showlegend=False,
                          margin={"l": 8, "r": 8, "t": 56, "b": 8})  # the reference's label under the mode bar
    figure.update_layout(**layout)
    for name, is_secret in zip(names, secret):
        if is_secret:  # no bar, and plotly writes no text without one: the "s" is an annotation
            figure.add_annotation(x=0, y=name, xref="x", yref="y", xanchor="left", showarrow=False,
                                  text="s (secret statistique)", font={"color": REFERENCE_COLOUR})
    if reference is not None and isinstance(reference[1], float):
        # The line's label sits above the bars, where no value is written.
        figure.add_vline(x=reference[1], line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2})
        figure.add_annotation(x=reference[1], y=1, xref="x", yref="paper", yanchor="bottom", xanchor="left",
                              showarrow=False, text=f"{reference[0]} : {fr_value(reference[1], unit, decimals)}",
                              font={"color": REFERENCE_COLOUR})
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
