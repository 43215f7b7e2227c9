"""create_app(): the Dash application, its Flask server and its store."""
from __future__ import annotations

from pathlib import Path

import dash_bootstrap_components as dbc  # noqa: F401  (registers the components' assets)
from dash import Dash

from dashboard import api, auth
from dashboard.components.shell import shell
from dashboard.ingest import service
from dashboard.indicators import queries
from dashboard.settings import Settings, load_settings
from dashboard.store import make_engine

HERE = Path(__file__).parent

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


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    queries.configure(engine, settings.cache_redis_url, settings.secrecy_threshold)
    service.configure(engine, settings)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        # Bootstrap is served from assets/vendor: nothing is fetched from a CDN.
        external_stylesheets=[],
        serve_locally=True,
        compress=True,
        title="Observatoire de l'insertion — Seine-Saint-Denis",
        update_title=None,
        url_base_pathname=settings.url_prefix,
        suppress_callback_exceptions=True,
    )
    app.server.secret_key = auth.secret_key(settings.var_dir, settings.secret_key)
    auth.install(app.server, engine, settings.url_prefix)
    api.install(app.server, settings.url_prefix)
    app.index_string = INDEX.replace("{lang}", "fr")
    app.layout = shell
    return app


def server():
    """WSGI entry for gunicorn: `gunicorn 'dashboard.app:server()'`."""
    return create_app().server
