"""The territory profile without a browser: its table is the query layer's figures, its two
downloads are exactly what it shows (secret cells included), and forged values do no harm."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.app import create_app
from dashboard.formatting import fr_value
from dashboard.publication.series import break_reason
from tests.helpers import queries
from dashboard.store import make_engine
from dashboard.views import profile_view
from tests.helpers import drawn_with_breaks, import_rsa, initialised
from tests.panels import assert_downloads_match_screen, find, page_layout, texts, update

TREND = [("territoire-trend-title", "children"), ("territoire-trend-graph", "figure"),
         ("territoire-trend-source", "children"), ("territoire-trend-table", "children")]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    var = tmp_path_factory.mktemp("profile")
    config = initialised(var)
    # A small count in the latest month: Aubervilliers (93001) and its neighbours get masked.
    import_rsa(make_engine(config.database_url), var / "petits.csv",
               "2026-10;93001;6\n2026-10;93027;8\n", var / "raw")
    return create_app(config)


def layout_of(client, code):
    return page_layout(client, f"/territoire/{code}")


@pytest.mark.parametrize("code", ["93001", "ALI-2022-01", "QP093001", "NR-93008", "93066"])
def test_the_table_holds_every_indicator_of_the_territory(app, client, code):
    territory = queries.find_territory(code)
    history = queries.history(code)
    profile = profile_view.build(territory)
    shown = set(profile.table.table["Indicateur"])
    labels = queries.indicators().set_index("code")["label"]
    assert shown == {labels[c] for c in history["indicator"].unique() if c in labels.index}
    page = texts(layout_of(client, code))
    assert territory["name"] in page and "Tous les indicateurs" in page
    for row in profile.table.table.itertuples():
        latest = history[history["indicator"] == labels[labels == row.Indicateur].index[0]].iloc[-1]
        if isinstance(latest["flag"], str):
            assert row.Valeur == "s"
        elif latest["partial"]:  # from the partial list of structures: a lower bound
            assert row.Valeur.startswith("au moins ")
        elif latest["value"] == latest["value"]:
            assert row.Valeur == pytest.approx(float(latest["value"]))


def test_a_commune_is_compared_with_its_circonscription_and_the_departement(app):
    profile = profile_view.build(queries.find_territory("93072"))  # Stains
    assert profile.circonscription["code"] == "ALI-2022-01"
    assert profile.ali["porteur"] == "Association Plaine Commune le PLIE"
    assert profile.ali["members"] == ["Vitamine T", "SFMAD"]
    row = profile.table.table.set_index("Indicateur").loc["Population municipale"]
    department = queries.history("93")
    population = department[(department["indicator"] == "population")].iloc[-1]["value"]
    assert row["Département"] == pytest.approx(population)
    assert row["Écart au département"] == pytest.approx(row["Valeur"] / population * 100)


def test_a_rate_is_drawn_with_its_references(app, client):
    answer = update(client, TREND, [("territoire-trend-indicator", "value", "rsa_foyers_pour_100_hab")],
                    [("territoire-code", "data", "93001")])
    lines = answer["territoire-trend-graph"]["figure"]["data"]
    assert [line["name"] for line in lines] == ["Aubervilliers", "Aubervilliers (circonscription)",
                                                "Seine-Saint-Denis"]
    department = queries.history("93")
    rate = department[department["indicator"] == "rsa_foyers_pour_100_hab"]
    # a gap before each break of series (the CAF's annual file, then its monthly export)
    _days, expected = drawn_with_breaks(rate, [None if v != v else float(v) for v in rate["value"].astype(float)])
    assert lines[2]["y"] == expected and len(expected) == len(rate) + 1
    assert lines[2]["marker"]["symbol"].count("diamond-open") == 1


def test_the_ali_card_gives_the_published_inauguration_never_a_start_date(app, client):
    ali = profile_view.build(queries.find_territory("93071")).ali  # Sevran
    assert (ali["code"], ali["start"], ali["inauguration"]) == ("ALI-2022-08", None, "7 avril 2023")
    card = texts(next(find(layout_of(client, "93071"), "territoire-ali")))
    assert "date non publiée" in card and "7 avril 2023" in card


def test_an_unchanged_commune_is_followed_across_geographies_within_one_series(app):
    """Stains is the same commune on the 2024 and 2025 geographies, so its legal population is
    followed across them; its RSA households come from the CAF's annual file (real, up to 2020)
    then from the monthly export (demo): the change runs within the monthly series only, and
    the break is said with its reason."""
    table = profile_view.build(queries.find_territory("93072")).table.table.set_index("Indicateur")
    households = table.loc["Foyers allocataires du RSA"]
    assert households["Première période"] == "janvier 2021"
    assert households["Rupture de série"] == "janvier 2021"
    reason = ("changement de source ou de méthode (fichier annuel de la CAF (base IRIS, INSEE/CNAF) → export "
              "mensuel de la CAF) ; données réelles → données de démonstration")
    profile = profile_view.build(queries.find_territory("93072"))
    assert f"Rupture de série — Foyers allocataires du RSA, janvier 2021 : {reason}." in profile.table.caveats
    assert profile.row_breaks[list(profile.table.table["Indicateur"]).index("Foyers allocataires du RSA")] == reason
    history = queries.history("93072")
    monthly = history[(history["indicator"] == "rsa_foyers") & (history["period_start"] >= dt.date(2021, 1, 1))]
    assert households["Évolution depuis la première période"] == monthly["value"].iloc[-1] - monthly["value"].iloc[0]
    population = table.loc["Population municipale"]
    assert population["Rupture de série"] == "" and population["Première période"] < "2023"


def test_a_merged_commune_changes_only_within_its_own_geography(app):
    """Saint-Denis became a commune nouvelle in 2025: its change since the first period is read
    on the 2025 geography, not against the smaller Saint-Denis of 2020."""
    table = profile_view.build(queries.find_territory("93066")).table.table.set_index("Indicateur")
    assert table.loc["Population municipale", "Première période"] == "2023"
    change = table.loc["Population municipale", "Évolution depuis la première période"]
    assert change is None or change != change  # no earlier period on that geography


def test_secret_cells_are_shown_and_downloaded_as_s(app, client):
    layout = layout_of(client, "93001")
    table = next(iter(find(layout, "territoire-table")))
    count = assert_downloads_match_screen(client, "territoire-table", table, [("territoire-code", "data", "93001")],
                                          headings=("Thème", "Unité"))  # group rows; units in the cells
    assert count > 0
    rsa = profile_view.build(queries.find_territory("93001")).table.table.set_index("Indicateur")
    assert rsa.loc["Foyers allocataires du RSA", "Valeur"] == "s"


def test_the_trend_download_is_what_the_chart_shows(app, client):
    state = [("territoire-trend-indicator", "value", "rsa_foyers"), ("territoire-code", "data", "93001")]
    answer = update(client, TREND, state[:1], state[1:])
    lines = answer["territoire-trend-graph"]["figure"]["data"]
    assert [line["name"] for line in lines] == ["Aubervilliers"]  # a count: no reference of another magnitude
    history = queries.history("93001")
    rsa = history[history["indicator"] == "rsa_foyers"]
    _days, expected = drawn_with_breaks(rsa, [None if isinstance(f, str) or v != v else float(v)
                                 for v, f in zip(rsa["value"], rsa["flag"])])
    # the masked month is a gap; so is each break: annual file → monthly export (demo), then
    # the fixture's real October 2026 after the demo months
    assert lines[0]["y"] == expected and expected.count(None) >= 3
    secrets = assert_downloads_match_screen(client, "territoire-trend", answer["territoire-trend-table"]["children"],
                                            state)
    assert secrets > 0


@pytest.mark.parametrize("code, indicator", [("93001", "pas_un_indicateur"), ("inconnu", "rsa_foyers"),
                                             (["93001"], 12), ({"x": 1}, None), ("9" * 5000, "rsa_foyers")])
def test_forged_values_answer_a_harmless_state(app, client, code, indicator):
    answer = update(client, TREND, [("territoire-trend-indicator", "value", indicator)],
                    [("territoire-code", "data", code)])
    assert "territoire-trend-title" in answer
    page = texts(layout_of(client, "pas-un-code"))
    assert "Territoire inconnu" in page



def test_a_count_from_a_partial_list_is_a_lower_bound(app):
    """The structures list is partial (15 structures named in articles): a commune it names has
    "au moins" that many structures and no change computed from the list's growth."""
    period = queries.periods("structures")[-1]
    listed = queries.values("structures", "commune", *period, queries.geography_of("structures", *period))
    code, count = listed["code"].iloc[0], listed["value"].iloc[0]
    table = profile_view.build(queries.find_territory(code)).table.table.set_index("Indicateur")
    row = table.loc[queries.indicators().set_index("code").at["structures", "label"]]
    assert row["Valeur"] == f"au moins {fr_value(count, 'structures', 0)}"
    change = row["Évolution depuis la première période"]
    assert change is None or change != change  # none computed
