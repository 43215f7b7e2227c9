"""The public app's partial plotly.js bundle (dashboard/plotly_geo.py): served where Dash's
Graph asks for plotly.js, compressed, cacheable and revalidated by ETag; in the browser it draws
every public page (maps and line charts). The embed's first visit weighs half what it did, and
a repeat visit takes only the page's own data (dashboard/static_cache.py)."""
from __future__ import annotations

import dataclasses
import gzip
import re

import brotli
import pytest
from plotly.offline import get_plotlyjs_version

from dashboard.app import create_app
from dashboard.plotly_geo import BUNDLE, PLOTLY_PATH
from tests.phone import PHONE, emulate, settled


@pytest.fixture
def public_app(sqlite_reference_settings):
    return create_app(dataclasses.replace(sqlite_reference_settings, public=True))


def test_the_bundle_is_plotly_py_s_own_version_with_its_licence():
    head = BUNDLE.read_text(encoding="utf-8")[:200]
    assert re.search(r"plotly\.js \(geo - minified\) v(\S+)", head).group(1) == get_plotlyjs_version()
    assert "MIT" in (BUNDLE.parent / "LICENSE").read_text(encoding="utf-8")


def test_the_public_app_serves_it_gzipped_with_an_etag(sqlite_reference_settings):
    internal = create_app(sqlite_reference_settings).server.test_client()
    public = create_app(dataclasses.replace(sqlite_reference_settings, public=True)).server.test_client()
    answer = public.get(f"/{PLOTLY_PATH}", headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"
    assert len(answer.data) < 500_000 and gzip.decompress(answer.data) == BUNDLE.read_bytes()
    assert "max-age=604800" in answer.headers["Cache-Control"]
    again = public.get(f"/{PLOTLY_PATH}", headers={"If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert public.get(f"/{PLOTLY_PATH}").data == BUNDLE.read_bytes()  # no gzip asked, none sent
    smaller = public.get(f"/{PLOTLY_PATH}", headers={"Accept-Encoding": "br, gzip"})
    assert smaller.headers["Content-Encoding"] == "br" and len(smaller.data) < len(answer.data)
    assert brotli.decompress(smaller.data) == BUNDLE.read_bytes()
    # The internal app keeps the full bundle.
    full = internal.get(f"/{PLOTLY_PATH}")
    assert full.status_code == 200 and len(full.get_data()) > 3 * len(BUNDLE.read_bytes())


def test_fingerprinted_assets_are_kept_a_year_and_the_base_map_a_week(sqlite_reference_settings):
    client = create_app(dataclasses.replace(sqlite_reference_settings, public=True)).server.test_client()
    assert client.get("/assets/site/observatoire.css?m=1").headers["Cache-Control"] == \
        "public, max-age=31536000, immutable"
    assert client.get("/assets/topojson/europe_110m.json").headers["Cache-Control"] == "public, max-age=604800"
    assert "immutable" not in client.get("/assets/site/observatoire.css").headers.get("Cache-Control", "")


TRACES = "return window.Plotly ? Object.keys(Plotly.PlotSchema.get().traces).sort() : null;"
SENT = ("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((n, e) => n + e.transferSize, 0);")
EMBED = "/embed/carte?indicateur=rsa_foyers&niveau=commune"


def visit(dash_duo, path: str) -> int:
    """Open `path` in a new document and wait for its map: the bytes it took, as sent."""
    dash_duo.driver.get("about:blank")
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element("#embed-carte-map .choroplethlayer path", timeout=15)
    settled(dash_duo)
    return dash_duo.driver.execute_script(SENT)


@pytest.mark.browser
def test_the_embed_loads_the_geo_bundle_and_stays_light(dash_duo, public_app, foreign_requests):
    dash_duo.start_server(public_app)
    emulate(dash_duo, PHONE)
    # A first visit: nothing in the browser's cache (dash_duo's browser has opened the app already).
    dash_duo.driver.execute_cdp_cmd("Network.enable", {})
    dash_duo.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    first = visit(dash_duo, EMBED)
    assert dash_duo.driver.execute_script(TRACES) == ["choropleth", "scatter", "scattergeo"]
    plotly = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0]))"
        ".map(e => e.transferSize);", PLOTLY_PATH)
    assert len(plotly) == 1 and 0 < plotly[0] < 500_000
    assert first < 1_000_000  # 1.9 MB with the full plotly.js
    # A repeat visit: the scripts, styles and base map come from the cache.
    dash_duo.driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    visit(dash_duo, EMBED)
    assert visit(dash_duo, EMBED) <= 40_000
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


@pytest.mark.browser
@pytest.mark.parametrize("path, ready", [
    ("/territoire/93066", "#territoire-trend-graph .scatterlayer .trace"),
    ("/elus", "#elus-map .choroplethlayer path"),
    ("/carte", "#carte-map .choroplethlayer path"),
])
def test_every_public_chart_draws_with_the_geo_bundle(dash_duo, public_app, path, ready):
    dash_duo.start_server(public_app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element(ready, timeout=15)
    settled(dash_duo)
    assert "bar" not in dash_duo.driver.execute_script(TRACES)
    assert dash_duo.get_logs() == []


def test_the_bundle_points_at_no_other_host():
    """The app runs offline: the vendored bundle's defaults name the app's own base maps, and no
    plotly host (the CDN of base maps, Chart Studio)."""
    text = BUNDLE.read_text(encoding="utf-8")
    assert "cdn.plot.ly" not in text and "cloud.plotly.com" not in text
    assert 'topojsonURL:{valType:"string",noBlank:!0,dflt:"assets/topojson/"}' in text
