"""The `lecteur` right gates the internal pages of the internal app: every page that is not in
the public set (`public.PAGES`), and every callback that writes to one of them.

- A page request (GET of its path) without the right is redirected to the sign-in page, which
  brings the visitor back (`/connexion?next=…`).
- A page reached inside the app (a link, without a new GET) is rendered by Dash's router
  callback: its layout is wrapped here, and answers a sign-in notice without the right.
- A callback request whose outputs belong to an internal page answers 403 without the right,
  whatever its inputs say: Dash runs the callback that the request's `output` names.

Fail closed: a new page is internal until `public.PAGES` names it. The public pages, the sign-in,
the assets and the open-data API stay open (the public app serves the same without any account).
"""
from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import dash
import dash_bootstrap_components as dbc
from dash import Dash, html
from flask import abort, redirect, request

from dashboard import auth, public

RIGHT = "lecteur"
# Components of the shell and of Dash's page router, outside any page's namespace.
SHELL_IDS = ("_pages_", "shell-", "nav-")


def page_namespace(page: dict[str, Any]) -> str:
    """The prefix of a page's component ids: its declared `namespace`, else its module's name
    (`embed_carte` -> `embed-carte-`)."""
    return page.get("namespace", page["module"].removeprefix("pages.").replace("_", "-")) + "-"


def is_internal(page: dict[str, Any]) -> bool:
    return page["module"].removeprefix("pages.") not in public.PAGES


def callback_outputs(key: str) -> list[str]:
    """The component ids a callback writes, from its key in `Dash.callback_map` or the `output`
    of a callback request (`..a.children...b.figure..`, `id.prop`, with an `@hash` for
    duplicates; a dict id by its `type`)."""
    parts = key.strip(".").split("...") if key.startswith("..") else [key]
    out = []
    for part in parts:
        component = part.rsplit(".", 1)[0]
        if component.startswith("{"):
            component = str(json.loads(component).get("type", component))
        out.append(component)
    return out


def install(app: Dash, prefix: str) -> None:
    """Guard the internal pages of `app`. The pages are known once Dash has run their modules:
    the guard reads the page registry, and wraps the internal layouts, at the app's first request."""
    known: dict[str, Any] = {}

    def pages() -> dict[str, Any]:
        if not known:
            registry = list(dash.page_registry.values())
            # Longest first: a component belongs to the most specific namespace it starts with.
            known["owners"] = sorted(((page_namespace(p), is_internal(p)) for p in registry), key=lambda o: -len(o[0]))
            known["paths"] = [_path_pattern(p) for p in registry if is_internal(p)]
            for page in registry:
                if is_internal(page):
                    page["layout"] = _guarded_layout(page)
        return known

    def internal_callback(output: str) -> bool:
        try:
            components = callback_outputs(output)
        except ValueError:
            return True  # unreadable: refused like an internal one
        for component in components:
            if component.startswith(SHELL_IDS):
                continue  # the router's own output: the page layouts check the right themselves
            if next((internal for namespace, internal in pages()["owners"] if component.startswith(namespace)), True):
                return True
        return False

    @app.server.before_request
    def internal_pages_need_a_reader():
        if not request.path.startswith(prefix):
            return None
        pages()  # before any callback: the router renders wrapped layouts
        if auth.has_right(RIGHT):
            return None
        rest = request.path[len(prefix):]
        if request.method == "GET" and any(p.match(rest.strip("/")) for p in pages()["paths"]):
            return redirect(f"{prefix}connexion?next={quote(request.full_path.rstrip('?'), safe='/')}")
        if request.method == "POST" and rest == "_dash-update-component":
            body = request.get_json(silent=True, cache=True)
            output = body.get("output") if isinstance(body, dict) else None
            if not isinstance(output, str) or internal_callback(output):
                abort(403)
        return None


def _path_pattern(page: dict[str, Any]) -> re.Pattern:
    """A page's path, without slashes at either end (`<code>`: one segment)."""
    template = page.get("path_template") or page["path"]
    parts = [re.escape(p) if not p.startswith("<") else "[^/]+" for p in template.strip("/").split("/")]
    return re.compile("^" + "/".join(parts) + "$")


def _guarded_layout(page: dict[str, Any]):
    layout = page["layout"]
    if getattr(layout, "needs_right", None) == RIGHT:
        return layout  # already guarded (the page registry outlives an app, in tests)

    def guarded(**kwargs):
        if not auth.has_right(RIGHT):
            return sign_in_notice(page)
        return layout(**kwargs) if callable(layout) else layout

    guarded.needs_right = RIGHT  # type: ignore[attr-defined]  # a marker on the function object
    guarded.__wrapped__ = layout  # type: ignore[attr-defined]  # the page's own layout, as functools.wraps keeps it
    return guarded


def sign_in_notice(page: dict[str, Any]):
    here = dash.get_relative_path(page["path"])
    return html.Div([
        html.H1(page["name"], className="h2"),
        dbc.Alert(["Cette page est réservée aux comptes de l'observatoire. ",
                   html.A("Se connecter", href=dash.get_relative_path("/connexion") + "?next=" + here,
                          id="shell-login-link")], color="warning"),
    ])
