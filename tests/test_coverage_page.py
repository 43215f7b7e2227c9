"""The ALI coverage page through its callbacks: the map and the table show the query layer's
figures for the month chosen, secret cells as "s"; the territories no ALI covers are listed as
such; start dates are never invented; the downloads are the tables on screen; forged control
values fall back to the latest month."""
from __future__ import annotations

import dataclasses
import datetime as dt

import dash
import pytest

from dashboard.app import create_app
from dashboard.figures.coverage import UNCOVERED_COLOUR, UNCOVERED_LABEL, coverage_map
from dashboard.figures.maps import MISSING_Z
from dashboard.formatting import MONTHS, fr_date, fr_period, fr_value
from tests.helpers import queries, signed_in
from dashboard.indicators.registry import period_key
from tests.helpers import initialised
from tests.panels import assert_downloads_match_screen, table_rows, update

PANELS = ("ali-map", "ali-table", "ali-filling")
FIRST = "Premier mois d'activité dans les données"
OUTPUTS = [(f"{p}-{part}", prop) for p in PANELS for part, prop in
           (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))] + \
          [("ali-cards", "children"), ("ali-summary", "children"), ("ali-state", "data")]


@pytest.fixture
def client(sqlite_reference_settings):
    return signed_in(create_app(sqlite_reference_settings))


@pytest.fixture(scope="module")
def secret_settings(tmp_path_factory):
    """A store of its own (the query cache is shared by the apps of a process, keyed by store)
    where every count up to 600 is small: some ALIs' figures are masked."""
    return initialised(tmp_path_factory.mktemp("ali-secret"), threshold=600)


@pytest.fixture
def secret_client(secret_settings):
    return signed_in(create_app(secret_settings))


def show(client, month) -> dict:
    return update(client, OUTPUTS, [("ali-month", "value", month)])


def shown_text(value, flag, unit, decimals) -> str:
    if isinstance(flag, str):
        return "s"
    return "–" if value is None or value != value else fr_value(value, unit, decimals)


def expected_rows(period) -> dict[str, dict]:
    """What each circonscription's row must say, from the query layer."""
    geography = queries.geography_of("ali_file_active", *period)
    alis = queries.alis().set_index("circonscription_code")
    frames = {i: queries.values(i, "circonscription", *period, geography).set_index("code")
              for i in ("ali_file_active", "rsa_foyers", "ali_taux_couverture")}

    def text(indicator, code, unit, decimals):
        frame = frames[indicator]
        return shown_text(frame.at[code, "value"], frame.at[code, "flag"], unit, decimals) \
            if code in frame.index else "–"

    rows = {}
    for code in queries.territories(geography, "circonscription")["code"]:
        covered = code in alis.index
        rows[code] = {"ALI": alis.at[code, "code"] if covered else "non couverte",
                      "Personnes suivies": text("ali_file_active", code, "personnes", 0) if covered else "–",
                      "Foyers au RSA": text("rsa_foyers", code, "foyers", 0),
                      "Taux de couverture": text("ali_taux_couverture", code, "%", 1) if covered else "non couverte"}
    return rows


def first_activity(code: str) -> str:
    """The first month the store holds an activity figure for this ALI territory (its history)."""
    history = queries.history(code)
    active = history[(history["indicator"] == "ali_file_active")
                     & (history["value"].notna() | history["flag"].map(lambda f: isinstance(f, str)))]
    return fr_period(*active.sort_values("period_start")[["period_type", "period_start"]].iloc[0])


