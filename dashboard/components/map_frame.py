"""A map and its legend side by side on a wide screen, the legend under the map on a phone.

The legend is text beside the graph (`maps.legend`), not plotly's colour bar: a colour bar keeps
its width inside the figure, which left a phone's map a tenth of the screen. The graph takes
its container's width and a height that follows it (CSS `.map-graph` in
assets/site/observatoire.css); the shapes are fitted to it (`fitbounds`). The map of /carte
draws the same legend in the browser (`mapLegend` in assets/site/observatoire.js)."""
from __future__ import annotations

from dash import html

from dashboard.components.graphs import graph


def map_frame(graph_id: str, legend_id: str, *, figure=None, legend=None, max_height: int | None = None) -> html.Div:
    """`legend`: its children when the map is drawn with the page (`map_legend`), else filled
    by a callback; `max_height`: a ceiling in pixels (an embed's `hauteur`); else the CSS one."""
    extra = {"figure": figure} if figure is not None else {}
    if max_height:
        extra["style"] = {"maxHeight": f"{max_height}px"}
    return html.Div([
        graph(graph_id, responsive=True, className="map-graph", **extra),
        html.Div(legend, id=legend_id, className="map-legend"),
    ], className="map-frame")


def map_legend(legend: dict) -> list:
    """The children of a map's legend, from `maps.legend` (what `mapLegend` draws in JS)."""
    title = []
    for k, line in enumerate(legend["title"]):
        title += [html.Br(), line] if k else [line]
    return [
        html.P(title, className="map-legend-title"),
        html.Ul([html.Li([html.Span(className="map-swatch", style={"backgroundColor": colour}), label])
                 for colour, label in legend["items"]], className="list-unstyled mb-0"),
    ]
