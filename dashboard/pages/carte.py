"""Carte: one indicator, one level, one period, drawn on the geography of the period's own date.

An indicator or level change is one request: every period's values reach the browser at once
(`figures.map_series`), and the slider, "Lecture" and the table under the map change period in
the browser (`renderMap` in assets/site/observatoire.js). The state is in the URL
(`?indicateur=…&niveau=…&periode=…`), so a link reopens the same map.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard.components.props import wildcard
from dashboard.components.controls import select
from dashboard.components.downloads import download_buttons, send_frame
from dashboard.components.map_frame import map_frame
from dashboard.components.provenance import source_note
from dashboard.figures import map_series
from dashboard.figures.maps import base_map
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.views import map_view as map_state

dash.register_page(__name__, path="/carte", name="Carte", order=1, title="Observatoire de l'insertion — Carte")

SORTS = [{"label": "Valeur décroissante", "value": "desc"}, {"label": "Valeur croissante", "value": "asc"},
         {"label": "Nom du territoire", "value": "name"}]


def layout(indicateur: str | None = None, niveau: str | None = None, periode: str | None = None, **_other):
    state = map_state.from_url(indicateur, niveau, periode)
    periods = published.periods(state.indicator)
    return html.Div([
        html.H1("Carte", className="h2"),
        dbc.Row([
            dbc.Col([dbc.Label("Indicateur", html_for="carte-indicator"),
                     select("carte-indicator", options=map_state.indicator_options(), value=state.indicator)], lg=6),
            dbc.Col([dbc.Label("Niveau", html_for="carte-level"),
                     select("carte-level", options=map_state.level_options(), value=state.level)], lg=3),
        ], class_name="g-3 mb-2"),
        dbc.Row([
            dbc.Col(dbc.Button("▶ Lecture", id="carte-play", color="secondary", size="sm", n_clicks=0,
                               title="Faire défiler les périodes"), width="auto"),
            dbc.Col([html.Div(id="carte-period-label", className="fw-semibold", **wildcard({"aria-live": "polite"})),
                     # The slider's thumb gets its name and spoken value from assets/site/observatoire.js.
                     html.Div(dcc.Slider(id="carte-period", min=0, max=max(len(periods) - 1, 0), step=1,
                                         value=state.period_index, marks=map_state.period_marks(periods),
                                         included=False, updatemode="mouseup", allow_direct_input=False),
                              **wildcard({"data-slider-label": "Période", "data-slider-valuetext": "carte-period-label"}))]),
        ], class_name="g-2 mb-2 align-items-center"),
        dcc.Interval(id="carte-clock", interval=1200, disabled=True),
        map_frame("carte-map", "carte-legend", figure=base_map({"type": "FeatureCollection", "features": []})),
        html.Div(id="carte-source"),
        dcc.Store(id="carte-series"),
        dcc.Store(id="carte-shapes"),
        dcc.Store(id="carte-state"),
        dcc.Store(id="carte-profile-path", data=dash.get_relative_path("/territoire/")),
        html.Div(id="carte-goto", hidden=True),
        html.Div(id="carte-url-sink", hidden=True),
        html.H2("Les valeurs de la carte", className="h5 mt-4"),
        dbc.Row([
            dbc.Col([dbc.Label("Trier", html_for="carte-sort", class_name="me-2"),
                     dbc.Select(id="carte-sort", options=SORTS, value="desc", size="sm")], width="auto",
                    class_name="d-flex align-items-center"),
            dbc.Col(download_buttons("carte"), width="auto"),
        ], class_name="g-3 mb-2 align-items-center"),
        html.Div(id="carte-table"),
    ])


@callback(Output("carte-series", "data"), Output("carte-period", "max"), Output("carte-period", "marks"),
          Output("carte-period", "value"),
          Input("carte-indicator", "value"), Input("carte-level", "value"),
          State("carte-period", "value"), State("carte-state", "data"))
def series(indicator, level, index, shown):
    """The one request of an indicator or level change: every period's values, classes, hover
    texts, legend and table rows. The slider, "Lecture" and the table then work in the browser.
    A new indicator keeps the period shown when it has it, else shows its latest."""
    indicator, level = map_state.known_indicator(indicator), map_state.known_level(level)
    periods = published.periods(indicator)
    data = published.remember(("carte-series", indicator, level), indicator, lambda: _payload(indicator, level))
    if dash.ctx.triggered_id == "carte-indicator":
        value = map_state.same_period_index(indicator, periods, shown)
    else:  # the first drawing (the period from the URL) or a change of level
        value = map_state.period_index(periods, index)
    return data, max(len(periods) - 1, 0), map_state.period_marks(periods), value


def _payload(indicator: str, level: str) -> dict:
    views = map_state.series(indicator, level)
    return map_series.payload(views, decimals=decimals(indicator),
                              notes=[source_note(v.sources, caveats=v.caveats, demo=v.demo) for v in views])


@callback(Output("carte-shapes", "data"), Input("carte-level", "value"))
def shapes(level):
    """The base maps of a level, on every geography that has its shapes: sent when the level
    changes, never with an indicator."""
    level = map_state.known_level(level)
    return published.remember(("carte-shapes", level), None, lambda: map_series.shapes(
        map_state.geographies_with_shapes(level), level, published.geojson))


@callback(Output("carte-download", "data"),
          Input("carte-csv", "n_clicks"), Input("carte-xlsx", "n_clicks"),
          State("carte-indicator", "value"), State("carte-level", "value"), State("carte-period", "value"),
          prevent_initial_call=True)
def download(_csv, _xlsx, indicator, level, index):
    view = map_state.resolve(indicator, level, index)
    fmt = "xlsx" if dash.ctx.triggered_id == "carte-xlsx" else "csv"
    return send_frame(view.export(), f"{view.indicator}_{view.level}_{view.period_key}", fmt,
                      sources=view.provenance())


# In the browser, no round trip: the URL follows the state, a click opens the territory's profile,
# the play button runs the clock that moves the slider (assets/site/observatoire.js).
clientside_callback(ClientsideFunction("observatoire", "renderMap"),
                    Output("carte-map", "figure"), Output("carte-source", "children"),
                    Output("carte-period-label", "children"), Output("carte-state", "data"),
                    Output("carte-table", "children"), Output("carte-legend", "children"),
                    Input("carte-series", "data"), Input("carte-shapes", "data"), Input("carte-period", "value"),
                    Input("carte-sort", "value"))
clientside_callback(ClientsideFunction("observatoire", "replaceQuery"), Output("carte-url-sink", "children"),
                    Input("carte-state", "data"))
clientside_callback(ClientsideFunction("observatoire", "openProfile"), Output("carte-goto", "children"),
                    Input("carte-map", "clickData"), State("carte-profile-path", "data"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("observatoire", "togglePlay"),
                    Output("carte-clock", "disabled"), Output("carte-play", "children"),
                    Output("carte-period", "value", allow_duplicate=True),
                    Input("carte-play", "n_clicks"), State("carte-clock", "disabled"),
                    State("carte-period", "value"), State("carte-period", "max"), prevent_initial_call=True)
clientside_callback(ClientsideFunction("observatoire", "step"),
                    Output("carte-period", "value", allow_duplicate=True), Output("carte-clock", "disabled",
                                                                                  allow_duplicate=True),
                    Output("carte-play", "children", allow_duplicate=True),
                    Input("carte-clock", "n_intervals"), State("carte-period", "value"), State("carte-period", "max"),
                    prevent_initial_call=True)
