"""Pure geometry helpers for the commune maps (no database, no I/O).

Inputs and outputs are shapely geometries in WGS84 (EPSG:4326, lon/lat). Areas are measured
in Lambert-93 (EPSG:2154): conformal rather than equal-area, but its areal scale is
0.9997–0.9998 across the 93, so areas come out about 0.02 % low, which is negligible here.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import overload

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry


def _decimals(grid: float) -> int:
    decimals = round(-math.log10(grid))
    if not math.isclose(grid, 10.0**-decimals):
        raise ValueError(f"grid must be a power of ten, got {grid}")
    return decimals


def _round(geoms, grid: float):
    """Snap vertices to the grid, vertex by vertex, so that shared vertices stay shared."""
    decimals = _decimals(grid)
    snapped = shapely.set_precision(geoms, grid, mode="pointwise")
    # set_precision leaves float noise (48.938720000000004); np.round gives the double nearest
    # to the decimal value, whose shortest text has at most `decimals` digits.
    return shapely.transform(snapped, lambda xy: np.round(xy, decimals))


def _polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Return geom if valid, else its repair reduced to its polygonal parts."""
    if geom.is_valid and isinstance(geom, Polygon | MultiPolygon):
        return geom
    repaired = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(repaired) if isinstance(p, Polygon)]
    merged = shapely.union_all(parts)
    if not isinstance(merged, Polygon | MultiPolygon) or merged.is_empty:
        raise ValueError(f"no polygonal part left after repair of {geom.wkt[:80]}…")
    return merged


def prepare_coverage(
    geoms: list[BaseGeometry], *, tolerance: float = 0.0005, grid: float = 1e-5
) -> list[BaseGeometry]:
    """Simplify a polygon coverage keeping shared borders shared, then round to `grid` degrees.

    coverage_simplify simplifies each shared edge once, so neighbours get the same vertices;
    a plain simplify() would simplify each side differently and open gaps.
    """
    simplified = shapely.coverage_simplify(np.asarray(geoms, dtype=object), tolerance)
    return [_polygonal(g) for g in _round(simplified, grid)]


def dissolve(geoms: list[BaseGeometry], *, grid: float = 1e-5) -> Polygon | MultiPolygon:
    """Union of prepared polygons (e.g. communes merged into a commune nouvelle), on `grid`."""
    arr = np.asarray(geoms, dtype=object)
    # coverage_union drops shared edges exactly and creates no new vertex; a general union
    # is only needed when the inputs overlap or leave gaps.
    if shapely.coverage_is_valid(arr):
        merged = shapely.coverage_union_all(arr)
    else:
        merged = shapely.union_all(arr)
    return _polygonal(_round(merged, grid))


def to_geojson(geom: BaseGeometry) -> str:
    """Compact GeoJSON geometry text (no spaces).

    Not shapely.to_geojson: GEOS prints some doubles with 17 digits (48.938720000000004),
    whereas Python's repr is the shortest text that reads back to the same double (48.93872).
    """
    return json.dumps(mapping(geom), separators=(",", ":"))


@overload
def from_geojson(text: str) -> BaseGeometry: ...
@overload
def from_geojson(text: str | None) -> BaseGeometry | None: ...
def from_geojson(text: str | None) -> BaseGeometry | None:
    """The geometry of a GeoJSON text; none for none (a territory stored without a polygon)."""
    return shapely.from_geojson(text)


def representative_point(geom: BaseGeometry) -> tuple[float, float]:
    """(lon, lat) of a point inside the polygon (a centroid may fall outside), 5 decimals.

    point_on_surface lies mid-way across the polygon, so the ≤ 0.7 m of rounding keeps it in.
    """
    point = geom.point_on_surface()
    return round(point.x, 5), round(point.y, 5)


@cache
def _to_lambert93() -> Transformer:
    return Transformer.from_crs("EPSG:4326", "EPSG:2154", always_xy=True)


def _project(geom: BaseGeometry) -> BaseGeometry:
    def lambert93(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(_to_lambert93().transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, lambert93)


def area_km2(geom: BaseGeometry) -> float:
    return _project(geom).area / 1e6


def _fill_holes(geom: BaseGeometry) -> BaseGeometry:
    return shapely.union_all([Polygon(p.exterior) for p in shapely.get_parts(geom)])


def coverage_defects(named: dict[str, BaseGeometry]) -> dict:
    """Measure overlaps and gaps of a polygon coverage, in m² (Lambert-93).

    Returns overlap_m2 (sum of pairwise intersection areas), max_overlap_m2 and
    max_overlap_pair (None without overlap), gap_m2 (area of the holes inside the union:
    land enclosed by the coverage but covered by no polygon), and union_m2.
    """
    names = list(named)
    projected = [_project(named[n]) for n in names]
    tree = shapely.STRtree(projected)
    overlaps: dict[tuple[str, str], float] = {}
    for i, j in tree.query(projected, predicate="intersects").T:
        if i < j and (area := projected[i].intersection(projected[j]).area) > 0:
            overlaps[(names[i], names[j])] = area
    worst = max(overlaps, key=lambda pair: overlaps[pair], default=None)
    union = shapely.union_all(projected)
    return {
        "overlap_m2": sum(overlaps.values(), 0.0),
        "max_overlap_m2": overlaps[worst] if worst else 0.0,
        "max_overlap_pair": worst,
        "gap_m2": _fill_holes(union).area - union.area,
        "union_m2": union.area,
    }


def share_of_area(part: BaseGeometry, whole_of: BaseGeometry) -> float:
    """The share of `part`'s area that lies inside `whole_of` (0 to 1), in Lambert-93."""
    projected = _project(part)
    if projected.area == 0:
        return 0.0
    return _project(part.intersection(whole_of)).area / projected.area
