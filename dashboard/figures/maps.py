"""Choropleth maps on prepared shapes, drawn as SVG.

SVG (`go.Choropleth` on a hidden base map) rather than a WebGL map: nothing is fetched (no
tiles, no style, no font glyphs), it prints crisply to PDF, and it works on the many office
computers and virtual desktops without WebGL.
"""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import LAYOUT, SEQUENTIAL
from dashboard.formatting import fr_number, fr_percent


def _clockwise(ring: list) -> list:
    """d3-geo (behind plotly's geo maps) wants exterior rings clockwise, the reverse of RFC 7946."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    return ring[::-1] if area > 0 else ring


def _rewind(geometry: dict) -> dict:
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    rewound = [[_clockwise(rings[0])] + [_clockwise(r)[::-1] for r in rings[1:]] for rings in polygons]
    return {"type": "MultiPolygon", "coordinates": rewound}


def svg_geojson(geojson: dict) -> dict:
    return {"type": "FeatureCollection", "features": [
        {**f, "geometry": _rewind(f["geometry"])} for f in geojson["features"]]}


def choropleth(geojson: dict, frame: pd.DataFrame, *, title: str, unit: str, decimals: int = 0) -> go.Figure:
    """`frame` has columns code, name, value, flag: one row per territory drawn."""
    codes = [f["id"] for f in geojson["features"]]
    shown = frame.set_index("code").reindex(codes)
    names = [f["properties"]["nom"] for f in geojson["features"]]
    text = [
        "s (secret statistique : valeur trop petite pour être publiée, ou qui permettrait d'en déduire une)"
        if isinstance(flag, str)
        else ("non disponible" if pd.isna(v) else
              fr_percent(v, decimals) if unit == "%" else f"{fr_number(v, decimals)} {unit}")
        for v, flag in zip(shown["value"], shown["flag"])
    ]
    fig = go.Figure(go.Choropleth(
        geojson=svg_geojson(geojson), featureidkey="id", locations=codes, z=shown["value"].astype(float),
        customdata=list(zip(names, text)), colorscale=SEQUENTIAL, marker={"line": {"width": 0.6, "color": "white"}},
        hovertemplate="<b>%{customdata[0]}</b><br>%{customdata[1]}<extra></extra>",
        colorbar={"title": {"text": unit}, "thickness": 12, "tickformat": ",d" if decimals == 0 else ",.1f"},
    ))
    # scope "europe": the smallest base-map file (assets/topojson/europe_110m.json), never drawn.
    fig.update_geos(fitbounds="locations", visible=False, projection_type="mercator", scope="europe",
                    resolution=110)
    fig.update_layout(**LAYOUT, title={"text": title, "x": 0.01}, height=560)
    return fig
