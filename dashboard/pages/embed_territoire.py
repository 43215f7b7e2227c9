"""Embedded headline figures of a territory (`/embed/territoire/<code>`), framed in a partner's
page: the few figures of the elected officials' view for one month, each with its change over a
year, and a link to the territory's profile on the observatory.

URL: `?periode=2026-10&indicateur=…&hauteur=260`, all optional (the latest month; one figure
only, when `indicateur` is one of them; `hauteur`: the height in pixels, 200 to 1200)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.components import embed
from dashboard.components.provenance import demo_badge
from dashboard.formatting import fr_period
from dashboard.indicators.reader import published
from dashboard.views import headline_view

dash.register_page(__name__, path_template="/embed/territoire/<code>", name="Chiffres clés à intégrer", nav=False,
                   order=21, title="Observatoire de l'insertion — Chiffres clés")

HEIGHT = 260


def layout(code=None, periode=None, indicateur=None, hauteur=None, **_other):
    territory = published.find_territory(code)
    period = headline_view.known_month(periode)
    box = {"height": f"{embed.height(hauteur, HEIGHT)}px", "overflowY": "auto"}
    if territory is None or period is None:
        return html.Div([html.H1("Territoire inconnu" if territory is None else territory["name"],
                                 id="embed-territoire-titre"),
                         html.P("Aucun territoire n'a le code demandé." if territory is None
                                else "Aucun chiffre publié pour l'instant.")], style=box)
    figures = headline_view.headlines(territory, period)
    figures = [h for h in figures if h.indicator == indicateur] or figures
    cards = [dbc.Col(dbc.Card(dbc.CardBody([
        html.P(h.label, className="small mb-1 embed-label"),
        html.P(h.value, className="fs-3 fw-semibold mb-0 embed-value"),
        html.P(h.change, className="small text-muted mb-0"),
    ]), class_name="h-100"), xs=6, md=4, lg=True) for h in figures]
    return html.Div([
        html.H1(f"{territory['name']} — {fr_period(*period)}", id="embed-territoire-titre"),
        dbc.Row(cards, class_name="g-2 mb-2", id="embed-territoire-chiffres"),
        html.Div([html.P([demo_badge(), "Données de démonstration."], className="small mb-0")
                  if any(h.demo for h in figures) else html.Span(),
                  embed.observatory_link("embed-territoire-link", embed.observatory_url(f"/territoire/{territory['code']}"))],
                 className="embed-footer"),
    ], style=box)
