"""Pure figure builders of the territory profile: a locator map and a trend chart."""
from __future__ import annotations

import plotly.graph_objects as go

from dashboard.figures.breaks import cut_at_breaks

from dashboard.figures.maps import base_map
from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_value

HIGHLIGHT, BACKGROUND = "#0072B2", "#e3e3e3"


def locator_map(geojson: dict, highlighted: set[str], *, height: int = 260) -> go.Figure:
    """The département's territories in grey, the profiled one (or those holding it) in colour."""
    figure = base_map(geojson, height=height)
    codes = [f["id"] for f in geojson["features"]]
    figure.update_traces(z=[1 if c in highlighted else 0 for c in codes], zmin=0, zmax=1,
                         colorscale=[[0, BACKGROUND], [0.5, BACKGROUND], [0.5, HIGHLIGHT], [1, HIGHLIGHT]],
                         showscale=False, hovertemplate="%{text}<extra></extra>",
                         marker={"line": {"width": 0.6, "color": "white"}})
    figure.update_layout(margin={"l": 0, "r": 0, "t": 0, "b": 0})
    return figure


def trend_lines(series: list[dict], *, unit: str, decimals: int) -> go.Figure:
    """One line per territory (the profiled one first and thickest; references dashed). A
    secret or missing point is a gap, never joined over."""
    figure = go.Figure()
    for index, line in enumerate(series):
        colour = CATEGORICAL[0] if index == 0 else (REFERENCE_COLOUR if index == len(series) - 1 else CATEGORICAL[1])
        texts = [fr_value(v, unit, decimals) if v is not None else "s ou non disponible" for v in line["y"]]
        x, y, texts, marker = cut_at_breaks(line["x"], line["y"], texts, line.get("breaks"))
        figure.add_trace(go.Scatter(
            x=x, y=y, name=line["name"], mode="lines+markers", connectgaps=False,
            line={"color": colour, "width": 3 if index == 0 else 2, "dash": None if index == 0 else "dash"},
            marker=marker, customdata=texts,
            hovertemplate=f"{line['name']}<br>%{{x|%B %Y}} : %{{customdata}}<extra></extra>"))
    figure.update_layout(**chart_layout(yaxis={"title": {"text": unit}, "rangemode": "tozero"},
                                        xaxis={"type": "date"}, hovermode="closest"))
    return figure
