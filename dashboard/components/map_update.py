"""The map of a map view, as `dcc.Graph` gets it: the whole figure when the shapes it shows are
not those drawn in the browser, otherwise a `dash.Patch` of the values; and its legend, drawn
beside the graph (`map_frame`) rather than as plotly's colour bar (the embedded map)."""
from __future__ import annotations

import dash

from dashboard.components.map_frame import map_legend
from dashboard.figures.maps import base_map, legend, value_layer
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.views.map_view import MapView


def map_update(view: MapView, drawn) -> tuple:
    """(figure or Patch, the key of the shapes now drawn: keep it in a dcc.Store as `drawn`,
    the legend's children). The figure takes its graph's size (`map_frame`)."""
    shapes = f"{view.geography}|{view.level}"
    layer = value_layer(view.frame, view.codes, unit=view.unit, decimals=decimals(view.indicator),
                        period_label=view.period_label, reference=view.reference)
    title = f"{view.label} — {view.period_label}"
    if shapes != drawn:
        figure = base_map(published.geojson(view.geography, view.level))
        figure.update_traces(**layer, showscale=False)
        figure.update_layout(title={"text": title, "x": 0.01})
    else:
        figure = dash.Patch()
        for key, value in layer.items():
            figure["data"][0][key] = value
        figure["layout"]["title"]["text"] = title
    return figure, shapes, map_legend(legend(layer))
