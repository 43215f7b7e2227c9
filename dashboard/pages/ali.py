"""Couverture ALI: for one month, each ALI territory — carrier, consortium, start date, people
followed, RSA households, coverage rate — on a map, in cards and in a table; the territories no
ALI covers stand out on the map and are listed apart. State (the month) in the URL."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard.components.props import wildcard
from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.components.tables import secret_cell
from dashboard.figures.bars import ranked_bars
from dashboard.figures.coverage import coverage_map
from dashboard.figures.objectives import filling_grid
from dashboard.formatting import fr_value
from dashboard.indicators.registry import period_key
from dashboard.views import coverage_view as view

dash.register_page(__name__, path="/ali", name="Couverture ALI", order=5,
                   title="Observatoire de l'insertion — Couverture des territoires par les ALI")


def layout(mois=None, **_other) -> html.Div:
    period = view.known_month(mois)
    return html.Div([
        html.H1("Couverture des territoires par les ALI", className="h2"),
        html.P("Les agences locales d'insertion (ALI) accompagnent les allocataires du RSA de leur territoire. "
               "Le taux de couverture rapporte les personnes suivies par l'ALI en fin de mois aux foyers "
               "allocataires du RSA du territoire. Les territoires qu'aucune ALI ne couvre sont signalés à part."),
        dbc.Row([
            dbc.Col([dbc.Label("Mois", html_for="ali-month"),
                     select("ali-month", options=view.month_options(),
                            value=period_key(*period) if period else None)], lg=3),
            dbc.Col(html.P(id="ali-summary", className="mb-2 fw-semibold", **wildcard({"aria-live": "polite"})),
                    class_name="align-self-end"),
        ], class_name="g-3 mb-3"),
        chart_panel("ali-map", height=600),
        html.H2("Les territoires et leur ALI", className="h4 mt-4"),
        html.Div(id="ali-cards", className="mb-3"),
        chart_panel("ali-table", height=440),
        html.H2("Remplissage des places au fil des mois", className="h4 mt-4"),
        html.P("Personnes suivies en fin de mois rapportées aux places que prévoit la convention de l'ALI pour "
               "l'année : 100 % quand les places sont toutes occupées.", className="small text-muted"),
        chart_panel("ali-filling", height=460),
        dcc.Store(id="ali-state"),
        dcc.Store(id="ali-profile-path", data=dash.get_relative_path("/territoire/")),
        html.Div(id="ali-goto", hidden=True),
        html.Div(id="ali-url-sink", hidden=True),
    ])


def _figure_text(value, unit: str, decimals: int):
    if isinstance(value, str):
        return secret_cell() if value == "s" else value
    return "–" if value is None else fr_value(value, unit, decimals)


def _territory_link(territory: view.Territory) -> dcc.Link:
    return dcc.Link(territory.name, href=dash.get_relative_path(f"/territoire/{territory.code}"))


def _ali_card(territory: view.Territory, year: int | None) -> dbc.Card:
    ali: dict = territory.ali  # type: ignore[assignment]  # the card is drawn for an ALI territory only
    members = html.Ul([html.Li(m) for m in ali["members"]], className="mb-0 ps-3") if ali["members"] \
        else view.NO_MEMBER
    facts = [("Porteur", ali["porteur"]), ("Membres du consortium", members),
             ("Date de démarrage", ali["start"]), ("Date d'inauguration", ali["inauguration"]),
             ("Premier mois d'activité dans les données", ali["first_month"]),
             (view.FOLLOWED_COLUMN, _figure_text(territory.followed, *view.FORMATS[view.FOLLOWED_COLUMN])),
             (view.HOUSEHOLDS_COLUMN, _figure_text(territory.households, *view.FORMATS[view.HOUSEHOLDS_COLUMN])),
             (view.RATE_COLUMN, _figure_text(territory.rate, *view.FORMATS[view.RATE_COLUMN]))]
    return dbc.Card(dbc.CardBody([
        html.H3(_territory_link(territory), className="h6 mb-1"),
        html.P(ali["code"], className="small text-muted mb-2"),
        html.Dl([part for label, value in facts
                 for part in (html.Dt(label, className="col-6 fw-semibold"), html.Dd(value, className="col-6 mb-1"))],
                className="row small mb-0"),
        _objectives(territory, year),
    ]), class_name="h-100 ali-card")


def _objectives(territory: view.Territory, year: int | None) -> html.Div | html.P:
    """Actual against objective: each pair on one line, with its gap."""
    goals = territory.objectives
    if year is None or all(v is None for v in goals.values()):
        return html.P("Aucun objectif de convention importé pour cette année.", className="small text-muted mt-2 mb-0")
    lines = []
    for label, actual, objective, gap in view.objective_lines(territory):
        said: list = [html.Span(label, className="fw-semibold"), " : ", actual, f" (objectif {objective})"]
        if gap:
            said += [" — ", html.Span(gap, className="ali-gap")]
        lines.append(html.Li(said))
    return html.Div([html.P(f"Objectifs {year}", className="small fw-semibold mt-2 mb-1"),
                     html.Ul(lines, className="small mb-0 ps-3 ali-objectives")])


def _uncovered_card(coverage: view.Coverage) -> dbc.Card:
    unit, places = view.FORMATS[view.HOUSEHOLDS_COLUMN]
    items = [html.Li([_territory_link(t), " — ", _figure_text(t.households, unit, places), " au RSA"])
             for t in coverage.uncovered]
    return dbc.Card(dbc.CardBody([
        html.H3(f"Territoires non couverts par une ALI ({len(items)})", className="h6"),
        html.P("Sur la carte : orange pâle, contour foncé.", className="small text-muted mb-2") if items else None,
        html.Ul(items, className="small mb-0") if items else html.P("Aucun.", className="small mb-0"),
    ]), class_name="h-100 ali-uncovered border-dark border-2")


def _cards(coverage: view.Coverage) -> dbc.Row:
    year = view.objectives_year(coverage)
    cards = [_ali_card(t, year) for t in coverage.covered] + [_uncovered_card(coverage)]
    return dbc.Row([dbc.Col(card, md=6, xl=4) for card in cards], class_name="g-3")


def _summary(coverage: view.Coverage) -> str:
    if coverage.period is None:
        return "Aucun chiffre d'activité des ALI."
    covered, uncovered = len(coverage.covered), len(coverage.uncovered)
    return (f"{covered} territoire{'s' * (covered > 1)} couvert{'s' * (covered > 1)} par une ALI, "
            f"{uncovered} non couvert{'s' * (uncovered > 1)} — {coverage.period_label}")


@callback(*panel_outputs("ali-map"), *panel_outputs("ali-table"), *panel_outputs("ali-filling"),
          Output("ali-cards", "children"),
          Output("ali-summary", "children"), Output("ali-state", "data"), Input("ali-month", "value"))
def show(month):
    coverage = view.resolve(month)
    drawn = view.map_inputs(coverage)
    figure = coverage_map(view.shapes(coverage), drawn["codes"], drawn["values"], drawn["secret"], drawn["uncovered"],
                          sources=drawn["sources"], unit=drawn["unit"], decimals=drawn["decimals"],
                          period_label=coverage.period_label, reference=drawn["reference"])
    ranked = view.bars_inputs(coverage)
    bars = ranked_bars(ranked["names"], ranked["values"], ranked["secret"], unit="%", decimals=ranked["decimals"],
                       reference=ranked["reference"])
    filling, grid = view.filling_history(coverage)
    state = {"mois": period_key(*coverage.period) if coverage.period else None}
    return (*panel_content(view.map_chart(coverage), figure), *panel_content(view.table_chart(coverage), bars),
            *panel_content(filling, filling_grid(grid["names"], grid["months"], grid["cells"], grid["texts"])),
            _cards(coverage), _summary(coverage), state)


download_callback("ali-map", lambda month: view.map_chart(view.resolve(month)), State("ali-month", "value"))
download_callback("ali-table", lambda month: view.table_chart(view.resolve(month)), State("ali-month", "value"))
download_callback("ali-filling", lambda month: view.filling_history(view.resolve(month))[0], State("ali-month", "value"))
# In the browser: the URL follows the month; a click on a territory opens its profile.
clientside_callback(ClientsideFunction("observatoire", "replaceQuery"), Output("ali-url-sink", "children"),
                    Input("ali-state", "data"))
clientside_callback(ClientsideFunction("observatoire", "openProfile"), Output("ali-goto", "children"),
                    Input("ali-map-graph", "clickData"), State("ali-profile-path", "data"), prevent_initial_call=True)
