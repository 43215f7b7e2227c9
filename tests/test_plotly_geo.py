"""The public app's partial plotly.js bundle (dashboard/plotly_geo.py): served where Dash's
Graph asks for plotly.js, gzipped, cacheable and revalidated by ETag; in the browser it draws
every public page (maps and line charts) with nothing else loaded, and the embed's whole first
visit stays under 700 kB."""
from __future__ import annotations

import dataclasses
import gzip
import re

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
    # The internal app keeps the full bundle.
    full = internal.get(f"/{PLOTLY_PATH}")
    assert full.status_code == 200 and len(full.get_data()) > 3 * len(BUNDLE.read_bytes())


TRACES = "return window.Plotly ? Object.keys(Plotly.PlotSchema.get().traces).sort() : null;"
SENT = ("return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".reduce((n, e) => n + e.transferSize, 0);")


@pytest.mark.browser
def test_the_embed_loads_the_geo_bundle_and_stays_light(dash_duo, public_app, foreign_requests):
    dash_duo.start_server(public_app)
    emulate(dash_duo, PHONE)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/embed/carte?indicateur=rsa_foyers&niveau=commune")
    dash_duo.wait_for_element("#embed-carte-map .choroplethlayer path", timeout=15)
    settled(dash_duo)
    assert dash_duo.driver.execute_script(TRACES) == ["choropleth", "scatter", "scattergeo"]
    # A fresh browser: everything the first visit took, as sent (gzip), the plotly.js apart.
    assert dash_duo.driver.execute_script(SENT) <= 700_000
    plotly = dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource').filter(e => e.name.includes(arguments[0]))"
        ".map(e => e.transferSize);", PLOTLY_PATH)
    assert len(plotly) == 1 and 0 < plotly[0] < 500_000
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
