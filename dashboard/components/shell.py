"""The page shell: a navigation bar built from Dash's page registry, the page container.

The navigation is marked `site-chrome`: the embeds (/embed/…, framed in partners' sites) hide it
(assets/site/embed.css, on the body class that `app.Observatoire` gives their pages)."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html


def navbar() -> dbc.Navbar:
    links = [
        dbc.NavItem(dbc.NavLink(page["name"], href=dash.get_relative_path(page["path"]), active="exact"))
        for page in sorted(dash.page_registry.values(), key=lambda p: p.get("order", 99))
        if page.get("nav", True)
    ]
    return dbc.Navbar(
        dbc.Container([
            dbc.NavbarBrand("Observatoire de l'insertion — Seine-Saint-Denis",
                            href=dash.get_relative_path("/"), class_name="fw-semibold"),
            # Nine pages: the links wrap onto a second line rather than overflow a laptop screen.
            dbc.Nav(links, navbar=True, class_name="ms-auto flex-wrap justify-content-end"),
        ], fluid=True),
        color="dark", dark=True, class_name="mb-3 site-chrome",
    )


def shell() -> html.Div:
    return html.Div([
        html.A("Aller au contenu", href="#contenu", className="visually-hidden-focusable site-chrome"),
        navbar(),
        html.Main(dbc.Container(dash.page_container, fluid=True), id="contenu", lang="fr"),
    ])
