"""The page shell: a navigation bar built from Dash's page registry, the page container.

On a phone the links fold behind a toggler (a real <button>: keyboard operable, with
`aria-expanded` and `aria-controls`, toggled in the browser by `toggleNav` in
assets/site/observatoire.js); from `xl` widths they stand in the bar.

The navigation is marked `site-chrome`: the embeds (/embed/…, framed in partners' sites) hide it
(assets/site/embed.css, on the body class that `app.Observatoire` gives their pages)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Dash, Input, Output, State, html

from dashboard.components.props import wildcard

NAV_ID = "nav-links"
TOGGLER_ID = "nav-toggler"


def navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=dash.get_relative_path(page["path"]), active="exact"))
        for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order", 99))
        if page.get("nav", True)
    ]
    toggler = html.Button(html.Span(className="navbar-toggler-icon"), id=TOGGLER_ID, type="button",
                          className="navbar-toggler", n_clicks=0,
                          **wildcard({"aria-controls": NAV_ID, "aria-expanded": "false", "aria-label": "Menu"}))
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand([html.Span("Observatoire de l'insertion"), " ",
                             html.Span("— Seine-Saint-Denis", className="site-place")],
                            href=dash.get_relative_path("/"), class_name="fw-semibold site-title"),
            toggler,
            dbc.Collapse(dbc.Nav(links, navbar=True, class_name="ms-auto flex-wrap justify-content-end"),
                         id=NAV_ID, navbar=True, is_open=False),
        ], fluid=True),
        color="dark", dark=True, expand="xl", class_name="mb-3 site-chrome",
    )


def shell() -> html.Div:
    return html.Div([
        html.A("Aller au contenu", href="#contenu", className="visually-hidden-focusable site-chrome"),
        navbar(),
        html.Main(dbc.Container(dash.page_container, fluid=True), id="contenu", lang="fr"),
    ])


def register(app: Dash) -> None:
    """The shell's own callback, on the app (the pages' callbacks are taken from Dash's global
    list, which `app.create_app` empties before each app): the toggler opens and closes the
    links in the browser, and says so to screen readers."""
    app.clientside_callback(ClientsideFunction("observatoire", "toggleNav"),
                            Output(NAV_ID, "is_open"), Output(TOGGLER_ID, "aria-expanded"),
                            Input(TOGGLER_ID, "n_clicks"), State(NAV_ID, "is_open"), prevent_initial_call=True)
