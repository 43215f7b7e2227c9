"""The official QPV file (`qpv` kind): the département's QPV kept, their perimeters stored,
each linked to its communes by share of area. The polygons here are test shapes, not QPV."""
from __future__ import annotations

import datetime as dt
import json

from shapely.geometry import box, mapping, shape
from sqlalchemy import select

from tests.helpers import StoreReader
from dashboard.ingest.importer import Provenance, import_file
from dashboard.store import session_scope
from dashboard.store.models import Territory, TerritoryLink

queries = StoreReader()

ANCT = Provenance(source="ANCT (test)", licence="Licence Ouverte / Etalab 2.0")


def test_qpv_perimeters_are_stored_and_linked(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    queries.use(engine)
    communes = {f["id"]: shape(f["geometry"]) for f in queries.geojson("COG2024", "commune")["features"]}
    inside = communes["93001"].representative_point()
    across = communes["93001"].intersection(communes["93066"]).centroid  # on their shared border
    features = [
        {"type": "Feature", "properties": {"code_qp": "QN093001", "lib_qp": "Quartier test A", "insee_com": "93001"},
         "geometry": mapping(box(inside.x - 0.002, inside.y - 0.002, inside.x + 0.002, inside.y + 0.002))},
        {"type": "Feature", "properties": {"code_qp": "QN093002", "lib_qp": "Quartier test B",
                                           "insee_com": "93001, 93066"},
         "geometry": mapping(box(across.x - 0.003, across.y - 0.003, across.x + 0.003, across.y + 0.003))},
        {"type": "Feature", "properties": {"code_qp": "QN075001", "lib_qp": "Ailleurs", "insee_com": "75056"},
         "geometry": mapping(box(2.30, 48.85, 2.31, 48.86))},
    ]
    path = tmp_path / "QP2024_test.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    outcome = import_file(engine, path, "qpv", ANCT, raw_dir=raw, today=dt.date(2026, 11, 24))
    assert outcome.summary == {"qpv": 2, "ignored_other_departements": 1}
    qpv = queries.geojson("QPV2024", "qpv")
    assert [f["id"] for f in qpv["features"]] == ["QN093001", "QN093002"]
    with session_scope(engine) as s:
        links = s.execute(select(Territory.code, TerritoryLink.weight).join(
            TerritoryLink, TerritoryLink.child_id == Territory.id).where(Territory.level == "qpv",
                                                                          Territory.geography_code == "QPV2024")).all()
        weights: dict[str, list[float]] = {}
        for code, weight in links:
            weights.setdefault(code, []).append(weight)
    assert weights["QN093001"] == [1.0]
    assert len(weights["QN093002"]) == 2 and abs(sum(weights["QN093002"]) - 1) < 0.01
    assert all(0.2 < w < 0.8 for w in weights["QN093002"])