@pytest.mark.parametrize("month", [None, "2023-01", "2025-06"])
def test_the_table_shows_the_query_layer(client, month):
    answer = show(client, month)
    period = queries.periods("ali_file_active")[-1] if month is None \
        else ("month", dt.date.fromisoformat(f"{month}-01"))
    assert fr_period(*period) in answer["ali-table-title"]["children"]
    header, rows = table_rows(answer["ali-table-table"]["children"])
    by_code = {row[0]: dict(zip(header, row)) for row in rows}
    expected = expected_rows(period)
    assert set(by_code) == set(expected)
    for code, cells in expected.items():
        assert {k: by_code[code][k] for k in cells} == cells, code
    alis = queries.alis()
    for ali in alis.itertuples():
        row = by_code[ali.circonscription_code]
        # Start dates are not published: never invented, the first month in the store beside them.
        assert ali.start_date is None and row["Date de démarrage"] == "non publiée"
        assert row["Porteur"] == ali.porteur
        # Inauguration dates are published for four ALIs (data/reference/ali_93_laureats_2022.csv).
        assert row["Date d'inauguration"] == (fr_date(ali.inaugurated_on) if ali.inaugurated_on else "non publiée")
    assert {a.code: a.inaugurated_on for a in alis.itertuples() if a.inaugurated_on} == {
        "ALI-2022-03": dt.date(2023, 10, 9), "ALI-2022-05": dt.date(2023, 11, 17),
        "ALI-2022-08": dt.date(2023, 4, 7), "ALI-2022-11": dt.date(2023, 6, 16)}
    # The first month of activity, checked on the earliest and the latest starter (a territory's
    # whole history is a slow query).
    starts = {c: by_code[c][FIRST] for c in alis["circonscription_code"]}
    ordered = sorted(starts, key=lambda c: (starts[c].split()[1], MONTHS.index(starts[c].split()[0])))
    for code in {ordered[0], ordered[-1]}:
        assert starts[code] == first_activity(code)
    # Covered territories first, then the uncovered ones.
    covered = [r[header.index("ALI")] != "non couverte" for r in rows]
    assert covered == sorted(covered, reverse=True) and not all(covered)


def test_the_map_sets_the_uncovered_territories_apart(client):
    answer = show(client, None)
    period = queries.periods("ali_file_active")[-1]
    trace = answer["ali-map-graph"]["figure"]["data"][0]
    texts = dict(zip(trace["locations"], (c[0] for c in trace["customdata"])))
    z = dict(zip(trace["locations"], trace["z"]))
    expected = expected_rows(period)
    uncovered = {c for c, row in expected.items() if row["ALI"] == "non couverte"}
    assert uncovered and {texts[c] for c in uncovered} == {UNCOVERED_LABEL}
    assert {c: texts[c] for c in expected if c not in uncovered} == \
        {c: row["Taux de couverture"] for c, row in expected.items() if c not in uncovered}
    assert max(z[c] for c in uncovered) < min(z[c] for c in expected if c not in uncovered)
    assert UNCOVERED_LABEL in trace["colorbar"]["ticktext"]
    # The map's table: the same rates, and the département's as reference.
    header, rows = table_rows(answer["ali-map-table"]["children"])
    assert rows[-1][1].endswith("(référence)")
    department = queries.values("ali_taux_couverture", "departement", *period,
                                queries.geography_of("ali_file_active", *period)).iloc[0]
    assert rows[-1][2] == fr_value(department["value"], "%", 1)
    # The caveat of the ALI list (start dates not published) is under the map.
    assert "Dates de démarrage non publiées" in str(answer["ali-map-source"]["children"])


def test_cards_link_every_territory_to_its_profile(client):
    answer = show(client, None)
    text = str(answer["ali-cards"]["children"])
    period = queries.periods("ali_file_active")[-1]
    for code in expected_rows(period):
        assert f"'href': '/territoire/{code}'" in text
    assert answer["ali-state"]["data"] == {"mois": period_key(*period)}
    assert answer["ali-summary"]["children"].startswith(f"{len(queries.alis())} territoires couverts")


# Actual against objective: (column, indicator, "year" of the month or the "month" itself).
OBJECTIVE_COLUMNS = [
    ("Places (objectif)", "ali_objectif_places", "year", "places", 0),
    ("Taux de remplissage", "ali_taux_remplissage", "month", "%", 1),
    ("Personnes à accompagner (objectif annuel)", "ali_objectif_orientations", "year", "personnes", 0),
    ("Entrées de l'année (cumul)", "ali_entrees_annee", "year", "personnes", 0),
    ("Réalisation de l'objectif d'entrées", "ali_realisation_orientations", "year", "%", 1),
    ("Part visée de sorties vers l'emploi durable", "ali_objectif_part_emploi_durable", "year", "%", 0),
]


