"""The structures page through its callbacks: the points are the structures of the query layer
at their commune's label point (never an invented position), filtered by type; a click opens
cards with type, address, commune and ALI; the densities are the query layer's with the
département as reference and the list's caveat; downloads are the tables on screen; forged
control values never raise."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.formatting import fr_number, fr_value
from tests.helpers import queries, signed_in
from dashboard.views import structures_view
from tests.helpers import initialised
from tests.panels import assert_downloads_match_screen, table_rows, update

MAP = [("structures-map-" + part, prop) for part, prop in
       (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))]
DENSITY = [("structures-density-" + part, prop) for part, prop in
           (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))] + \
          [("structures-density-graph", "style")]
CARDS = [("structures-cards", "children")]


@pytest.fixture
def client(sqlite_reference_settings):
    return signed_in(create_app(sqlite_reference_settings))


@pytest.fixture(scope="module")
def secret_settings(tmp_path_factory):
    """A store of its own (the query cache is shared by the apps of a process, keyed by store)
    where every count up to 3 000 is small: the RSA household counts of some communes that the
    partial list of structures names are masked, and so are their densities."""
    return initialised(tmp_path_factory.mktemp("structures-secret"), threshold=3000)


def draw(client, types) -> dict:
    return update(client, MAP, [("structures-types", "value", types)])


def cards(client, click=None, picked="aucune", changed="structures-map-graph.clickData") -> str:
    answer = update(client, CARDS, [("structures-map-graph", "clickData", click), ("structures-pick", "value", picked)],
                    changed=changed)
    return str(answer["structures-cards"]["children"])


def rank(client, level, indicator) -> dict:
    return update(client, DENSITY, [("structures-level", "value", level), ("structures-indicator", "value", indicator)])


def expected_points(types: set[str] | None = None) -> dict[tuple[float, float], set[str]]:
    """Each commune's label point and the names of its structures (of these types)."""
    frame = queries.structures()
    if types is not None:
        frame = frame[frame["type_code"].isin(types)]
    counted = queries.periods("structures")[-1]
    communes = queries.territories(queries.geography_of("structures", *counted), "commune").set_index("code")
    points = {}
    for code, group in frame.groupby("commune_code"):
        at = (communes.at[code, "label_lon"], communes.at[code, "label_lat"])
        points[at] = set(group["name"])
    return points


def drawn_points(answer) -> dict[tuple[float, float], tuple[str, str]]:
    trace = answer["structures-map-graph"]["figure"]["data"][1]
    return {(x, y): (n, h) for x, y, n, h in zip(trace["lon"], trace["lat"], trace["text"], trace["hovertext"])}


@pytest.mark.parametrize("types", [None, ["ACI", "ML"], ["ASSO"]])
def test_points_are_the_structures_at_their_communes_label_point(client, types):
    answer = draw(client, types)
    expected = expected_points(None if types is None else set(types))
    shown = drawn_points(answer)
    assert set(shown) == set(expected)
    for at, names in expected.items():
        count, hover = shown[at]
        assert count == str(len(names)) and all(n in hover for n in names)
    # The table lists the same structures, one row each.
    header, rows = table_rows(answer["structures-map-table"]["children"])
    assert sorted(r[header.index("Structure")] for r in rows) == sorted(n for s in expected.values() for n in s)
    # The points are not the structures' addresses: the note under the map says so, and the
    # caveat of the list too.
    source = str(answer["structures-map-source"]["children"])
    assert "pas de coordonnées" in source and "Liste partielle" in source


def test_the_table_says_address_and_ali(client):
    answer = draw(client, None)
    header, rows = table_rows(answer["structures-map-table"]["children"])
    by_name = {r[header.index("Structure")]: dict(zip(header, r)) for r in rows}
    alis = queries.alis().set_index("code")
    for s in queries.structures().itertuples():
        row = by_name[s.name]
        assert row["Type"] == s.type_label
        assert row["Adresse"] == (s.address if isinstance(s.address, str) else "adresse non publiée")
        assert row["ALI"] == (f"{alis.at[s.ali_code, 'name']} ({s.ali_code})" if isinstance(s.ali_code, str)
                              else "aucune ALI indiquée")


def test_a_click_on_a_point_opens_its_structures_cards(client):
    answer = draw(client, None)
    trace = answer["structures-map-graph"]["figure"]["data"][1]
    frame = queries.structures().set_index("id")
    alis = queries.alis().set_index("code")
    for key in trace["customdata"]:
        text = cards(client, {"points": [{"curveNumber": 1, "customdata": key}]})
        for i in map(int, key.split(",")):
            s = frame.loc[i]
            assert s["name"] in text and s["type_label"] in text
            assert (s["address"] if isinstance(s["address"], str) else "adresse non publiée") in text
        linked = [frame.at[int(i), "ali_code"] for i in key.split(",") if isinstance(frame.at[int(i), "ali_code"], str)]
        for code in linked:
            assert alis.at[code, "name"] in text and alis.at[code, "porteur"] in text
            assert f"'href': '/territoire/{alis.at[code, 'circonscription_code']}'" in text
        if len(linked) < len(key.split(",")):
            assert "aucune ALI indiquée" in text


