"""Données et sources: what the store holds, of which dates, from which sources — demo data marked
(the catalogue that the home page used to be)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.components.provenance import quality_badge
from dashboard.components.tables import scroll_box
from dashboard.formatting import fr_date, fr_number, fr_period
from dashboard.indicators.reader import published
from dashboard.store.models import LEVELS

dash.register_page(__name__, path="/donnees", name="Données et sources", order=8,
                   title="Observatoire de l'insertion — Données et sources")


def layout(**_query) -> html.Div:
    imports = published.imports()
    coverage = published.indicator_coverage()
    counts = published.territory_counts()
    return html.Div([
        html.H1("Données et sources", className="h2"),
        html.P(
            "Les territoires et les indicateurs que l'observatoire contient, leurs périodes, et la source de "
            "chaque jeu de données : licence, date, fiabilité et précautions. Les mêmes chiffres sont "
            "téléchargeables depuis chaque graphique et par l'API ouverte.", className="lead"),
        html.P(html.A("API ouverte : description OpenAPI", href=dash.get_relative_path("/api/v1/openapi.json"))),
        _notices(imports, counts),
        dbc.Row([
            dbc.Col(_territories(counts), lg=5),
            dbc.Col(_indicators(coverage), lg=7),
        ], class_name="g-4 mb-4"),
        html.H2("Sources des données", className="h4", id="donnees-sources"),
        _sources(imports),
    ])


def _notices(imports: pd.DataFrame, counts: pd.DataFrame) -> html.Div:
    notes = []
    if imports["is_demo"].any():
        notes.append(dbc.Alert([quality_badge("demo"), " Une partie des chiffres affichés sont des données "
                                "de démonstration, générées pour montrer l'outil : ce ne sont pas des chiffres réels."],
                               color="danger", id="donnees-demo"))
    qpv = counts[counts["level"] == "qpv"]
    if qpv.empty or qpv["with_geometry"].sum() == 0:
        notes.append(dbc.Alert(
            "Les périmètres des QPV ne sont pas disponibles hors ligne : la couche des QPV apparaîtra sur les "
            "cartes après l'import du fichier officiel de l'ANCT (import « qpv »). Les chiffres INSEE des "
            "QPV 2015 sont déjà chargés.", color="info", id="donnees-qpv"))
    unattached = counts[counts["level"] == "circonscription"]
    if not unattached.empty:
        notes.append(dbc.Alert(
            "Les 13 territoires des ALI lauréates de 2022 sont réels. Le regroupement des autres communes en "
            "circonscriptions n'est pas public : chacune apparaît comme « commune non rattachée » jusqu'à "
            "l'import du fichier « territoires » du Département.", color="secondary", id="donnees-circo"))
    return html.Div(notes)


def _territories(counts: pd.DataFrame) -> dbc.Card:
    rows = [html.Tr([html.Td(r.geography_label), html.Td(LEVELS.get(r.level, r.level)),
                     html.Td(fr_number(r.territories), className="text-end"),
                     html.Td("oui" if r.with_geometry else "non")]) for r in counts.itertuples()]
    return dbc.Card(dbc.CardBody([
        html.H2("Territoires", className="h5"),
        scroll_box(dbc.Table([html.Thead(html.Tr([html.Th("Géographie"), html.Th("Niveau"),
                                                  html.Th("Nombre", className="text-end"), html.Th("Contours")])),
                              html.Tbody(rows)], size="sm", striped=True, id="donnees-territoires"), "Territoires"),
    ]))


def _indicators(coverage: pd.DataFrame) -> dbc.Card:
    rows = [html.Tr([
        html.Td([r.label, " ", quality_badge("demo") if r.is_demo else None]),
        html.Td(f"{fr_period(r.period_type, r.first_period)} – {fr_period(r.period_type, r.last_period)}"),
        html.Td(fr_number(r.territories), className="text-end"),
        html.Td(fr_number(r.figures), className="text-end"),
    ]) for r in coverage.itertuples()]
    return dbc.Card(dbc.CardBody([
        html.H2("Indicateurs disponibles", className="h5"),
        scroll_box(dbc.Table([html.Thead(html.Tr([html.Th("Indicateur"), html.Th("Périodes"),
                                                  html.Th("Territoires", className="text-end"),
                                                  html.Th("Valeurs", className="text-end")])),
                              html.Tbody(rows)], size="sm", striped=True, id="donnees-indicateurs"),
                   "Indicateurs disponibles"),
    ]))


def _sources(imports: pd.DataFrame) -> html.Div:
    rows = [html.Tr([
        html.Td([html.Div(r.kind_label), html.Small(r.file_name, className="text-muted")]),
        html.Td(html.A(r.source, href=r.source_url) if r.source_url else r.source),
        html.Td(r.licence),
        html.Td(r.data_date or "non précisée"),
        html.Td(quality_badge(r.quality)),
        html.Td(r.caveats or "", className="small"),
        html.Td(fr_date(r.imported_at.date())),
    ]) for r in imports.itertuples()]
    head = ["Jeu de données", "Source", "Licence", "Date des données", "Fiabilité", "Précautions", "Importé le"]
    return scroll_box(dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                                size="sm", bordered=True, id="donnees-sources-table"), "Sources des données")
