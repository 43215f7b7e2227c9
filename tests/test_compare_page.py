"""The compare page without a browser: its ranking and its scatter show the query layer's values
(secret cells "s", ranked last), both downloads are exactly what is shown, forged values answer
the defaults."""
from __future__ import annotations

import pytest

from dashboard.app import create_app
from dashboard.formatting import fr_value
from tests.helpers import queries
from dashboard.indicators.registry import decimals
from dashboard.views import compare_view
from tests.panels import assert_downloads_match_screen, find, page_layout, table_rows, update, value_of

RANK = [("comparer-rank-title", "children"), ("comparer-rank-graph", "figure"), ("comparer-rank-source", "children"),
        ("comparer-rank-table", "children"), ("comparer-state", "data"), ("comparer-rank-graph", "style")]
SCATTER = [("comparer-scatter-title", "children"), ("comparer-scatter-graph", "figure"),
           ("comparer-scatter-source", "children"), ("comparer-scatter-table", "children"),
           ("comparer-state", "data")]
# Few exits to durable jobs per ALI: some are secret in the latest month.
SECRET_INDICATOR = "ali_sorties_emploi_durable"


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def rank_controls(indicator, level, codes):
    return [("comparer-indicator", "value", indicator), ("comparer-level", "value", level),
            ("comparer-territories", "value", codes)]


def rank(client, indicator, level, codes=(), x=None, y=None):
    return update(client, RANK, rank_controls(indicator, level, list(codes)),
                  [("comparer-x", "value", x), ("comparer-y", "value", y)])


def scatter_controls(x, y, level, codes):
    return [("comparer-x", "value", x), ("comparer-y", "value", y), ("comparer-level", "value", level),
            ("comparer-territories", "value", codes)]


def scatter(client, x, y, level, codes=(), indicator=None):
    return update(client, SCATTER, scatter_controls(x, y, level, list(codes)),
                  [("comparer-indicator", "value", indicator)])


def latest_values(indicator, level):
    """The indicator's figures at its latest period, as the query layer gives them."""
    period = queries.periods(indicator)[-1]
    return queries.values(indicator, level, *period, queries.geography_of(indicator, *period))


def cell(value, flag, indicator) -> str:
    unit = queries.indicators().set_index("code").loc[indicator, "unit"]
    if isinstance(flag, str):
        return "s"
    return "–" if value is None or value != value else fr_value(float(value), unit, decimals(indicator))


@pytest.mark.parametrize("indicator, level", [(SECRET_INDICATOR, "circonscription"),
                                              ("rsa_foyers_pour_100_hab", "commune"), ("rsa_foyers", "ept")])
def test_the_ranking_is_the_query_layers_values_highest_first(client, indicator, level):
    answer = rank(client, indicator, level)
    header, rows = table_rows(answer["comparer-rank-table"]["children"])
    assert header[:3] == ["Rang", "Code", "Territoire"]
    frame = latest_values(indicator, level)
    *ranked, reference = rows
    assert {r[1]: r[3] for r in ranked} == {c: cell(v, f, indicator)
                                            for c, v, f in zip(frame["code"], frame["value"], frame["flag"])}
    assert [r[0] for r in ranked] == [str(i) for i in range(1, len(ranked) + 1)]
    published = [float(frame.set_index("code").loc[r[1], "value"]) for r in ranked if r[3] != "s"]
    assert published == sorted(published, reverse=True)
    assert all(r[3] == "s" for r in ranked[len(published):])  # secret cells last
    department = latest_values(indicator, "departement").iloc[0]
    assert reference == ["", "departement", f"{department['name']} (référence)",
                         cell(department["value"], department["flag"], indicator)]
    bars = answer["comparer-rank-graph"]["figure"]["data"][0]
    assert bars["y"] == [r[2] for r in ranked]
    for r, x, text in zip(ranked, bars["x"], bars["text"]):
        assert (x is None and text == "s (secret statistique)") if r[3] == "s" else text == r[3]
    layout = answer["comparer-rank-graph"]["figure"]["layout"]
    assert answer["comparer-rank-graph"]["style"] == {"height": f"{layout['height']}px"}
    assert layout["height"] >= 26 * len(ranked)  # room for every territory's name
    notes = [a["y"] for a in layout.get("annotations", []) if a["text"] == "s (secret statistique)"]
    assert notes == [r[2] for r in ranked if r[3] == "s"]  # a secret territory: "s" written, no bar
    lines = [s["x0"] for s in layout.get("shapes", [])]
    if queries.indicators().set_index("code").loc[indicator, "unit"] in compare_view.COUNT_UNITS:
        assert lines == []  # a count's département is a sum, not a level to read against
    else:
        assert lines == [pytest.approx(float(department["value"]))]
    if level == "circonscription":
        assert notes


def test_chosen_territories_only_are_ranked(client):
    answer = rank(client, "rsa_foyers", "commune", ["93066", "93001", "pas-un-code"])
    _header, rows = table_rows(answer["comparer-rank-table"]["children"])
    assert [r[1] for r in rows] == sorted(["93066", "93001"], key=lambda c: -float(
        latest_values("rsa_foyers", "commune").set_index("code").loc[c, "value"])) + ["departement"]


