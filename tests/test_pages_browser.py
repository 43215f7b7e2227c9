"""Every page in headless Chromium: it renders, logs no console error, and asks no other host."""
from __future__ import annotations

import dash
import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from tests.helpers import pick, start_signed_in

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def open_page(dash_duo, path: str, ready: str):
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element(ready, timeout=10)


def test_every_page_opens_cleanly(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    pages = sorted((p for p in dash.page_registry.values() if p.get("nav", True)), key=lambda p: p["order"])
    assert [p["path"] for p in pages] == ["/", "/carte", "/elus", "/comparer", "/evolutions", "/ali", "/structures",
                                         "/resultats", "/donnees", "/transmissions", "/imports"]
    for page in pages:
        open_page(dash_duo, page["path"], "h1")
        dash_duo.wait_for_element("#_pages_content h1")
        nav = [a.text for a in dash_duo.find_elements("nav .nav-link")]
        assert nav == [p["name"] for p in pages]
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_home_page_is_a_front_door(dash_duo, app, foreign_requests):
    """The département's headline figures first (as /elus shows them), a map, the dates, then
    one entry per audience; the catalogue is a page of its own."""
    from dashboard.views import headline_view

    start_signed_in(dash_duo, app)
    open_page(dash_duo, "/", "#accueil-chiffres .elus-value")
    dash_duo.wait_for_element("#accueil-map .choroplethlayer path", timeout=10)
    expected = headline_view.headlines(headline_view.known_territory(None), headline_view.known_month(None))
    values = [e.text for e in dash_duo.find_elements("#accueil-chiffres .elus-value")]
    assert values == [h.value.replace("\xa0", " ") for h in expected] and len(values) >= 3
    changes = dash_duo.find_element("#accueil-chiffres").text
    assert "en un an" in changes and "données de démonstration" in changes
    assert "Seine-Saint-Denis — octobre 2026" in dash_duo.find_element("#_pages_content h2").text
    assert "Chiffres les plus récents : octobre 2026 — dernier import le" in dash_duo.find_element("#accueil-dates").text
    doors = {a.text: a.get_attribute("pathname") for a in dash_duo.find_elements("#accueil-entrees a")}
    assert doors == {"Voir l'essentiel": "/elus", "Ouvrir le pilotage": "/comparer", "Voir les données": "/donnees"}
    assert not dash_duo.find_elements("#donnees-sources-table")
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_data_page_lists_the_real_sources(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    open_page(dash_duo, "/donnees", "#donnees-sources-table")
    table = dash_duo.find_element("#donnees-sources-table").text
    for expected in ("ali_93_laureats_2022.csv", "populations légales", "INSEE / CNAF",
                     "Licence Ouverte / Etalab 2.0", "data·inclusion", "Sous-estimation"):
        assert expected in table
    assert "couche des QPV apparaîtra" in dash_duo.find_element("#donnees-qpv").text
    assert "données de démonstration" in dash_duo.find_element("#donnees-demo").text
    indicators = dash_duo.find_element("#donnees-indicateurs").text
    assert "Population municipale" in indicators and "2020 – 2023" in indicators
    assert "décembre 2016 – décembre 2020" in indicators
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def map_locations(dash_duo) -> int:
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector('#carte-map .js-plotly-plot');"
        "return gd && gd._fullData && gd._fullData.length ? Array.from(gd._fullData[0].locations).length : -1;")


def test_map_redraws_for_level_and_indicator(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    open_page(dash_duo, "/carte", "#carte-map .choroplethlayer path")
    assert map_locations(dash_duo) == 39  # population 2023 is published on the 2025 communes
    pick(dash_duo, "#carte-level", "Circonscriptions / territoires ALI")
    until(lambda: map_locations(dash_duo) == 28, timeout=10)
    pick(dash_duo, "#carte-indicator", "Foyers allocataires du RSA")
    dash_duo.wait_for_contains_text("#carte-map .gtitle", "Foyers allocataires du RSA — octobre 2026", timeout=10)
    assert map_locations(dash_duo) == 28
    source = dash_duo.find_element("#carte-source").text
    # The latest month is demo data, and says so.
    assert "données de démonstration" in source and "Chiffres générés" in source
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_proxy_sees_a_request_to_another_host(dash_duo, foreign_requests):
    """The check above can fail: a page that loads an image from another host is caught."""
    probe = dash.Dash(__name__, pages_folder="")
    probe.layout = dash.html.Div([dash.html.H1("sonde"), dash.html.Img(src="http://example.org/sonde.png")])
    dash_duo.start_server(probe)
    dash_duo.wait_for_element("h1")
    until(lambda: foreign_requests() != [], timeout=5)
    assert foreign_requests() == ["GET http://example.org/sonde.png HTTP/1.1"]
