"""Phones (issue 14), in headless Chromium with Chrome's mobile emulation at 360 px: no page
scrolls sideways, the navigation folds behind a keyboard-operable toggler, maps take their
frame's width with the legend under them (beside them on a wide screen), controls are finger
sized, and no page logs a console error."""
from __future__ import annotations

import dash
import pytest
from dash.testing.wait import until
from selenium.webdriver.common.keys import Keys

from dashboard.app import create_app
from tests.helpers import start_signed_in
from tests.phone import DESKTOP, PHONE, PHONE_390, box, emulate, scroll_width, settled, shapes_span, wider_than

pytestmark = pytest.mark.browser

CODE = "93066"  # Saint-Denis: a real commune for the path templates (/territoire/<code>)


@pytest.fixture
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def every_path() -> list[str]:
    """Every page of the app's registry, the embeds and the path templates included."""
    return sorted((page.get("path_template") or page["path"]).replace("<code>", CODE)
                  for page in dash.page_registry.values())


@pytest.mark.parametrize("size", [PHONE, PHONE_390, DESKTOP], ids=["phone-360", "phone-390", "desktop"])
def test_no_page_scrolls_sideways(dash_duo, app, foreign_requests, size):
    start_signed_in(dash_duo, app)
    emulate(dash_duo, size)
    paths = every_path()
    assert {"/", "/carte", "/elus", "/imports", f"/territoire/{CODE}", "/embed/carte",
            f"/embed/territoire/{CODE}"} <= set(paths) and len(paths) >= 12
    too_wide = {}
    for path in paths:
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
        settled(dash_duo)
        if scroll_width(dash_duo) > size[0]:
            too_wide[path] = (scroll_width(dash_duo), wider_than(dash_duo, size[0]))
    assert too_wide == {}
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def nav_shown(dash_duo) -> bool:
    return dash_duo.find_element("#nav-links").is_displayed()


def test_the_navigation_folds_behind_a_toggler_worked_by_keyboard(dash_duo, app):
    start_signed_in(dash_duo, app)
    emulate(dash_duo, PHONE)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte")
    settled(dash_duo)
    toggler = dash_duo.find_element("#nav-toggler")
    assert toggler.is_displayed() and toggler.tag_name == "button"
    assert toggler.get_attribute("aria-controls") == "nav-links" and toggler.get_attribute("aria-label")
    assert toggler.get_attribute("aria-expanded") == "false" and not nav_shown(dash_duo)
    # Reached with Tab from the skip link, opened with Enter, closed with Space.
    body = dash_duo.find_element("body")
    body.send_keys(Keys.TAB)
    for _ in range(3):
        if dash_duo.driver.switch_to.active_element.get_attribute("id") == "nav-toggler":
            break
        dash_duo.driver.switch_to.active_element.send_keys(Keys.TAB)
    assert dash_duo.driver.switch_to.active_element.get_attribute("id") == "nav-toggler"
    dash_duo.driver.switch_to.active_element.send_keys(Keys.ENTER)
    until(lambda: toggler.get_attribute("aria-expanded") == "true" and nav_shown(dash_duo), timeout=5)
    # Opened once Bootstrap's collapse has finished its transition (`show`, no longer `collapsing`).
    until(lambda: dash_duo.find_element("#nav-links").get_attribute("class").split().count("show"), timeout=5)
    links = dash_duo.find_elements("#nav-links .nav-link")
    assert all(a.is_displayed() for a in links)
    assert [a.text for a in links][:3] == ["Accueil", "Carte", "Élus"]
    assert all(a.size["height"] >= 44 for a in links)  # finger sized
    assert toggler.size["height"] >= 44 and toggler.size["width"] >= 44
    toggler.send_keys(Keys.SPACE)
    until(lambda: toggler.get_attribute("aria-expanded") == "false", timeout=5)
    until(lambda: not nav_shown(dash_duo), timeout=5)
    # On a wide screen the links stand in the bar and the toggler is gone.
    emulate(dash_duo, DESKTOP)
    until(lambda: nav_shown(dash_duo), timeout=5)
    assert not toggler.is_displayed()
    assert dash_duo.get_logs() == []


def test_controls_are_big_enough_for_a_finger(dash_duo, app):
    start_signed_in(dash_duo, app)
    emulate(dash_duo, PHONE)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte")
    settled(dash_duo)
    for css in ("#carte-indicator", "#carte-level", "#carte-play", "#carte-sort", "#carte-csv"):
        assert dash_duo.find_element(css).size["height"] >= 44, css
    assert dash_duo.get_logs() == []


MAPS = [("/carte", "#carte-map", "#carte-legend"), ("/elus", "#elus-map", "#elus-legend"),
        ("/embed/carte", "#embed-carte-map", "#embed-carte-legend")]


@pytest.mark.parametrize("size", [PHONE, PHONE_390], ids=["360", "390"])
@pytest.mark.parametrize("path, graph, legend", MAPS)
def test_a_map_fills_the_phone_width_with_its_legend_under_it(dash_duo, app, path, graph, legend, size):
    start_signed_in(dash_duo, app)
    emulate(dash_duo, size)
    dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
    dash_duo.wait_for_element(f"{graph} .choroplethlayer path", timeout=15)
    dash_duo.wait_for_element(f"{legend} li", timeout=10)
    settled(dash_duo)
    frame, svg = box(dash_duo, graph), box(dash_duo, f"{graph} .main-svg")
    assert abs(svg["width"] - frame["width"]) <= 2 and frame["width"] >= size[0] - 32
    assert shapes_span(dash_duo, graph) >= 0.85 * size[0]
    assert box(dash_duo, legend)["top"] >= frame["bottom"] - 1  # under the map
    items = [li.text for li in dash_duo.find_elements(f"{legend} li")]
    assert items[:2] == ["non disponible", "s (secret)"] and len(items) >= 4
    assert scroll_width(dash_duo) <= size[0]
    assert dash_duo.get_logs() == []


def test_on_a_wide_screen_the_map_spans_most_of_the_width_beside_its_legend(dash_duo, app):
    start_signed_in(dash_duo, app)
    emulate(dash_duo, DESKTOP)
    dash_duo.wait_for_page(f"{dash_duo.server_url}/carte")
    dash_duo.wait_for_element("#carte-map .choroplethlayer path", timeout=15)
    dash_duo.wait_for_element("#carte-legend li", timeout=10)
    settled(dash_duo)
    frame, legend = box(dash_duo, "#carte-map"), box(dash_duo, "#carte-legend")
    assert legend["left"] >= frame["right"] and legend["top"] < frame["bottom"]  # beside it
    assert shapes_span(dash_duo, "#carte-map") >= 0.45 * DESKTOP[0]
    assert frame["height"] >= 0.6 * frame["width"] or frame["height"] >= 0.8 * DESKTOP[1]  # follows the width
    assert dash_duo.get_logs() == []


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_serious_accessibility_violation_on_any_page(dash_duo, app, size):
    """axe-core (vendored in tests/assets), colour contrast included (the quality badges, the
    links on the grey background and the sign-in link of /imports failed it), on every page of
    the registry at both widths."""
    from tests.browser_checks import axe_violations

    start_signed_in(dash_duo, app)
    emulate(dash_duo, size)
    found = {}
    for path in every_path():
        dash_duo.wait_for_page(f"{dash_duo.server_url}{path}")
        settled(dash_duo)
        violations = axe_violations(dash_duo)
        if violations:
            found[path] = violations
    assert found == {}
    assert dash_duo.get_logs() == []
