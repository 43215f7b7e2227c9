"""Territory profile (`/territoire/<code>`): for a circonscription, a commune or a QPV, every
indicator at its latest period with its change since the first period, the département (and the
commune's circonscription) beside it and the gap; a locator map, the ALI that serves it, its
structures, a trend chart. The print button gives a two-page sheet (print CSS in observatoire.css)."""
from __future__ import annotations

import datetime as dt

import dash
import dash_bootstrap_components as dbc
from dash.development.base_component import Component
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from dashboard.components.controls import select
from dashboard.components.downloads import download_buttons
from dashboard.components.graphs import graph
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.components.provenance import demo_badge, source_note
from dashboard.components.tables import secret_cell
from dashboard.figures.profile import locator_map, trend_lines
from dashboard.formatting import fr_number, fr_value
from dashboard.indicators.reader import published
from dashboard.views import profile_view as view

dash.register_page(__name__, path_template="/territoire/<code>", name="Territoire", nav=False, order=9,
                   title="Observatoire de l'insertion — Territoire")

NUMERIC = ("Valeur", "Évolution depuis la première période", "Circonscription", "Département", "Écart au département")


def _cell(value, column: str, unit: str, places: int):
    if isinstance(value, str) and value == "s":
        return secret_cell()
    if isinstance(value, str):  # « au moins … » (a partial list), a break of series
        return value
    if value is None or value != value:
        return "–"
    if column == "Écart au département" and unit in view.COUNT_UNITS:
        return f"{fr_number(value, 1)}\u00a0% du département"
    if column in ("Écart au département", "Évolution depuis la première période"):
        value = round(value, places) + 0.0  # no "-0,0"
        return f"{'+' if value > 0 else ''}{fr_value(value, 'points' if unit == '%' else unit, places)}"
    return fr_value(value, unit, places)


def _break(period: str, reason: str):
    """Where the series shown starts after a break; its reason on hover (and under the table)."""
    return html.Abbr(period, title=f"Rupture de série : {reason}") if period else ""


def _table(profile: view.Profile) -> html.Div | html.P:
    frame = profile.table.table
    if frame.empty:
        return html.P("Aucun chiffre pour ce territoire.", className="text-muted")
    columns = [c for c in frame.columns if c not in ("Thème", "Unité")]
    head = html.Thead(html.Tr([html.Th(c, scope="col", className="text-end" if c in NUMERIC else None)
                               for c in columns]))
    body, theme = [], None
    for row, places, reason in zip(frame.to_dict("records"), profile.row_decimals, profile.row_breaks):
        if row["Thème"] != theme:
            theme = row["Thème"]
            body.append(html.Tr(html.Th(theme, colSpan=len(columns), scope="colgroup", className="table-light")))
        body.append(html.Tr([
            html.Th(row["Indicateur"], scope="row", className="fw-normal") if c == "Indicateur" else
            html.Td(_break(row[c], reason) if c == "Rupture de série" else
                    _cell(row[c], c, row["Unité"], places) if c in NUMERIC else row[c],
                    className="text-end" if c in NUMERIC else None) for c in columns]))
    return html.Div(dbc.Table([html.Caption(profile.table.title, className="caption-top"), head, html.Tbody(body)],
                              id="territoire-table", size="sm", striped=True, class_name="mb-0 profile-table"),
                    className="table-responsive")


def _ali_card(profile: view.Profile) -> dbc.Card:
    ali = profile.ali
    text: list[Component]
    if ali is None:
        text = [html.P("Aucune Agence locale d'insertion ne couvre ce territoire : il ne fait partie d'aucun "
                       "des 13 territoires lauréats de 2022.", className="mb-0")]
    else:
        text = [
            html.P(html.Strong(f"{ali['name']} ({ali['code']})"), className="mb-1"),
            html.Dl([
                html.Dt("Porteur"), html.Dd(ali["porteur"] or "non publié"),
                html.Dt("Consortium"), html.Dd(html.Ul([html.Li(m) for m in ali["members"]], className="mb-0 ps-3")
                                               if ali["members"] else "aucun membre publié"),
                html.Dt("Démarrage"), html.Dd(ali["start"] or "date non publiée"),
                html.Dt("Inauguration"), html.Dd(ali["inauguration"] or "non publiée"),
                html.Dt("Premier mois d'activité transmis"), html.Dd(ali["first_month"] or "aucun"),
            ], className="mb-1 small"),
            html.P(["Source : ", ali["source"]], className="small text-muted mb-0"),
        ]
    return dbc.Card(dbc.CardBody([html.H2("Agence locale d'insertion", className="h6"), *text]),
                    id="territoire-ali", class_name="h-100")


