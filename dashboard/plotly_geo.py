"""The public app's plotly.js: the geo partial bundle (vendor/plotly-geo, 464 kB gzip) instead
of the full one (1.47 MB gzip), at the address where Dash's Graph asks for plotly.js.

The public pages draw only choropleth maps and line charts (scatter): the npm package
`plotly.js-geo-dist-min` of the same plotly.js version holds exactly those. A Graph loads
plotly.js the first time one is drawn, from `_dash-component-suites/plotly/package_data/
plotly.min.js` when the app serves its scripts itself; the public server answers that path with
the partial bundle, so a page without a graph still loads no plotly.js at all. The internal app
keeps the full bundle (bars, stacked areas…).

The answer is compressed once at start-up (brotli where the browser takes it — browsers offer
it over HTTPS only — else gzip), carries an ETag (a revalidation answers 304) and may be cached
a week: the address carries no version, so the ETag is what tells a new bundle."""
from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import brotli
from flask import Flask, Response, request

BUNDLE = Path(__file__).parent / "vendor" / "plotly-geo" / "plotly-geo.min.js"
PLOTLY_PATH = "_dash-component-suites/plotly/package_data/plotly.min.js"
CACHE = "public, max-age=604800"


def install(server: Flask, prefix: str) -> None:
    raw = BUNDLE.read_bytes()
    packed = {"br": brotli.compress(raw, quality=11), "gzip": gzip.compress(raw, compresslevel=9, mtime=0)}
    etag = hashlib.sha256(raw).hexdigest()[:32]
    path = f"{prefix}{PLOTLY_PATH}"

    @server.before_request
    def geo_bundle():
        if request.path != path or request.method not in ("GET", "HEAD"):
            return None
        headers = {"Cache-Control": CACHE, "ETag": f'"{etag}"', "Vary": "Accept-Encoding"}
        if etag in request.if_none_match:
            return Response(status=304, headers=headers)
        for encoding, body in packed.items():
            if encoding in request.accept_encodings:
                return Response(body, mimetype="text/javascript", headers={**headers, "Content-Encoding": encoding})
        return Response(raw, mimetype="text/javascript", headers=headers)
