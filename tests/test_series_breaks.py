"""Series and their breaks (issue 15): each published value carries its series (source and
method, reliability, perimeter); a change is never computed across two series, and where one
would be, the reason is given — on /elus, in the API, and by `break_reason` itself."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.app import create_app
from dashboard.publication.series import break_reason, ratio_series, series_id
from tests.helpers import queries, signed_in


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def test_the_reason_of_a_break_is_read_off_the_two_series():
    annual, monthly = series_id("caf_annuel", "derived"), series_id("allocataires", "demo")
    assert break_reason(annual, annual) is None and break_reason(None, monthly) is None
    assert break_reason(annual, monthly) == (
        "changement de source ou de méthode (fichier annuel de la CAF (base IRIS, INSEE/CNAF) → export mensuel de "
        "la CAF) ; données réelles → données de démonstration")
    assert break_reason(series_id("allocataires", "demo", 0), series_id("allocataires", "demo", 1)) == \
        "changement de périmètre du territoire (nouvelle géographie)"
    population = series_id("population", "reference")
    assert break_reason(ratio_series(annual, population), ratio_series(monthly, population)).startswith(
        "changement de source ou de méthode")


def test_the_elected_officials_change_over_a_year_stops_at_a_break(app):
    """December 2021 (monthly export, demo) against December 2020 (the CAF's annual file, real):
    the headline says "rupture de série", never a change."""
    from dashboard.views import headline_view

    with app.server.test_request_context("/elus"):
        department = queries.find_territory("93")
        cards = {h.indicator: h for h in headline_view.headlines(department, ("month", dt.date(2021, 12, 1)))}
        later = {h.indicator: h for h in headline_view.headlines(department, ("month", dt.date(2022, 12, 1)))}
    assert cards["rsa_foyers"].change.startswith("évolution sur un an : rupture de série (changement de source")
    assert later["rsa_foyers"].change.endswith("en un an") and "rupture" not in later["rsa_foyers"].change


def test_the_api_gives_each_value_its_series_and_its_break(app):
    client = signed_in(app)
    url = "/api/v1/valeurs.json?indicateur=rsa_foyers&niveau=commune&periode={}"
    january = {r["code"]: r for r in client.get(url.format("2021-01")).get_json()["lignes"]}
    february = {r["code"]: r for r in client.get(url.format("2021-02")).get_json()["lignes"]}
    assert january["93072"]["serie"] == "allocataires|demo|0"
    assert january["93072"]["rupture"].startswith("changement de source ou de méthode")
    assert february["93072"]["rupture"] is None
    # Saint-Denis became larger on 1 January 2025: a new perimeter, a new series
    saint_denis = {r["code"]: r for r in client.get(url.format("2025-01")).get_json()["lignes"]}["93066"]
    assert saint_denis["rupture"] == "changement de périmètre du territoire (nouvelle géographie)"


def test_the_api_says_a_value_from_a_partial_list_is_partial(app):
    client = signed_in(app)
    answer = client.get("/api/v1/valeurs.json?indicateur=structures&niveau=commune&periode=2025").get_json()
    rows = answer["lignes"]
    # 15 structures named in articles: a few communes, each "at least", none at 0
    assert 0 < len(rows) < 39 and all(r["partiel"] and r["valeur"] > 0 for r in rows)
    department = client.get("/api/v1/valeurs.json?indicateur=structures&niveau=departement&periode=2025").get_json()
    assert department["lignes"][0]["partiel"] is True and department["lignes"][0]["valeur"] == 15


def test_an_estimate_is_a_whole_number_said_to_be_one(app):
    """Saint-Denis is split between two ALI territories by population weights when a file gives
    only the commune nouvelle (the demo data): those two territories' counts are whole numbers,
    flagged in the map's download and explained under it."""
    from dashboard.views import map_view
    from dashboard.views.chart import ESTIMATE_CAVEAT

    with app.server.test_request_context("/carte"):
        periods = queries.periods("rsa_foyers")
        view = map_view.resolve("rsa_foyers", "circonscription", len(periods) - 1)
        export = view.export()
        caveats = view.caveats
    estimated = export[export["estimation"]]
    assert len(estimated) == 2 and all(float(v) == round(float(v)) for v in estimated["valeur"])
    assert ESTIMATE_CAVEAT in caveats
    assert not export.loc[~export["estimation"] & (export["code"] != "departement"), "valeur"].isna().all()
