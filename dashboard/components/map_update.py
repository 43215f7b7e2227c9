"""The map of a map view, as `dcc.Graph` gets it: the whole figure when the shapes it shows are
not those drawn in the browser, otherwise a `dash.Patch` of the values (shared by /carte and the
embedded map)."""
from __future__ import annotations

import dash

from dashboard.figures.maps import base_map, value_layer
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.views.map_view import MapView


def map_update(view: MapView, drawn, *, height: int = 560) -> tuple:
    """(figure or Patch, the key of the shapes now drawn: keep it in a dcc.Store as `drawn`)."""
    shapes = f"{view.geography}|{view.level}"
    layer = value_layer(view.frame, view.codes, unit=view.unit, decimals=decimals(view.indicator),
                        period_label=view.period_label, reference=view.reference)
    title = f"{view.label} — {view.period_label}"
    if shapes != drawn:
        figure = base_map(published.geojson(view.geography, view.level), height=height)
        figure.update_traces(**layer)
        figure.update_layout(title={"text": title, "x": 0.01})
    else:
        figure = dash.Patch()
        for key, value in layer.items():
            figure["data"][0][key] = value
        figure["layout"]["title"]["text"] = title
    return figure, shapes
