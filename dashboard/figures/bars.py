"""Ranked horizontal bars, shared by the compare, coverage and structures pages."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_number, fr_value

SECRET_TEXT = "s (secret statistique)"


def ranked_bars(names: list[str], values: list, secret: list[bool], *, unit: str, decimals: int,
                reference: tuple[str, object] | None, colour: str = CATEGORICAL[0],
                short_text: bool = False) -> go.Figure:
    """Bars in the given order (highest first), top to bottom. A secret territory is listed with
    "s" and no bar; a missing value says "non disponible". The département's value, when given
    as a number, is a dashed line named in the legend (a label on the plot would sit on the bars
    or under the mode bar). `short_text` writes bare numbers on the bars when the unit is long:
    it titles the axis and the hover gives it in full."""
    hover = [SECRET_TEXT if s else "non disponible" if v is None or v != v else fr_value(v, unit, decimals)
             for v, s in zip(values, secret)]
    texts = [h if s or not short_text or v is None or v != v else fr_number(v, decimals)
             for h, v, s in zip(hover, values, secret)]
    drawn = [None if s else v for v, s in zip(values, secret)]
    figure = go.Figure(go.Bar(
        y=names, x=drawn, orientation="h", marker_color=colour, text=texts, textposition="outside",
        cliponaxis=False, customdata=hover, hovertemplate="%{y} : %{customdata}<extra></extra>", showlegend=False))
    for name, is_secret in zip(names, secret):
        if is_secret:  # plotly writes no text without a bar: the "s" is an annotation
            figure.add_annotation(x=0, y=name, xref="x", yref="y", xanchor="left", showarrow=False,
                                  text=SECRET_TEXT, font={"color": REFERENCE_COLOUR})
    known = [v for v in drawn if isinstance(v, (int, float)) and v == v]
    if reference is not None and isinstance(reference[1], float):
        known.append(reference[1])
        figure.add_vline(x=reference[1], line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2})
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip",
                                    line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2},
                                    name=f"{reference[0]} : {fr_value(reference[1], unit, decimals)}"))
    xaxis: dict[str, object] = {"title": {"text": unit}, "rangemode": "tozero"}
    if known and max(known) > 0:  # room right of the longest bar for the value written after it
        xaxis["range"] = [min(0, *known), max(known) * 1.25]
    figure.update_layout(**chart_layout(yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
                                        xaxis=xaxis, height=max(260, 26 * len(names) + 100),
                                        showlegend=reference is not None and isinstance(reference[1], float)))
    return figure
