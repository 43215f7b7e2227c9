"""What the embeds (/embed/…) share: their height from the URL, and the link to the observatory.

An embed is framed in a partner's page, so everything it takes from its URL is bounded, and its
link opens the full observatory (OBSERVATOIRE_PUBLIC_URL, else this app) in a new tab."""
from __future__ import annotations

from urllib.parse import urlencode

import dash
import flask
from dash import html

MIN_HEIGHT, MAX_HEIGHT = 200, 1200


def height(value, default: int) -> int:
    """`hauteur` in pixels (text from the URL, or a number kept by the page), within bounds;
    the default when it is not a whole number."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 5:
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        value = default
    return min(max(value, MIN_HEIGHT), MAX_HEIGHT)


def observatory_url(path: str, **query) -> str:
    base = flask.current_app.config.get("OBSERVATOIRE_PUBLIC_URL") or dash.get_relative_path("/")
    shown = urlencode({k: v for k, v in query.items() if v is not None})
    return base + path.lstrip("/") + (f"?{shown}" if shown else "")


def observatory_link(link_id: str, href: str) -> html.A:
    return html.A(["Voir sur l'observatoire", html.Span(" (nouvelle fenêtre)", className="visually-hidden")],
                  id=link_id, href=href, target="_blank", rel="noopener", className="small")
