"""Elected officials' view (`/elus`): one map and a few headline figures in large type, for one
territory and one month, that prints on one A4 landscape page."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from dashboard.components.controls import select
from dashboard.components.map_frame import map_frame, map_legend
from dashboard.components.provenance import demo_badge, source_note
from dashboard.figures.maps import choropleth, legend
from dashboard.indicators.reader import published
from dashboard.indicators.registry import decimals
from dashboard.views import headline_view as view
from dashboard.views import map_view

dash.register_page(__name__, path="/elus", name="Élus", order=2,
                   title="Observatoire de l'insertion — L'essentiel pour les élus")


def layout(**_query) -> html.Div:
    months = view.month_options()
    territories = view.territory_options()
    return html.Div([
        html.H1("L'essentiel", className="h2"),
        dbc.Row([
            dbc.Col([dbc.Label("Territoire", html_for="elus-territory"),
                     select("elus-territory", options=territories,
                              value=territories[0]["value"] if territories else None)], md=6),
            dbc.Col([dbc.Label("Mois", html_for="elus-month"),
                     select("elus-month", options=months, value=months[0]["value"] if months else None)], md=3),
        ], class_name="g-3 mb-3 elus-controls"),
        html.H2(id="elus-subtitle", className="h4"),
        dbc.Row([
            dbc.Col(html.Div(id="elus-headlines", className="elus-headlines"), lg=5),
            dbc.Col([map_frame("elus-map", "elus-legend"), html.Div(id="elus-source")], lg=7),
        ], class_name="g-3"),
    ], className="elus")


@callback(Output("elus-subtitle", "children"), Output("elus-headlines", "children"), Output("elus-map", "figure"),
          Output("elus-source", "children"), Output("elus-legend", "children"),
          Input("elus-territory", "value"), Input("elus-month", "value"))
def show(code, month):
    territory, period = view.known_territory(code), view.known_month(month)
    if territory is None or period is None:
        return "Aucune donnée", [], dash.no_update, None, None
    cards = [dbc.Card(dbc.CardBody([
        html.P(h.label, className="elus-label mb-1"),
        html.P(h.value, className="elus-value mb-0"),
        html.P([h.change, " ", demo_badge() if h.demo else None], className="elus-change mb-0"),
    ]), class_name="mb-2") for h in _with_objective(territory, period)]
    shown = map_view.resolve(view.MAP_INDICATOR, view.MAP_LEVEL, _index_of(period))
    figure = choropleth(published.geojson(shown.geography, shown.level), shown.frame,
                        title=f"{shown.label} — {shown.period_label}", unit=shown.unit,
                        decimals=decimals(shown.indicator), period_label=shown.period_label,
                        reference=shown.reference)
    # The legend beside the map (under it on a phone), not as plotly's colour bar.
    figure.update_traces(showscale=False)
    subtitle = f"{territory['name']} — {shown.period_label}"
    return (subtitle, cards, figure, source_note(shown.sources, caveats=shown.caveats, demo=shown.demo),
            map_legend(legend(figure.data[0].to_plotly_json())))


def _with_objective(territory: dict, period) -> list:
    goal = view.objective(territory, period)
    return view.headlines(territory, period) + ([goal] if goal else [])


def _index_of(period) -> int:
    periods = published.periods(view.MAP_INDICATOR)
    return periods.index(period) if period in periods else len(periods) - 1
