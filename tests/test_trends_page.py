"""The trends page without a browser: its series and its changes over one year are the query
layer's figures (secret cells "s", no change computed from them), the ALIs' start is marked
where the store says it is, both downloads are exactly what is shown, forged values do no harm."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.app import create_app
from dashboard.formatting import fr_period, fr_value
from dashboard.indicators.reader import EXTENSION
from tests.helpers import queries
from dashboard.indicators.registry import decimals
from dashboard.views import trends_view
from tests.panels import assert_downloads_match_screen, page_layout, table_rows, texts, update, value_of

SERIES = [("evolutions-series-title", "children"), ("evolutions-series-graph", "figure"),
          ("evolutions-series-source", "children"), ("evolutions-series-table", "children"),
          ("evolutions-marks", "children"), ("evolutions-state", "data")]
CHANGE = [("evolutions-yoy-title", "children"), ("evolutions-yoy-graph", "figure"),
          ("evolutions-yoy-source", "children"), ("evolutions-yoy-table", "children")]
CONTROLS = ("evolutions-indicator", "evolutions-departement", "evolutions-circonscriptions", "evolutions-communes",
            "evolutions-start", "evolutions-end")
# A count with secret months at the ALI (few exits to durable jobs) and a commune without it.
EXITS = ("ali_sorties_emploi_durable", ["93"], ["ALI-2022-01"], ["93001"], "2023", "2026")


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def controls(values) -> list[tuple[str, str, object]]:
    return [(c, "value", v) for c, v in zip(CONTROLS, values)]


def history(code: str, indicator: str) -> pd.DataFrame:
    frame = queries.history(code)
    return frame[frame["indicator"] == indicator].sort_values("period_start")


def cell(value, flag, unit: str, places: int) -> str:
    if isinstance(flag, str):
        return "s"
    return "–" if value is None or value != value else fr_value(float(value), unit, places)


def test_the_series_are_the_query_layers_with_secret_cells_as_s(client):
    indicator, codes = EXITS[0], ["93", "ALI-2022-01", "93001"]
    answer = update(client, SERIES, controls(EXITS))
    unit = queries.indicators().set_index("code").loc[indicator, "unit"]
    header, rows = table_rows(answer["evolutions-series-table"]["children"])
    assert header == ["Territoire", "Code", "Période", f"Valeur ({unit})"]
    expected = []
    for code in codes:
        name = queries.find_territory(code)["name"]
        for t, d, v, f in history(code, indicator)[["period_type", "period_start", "value", "flag"]].itertuples(
                index=False):
            if 2023 <= d.year <= 2026:
                expected.append([name, code, fr_period(t, d), cell(v, f, unit, decimals(indicator))])
    assert rows == expected
    assert any(r[3] == "s" for r in rows), "the ALI's exits should hold secret months"
    lines = answer["evolutions-series-graph"]["figure"]["data"]
    assert [line["name"] for line in lines] == [queries.find_territory(c)["name"] for c in codes]
    ali = history("ALI-2022-01", indicator)
    assert lines[1]["y"] == [None if isinstance(f, str) else float(v) for v, f in zip(ali["value"], ali["flag"])]
    assert lines[2]["x"] == []  # the commune has no ALI figures: said so under the chart
    assert "Aucune valeur de cet indicateur pour : Aubervilliers" in texts(answer["evolutions-marks"]["children"])
    assert answer["evolutions-state"]["data"] == {"indicateur": indicator, "territoires": "93,ALI-2022-01,93001",
                                                  "debut": 2023, "fin": 2026}


def test_the_ali_start_is_its_first_month_of_activity_labelled_as_such(client):
    answer = update(client, SERIES, controls(EXITS))
    layout = answer["evolutions-series-graph"]["figure"]["layout"]
    active = history("ALI-2022-01", "ali_file_active")
    first = active["period_start"].min()
    assert [s["x0"][:10] for s in layout["shapes"]] == [first.isoformat()]
    assert [a["text"] for a in layout["annotations"]] == ["Premier mois d'activité transmis"]
    notes = texts(answer["evolutions-marks"]["children"])
    assert f"premier mois d'activité transmis : {fr_period('month', first)}" in notes
    assert "date de démarrage non publiée" in notes
    assert queries.alis()["start_date"].isna().all()  # no start is published: none is invented


def test_a_published_start_date_is_marked_as_the_start(app, monkeypatch):
    published = queries.alis().assign(start_date=[dt.date(2023, 2, 15)] + [None] * (len(queries.alis()) - 1))
    monkeypatch.setattr(app.server.extensions[EXTENSION], "alis", lambda: published)
    _chart, inputs = trends_view.series("rsa_foyers", ["ALI-2022-01", "ALI-2022-02"])
    assert inputs["marks"][0] == {"code": "ALI-2022-01", "day": dt.date(2023, 2, 15), "label": "Démarrage de l'ALI",
                                  "name": queries.find_territory("ALI-2022-01")["name"]}
    assert inputs["marks"][1]["label"] == "Premier mois d'activité transmis"
    assert inputs["notes"][0][0].endswith("démarrage le 15 février 2023.")


def test_the_change_over_a_year_is_computed_only_from_published_values(client):
    indicator, codes = EXITS[0], ["93", "ALI-2022-01"]
    answer = update(client, CHANGE, controls(EXITS[:3] + ([],) + EXITS[4:]))
    header, rows = table_rows(answer["evolutions-yoy-table"]["children"])
    assert header == ["Territoire", "Code", "Période", "Valeur (personnes)", "Un an avant (personnes)",
                      "Évolution sur un an (personnes)", "Évolution sur un an (%)"]
    expected = []
    for code in codes:
        series = history(code, indicator)
        by_day = {d: (v, f) for d, v, f in zip(series["period_start"], series["value"], series["flag"])}
        for day, (value, flag) in by_day.items():
            before = day.replace(year=day.year - 1)
            if not 2023 <= day.year <= 2026 or before not in by_day:
                continue
            then, then_flag = by_day[before]
            if isinstance(flag, str) or isinstance(then_flag, str):
                change = relative = "s"
            else:
                change = fr_value(value - then, "personnes", 0)
                relative = fr_value((value - then) / then * 100, "%", 1) if then else "–"
            expected.append([queries.find_territory(code)["name"], code, fr_period("month", day),
                             cell(value, flag, "personnes", 0), cell(then, then_flag, "personnes", 0),
                             change, relative])
    assert rows == expected
    assert any(r[5] == "s" for r in rows) and any(r[5] not in ("s", "–") for r in rows)
    lines = answer["evolutions-yoy-graph"]["figure"]["data"]
    assert all(line["type"] == "scatter" for line in lines)  # monthly: lines
    shown = [y for line in lines for y in line["y"]]
    assert [None if r[5] in ("s", "–") else pytest.approx(float(r[5].split("\xa0")[0].replace("\u202f", "")
                                                                         .replace(",", ".")))
            for r in rows] == shown


def test_a_yearly_indicator_changes_from_the_previous_year_as_bars(client):
    answer = update(client, CHANGE, controls(("population", ["93"], [], ["93066"], None, None)))
    _header, rows = table_rows(answer["evolutions-yoy-table"]["children"])
    series = history("93", "population")
    values = dict(zip(series["period_start"].map(lambda d: d.year), series["value"]))
    department = [r for r in rows if r[1] == "93"]
    assert [r[2] for r in department] == [str(y) for y in sorted(values) if y - 1 in values]
    for row in department:
        year = int(row[2])
        assert row[5] == fr_value(values[year] - values[year - 1], "habitants", 0)
    assert {line["type"] for line in answer["evolutions-yoy-graph"]["figure"]["data"]} == {"bar"}


@pytest.mark.parametrize("panel, outputs", [("evolutions-series", SERIES), ("evolutions-yoy", CHANGE)])
def test_downloads_are_what_the_panels_show_secret_cells_included(client, panel, outputs):
    answer = update(client, outputs, controls(EXITS))
    secrets = assert_downloads_match_screen(client, panel, answer[f"{panel}-table"]["children"], controls(EXITS))
    assert secrets > 0


def test_a_rate_changes_in_points(client):
    answer = update(client, CHANGE, controls(("ali_taux_couverture", [], ["ALI-2022-03"], [], "2025", "2025")))
    header, rows = table_rows(answer["evolutions-yoy-table"]["children"])
    assert header[-1] == "Évolution sur un an (points)" and len(rows) == 12
    assert all(r[-1] == "s" or r[-1].endswith("\xa0points") for r in rows)


@pytest.mark.parametrize("values", [
    ("pas_un_indicateur", "93", {"x": 1}, [None, 3], "1800", "abc"),
    ({"a": 1}, None, None, None, None, None),
    (12, ["inconnu"], ["ALI-2022-99"], [], ["2020"], 2020.5),
    ("rsa_foyers", [], [], [], "2030", "1999"),
    ("population", ["9" * 5000], [], ["93001"] * 500, True, False),
])
def test_forged_values_answer_the_defaults(client, values):
    default = update(client, SERIES, controls((None, None, None, None, None, None)))
    answer = update(client, SERIES, controls(values))
    change = update(client, CHANGE, controls(values))
    assert "evolutions-yoy-title" in change
    if values[0] not in ("rsa_foyers", "population"):
        assert answer["evolutions-series-title"] == default["evolutions-series-title"]
    state = answer["evolutions-state"]["data"]
    assert state["indicateur"] in {o["value"] for o in trends_view.indicator_options()}
    assert set(state["territoires"].split(",")) <= {"93", "ALI-2022-01", "93001"}


def test_more_territories_than_lines_are_cut_and_said_so(client):
    circonscriptions = [o["value"] for o in trends_view.territory_options("circonscription")][:10]
    answer = update(client, SERIES, controls(("rsa_foyers", ["93"], circonscriptions, [], None, None)))
    assert len(answer["evolutions-series-graph"]["figure"]["data"]) == trends_view.MAX_SHOWN
    assert f"Au plus {trends_view.MAX_SHOWN} territoires" in texts(answer["evolutions-marks"]["children"])


def layout_of(client, search: str):
    return page_layout(client, "/evolutions", search)


def test_a_shared_link_sets_the_controls(client):
    layout = layout_of(client, "?indicateur=ali_file_active&territoires=93,ALI-2022-03,93001&debut=2024&fin=2025")
    assert value_of(layout, "evolutions-indicator") == "ali_file_active"
    assert value_of(layout, "evolutions-departement") == ["93"]
    assert value_of(layout, "evolutions-circonscriptions") == ["ALI-2022-03"]
    assert value_of(layout, "evolutions-communes") == ["93001"]
    assert (value_of(layout, "evolutions-start"), value_of(layout, "evolutions-end")) == ("2024", "2025")
    forged = layout_of(client, "?indicateur=%3Cscript%3E&territoires=zz&debut=x&fin=99999")
    assert value_of(forged, "evolutions-indicator") == trends_view.DEFAULT_INDICATOR
    assert value_of(forged, "evolutions-departement") == ["93"]
    assert value_of(forged, "evolutions-circonscriptions") == ["ALI-2022-01"]


@pytest.mark.parametrize("indicator, start, end", [("population", "2021", "2030"), ({"x": 1}, None, ["2020"]),
                                                   ("ali_file_active", "2016", "2025")])
def test_a_new_indicator_offers_its_own_years_keeping_those_it_has(client, indicator, start, end):
    answer = update(client, [("evolutions-start", "options"), ("evolutions-start", "value"),
                             ("evolutions-end", "options"), ("evolutions-end", "value")],
                    [("evolutions-indicator", "value", indicator)],
                    [("evolutions-start", "value", start), ("evolutions-end", "value", end)])
    code = trends_view.known_indicator(indicator)
    years = sorted({d.year for _t, d in queries.periods(code)})
    assert [o["value"] for o in answer["evolutions-start"]["options"]] == [str(y) for y in years]
    kept_start = start if isinstance(start, str) and int(start) in years else str(years[0])
    kept_end = end if isinstance(end, str) and int(end) in years else str(years[-1])
    assert (answer["evolutions-start"]["value"], answer["evolutions-end"]["value"]) == (kept_start, kept_end)


def test_a_series_break_is_drawn_said_and_never_crossed_by_a_change(client):
    """Stains' RSA households: the CAF's annual file (real, to December 2020), then the monthly
    export (demo, from January 2021). The line stops and restarts with a ◇ at January 2021, the
    note under the chart gives the reason, and no change over a year is computed across it."""
    stains = ("rsa_foyers", [], [], ["93072"], "2019", "2022")
    series = update(client, SERIES, controls(stains))
    [line] = series["evolutions-series-graph"]["figure"]["data"]
    gap = line["x"].index("2021-01-01")
    start = gap + 1
    assert line["y"][gap] is None and line["x"][start] == "2021-01-01" and line["y"][start] is not None
    assert line["x"][gap - 1] == "2020-12-01" and line["y"][gap - 1] is not None
    assert line["marker"]["symbol"][start] == "diamond-open"
    assert "rupture de série" in line["customdata"][start][1]
    note = texts(series["evolutions-marks"]["children"])
    assert ("Stains, janvier 2021 : changement de source ou de méthode (fichier annuel de la CAF (base IRIS, "
            "INSEE/CNAF) → export mensuel de la CAF) ; données réelles → données de démonstration.") in note

    change = update(client, CHANGE, controls(stains))
    _header, rows = table_rows(change["evolutions-yoy-table"]["children"])
    by_period = {r[2]: r[5] for r in rows}
    # December 2021 against December 2020 crosses the break; nothing crosses it in 2022
    assert by_period["décembre 2021"] == "rupture de série"
    assert all(by_period[p] not in ("rupture de série", "–") for p in by_period if p.endswith("2022"))
    assert "décembre 2020" not in by_period or by_period["décembre 2020"] != "rupture de série"
