"""Embedded map (`/embed/carte`), framed in a partner's page: the map of one indicator, with no
navigation, its source, and a link to the same map on the observatory.

URL: `?indicateur=…&niveau=…&periode=2026-10&hauteur=420&controles=0`, all optional (the
defaults of /carte; `hauteur`: the map's largest height in pixels, 200 to 1200 — in a narrow
frame the map is as high as it is wide, its legend under it; `controles=0`: no indicator menu).
Changing the indicator keeps the period when the new one has it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard.components import embed
from dashboard.components.controls import select
from dashboard.components.map_frame import map_frame
from dashboard.components.map_update import map_update
from dashboard.components.provenance import source_note
from dashboard.figures.maps import base_map
from dashboard.indicators.reader import published
from dashboard.indicators.registry import period_key
from dashboard.views import map_view as map_state

dash.register_page(__name__, path="/embed/carte", name="Carte à intégrer", nav=False, order=20,
                   title="Observatoire de l'insertion — Carte")

HEIGHT = 420
EMPTY = {"type": "FeatureCollection", "features": []}


def layout(indicateur=None, niveau=None, periode=None, hauteur=None, controles=None, **_other):
    state = map_state.from_url(indicateur, niveau, periode)
    periods = published.periods(state.indicator)
    height = embed.height(hauteur, HEIGHT)
    return html.Div([
        html.Div([dbc.Label("Indicateur", html_for="embed-carte-indicator", class_name="visually-hidden"),
                  select("embed-carte-indicator", options=map_state.indicator_options(), value=state.indicator)],
                 hidden=controles == "0", className="mb-1"),
        map_frame("embed-carte-map", "embed-carte-legend", figure=base_map(EMPTY), max_height=height),
        html.Div([html.Div(id="embed-carte-source"),
                  embed.observatory_link("embed-carte-link", embed.observatory_url("/carte"))],
                 className="embed-footer"),
        dcc.Store(id="embed-carte-drawn"),
        # What the URL asked for: the period is looked for again in each indicator chosen.
        dcc.Store(id="embed-carte-state", data={
            "niveau": state.level, "hauteur": height,
            "periode": period_key(*periods[state.period_index]) if periods else None}),
    ])


@callback(Output("embed-carte-map", "figure"), Output("embed-carte-drawn", "data"),
          Output("embed-carte-source", "children"), Output("embed-carte-link", "href"),
          Output("embed-carte-legend", "children"),
          Input("embed-carte-indicator", "value"), State("embed-carte-state", "data"),
          State("embed-carte-drawn", "data"))
def draw(indicator, asked, drawn):
    asked = asked if isinstance(asked, dict) else {}
    indicator = map_state.known_indicator(indicator)
    index = map_state.same_period_index(indicator, published.periods(indicator), asked)
    view = map_state.resolve(indicator, asked.get("niveau"), index)
    figure, shapes, legend = map_update(view, drawn)
    link = embed.observatory_url("/carte", indicateur=view.indicator, niveau=view.level,
                                 periode=view.period_key if view.period else None)
    return figure, shapes, source_note(view.sources, caveats=view.caveats, demo=view.demo), link, legend
