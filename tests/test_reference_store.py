"""The reference data, loaded through the importer, on SQLite and PostgreSQL."""
from __future__ import annotations

import csv
import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from shapely.geometry import shape
from sqlalchemy import func, select

from dashboard import geometry
from tests.helpers import StoreReader
from dashboard.ingest.reference import load_reference
from dashboard.settings import PROJECT_ROOT
from dashboard.store import session_scope
from tests.helpers import snapshot
from dashboard.store.models import Ali, Base, Figure, ImportRecord, Territory, TerritoryLink

queries = StoreReader()

# Neighbouring circonscriptions may share no area and leave no gap beyond 1 m² in all
# (measured: 0 m²; the prepared communes form an exact coverage).
BORDER_TOLERANCE_M2 = 1.0


@pytest.fixture
def use_store(reference_store):
    url, engine, _raw = reference_store
    queries.use(engine)
    return engine


def count(engine, level: str, geography: str) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(Territory).where(
            Territory.level == level, Territory.geography_code == geography))


def test_schema_matches_migrations(reference_store):
    _url, engine, _raw = reference_store
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_loading_twice_changes_nothing(reference_store):
    _url, engine, raw_dir = reference_store
    before = snapshot(engine)
    outcomes = load_reference(engine, raw_dir)
    assert all(o.already_imported for o in outcomes)
    assert snapshot(engine) == before


def test_2024_map_has_40_communes_and_2025_has_39(use_store):
    assert count(use_store, "commune", "COG2024") == 40
    assert count(use_store, "commune", "COG2025") == 39
    assert len(queries.geojson("COG2024", "commune")["features"]) == 40
    codes_2025 = {f["id"] for f in queries.geojson("COG2025", "commune")["features"]}
    assert len(codes_2025) == 39 and "93059" not in codes_2025 and "93066" in codes_2025


def test_departement_population_2022(use_store):
    frame = queries.values("population", "departement", "year", dt.date(2022, 1, 1), "COG2024")
    assert frame["value"].tolist() == [1_681_725]
    assert frame["aggregated"].tolist() == [True]


def test_population_2023_is_on_the_2025_geography(use_store):
    assert queries.geography_of("population", "year", dt.date(2023, 1, 1)) == "COG2025"
    frame = queries.values("population", "commune", "year", dt.date(2023, 1, 1), "COG2025")
    assert len(frame) == 39
    assert frame.set_index("code").loc["93066", "value"] == 149_077
    total = queries.values("population", "departement", "year", dt.date(2023, 1, 1), "COG2025")
    assert total["value"].tolist() == [1_704_316]


def test_every_figure_points_to_its_import(use_store):
    with session_scope(use_store) as s:
        orphans = s.scalar(select(func.count()).select_from(Figure).outerjoin(
            ImportRecord, ImportRecord.id == Figure.import_id).where(ImportRecord.id.is_(None)))
        assert orphans == 0
        assert s.scalar(select(func.count()).select_from(Figure)) > 2000
        records = s.scalars(select(ImportRecord)).all()
    assert all(len(r.sha256) == 64 and r.licence and r.source for r in records)


def test_caf_rsa_totals_match_the_source(use_store):
    # SOURCES.md: 93 totals of ARSAS 2016 73 787 … 2020 82 655 (36 communes: 4 are missing).
    expected = {2016: 73_787, 2017: 73_176, 2018: 77_378, 2019: 77_203, 2020: 82_655}
    for year, total in expected.items():
        frame = queries.values("rsa_foyers", "commune", "month", dt.date(year, 12, 1), "COG2024")
        assert len(frame) == 36
        assert frame["value"].sum() == total
    # With four communes missing, the département total is not published as if complete.
    dept = queries.values("rsa_foyers", "departement", "month", dt.date(2020, 12, 1), "COG2024")
    assert dept["value"].isna().all()


def test_unattached_communes_are_their_own_territories(use_store):
    with open(PROJECT_ROOT / "data/reference/ali_93_communes_hors_laureats_2022.csv", encoding="utf-8") as f:
        expected = {row["code_insee"] for row in csv.DictReader(f)}
    for geography in ("COG2024", "COG2025"):
        circs = queries.territories(geography, "circonscription")
        unattached = circs[circs["code"].str.startswith("NR-")]
        assert set(unattached["code"].str[3:]) == expected
        assert unattached["name"].str.endswith("(commune non rattachée)").all()
        assert (~circs["code"].str.startswith("NR-")).sum() == 13
    with session_scope(use_store) as s:
        assert s.scalar(select(func.count()).select_from(Ali)) == 13


def test_2025_saint_denis_spans_two_ali_territories(use_store):
    with session_scope(use_store) as s:
        saint_denis = s.scalar(select(Territory).where(
            Territory.geography_code == "COG2025", Territory.level == "commune", Territory.code == "93066"))
        links = s.execute(select(Territory.code, TerritoryLink.weight).join(
            TerritoryLink, TerritoryLink.parent_id == Territory.id).where(
            TerritoryLink.child_id == saint_denis.id, Territory.level == "circonscription")).all()
    weights = dict(links)
    assert set(weights) == {"ALI-2022-01", "ALI-2022-05"}
    # Population 2022 of the communes déléguées: Pierrefitte 33 670, Saint-Denis 115 237.
    assert weights["ALI-2022-01"] == pytest.approx(33_670 / 148_907, abs=1e-6)
    assert sum(weights.values()) == pytest.approx(1)
    circs = queries.territories("COG2025", "circonscription").set_index("code")
    assert circs.loc["ALI-2022-01", "attributes"]["communes"] == ["93059", "93072"]


def test_circonscription_population_2025_uses_the_weights(use_store):
    frame = queries.values("population", "circonscription", "year", dt.date(2023, 1, 1), "COG2025")
    assert len(frame) == 28
    assert frame["value"].sum() == pytest.approx(1_704_316)


@pytest.mark.parametrize("geography", ["COG2024", "COG2025"])
def test_circonscriptions_share_their_borders(use_store, geography):
    shapes = {f["id"]: shape(f["geometry"])
              for f in queries.geojson(geography, "circonscription")["features"]}
    assert len(shapes) == 28
    defects = geometry.coverage_defects(shapes)
    assert defects["overlap_m2"] < BORDER_TOLERANCE_M2
    assert defects["gap_m2"] < BORDER_TOLERANCE_M2
    outline = shape(queries.geojson(geography, "departement")["features"][0]["geometry"])
    union = geometry.dissolve(list(shapes.values()))
    assert union.symmetric_difference(outline).area < 1e-9
