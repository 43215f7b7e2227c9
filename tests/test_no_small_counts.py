"""Every published surface goes through the same masking: a scan of the map's callback answers
and of the API for every count indicator, level and latest period finds no count from 1 to 10."""
from __future__ import annotations

import base64
import io
import json

import pandas as pd
import pytest

from dashboard.app import create_app
from tests.helpers import queries, signed_in
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


def small(values) -> list[float]:
    return [v for v in values if v == v and 1 <= v <= 10]


def french_number(text: str) -> float | None:
    """12 345,6 foyers -> 12345.6; "s" and "non disponible" -> None."""
    head = text.replace("\u202f", "").replace("\xa0", " ").split(" ")[0].replace(",", ".")
    try:
        return float(head)
    except ValueError:
        return None


def post(client, output: str, outputs: list, inputs: list, state: list = (), changed: str | None = None):
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": list(state),
            "changedPropIds": [changed or f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def cells(component) -> list[str]:
    """The texts of the value cells (right-aligned) of a table's JSON."""
    found = []
    if isinstance(component, dict):
        props = component.get("props", {})
        if component.get("type") == "Td" and "text-end" in props.get("className", ""):
            found.append(props.get("children") if isinstance(props.get("children"), str) else "s")
        for value in props.values():
            found += cells(value)
    elif isinstance(component, list):
        for item in component:
            found += cells(item)
    return found


def map_inputs(indicator, level, index):
    return [{"id": "carte-indicator", "property": "value", "value": indicator},
            {"id": "carte-level", "property": "value", "value": level},
            {"id": "carte-period", "property": "value", "value": index}]


def map_series(client, indicator, level, index=0):
    """The map's one request of an indicator change: every period's layer and table rows."""
    answer = post(client, "..carte-series.data...carte-period.max...carte-period.marks...carte-period.value..",
                  [{"id": "carte-series", "property": "data"}, {"id": "carte-period", "property": "max"},
                   {"id": "carte-period", "property": "marks"}, {"id": "carte-period", "property": "value"}],
                  map_inputs(indicator, level, index)[:2],
                  [{"id": "carte-period", "property": "value", "value": index},
                   {"id": "carte-state", "property": "data", "value": None}])
    assert answer.status_code == 200, (indicator, level, answer.status_code)
    return answer.get_json()["response"]["carte-series"]["data"]


def test_map_table_and_downloads_hold_no_small_count(app):
    """What the map's hover and its table show for every period the browser can step to, and
    its CSV and Excel downloads."""
    client = signed_in(app)
    scanned, secrets = 0, {"carte-csv": 0, "carte-xlsx": 0, "table": 0}
    for indicator in count_indicators():
        index = len(queries.periods(indicator)) - 1
        for level in LEVELS:
            series = map_series(client, indicator, level, index)
            assert len(series["periods"]) == index + 1
            for period in series["periods"]:
                # The hover texts are the table's too (the table shows "s" where z is secret).
                hover = [french_number(text) for text in period["text"]]
                assert small([v for v in hover if v is not None]) == [], (indicator, level, period["key"])
                assert small([v for v in period["value"] if v is not None]) == []
                secrets["table"] += sum(z == series["secret"] for z, shown in zip(period["z"], period["shown"])
                                        if shown)
            for button in ("carte-csv", "carte-xlsx"):
                answer = post(client, "carte-download.data", {"id": "carte-download", "property": "data"},
                              [{"id": "carte-csv", "property": "n_clicks", "value": 1},
                               {"id": "carte-xlsx", "property": "n_clicks", "value": 1}],
                              [{"id": i, "property": "value", "value": v["value"]}
                               for i, v in zip(("carte-indicator", "carte-level", "carte-period"),
                                               map_inputs(indicator, level, index))], changed=f"{button}.n_clicks")
                body = answer.get_json()
                data = base64.b64decode(body["response"]["carte-download"]["data"]["content"])
                frame = (pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"valeur": str})
                         if button == "carte-csv" else pd.read_excel(io.BytesIO(data), sheet_name="Données", engine="calamine"))
                numbers = pd.to_numeric(frame["valeur"].astype(str).str.replace(",", "."), errors="coerce")
                assert small(numbers.dropna().tolist()) == [], (indicator, level, button)
                secrets[button] += int(frame["valeur"].astype(str).eq("s").sum())
            scanned += 1
    assert scanned > 20
    assert secrets["carte-csv"] == secrets["carte-xlsx"] > 0  # masked cells are there, as "s"
    assert secrets["table"] > 0


def test_api_answers_hold_no_small_count(app):
    client = signed_in(app)
    for indicator in count_indicators():
        period_type, start = queries.periods(indicator)[-1]
        period = {"month": f"{start:%Y-%m}", "year": f"{start:%Y}",
                  "quarter": f"{start.year}-T{(start.month - 1) // 3 + 1}"}[period_type]
        for level in (*LEVELS, "qpv"):
            answer = client.get(f"/api/v1/valeurs.json?indicateur={indicator}&niveau={level}&periode={period}")
            assert answer.status_code == 200
            values = [r["valeur"] for r in answer.get_json()["lignes"] if r["valeur"] is not None]
            assert small(values) == [], (indicator, level)
