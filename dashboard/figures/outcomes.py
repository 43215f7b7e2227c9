"""Pure figure builders of the outcomes page: exits stacked by type (per ALI, per month), rates
over time, entries against exits with the people followed, and cohorts as 100 % bars.

A cell is a number, "s" (secret) or None (unknown): "s" and None are never drawn — a stacked bar
with a secret part stops short, and its hover and the table say "s"."""
from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from dashboard.figures.theme import CATEGORICAL, chart_layout
from dashboard.formatting import fr_value

SECRET = "s"
SECRET_TEXT = "s (secret statistique)"
UNKNOWN_TEXT = "non disponible"
# The same colour for the same outcome on every chart of the page (Okabe–Ito).
# Durable employment, transitional employment, training, other.
EXIT_COLOURS = [CATEGORICAL[2], CATEGORICAL[1], CATEGORICAL[4], CATEGORICAL[3]]
STATUS_COLOURS = [CATEGORICAL[0], *EXIT_COLOURS]  # still followed, then the four exits
RATE_COLOURS = [CATEGORICAL[2], CATEGORICAL[0]]  # durable share (as its exits), exit rate
# With subplot titles at the top of the plot area, the legend goes above them (top of the figure).
ABOVE_TITLES = {"yref": "container", "y": 1, "yanchor": "top", "traceorder": "normal"}
SHARE_AXIS = {"range": [0, 100.5], "dtick": 20, "ticksuffix": " %"}


def _drawn(cells: list) -> list:
    """Only numbers are drawn: a secret or unknown cell is a gap."""
    return [c if isinstance(c, (int, float)) else None for c in cells]


def _text(cell, unit: str, decimals: int = 0) -> str:
    if cell == SECRET:
        return SECRET_TEXT
    return UNKNOWN_TEXT if cell is None else fr_value(cell, unit, decimals)


def _stacked(categories: list, parts: list[tuple[str, list]], total: list, unit: str, horizontal: bool) -> go.Figure:
    """Bars stacked by part, with the total (as the query layer gives it) in every hover."""
    figure = go.Figure()
    totals = [_text(t, unit) for t in total]
    for (label, cells), colour in zip(parts, EXIT_COLOURS):
        values = _drawn(cells)
        position = {"y": categories, "x": values, "orientation": "h"} if horizontal else {"x": categories, "y": values}
        hover = [[_text(c, unit), t] for c, t in zip(cells, totals)]
        figure.add_trace(go.Bar(name=label, marker_color=colour, customdata=hover, **position,
                                hovertemplate=f"%{{{'y' if horizontal else 'x'}}}<br>{label} : %{{customdata[0]}}"
                                              "<br>Ensemble des sorties : %{customdata[1]}<extra></extra>"))
    return figure


def exits_by_territory(names: list[str], parts: list[tuple[str, list]], total: list, *, unit: str) -> go.Figure:
    """One horizontal bar per territory, stacked by exit type."""
    figure = _stacked(names, parts, total, unit, horizontal=True)
    figure.update_layout(**chart_layout(barmode="stack", legend={"traceorder": "normal"},
                                        yaxis={"autorange": "reversed", "automargin": True},
                                        xaxis={"title": {"text": f"Sorties du mois ({unit})"}, "rangemode": "tozero"},
                                        height=max(300, 28 * len(names) + 110)))
    return figure


def exits_by_month(months: list, parts: list[tuple[str, list]], total: list, *, unit: str) -> go.Figure:
    """One bar per month, stacked by exit type."""
    figure = _stacked(months, parts, total, unit, horizontal=False)
    figure.update_layout(**chart_layout(barmode="stack", bargap=0.15, legend={"traceorder": "normal"},
                                        xaxis={"type": "date", "hoverformat": "%B %Y"},
                                        yaxis={"title": {"text": f"Sorties du mois ({unit})"}, "rangemode": "tozero"}))
    return figure


def rate_lines(months: list, series: list[tuple[str, list, int]]) -> go.Figure:
    """Rates in % over time, one line each; a secret month is a gap in the line."""
    figure = go.Figure()
    for (label, cells, decimals), colour in zip(series, RATE_COLOURS):
        figure.add_trace(go.Scatter(
            x=months, y=_drawn(cells), name=label, mode="lines+markers", connectgaps=False,
            line={"color": colour, "width": 2}, marker={"size": 5},
            customdata=[_text(c, "%", decimals) for c in cells],
            hovertemplate=f"%{{x|%B %Y}}<br>{label} : %{{customdata}}<extra></extra>"))
    figure.update_layout(**chart_layout(xaxis={"type": "date"},
                                        yaxis={"title": {"text": "%"}, "rangemode": "tozero", "ticksuffix": " %"}))
    return figure


def flow_lines(months: list, entries: tuple[str, list], exits: tuple[str, list], followed: tuple[str, list], *,
               unit: str) -> go.Figure:
    """Two panels sharing the months: the people followed above (hundreds or thousands), entries
    and exits below (tens): one axis for both scales would flatten the flows."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.12, row_heights=[0.45, 0.55],
                           subplot_titles=(followed[0], f"{entries[0]} et {exits[0].lower()}"))
    for row, (label, cells), colour, dash in ((1, followed, CATEGORICAL[0], "solid"),
                                              (2, entries, CATEGORICAL[1], "solid"),
                                              (2, exits, CATEGORICAL[2], "dash")):
        figure.add_trace(go.Scatter(
            x=months, y=_drawn(cells), name=label, mode="lines+markers", connectgaps=False,
            line={"color": colour, "width": 2, "dash": dash}, marker={"size": 5},
            customdata=[_text(c, unit) for c in cells],
            hovertemplate=f"%{{x|%B %Y}}<br>{label} : %{{customdata}}<extra></extra>"), row=row, col=1)
    figure.update_layout(**chart_layout(margin={"t": 70}, legend=ABOVE_TITLES))
    figure.update_xaxes(type="date", gridcolor="#e5e5e5", automargin=True)
    figure.update_yaxes(title={"text": unit}, rangemode="tozero", gridcolor="#e5e5e5", separatethousands=True,
                        exponentformat="none", automargin=True)
    return figure


def _share_bars(figure: go.Figure, rows: list, parts: Sequence[tuple[str, list, list | None]], *, row=None, col=None,
                legend: bool = True, horizontal: bool = True) -> None:
    """One trace per status: the shares (%) of each row's entries, with counts in the hover; the
    share is written in a horizontal bar (wide enough), only hovered in the narrow upright ones."""
    for (label, shares, counts), colour in zip(parts, STATUS_COLOURS):
        drawn = _drawn(shares)
        hover = [_text(s, "%", 1) + (f" ({_text(c, 'personnes')})" if counts is not None and isinstance(c, float)
                                     else "") for s, c in zip(shares, counts or [None] * len(shares))]
        position = {"y": rows, "x": drawn, "orientation": "h"} if horizontal else {"x": rows, "y": drawn}
        figure.add_trace(go.Bar(
            name=label, marker_color=colour, showlegend=legend, legendgroup=label, customdata=hover,
            text=[fr_value(v, "%", 0) if v is not None and horizontal else "" for v in drawn],
            textposition="inside", insidetextanchor="middle",
            hovertemplate=f"{label} : %{{customdata}}<extra></extra>", **position),
            row=row, col=col)


def cohort_bars(bars: list[tuple[str, list | None]], pending: dict[str, str]) -> go.Figure:
    """One 100 % bar per horizon (6 and 12 months), stacked by status; a horizon not yet observed
    gets no bar but says when it will be."""
    rows = [label for label, _ in bars]
    statuses = next((items for _, items in bars if items), [])
    parts = []
    for index, (status, _count, _share) in enumerate(statuses):
        shares = [items[index][2] if items else None for _, items in bars]
        counts = [items[index][1] if items else None for _, items in bars]
        parts.append((status, shares, counts))
    figure = go.Figure()
    _share_bars(figure, rows, parts)
    for label, text in pending.items():
        figure.add_annotation(x=0, y=label, xanchor="left", text=text, showarrow=False,
                              font={"color": "#444444"})
    figure.update_layout(**chart_layout(
        barmode="stack", legend={"traceorder": "normal"},
        xaxis={**SHARE_AXIS, "title": {"text": "% des entrées du trimestre"}},
        yaxis={"autorange": "reversed", "type": "category", "categoryarray": rows, "automargin": True}))
    return figure


def cohort_multiples(panels: list[tuple[str, list[str], list[tuple[str, list]]]]) -> go.Figure:
    """Side by side, one panel per horizon: a 100 % bar per entry quarter, stacked by status."""
    figure = make_subplots(rows=1, cols=len(panels), shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=[title for title, _, _ in panels])
    for col, (_title, quarters, parts) in enumerate(panels, start=1):
        _share_bars(figure, quarters, [(label, shares, None) for label, shares in parts], row=1, col=col,
                    legend=col == 1, horizontal=False)
    figure.update_layout(**chart_layout(barmode="stack", bargap=0.2, margin={"t": 70}, legend=ABOVE_TITLES))
    figure.update_xaxes(type="category", automargin=True)
    figure.update_yaxes(**SHARE_AXIS, gridcolor="#e5e5e5", automargin=True)
    return figure
