"""Choropleth maps on prepared shapes, drawn as SVG, in classed colours.

SVG (`go.Choropleth` on a hidden base map) rather than a WebGL map: nothing is fetched (no
tiles, no style, no font glyphs), it prints crisply to PDF, and it works on the many office
computers and virtual desktops without WebGL.

A map is two parts so that the browser gets the shapes once: `base_map` (the shapes, drawn
when the level or the geography changes) and `value_layer` (the values, classes, hover text and
legend of one indicator and period: the only thing sent when they change, as a `dash.Patch`).

Classes are quantiles: each class holds about as many territories. With 9 to 40 territories,
natural breaks (Jenks) move a lot from one month to the next and leave classes of one or two
territories; quantiles keep the map readable over time and say plainly "the fifth with the
most". Colours are cividis, designed to be read by colour-blind people, and each class is
labelled with its bounds in the legend.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.figures.theme import LAYOUT
from dashboard.formatting import fr_number, fr_value

N_CLASSES = 5
# cividis sampled at 5 evenly spaced points (plotly.colors.sequential.Cividis).
CLASS_COLOURS = ("#00224e", "#414d6b", "#7c7b78", "#bcaf6f", "#fee838")
SECRET_COLOUR = "#c8c8c8"   # "s": a value that exists but cannot be published
MISSING_COLOUR = "#ffffff"  # no figure for this territory
SECRET_Z, MISSING_Z = -1, -2
REFERENCE_MARK = "◆"


def _clockwise(ring: list) -> list:
    """d3-geo (behind plotly's geo maps) wants exterior rings clockwise, the reverse of RFC 7946."""
    area = sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))
    return ring[::-1] if area > 0 else ring


def _rewind(geometry: dict) -> dict:
    rewound = [[_clockwise(rings[0])] + [_clockwise(r)[::-1] for r in rings[1:]] for rings in _polygons(geometry)]
    return {"type": "MultiPolygon", "coordinates": rewound}


def svg_geojson(geojson: dict) -> dict:
    """The shapes as d3 wants them, with nothing but ids and geometry (names go in customdata)."""
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f["id"], "geometry": _rewind(f["geometry"])} for f in geojson["features"]]}


def class_breaks(values: Sequence[float], n_classes: int = N_CLASSES) -> list[float]:
    """Quantile bounds (n_classes + 1 of them, fewer when values repeat), from min to max."""
    known = np.asarray([v for v in values if v is not None and v == v], dtype=float)
    if known.size == 0:
        return []
    breaks = np.unique(np.quantile(known, np.linspace(0, 1, n_classes + 1)))
    return breaks.tolist() if breaks.size > 1 else [breaks[0], breaks[0]]


def class_of(value: float, breaks: Sequence[float]) -> int:
    """The class of a value: bounds are closed on the right, the first class includes its minimum."""
    return max(0, min(int(np.searchsorted(breaks, value, side="left")) - 1, len(breaks) - 2))


def value_layer(frame: pd.DataFrame, codes: Sequence[str], *, unit: str, decimals: int, period_label: str,
                reference: tuple[str, float | None, str | None] | None = None) -> dict:
    """The trace properties for one indicator and period: z (class numbers, -1 secret, -2 no
    figure), hover text, colour scale and legend. `frame` has code, value, flag, source;
    `reference` is (name, value, flag) of the département, marked in the legend."""
    shown = frame.drop_duplicates("code").set_index("code").reindex(list(codes))
    values = shown["value"].astype(float)
    secret = shown["flag"].map(lambda f: isinstance(f, str)).astype(bool)
    breaks = class_breaks(values[~secret].tolist())
    z, text = [], []
    for value, is_secret in zip(values.tolist(), secret.tolist()):
        if is_secret:
            z.append(SECRET_Z)
            text.append("s (secret statistique)")
        elif value != value:
            z.append(MISSING_Z)
            text.append("non disponible")
        else:
            z.append(class_of(value, breaks))
            text.append(fr_value(value, unit, decimals))
    n = max(len(breaks) - 1, 1)
    labels = [f"{fr_number(lo, decimals)} – {fr_number(hi, decimals)}" for lo, hi in zip(breaks, breaks[1:])]
    title = unit
    if reference is not None and reference[1] is not None and reference[1] == reference[1] and breaks:
        # The mark goes on a class only when the département's value lies within the classes.
        if breaks[0] <= reference[1] <= breaks[-1]:
            labels[class_of(reference[1], breaks)] += f" {REFERENCE_MARK}"
        title = f"{unit}<br>{REFERENCE_MARK} {reference[0]} : {fr_value(reference[1], unit, decimals)}"
    elif reference is not None and isinstance(reference[2], str):
        title = f"{unit}<br>{reference[0]} : s"
    colours = [MISSING_COLOUR, SECRET_COLOUR, *CLASS_COLOURS[:n]]
    sources = shown["source"].where(shown["source"].notna(), "").tolist()
    return {
        "z": z,
        "zmin": MISSING_Z - 0.5, "zmax": n - 0.5,
        "colorscale": _stepped(colours),
        "customdata": [[t, s] for t, s in zip(text, sources)],
        "hovertemplate": f"<b>%{{text}}</b><br>%{{customdata[0]}}<br>{period_label}<br>"
                         "<i>%{customdata[1]}</i><extra></extra>",
        "colorbar": {"title": {"text": title}, "tickvals": list(range(MISSING_Z, n)),
                     "ticktext": ["non disponible", "s (secret)", *labels], "thickness": 14, "len": 0.75},
    }


