"""The territory profile in headless Chromium: the figures on screen are the query layer's, the
trend follows its control, the page prints as two A4 pages, and nothing is flagged."""
from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from tests.helpers import queries
from dashboard.views import profile_view
from tests.browser_checks import axe_violations, pdf_pages
from tests.helpers import drawn_with_breaks, pick

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def trend_lines(dash_duo) -> list[dict] | None:
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector('#territoire-trend-graph .js-plotly-plot');"
        "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
        "return gd._fullData.map(t => ({name: t.name, y: Array.from(t.y)}));")


def test_a_commune_profile_shows_its_figures_its_ali_and_prints_on_two_pages(dash_duo, app, foreign_requests):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/territoire/93072")
    # A cold cache computes secrecy over every period first (seconds on a loaded machine).
    dash_duo.wait_for_text_to_equal("#territoire-titre", "Stains", timeout=40)
    territory = queries.find_territory("93072")
    profile = profile_view.build(territory)
    rows = dash_duo.find_elements("#territoire-table tbody tr")
    shown = [r.find_elements("css selector", "th,td") for r in rows]
    indicators = [cells[0].text for cells in shown if len(cells) > 1]
    assert indicators == list(profile.table.table["Indicateur"])
    ali = dash_duo.find_element("#territoire-ali").text
    assert "Association Plaine Commune le PLIE" in ali and "Vitamine T" in ali and "date non publiée" in ali

    def drawn():
        lines = trend_lines(dash_duo)
        return lines and [line["name"] for line in lines] == ["Stains"]
    until(drawn, timeout=10)
    history = queries.history("93072")
    rsa = history[history["indicator"] == "rsa_foyers"]
    # a gap before each break of series (the CAF's annual file, then the monthly export)
    assert trend_lines(dash_duo)[0]["y"] == drawn_with_breaks(rsa, [None if isinstance(f, str) else float(v)
                                                                   for v, f in zip(rsa["value"], rsa["flag"])])[1]
    pick(dash_duo, "#territoire-trend-indicator", "Foyers au RSA pour 100 habitants")
    dash_duo.wait_for_contains_text("#territoire-trend-title", "Foyers au RSA pour 100 habitants", timeout=10)
    rate = history[history["indicator"] == "rsa_foyers_pour_100_hab"]
    until(lambda: [line["name"] for line in trend_lines(dash_duo)] == [
        "Stains", "Pierrefitte-sur-Seine – Stains (circonscription)", "Seine-Saint-Denis"], timeout=10)
    assert trend_lines(dash_duo)[0]["y"] == drawn_with_breaks(rate, [float(v) for v in rate["value"]])[1]
    dash_duo.wait_for_element("#territoire-locator .choroplethlayer path", timeout=10)
    pages, _pdf = pdf_pages(dash_duo, landscape=False, paper="A4")
    assert pages == 2
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


@pytest.mark.parametrize("code", ["ALI-2022-05", "QP093001", "NR-93008"])
def test_other_profiles_are_accessible(dash_duo, app, code):
    dash_duo.start_server(app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/territoire/{code}")
    dash_duo.wait_for_text_to_equal("#territoire-titre", queries.find_territory(code)["name"], timeout=40)
    dash_duo.wait_for_element("#territoire-trend-graph .js-plotly-plot", timeout=10)
    if code.startswith("NR-"):
        assert "Aucune Agence locale d'insertion" in dash_duo.find_element("#territoire-ali").text
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    if code.startswith("ALI-"):  # the longest table: every ALI, cohort and objective indicator
        assert pdf_pages(dash_duo, landscape=False, paper="A4")[0] == 3
    assert dash_duo.get_logs() == []
