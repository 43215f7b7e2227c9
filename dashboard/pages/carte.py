"""Carte: one indicator, one level, one period, drawn on the geography of the period's own date."""
from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from dashboard.components.controls import dropdown
from dashboard.components.provenance import source_note
from dashboard.figures.maps import choropleth
from dashboard.components.graphs import graph
from dashboard.formatting import fr_period
from dashboard.indicators import queries
from dashboard.indicators.registry import DERIVED_BY_CODE

dash.register_page(__name__, path="/carte", name="Carte", order=1, title="Observatoire de l'insertion — Carte")

LEVEL_OPTIONS = [
    {"label": "Communes", "value": "commune"},
    {"label": "Circonscriptions / territoires ALI", "value": "circonscription"},
    {"label": "Territoires (EPT)", "value": "ept"},
]
DEFAULT_INDICATOR = "population"


def layout(**_query) -> html.Div:
    indicators = queries.indicators()
    options = [{"label": r.label, "value": r.code} for r in indicators.itertuples()]
    return html.Div([
        html.H1("Carte", className="h2"),
        dbc.Row([
            dbc.Col([dbc.Label("Indicateur", html_for="carte-indicator"),
                     dropdown("carte-indicator", options=options, value=DEFAULT_INDICATOR,
                                  clearable=False)], md=5),
            dbc.Col([dbc.Label("Niveau", html_for="carte-level"),
                     dropdown("carte-level", options=LEVEL_OPTIONS, value="commune", clearable=False)], md=3),
            dbc.Col([dbc.Label("Période", html_for="carte-period"),
                     dropdown("carte-period", clearable=False)], md=4),
        ], class_name="g-3 mb-3"),
        graph("carte-map"),
        html.Div(id="carte-source"),
    ])


@callback(Output("carte-period", "options"), Output("carte-period", "value"), Input("carte-indicator", "value"))
def period_choices(indicator: str):
    choices = queries.periods(indicator) if indicator else []
    options = [{"label": fr_period(t, d), "value": f"{t}:{d.isoformat()}"} for t, d in choices]
    return options, options[-1]["value"] if options else None


@callback(Output("carte-map", "figure"), Output("carte-source", "children"),
          Input("carte-indicator", "value"), Input("carte-level", "value"), Input("carte-period", "value"))
def draw(indicator: str, level: str, period: str | None):
    meta = queries.indicators().set_index("code")
    if indicator not in meta.index or not period:
        return dash.no_update, dash.no_update
    period_type, start = period.split(":")
    start = dt.date.fromisoformat(start)
    geography = queries.geography_of(indicator, period_type, start)
    frame = queries.values(indicator, level, period_type, start, geography)
    label, unit = meta.loc[indicator, "label"], meta.loc[indicator, "unit"]
    title = f"{label} — {fr_period(period_type, start)}"
    decimals = 1 if indicator in DERIVED_BY_CODE and DERIVED_BY_CODE[indicator].secrecy == "rate" else 0
    figure = choropleth(queries.geojson(geography, level), frame, title=title, unit=unit, decimals=decimals)
    demo = bool((frame.get("quality") == "demo").any()) if not frame.empty else False
    return figure, source_note(sorted(frame["source"].dropna().unique()),
                               caveats=sorted(frame["caveats"].dropna().unique()), demo=demo)
