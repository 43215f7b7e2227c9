"""The structures page in headless Chromium: the points drawn are the query layer's structures
at their commune's label point, the type filter and a click on a point work, the density bars
are the query layer's; no console error, no serious accessibility violation."""
from __future__ import annotations

import pytest
from dash.testing.wait import until
from selenium.webdriver.common.action_chains import ActionChains

from dashboard.app import create_app
from dashboard.formatting import fr_number
from tests.helpers import queries, start_signed_in
from tests.browser_checks import axe_violations
from tests.helpers import pick
from tests.test_structures_page import expected_points

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def points(dash_duo) -> dict | None:
    """What plotly holds for the points: position -> number written on it."""
    found = dash_duo.driver.execute_script(
        "const gd = document.querySelector('#structures-map-graph .js-plotly-plot');"
        "if (!gd || !gd._fullData || gd._fullData.length < 2) return null;"
        "const t = gd._fullData[1];"
        "return {lon: Array.from(t.lon), lat: Array.from(t.lat), text: Array.from(t.text)};")
    return None if found is None else {(x, y): n for x, y, n in zip(found["lon"], found["lat"], found["text"])}


def check_points(dash_duo, types=None):
    expected = {at: str(len(names)) for at, names in expected_points(types).items()}
    until(lambda: points(dash_duo) == expected, timeout=10)


def bars(dash_duo) -> dict | None:
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector('#structures-density-graph .js-plotly-plot');"
        "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
        "const t = gd._fullData[0]; const out = {};"
        "Array.from(t.y).forEach((n, i) => { out[n] = t.text[i]; }); return out;")


def test_filter_click_and_density(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/structures")
    dash_duo.wait_for_element("#structures-map-graph .scattergeo path.point", timeout=10)
    check_points(dash_duo)
    assert "pas de coordonnées" in dash_duo.find_element("#structures-map-source").text

    # Untick the associations: the points lose them.
    types = {o.get_attribute("value") for o in dash_duo.find_elements("#structures-types input")}
    dash_duo.find_element("#structures-types input[value='ASSO']").click()
    check_points(dash_duo, types - {"ASSO"})

    # A click on a point shows the cards of its structures.
    largest = max(dash_duo.find_elements("#structures-map-graph .scattergeo path.point"),
                  key=lambda p: p.size["width"])
    ActionChains(dash_duo.driver).move_to_element(largest).pause(0.3).click().perform()
    until(lambda: dash_duo.find_elements("#structures-cards .structure-card"), timeout=10)
    shown = dash_duo.find_element("#structures-cards").text
    everywhere = expected_points(types - {"ASSO"})
    at_point = next(names for names in everywhere.values() if all(n in shown for n in names))
    assert len(dash_duo.find_elements("#structures-cards .structure-card")) == len(at_point)

    # The select opens one structure's card.
    structure = queries.structures().sort_values("name").iloc[0]
    option = next(o.text for o in dash_duo.find_elements("#structures-pick option")
                  if o.get_attribute("value") == str(structure["id"]))
    pick(dash_duo, "#structures-pick", option)
    until(lambda: len(dash_duo.find_elements("#structures-cards .structure-card")) == 1, timeout=10)
    assert structure["name"] in dash_duo.find_element("#structures-cards").text

    # The density: circonscriptions, SIAE per 1 000 RSA households, the query layer's figures.
    pick(dash_duo, "#structures-level", "Circonscriptions / territoires ALI")
    pick(dash_duo, "#structures-indicator", "SIAE pour 1 000 foyers au RSA")
    dash_duo.wait_for_contains_text("#structures-density-title", "SIAE pour 1 000 foyers au RSA — circonscriptions",
                                    timeout=10)
    indicator = "structures_siae_pour_1000_foyers_rsa"
    period = queries.periods(indicator)[-1]
    values = queries.values(indicator, "circonscription", *period, queries.geography_of(indicator, *period))
    expected = {n: "s" if isinstance(f, str) else fr_number(v, 2)
                for n, v, f in zip(values["name"], values["value"], values["flag"])}
    until(lambda: bars(dash_duo) == expected, timeout=10)
    assert "Liste partielle" in dash_duo.find_element("#structures-density-source").text
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_page_is_accessible(dash_duo, app):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/structures")
    dash_duo.wait_for_element("#structures-map-graph .scattergeo path.point", timeout=10)
    dash_duo.wait_for_element("#structures-density-graph .bars path", timeout=10)
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    assert dash_duo.get_logs() == []
