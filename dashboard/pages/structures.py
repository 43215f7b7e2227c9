"""Structures: the insertion structures of the current list on the map, filterable by type; a
click on a point (or the select) opens their cards — type, address, commune, the ALI they belong
to; and the density of structures per inhabitants and per RSA households by territory."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, callback, dcc, html

from dashboard.components.props import wildcard
from dashboard.components.controls import select
from dashboard.components.panel import chart_panel, download_callback, panel_content, panel_outputs
from dashboard.components.provenance import demo_badge
from dashboard.figures.bars import ranked_bars
from dashboard.figures.structures import POINT_COLOUR, structures_map
from dashboard.views import structures_view as view

dash.register_page(__name__, path="/structures", name="Structures", order=6,
                   title="Observatoire de l'insertion — Structures d'insertion")

PICK_NONE = "aucune"
CARDS_HINT = "Cliquez sur un point de la carte, ou choisissez une structure, pour afficher sa fiche."


def layout(**_query) -> html.Div:
    types = view.type_options()
    return html.Div([
        html.H1("Structures d'insertion", className="h2"),
        html.P("Les structures d'insertion de la liste importée : structures de l'insertion par l'activité "
               "économique (ACI, EI, ETTI, AI, EITI), missions locales, PLIE, agences France Travail, tiers-lieux, "
               "fablabs… Filtrez par type ; un clic sur un point affiche les fiches de ses structures."),
        html.Fieldset([
            html.Legend("Types de structures", className="form-label fs-6 mb-1"),
            dbc.Checklist(id="structures-types", options=types, value=[o["value"] for o in types], inline=True),
        ], className="mb-3"),
        dbc.Row([
            dbc.Col(chart_panel("structures-map", height=600), lg=8),
            dbc.Col([
                dbc.Label("Fiche d'une structure", html_for="structures-pick"),
                select("structures-pick", options=[{"label": "— Choisir une structure —", "value": PICK_NONE},
                                                   *view.structure_options()], value=PICK_NONE),
                html.Div(html.P(CARDS_HINT, className="text-muted"), id="structures-cards", className="mt-3",
                         **wildcard({"aria-live": "polite"})),
            ], lg=4),
        ], class_name="g-3"),
        html.H2("Densité de structures par territoire", className="h4 mt-4"),
        dbc.Row([
            dbc.Col([dbc.Label("Niveau", html_for="structures-level"),
                     select("structures-level", options=view.level_options(), value=view.DEFAULT_LEVEL)], lg=3),
            dbc.Col([dbc.Label("Indicateur", html_for="structures-indicator"),
                     select("structures-indicator", options=view.density_options(),
                            value=view.known_density(None))], lg=5),
        ], class_name="g-3 mb-2"),
        chart_panel("structures-density", height=640),
    ])


@callback(*panel_outputs("structures-map"), Input("structures-types", "value"))
def draw(types):
    chart = view.map_chart(types)
    points = view.map_inputs(types)
    figure = structures_map(view.shapes(), lon=points["lon"], lat=points["lat"], counts=points["counts"],
                            hover=points["hover"], keys=points["keys"])
    title, figure, source, table = panel_content(chart, figure)
    note = view.placement_note(types)
    return title, figure, html.Div([html.P(note, className="small mb-1 structures-note") if note else None, source]), \
        table


def _link(text: str, code: str | None):
    return dcc.Link(text, href=dash.get_relative_path(f"/territoire/{code}")) if code else text


def _ali(ali: dict | None):
    if ali is None:
        return view.NO_ALI
    parts = [html.Div(_link(f"{ali['name']} ({ali['code']})", ali["circonscription"]))]
    if ali["porteur"]:
        parts.append(html.Div(f"Porteur : {ali['porteur']}"))
    if ali["members"]:
        parts.append(html.Div(f"Consortium : {' ; '.join(ali['members'])}"))
    return parts


def _card(card: dict) -> dbc.Card:
    facts = [("Type", card["type"]), ("Adresse", card["address"]),
             ("Commune", _link(card["commune"], card["commune_code"])),
             ("Description", card["description"]), ("ALI", _ali(card["ali"])), ("SIRET", card["siret"]),
             ("Ouverture", card["opened_on"]), ("Sur la carte", card["placement"])]
    return dbc.Card(dbc.CardBody([
        html.H3(card["name"], className="h6"),
        html.Dl([part for label, value in facts if value for part in (html.Dt(label), html.Dd(value))],
                className="small mb-2"),
        html.P([demo_badge() if card["demo"] else None, "Source : ", card["source"]],
               className="small text-muted mb-0"),
    ]), class_name="mb-2 structure-card")


@callback(Output("structures-cards", "children"), Input("structures-map-graph", "clickData"),
          Input("structures-pick", "value"), prevent_initial_call=True)
def show_cards(click, picked):
    from_map = dash.ctx.triggered_id == "structures-map-graph"
    cards = view.cards(view.clicked(click) if from_map else view.ids_of(picked))
    if not cards:
        return html.P("Aucune structure de la liste à cet endroit." if from_map else CARDS_HINT,
                      className="text-muted")
    where = " ; ".join(dict.fromkeys(c["commune"] for c in cards))
    heading = html.P(f"{len(cards)} structures — {where}", className="fw-semibold mb-2") if len(cards) > 1 else None
    return [heading, *[_card(c) for c in cards]]


@callback(*panel_outputs("structures-density"), Output("structures-density-graph", "style"),
          Input("structures-level", "value"), Input("structures-indicator", "value"))
def rank(level, indicator):
    chart, inputs = view.density(indicator, level)
    figure = ranked_bars(inputs["names"], inputs["values"], inputs["secret"], unit=inputs["unit"],
                         decimals=inputs["decimals"], reference=inputs["reference"], colour=POINT_COLOUR,
                         short_text=True)
    # The bars need their own height: one line per territory.
    return *panel_content(chart, figure), {"height": f"{figure.layout.height}px"}


download_callback("structures-map", view.map_chart, State("structures-types", "value"))
download_callback("structures-density", lambda level, indicator: view.density(indicator, level)[0],
                  State("structures-level", "value"), State("structures-indicator", "value"))
