"""Objectives of the ALI agreements (`ali_objectifs`): the template round-trips (download,
fill, import, see on /ali and in the API), the contract's rules refuse what an objective cannot
be, and the published actual-against-objective indicators are what they say."""
from __future__ import annotations

import datetime as dt

import pytest

from dashboard.app import create_app
from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.templates import template_csv
from dashboard.publication.series import break_reason
from dashboard.store import make_engine
from tests.helpers import initialised, queries, signed_in
from tests.panels import table_rows
from tests.test_coverage_page import show

AGREEMENTS = Provenance(source="Conventions ALI 2026 (test)", licence="usage interne")
TODAY = dt.date(2026, 11, 24)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return initialised(tmp_path_factory.mktemp("objectives"))


def send(settings, tmp_path, name: str, rows: str):
    text = template_csv("ali_objectifs").decode("utf-8-sig")
    path = tmp_path / name
    path.write_bytes((text + rows).encode("utf-8-sig"))
    return import_file(make_engine(settings.database_url), path, "ali_objectifs", AGREEMENTS,
                       raw_dir=settings.raw_dir, today=TODAY)


def test_a_filled_template_shows_on_the_coverage_page_and_in_the_api(store, tmp_path):
    header = template_csv("ali_objectifs").decode("utf-8-sig")
    assert header.startswith("Année;Code ALI;Places d'accompagnement;Personnes à accompagner dans l'année;"
                             "Part visée des sorties vers l'emploi durable (%)")
    outcome = send(store, tmp_path, "conventions.csv", "2026;ALI-2022-03;700;650;22,5\r\n")
    assert outcome.summary["figures"] == 3
    client = signed_in(create_app(store))
    answer = show(client, "2026-10")
    header, rows = table_rows(answer["ali-table-table"]["children"])
    row = dict(zip(header, next(r for r in rows if r[0] == "ALI-2022-03")))
    assert row["Places (objectif)"] == "700\u00a0places"
    assert row["Part visée de sorties vers l'emploi durable"] == "22\u00a0%"
    followed = queries.values("ali_file_active", "circonscription", "month", dt.date(2026, 10, 1), "COG2025")
    people = followed.set_index("code").at["ALI-2022-03", "value"]
    assert row["Taux de remplissage"] == f"{people / 700 * 100:.1f}\u00a0%".replace(".", ",")
    api = client.get("/api/v1/valeurs.json?indicateur=ali_objectif_places&niveau=circonscription&periode=2026")
    assert api.status_code == 200
    cell = next(r for r in api.get_json()["lignes"] if r["code"] == "ALI-2022-03")
    assert cell["valeur"] == 700 and cell["import"] == outcome.import_id and not cell["demonstration"]
    # The other ALIs keep their demo objectives, flagged as such.
    other = next(r for r in api.get_json()["lignes"] if r["code"] == "ALI-2022-04")
    assert other["demonstration"] is True


@pytest.mark.parametrize("row, column, expected", [
    ("2026;ALI-2022-03;0;650;20", "Places d'accompagnement", "un objectif entier strictement positif"),
    ("2026;ALI-2022-03;700;s;20", "Personnes à accompagner dans l'année", "un objectif entier strictement positif"),
    ("2026;ALI-2022-03;700;650;120", "Part visée des sorties vers l'emploi durable (%)", "un pourcentage entre 1 et 100"),
    ("2029;ALI-2022-03;700;650;20", "Année", "une année au plus tard 2028"),
    ("2026;ALI-2099-01;700;650;20", "Code ALI", "un code d'ALI connu"),
])
def test_what_an_objective_cannot_be_is_refused_and_located(store, tmp_path, row, column, expected):
    with pytest.raises(ImportRefused) as refused:
        send(store, tmp_path, "faux.csv", row + "\r\n")
    [problem] = refused.value.problems
    assert problem.line == 2 and problem.column == column and expected in problem.expected


def test_yearly_sums_are_the_published_months_and_secret_with_any_of_them(store):
    """`ali_entrees_annee` adds up the published months of the year; a year with one secret
    month is secret (it would give that month away), and a year in progress says which months
    it adds up."""
    monthly = queries.series_values("ali_entrees", ("circonscription",))
    yearly = queries.series_values("ali_entrees_annee", ("circonscription",))
    assert len(yearly) == 13 * 4
    for row in yearly.itertuples():
        months = monthly[(monthly["code"] == row.code)
                         & monthly["period_start"].map(lambda d: d.year == row.period_start.year)]
        if months["flag"].map(lambda f: isinstance(f, str)).any():
            assert row.flag == "secret" and row.value != row.value
        else:
            assert row.value == months["value"].sum()
        if row.period_start.year == 2026:
            assert "Cumul de janvier à octobre 2026." in row.caveats and row.series.endswith("|1-10")
        if row.period_start.year in (2024, 2025):
            assert not row.series.endswith("-10") and row.series.count("|") == 2
    assert (yearly["flag"] != "secret").sum() > 0
    # a part of a year and a whole year are not one series: no change is computed across them
    by_year = yearly[yearly["code"] == "ALI-2022-03"].set_index("period_start")["series"]
    assert break_reason(by_year[dt.date(2025, 1, 1)], by_year[dt.date(2026, 1, 1)]) == \
        "cumuls sur des parties différentes de l'année"
    assert break_reason(by_year[dt.date(2024, 1, 1)], by_year[dt.date(2025, 1, 1)]) is None


def test_the_target_share_is_never_summed_up_the_links(store):
    """A target share is not additive: published on the ALI's territory only."""
    levels = set(queries.series_values("ali_objectif_part_emploi_durable",
                                       ("circonscription", "departement", "ept"))["level"])
    assert levels == {"circonscription"}
    places = queries.series_values("ali_objectif_places", ("circonscription", "departement"))
    year = places[places["period_start"] == dt.date(2025, 1, 1)]
    assert year.loc[year["level"] == "departement", "value"].iloc[0] == \
        year.loc[year["level"] == "circonscription", "value"].sum()