def test_the_select_opens_one_card(client):
    structure = queries.structures().iloc[0]
    text = cards(client, None, str(structure["id"]), changed="structures-pick.value")
    assert structure["name"] in text and structure["source"] in text
    assert f"'href': '/territoire/{structure['commune_code']}'" in text


@pytest.mark.parametrize("forged", ["ACI", 5, {"a": 1}, [None, 3, "ZZZ"], ["ACI"] * 500])
def test_forged_types_never_raise(client, forged):
    answer = draw(client, forged)
    assert answer["structures-map-title"]["children"].startswith("Structures d'insertion")


@pytest.mark.parametrize("click, picked", [({"points": "x"}, "aucune"),
                                           ({"points": [{"customdata": "1,abc,99999"}]}, None),
                                           ("zz", "<script>"), ({"points": [{"location": 93001}]}, ["1"])])
def test_forged_clicks_and_picks_never_raise(client, click, picked):
    # Either the hint, "nothing here", or the cards of the valid ids among those sent.
    for changed in ("structures-map-graph.clickData", "structures-pick.value"):
        text = cards(client, click, picked, changed=changed)
        assert "structure" in text.lower()


@pytest.mark.parametrize("level", ["commune", "circonscription"])
@pytest.mark.parametrize("indicator", structures_view.DENSITIES)
def test_densities_are_the_query_layers(client, level, indicator):
    answer = rank(client, level, indicator)
    period = queries.periods(indicator)[-1]
    geography = queries.geography_of(indicator, *period)
    values = queries.values(indicator, level, *period, geography)
    unit = queries.indicators().set_index("code").at[indicator, "unit"]
    trace = answer["structures-density-graph"]["figure"]["data"][0]
    shown = dict(zip(trace["y"], trace["text"]))
    assert shown == {n: ("s" if isinstance(f, str) else fr_number(v, 2))
                     for n, v, f in zip(values["name"], values["value"], values["flag"])}
    # The list is partial (15 structures named in articles): only the territories it names have
    # a value, a lower bound, never a 0; the others are "non recensé"; nothing is ranked.
    assert values["partial"].all() and (values["value"] > 0).all()
    department = queries.values(indicator, "departement", *period, geography).iloc[0]
    header, rows = table_rows(answer["structures-density-table"]["children"])
    assert rows[-1][-1] == "au moins " + fr_value(department["value"], unit, 2) and rows[-1][2].endswith("(référence)")
    territories = queries.territories(geography, level)
    assert len(rows) == len(territories) + 1 and all(r[0] == "" for r in rows)
    listed = set(values["code"])
    assert {r[1] for r in rows if r[-1] == "non recensé"} == set(territories["code"]) - listed
    assert all(r[-1].startswith("au moins ") for r in rows[:-1] if r[1] in listed)
    assert not any(r[-1].startswith(("0,00", "au moins 0,00")) for r in rows)
    assert "liste partielle : valeurs minimales, sans classement" in answer["structures-density-title"]["children"]
    # The partial list's caveat is under the chart, from the import itself.
    caveat = queries.imports().set_index("kind").at["structures", "caveats"]
    assert caveat in str(answer["structures-density-source"]["children"])


@pytest.mark.parametrize("level, indicator", [("x", "population"), (None, None), (3, ["a"])])
def test_forged_density_controls_fall_back(client, level, indicator):
    answer = rank(client, level, indicator)
    assert answer["structures-density-title"]["children"].startswith(
        "Structures d'insertion pour 10 000 habitants — communes")


def test_map_downloads_are_the_table_on_screen(client):
    answer = draw(client, ["ASSO", "ACI"])
    assert_downloads_match_screen(client, "structures-map", answer["structures-map-table"]["children"],
                                  [("structures-types", "value", ["ASSO", "ACI"])])


def test_density_downloads_show_secret_cells_as_s(secret_settings):
    client = signed_in(create_app(secret_settings))
    state = [("structures-level", "value", "commune"),
             ("structures-indicator", "value", "structures_pour_1000_foyers_rsa")]
    answer = rank(client, "commune", "structures_pour_1000_foyers_rsa")
    secret = assert_downloads_match_screen(client, "structures-density", answer["structures-density-table"]["children"],
                                           state)
    period = queries.periods("structures_pour_1000_foyers_rsa")[-1]
    values = queries.values("structures_pour_1000_foyers_rsa", "commune", *period,
                            queries.geography_of("structures", *period))
    department = queries.values("structures_pour_1000_foyers_rsa", "departement", *period,
                                queries.geography_of("structures", *period))
    masked = pd.concat([values, department])["flag"].map(lambda f: isinstance(f, str)).sum()
    assert secret == masked and values["flag"].map(lambda f: isinstance(f, str)).sum() > 0