def _stepped(colours: Sequence[str]) -> list[list]:
    """A colour scale where each integer of z gets one flat colour."""
    n = len(colours)
    scale = []
    for i, colour in enumerate(colours):
        scale += [[i / n, colour], [(i + 1) / n, colour]]
    return scale


def _extent(geojson: dict, pad: float = 0.01) -> tuple[list[float], list[float]] | None:
    """[lon min, lon max], [lat min, lat max] of the shapes, widened by `pad` of each side."""
    points = [point for f in geojson["features"] for polygon in _polygons(f["geometry"])
              for ring in polygon for point in ring]
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    dx, dy = (max(lons) - min(lons)) * pad, (max(lats) - min(lats)) * pad
    return [min(lons) - dx, max(lons) + dx], [min(lats) - dy, max(lats) + dy]


def _polygons(geometry: dict) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def legend(layer: dict) -> dict:
    """The legend of a value layer as text, for a legend drawn beside or under the map rather
    than plotly's colour bar (which keeps its width on a phone): the title's lines and
    (colour, label) per class, in the colour bar's order."""
    scale, bar = layer["colorscale"], layer["colorbar"]
    return {"title": bar["title"]["text"].split("<br>"),
            "items": [[scale[2 * k][1], text] for k, text in enumerate(bar["ticktext"])]}


def base_map(geojson: dict, *, height: int | None = None) -> go.Figure:
    """The shapes of one level, with names for hover, and no values yet. Without `height`, the
    figure takes its container's size (a graph with `responsive=True` and a CSS height)."""
    codes = [f["id"] for f in geojson["features"]]
    names = [f["properties"]["nom"] for f in geojson["features"]]
    fig = go.Figure(go.Choropleth(
        geojson=svg_geojson(geojson), featureidkey="id", locations=codes, text=names, z=[MISSING_Z] * len(codes),
        marker={"line": {"width": 0.6, "color": "white"}}, hoverlabel={"bgcolor": "white"},
    ))
    # scope "europe": the smallest base-map file (assets/topojson/europe_110m.json), never drawn.
    fig.update_geos(visible=False, projection_type="mercator", scope="europe", resolution=110)
    # The map's frame is the shapes' own extent: with `fitbounds` alone the frame kept Europe's
    # proportions and the département filled a fifth of the graph's width.
    bounds = _extent(geojson)
    if bounds:
        fig.update_geos(lonaxis_range=bounds[0], lataxis_range=bounds[1])
    else:
        fig.update_geos(fitbounds="locations")
    fig.update_layout(**LAYOUT, dragmode=False)
    if height is not None:
        fig.update_layout(height=height)
    return fig


def choropleth(geojson: dict, frame: pd.DataFrame, *, title: str, unit: str, decimals: int = 0,
               period_label: str = "", reference: tuple | None = None, height: int | None = None) -> go.Figure:
    """A whole map: the shapes and one layer of values."""
    fig = base_map(geojson, height=height)
    codes = [f["id"] for f in geojson["features"]]
    fig.update_traces(**value_layer(frame, codes, unit=unit, decimals=decimals, period_label=period_label,
                                    reference=reference))
    fig.update_layout(title={"text": title, "x": 0.01})
    return fig
