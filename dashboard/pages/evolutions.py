"""Évolutions: one indicator month by month (or quarter, year) for the territories chosen, with
the ALIs' start marked, and its change over one year. State in the URL."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash.development.base_component import Component
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, html

from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.figures.trends import change_chart, series_lines
from dashboard.views import trends_view as view

dash.register_page(__name__, path="/evolutions", name="Évolutions", order=4,
                   title="Observatoire de l'insertion — Évolutions")

# One checklist per level: the département, circonscriptions, communes.
CHECKLISTS = {"departement": "evolutions-departement", "circonscription": "evolutions-circonscriptions",
              "commune": "evolutions-communes"}
TERRITORY_INPUTS = [Input(i, "value") for i in CHECKLISTS.values()]
TERRITORY_STATES = [State(i, "value") for i in CHECKLISTS.values()]


def _year_options(indicator) -> list[dict]:
    return [{"label": str(y), "value": str(y)} for y in view.years(indicator)]


def _years(indicator, start, end) -> tuple[str | None, str | None]:
    """The years chosen as the selects hold them (none when the indicator has no period)."""
    span = view.year_range(indicator, start, end)
    return (str(span[0]), str(span[1])) if span else (None, None)


def _checklist(level: str, codes: list[str]) -> dbc.Checklist:
    options = view.territory_options(level)
    return dbc.Checklist(id=CHECKLISTS[level], options=options,
                         value=[o["value"] for o in options if o["value"] in codes], inline=True,
                         class_name="mt-1")


def layout(indicateur=None, territoires=None, debut=None, fin=None, **_other) -> html.Div:
    indicator, codes = view.known_indicator(indicateur), view.chosen(territoires)
    span = _years(indicator, debut, fin)
    communes_chosen = any(o["value"] in codes for o in view.territory_options("commune"))
    return html.Div([
        html.H1("Évolutions", className="h2"),
        html.P("Un indicateur au fil du temps pour les territoires choisis, avec le premier mois d'activité de "
               "chaque ALI, et son évolution sur un an (même mois, trimestre ou année un an plus tôt).",
               className="lead"),
        dbc.Row([
            dbc.Col([dbc.Label("Indicateur", html_for="evolutions-indicator"),
                     select("evolutions-indicator", options=view.indicator_options(), value=indicator)], lg=6),
            dbc.Col([dbc.Label("Depuis", html_for="evolutions-start"),
                     select("evolutions-start", options=_year_options(indicator), value=span[0])], lg=2),
            dbc.Col([dbc.Label("Jusqu'à", html_for="evolutions-end"),
                     select("evolutions-end", options=_year_options(indicator), value=span[1])], lg=2),
        ], class_name="g-3 mb-2"),
        html.Fieldset([
            html.Legend(f"Territoires affichés ({view.MAX_SHOWN} au plus)", className="fs-6 fw-semibold"),
            _checklist("departement", codes),
            html.P(view.LEVELS["circonscription"], className="mb-0 mt-2 small fw-semibold"),
            _checklist("circonscription", codes),
            html.Details([html.Summary("Communes"), _checklist("commune", codes)], open=communes_chosen,
                         className="mt-2"),
        ], className="mb-3"),
        chart_panel("evolutions-series", height=480),
        html.Div(id="evolutions-marks", className="small mb-3"),
        chart_panel("evolutions-yoy", height=420),
        dash.dcc.Store(id="evolutions-state"),
        html.Div(id="evolutions-url-sink", hidden=True),
    ])


def _codes(*lists) -> list:
    return [c for values in lists if isinstance(values, list) for c in values]


def _notes(codes: list, notes: list[tuple[str, bool]], empty: list[str], breaks: list[dict]) -> list:
    """What the vertical marks are, ALI by ALI, where a series breaks, and why some territories
    are not drawn."""
    shown: list[Component] = []
    if breaks:
        shown.append(html.Div([
            html.P("Ruptures de série (◇ sur le graphique) : la courbe n'est pas tracée à travers, et aucune "
                   "évolution n'est calculée d'une série à l'autre.", className="mb-1 fw-semibold"),
            html.Ul([html.Li(f"{b['name']}, {b['period']} : {b['reason']}.") for b in breaks], className="mb-1"),
        ], id="evolutions-breaks", role="note"))
    if view.too_many(codes):
        shown.append(html.P(f"Au plus {view.MAX_SHOWN} territoires sont tracés : les premiers de la liste.",
                            className="text-warning-emphasis mb-1", role="status"))
    if empty:
        shown.append(html.P(f"Aucune valeur de cet indicateur pour : {', '.join(empty)}.", className="mb-1"))
    if notes:
        shown.append(html.P("Repères des ALI (traits pointillés verticaux) — les dates de démarrage ne sont pas "
                            "publiées : le repère est alors le premier mois d'activité transmis par l'ALI.",
                            className="mb-1"))
        shown.append(html.Ul([html.Li(text + ("" if drawn else " (hors de la période affichée)"))
                              for text, drawn in notes], className="mb-0"))
    else:
        shown.append(html.P("Cochez un territoire ALI pour repérer le premier mois d'activité de son agence.",
                            className="text-muted mb-0"))
    return shown


@callback(Output("evolutions-start", "options"), Output("evolutions-start", "value"),
          Output("evolutions-end", "options"), Output("evolutions-end", "value"),
          Input("evolutions-indicator", "value"), State("evolutions-start", "value"), State("evolutions-end", "value"),
          prevent_initial_call=True)
def years_of(indicator, start, end):
    """A new indicator offers its own years; the years chosen stay when it has them."""
    span = _years(indicator, start, end)
    options = _year_options(indicator)
    return options, span[0], options, span[1]


@callback(*panel_outputs("evolutions-series"), Output("evolutions-marks", "children"),
          Output("evolutions-state", "data"),
          Input("evolutions-indicator", "value"), *TERRITORY_INPUTS, Input("evolutions-start", "value"),
          Input("evolutions-end", "value"))
def draw_series(indicator, department, circonscriptions, communes, start, end):
    codes = _codes(department, circonscriptions, communes)
    chart, inputs = view.series(indicator, codes, start, end)
    figure = series_lines(inputs["lines"], unit=inputs["unit"], decimals=inputs["decimals"], marks=inputs["marks"],
                          department=inputs["department"])
    span = view.year_range(indicator, start, end) or (None, None)
    state = {"indicateur": view.known_indicator(indicator), "territoires": ",".join(view.chosen(codes)),
             "debut": span[0], "fin": span[1]}
    return *panel_content(chart, figure), _notes(codes, inputs["notes"], inputs["empty"], inputs["breaks"]), state


@callback(*panel_outputs("evolutions-yoy"), Input("evolutions-indicator", "value"), *TERRITORY_INPUTS,
          Input("evolutions-start", "value"), Input("evolutions-end", "value"))
def draw_change(indicator, department, circonscriptions, communes, start, end):
    chart, inputs = view.year_on_year(indicator, _codes(department, circonscriptions, communes), start, end)
    figure = change_chart(inputs["lines"], unit=inputs["unit"], decimals=inputs["decimals"],
                          relative=inputs["relative"], bars=inputs["bars"], department=inputs["department"])
    return panel_content(chart, figure)


download_callback("evolutions-series",
                  lambda indicator, d, c, m, start, end: view.series(indicator, _codes(d, c, m), start, end)[0],
                  State("evolutions-indicator", "value"), *TERRITORY_STATES, State("evolutions-start", "value"),
                  State("evolutions-end", "value"))
download_callback("evolutions-yoy",
                  lambda indicator, d, c, m, start, end: view.year_on_year(indicator, _codes(d, c, m), start, end)[0],
                  State("evolutions-indicator", "value"), *TERRITORY_STATES, State("evolutions-start", "value"),
                  State("evolutions-end", "value"))
clientside_callback(ClientsideFunction("observatoire", "replaceQuery"), Output("evolutions-url-sink", "children"),
                    Input("evolutions-state", "data"))
