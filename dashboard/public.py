"""The public app: the same code base with only the public pages, and a 404 for anything else.

The internal app lets Dash run every module of `pages/`. The public one runs only those named in
`PAGES` (a new page stays internal until it is added here), so the import page's module, and
the callbacks it registers, never exist in a public process. What a public process serves:

- the pages of `PAGES` (their paths and path templates), Dash's own routes (layout,
  dependencies, component bundles, the callback endpoint) and the assets;
- the open-data API (`api.py`, GET only);
- nothing else: any other path, and any method other than GET/HEAD except the callback POST,
  answers 404 — the sign-in, sign-out and template routes are not installed, and a Dash app
  would otherwise answer 200 with its page shell for any path.
"""
from __future__ import annotations

import importlib.util
import logging
import re
import sys
from pathlib import Path

import dash
from flask import Flask, abort, request

# Map, profiles, headline figures, the home page, the data and sources, and the embeds.
PAGES = ("accueil", "carte", "elus", "territoire", "donnees", "embed_carte", "embed_territoire")
# Dash's routes that the browser needs, under the app's prefix (`_reload-hash` and the like are
# for development only).
DASH_ROUTES = ("_dash-layout", "_dash-dependencies", "_dash-update-component", "_favicon.ico")
STATIC = ("_dash-component-suites/", "assets/", "api/v1/")

NOT_FOUND = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Page introuvable — Observatoire de l'insertion</title></head>
<body><main><h1>Page introuvable</h1><p>Cette adresse n'existe pas sur l'observatoire public.
<a href="{prefix}">Revenir à l'accueil</a></p></main></body></html>"""

log = logging.getLogger(__name__)


def load_pages(folder: Path) -> None:
    """Run the public page modules as Dash's `use_pages` runs a folder's (same module names),
    and leave only them in the page registry (another app made earlier in the same process,
    in tests, may have registered others)."""
    for name in PAGES:
        module_name = f"pages.{name}"
        spec = importlib.util.spec_from_file_location(module_name, folder / f"{name}.py")
        if spec is None or spec.loader is None:
            raise ImportError(f"page publique introuvable : {folder / f'{name}.py'}")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[module_name] = module
        page = dash.page_registry[module_name]
        if not page["supplied_layout"]:
            page["layout"] = module.layout
    for module_name in [m for m in dash.page_registry if m.removeprefix("pages.") not in PAGES]:
        del dash.page_registry[module_name]


def page_patterns() -> list[re.Pattern]:
    """The paths of the registered pages, without slashes at either end (`<code>`: one segment)."""
    patterns = []
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        parts = [re.escape(p) if not p.startswith("<") else "[^/]+" for p in template.strip("/").split("/")]
        patterns.append(re.compile("^" + "/".join(parts) + "$"))
    return patterns


def install(server: Flask, prefix: str) -> None:
    patterns = page_patterns()

    @server.before_request
    def only_public():
        path = request.path
        if not path.startswith(prefix):
            abort(404)
        rest = path[len(prefix):]
        if request.method not in ("GET", "HEAD"):
            if rest != "_dash-update-component":
                abort(404)
            return None
        if rest in DASH_ROUTES or rest.startswith(STATIC) or any(p.match(rest.strip("/")) for p in patterns):
            return None
        abort(404)

    @server.errorhandler(404)
    def not_found(_error):
        return NOT_FOUND.format(prefix=prefix), 404, {"Content-Type": "text/html; charset=utf-8"}


def callback_failed(error: Exception) -> None:
    """The public app's last line: a callback that raises anyway answers with no update (nothing
    changes on the page) rather than a 500, and the error is logged with its traceback."""
    log.error("callback failed: %s", request.get_data(as_text=True)[:500], exc_info=error)
