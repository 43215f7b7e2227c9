"""The structures figures: the map — the communes' outlines (the shared base map of maps.py,
uncoloured) and one point per position, sized by the number of structures it holds, with that
number on it — and the ranked bars of a density by territory."""
from __future__ import annotations

import math

import plotly.graph_objects as go

from dashboard.figures.maps import base_map
from dashboard.figures.theme import CATEGORICAL, REFERENCE_COLOUR, chart_layout
from dashboard.formatting import fr_number, fr_value

COMMUNE_FILL = "#f1f1f1"
COMMUNE_LINE = "#8c8c8c"
POINT_COLOUR = CATEGORICAL[0]


def point_size(count: int) -> float:
    """The diameter in px: the area grows with the count (the eye reads areas), 14 px for one."""
    return 14 * math.sqrt(max(count, 1))


def structures_map(geojson: dict, *, lon: list[float], lat: list[float], counts: list[int], hover: list[str],
                   keys: list[str], height: int = 600) -> go.Figure:
    """`lon`, `lat`: each point's position; `counts`: how many structures it holds; `hover`:
    its hover text; `keys`: what a click on it sends back (customdata)."""
    figure = base_map(geojson, height=height)
    n = len(geojson["features"])
    figure.update_traces(z=[0] * n, colorscale=[[0, COMMUNE_FILL], [1, COMMUNE_FILL]], showscale=False,
                         marker={"line": {"color": COMMUNE_LINE, "width": 0.8}},
                         hovertemplate="%{text}<extra></extra>")
    figure.add_trace(go.Scattergeo(
        lon=lon, lat=lat, mode="markers+text", text=[str(c) for c in counts], textposition="middle center",
        textfont={"color": "white", "size": 11},
        marker={"size": [point_size(c) for c in counts], "color": POINT_COLOUR, "opacity": 0.9,
                "line": {"color": "white", "width": 1.5}},
        customdata=keys, hovertext=hover, hovertemplate="%{hovertext}<extra></extra>",
        hoverlabel={"bgcolor": "white", "align": "left"}, name="Structures d'insertion", showlegend=False))
    figure.update_layout(showlegend=False)
    return figure


def density_bars(names: list[str], values: list, secret: list[bool], *, unit: str, decimals: int,
                 reference: tuple[str, object] | None) -> go.Figure:
    """A density for each territory, highest at the top; a secret one is listed with "s" and no
    bar. The numbers on the bars go without their (long) unit, which titles the axis; the
    département's value is a dashed line named in the legend."""
    texts = ["s" if s else fr_number(v, decimals) for v, s in zip(values, secret)]
    hover = ["s (secret statistique)" if s else fr_value(v, unit, decimals) for v, s in zip(values, secret)]
    shown = [None if s else v for v, s in zip(values, secret)]
    figure = go.Figure(go.Bar(
        y=names, x=shown, orientation="h", marker_color=POINT_COLOUR, text=texts, textposition="outside",
        cliponaxis=False, customdata=hover, hovertemplate="%{y} : %{customdata}<extra></extra>", showlegend=False))
    known = [v for v in shown if isinstance(v, (int, float))]
    if reference is not None and isinstance(reference[1], float):
        known.append(reference[1])
        figure.add_vline(x=reference[1], line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2})
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", hoverinfo="skip",
                                    line={"color": REFERENCE_COLOUR, "dash": "dash", "width": 2},
                                    name=f"{reference[0]} : {fr_value(reference[1], unit, decimals)}"))
    figure.update_layout(**chart_layout(
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        # Room on the right for the value written after the longest bar.
        xaxis={"title": {"text": unit}, "range": [0, max(known, default=1) * 1.15 or 1]},
        height=max(260, 24 * len(names) + 100), showlegend=True))
    return figure
