"""The structures figures: the map — the communes' outlines (the shared base map of maps.py,
uncoloured) and one point per position, sized by the number of structures it holds, with that
number on it — and the ranked bars of a density by territory."""
from __future__ import annotations

import math

import plotly.graph_objects as go

from dashboard.figures.maps import base_map
from dashboard.figures.theme import CATEGORICAL

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
