"""create_app(): the Dash application, its Flask server and its store — internal or public.

The internal app (`server()`) holds every page, the sign-in and the import service. The public
app (`public_server()`, or OBSERVATOIRE_PUBLIC=1) is the same code with only the public pages and
the open-data API, on a store opened read-only, framable by the configured origins
(`public.py`). Both check every callback request (`callback_guard.py`) and send the security
headers (`headers.py`).
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import dash_bootstrap_components as dbc  # noqa: F401  (registers the components' assets)
import dash
from dash import Dash
from flask import request

from dashboard import alerts, api, auth, callback_guard, headers, internal_pages, plotly_geo, public, static_cache
from dashboard.components import shell
from dashboard.ingest import service
from dashboard.indicators import reading
from dashboard.indicators.reader import Reader
from dashboard.internal_pages import SHELL_IDS, callback_outputs
from dashboard.settings import Settings, load_settings
from dashboard.store import make_engine, make_reader_engine

HERE = Path(__file__).parent
# Callback bodies: the import page uploads files of up to 50 MB, base64-encoded; the public
# pages send a few controls' values.
MAX_BODY = {"internal": 70 * 1024 * 1024, "public": 64 * 1024}

# Dash's default page, with the document language set (screen readers, axe-core).
INDEX = """<!DOCTYPE html>
<html lang="{lang}">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


class Observatoire(Dash):
    def interpolate_index(self, **kwargs) -> str:  # type: ignore[override]  # passes Dash's keywords through
        """The embeds (/embed/…) get a body class that hides the navigation from the first paint:
        the page shell is one layout for every path, fetched apart from the page."""
        page = super().interpolate_index(**kwargs)
        if request.path.startswith(f"{self.config.routes_pathname_prefix}embed/"):
            page = page.replace("<body>", '<body class="embed">', 1)
        return page


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or load_settings()
    mode = "public" if settings.public else "internal"
    app = Observatoire(
        __name__,
        use_pages=True,
        # The public app runs its page modules itself (public.load_pages), the internal one lets Dash.
        pages_folder="" if settings.public else str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        # Bootstrap is served from assets/vendor: nothing is fetched from a CDN.
        external_stylesheets=[],
        serve_locally=True,
        compress=True,
        title="Observatoire de l'insertion — Seine-Saint-Denis",
        update_title=None,  # type: ignore[arg-type]  # None is Dash's documented "no loading title"
        url_base_pathname=settings.url_prefix,
        suppress_callback_exceptions=True,
        on_error=public.callback_failed if settings.public else None,
    )
    if settings.public:
        public.load_pages(HERE / "pages")
    shell.register(app)
    server = app.server
    server.config["OBSERVATOIRE_PUBLIC_URL"] = settings.public_url
    # The app's read side: published figures only (the public app's store access cannot even
    # see the unpublished ones: `make_reader_engine(public=True)`).
    Reader(make_reader_engine(settings.database_url, read_only=settings.public, public=settings.public),
           settings.cache_redis_url).install(server)
    reading.install(server)
    if settings.public:
        public.install(server, settings.url_prefix)
        plotly_geo.install(server, settings.url_prefix)
    else:
        engine = make_engine(settings.database_url)
        service.configure(engine, settings)
        server.secret_key = auth.secret_key(settings.var_dir, settings.secret_key)
        auth.install(server, engine, settings.url_prefix)
        alerts.install(server, engine, settings.url_prefix)
        internal_pages.install(app, settings.url_prefix)  # the `lecteur` right
    api.install(server, settings.url_prefix)
    static_cache.install(server, settings.url_prefix)
    callback_guard.install(server, app, MAX_BODY[mode])
    headers.install(server, app, settings.frame_ancestors if settings.public else None)
    app.index_string = INDEX.replace("{lang}", "fr")
    app.layout = shell.shell
    # Dash sets itself up on its first request, unguarded: concurrent first requests on a fresh
    # gunicorn worker raced it (500s on /_dash-layout). One request here does it before any other.
    # It is also when Dash moves the callbacks that the page modules just registered with
    # `dash.callback` into this app (and empties its global list): each app takes its own pages'.
    server.test_client().get(f"{settings.url_prefix}_dash-dependencies")
    _check_callbacks(app)
    return app


def _check_callbacks(app: Dash) -> None:
    """Fail closed: every callback the app took writes to components of the pages it serves
    (ids are namespaced by page: `carte-…`, `embed-carte-…`, or the page's declared `namespace`)
    or of its shell. A callback left in
    Dash's global list by a module imported outside an app (a test importing the import page)
    would otherwise reach the next app made in the process — the public one included."""
    namespaces = tuple(internal_pages.page_namespace(page) for page in dash.page_registry.values())
    for key in app.callback_map:
        for component in callback_outputs(key):
            if not (component.startswith(namespaces) or component.startswith(SHELL_IDS)):
                raise RuntimeError(f"callback {key!r} writes to {component!r}, which no page of this app holds")


def server():
    """WSGI entry of the internal app: `gunicorn 'dashboard.app:server()'`."""
    return create_app().server


def public_server():
    """WSGI entry of the public app: `gunicorn 'dashboard.app:public_server()'`."""
    return create_app(dataclasses.replace(load_settings(), public=True)).server
