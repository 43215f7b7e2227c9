"""Build the map-ready commune files of geo/prepared/ from geo/source/.

    python geo/prepare.py

Deterministic: the same sources give byte-identical outputs. The 2025 geography is derived
from the *prepared* 2024 polygons so that every border is identical between vintages.
"""

from __future__ import annotations

import csv
import gzip
import json
import sys
from pathlib import Path

import shapely
from shapely.geometry import shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a script from any directory

from dashboard.geometry import area_km2, dissolve, prepare_coverage, to_geojson  # noqa: E402

SOURCE = ROOT / "geo" / "source"
PREPARED = ROOT / "geo" / "prepared"
SOURCE_2024 = SOURCE / "communes_93_geo2024.geojson"
SOURCE_2025 = SOURCE / "communes_93_geo2025_derived.geojson"
MERGERS = ROOT / "data" / "reference" / "cog2025_communes_deleguees.csv"
OUTPUTS = {2024: PREPARED / "communes_93_cog2024.geojson", 2025: PREPARED / "communes_93_cog2025.geojson"}

TOLERANCE = 0.0005  # degrees (≈ 37 m east-west, 56 m north-south): 3 668 → 2 352 vertices
GRID = 1e-5  # degrees ≈ 1 m: 5 decimals in the output
KEEP = ("code", "nom", "ept_code", "ept_nom")
MAX_AREA_DRIFT = 0.005  # merged communes vs the exact union of the raw polygons

Feature = tuple[dict, shapely.Geometry]


def read_features(path: Path) -> list[Feature]:
    collection = json.loads(path.read_text(encoding="utf-8"))
    return [(f["properties"], shape(f["geometry"])) for f in collection["features"]]


def prepare_2024(path: Path = SOURCE_2024) -> list[Feature]:
    features = sorted(read_features(path), key=lambda f: f[0]["code"])
    geoms = prepare_coverage([g for _, g in features], tolerance=TOLERANCE, grid=GRID)
    return [({k: props[k] for k in KEEP}, geom) for (props, _), geom in zip(features, geoms, strict=True)]


def read_mergers(path: Path = MERGERS) -> dict[str, tuple[str, list[str]]]:
    """code of the commune nouvelle -> (its name, codes of its communes déléguées)."""
    mergers: dict[str, tuple[str, list[str]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            _, members = mergers.setdefault(row["code_commune"], (row["nom_commune"], []))
            members.append(row["code_commune_deleguee"])
    return mergers


def build_2025(communes_2024: list[Feature], mergers: dict[str, tuple[str, list[str]]]) -> list[Feature]:
    geoms = {props["code"]: geom for props, geom in communes_2024}
    absorbed = {c for code, (_, members) in mergers.items() for c in members if c != code}
    out = []
    for props, geom in communes_2024:
        code = props["code"]
        if code in absorbed:
            continue
        if code in mergers:
            name, members = mergers[code]
            props = {**props, "nom": name}  # EPT of the commune that keeps its code
            geom = dissolve([geoms[c] for c in members], grid=GRID)
        out.append((props, geom))
    return out


def check_merged_areas(communes_2025: list[Feature], mergers, reference: Path = SOURCE_2025) -> None:
    """Simplification must not change a commune nouvelle's area by more than MAX_AREA_DRIFT."""
    expected = {p["code"]: g for p, g in read_features(reference)}
    for props, geom in communes_2025:
        if props["code"] in mergers:
            got, want = area_km2(geom), area_km2(expected[props["code"]])
            if abs(got - want) > MAX_AREA_DRIFT * want:
                raise ValueError(f"{props['code']}: {got:.3f} km² vs {want:.3f} km² in {reference.name}")


def render(features: list[Feature], name: str) -> bytes:
    """Compact GeoJSON, one feature per line (readable diffs)."""
    lines = [
        '{"type":"Feature","properties":'
        + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
        + ',"geometry":'
        + to_geojson(geom)
        + "}"
        for props, geom in features
    ]
    head = '{"type":"FeatureCollection","name":' + json.dumps(name) + ',"features":[\n'
    return (head + ",\n".join(lines) + "\n]}\n").encode("utf-8")


def build() -> dict[Path, tuple[list[Feature], bytes]]:
    communes_2024 = prepare_2024()
    mergers = read_mergers()
    communes_2025 = build_2025(communes_2024, mergers)
    check_merged_areas(communes_2025, mergers)
    return {
        path: (features, render(features, path.stem))
        for path, features in ((OUTPUTS[2024], communes_2024), (OUTPUTS[2025], communes_2025))
    }


def main() -> None:
    PREPARED.mkdir(parents=True, exist_ok=True)
    for path, (features, data) in build().items():
        path.write_bytes(data)
        vertices = int(shapely.get_num_coordinates([g for _, g in features]).sum())
        gz = len(gzip.compress(data, mtime=0))
        print(f"{path.relative_to(ROOT)}: {len(features)} features, {vertices} vertices, "
              f"{len(data)} B JSON, {gz} B gzip")


if __name__ == "__main__":
    main()
