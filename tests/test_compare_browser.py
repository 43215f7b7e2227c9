"""The compare page driven in headless Chromium: level, indicator, territories and the two axes
redraw the ranking and the scatter with the query layer's values, the state is in the URL, the
console is clean and axe-core finds nothing serious."""
from __future__ import annotations

import pytest
from dash.testing.wait import until

from dashboard.app import create_app
from dashboard.formatting import fr_value
from tests.helpers import queries, start_signed_in
from dashboard.indicators.registry import decimals
from tests.browser_checks import axe_violations
from tests.helpers import pick

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def drawn(dash_duo, graph: str) -> dict | None:
    """What plotly holds for a graph's first trace: labels (bars' y, points' text), x, y, texts."""
    return dash_duo.driver.execute_script(
        "const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');"
        "if (!gd || !gd.data || !gd.data.length) return null;"
        "const t = gd.data[0];"
        "return {y: Array.from(t.y || []), x: Array.from(t.x || []), text: Array.from(t.text || []),"
        "        customdata: Array.from(t.customdata || [])};", graph)


def latest(indicator: str, level: str):
    period = queries.periods(indicator)[-1]
    return queries.values(indicator, level, *period, queries.geography_of(indicator, *period))


def bar_text(indicator: str, value, flag) -> str:
    unit = queries.indicators().set_index("code").loc[indicator, "unit"]
    if isinstance(flag, str):
        return "s (secret statistique)"
    return fr_value(float(value), unit, decimals(indicator))


def expected_bars(indicator: str, level: str, codes=None) -> dict[str, str]:
    frame = latest(indicator, level)
    if codes is not None:
        frame = frame[frame["code"].isin(codes)]
    return {n: bar_text(indicator, v, f) for n, v, f in zip(frame["name"], frame["value"], frame["flag"])}


def bars_are(dash_duo, expected: dict[str, str]) -> bool:
    shown = drawn(dash_duo, "#comparer-rank-graph")
    return bool(shown) and dict(zip(shown["y"], shown["text"])) == expected and len(shown["y"]) == len(expected)


def test_controls_redraw_the_ranking_and_the_scatter(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/comparer")
    dash_duo.wait_for_element("#comparer-rank-graph .js-plotly-plot", timeout=15)

    pick(dash_duo, "#comparer-level", "Communes")
    pick(dash_duo, "#comparer-indicator", "Foyers allocataires du RSA")
    until(lambda: bars_are(dash_duo, expected_bars("rsa_foyers", "commune")), timeout=20)
    shown = drawn(dash_duo, "#comparer-rank-graph")
    values = latest("rsa_foyers", "commune").set_index("name")["value"]
    published = [values[n] for n, x in zip(shown["y"], shown["x"]) if x is not None]
    assert published == sorted(published, reverse=True)  # highest first
    labels = [e.text for e in dash_duo.find_elements("#comparer-rank-graph .ytick text")]
    assert sorted(labels) == sorted(shown["y"])  # the graph is tall enough for every commune's name

    # Two communes ticked: only they are ranked (the département stays as reference).
    dash_duo.find_element("#_pages_content details summary").click()
    chosen = {"93066": None, "93001": None}
    for code in chosen:
        chosen[code] = queries.find_territory(code)["name"]
        box = next(e for e in dash_duo.find_elements("#comparer-territories .form-check")
                   if e.text.strip() == chosen[code])
        box.find_element("css selector", "input").click()
    until(lambda: bars_are(dash_duo, expected_bars("rsa_foyers", "commune", list(chosen))), timeout=20)
    table = dash_duo.find_element("#comparer-rank-table").get_attribute("textContent")  # table folded
    assert "Seine-Saint-Denis (référence)" in table and all(n in table for n in chosen.values())

    # The scatter: the two indicators chosen, for the communes ticked.
    pick(dash_duo, "#comparer-x", "Population municipale")
    pick(dash_duo, "#comparer-y", "Foyers au RSA pour 100 habitants")
    x, y = latest("population", "commune").set_index("code"), latest("rsa_foyers_pour_100_hab", "commune")
    y = y.set_index("code")

    def points_match():
        shown = drawn(dash_duo, "#comparer-scatter-graph")
        if not shown or sorted(shown["text"]) != sorted(chosen.values()):
            return False
        by_name = {chosen[c]: c for c in chosen}
        return all(abs(a - float(x.loc[by_name[n], "value"])) < 1e-6 and abs(b - float(y.loc[by_name[n], "value"])) < 1e-6
                   for n, a, b in zip(shown["text"], shown["x"], shown["y"]))
    until(points_match, timeout=20)
    assert "Foyers au RSA pour 100 habitants selon Population municipale — communes" in dash_duo.find_element(
        "#comparer-scatter-title").text
    until(lambda: "y=rsa_foyers_pour_100_hab" in dash_duo.driver.current_url, timeout=5)
    for part in ("niveau=commune", "indicateur=rsa_foyers&", "x=population"):
        assert part in dash_duo.driver.current_url
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_a_shared_link_reopens_the_same_comparison_accessibly(dash_duo, app, foreign_requests):
    start_signed_in(dash_duo, app)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/comparer?niveau=circonscription"
                           "&indicateur=ali_sorties_emploi_durable&x=rsa_foyers&y=ali_file_active")
    expected = expected_bars("ali_sorties_emploi_durable", "circonscription")
    assert "s (secret statistique)" in expected.values()
    until(lambda: bars_are(dash_duo, expected), timeout=20)
    assert [dash_duo.find_element(f"#comparer-{c}").get_attribute("value") for c in ("level", "indicator", "x", "y")] \
        == ["circonscription", "ali_sorties_emploi_durable", "rsa_foyers", "ali_file_active"]
    # A secret territory has no bar: it is listed with "s" only.
    shown = drawn(dash_duo, "#comparer-rank-graph")
    assert all(x is None for x, t in zip(shown["x"], shown["text"]) if t.startswith("s "))
    dash_duo.wait_for_element("#comparer-scatter-graph .js-plotly-plot", timeout=10)
    violations = axe_violations(dash_duo)
    assert violations == [], "\n".join(map(str, violations))
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []
