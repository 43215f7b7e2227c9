"""Territory profile (`/territoire/<code>`): every indicator for one circonscription, commune or
QPV at its latest period, its change over a year and the département's value beside it."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components.provenance import demo_badge
from dashboard.components.tables import value_cell
from dashboard.formatting import fr_period, fr_value
from dashboard.indicators import queries
from dashboard.indicators.registry import decimals
from dashboard.views.profile_view import LEVEL_LABELS, latest_figures

dash.register_page(__name__, path_template="/territoire/<code>", name="Territoire", nav=False, order=9,
                   title="Observatoire de l'insertion — Territoire")


def _change(row) -> str:
    if isinstance(row.flag, str) or isinstance(row.previous_flag, str):
        return "s"
    if row.previous is None or row.previous != row.previous or row.value != row.value:
        return "–"
    difference = row.value - row.previous
    unit = "points" if row.unit == "%" else row.unit
    sign = "+" if difference > 0 else ""
    return f"{sign}{fr_value(difference, unit, decimals(row.indicator))}"


def layout(code: str | None = None, **_query) -> html.Div:
    territory = queries.find_territory(code) if isinstance(code, str) else None
    if territory is None:
        return html.Div([html.H1("Territoire inconnu", className="h2"),
                         html.P(["Aucun territoire n'a le code demandé. ",
                                 html.A("Revenir à la carte", href=dash.get_relative_path("/carte"))])])
    figures = latest_figures(territory)
    body = [html.Tr([
        html.Th(row.label, scope="row", className="fw-normal"),
        html.Td(fr_period(row.period_type, row.period_start)),
        html.Td(value_cell(row.value, row.flag, row.unit, decimals(row.indicator)), className="text-end"),
        html.Td(_change(row), className="text-end"),
        html.Td(value_cell(row.reference, row.reference_flag, row.unit, decimals(row.indicator))
                if row.reference is not None or isinstance(row.reference_flag, str) else "–", className="text-end"),
    ]) for row in figures.itertuples()]
    demo = bool(figures["quality"].eq("demo").any())
    return html.Div([
        html.H1(territory["name"], className="h2", id="territoire-titre"),
        html.P([LEVEL_LABELS.get(territory["level"], territory["level"]), f" — code {territory['code']}",
                " ", demo_badge() if demo else None], className="text-muted"),
        dbc.Table([
            html.Caption(f"Dernières valeurs connues — {territory['name']}", className="caption-top"),
            html.Thead(html.Tr([html.Th("Indicateur", scope="col"), html.Th("Période", scope="col"),
                                html.Th("Valeur", scope="col", className="text-end"),
                                html.Th("Évolution sur un an", scope="col", className="text-end"),
                                html.Th("Département", scope="col", className="text-end")])),
            html.Tbody(body),
        ], id="territoire-table", size="sm", striped=True, responsive=True),
    ])
