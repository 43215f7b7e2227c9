"""What the publication step changes for a reader, measured at the HTTP level (so the same script
runs against the code before it: `PYTHONPATH=<old checkout> python bench/publication_bench.py`).

1. `observatoire init` of the 93 (reference + demo) on a fresh SQLite store;
2. an ordinary monthly correction: 40 rows of `allocataires` imported while the app serves;
3. right after it, the first visit of territory profiles (the page's layout callback, cold),
   the open-data API on an ALI indicator (cold), and the map's indicator change (warm: server
   CPU per request).
Prints medians (and min/max) in milliseconds.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def post(client, output, outputs, inputs, state=(), changed=None):
    body = {"output": output, "outputs": outputs, "inputs": inputs, "state": list(state),
            "changedPropIds": [changed or f"{inputs[0]['id']}.{inputs[0]['property']}"]}
    answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert answer.status_code in (200, 204), answer.status_code
    return answer


def layout(client, path):
    outputs = [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}]
    inputs = [{"id": "_pages_location", "property": "pathname", "value": path},
              {"id": "_pages_location", "property": "search", "value": ""}]
    return post(client, ".._pages_content.children..._pages_store.data..", outputs, inputs)


def map_change(client, indicator, level):
    """The map's indicator change: `series` (every period, the map page since the publication
    step), else `draw` (one period, the page before it)."""
    if SERIES[0]:
        outputs = [{"id": i, "property": p} for i, p in (("carte-series", "data"), ("carte-period", "max"),
                                                          ("carte-period", "marks"), ("carte-period", "value"))]
        inputs = [{"id": "carte-indicator", "property": "value", "value": indicator},
                  {"id": "carte-level", "property": "value", "value": level}]
        return post(client, "..carte-series.data...carte-period.max...carte-period.marks...carte-period.value..",
                    outputs, inputs, [{"id": "carte-period", "property": "value", "value": 0},
                                      {"id": "carte-state", "property": "data", "value": None}])
    outputs = [{"id": i, "property": p} for i, p in (("carte-map", "figure"), ("carte-drawn", "data"),
               ("carte-source", "children"), ("carte-period-label", "children"), ("carte-state", "data"))]
    inputs = [{"id": "carte-indicator", "property": "value", "value": indicator},
              {"id": "carte-level", "property": "value", "value": level},
              {"id": "carte-period", "property": "value", "value": 0}]
    return post(client, "..carte-map.figure...carte-drawn.data...carte-source.children..."
                        "carte-period-label.children...carte-state.data..", outputs, inputs,
                [{"id": "carte-drawn", "property": "data", "value": None}])


SERIES = [False]


def figures(name, samples):
    samples = [s * 1000 for s in samples]
    print(f"{name:<58} median {statistics.median(samples):8.1f} ms   min {min(samples):8.1f}   "
          f"max {max(samples):8.1f}   (n={len(samples)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var", default=None, help="store folder (default: a new temporary one)")
    args = parser.parse_args()
    var = Path(args.var or tempfile.mkdtemp(prefix="bench-publication-"))
    env = {**os.environ, "OBSERVATOIRE_VAR_DIR": str(var)}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "dashboard.cli", "init"], env=env, check=True, capture_output=True)
    figures("observatoire init (reference + demo)", [time.perf_counter() - started])

    os.environ["OBSERVATOIRE_VAR_DIR"] = str(var)
    from dashboard.app import create_app
    from dashboard.ingest.importer import Provenance, import_file
    from dashboard.settings import load_settings
    from dashboard.store import make_engine

    settings = load_settings()
    app = create_app(settings)
    SERIES[0] = any("carte-series.data" in key for key in app.callback_map)
    client = app.server.test_client()
    engine = make_engine(settings.database_url)
    with engine.connect() as conn:
        from sqlalchemy import text

        communes = [c for (c,) in conn.execute(text(
            "SELECT code FROM territory WHERE level = 'commune' AND geography_code = 'COG2025' ORDER BY code"))]
        circonscriptions = [c for (c,) in conn.execute(text(
            "SELECT code FROM territory WHERE level = 'circonscription' AND geography_code = 'COG2025' ORDER BY code"))]
    layout(client, f"/territoire/{communes[0]}")  # the app has served before the import
    map_change(client, "rsa_foyers", "commune")

    # A correction of the latest month: every commune once.
    rows = [f"2026-10;{code};{1000 + i}" for i, code in enumerate(communes)]
    path = var / "correction.csv"
    path.write_text("Mois;Code commune;Foyers\n" + "\n".join(rows) + "\n", encoding="utf-8")
    started = time.perf_counter()
    import_file(engine, path, "allocataires", Provenance(source="CAF 93", licence="test", quality="demo"),
                raw_dir=settings.raw_dir, today=dt.date(2026, 11, 24))
    figures(f"import of {len(communes)} allocataires rows (with its publication)", [time.perf_counter() - started])

    visits = [f"/territoire/{c}" for c in communes[1:8]] + [f"/territoire/{c}" for c in circonscriptions[:5]]
    times = []
    for path_ in visits:
        started = time.perf_counter()
        layout(client, path_)
        times.append(time.perf_counter() - started)
    figures("first profile right after the import (cold)", times[:1])
    figures("next profiles, each a first visit", times[1:])

    started = time.perf_counter()
    answer = client.get("/api/v1/valeurs.json?indicateur=ali_file_active&niveau=circonscription&periode=2026-09")
    assert answer.status_code == 200
    figures("API, ALI indicator, cold", [time.perf_counter() - started])

    indicators = ["rsa_foyers", "rsa_foyers_pour_100_hab", "ali_taux_couverture", "ali_sorties", "population"]
    for indicator in indicators:  # warm the cache: what a steady state costs
        map_change(client, indicator, "commune" if not indicator.startswith("ali") else "circonscription")
    cpu = []
    for _ in range(10):
        for indicator in indicators:
            started = time.process_time()
            map_change(client, indicator, "commune" if not indicator.startswith("ali") else "circonscription")
            cpu.append(time.process_time() - started)
    figures("map indicator change, server CPU per request (warm)", cpu)


if __name__ == "__main__":
    main()