def _structures_card(profile: view.Profile) -> dbc.Card:
    frame = profile.structures
    items = [html.Li([html.Strong(r.name), f" — {r.type_label}",
                      html.Br(), html.Span(r.address if isinstance(r.address, str) else "adresse non publiée",
                                           className="text-muted")]) for r in frame.itertuples()]
    body = html.Ul(items, className="small ps-3 mb-1") if items else html.P(
        "Aucune structure de la liste importée dans ce territoire.", className="small mb-1")
    note = source_note(sorted(frame["source"].dropna().unique()), caveats=sorted(frame["caveats"].dropna().unique())) \
        if len(frame) else None
    return dbc.Card(dbc.CardBody([html.H2(f"Structures d'insertion ({len(frame)})", className="h6"), body, note]),
                    id="territoire-structures", class_name="h-100")


def _locator(profile: view.Profile):
    territory = profile.territory
    level, geography = territory["level"], territory["geography"]
    highlighted = {territory["code"]}
    if level == "qpv":  # QPV shapes are not in the store: its communes are shown
        parents = published.parents(territory["code"], "qpv", geography)
        highlighted = set(parents["code"])
        level, geography = "commune", published.geography_at("cog", dt.date.today())
    shapes = published.geojson(geography, level) if geography else {"type": "FeatureCollection", "features": []}
    return graph("territoire-locator", figure=locator_map(shapes, highlighted),
                 config={"displayModeBar": False, "staticPlot": True}, style={"height": "260px"})


def layout(code: str | None = None, **_query) -> html.Div:
    territory = published.find_territory(code) if isinstance(code, str) else None
    if territory is None:
        return html.Div([html.H1("Territoire inconnu", className="h2"),
                         html.P(["Aucun territoire n'a le code demandé. ",
                                 html.A("Revenir à la carte", href=dash.get_relative_path("/carte"))])])
    profile = view.build(territory)
    return html.Div([
        dbc.Row([
            dbc.Col([
                html.H1(territory["name"], className="h2", id="territoire-titre"),
                html.P([view.LEVEL_LABELS.get(territory["level"], territory["level"]), f" — code {territory['code']}",
                        f" — circonscription : {profile.circonscription['name']}" if profile.circonscription else "",
                        " ", demo_badge() if profile.demo else None], className="text-muted mb-2"),
            ]),
            dbc.Col(dbc.Button("Imprimer la fiche", id="territoire-print", color="dark", outline=True, n_clicks=0),
                    width="auto", class_name="d-print-none"),
        ], class_name="align-items-start"),
        dbc.Row([
            dbc.Col(_locator(profile), md=4),
            dbc.Col(_ali_card(profile), md=4),
            dbc.Col(_structures_card(profile), md=4),
        ], class_name="g-3 mb-3 profile-cards"),
        html.Div([
            dbc.Label("Indicateur suivi dans le temps", html_for="territoire-trend-indicator"),
            select("territoire-trend-indicator", options=profile.options,
                   value=view.DEFAULT_TREND if any(o["value"] == view.DEFAULT_TREND for o in profile.options)
                   else (profile.options[0]["value"] if profile.options else None)),
        ], className="mb-2 d-print-none", style={"maxWidth": "32rem"}),
        chart_panel("territoire-trend", height=340),
        html.Div([
            html.H2("Tous les indicateurs", className="h5"),
            _table(profile),
            source_note(profile.table.sources, caveats=profile.table.caveats, demo=profile.demo),
            html.Div(download_buttons("territoire-table"), className="mt-2 d-print-none"),
        ], className="profile-all"),
        dcc.Store(id="territoire-code", data=territory["code"]),
        html.Div(id="territoire-print-sink", hidden=True),
    ], className="profile")


@callback(*panel_outputs("territoire-trend"), Input("territoire-trend-indicator", "value"),
          State("territoire-code", "data"))
def trend(indicator, code):
    territory = published.find_territory(code) if isinstance(code, str) else None
    if territory is None:
        return "Territoire inconnu", {}, None, None
    chart, inputs = view.trend(territory, indicator)
    return panel_content(chart, trend_lines(inputs["series"], unit=inputs["unit"], decimals=inputs["decimals"]))


def _territory_or_departement(code) -> dict:
    """The territory a download names, else the département (as the page shows it)."""
    territory = (published.find_territory(code) if isinstance(code, str) else None) or published.find_territory("93")
    if territory is None:
        raise ValueError("aucun territoire publié pour le département 93 : le store n'a pas ses communes")
    return territory


def _trend_chart(indicator, code):
    return view.trend(_territory_or_departement(code), indicator)[0]


def _table_chart(code):
    return view.build(_territory_or_departement(code)).table


download_callback("territoire-trend", _trend_chart, State("territoire-trend-indicator", "value"),
                  State("territoire-code", "data"))
download_callback("territoire-table", _table_chart, State("territoire-code", "data"))
clientside_callback(ClientsideFunction("observatoire", "print"), Output("territoire-print-sink", "children"),
                    Input("territoire-print", "n_clicks"), prevent_initial_call=True)
