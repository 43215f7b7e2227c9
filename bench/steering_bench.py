"""Steering the partners: what the internal home page's alerts, the Transmissions grid and the
coverage page with its objectives cost per request, on a store built as `observatoire init`
builds it (reference + demo data) in a temporary folder, and what publishing the objectives
adds to `init`.

    python bench/steering_bench.py [--runs 30]

Prints medians and p95 in milliseconds (the page callbacks through Flask's test client, signed
in as a reader, as the browser sends them).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import tempfile
import time
from pathlib import Path

from dashboard import alerts, transmissions
from dashboard.accounts import add_user
from dashboard.app import create_app
from dashboard.ingest.reference import load_reference
from dashboard.settings import load_settings
from dashboard.store import make_engine, migrate


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(label: str, run, runs: int) -> None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    print(f"{label:<46} median {statistics.median(samples):8.1f} ms   p95 {percentile(samples, 0.95):8.1f} ms")


def callback(client, output: str, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]]):
    body = {"output": output, "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs], "state": [],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    if answer.status_code != 200:
        raise SystemExit(f"{output}: HTTP {answer.status_code}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings({"OBSERVATOIRE_VAR_DIR": str(Path(folder) / "var")})
        migrate(settings.database_url)
        engine = make_engine(settings.database_url)
        started = time.perf_counter()
        load_reference(engine, settings.raw_dir, demo=True)
        print(f"init (reference + demo, objectives included)   {time.perf_counter() - started:8.1f} s")
        add_user(engine, "lecteur", "un-mot-de-passe-solide", ["lecteur"])
        app = create_app(dataclasses.replace(settings))
        client = app.server.test_client()
        page = client.get("/connexion").get_data(as_text=True)
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/connexion", data={"username": "lecteur", "password": "un-mot-de-passe-solide",
                                        "csrf_token": token})
        timed("alerts (dashboard.alerts.alerts)", lambda: alerts.alerts(engine), runs)
        timed("transmissions grid (14 partners)", lambda: transmissions.grid(engine), runs)
        timed("alertes.csv (every alert, as listed)", lambda: client.get("/alertes.csv"), runs)
        key = next(k for k in app.callback_map if "ali-filling-graph.figure" in k)
        ali = [tuple(part.rsplit(".", 1)) for part in key.strip(".").split("...")]
        timed("/ali callback (month, objectives, filling grid)",
              lambda: callback(client, key, ali, [("ali-month", "value", "2026-10")]), runs)


if __name__ == "__main__":
    main()
