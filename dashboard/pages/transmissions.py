"""Transmissions (internal app): which partner sent which month, and when, against the
deliveries declared in data/reference/transmissions.toml; the months to chase, downloadable."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.figures.transmissions import missing_bars, status_grid
from dashboard.views import transmissions_view as view

dash.register_page(__name__, path="/transmissions", name="Transmissions", order=8,
                   title="Observatoire — Transmissions des partenaires")


def layout(**_query) -> html.Div:
    return html.Div([
        html.H1("Transmissions des partenaires", className="h2"),
        html.P("Chaque mois attendu de chaque partenaire (déclaration data/reference/transmissions.toml) : reçu à "
               "l'heure, en retard, corrigé, annulé, manquant, ou encore attendu. L'échéance déclarée est "
               "provisoire tant que les conventions ne sont pas publiées.", className="text-muted"),
        dbc.Row([
            dbc.Col([dbc.Label("Fichier", html_for="transmissions-kind"),
                     select("transmissions-kind", options=[{"label": v, "value": k} for k, v in view.KINDS.items()],
                            value=view.ALL)], lg=4),
            dbc.Col([dbc.Label("Partenaire", html_for="transmissions-partner"),
                     select("transmissions-partner", options=view.partner_options(view.ALL), value=view.ALL)], lg=5),
        ], class_name="g-3 mb-3"),
        html.P("Un clic sur un mois reçu ouvre son import.", className="small text-muted mb-1"),
        chart_panel("transmissions-grid", height=520),
        chart_panel("transmissions-relances", height=160, table_open=True),
        dcc.Store(id="transmissions-imports-path",
                  data={"path": dash.get_relative_path("/imports"), "graph": "transmissions-grid-graph"}),
        html.Div(id="transmissions-goto", hidden=True),
    ])


@callback(Output("transmissions-partner", "options"), Output("transmissions-partner", "value"),
          Input("transmissions-kind", "value"), State("transmissions-partner", "value"), prevent_initial_call=True)
def partners_of(kind, partner):
    return view.partner_options(kind), view.known_partner(kind, partner)


@callback(*panel_outputs("transmissions-grid"), *panel_outputs("transmissions-relances"),
          Input("transmissions-kind", "value"), Input("transmissions-partner", "value"))
def draw(kind, partner):
    chart, inputs = view.grid(kind, partner)
    relances = view.relances(kind, partner)
    figure = status_grid(inputs["partners"], inputs["months"], inputs["statuses"], inputs["texts"], inputs["imports"])
    counts = relances.table["Partenaire"].value_counts()
    missing = missing_bars(list(counts.index), [int(n) for n in counts])
    return *panel_content(chart, figure), *panel_content(relances, missing)


STATES = (State("transmissions-kind", "value"), State("transmissions-partner", "value"))
download_callback("transmissions-grid", lambda kind, partner: view.grid(kind, partner)[0], *STATES)
download_callback("transmissions-relances", view.relances, *STATES)
# In the browser: a click on a received month opens its import in the import log.
clientside_callback(ClientsideFunction("observatoire", "openImport"), Output("transmissions-goto", "children"),
                    Input("transmissions-grid-graph", "clickData"), State("transmissions-imports-path", "data"),
                    prevent_initial_call=True)
