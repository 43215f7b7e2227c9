"""A dcc.Graph with the app's French, offline configuration."""
from __future__ import annotations

import dash
from dash import dcc

from dashboard.figures.theme import graph_config


def graph(component_id: str, config: dict | None = None, **kwargs) -> dcc.Graph:
    """`config` adds to (or overrides) the shared configuration, e.g. a static locator map."""
    shared = graph_config(dash.get_relative_path("/assets/topojson/"))
    return dcc.Graph(id=component_id, config={**shared, **(config or {})}, **kwargs)
