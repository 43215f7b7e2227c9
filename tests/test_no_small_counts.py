"""Every published surface goes through the same masking: a scan of the map's callback answers
and of the API for every count indicator, level and latest period finds no count from 1 to 10."""
from __future__ import annotations

import base64
import json

import numpy as np
import pytest

from dashboard.app import create_app
from dashboard.indicators import queries
from dashboard.indicators.registry import DERIVED_BY_CODE, PUBLIC
from dashboard.store import make_engine
from tests.helpers import import_rsa, initialised

LEVELS = ("commune", "circonscription", "ept", "departement")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    var = tmp_path_factory.mktemp("scan")
    config = initialised(var)
    # Small counts in the latest month, where the demo data is large.
    rows = "".join(f"2026-10;{code};{n}\n" for code, n in
                   [("93015", 3), ("93033", 8), ("93039", 0), ("93074", 12), ("93001", 6)])
    import_rsa(make_engine(config.database_url), var / "petits.csv", rows, var / "raw")
    return create_app(config)


def count_indicators():
    return [code for code in queries.indicators()["code"]
            if code not in PUBLIC and (code not in DERIVED_BY_CODE or DERIVED_BY_CODE[code].secrecy == "count")]


def z_values(figure: dict) -> list[float]:
    z = figure["data"][0]["z"]
    if isinstance(z, dict):  # a typed array: {"dtype": "f8", "bdata": base64}
        return np.frombuffer(base64.b64decode(z["bdata"]), dtype=np.dtype(z["dtype"])).tolist()
    return [v for v in z if v is not None]


def small(values) -> list[float]:
    return [v for v in values if v == v and 1 <= v <= 10]


def test_map_answers_hold_no_small_count(app):
    client = app.server.test_client()
    scanned = 0
    for indicator in count_indicators():
        period_type, start = queries.periods(indicator)[-1]
        for level in LEVELS:
            body = {"output": "..carte-map.figure...carte-source.children..",
                    "outputs": [{"id": "carte-map", "property": "figure"},
                                {"id": "carte-source", "property": "children"}],
                    "inputs": [{"id": "carte-indicator", "property": "value", "value": indicator},
                               {"id": "carte-level", "property": "value", "value": level},
                               {"id": "carte-period", "property": "value",
                                "value": f"{period_type}:{start.isoformat()}"}],
                    "changedPropIds": ["carte-level.value"], "state": []}
            answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
            if answer.status_code == 204:
                continue
            assert answer.status_code == 200, (indicator, level, answer.status_code)
            figure = answer.get_json()["response"]["carte-map"]["figure"]
            assert small(z_values(figure)) == [], (indicator, level)
            scanned += 1
    assert scanned > 20


def test_api_answers_hold_no_small_count(app):
    client = app.server.test_client()
    for indicator in count_indicators():
        period_type, start = queries.periods(indicator)[-1]
        period = {"month": f"{start:%Y-%m}", "year": f"{start:%Y}",
                  "quarter": f"{start.year}-T{(start.month - 1) // 3 + 1}"}[period_type]
        for level in (*LEVELS, "qpv"):
            answer = client.get(f"/api/v1/valeurs.json?indicateur={indicator}&niveau={level}&periode={period}")
            assert answer.status_code == 200
            values = [r["valeur"] for r in answer.get_json()["lignes"] if r["valeur"] is not None]
            assert small(values) == [], (indicator, level)
