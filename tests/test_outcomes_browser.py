"""The outcomes page in headless Chromium: the controls change what is drawn, the bars and lines
are the query layer's figures (a secret part is not drawn), the state is in the URL, the
console stays clean and axe-core finds nothing serious."""
from __future__ import annotations

import datetime as dt

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from tests.helpers import queries, start_signed_in
from dashboard.indicators.registry import COHORT_STATUSES, EXITS
from tests.browser_checks import axe_violations
from tests.helpers import pick

pytestmark = pytest.mark.browser

ALI, ALI_NAME = "ALI-2022-03", "La Courneuve"


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def drawn(dash_duo, prefix: str) -> list[dict] | None:
    """What plotly holds for a panel's graph: per trace its name, x and y."""
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "if (!gd || !gd._fullData || !gd._fullData.length) return null;"
        "return gd._fullData.map(t => ({name: t.name, x: Array.from(t.x || []).map(String),"
        "                               y: Array.from(t.y || []).map(v => v === null ? null : String(v))}));",
        f"#{prefix}-graph")


def number(text):
    return None if text in (None, "null", "undefined", "NaN") else float(text)


def by_code(indicator, level, period, code):
    """(value, secret) of one cell of the query layer."""
    frame = queries.values(indicator, level, *period, queries.geography_of(indicator, *period))
    row = frame[frame["code"] == code].iloc[0]
    return row["value"], isinstance(row["flag"], str)


def test_controls_drive_the_charts_and_they_draw_the_query_layers_figures(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/resultats")
    dash_duo.wait_for_contains_text("#resultats-exits-title", "octobre 2026", timeout=15)

    # Exits per ALI for the month picked: one horizontal trace per exit type, no bar for "s".
    pick(dash_duo, "#resultats-month", "septembre 2026")
    dash_duo.wait_for_contains_text("#resultats-exits-title", "septembre 2026", timeout=10)
    september = ("month", dt.date(2026, 9, 1))
    names = dict(zip(*(queries.territories(queries.geography_of(EXITS[0], *september), "circonscription")[c]
                       for c in ("name", "code"))))

    def exits_match():
        traces = drawn(dash_duo, "resultats-exits")
        if not traces or len(traces) != len(EXITS):
            return False
        for trace, indicator in zip(traces, EXITS):
            for name, x in zip(trace["y"], trace["x"]):
                value, secret = by_code(indicator, "circonscription", september, names[name])
                if (number(x) is None) != secret or (not secret and number(x) != pytest.approx(value)):
                    return False
        return True
    until(exits_match, timeout=10)
    # The table (folded away) writes the secret parts "s".
    assert "s" in [c.get_attribute("textContent") for c in dash_duo.find_elements("#resultats-exits-table td")]

    # An ALI territory: its monthly exits, its rates and its flows are redrawn.
    pick(dash_duo, "#resultats-territory", f"— {ALI_NAME}")
    for prefix in ("resultats-exits-time", "resultats-rates", "resultats-flows", "resultats-cohorts"):
        dash_duo.wait_for_contains_text(f"#{prefix}-title", ALI_NAME, timeout=30)
    history = queries.history(ALI)

    def series(indicator):
        rows = history[(history["indicator"] == indicator) & (history["period_type"] == "month")]
        return {f"{s:%Y-%m}": (None if isinstance(f, str) or v != v else v)
                for s, v, f in zip(rows["period_start"], rows["value"], rows["flag"])}

    def time_match(prefix, indicators):
        traces = drawn(dash_duo, prefix)
        if not traces or len(traces) != len(indicators):
            return False
        for trace, indicator in zip(traces, indicators):
            shown = {x[:7]: number(y) for x, y in zip(trace["x"], trace["y"])}
            expected = series(indicator)
            if shown.keys() != expected.keys() or any(
                    (shown[m] is None) != (expected[m] is None) or
                    (expected[m] is not None and shown[m] != pytest.approx(expected[m])) for m in expected):
                return False
        return True
    until(lambda: time_match("resultats-exits-time", EXITS), timeout=10)
    until(lambda: time_match("resultats-rates", ["ali_part_sorties_emploi_durable", "ali_taux_sortie"]), timeout=10)
    until(lambda: time_match("resultats-flows", ["ali_file_active", "ali_entrees", "ali_sorties"]), timeout=10)
    assert any(v is None for v in series("ali_sorties_emploi_durable").values())  # a secret month is a gap

    # A recent entry quarter: the 6-month situation is drawn, the 12-month one is not yet known.
    pick(dash_duo, "#resultats-quarter", "1er trimestre 2026")
    dash_duo.wait_for_contains_text("#resultats-cohorts-title", "pas encore connue", timeout=10)
    quarter = ("quarter", dt.date(2026, 1, 1))
    entries, _ = by_code("cohorte_entrees", "circonscription", quarter, ALI)

    def cohort_match():
        traces = drawn(dash_duo, "resultats-cohorts")
        if not traces or len(traces) != len(COHORT_STATUSES):
            return False
        for trace, status in zip(traces, COHORT_STATUSES):
            bars = dict(zip(trace["y"], map(number, trace["x"])))
            value, secret = by_code(f"cohorte_6m_{status}", "circonscription", quarter, ALI)
            expected = None if secret else value / entries * 100
            if bars.get("À 12 mois") is not None or (bars["À 6 mois"] is None) != (expected is None) or (
                    expected is not None and bars["À 6 mois"] != pytest.approx(expected)):
                return False
        return True
    until(cohort_match, timeout=10)
    assert "31 mars 2027" in dash_duo.find_element("#resultats-cohorts-graph").text

    until(lambda: "territoire=ALI-2022-03" in dash_duo.driver.current_url, timeout=5)
    assert "mois=2026-09" in dash_duo.driver.current_url and "trimestre=2026-T1" in dash_duo.driver.current_url
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
    assert axe_violations(dash_duo) == []
    assert foreign_requests() == []


def test_the_url_state_is_restored(dash_duo, app):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/resultats?territoire={ALI}&mois=2025-06&trimestre=2024-T2")
    dash_duo.wait_for_contains_text("#resultats-exits-title", "juin 2025", timeout=15)
    dash_duo.wait_for_contains_text("#resultats-cohorts-title", f"2e trimestre 2024 — {ALI_NAME}", timeout=15)
    assert "pas encore connue" not in dash_duo.find_element("#resultats-cohorts-title").text
    assert [e for e in dash_duo.get_logs() if e.get("level") == "SEVERE"] == []
