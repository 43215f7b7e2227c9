"""Comparer: rank one level's territories (all, or those chosen) on an indicator, with the
département as reference; and place them on two indicators at once. State in the URL."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html

from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.figures.bars import ranked_bars
from dashboard.figures.compare import labelled_scatter
from dashboard.views import compare_view as view
from dashboard.views import map_view

dash.register_page(__name__, path="/comparer", name="Comparer", order=3,
                   title="Observatoire de l'insertion — Comparer les territoires")


def layout(niveau=None, indicateur=None, x=None, y=None, **_other) -> html.Div:
    level = view.known_level(niveau)
    indicators = map_view.indicator_options()
    levels = [{"label": label, "value": code} for code, label in view.LEVELS.items()
              if code in {o["value"] for o in map_view.level_options()}]
    return html.Div([
        html.H1("Comparer les territoires", className="h2"),
        dbc.Row([
            dbc.Col([dbc.Label("Niveau", html_for="comparer-level"),
                     select("comparer-level", options=levels, value=level)], lg=3),
            dbc.Col([dbc.Label("Indicateur à classer", html_for="comparer-indicator"),
                     select("comparer-indicator", options=indicators, value=view.known_indicator(indicateur))], lg=5),
        ], class_name="g-3 mb-2"),
        html.Details([
            html.Summary("Choisir les territoires (tous par défaut)"),
            dbc.Checklist(id="comparer-territories", options=view.territory_options(level), value=[],
                          class_name="comparer-territories mt-2", inline=True),
        ], className="mb-3"),
        chart_panel("comparer-rank", height=640),
        dbc.Row([
            dbc.Col([dbc.Label("Indicateur en abscisse", html_for="comparer-x"),
                     select("comparer-x", options=indicators, value=view.known_indicator(x, view.DEFAULT_X))], lg=5),
            dbc.Col([dbc.Label("Indicateur en ordonnée", html_for="comparer-y"),
                     select("comparer-y", options=indicators, value=view.known_indicator(y, view.DEFAULT_Y))], lg=5),
        ], class_name="g-3 mb-2"),
        chart_panel("comparer-scatter", height=520),
        dash.dcc.Store(id="comparer-state"),
        html.Div(id="comparer-url-sink", hidden=True),
    ])


@callback(Output("comparer-territories", "options"), Output("comparer-territories", "value"),
          Input("comparer-level", "value"), prevent_initial_call=True)
def territories_of(level):
    """A new level lists its own territories, none ticked (all shown)."""
    return view.territory_options(level), []


@callback(*panel_outputs("comparer-rank"), Output("comparer-state", "data"), Output("comparer-rank-graph", "style"),
          Input("comparer-indicator", "value"), Input("comparer-level", "value"),
          Input("comparer-territories", "value"), State("comparer-x", "value"), State("comparer-y", "value"))
def rank(indicator, level, codes, x, y):
    chart, inputs = view.ranking(indicator, level, codes)
    figure = ranked_bars(inputs["names"], inputs["values"], inputs["secret"], unit=inputs["unit"],
                         decimals=inputs["decimals"], reference=inputs["reference"])
    state = {"niveau": view.known_level(level), "indicateur": view.known_indicator(indicator),
             "x": view.known_indicator(x, view.DEFAULT_X), "y": view.known_indicator(y, view.DEFAULT_Y)}
    # The graph's box grows with the bars (the figure's own height would be squeezed into it and
    # plotly would then skip every other territory's name).
    return *panel_content(chart, figure), state, {"height": f"{figure.layout.height}px"}


@callback(*panel_outputs("comparer-scatter"), Output("comparer-state", "data", allow_duplicate=True),
          Input("comparer-x", "value"), Input("comparer-y", "value"), Input("comparer-level", "value"),
          Input("comparer-territories", "value"), State("comparer-indicator", "value"), prevent_initial_call="initial_duplicate")
def place(x, y, level, codes, indicator):
    chart, inputs = view.scatter(x, y, level, codes)
    figure = labelled_scatter(inputs["names"], inputs["x"], inputs["y"], x_label=inputs.get("x_label", ""),
                              y_label=inputs.get("y_label", ""), x_unit=inputs["x_unit"], y_unit=inputs["y_unit"],
                              x_decimals=inputs.get("x_decimals", 0), y_decimals=inputs.get("y_decimals", 0))
    state = {"niveau": view.known_level(level), "indicateur": view.known_indicator(indicator),
             "x": view.known_indicator(x, view.DEFAULT_X), "y": view.known_indicator(y, view.DEFAULT_Y)}
    return *panel_content(chart, figure), state


download_callback("comparer-rank", lambda indicator, level, codes: view.ranking(indicator, level, codes)[0],
                  State("comparer-indicator", "value"), State("comparer-level", "value"),
                  State("comparer-territories", "value"))
download_callback("comparer-scatter", lambda x, y, level, codes: view.scatter(x, y, level, codes)[0],
                  State("comparer-x", "value"), State("comparer-y", "value"), State("comparer-level", "value"),
                  State("comparer-territories", "value"))
clientside_callback(ClientsideFunction("observatoire", "replaceQuery"), Output("comparer-url-sink", "children"),
                    Input("comparer-state", "data"))
