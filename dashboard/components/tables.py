"""The secret cell of every table: "s" with its explanation. (The map's table is drawn in the
browser from the same words: `valuesTable` in assets/site/observatoire.js.)"""
from __future__ import annotations

from dash import html

from dashboard.components.props import wildcard


SECRET_TITLE = ("Secret statistique : valeur trop petite pour être publiée, "
                "ou qui permettrait d'en déduire une autre par différence.")


def secret_cell() -> html.Abbr:
    return html.Abbr("s", title=SECRET_TITLE)


def scroll_box(table, label: str) -> html.Div:
    """A wide table scrolls inside its own box on a phone, never the page; the box can take
    the keyboard's focus (arrow keys scroll it) and is named for screen readers."""
    return html.Div(table, className="table-responsive", tabIndex="0", role="region", **wildcard({"aria-label": label}))
