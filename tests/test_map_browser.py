"""The map, the elected officials' view and the profile they lead to, driven in headless Chromium:
the values drawn are the query layer's, the state is in the URL, a click opens a profile."""
from __future__ import annotations

import datetime as dt

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from dashboard.figures.maps import SECRET_Z, class_breaks, class_of
from dashboard.formatting import fr_value
from tests.helpers import queries
from tests.helpers import pick

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def drawn(dash_duo) -> dict:
    """What plotly holds for the map: locations, z (class numbers) and hover texts."""
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector('#carte-map .js-plotly-plot');"
        "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
        "const t = gd._fullData[0];"
        "return {locations: Array.from(t.locations), z: Array.from(t.z), text: t.customdata.map(c => c[0]),"
        "        title: gd._fullLayout.title.text};")


def expected(indicator: str, level: str, period: tuple) -> tuple[dict, dict]:
    """Class number and hover text per territory, from the query layer."""
    geography = queries.geography_of(indicator, *period)
    frame = queries.values(indicator, level, *period, geography)
    unit = queries.indicators().set_index("code").loc[indicator, "unit"]
    published = frame[frame["flag"].isna()]
    breaks = class_breaks(published["value"].tolist())
    classes = {c: (SECRET_Z if isinstance(f, str) else class_of(v, breaks))
               for c, v, f in zip(frame["code"], frame["value"], frame["flag"])}
    texts = {c: ("s (secret statistique)" if isinstance(f, str) else fr_value(v, unit, 0))
             for c, v, f in zip(frame["code"], frame["value"], frame["flag"])}
    return classes, texts


def check_map(dash_duo, indicator, level, period):
    classes, texts = expected(indicator, level, period)

    def matches():
        shown = drawn(dash_duo)
        return shown and dict(zip(shown["locations"], shown["text"])) == texts
    until(matches, timeout=10)
    shown = drawn(dash_duo)
    assert dict(zip(shown["locations"], shown["z"])) == classes


def test_indicator_level_and_period_change_the_values(dash_duo, app, foreign_requests):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte")
    dash_duo.wait_for_element("#carte-map .choroplethlayer path", timeout=10)
    pick(dash_duo, "#carte-indicator", "Foyers allocataires du RSA")
    october = ("month", dt.date(2026, 10, 1))
    dash_duo.wait_for_contains_text("#carte-period-label", "octobre 2026", timeout=10)
    check_map(dash_duo, "rsa_foyers", "commune", october)
    pick(dash_duo, "#carte-level", "Circonscriptions / territoires ALI")
    check_map(dash_duo, "rsa_foyers", "circonscription", october)
    # One step back on the slider: September, and its own values.
    dash_duo.find_element("#carte-period .rc-slider-handle, #carte-period [role=slider]").send_keys(Keys.ARROW_LEFT)
    dash_duo.wait_for_contains_text("#carte-period-label", "septembre 2026", timeout=10)
    check_map(dash_duo, "rsa_foyers", "circonscription", ("month", dt.date(2026, 9, 1)))
    assert "periode=2026-09" in dash_duo.driver.current_url
    # The table shows the same values, the département as reference, and "s" never as a number.
    table = dash_duo.find_element("#carte-table").text
    assert "Seine-Saint-Denis (référence)" in table
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_a_shared_link_reopens_the_same_map(dash_duo, app, foreign_requests):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte?indicateur=rsa_foyers&niveau=circonscription&periode=2025-06")
    dash_duo.wait_for_contains_text("#carte-period-label", "juin 2025", timeout=10)
    assert dash_duo.find_element("#carte-indicator").get_attribute("value") == "rsa_foyers"
    assert dash_duo.find_element("#carte-level").get_attribute("value") == "circonscription"
    check_map(dash_duo, "rsa_foyers", "circonscription", ("month", dt.date(2025, 6, 1)))
    until(lambda: "periode=2025-06" in dash_duo.driver.current_url, timeout=5)
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_play_runs_through_the_periods(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte?indicateur=rsa_foyers&niveau=commune&periode=2026-07")
    dash_duo.wait_for_contains_text("#carte-period-label", "juillet 2026", timeout=10)
    dash_duo.find_element("#carte-play").click()
    dash_duo.wait_for_contains_text("#carte-period-label", "août 2026", timeout=10)
    dash_duo.wait_for_contains_text("#carte-period-label", "octobre 2026", timeout=15)
    dash_duo.wait_for_contains_text("#carte-play", "Lecture", timeout=5)  # stopped at the last period
    assert dash_duo.get_logs() == []


def test_a_click_on_a_commune_opens_its_profile(dash_duo, app, foreign_requests):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte?indicateur=rsa_foyers&niveau=commune&periode=2026-10")
    dash_duo.wait_for_contains_text("#carte-period-label", "octobre 2026", timeout=10)
    check_map(dash_duo, "rsa_foyers", "commune", ("month", dt.date(2026, 10, 1)))
    paths = dash_duo.find_elements("#carte-map .choroplethlayer path")
    # Plotly's geo maps take clicks on a layer above the shapes: move the mouse there and click.
    largest = max(paths, key=lambda p: p.size["width"] * p.size["height"])
    ActionChains(dash_duo.driver).move_to_element(largest).pause(0.3).click().perform()
    until(lambda: "/territoire/" in dash_duo.driver.current_url, timeout=10)
    code = dash_duo.driver.current_url.rsplit("/", 1)[1]
    territory = queries.find_territory(code)
    assert territory and territory["level"] == "commune"
    dash_duo.wait_for_text_to_equal("#territoire-titre", territory["name"], timeout=10)
    assert "Foyers allocataires du RSA" in dash_duo.find_element("#territoire-table").text
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_elected_officials_view(dash_duo, app, foreign_requests):
    from dashboard.views import headline_view

    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/elus")
    dash_duo.wait_for_element("#elus-map .choroplethlayer path", timeout=10)
    dash_duo.wait_for_contains_text("#elus-subtitle", "Seine-Saint-Denis — octobre 2026", timeout=10)
    pick(dash_duo, "#elus-territory", "— Romainville – Noisy-le-Sec")
    dash_duo.wait_for_contains_text("#elus-subtitle", "Romainville – Noisy-le-Sec", timeout=10)
    territory = queries.find_territory(next(o["value"] for o in headline_view.territory_options()
                                            if "Romainville – Noisy-le-Sec" in o["label"]))
    october = ("month", dt.date(2026, 10, 1))
    # the headlines, then the people followed against the places of the ALI's agreement
    expected_cards = [*headline_view.headlines(territory, october), headline_view.objective(territory, october)]
    values = [e.text for e in dash_duo.find_elements("#elus-headlines .elus-value")]
    # Selenium reads a no-break space as a plain space.
    assert values == [h.value.replace("\xa0", " ") for h in expected_cards] and 4 <= len(values) <= 6
    changes = [e.text for e in dash_duo.find_elements("#elus-headlines .elus-change")]
    assert "places visées en 2026 (convention de l'ALI)" in changes[-1] and "de l'objectif" in changes[-1]
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


@pytest.mark.parametrize("path, ready", [
    ("/carte", "#carte-map .choroplethlayer path"),
    ("/elus", "#elus-map .choroplethlayer path"),
    ("/territoire/93066", "#territoire-table"),
])
def test_no_serious_accessibility_violation(dash_duo, app, path, ready):
    from tests.browser_checks import axe_violations

    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element(ready, timeout=10)
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    assert dash_duo.get_logs() == []


def test_the_elected_officials_view_prints_on_one_a4_landscape_page(dash_duo, app):
    from tests.browser_checks import pdf_pages

    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/elus")
    dash_duo.wait_for_element("#elus-map .choroplethlayer path", timeout=10)
    dash_duo.wait_for_element("#elus-headlines .elus-value", timeout=10)
    pages, pdf = pdf_pages(dash_duo, landscape=True, paper="A4")
    assert pdf.startswith(b"%PDF") and pages == 1


def callback_requests(dash_duo) -> int:
    """How many callback requests the page has sent to the server so far."""
    return dash_duo.driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component')).length;")


def test_periods_change_in_the_browser_and_an_indicator_is_one_request(dash_duo, app):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte?indicateur=rsa_foyers&niveau=commune&periode=2026-10")
    dash_duo.wait_for_contains_text("#carte-period-label", "octobre 2026", timeout=10)
    check_map(dash_duo, "rsa_foyers", "commune", ("month", dt.date(2026, 10, 1)))
    dash_duo.driver.execute_script("performance.setResourceTimingBufferSize(10000);")
    before = callback_requests(dash_duo)
    handle = dash_duo.find_element("#carte-period .rc-slider-handle, #carte-period [role=slider]")
    for _ in range(3):
        handle.send_keys(Keys.ARROW_LEFT)
    dash_duo.wait_for_contains_text("#carte-period-label", "juillet 2026", timeout=10)
    check_map(dash_duo, "rsa_foyers", "commune", ("month", dt.date(2026, 7, 1)))
    until(lambda: "juillet 2026" in dash_duo.find_element("#carte-table caption").text, timeout=5)
    assert "periode=2026-07" in dash_duo.driver.current_url
    assert callback_requests(dash_duo) == before  # the slider, the map and the table: no request
    pick(dash_duo, "#carte-indicator", "Foyers au RSA pour 100 habitants")
    dash_duo.wait_for_contains_text("#carte-map", "pour 100 habitants", timeout=10)
    until(lambda: callback_requests(dash_duo) > before, timeout=5)
    assert callback_requests(dash_duo) == before + 1  # the series of the new indicator, at once
    assert dash_duo.get_logs() == []
