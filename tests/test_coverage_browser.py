"""The ALI coverage page in headless Chromium: the map, the bars, the cards and the table show
the query layer's figures for the month chosen; the uncovered territories stand out; the month
is in the URL; no console error, no serious accessibility violation."""
from __future__ import annotations

import datetime as dt

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from dashboard.figures.coverage import UNCOVERED_LABEL
from dashboard.formatting import fr_value
from tests.helpers import queries, start_signed_in
from tests.browser_checks import axe_violations
from tests.helpers import pick

pytestmark = pytest.mark.browser


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def drawn(dash_duo, graph: str) -> list[dict] | None:
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
        "return gd._fullData.map(t => ({locations: t.locations ? Array.from(t.locations) : null,"
        "  z: t.z ? Array.from(t.z) : null, y: t.y ? Array.from(t.y) : null,"
        "  text: t.customdata ? Array.from(t.customdata).map(c => Array.isArray(c) ? c[0] : c) : null,"
        "  ticks: t.colorbar ? Array.from(t.colorbar.ticktext) : null}));", graph)


def expected(period) -> tuple[dict, set]:
    """Hover text per covered territory (from the query layer) and the uncovered codes."""
    geography = queries.geography_of("ali_file_active", *period)
    rates = queries.values("ali_taux_couverture", "circonscription", *period, geography)
    served = set(queries.alis()["circonscription_code"])
    texts = {c: "s (secret statistique)" if isinstance(f, str) else fr_value(v, "%", 1)
             for c, v, f in zip(rates["code"], rates["value"], rates["flag"])}
    for code in served - set(texts):
        texts[code] = "non disponible"
    uncovered = set(queries.territories(geography, "circonscription")["code"]) - served
    return texts, uncovered


def check_map(dash_duo, period):
    texts, uncovered = expected(period)

    def matches():
        trace = (drawn(dash_duo, "#ali-map-graph") or [{}])[0]
        shown = dict(zip(trace.get("locations") or [], trace.get("text") or []))
        return shown == {**texts, **{c: UNCOVERED_LABEL for c in uncovered}}
    until(matches, timeout=10)
    trace = drawn(dash_duo, "#ali-map-graph")[0]
    z = dict(zip(trace["locations"], trace["z"]))
    # The uncovered territories are a class of their own, below every other, named in the legend.
    assert {z[c] for c in uncovered} == {min(trace["z"])} and min(z[c] for c in texts) > min(trace["z"])
    assert trace["ticks"][0] == UNCOVERED_LABEL


def test_month_map_bars_cards_and_table(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/ali")
    dash_duo.wait_for_element("#ali-map-graph .choroplethlayer path", timeout=10)
    latest = queries.periods("ali_file_active")[-1]
    check_map(dash_duo, latest)
    texts, uncovered = expected(latest)
    # The bars: every covered territory, the same rates.
    names = dict(zip(queries.alis()["circonscription_code"], queries.alis()["name"]))
    until(lambda: drawn(dash_duo, "#ali-table-graph"), timeout=10)
    bars = drawn(dash_duo, "#ali-table-graph")[0]
    assert sorted(bars["y"]) == sorted(names.values())
    assert dash_duo.find_elements(".ali-card") and len(dash_duo.find_elements(".ali-card")) == len(names)
    # each card its objectives of the year, against what was done
    objectives = dash_duo.find_elements(".ali-objectives")
    assert len(objectives) == len(names) and all("(objectif " in o.text and "Remplissage" in o.text
                                                  for o in objectives)
    assert dash_duo.find_elements("#ali-filling-graph .heatmaplayer")
    links = dash_duo.find_elements(".ali-uncovered a")
    assert len(links) == len(uncovered)
    assert {a.get_attribute("href").rsplit("/", 1)[1] for a in links} == uncovered

    pick(dash_duo, "#ali-month", "janvier 2023")
    first = ("month", dt.date(2023, 1, 1))
    dash_duo.wait_for_contains_text("#ali-map-title", "janvier 2023", timeout=10)
    check_map(dash_duo, first)
    until(lambda: "mois=2023-01" in dash_duo.driver.current_url, timeout=5)
    # Start dates are not published: the cards say so, and give the first month in the store.
    cards = dash_duo.find_element("#ali-cards").text
    assert "non publiée" in cards and "janvier 2023" in cards and "Objectifs 2023" in cards
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_a_shared_link_reopens_the_month_and_the_page_is_accessible(dash_duo, app):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/ali?mois=2025-06")
    dash_duo.wait_for_element("#ali-map-graph .choroplethlayer path", timeout=10)
    dash_duo.wait_for_contains_text("#ali-map-title", "juin 2025", timeout=10)
    assert dash_duo.find_element("#ali-month").get_attribute("value") == "2025-06"
    check_map(dash_duo, ("month", dt.date(2025, 6, 1)))
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    assert dash_duo.get_logs() == []
