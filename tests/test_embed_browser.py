"""The embed, framed for real in headless Chromium by pages of other origins: a partner's site
that the public app allows renders it; another site, and any site framing the internal app,
gets the browser's refusal (frame-ancestors) and nothing of the app."""
from __future__ import annotations

import dataclasses
import html
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from dash.testing.wait import until
from werkzeug.serving import make_server

from dashboard.app import create_app

pytestmark = pytest.mark.browser


class _HostPage(BaseHTTPRequestHandler):
    """A partner's page: the documented <iframe> snippet around the URL given as `?src=`
    (`&width=320`: a frame of that many pixels, as a partner's phone layout gives)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        query = parse_qs(urlsplit(self.path).query)
        src = query.get("src", [""])[0]
        width = query.get("width", ["100%"])[0]
        page = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Partenaire</title></head>'
                f'<body><h1>Centre de ressources</h1><iframe id="embed" src="{html.escape(src)}" '
                f'title="Carte de l\'observatoire de l\'insertion" width="{html.escape(width)}" height="620" '
                f'style="border:0" loading="lazy" sandbox="allow-scripts allow-same-origin allow-popups '
                f'allow-popups-to-escape-sandbox"></iframe></body></html>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *_args):
        pass


def _serve(server) -> str:
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def partners():
    """Two partner sites on their own origins: (allowed, refused)."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _HostPage) for _ in range(2)]
    yield tuple(_serve(s) for s in servers)
    for server in servers:
        server.shutdown()


@pytest.fixture
def public_app(sqlite_reference_settings, partners):
    allowed, _refused = partners
    return create_app(dataclasses.replace(sqlite_reference_settings, public=True, frame_ancestors=(allowed,)))


def framed(dash_duo, host: str, src: str, width: str = "100%"):
    """Open the host page framing `src`, wait for the frame to be loaded (or refused), enter it."""
    dash_duo.driver.get(f"{host}/?src={quote(src, safe='')}&width={quote(width)}")
    until(lambda: dash_duo.driver.execute_script("return document.readyState") == "complete", timeout=10)
    dash_duo.driver.switch_to.frame("embed")


def app_inside(dash_duo) -> bool:
    return bool(dash_duo.driver.find_elements("css selector", "#react-entry-point"))


def test_an_allowed_partner_frames_the_embed(dash_duo, public_app, partners, foreign_requests):
    allowed, _ = partners
    dash_duo.start_server(public_app)
    framed(dash_duo, allowed, f"{dash_duo.server_url}/embed/carte?indicateur=rsa_foyers&niveau=commune"
                              "&periode=2026-09&hauteur=380")
    dash_duo.wait_for_element("#embed-carte-map .choroplethlayer path", timeout=15)
    assert len(dash_duo.find_elements("#embed-carte-map .choroplethlayer path")) >= 39
    dash_duo.wait_for_contains_text("#embed-carte-map .gtitle", "septembre 2026", timeout=10)
    # No navigation chrome, the map at the asked height, a link that opens the observatory.
    assert not any(e.is_displayed() for e in dash_duo.find_elements("nav.navbar"))
    assert dash_duo.find_element("#embed-carte-map").size["height"] == 380
    # The documented snippet gives the iframe `hauteur` + 200 px: the menu, the source, the link.
    bottom = dash_duo.driver.execute_script("return document.querySelector('.embed-footer').getBoundingClientRect().bottom")
    assert bottom <= 380 + 200
    link = dash_duo.find_element("#embed-carte-link")
    assert link.get_attribute("target") == "_blank" and "noopener" in link.get_attribute("rel")
    until(lambda: "carte?indicateur=rsa_foyers&niveau=commune&periode=2026-09" in link.get_attribute("href"),
          timeout=5)
    dash_duo.driver.switch_to.default_content()
    assert dash_duo.get_logs() == []  # no CSP violation either: Dash and plotly.js run under the policy
    assert foreign_requests() == []


def test_the_territory_embed_renders_in_a_partner_page(dash_duo, public_app, partners):
    allowed, _ = partners
    dash_duo.start_server(public_app)
    framed(dash_duo, allowed, f"{dash_duo.server_url}/embed/territoire/93066?periode=2026-10")
    dash_duo.wait_for_contains_text("#embed-territoire-titre", "octobre 2026", timeout=15)
    assert len(dash_duo.find_elements("#embed-territoire-chiffres .embed-value")) >= 3
    dash_duo.driver.switch_to.default_content()
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("path, ready", [
    ("/embed/carte?indicateur=rsa_foyers&niveau=commune&hauteur=380", "#embed-carte-legend li"),
    ("/embed/territoire/93066", "#embed-territoire-chiffres .embed-value"),
])
def test_the_embeds_fit_a_frame_320_pixels_wide(dash_duo, public_app, partners, path, ready):
    from tests.phone import emulate, scroll_width, shapes_span

    allowed, _ = partners
    dash_duo.start_server(public_app)
    emulate(dash_duo, (360, 740))  # a partner's page on a phone, the frame narrower still
    framed(dash_duo, allowed, f"{dash_duo.server_url}{path}", width="320")
    dash_duo.wait_for_element(ready, timeout=15)
    assert dash_duo.driver.execute_script("return window.innerWidth;") == 320
    assert scroll_width(dash_duo) <= 320
    if "carte" in path:
        dash_duo.wait_for_element("#embed-carte-map .choroplethlayer path", timeout=10)
        assert shapes_span(dash_duo, "#embed-carte-map") >= 0.85 * 320
    dash_duo.driver.switch_to.default_content()
    assert dash_duo.get_logs() == []


def test_another_site_cannot_frame_the_embed(dash_duo, public_app, partners):
    _, refused = partners
    dash_duo.start_server(public_app)
    framed(dash_duo, refused, f"{dash_duo.server_url}/embed/carte")
    assert not app_inside(dash_duo)
    dash_duo.driver.switch_to.default_content()
    assert any("frame-ancestors" in entry["message"] for entry in dash_duo.get_logs())


def test_the_internal_app_cannot_be_framed_at_all(dash_duo, sqlite_reference_settings, partners):
    allowed, _ = partners
    internal = create_app(sqlite_reference_settings)
    server = make_server("127.0.0.1", 0, internal.server, threaded=True)
    url = _serve(server)
    try:
        dash_duo.driver.get(f"{url}/carte")  # opened directly, it works
        dash_duo.wait_for_element("#carte-map .choroplethlayer path", timeout=15)
        framed(dash_duo, allowed, f"{url}/carte")
        assert not app_inside(dash_duo)
        dash_duo.driver.switch_to.default_content()
        assert any("frame-ancestors" in entry["message"] for entry in dash_duo.get_logs())
    finally:
        server.shutdown()
