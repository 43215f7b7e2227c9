"""A chart panel: the title that says what, where and when; the chart; its source and date with
the demo badge; the same figures as a table; CSV and Excel downloads of exactly those figures.

Ids are namespaced by the panel's prefix: `<prefix>-title`, `-graph`, `-source`, `-table`,
`-csv`, `-xlsx`, `-download`. A page fills the first four with `panel_content(chart, figure)`
and registers the downloads with `download_callback`."""
from __future__ import annotations

from collections.abc import Callable

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, State, html

from dashboard.components.downloads import download_buttons, send_frame
from dashboard.components.graphs import graph
from dashboard.components.props import wildcard
from dashboard.components.provenance import source_note
from dashboard.components.tables import secret_cell
from dashboard.formatting import fr_value
from dashboard.views.chart import BROKEN as BROKEN_SERIES
from dashboard.views.chart import SECRET, Chart


def chart_panel(prefix: str, *, height: int = 420, table_open: bool = False) -> dbc.Card:
    return dbc.Card(dbc.CardBody([
        html.H2(id=f"{prefix}-title", className="h5"),
        graph(f"{prefix}-graph", style={"height": f"{height}px"}),
        html.Div(id=f"{prefix}-source"),
        html.Details([html.Summary("Voir les données en tableau"), html.Div(id=f"{prefix}-table", className="mt-2")],
                     open=table_open, className="mt-2"),
        html.Div(download_buttons(prefix), className="mt-2 d-print-none"),
    ]), class_name="mb-3 chart-panel")


def panel_outputs(prefix: str) -> list[Output]:
    return [Output(f"{prefix}-title", "children"), Output(f"{prefix}-graph", "figure"),
            Output(f"{prefix}-source", "children"), Output(f"{prefix}-table", "children")]


def panel_content(chart: Chart, figure) -> tuple:
    """The values of `panel_outputs`, in order."""
    dates, updated = chart.dates
    note = source_note(chart.sources, caveats=chart.caveats, demo=chart.demo, dates=dates, updated=updated)
    return chart.title, figure, note, chart_table(chart)


def cell_text(value, column: str, formats: dict) -> str:
    """How the screen writes one cell of a chart's table (tests compare downloads with it)."""
    if isinstance(value, str):
        return value
    if value is None or value != value:
        return "–"
    if column in formats:
        unit, decimals = formats[column]
        return fr_value(value, unit, decimals)
    return str(value)


def chart_table(chart: Chart) -> html.Div | html.P:
    frame = chart.table
    if frame.empty:
        return html.P("Aucune valeur pour ce choix.", className="text-muted")

    def cell(value, column):
        if isinstance(value, str) and value == BROKEN_SERIES:
            return html.Abbr(value, title="Les deux valeurs ne sont pas de la même série (source, méthode, fiabilité "
                                          "ou périmètre) : la raison est donnée sous le graphique.")
        return secret_cell() if isinstance(value, str) and value == SECRET else cell_text(value, column, chart.formats)

    body = [html.Tr([html.Td(cell(v, c), className="text-end" if c in chart.formats else None)
                     for c, v in zip(frame.columns, row)]) for row in frame.itertuples(index=False)]
    return html.Div(dbc.Table([
        html.Caption(chart.title, className="caption-top"),
        html.Thead(html.Tr([html.Th(c, scope="col", className="text-end" if c in chart.formats else None)
                            for c in frame.columns])),
        html.Tbody(body),
    ], size="sm", striped=True, class_name="mb-0 chart-table"), className="table-responsive",
        style={"maxHeight": "24rem", "overflowY": "auto"}, tabIndex="0", role="region",
        **wildcard({"aria-label": chart.title}))


def download_callback(prefix: str, build: Callable[..., Chart], *states: State) -> None:
    """Register the downloads of a panel: `build(*state values)` gives the chart shown."""

    @dash.callback(Output(f"{prefix}-download", "data"), Input(f"{prefix}-csv", "n_clicks"),
                   Input(f"{prefix}-xlsx", "n_clicks"), *states, prevent_initial_call=True)
    def download(_csv, _xlsx, *values):
        chart = build(*values)
        fmt = "xlsx" if dash.ctx.triggered_id == f"{prefix}-xlsx" else "csv"
        return send_frame(chart.table, chart.name, fmt, sources=chart.provenance())
