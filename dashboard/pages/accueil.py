"""Accueil: a front door for each audience. The département's headline figures for the latest
month (each with its change over a year and the demo badge, as /elus shows them), a small map,
the dates of the latest data and of the latest import, then one entry per audience: elected
officials, steering committees (internal app only), open data. The catalogue of data and
sources is its own page (/donnees)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from dashboard.auth import has_right
from dashboard.components.map_frame import map_frame, map_legend
from dashboard.components.provenance import demo_badge
from dashboard.figures.maps import choropleth, legend
from dashboard.formatting import fr_date, fr_period
from dashboard.indicators.reader import published
from dashboard.ingest import service
from dashboard.indicators.registry import decimals
from dashboard.views import headline_view, map_view

dash.register_page(__name__, path="/", name="Accueil", order=0, title="Observatoire de l'insertion — Accueil")

# (title, text, page path, link text): a door is shown only when its page exists in this app.
DOORS = [
    ("Élus", "L'essentiel d'un territoire en quelques chiffres et une carte, imprimable sur une page.",
     "/elus", "Voir l'essentiel"),
    ("Pilotage", "Comparer les territoires, suivre les évolutions, la couverture des ALI, les structures "
     "et les résultats des parcours.", "/comparer", "Ouvrir le pilotage"),
    ("Données ouvertes", "Les indicateurs, leurs sources et leurs licences ; les chiffres en CSV ou Excel et "
     "par l'API ouverte.", "/donnees", "Voir les données"),
]


def layout(**_query) -> html.Div:
    territory, period = headline_view.known_territory(None), headline_view.known_month(None)
    return html.Div([
        html.H1("Observatoire de l'insertion de la Seine-Saint-Denis", className="h2"),
        html.P("Où vivent les allocataires du RSA, quels services d'insertion les accompagnent, et ce qu'ils "
               "deviennent.", className="lead"),
        _headline(territory, period) if territory and period else html.P("Aucun chiffre publié pour l'instant."),
        *_alerts(service.alerts() if has_right("lecteur") else None),
        html.H2("Par où commencer", className="h4 mt-4"),
        dbc.Row([dbc.Col(door, md=4) for door in _doors()], class_name="g-3 mb-3", id="accueil-entrees"),
    ])


def _headline(territory: dict, period) -> dbc.Row:
    cards = [dbc.Col(dbc.Card(dbc.CardBody([
        html.P(h.label, className="elus-label mb-1"),
        html.P(h.value, className="elus-value mb-0"),
        html.P([h.change, " ", demo_badge() if h.demo else None], className="elus-change mb-0"),
    ]), class_name="h-100"), xs=12, sm=6) for h in headline_view.headlines(territory, period)]
    periods = published.periods(headline_view.MAP_INDICATOR)
    shown = map_view.resolve(headline_view.MAP_INDICATOR, headline_view.MAP_LEVEL,
                             periods.index(period) if period in periods else None)
    figure = choropleth(published.geojson(shown.geography, shown.level), shown.frame,
                        title=f"{shown.label} — {shown.period_label}", unit=shown.unit,
                        decimals=decimals(shown.indicator), period_label=shown.period_label,
                        reference=shown.reference)
    figure.update_traces(showscale=False)  # the legend is text beside the map (map_frame)
    frame = map_frame("accueil-map", "accueil-legend", figure=figure,
                      legend=map_legend(legend(figure.data[0].to_plotly_json())))
    return dbc.Row([
        dbc.Col([html.H2(f"{territory['name']} — {fr_period(*period)}", className="h4"),
                 dbc.Row(cards, class_name="g-2", id="accueil-chiffres"), _dates(period)], lg=6),
        dbc.Col(frame, lg=6, class_name="accueil-carte"),
    ], class_name="g-4")


ALERT_KINDS = {"transmission": ("Transmission", "warning"), "qualité": ("Qualité", "info"),
               "objectif": ("Objectif", "danger")}
ALERTS_SHOWN = 8


def _alerts(found: list | None) -> list:
    """Internal app only, for a reader (the home page is open to all): the alerts, newest first;
    the first ALERTS_SHOWN, the others folded."""
    if found is None:
        return []
    if not found:
        return [html.H2("Alertes", className="h4 mt-4"), html.P("Aucune alerte.", id="accueil-alertes")]

    def item(alert):
        label, colour = ALERT_KINDS[alert.kind]
        return html.Li([html.Span(fr_date(alert.day), className="text-muted me-2"),
                        dbc.Badge(label, color=colour, text_color="dark" if colour in ("warning", "info") else None,
                                  class_name="me-2"),
                        dcc.Link(alert.text, href=dash.get_relative_path(alert.href))],
                       className=f"mb-1 alerte alerte-{'qualite' if alert.kind == 'qualité' else alert.kind}")
    first, rest = found[:ALERTS_SHOWN], found[ALERTS_SHOWN:]
    counts = {k: sum(a.kind == k for a in found) for k in ALERT_KINDS}
    summary = " · ".join(f"{ALERT_KINDS[k][0]} : {n}" for k, n in counts.items() if n)
    return [html.H2(f"Alertes ({len(found)})", className="h4 mt-4"),
            html.P([summary, " · ", html.A("Télécharger (CSV)", href=dash.get_relative_path("/alertes.csv"),
                                             id="accueil-alertes-csv")], className="small text-muted mb-2"),
            html.Ul([item(a) for a in first], className="list-unstyled small mb-1", id="accueil-alertes"),
            html.Details([html.Summary(f"{len(rest)} autres alertes"),
                          html.Ul([item(a) for a in rest], className="list-unstyled small mt-2")],
                         id="accueil-alertes-suite") if rest else None]


def _dates(period) -> html.P:
    """The month of the latest figures, and the day of the latest import (the import log)."""
    imports = published.imports()
    text = f"Chiffres les plus récents : {fr_period(*period)}"
    if not imports.empty:
        text += f" — dernier import le {fr_date(imports['imported_at'].max().date())}"
    return html.P(text + ".", className="small text-muted mt-2", id="accueil-dates")


def _doors() -> list[dbc.Card]:
    paths = {page["path"] for page in dash.page_registry.values()}
    return [dbc.Card(dbc.CardBody([
        html.H3(title, className="h5"),
        html.P(text),
        dbc.Button(link, href=dash.get_relative_path(path), color="primary"),
    ]), class_name="h-100") for title, text, path, link in DOORS if path in paths]