@pytest.mark.parametrize("month", ["2024-03", None])
def test_objectives_of_the_year_stand_beside_the_activity(client, month):
    """The demo objectives (`ali_objectifs`) of the month's year, and the filling rate of the
    month, as published; the card says each against its objective."""
    answer = show(client, month)
    period = queries.periods("ali_file_active")[-1] if month is None \
        else ("month", dt.date.fromisoformat(f"{month}-01"))
    year = ("year", period[1].replace(month=1))
    header, rows = table_rows(answer["ali-table-table"]["children"])
    by_code = {row[0]: dict(zip(header, row)) for row in rows}
    checked = 0
    for column, indicator, span, unit, places in OBJECTIVE_COLUMNS:
        at = period if span == "month" else year
        frame = queries.values(indicator, "circonscription", *at, queries.geography_of(indicator, *at))
        assert len(frame) == len(queries.alis()), indicator
        for row in frame.itertuples():
            assert by_code[row.code][column] == shown_text(row.value, row.flag, unit, places), (column, row.code)
            checked += 1
    assert checked == 6 * 13
    # The filling rate is the people followed over the places, and 13 cards say it.
    first = next(r for r in by_code.values() if r["ALI"] == "ALI-2022-03")
    cards = str(answer["ali-cards"]["children"])
    assert f"Objectifs {period[1].year}" in cards and cards.count("Remplissage") == 13
    assert repr(f"{first['Taux de remplissage']} de l'objectif")[1:-1] in cards
    # each panel says where its own figures come from: the objectives under the table, not the map
    assert "Objectifs générés" in str(answer["ali-table-source"]["children"])
    assert "Objectifs générés" not in str(answer["ali-map-source"]["children"])


def test_the_filling_grid_shows_24_months_of_each_ali(client):
    answer = show(client, "2025-06")
    figure = answer["ali-filling-graph"]["figure"]["data"][0]
    assert len(figure["y"]) == 13 and len(figure["x"]) == 24 and figure["x"][-1] == "2025-06-01"
    header, rows = table_rows(answer["ali-filling-table"]["children"])
    assert len(rows) == 13 * 24
    series = queries.series_values("ali_taux_remplissage", ("circonscription",))
    row = series[series["period_start"] == dt.date(2025, 6, 1)].iloc[0]
    name = queries.alis().set_index("circonscription_code").loc[row["code"], "name"]
    assert [name, "juin 2025", shown_text(row["value"], row["flag"], "%", 1)] in \
        [[r[0], r[2], r[3]] for r in rows]


@pytest.mark.parametrize("forged", ["2099-01", "'; DROP TABLE figure", 7, ["2025-06"], {"a": 1}, True])
def test_forged_months_fall_back_to_the_latest(client, forged):
    answer = show(client, forged)
    latest = fr_period(*queries.periods("ali_file_active")[-1])
    assert answer["ali-map-title"]["children"].endswith(latest)


@pytest.mark.parametrize("prefix", PANELS)
def test_downloads_are_the_tables_on_screen(client, prefix):
    answer = show(client, "2023-01")
    assert_downloads_match_screen(client, prefix, answer[f"{prefix}-table"]["children"],
                                  [("ali-month", "value", "2023-01")])


@pytest.mark.parametrize("prefix", PANELS)
def test_secret_cells_are_s_on_screen_and_in_the_downloads(secret_client, prefix):
    answer = show(secret_client, None)
    secret = assert_downloads_match_screen(secret_client, prefix, answer[f"{prefix}-table"]["children"],
                                           [("ali-month", "value", None)])
    assert secret > 0
    period = queries.periods("ali_file_active")[-1]
    expected = expected_rows(period)
    if prefix == "ali-filling":  # filling rates of a small ALI's months are secret when its file active is
        assert "s" in {row[3] for row in table_rows(answer["ali-filling-table"]["children"])[1]}
        return
    header, rows = table_rows(answer[f"{prefix}-table"]["children"])
    for row in rows[:len(expected)]:
        cells = dict(zip(header, row))
        assert cells["Taux de couverture"] == expected[cells["Code"]]["Taux de couverture"]
    if prefix == "ali-map":
        trace = answer["ali-map-graph"]["figure"]["data"][0]
        hidden = {c for c, row in expected.items() if row["Taux de couverture"] == "s"}
        assert hidden and all(d[0] == "s (secret statistique)" for c, d in zip(trace["locations"], trace["customdata"])
                              if c in hidden)


def component(tree, wanted: str):
    """The component of a layout with this id."""
    if getattr(tree, "id", None) == wanted:
        return tree
    children = getattr(tree, "children", None)
    for child in children if isinstance(children, list) else [children]:
        found = component(child, wanted) if child is not None and not isinstance(child, str) else None
        if found is not None:
            return found
    return None


def test_the_layout_reads_the_month_from_the_url(client):
    # The page as Dash registered it (importing its module again would register it twice),
    # without the sign-in guard around it (`internal_pages`): called here outside any request.
    layout = next(p["layout"] for p in dash.page_registry.values() if p["path"] == "/ali").__wrapped__
    assert client.get("/ali?mois=2025-06").status_code == 200
    assert component(layout(mois="2025-06"), "ali-month").value == "2025-06"
    latest = period_key(*queries.periods("ali_file_active")[-1])
    assert component(layout(mois="nimporte"), "ali-month").value == latest
    options = component(layout(), "ali-month").options
    assert options[0] == {"label": fr_period(*queries.periods("ali_file_active")[-1]), "value": latest}


def test_without_activity_figures_the_alis_are_still_listed(tmp_path_factory):
    """The reference data alone (no demo activity): the territories and their ALI, no figure."""
    client = signed_in(create_app(initialised(tmp_path_factory.mktemp("ali-bare"), demo=False)))
    assert queries.periods("ali_file_active") == []
    answer = show(client, None)
    assert answer["ali-summary"]["children"] == "Aucun chiffre d'activité des ALI."
    header, rows = table_rows(answer["ali-table-table"]["children"])
    alis = queries.alis()
    listed = {r[0]: dict(zip(header, r)) for r in rows}
    assert {c: listed[c]["ALI"] for c in alis["circonscription_code"]} == dict(zip(alis["circonscription_code"],
                                                                                 alis["code"]))
    assert {r["Taux de couverture"] for c, r in listed.items() if c in set(alis["circonscription_code"])} == {"–"}
    assert_downloads_match_screen(client, "ali-table", answer["ali-table-table"]["children"],
                                  [("ali-month", "value", None)])


def test_coverage_map_draws_uncovered_territories_in_their_own_class():
    square = lambda x: {"type": "Polygon", "coordinates": [[[x, 0], [x + 1, 0], [x + 1, 1], [x, 1], [x, 0]]]}
    shapes = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": code, "properties": {"nom": code}, "geometry": square(i)}
        for i, code in enumerate(["A", "B", "C", "N"])]}
    figure = coverage_map(shapes, ["A", "B", "C"], [10.0, None, 30.0], [False, True, False], ["N"],
                          sources=["x"] * 3, unit="%", decimals=1, period_label="mars 2025",
                          reference=("Département", 5.0))
    trace = figure.data[0]
    z = dict(zip(trace.locations, trace.z))
    assert z["B"] == -1 and z["N"] == MISSING_Z - 1 and trace.zmin == MISSING_Z - 1.5
    assert trace.colorscale[0][1] == UNCOVERED_COLOUR.upper() or trace.colorscale[0][1].lower() == UNCOVERED_COLOUR
    assert list(trace.marker.line.width) == [0.6, 0.6, 0.6, 1.6]
    assert trace.colorbar.ticktext[0] == UNCOVERED_LABEL
    # A reference outside every class is named in the legend, not marked in a class.
    assert "◆" not in "".join(trace.colorbar.ticktext) and "Département : 5,0" in trace.colorbar.title.text
