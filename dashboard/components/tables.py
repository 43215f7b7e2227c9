"""The secret cell of every table: "s" with its explanation. (The map's table is drawn in the
browser from the same words: `valuesTable` in assets/site/observatoire.js.)"""
from __future__ import annotations

from dash import html


SECRET_TITLE = ("Secret statistique : valeur trop petite pour être publiée, "
                "ou qui permettrait d'en déduire une autre par différence.")


def secret_cell() -> html.Abbr:
    return html.Abbr("s", title=SECRET_TITLE)
