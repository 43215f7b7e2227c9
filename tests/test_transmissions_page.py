"""The Transmissions page: its grid is the store's (every ALI and the CAF on a fresh init), a
month removed appears in the "relances", and both downloads are what the page shows."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select

from dashboard.app import create_app
from dashboard.store import make_engine, session_scope
from dashboard.store.models import Figure, Territory
from tests.helpers import initialised, signed_in, start_signed_in
from tests.panels import assert_downloads_match_screen, table_rows, update

GRID = [("transmissions-grid-" + p, prop) for p, prop in
        (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))]
RELANCES = [("transmissions-relances-" + p, prop) for p, prop in
            (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))]


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    settings = initialised(tmp_path_factory.mktemp("transmissions"))
    with session_scope(make_engine(settings.database_url)) as session:  # ALI-2022-03 never sent June 2025
        circ = select(Territory.id).where(Territory.level == "circonscription", Territory.code == "ALI-2022-03")
        session.execute(delete(Figure).where(Figure.period_start == dt.date(2025, 6, 1),
                                             Figure.territory_id.in_(circ), Figure.indicator_code.like("ali_%")))
    return settings


@pytest.fixture(scope="module")
def client(settings):
    return signed_in(create_app(settings))


def draw(client, kind="", partner=""):
    return update(client, GRID + RELANCES, [("transmissions-kind", "value", kind),
                                            ("transmissions-partner", "value", partner)])


def test_the_grid_lists_every_partner_and_the_missing_month(client):
    answer = draw(client)
    heatmap = answer["transmissions-grid-graph"]["figure"]["data"][0]
    assert sorted(heatmap["y"]) == [*[f"ALI-2022-{n:02d}" for n in range(1, 14)], "CAF"]
    assert len(heatmap["x"]) == 12
    _header, rows = table_rows(answer["transmissions-relances-table"]["children"])
    assert [(r[0], r[3], r[5]) for r in rows] == [("ALI-2022-03", "juin 2025", "manquant")]
    assert answer["transmissions-relances-title"]["children"] == "Relances — 1 mois à réclamer"


def test_a_partner_filter_keeps_its_rows_only(client):
    answer = draw(client, "ali_activite", "ALI-2022-05")
    _header, rows = table_rows(answer["transmissions-grid-table"]["children"])
    assert rows and {r[0] for r in rows} == {"ALI-2022-05"}


@pytest.mark.parametrize("panel", ["transmissions-grid", "transmissions-relances"])
def test_downloads_are_what_the_page_shows(client, panel):
    answer = draw(client)
    state = [("transmissions-kind", "value", ""), ("transmissions-partner", "value", "")]
    assert_downloads_match_screen(client, panel, answer[f"{panel}-table"]["children"], state)


@pytest.mark.browser
def test_the_page_draws_the_grid_and_filters_it(dash_duo, settings, foreign_requests):
    from dash.testing.wait import until
    from selenium.webdriver.support.ui import Select

    start_signed_in(dash_duo, create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/transmissions")
    dash_duo.wait_for_element("#transmissions-grid-graph .heatmaplayer", timeout=15)
    dash_duo.wait_for_contains_text("#transmissions-relances-title", "1 mois à réclamer", timeout=10)
    # the controls say what is shown (a blank select would hide that every file is)
    assert Select(dash_duo.find_element("#transmissions-kind")).first_selected_option.text == "Tous les fichiers"
    assert Select(dash_duo.find_element("#transmissions-partner")).first_selected_option.text == "Tous les partenaires"
    assert dash_duo.find_element("#transmissions-grid-source").text.startswith("Source : Journal des imports")
    Select(dash_duo.find_element("#transmissions-kind")).select_by_value("allocataires")
    until(lambda: "foyers allocataires" in dash_duo.find_element("#transmissions-grid-title").text, timeout=10)
    dash_duo.wait_for_contains_text("#transmissions-relances-title", "0 mois à réclamer", timeout=10)
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_each_received_cell_carries_its_import(client, settings):
    """A cell's hover text and the number of the import that brought the month (a click opens it)."""
    from dashboard import transmissions

    answer = draw(client, "ali_activite", "ALI-2022-05")
    heatmap = answer["transmissions-grid-graph"]["figure"]["data"][0]
    grid = transmissions.grid(make_engine(settings.database_url))
    expected = grid[grid["partenaire"] == "ALI-2022-05"].tail(12)
    assert [cell[1] for cell in heatmap["customdata"][0]] == [None if n != n else int(n) for n in expected["import"]]
    assert any(cell[1] for cell in heatmap["customdata"][0])
    assert [cell[0] for cell in heatmap["customdata"][0]] == list(expected["statut"])


@pytest.mark.browser
def test_a_click_on_a_received_month_opens_its_import(dash_duo, settings, foreign_requests):
    from dash.testing.wait import until
    from selenium.webdriver.common.action_chains import ActionChains

    start_signed_in(dash_duo, create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/transmissions")
    cells = dash_duo.wait_for_element("#transmissions-grid-graph .nsewdrag", timeout=15)
    dash_duo.wait_for_element("#transmissions-grid-graph .heatmaplayer", timeout=15)
    # the second row, three months before the last (the last, begun, is still "attendu"; plotly's
    # toolbar lies over the top right corner): a month received with the demo activity file
    width, height = cells.size["width"], cells.size["height"]
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", cells)
    ActionChains(dash_duo.driver).move_to_element_with_offset(
        cells, int(width / 2 - 2.5 * width / 12), int(-height / 2 + 1.5 * height / 14)).pause(0.3).click().perform()
    until(lambda: "/imports?import=" in dash_duo.driver.current_url, timeout=10)
    assert dash_duo.driver.current_url.split("import=")[1].isdigit()
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []
