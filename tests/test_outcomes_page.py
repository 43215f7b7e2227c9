"""The outcomes page without a browser: every panel shows the query layer's figures (secret
cells as "s", never drawn), its downloads are exactly its table, cohorts are the stored cohort
figures only, and forged control values fall back to the defaults."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.app import create_app
from dashboard.formatting import fr_period, fr_value
from tests.helpers import queries, signed_in
from dashboard.indicators.registry import COHORT_STATUSES, EXITS
from dashboard.store.models import QUALITIES
from dashboard.views import outcomes_view as view
from tests.panels import assert_downloads_match_screen, table_rows, texts, update

OCT_2026 = ("month", dt.date(2026, 10, 1))
Q3_2025, Q1_2026 = ("quarter", dt.date(2025, 7, 1)), ("quarter", dt.date(2026, 1, 1))
ALI = "ALI-2022-03"  # La Courneuve: small enough to have secret cells at the default threshold
# The panels of a territory's history, filled by one callback in this order.
TERRITORY_PANELS = ["resultats-exits-time", "resultats-rates", "resultats-flows", "resultats-cohorts-quarters"]
FORGED = [None, 12, ["93"], {"$ne": 1}, "../../etc/passwd", "ALI-2022-99", "NR-93008", "2026-13", "9999-T9", ""]


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(sqlite_reference_settings)


def outputs(prefix):
    return [(f"{prefix}-{part}", "children" if part != "graph" else "figure")
            for part in ("title", "graph", "source", "table")]


def panel(client, prefix, inputs):
    """Post the callback that fills a panel (the panels of a territory's history share one); the
    panel's part of the response keyed by part (title, graph, source, table)."""
    group = TERRITORY_PANELS if prefix in TERRITORY_PANELS else [prefix]
    answer = update(client, [o for p in group for o in outputs(p)], inputs)
    return {part: answer[f"{prefix}-{part}"]["children" if part != "graph" else "figure"]
            for part in ("title", "graph", "source", "table")}


def screen(value, flag, unit="personnes", decimals=0) -> str:
    """How a cell of the query layer must read on screen."""
    if isinstance(flag, str):
        return "s"
    return "–" if value is None or value != value else fr_value(value, unit, decimals)


def cell(indicator, level, period, code):
    frame = queries.values(indicator, level, *period, queries.geography_of(indicator, *period))
    row = frame[frame["code"] == code]
    return (None, None) if row.empty else (row["value"].iloc[0], row["flag"].iloc[0])


def exits_panel(client, month):
    return panel(client, "resultats-exits", [("resultats-month", "value", month)])


def test_exits_per_ali_are_the_query_layers_and_secret_parts_are_not_drawn(client):
    shown = exits_panel(client, "2026-10")
    assert "octobre 2026" in shown["title"]
    header, rows = table_rows(shown["table"])
    alis = set(queries.alis()["circonscription_code"])
    assert {row[0] for row in rows} == alis  # ALI territories only, no "commune non rattachée"
    secret = 0
    for row in rows:
        for column, indicator in zip(header[2:], (*EXITS, "ali_sorties")):
            value, flag = cell(indicator, "circonscription", OCT_2026, row[0])
            assert row[header.index(column)] == screen(value, flag), (row[0], indicator)
            secret += isinstance(flag, str)
    assert secret > 0
    # Each exit type is one trace; a secret part is a gap, never a bar.
    figure = shown["graph"]
    for trace, indicator in zip(figure["data"], EXITS):
        drawn = dict(zip(trace["y"], trace["x"]))
        for row in rows:
            value, flag = cell(indicator, "circonscription", OCT_2026, row[0])
            assert drawn[row[1]] == (None if isinstance(flag, str) else pytest.approx(value))
    assert QUALITIES["demo"] in texts(shown["source"])  # the demo badge


def test_exits_over_time_rates_and_flows_are_the_query_layers(client):
    months = view.months()
    sample = [months[0], months[len(months) // 2], months[-1]]
    panels = {prefix: panel(client, prefix, [("resultats-territory", "value", ALI)])
              for prefix in ("resultats-exits-time", "resultats-rates", "resultats-flows")}
    expected = {"resultats-exits-time": [(i, "personnes", 0) for i in (*EXITS, "ali_sorties")],
                "resultats-rates": [("ali_part_sorties_emploi_durable", "%", 1), ("ali_taux_sortie", "%", 1)],
                "resultats-flows": [(i, "personnes", 0) for i in ("ali_entrees", "ali_sorties", "ali_file_active")]}
    history = queries.history(ALI)
    for prefix, shown in panels.items():
        assert "La Courneuve" in shown["title"]
        header, rows = table_rows(shown["table"])
        by_month = {row[0]: row for row in rows}
        for (indicator, unit, decimals), column in zip(expected[prefix], header[1:]):
            series = history[(history["indicator"] == indicator) & (history["period_type"] == "month")]
            # Every month is the territory's history; some months checked against `values` too.
            for start, value, flag in zip(series["period_start"], series["value"], series["flag"]):
                assert by_month[fr_period("month", start)][header.index(column)] == screen(value, flag, unit, decimals)
            for period in sample:
                if period[1] >= series["period_start"].min():
                    value, flag = cell(indicator, "circonscription", period, ALI)
                    assert by_month[fr_period(*period)][header.index(column)] == screen(value, flag, unit, decimals)
    exits_time = panels["resultats-exits-time"]
    header, rows = table_rows(exits_time["table"])
    assert any("s" in row for row in rows)
    for trace, column in zip(exits_time["graph"]["data"], header[1:5]):
        assert [None if row[header.index(column)] in ("s", "–") else "n" for row in rows] == \
            [None if y is None else "n" for y in trace["y"]]


def test_the_exit_rate_is_exits_over_people_followed_and_masked_with_them(app):
    geography = queries.geography_of("ali_sorties", *OCT_2026)
    rate = queries.values("ali_taux_sortie", "circonscription", *OCT_2026, geography).set_index("code")
    exits = queries.values("ali_sorties", "circonscription", *OCT_2026, geography).set_index("code")
    followed = queries.values("ali_file_active", "circonscription", *OCT_2026, geography).set_index("code")
    for code in rate.index:
        if isinstance(exits.loc[code, "flag"], str) or isinstance(followed.loc[code, "flag"], str):
            assert rate.loc[code, "flag"] == "secret"
        else:
            assert rate.loc[code, "value"] == pytest.approx(
                exits.loc[code, "value"] / followed.loc[code, "value"] * 100)
    department = queries.values("ali_taux_sortie", "departement", *OCT_2026, geography)["value"].iloc[0]
    assert department == pytest.approx(
        queries.values("ali_sorties", "departement", *OCT_2026, geography)["value"].iloc[0]
        / queries.values("ali_file_active", "departement", *OCT_2026, geography)["value"].iloc[0] * 100)
    profile = queries.history("93")
    october = profile[(profile["indicator"] == "ali_taux_sortie") & (profile["period_start"] == OCT_2026[1])]
    assert october["value"].iloc[0] == pytest.approx(department)


def cohort_panel(client, code, quarter):
    return panel(client, "resultats-cohorts", [("resultats-territory", "value", code),
                                               ("resultats-quarter", "value", quarter)])


@pytest.mark.parametrize("code", ["93", ALI])
def test_cohorts_are_the_stored_cohort_figures(client, code):
    shown = cohort_panel(client, code, "2025-T3")
    assert "3e trimestre 2025" in shown["title"] and "pas encore connue" not in shown["title"]
    header, rows = table_rows(shown["table"])
    level = queries.find_territory(code)["level"]
    entries, entries_flag = cell("cohorte_entrees", level, Q3_2025, code)
    for horizon in (6, 12):
        counts = header.index(f"À {horizon} mois (personnes)")
        shares = header.index(f"À {horizon} mois (% des entrées)")
        for row, status in zip(rows, COHORT_STATUSES):
            value, flag = cell(f"cohorte_{horizon}m_{status}", level, Q3_2025, code)
            assert row[counts] == screen(value, flag)
            share = "s" if isinstance(flag, str) or isinstance(entries_flag, str) else \
                fr_value(value / entries * 100, "%", 1)
            assert row[shares] == share
        assert rows[-1][counts] == screen(entries, entries_flag)
    bars = {trace["name"]: dict(zip(trace["y"], trace["x"])) for trace in shown["graph"]["data"]}
    for row, label in zip(rows, bars):
        assert (bars[label]["À 6 mois"] is None) == (row[header.index("À 6 mois (personnes)")] == "s")


def test_a_quarter_whose_twelve_month_situation_is_not_known_says_so(client):
    assert Q1_2026 not in queries.periods("cohorte_12m_suivis") and Q1_2026 in queries.periods("cohorte_6m_suivis")
    shown = cohort_panel(client, "93", "2026-T1")
    assert "situation à 12 mois pas encore connue" in shown["title"] and "31 mars 2027" in shown["title"]
    header, rows = table_rows(shown["table"])
    assert all(row[header.index("À 12 mois (personnes)")] == "–" for row in rows)
    assert all(row[header.index("À 6 mois (personnes)")] not in ("–", "s") for row in rows)
    assert any("pas encore connue" in a["text"].lower() for a in shown["graph"]["layout"]["annotations"])
    assert all(x is None for trace in shown["graph"]["data"] for y, x in zip(trace["y"], trace["x"])
               if y == "À 12 mois")


def test_the_quarters_table_leaves_out_horizons_not_yet_observed(client):
    shown = panel(client, "resultats-cohorts-quarters", [("resultats-territory", "value", ALI)])
    header, rows = table_rows(shown["table"])
    observed = {h: {fr_period(*p) for p in queries.periods(f"cohorte_{h}m_suivis")} for h in (6, 12)}
    assert {(r[0], r[1]) for r in rows} == {(q, f"À {h} mois") for h in (6, 12) for q in observed[h]}
    assert any("s" in row for row in rows)


@pytest.mark.parametrize("prefix, inputs", [
    ("resultats-exits", [("resultats-month", "value", "2026-10")]),
    ("resultats-exits-time", [("resultats-territory", "value", ALI)]),
    ("resultats-rates", [("resultats-territory", "value", ALI)]),
    ("resultats-flows", [("resultats-territory", "value", "93")]),
    ("resultats-cohorts", [("resultats-territory", "value", ALI), ("resultats-quarter", "value", "2025-T3")]),
    ("resultats-cohorts-quarters", [("resultats-territory", "value", ALI)]),
])
def test_downloads_are_what_the_panel_shows(client, prefix, inputs):
    shown = panel(client, prefix, inputs)
    secret = assert_downloads_match_screen(client, prefix, shown["table"], inputs)
    if prefix != "resultats-flows":  # entries, exits and people followed of the département: large counts
        assert secret > 0, prefix


def titles(client, territory, month, quarter) -> dict[str, str]:
    """The title of every panel for these control values."""
    answer = update(client, [o for p in TERRITORY_PANELS for o in outputs(p)],
                    [("resultats-territory", "value", territory)])
    out = {p: answer[f"{p}-title"]["children"] for p in TERRITORY_PANELS}
    out["resultats-exits"] = exits_panel(client, month)["title"]
    out["resultats-cohorts"] = cohort_panel(client, territory, quarter)["title"]
    return out


@pytest.fixture(scope="module")
def default_titles(app):
    default = view.known_quarter(None)
    return titles(signed_in(app), "93", view.month_options()[0]["value"],
                  f"{default[1].year}-T{(default[1].month - 1) // 3 + 1}")


@pytest.mark.parametrize("forged", FORGED)
def test_forged_control_values_show_the_defaults(client, default_titles, forged):
    assert titles(client, forged, forged, forged) == default_titles
    state = update(client, [("resultats-state", "data")], [("resultats-territory", "value", forged),
                                                           ("resultats-month", "value", forged),
                                                           ("resultats-quarter", "value", forged)])
    assert state["resultats-state"]["data"] == {"territoire": "93", "mois": "2026-10", "trimestre": "2025-T3"}


def test_the_page_reads_its_state_from_the_url_and_ignores_forged_values(client):
    for search, territory in (("?territoire=ALI-2022-03&mois=2026-09&trimestre=2024-T2", ALI),
                              ("?territoire=%3Cscript%3E&mois=..&trimestre=2024-T9", "93")):
        answer = update(client, [("_pages_content", "children"), ("_pages_store", "data")],
                        [("_pages_location", "pathname", "/resultats"), ("_pages_location", "search", search)])
        layout = answer["_pages_content"]["children"]
        page = texts(layout)
        assert "Résultats de l'accompagnement" in page and "jamais estimées" in page

        def value_of(component_id, node=layout):
            if isinstance(node, dict):
                if node.get("props", {}).get("id") == component_id:
                    return node["props"]["value"]
                return next((v for v in (value_of(component_id, c) for c in node.get("props", {}).values())
                             if v is not None), None)
            if isinstance(node, list):
                return next((v for v in (value_of(component_id, c) for c in node) if v is not None), None)
            return None
        assert value_of("resultats-territory") == territory
        assert value_of("resultats-month") == ("2026-09" if territory == ALI else "2026-10")
        assert value_of("resultats-quarter") == ("2024-T2" if territory == ALI else "2025-T3")
    assert client.get("/resultats?territoire=%00&mois=%ff").status_code == 200
