"""Prepared commune geometries (geo/prepare.py, dashboard/geometry.py)."""

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the project is not necessarily pip-installed

from dashboard.geometry import (  # noqa: E402
    area_km2,
    coverage_defects,
    dissolve,
    from_geojson,
    prepare_coverage,
    representative_point,
    to_geojson,
)

_spec = importlib.util.spec_from_file_location("geo_prepare", ROOT / "geo" / "prepare.py")
prepare = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(prepare)

# Tolerances, also stated in geo/SOURCES.md.
MAX_OVERLAP_M2 = 1.0  # total pairwise overlap between prepared communes
MAX_GAP_M2 = 1.0  # total area of holes inside the union of prepared communes
MAX_OUTLINE_DRIFT = 0.005  # |union △ outline| / outline area

PATH_2024, PATH_2025 = prepare.OUTPUTS[2024], prepare.OUTPUTS[2025]
OUTLINE = ROOT / "geo" / "source" / "departement_93_outline_derived.geojson"


def load(path: Path) -> dict:
    return {props["code"]: (props, geom) for props, geom in prepare.read_features(path)}


def geoms(path: Path) -> dict:
    return {code: geom for code, (_, geom) in load(path).items()}


@pytest.fixture(scope="module")
def fresh():
    return prepare.build()


def test_2024_has_40_communes_with_only_the_kept_properties():
    communes = load(PATH_2024)
    assert len(communes) == 40
    assert all(tuple(props) == prepare.KEEP for props, _ in communes.values())


def test_2025_has_39_communes_and_saint_denis_absorbs_pierrefitte():
    communes = load(PATH_2025)
    assert len(communes) == 39
    assert "93059" not in communes
    assert set(communes) == set(load(PATH_2024)) - {"93059"}
    props, _ = communes["93066"]
    assert (props["nom"], props["ept_nom"]) == ("Saint-Denis", "Plaine Commune")


def test_merger_table():
    assert prepare.read_mergers() == {"93066": ("Saint-Denis", ["93059", "93066"])}


def test_preparation_is_deterministic(fresh):
    again = prepare.build()
    assert {p: data for p, (_, data) in again.items()} == {p: data for p, (_, data) in fresh.items()}


def test_committed_files_equal_a_fresh_preparation(fresh):
    for path, (_, data) in fresh.items():
        assert path.read_bytes() == data, f"{path.name} is stale: run python geo/prepare.py"


@pytest.mark.parametrize("path", [PATH_2024, PATH_2025], ids=["2024", "2025"])
def test_coordinates_have_at_most_5_decimals(path):
    assert not re.search(r"\d\.\d{6}", path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", [PATH_2024, PATH_2025], ids=["2024", "2025"])
def test_every_prepared_geometry_is_valid(path):
    communes = list(geoms(path).values())
    assert all(isinstance(g, Polygon | MultiPolygon) and g.is_valid for g in communes)
    assert shapely.coverage_is_valid(communes)


@pytest.mark.parametrize("path", [PATH_2024, PATH_2025], ids=["2024", "2025"])
def test_no_overlaps_or_gaps_between_neighbours(path):
    defects = coverage_defects(geoms(path))
    assert defects["overlap_m2"] < MAX_OVERLAP_M2, defects
    assert defects["gap_m2"] < MAX_GAP_M2, defects


def test_coverage_defects_measures_overlaps_and_gaps():
    # A 3 × 3 grid of 0.002° cells (≈ 150 × 220 m) near Bobigny without its centre cell,
    # plus a box overlapping the south-west cell. Cells share whole edges, so no T-junction.
    x, y, d = 2.44, 48.91, 0.002
    frame = {f"{i}{j}": box(x + i * d, y + j * d, x + (i + 1) * d, y + (j + 1) * d)
             for i in range(3) for j in range(3) if (i, j) != (1, 1)}
    overlapping = {**frame, "over": box(x, y - d / 2, x + d, y + d / 2)}
    defects = coverage_defects(overlapping)
    hole_m2 = area_km2(box(x + d, y + d, x + 2 * d, y + 2 * d)) * 1e6
    overlap_m2 = area_km2(box(x, y, x + d, y + d / 2)) * 1e6
    assert defects["gap_m2"] == pytest.approx(hole_m2, rel=1e-3)
    assert defects["overlap_m2"] == pytest.approx(overlap_m2, rel=1e-3)
    assert defects["max_overlap_pair"] == ("00", "over")
    assert coverage_defects(frame)["max_overlap_pair"] is None


def test_union_matches_the_departement_outline():
    outline = prepare.read_features(OUTLINE)[0][1]
    union = dissolve(list(geoms(PATH_2024).values()))
    assert area_km2(union.symmetric_difference(outline)) < MAX_OUTLINE_DRIFT * area_km2(outline)


def test_2024_and_2025_give_the_same_union():
    union_2024 = dissolve(list(geoms(PATH_2024).values()))
    union_2025 = dissolve(list(geoms(PATH_2025).values()))
    assert isinstance(union_2024, Polygon)
    assert union_2024.equals(union_2025)


def test_dissolving_two_neighbours_gives_one_polygon_without_sliver():
    communes = geoms(PATH_2024)
    codes, polys = list(communes), list(communes.values())
    tree = shapely.STRtree(polys)
    pairs = [
        (codes[i], codes[j])
        for i, j in tree.query(polys, predicate="touches").T
        if i < j and polys[i].intersection(polys[j]).length > 0  # a shared border, not a point
    ]
    assert len(pairs) > 80
    for a, b in pairs:
        merged = dissolve([communes[a], communes[b]])
        assert isinstance(merged, Polygon) and not merged.interiors, (a, b)
        assert area_km2(merged) == pytest.approx(area_km2(communes[a]) + area_km2(communes[b]), abs=1e-6)


def test_merged_saint_denis_keeps_the_area_of_the_exact_union():
    exact = geoms(prepare.SOURCE_2025)["93066"]
    prepared = geoms(PATH_2025)["93066"]
    assert area_km2(prepared) == pytest.approx(area_km2(exact), rel=prepare.MAX_AREA_DRIFT)


def test_prepare_coverage_keeps_order_and_shared_borders():
    left, right = box(2.40, 48.90, 2.41, 48.91), box(2.41, 48.90, 2.42, 48.91)
    out = prepare_coverage([right, left])
    assert out[0].centroid.x > out[1].centroid.x
    assert coverage_defects({"a": out[0], "b": out[1]})["gap_m2"] == 0


def test_geojson_round_trip_and_representative_points():
    for code, geom in geoms(PATH_2024).items():
        text = to_geojson(geom)
        assert " " not in text
        assert from_geojson(text).equals_exact(geom, tolerance=0)
        lon, lat = representative_point(geom)
        assert (round(lon, 5), round(lat, 5)) == (lon, lat)
        assert geom.contains(shapely.Point(lon, lat)), code
    assert json.loads(to_geojson(box(0, 0, 1, 1)))["type"] == "Polygon"


def test_area_of_the_departement():
    total = sum(area_km2(g) for g in geoms(PATH_2024).values())
    assert total == pytest.approx(236.9, rel=MAX_OUTLINE_DRIFT)
