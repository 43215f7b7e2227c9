"""Browser caching of the app's own files (both apps).

Dash names the assets in its page with their modification time (`/assets/…?m=<mtime>`): such a
URL changes whenever the file does, so its answer may be kept a year without asking again.
Without this, a repeat visit of the embed downloaded the Bootstrap CSS again (34 kB gzip).
The base-map file that plotly's geo maps fetch (assets/topojson) is named without a version:
kept a week, then revalidated."""
from __future__ import annotations

from flask import Flask, Response, request

FINGERPRINTED = "public, max-age=31536000, immutable"
TOPOJSON = "public, max-age=604800"


def install(server: Flask, prefix: str) -> None:
    assets = f"{prefix}assets/"

    @server.after_request
    def cache_assets(response: Response) -> Response:
        if request.method not in ("GET", "HEAD") or response.status_code != 200 or not request.path.startswith(assets):
            return response
        if request.path.startswith(f"{assets}topojson/"):
            response.headers["Cache-Control"] = TOPOJSON
        elif "m" in request.args:
            response.headers["Cache-Control"] = FINGERPRINTED
        return response
