"""Résultats (`/resultats`): what the ALIs' accompaniment leads to — exits by type per ALI and
over time, exit rates, entries against exits, and the cohorts of entrants 6 and 12 months on.
State (territory, month, entry quarter) in the URL."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html

from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.figures import outcomes as figures
from dashboard.indicators.registry import period_key
from dashboard.views import outcomes_view as view

dash.register_page(__name__, path="/resultats", name="Résultats", order=7,
                   title="Observatoire de l'insertion — Résultats de l'accompagnement")

SECRET_NOTE = ("Une part couverte par le secret statistique (« s ») n'est pas dessinée : la barre est alors "
               "incomplète ; le tableau et l'info-bulle indiquent « s ».")
COHORT_NOTE = ("Les cohortes sont les chiffres transmis par les ALI (export « cohortes ») : parmi les personnes "
               "entrées en accompagnement pendant un trimestre, leur situation 6 et 12 mois après la fin du "
               "trimestre. Elles ne sont jamais estimées à partir des entrées et sorties mensuelles, qui ne "
               "disent pas de quel trimestre d'entrée vient une personne sortie.")


def _value(options: list[dict], value) -> str | None:
    """The option a URL value names, else the first."""
    known = [o["value"] for o in options]
    return value if value in known else (known[0] if known else None)


def layout(territoire=None, mois=None, trimestre=None, **_other) -> html.Div:
    territories, months = view.territory_options(), view.month_options()
    quarter = view.known_quarter(trimestre)
    quarters = view.quarter_options()
    return html.Div([
        html.H1("Résultats de l'accompagnement", className="h2"),
        html.P("Les sorties d'accompagnement des agences locales d'insertion (ALI), leur motif, et le devenir des "
               "personnes entrées chaque trimestre.", className="lead"),
        html.H2("Sorties par territoire ALI", className="h4 mt-4"),
        dbc.Row(dbc.Col([dbc.Label("Mois", html_for="resultats-month"),
                         select("resultats-month", options=months, value=_value(months, mois))], md=4, lg=3),
                class_name="g-3 mb-2"),
        html.P(SECRET_NOTE, className="small text-muted"),
        chart_panel("resultats-exits", height=500),
        html.H2("Évolution dans un territoire", className="h4 mt-4"),
        dbc.Row(dbc.Col([dbc.Label("Territoire", html_for="resultats-territory"),
                         select("resultats-territory", options=territories, value=_value(territories, territoire))],
                        md=6, lg=5), class_name="g-3 mb-2"),
        chart_panel("resultats-exits-time"),
        chart_panel("resultats-rates"),
        chart_panel("resultats-flows", height=520),
        html.H2("Devenir des personnes entrées (cohortes)", className="h4 mt-4"),
        html.P(COHORT_NOTE, className="small"),
        dbc.Row(dbc.Col([dbc.Label("Trimestre d'entrée", html_for="resultats-quarter"),
                         select("resultats-quarter", options=quarters,
                                value=_value(quarters, period_key(*quarter) if quarter else None))],
                        md=4, lg=3), class_name="g-3 mb-2"),
        chart_panel("resultats-cohorts", height=300, table_open=True),
        chart_panel("resultats-cohorts-quarters", height=460),
        dash.dcc.Store(id="resultats-state"),
        html.Div(id="resultats-url-sink", hidden=True),
    ])


# The panels of one territory's history, each with its view and its figure.
TERRITORY_PANELS = {
    "resultats-exits-time": (view.exits_over_time, lambda i: figures.exits_by_month(i["months"], i["parts"], i["total"],
                                                                                   unit=i["unit"])),
    "resultats-rates": (view.rates, lambda i: figures.rate_lines(i["months"], i["series"])),
    "resultats-flows": (view.flows, lambda i: figures.flow_lines(i["months"], i["entries"], i["exits"], i["followed"],
                                                                 unit=i["unit"])),
    "resultats-cohorts-quarters": (view.cohort_quarters, lambda i: figures.cohort_multiples(i["panels"])),
}


def _content(built, draw) -> tuple:
    """A panel's outputs from a view's (chart, figure inputs); no figure when there is no data."""
    chart, inputs = built
    return panel_content(chart, draw(inputs) if inputs else {})


@callback(*panel_outputs("resultats-exits"), Input("resultats-month", "value"))
def exits(month):
    return _content(view.exits_by_ali(month), lambda i: figures.exits_by_territory(i["names"], i["parts"], i["total"],
                                                                                   unit=i["unit"]))


@callback(*(o for prefix in TERRITORY_PANELS for o in panel_outputs(prefix)), Input("resultats-territory", "value"))
def territory_panels(code):
    """One callback for the charts of a territory's history: it is read once, where separate
    callbacks would each read it at the same time before the cache holds it."""
    return tuple(part for build, draw in TERRITORY_PANELS.values() for part in _content(build(code), draw))


@callback(*panel_outputs("resultats-cohorts"), Input("resultats-territory", "value"),
          Input("resultats-quarter", "value"))
def cohorts(code, quarter):
    return _content(view.cohort(code, quarter), lambda i: figures.cohort_bars(i["bars"], i["pending"]))


@callback(Output("resultats-state", "data"), Input("resultats-territory", "value"), Input("resultats-month", "value"),
          Input("resultats-quarter", "value"))
def state(code, month, quarter):
    """The URL's state: only values the page knows (a forged one is replaced by its default)."""
    territory, period, entry = view.known_territory(code), view.known_month(month), view.known_quarter(quarter)
    return {"territoire": territory["code"] if territory else None,
            "mois": period_key(*period) if period else None,
            "trimestre": period_key(*entry) if entry else None}


download_callback("resultats-exits", lambda month: view.exits_by_ali(month)[0], State("resultats-month", "value"))
for _prefix, (_build, _) in TERRITORY_PANELS.items():
    download_callback(_prefix, lambda code, build=_build: build(code)[0], State("resultats-territory", "value"))
download_callback("resultats-cohorts", lambda code, quarter: view.cohort(code, quarter)[0],
                  State("resultats-territory", "value"), State("resultats-quarter", "value"))
clientside_callback(ClientsideFunction("observatoire", "replaceQuery"), Output("resultats-url-sink", "children"),
                    Input("resultats-state", "data"))