def test_the_scatter_places_the_published_pairs_only(client):
    answer = scatter(client, SECRET_INDICATOR, "ali_file_active", "circonscription")
    header, rows = table_rows(answer["comparer-scatter-table"]["children"])
    assert header == ["Code", "Territoire", "Sorties vers l'emploi durable (personnes)",
                      "Personnes suivies par l'ALI (file active) (personnes)"]
    x, y = (latest_values(i, "circonscription").set_index("code") for i in (SECRET_INDICATOR, "ali_file_active"))
    for code, _name, x_text, y_text in rows:
        assert x_text == (cell(x.loc[code, "value"], x.loc[code, "flag"], SECRET_INDICATOR) if code in x.index else "–")
        assert y_text == (cell(y.loc[code, "value"], y.loc[code, "flag"], "ali_file_active") if code in y.index else "–")
    points = answer["comparer-scatter-graph"]["figure"]["data"][0]
    placed = [r for r in rows if "s" not in (r[2], r[3]) and "–" not in (r[2], r[3])]
    assert points["text"] == [r[1] for r in placed]
    assert points["x"] == [pytest.approx(float(x.loc[r[0], "value"])) for r in placed]
    assert any("s" in (r[2], r[3]) for r in rows) and len(placed) < len(rows)


def test_one_indicator_on_both_axes_keeps_two_columns(client):
    answer = scatter(client, "population", "population", "commune")
    header, rows = table_rows(answer["comparer-scatter-table"]["children"])
    assert len(header) == 4 and len(set(header)) == 4
    assert all(r[2] == r[3] for r in rows)


@pytest.mark.parametrize("prefix", ["comparer-rank", "comparer-scatter"])
def test_downloads_are_what_the_panels_show_secret_cells_included(client, prefix):
    if prefix == "comparer-rank":
        answer, state = rank(client, SECRET_INDICATOR, "circonscription"), rank_controls(
            SECRET_INDICATOR, "circonscription", [])
    else:
        answer, state = scatter(client, SECRET_INDICATOR, "ali_file_active", "circonscription"), scatter_controls(
            SECRET_INDICATOR, "ali_file_active", "circonscription", [])
    assert assert_downloads_match_screen(client, prefix, answer[f"{prefix}-table"]["children"], state) > 0


@pytest.mark.parametrize("indicator, level, codes, x, y", [
    ("pas_un_indicateur", "pays", "93001", "<script>", 12),
    ({"a": 1}, ["commune"], [None, 3, {"b": 2}], None, None),
    (None, None, ["x"] * 1000, ["rsa_foyers"], True),
    ("9" * 5000, "qpv", None, 1.5, "rsa_foyers"),
])
def test_forged_values_answer_the_defaults(client, indicator, level, codes, x, y):
    default = rank(client, None, None)
    answer = update(client, RANK, [("comparer-indicator", "value", indicator), ("comparer-level", "value", level),
                                   ("comparer-territories", "value", codes)],
                    [("comparer-x", "value", x), ("comparer-y", "value", y)])
    assert answer["comparer-rank-title"] == default["comparer-rank-title"]
    assert table_rows(answer["comparer-rank-table"]["children"]) == table_rows(default["comparer-rank-table"]["children"])
    state = answer["comparer-state"]["data"]
    assert state["niveau"] == compare_view.DEFAULT_LEVEL
    assert (state["x"], state["y"]) == (compare_view.known_indicator(x), compare_view.known_indicator(
        y, compare_view.DEFAULT_Y))
    placed = update(client, SCATTER, [("comparer-x", "value", x), ("comparer-y", "value", y),
                                      ("comparer-level", "value", level), ("comparer-territories", "value", codes)],
                    [("comparer-indicator", "value", indicator)])
    assert placed["comparer-scatter-title"]["children"]
    options = update(client, [("comparer-territories", "options"), ("comparer-territories", "value")],
                     [("comparer-level", "value", level)])
    assert options["comparer-territories"]["options"] == compare_view.territory_options(None)


def layout_of(client, search: str):
    return page_layout(client, "/comparer", search)


def test_a_shared_link_sets_the_controls_and_a_forged_one_the_defaults(client):
    layout = layout_of(client, "?niveau=commune&indicateur=rsa_foyers&x=population&y=rsa_foyers_pour_100_hab")
    assert [value_of(layout, f"comparer-{c}") for c in ("level", "indicator", "x", "y")] == [
        "commune", "rsa_foyers", "population", "rsa_foyers_pour_100_hab"]
    assert {o["value"] for o in next(find(layout, "comparer-territories"))["props"]["options"]} == set(
        latest_values("rsa_foyers", "commune")["code"])
    forged = layout_of(client, "?niveau=%3Cb%3E&indicateur=zz&x=&y=1")
    assert [value_of(forged, f"comparer-{c}") for c in ("level", "indicator", "x", "y")] == [
        compare_view.DEFAULT_LEVEL, compare_view.DEFAULT_X, compare_view.DEFAULT_X, compare_view.DEFAULT_Y]
