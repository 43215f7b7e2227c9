"""The trends page driven in headless Chromium: indicator, territories and years redraw the series
and the changes over one year with the query layer's values, the ALI's first month of activity
is marked, the state is in the URL, the console is clean and axe-core finds nothing serious."""
from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from tests.helpers import queries, start_signed_in
from tests.browser_checks import axe_violations
from tests.helpers import drawn_with_breaks, pick

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    """One app for the module, its query cache warmed once with the series the tests read (the
    page and the test would otherwise each compute them at the same time)."""
    app = create_app(sqlite_reference_settings)
    for code in ("93", "ALI-2022-01", "ALI-2022-03", "93001"):
        queries.history(code)
    return app


def drawn(dash_duo, graph: str) -> dict | None:
    """What plotly holds for a graph: each trace's name, x (dates) and y, and the shapes' x."""
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "if (!gd || !gd.data) return null;"
        "return {traces: gd.data.map(t => ({name: t.name, x: Array.from(t.x || []).map(String),"
        "                                   y: Array.from(t.y || [])})),"
        "        shapes: (gd.layout.shapes || []).map(s => String(s.x0).slice(0, 10)),"
        "        labels: (gd.layout.annotations || []).map(a => a.text)};", graph)


def series_of(code: str, indicator: str, first: int = 0, last: int = 9999) -> tuple[list[str], list]:
    """A territory's series from the query layer: dates and values (secret or unknown: None)."""
    frame = queries.history(code)
    frame = frame[(frame["indicator"] == indicator)
                  & frame["period_start"].map(lambda d: first <= d.year <= last)].sort_values("period_start")
    # drawn with a gap before each break of series
    days, values = drawn_with_breaks(frame, [None if isinstance(f, str) or v != v else float(v)
                                             for v, f in zip(frame["value"], frame["flag"])])
    return [d.isoformat() for d in days], values


def changes_of(code: str, indicator: str, first: int, last: int) -> list:
    """The change over one year of each period with the same period a year before."""
    dates, values = series_of(code, indicator)
    by_day = dict(zip(dates, values))
    out = []
    for day, value in by_day.items():
        before = f"{int(day[:4]) - 1}{day[4:]}"
        if first <= int(day[:4]) <= last and before in by_day:
            then = by_day[before]
            out.append(None if value is None or then is None else value - then)
    return out


def close(shown: list, expected: list) -> bool:
    """Same values (plotly may hold them as floats computed in another order); gaps alike."""
    return len(shown) == len(expected) and all(
        (a is None) == (b is None) and (a is None or abs(a - b) < 1e-6) for a, b in zip(shown, expected))


def same_series(shown: dict, expected: list[tuple[str, list[str], list]]) -> bool:
    if not shown or [t["name"] for t in shown["traces"]] != [name for name, _x, _y in expected]:
        return False
    return all([x[:10] for x in t["x"]] == xs and close(t["y"], ys) for t, (_n, xs, ys) in zip(shown["traces"], expected))


def tick(dash_duo, checklist: str, label: str) -> None:
    """Click the checkbox of a dbc.Checklist whose label is `label`."""
    box = next(e for e in dash_duo.find_elements(f"#{checklist} .form-check") if e.text.strip() == label)
    box.find_element("css selector", "input").click()


def name(code: str) -> str:
    return queries.find_territory(code)["name"]


def test_controls_redraw_the_series_the_marks_and_the_changes(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/evolutions")
    # By default: the département and the first ALI territory, on RSA households per 100 inhabitants.
    default = [(name(c), *series_of(c, "rsa_foyers_pour_100_hab")) for c in ("93", "ALI-2022-01")]
    until(lambda: same_series(drawn(dash_duo, "#evolutions-series-graph"), default), timeout=30)

    pick(dash_duo, "#evolutions-indicator", "Personnes suivies par l'ALI (file active)")
    tick(dash_duo, "evolutions-circonscriptions", name("ALI-2022-03"))
    tick(dash_duo, "evolutions-circonscriptions", name("ALI-2022-01"))
    expected = [(name(c), *series_of(c, "ali_file_active")) for c in ("93", "ALI-2022-03")]
    until(lambda: same_series(drawn(dash_duo, "#evolutions-series-graph"), expected), timeout=20)
    first = series_of("ALI-2022-03", "ali_file_active")[0][0]
    shown = drawn(dash_duo, "#evolutions-series-graph")
    assert shown["shapes"] == [first] and shown["labels"] == ["Premier mois d'activité transmis"]
    assert "date de démarrage non publiée" in dash_duo.find_element("#evolutions-marks").text

    pick(dash_duo, "#evolutions-start", "2024")
    expected = [(name(c), *series_of(c, "ali_file_active", 2024)) for c in ("93", "ALI-2022-03")]
    until(lambda: same_series(drawn(dash_duo, "#evolutions-series-graph"), expected), timeout=20)
    assert drawn(dash_duo, "#evolutions-series-graph")["shapes"] == []  # the start is before 2024: said so
    dash_duo.wait_for_contains_text("#evolutions-marks", "hors de la période affichée", timeout=5)

    def changes_match():
        shown = drawn(dash_duo, "#evolutions-yoy-graph")
        return shown and len(shown["traces"]) == 2 and all(
            close(t["y"], changes_of(c, "ali_file_active", 2024, 2026)) for t, c in zip(shown["traces"],
                                                                                       ("93", "ALI-2022-03")))
    until(changes_match, timeout=20)
    title = dash_duo.find_element("#evolutions-yoy-title").text
    assert title.startswith("Évolution sur un an : Personnes suivies par l'ALI") and "2024–2026" in title
    until(lambda: "indicateur=ali_file_active" in dash_duo.driver.current_url, timeout=5)
    assert "territoires=93%2CALI-2022-03" in dash_duo.driver.current_url
    assert "debut=2024" in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_a_shared_link_reopens_the_same_view_accessibly(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/evolutions?indicateur=ali_sorties_emploi_durable"
                           "&territoires=ALI-2022-01,93001&debut=2025&fin=2025")
    expected = [(name(c), *series_of(c, "ali_sorties_emploi_durable", 2025, 2025)) for c in ("ALI-2022-01", "93001")]
    until(lambda: same_series(drawn(dash_duo, "#evolutions-series-graph"), expected), timeout=30)
    assert dash_duo.find_element("#evolutions-indicator").get_attribute("value") == "ali_sorties_emploi_durable"
    assert dash_duo.find_element("#evolutions-start").get_attribute("value") == "2025"
    dash_duo.wait_for_element("#evolutions-yoy-table table", timeout=10)
    assert None in expected[0][2], "the ALI's exits should hold a secret month"
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []
