"""Alerts on the internal home page (issue 17): a month gone missing, the warnings of recent
imports and the ALIs under the declared share of their objective, newest first; each links to
where it can be dealt with. The public app has none."""
from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy import delete, select

from dashboard import alerts
from dashboard.app import create_app
from dashboard.store import make_engine, session_scope
from dashboard.store.models import Figure, PublishedValue, Territory
from tests.helpers import initialised, signed_in, start_signed_in
from tests.panels import find, page_layout, texts

TODAY = dt.date(2026, 11, 29)
SEPTEMBER = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def settings(tmp_path_factory):
    settings = initialised(tmp_path_factory.mktemp("alerts"))
    with session_scope(make_engine(settings.database_url)) as session:  # ALI-2022-03 never sent September 2026
        circ = select(Territory.id).where(Territory.level == "circonscription", Territory.code == "ALI-2022-03")
        session.execute(delete(Figure).where(Figure.period_start == SEPTEMBER, Figure.territory_id.in_(circ),
                                             Figure.indicator_code.like("ali_%")))
    return settings


def test_alerts_name_the_missing_month_the_warnings_and_the_alis_under_their_objective(settings):
    engine = make_engine(settings.database_url)
    found = alerts.alerts(engine, TODAY)
    assert [a.day for a in found] == sorted((a.day for a in found), reverse=True)
    missing = [a for a in found if "à réclamer" in a.text]
    assert [(a.text, a.href, a.day) for a in missing] == [
        ("La Courneuve : 1 mois à réclamer (septembre 2026)", "/transmissions", dt.date(2026, 10, 15))]
    # every other month came late in the demo files, imported at init: the alert says so
    late = [a for a in found if "en retard" in a.text]
    assert len(late) == 14 and all("fichiers de démonstration" in a.text for a in late)
    # the demo activity file was let through with jump warnings: one alert, linked to its import
    [quality] = [a for a in found if a.kind == "qualité" and "ali_activite_demo.xlsx" in a.text]
    assert quality.href.startswith("/imports?import=") and "autres" in quality.text
    # the ALIs whose filling rate in October 2026 is under 70 %, as published
    with session_scope(engine) as session:
        under = set(session.scalars(select(PublishedValue.code).where(
            PublishedValue.indicator_code == "ali_taux_remplissage", PublishedValue.level == "circonscription",
            PublishedValue.period_start == dt.date(2026, 10, 1), PublishedValue.value < 70)))
    objective = [a for a in found if a.kind == "objectif"]
    assert under and {a.href.removeprefix("/territoire/") for a in objective} == under
    assert all("sous le seuil de 70" in a.text and "démonstration" in a.text for a in objective)


def test_the_threshold_is_declared_data(settings, tmp_path):
    declaration = tmp_path / "transmissions.toml"
    text = alerts.transmissions.DECLARATION.read_text(encoding="utf-8")
    declaration.write_text(text.replace("objective_threshold = 70", "objective_threshold = 0"), encoding="utf-8")
    engine = make_engine(settings.database_url)
    assert not [a for a in alerts.alerts(engine, TODAY, declaration) if a.kind == "objectif"]
    assert [a for a in alerts.alerts(engine, TODAY) if a.kind == "objectif"]


def test_the_public_home_page_and_a_visitor_have_no_alerts(settings):
    internal = signed_in(create_app(settings))
    public = create_app(dataclasses.replace(settings, public=True)).server.test_client()
    assert list(find(page_layout(internal, "/"), "accueil-alertes"))
    # the home page is open to all: a visitor without an account sees no alert of the internal app
    assert not list(find(page_layout(create_app(settings).server.test_client(), "/"), "accueil-alertes"))
    assert not list(find(page_layout(public, "/"), "accueil-alertes"))
    assert "Alertes" not in texts(page_layout(public, "/"))


@pytest.mark.browser
def test_an_alert_leads_to_the_transmissions_page(dash_duo, settings, foreign_requests):
    start_signed_in(dash_duo, create_app(settings))
    dash_duo.wait_for_page(f"{dash_duo.server_url}/")
    dash_duo.wait_for_element("#accueil-alertes", timeout=15)
    def click(element):  # the page's own click handler (the list lies below the fold of the test window)
        dash_duo.driver.execute_script("arguments[0].click()", element)

    click(dash_duo.find_element("#accueil-alertes-suite summary"))
    link = next(a for a in dash_duo.find_elements(".alerte-transmission a") if "à réclamer" in a.text)
    assert "septembre 2026" in link.text
    click(link)
    dash_duo.wait_for_element("#transmissions-grid-graph .heatmaplayer", timeout=15)
    assert dash_duo.driver.current_url.endswith("/transmissions")
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def test_the_alerts_download_as_listed_and_for_a_reader_only(settings):
    import io

    import pandas as pd

    app = create_app(settings)
    reader = signed_in(app)
    layout = page_layout(reader, "/")
    listed = [texts(item) for item in next(find(layout, "accueil-alertes"))["props"]["children"]]
    folded = next(find(layout, "accueil-alertes-suite"))["props"]["children"][1]["props"]["children"]
    listed += [texts(item) for item in folded]
    answer = reader.get("/alertes.csv")
    assert answer.status_code == 200 and answer.headers["Content-Disposition"].endswith('"alertes.csv"')
    frame = pd.read_csv(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), sep=";")
    assert len(frame) == len(listed)
    for row, item in zip(frame.itertuples(), listed, strict=True):  # same order, same words, same link
        assert item.startswith(row.Date) and f" {row.Alerte} {row.Lien} " in item
    assert app.server.test_client().get("/alertes.csv").status_code in (302, 403)
