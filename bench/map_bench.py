"""Map page benchmark: what /carte sends (bytes), and how fast an indicator change is answered
under load.

The same script runs against the code before the publication step and after it: it reads through
`dashboard.indicators.queries` or the app's `Reader`, whichever the code has, and it sends the map
page's callbacks as that code declares them. Before: an indicator change is `periods_of`, `draw`
(a Patch of one period's values) and `table`; a period change is `draw` and `table`. After: an
indicator change is one `series` request carrying every period; a period change sends nothing
(the browser draws it). `PYTHONPATH=<old checkout> python bench/map_bench.py` measures the old
code (gunicorn is started in the checkout that `dashboard` is imported from).

1. Payload, with Flask's test client on a store made by `observatoire init` (reference + demo):
   - first load of /carte: the HTML, /_dash-layout, /_dash-dependencies, the pages router's
     callback (the page's layout), then the callbacks that fire at load (`draw` with the
     `carte-drawn` state null, so the whole figure with its shapes, and `table`). The
     JavaScript/CSS files are listed apart: those named in the HTML, then those that the page
     fetches on demand (dcc's async chunks, plotly.js, the base-map topojson);
   - one indicator change on the commune level (`periods_of` + `draw` answered by a Patch +
     `table`) and one period change (`draw` + `table`);
   - a naive baseline: a `go.Choropleth` figure built on the raw source GeoJSON with the same
     values, serialised with `plotly.io.to_json`, sent again on every change.
   Sizes are the response bodies as JSON ("raw") and gzip level 6 of the same bytes.

2. Server time of an indicator change under load: gunicorn (`dashboard.app:server()`, gthread)
   on a free port, N clients (asyncio, one keep-alive connection each) sending `draw` requests
   that the server answers with a Patch, rotating over indicators and periods (after the
   publication step: `series` requests, one per indicator change, rotating over indicators); closed loop
   (next request as soon as the answer is in) and paced (one change per client every 1 s ±
   25 %); with and without the Redis cache. Latency is measured client-side.

    .venv/bin/python bench/map_bench.py [--duration 30] [--clients 50] [--workers 2]
        [--threads 4] [--redis | --no-redis] [--var DIR] [--skip-load] [--skip-payload]
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import importlib.util
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The checkout `dashboard` is imported from (PYTHONPATH=<another checkout> measures that one):
# gunicorn and `observatoire init` run there, so that they import the same code.
CODE_ROOT = Path(importlib.util.find_spec("dashboard").origin).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/0"
# What Chrome sends: Flask-Compress then picks an encoding (and spends the CPU on it).
BROWSER_ENCODINGS = "gzip, deflate, br, zstd"
# The raw (unsimplified) source geometry of each geography, for the naive baseline.
RAW_GEOJSON = {"COG2024": ROOT / "geo/source/communes_93_geo2024.geojson",
               "COG2025": ROOT / "geo/source/communes_93_geo2025_derived.geojson"}
# The chunks that the map page loads on demand (dcc's Graph, Dropdown and Slider, plotly.js)
# and the base-map file plotly.js fetches (figures/maps.py: scope "europe", resolution 110).
ON_DEMAND = ["/_dash-component-suites/dash/dcc/async-graph.js",
             "/_dash-component-suites/dash/dcc/async-dropdown.js",
             "/_dash-component-suites/dash/dcc/async-slider.js",
             "/_dash-component-suites/plotly/package_data/plotly.min.js",
             "/assets/topojson/europe_110m.json"]
TARGET_CHANGE_KB, TARGET_FIRST_KB, TARGET_RATIO, TARGET_P95_MS = 10, 150, 10, 50

MAP_OUTPUTS = [("carte-map", "figure"), ("carte-drawn", "data"), ("carte-source", "children"),
               ("carte-period-label", "children"), ("carte-state", "data")]


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def kb(n: float) -> str:
    return f"{n / 1000:.1f}"


def dumps(obj) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# ---------------------------------------------------------------------------------------------
# Callback bodies, as the browser sends them

def output_key(outputs) -> str:
    if len(outputs) == 1:
        return f"{outputs[0][0]}.{outputs[0][1]}"
    return ".." + "...".join(f"{i}.{p}" for i, p in outputs) + ".."


def body(outputs, inputs, state=(), changed=None) -> dict:
    out = [{"id": i, "property": p} for i, p in outputs]
    return {"output": output_key(outputs), "outputs": out if len(out) > 1 else out[0],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": list(changed or [])}


def draw_body(indicator, level, index, drawn, changed="carte-indicator.value") -> dict:
    return body(MAP_OUTPUTS, [("carte-indicator", "value", indicator), ("carte-level", "value", level),
                              ("carte-period", "value", index)],
                [("carte-drawn", "data", drawn)], [changed] if changed else [])


def table_body(indicator, level, index, sort, changed="carte-indicator.value") -> dict:
    return body([("carte-table", "children")],
                [("carte-indicator", "value", indicator), ("carte-level", "value", level),
                 ("carte-period", "value", index), ("carte-sort", "value", sort)], (), [changed] if changed else [])


def periods_body(indicator, shown_state) -> dict:
    return body([("carte-period", "max"), ("carte-period", "marks"), ("carte-period", "value")],
                [("carte-indicator", "value", indicator)], [("carte-state", "data", shown_state)],
                ["carte-indicator.value"])


def series_body(indicator, level, index, shown, changed="carte-indicator.value") -> dict:
    """The map page after the publication step: one request per indicator or level change, every period."""
    return body(SERIES_OUTPUTS, [("carte-indicator", "value", indicator), ("carte-level", "value", level)],
                [("carte-period", "value", index), ("carte-state", "data", shown)], [changed] if changed else [])


SERIES_OUTPUTS = [("carte-series", "data"), ("carte-period", "max"), ("carte-period", "marks"),
                  ("carte-period", "value")]


def router_body(pathname="/carte", search="") -> dict:
    return body([("_pages_content", "children"), ("_pages_store", "data")],
                [("_pages_location", "pathname", pathname), ("_pages_location", "search", search)], (),
                ["_pages_location.pathname"])


def find_props(tree, wanted: str):
    """The props of the component with id `wanted` in a layout's JSON."""
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == wanted:
            return props
        for value in props.values():
            found = find_props(value, wanted)
            if found is not None:
                return found
    elif isinstance(tree, list):
        for item in tree:
            found = find_props(item, wanted)
            if found is not None:
                return found
    return None


def is_patch(answer: dict) -> bool:
    figure = answer["response"]["carte-map"]["figure"]
    return isinstance(figure, dict) and "__dash_patch_update" in figure


def is_series(answer: dict) -> bool:
    data = answer["response"].get("carte-series", {}).get("data")
    return isinstance(data, dict) and bool(data.get("periods"))


def good_answer(answer: dict) -> bool:
    """What an indicator change of the load must get: a Patch (before), a series (after)."""
    return is_series(answer) if "carte-series" in answer["response"] else is_patch(answer)


# ---------------------------------------------------------------------------------------------
# Store

def make_store(var: Path) -> None:
    env = {**os.environ, "OBSERVATOIRE_VAR_DIR": str(var)}
    env.pop("DATABASE_URL", None)
    started = time.perf_counter()
    subprocess.run([str(VENV_BIN / "observatoire"), "init"], env=env, check=True, cwd=CODE_ROOT,
                   stdout=subprocess.DEVNULL)
    print(f"store: `observatoire init` (reference + demo) in {var} ({time.perf_counter() - started:.1f} s)")


_APP = {}


def make_app(var: Path):
    """One app per process: a second `create_app` registers the pages' callbacks again (and
    /_dash-dependencies would list them twice)."""
    if "app" not in _APP:
        from dashboard.app import create_app
        from dashboard.settings import load_settings

        _APP["app"] = create_app(load_settings({"OBSERVATOIRE_VAR_DIR": str(var)}))
    return _APP["app"]


def reads(app):
    """The app's read API: its `Reader` (after the publication step), else the module
    `dashboard.indicators.queries` that `create_app` configured."""
    try:
        from dashboard.indicators.reader import EXTENSION
    except ImportError:
        from dashboard.indicators import queries

        return queries
    return app.server.extensions[EXTENSION]


def series_page(app) -> bool:
    """Whether the map page answers an indicator change with every period (`series`)."""
    return any("carte-series.data" in key for key in app.callback_map)


def scenario(var: Path, n_indicators: int = 8, n_periods: int = 3) -> dict:
    """The default map state, and indicator × period pairs on the same shapes (so that `draw`
    answers them with a Patch): the indicators with the most periods first, each with values on
    the commune level for its latest period, and up to 3 of its latest periods."""
    from dashboard.views import map_view

    app = make_app(var)  # configures the read side
    queries = reads(app)
    with app.server.app_context():  # map_view reads through the current app's reader
        return _scenario(app, queries, map_view, n_indicators, n_periods)


def _scenario(app, queries, map_view, n_indicators, n_periods) -> dict:
    start = map_view.from_url(None, None, None)
    first = map_view.resolve(start.indicator, start.level, start.period_index)
    shapes = f"{first.geography}|{first.level}"
    by_length = sorted(queries.indicators()["code"], key=lambda c: (-len(queries.periods(c)), c))
    chosen: dict[str, list[int]] = {}
    for code in [start.indicator, *[c for c in by_length if c != start.indicator]]:
        periods = queries.periods(code)
        if not periods:
            continue
        latest = map_view.resolve(code, start.level, len(periods) - 1)
        if f"{latest.geography}|{latest.level}" != shapes or not latest.frame["value"].notna().any():
            continue
        chosen[code] = [i for i in range(len(periods) - 1, max(len(periods) - 1 - 2 * n_periods, -1), -1)
                        if queries.geography_of(code, *periods[i]) == first.geography][:n_periods]
        if len(chosen) == n_indicators:
            break
    other = next(c for c in chosen if c != start.indicator)
    return {"start": start, "shapes": shapes, "geography": first.geography, "other": other,
            "series": series_page(app), "indicators": list(chosen),
            "load": [(code, index) for code, indexes in chosen.items() for index in indexes]}


# ---------------------------------------------------------------------------------------------
# 1. Payload

def naive_figure(code, level, idx) -> bytes:
    """The naive map: go.Choropleth on the raw source GeoJSON, same values, plotly.io.to_json."""
    import plotly.graph_objects as go
    import plotly.io as pio

    from dashboard.views import map_view

    view = map_view.resolve(code, level, idx)
    raw = json.loads(RAW_GEOJSON[view.geography].read_text(encoding="utf-8"))
    values = view.frame.drop_duplicates("code").set_index("code").reindex(view.codes)["value"]
    assert sorted(f["properties"]["code"] for f in raw["features"]) == sorted(view.codes), view.geography
    fig = go.Figure(go.Choropleth(geojson=raw, locations=view.codes, z=values.astype(float).tolist(),
                                  featureidkey="properties.code"))
    fig.update_geos(fitbounds="locations", visible=False)
    return pio.to_json(fig).encode()


def payload(var: Path, plan: dict) -> None:
    app = make_app(var)
    with app.server.app_context():
        (payload_series if plan["series"] else payload_draw)(var, plan)


def payload_series(var: Path, plan: dict) -> None:
    """The map page after the publication step: `series` carries every period; a period change
    is drawn in the browser, with no request."""
    client = make_app(var).server.test_client()
    rows: list[tuple[str, str, int, int]] = []

    def get(path, label, group):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        rows.append((group, label, len(answer.data), gz(answer.data)))
        return answer

    def post(payload_body, label, group):
        answer = client.post("/_dash-update-component", data=dumps(payload_body), content_type="application/json")
        if answer.status_code != 200:
            raise SystemExit(f"callback {label} answered {answer.status_code}:\n{answer.get_data(as_text=True)[:2000]}")
        rows.append((group, label, len(answer.data), gz(answer.data)))
        return answer.get_json(), answer.data

    html = get("/carte", "GET /carte (HTML)", "first").get_data(as_text=True)
    get("/_dash-layout", "GET /_dash-layout", "first")
    deps = get("/_dash-dependencies", "GET /_dash-dependencies", "first").get_json()
    initial = [d["output"] for d in deps if d["output"].startswith(("..carte-", "carte-"))
               and not d.get("prevent_initial_call") and not d.get("clientside_function")]
    page, page_raw = post(router_body(), "router: _pages_content (page layout)", "first")
    content = page["response"]["_pages_content"]["children"]
    indicator = find_props(content, "carte-indicator")["value"]
    level = find_props(content, "carte-level")["value"]
    index = find_props(content, "carte-period")["value"]
    first, first_raw = post(series_body(indicator, level, index, None, changed=None),
                            "series (every period, shapes)", "first")
    data = first["response"]["carte-series"]["data"]
    index = first["response"]["carte-period"]["value"]
    shown_state = data["periods"][index]["state"]
    other = plan["other"]
    change, change_raw = post(series_body(other, level, index, shown_state), "series (every period, shapes)",
                              "indicator")
    new_index = change["response"]["carte-period"]["value"]
    other_data = change["response"]["carte-series"]["data"]
    if not is_series(change):
        raise SystemExit(f"the indicator change to {other} got no series")
    previous = max(new_index - 1, 0)

    naive_first = naive_figure(indicator, level, index)
    naive_change, naive_period = naive_figure(other, level, new_index), naive_figure(other, level, previous)

    def total(group):
        sel = [r for r in rows if r[0] == group]
        return sum(r[2] for r in sel), sum(r[3] for r in sel)

    print("\n== 1. Payload (bytes of the response bodies; gzip = level 6) ==")
    print(f"map page: `series` (every period in one answer; a period change is drawn in the browser, no request)")
    print(f"map state at load: indicator={indicator} level={level} period index={index} "
          f"({len(data['periods'])} periods, shapes {', '.join(data['shapes'])}); indicator change -> {other} "
          f"({len(other_data['periods'])} periods, shown index {new_index}); period change -> index {previous}")
    print(f"callbacks fired at load (no prevent_initial_call, server side, carte): {initial}")
    titles = {"first": "First load of /carte (layout + figure data, no JS/CSS)",
              "indicator": f"Indicator change ({indicator} -> {other}, commune level)"}
    print(f"{'request':<48} {'raw kB':>9} {'gzip kB':>9}")
    for group in ("first", "indicator"):
        print(f"-- {titles[group]}")
        for g, label, raw, zipped in rows:
            if g == group:
                print(f"   {label:<45} {kb(raw):>9} {kb(zipped):>9}")
        raw, zipped = total(group)
        print(f"   {'TOTAL':<45} {kb(raw):>9} {kb(zipped):>9}")
    print(f"-- Period change (index {new_index} -> {previous}): no request (0 bytes)")

    print("-- where the first load's bytes go (each part gzipped on its own)")
    periods = data["periods"]
    graph = find_props(content, "carte-map")
    rest = json.loads(page_raw)
    rest_graph = find_props(rest["response"]["_pages_content"]["children"], "carte-map")
    rest_graph.pop("config", None)
    rest_graph.pop("figure", None)
    for label, part in [(f"series: shapes ({len(data['shapes'])} figure(s) with their geojson)", dumps(data["shapes"])),
                        (f"series: value layers ({len(periods)} periods)", dumps([p["layer"] for p in periods])),
                        (f"series: table rows ({len(periods)} periods)", dumps([p["rows"] for p in periods])),
                        ("series: the rest (titles, notes, states, references)",
                         dumps([{k: v for k, v in p.items() if k not in ("layer", "rows")} for p in periods])),
                        ("series: slider max, marks, value", dumps({k: v for k, v in first["response"].items()
                                                                   if k != "carte-series"})),
                        ("page layout: carte-map config (French locale)", dumps(graph.get("config"))),
                        ("page layout: carte-map initial empty figure (template)", dumps(graph.get("figure"))),
                        ("page layout: the rest", dumps(rest))]:
        print(f"   {label:<56} {kb(len(part)):>5} {kb(gz(part)):>9}")

    first_raw_total, first_gz_total = total("first")
    change_gz_total = total("indicator")[1]
    non_figure_first_gz = first_gz_total - gz(first_raw)
    print(f"-- naive: go.Choropleth on the raw GeoJSON ({RAW_GEOJSON[plan['geography']].relative_to(ROOT)}), "
          "same values, plotly.io.to_json, whole figure on every change (one period per request)")
    print(f"   {'naive figure, first load':<45} {kb(len(naive_first)):>9} {kb(gz(naive_first)):>9}")
    print(f"   {'naive figure, indicator change':<45} {kb(len(naive_change)):>9} {kb(gz(naive_change)):>9}")
    print(f"   {'naive figure, period change':<45} {kb(len(naive_period)):>9} {kb(gz(naive_period)):>9}")

    def check(ok):
        return "PASS" if ok else "FAIL"

    ratios = [
        ("first load, map only: naive figure (1 period) / our series (all)", gz(naive_first), gz(first_raw)),
        ("first load, all: (naive figure + same other parts) / ours", gz(naive_first) + non_figure_first_gz,
         first_gz_total),
        ("indicator change: naive figure (1 period) / our series (all)", gz(naive_change), change_gz_total),
        (f"indicator change, then every period in turn: naive ({len(other_data['periods'])} figures) / ours",
         gz(naive_change) * len(other_data["periods"]), change_gz_total),
    ]
    print("-- ratios (gzip)")
    for label, naive_size, ours in ratios:
        ratio = naive_size / ours
        print(f"   {label:<66} {ratio:>6.1f}×  {check(ratio >= TARGET_RATIO)} (target ≥ {TARGET_RATIO}×)")
    print("-- targets")
    print(f"   indicator change, gzip, 1 request (every period): {kb(change_gz_total)} kB "
          f"{check(change_gz_total < TARGET_CHANGE_KB * 1000)} (target < {TARGET_CHANGE_KB} kB)")
    print(f"   first load, gzip, layout + figure data: {kb(first_gz_total)} kB "
          f"{check(first_gz_total < TARGET_FIRST_KB * 1000)} (target < {TARGET_FIRST_KB} kB)")
    static_files(client, html)


def payload_draw(var: Path, plan: dict) -> None:
    """The map page before the publication step: `draw` answers with a Patch of one period."""
    client = make_app(var).server.test_client()
    rows: list[tuple[str, str, int, int]] = []

    def get(path, label, group):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.status_code)
        rows.append((group, label, len(answer.data), gz(answer.data)))
        return answer

    def post(payload_body, label, group):
        answer = client.post("/_dash-update-component", data=dumps(payload_body), content_type="application/json")
        if answer.status_code != 200:
            raise SystemExit(f"callback {label} answered {answer.status_code}:\n{answer.get_data(as_text=True)[:2000]}")
        rows.append((group, label, len(answer.data), gz(answer.data)))
        return answer.get_json(), answer.data

    # First load, in the browser's order.
    html = get("/carte", "GET /carte (HTML)", "first").get_data(as_text=True)
    get("/_dash-layout", "GET /_dash-layout", "first")
    deps = get("/_dash-dependencies", "GET /_dash-dependencies", "first").get_json()
    initial = [d["output"] for d in deps if d["output"].startswith(("..carte-", "carte-"))
               and not d.get("prevent_initial_call") and not d.get("clientside_function")]
    page, page_raw = post(router_body(), "router: _pages_content (page layout)", "first")
    content = page["response"]["_pages_content"]["children"]
    indicator = find_props(content, "carte-indicator")["value"]
    level = find_props(content, "carte-level")["value"]
    index = find_props(content, "carte-period")["value"]
    sort = find_props(content, "carte-sort")["value"]
    first, first_raw = post(draw_body(indicator, level, index, None, changed=None),
                            "draw (carte-drawn null: full figure)", "first")
    post(table_body(indicator, level, index, sort, changed=None), "table", "first")
    drawn = first["response"]["carte-drawn"]["data"]
    shown_state = first["response"]["carte-state"]["data"]
    assert not is_patch(first) and drawn == plan["shapes"], (drawn, plan["shapes"])

    # One indicator change (the slider follows through periods_of, then draw and table fire once).
    other = plan["other"]
    periods_answer, _ = post(periods_body(other, shown_state), "periods_of", "indicator")
    new_index = periods_answer["response"]["carte-period"]["value"]
    change, change_raw = post(draw_body(other, level, new_index, drawn), "draw (Patch)", "indicator")
    post(table_body(other, level, new_index, sort), "table", "indicator")
    if not is_patch(change):
        raise SystemExit(f"the indicator change to {other} was answered with a whole figure, not a Patch")

    # One period change, on the new indicator.
    previous = new_index - 1
    period_change, _ = post(draw_body(other, level, previous, drawn, changed="carte-period.value"),
                            "draw (Patch)", "period")
    post(table_body(other, level, previous, sort, changed="carte-period.value"), "table", "period")
    assert is_patch(period_change)

    # Naive: the raw source GeoJSON and the same values, sent whole on every change.
    def naive(code, idx) -> bytes:
        return naive_figure(code, level, idx)

    naive_first, naive_change, naive_period = naive(indicator, index), naive(other, new_index), naive(other, previous)

    # --- print
    def total(group):
        sel = [r for r in rows if r[0] == group]
        return sum(r[2] for r in sel), sum(r[3] for r in sel)

    print("\n== 1. Payload (bytes of the response bodies; gzip = level 6) ==")
    print(f"map state at load: indicator={indicator} level={level} period index={index} -> shapes {drawn}; "
          f"indicator change -> {other} (period index {new_index}); period change -> index {previous}")
    print(f"callbacks fired at load (no prevent_initial_call, server side, carte): {initial}")
    titles = {"first": "First load of /carte (layout + figure data, no JS/CSS)",
              "indicator": f"Indicator change ({indicator} -> {other}, commune level)",
              "period": f"Period change (index {new_index} -> {previous})"}
    print(f"{'request':<48} {'raw kB':>9} {'gzip kB':>9}")
    for group in ("first", "indicator", "period"):
        print(f"-- {titles[group]}")
        for g, label, raw, zipped in rows:
            if g == group:
                print(f"   {label:<45} {kb(raw):>9} {kb(zipped):>9}")
        raw, zipped = total(group)
        print(f"   {'TOTAL':<45} {kb(raw):>9} {kb(zipped):>9}")

    # Where the bytes of the first load go.
    trace = first["response"]["carte-map"]["figure"]["data"][0]
    shapes_json = dumps(trace["geojson"])
    values_json = dumps({k: v for k, v in trace.items() if k != "geojson"})
    graph = find_props(content, "carte-map")
    print("-- where the first load's bytes go (each part gzipped on its own)")
    figure_layout = first["response"]["carte-map"]["figure"]["layout"]
    rest = json.loads(page_raw)
    rest_graph = find_props(rest["response"]["_pages_content"]["children"], "carte-map")
    rest_graph.pop("config", None)
    rest_graph.pop("figure", None)
    for label, part in [("draw: trace geojson (shapes)", shapes_json),
                        ("draw: trace without geojson (values, hover, legend)", values_json),
                        ("draw: figure layout: plotly template", dumps(figure_layout.get("template"))),
                        ("draw: figure layout: the rest", dumps({k: v for k, v in figure_layout.items()
                                                                 if k != "template"})),
                        ("draw: the 4 other outputs", dumps({k: v for k, v in first["response"].items()
                                                             if k != "carte-map"})),
                        ("page layout: carte-map config (French locale)", dumps(graph.get("config"))),
                        ("page layout: carte-map initial empty figure (template)", dumps(graph.get("figure"))),
                        ("page layout: the rest", dumps(rest))]:
        print(f"   {label:<56} {kb(len(part)):>5} {kb(gz(part)):>9}")

    # Naive vs ours.
    first_raw_total, first_gz_total = total("first")
    change_gz_total = total("indicator")[1]
    non_figure_first_gz = first_gz_total - gz(first_raw)
    print(f"-- naive: go.Choropleth on the raw GeoJSON ({RAW_GEOJSON[plan['geography']].relative_to(ROOT)}), "
          "same values, plotly.io.to_json, whole figure on every change")
    print(f"   {'naive figure, first load':<45} {kb(len(naive_first)):>9} {kb(gz(naive_first)):>9}")
    print(f"   {'naive figure, indicator change':<45} {kb(len(naive_change)):>9} {kb(gz(naive_change)):>9}")
    print(f"   {'naive figure, period change':<45} {kb(len(naive_period)):>9} {kb(gz(naive_period)):>9}")

    def check(ok):
        return "PASS" if ok else "FAIL"

    ours_change_map = gz(change_raw)
    ratios = [
        ("first load, map only: naive figure / our first draw", gz(naive_first), gz(first_raw)),
        ("first load, all: (naive figure + same other parts) / ours", gz(naive_first) + non_figure_first_gz,
         first_gz_total),
        ("indicator change, map only: naive figure / our draw", gz(naive_change), ours_change_map),
        ("indicator change, all: naive figure + periods_of + table / ours",
         gz(naive_change) + change_gz_total - ours_change_map, change_gz_total),
    ]
    print("-- ratios (gzip)")
    for label, naive_size, ours in ratios:
        ratio = naive_size / ours
        print(f"   {label:<66} {ratio:>6.1f}×  {check(ratio >= TARGET_RATIO)} (target ≥ {TARGET_RATIO}×)")
    print("-- targets")
    print(f"   indicator change, gzip, all 3 requests: {kb(change_gz_total)} kB "
          f"{check(change_gz_total < TARGET_CHANGE_KB * 1000)} (target < {TARGET_CHANGE_KB} kB)")
    print(f"   first load, gzip, layout + figure data: {kb(first_gz_total)} kB "
          f"{check(first_gz_total < TARGET_FIRST_KB * 1000)} (target < {TARGET_FIRST_KB} kB)")
    static_files(client, html)


def static_files(client, html: str) -> None:
    """The JavaScript/CSS named in the HTML and fetched on demand, apart from the data."""
    in_html = list(dict.fromkeys(re.findall(r'(?:src|href)="(/(?:_dash-component-suites|assets)/[^"]+)"', html)))
    print("\n-- JavaScript/CSS named in the HTML of /carte (raw and gzip 6; 'served' = what Flask-Compress "
          f"sends for Accept-Encoding: {BROWSER_ENCODINGS}, 'ms' = time to serve it, in-process)")
    static_total = [0, 0]
    for group, urls in (("in the HTML", in_html), ("fetched on demand by the page (not in the HTML)", ON_DEMAND)):
        if group != "in the HTML":
            print(f"-- {group}")
        print(f"   {'url':<96} {'raw kB':>8} {'gzip kB':>8} {'served':>12} {'ms':>5}  Cache-Control / ETag")
        for url in urls:
            answer = client.get(url)
            if answer.status_code != 200:
                print(f"   {url:<96} HTTP {answer.status_code}")
                continue
            data = answer.data
            started = time.perf_counter()
            served = client.get(url, headers={"Accept-Encoding": BROWSER_ENCODINGS})
            serve_ms = (time.perf_counter() - started) * 1000
            encoding = served.headers.get("Content-Encoding", "identity")
            cache = answer.headers.get("Cache-Control") or "-"
            etag = " +ETag" if answer.headers.get("ETag") else ""
            static_total[0] += len(data)
            static_total[1] += gz(data)
            print(f"   {url:<96} {kb(len(data)):>8} {kb(gz(data)):>8} {encoding:>4} {kb(len(served.data)):>7} {serve_ms:>5.0f}  "
                  f"{cache}{etag}")
    print(f"   {'TOTAL JS/CSS/topojson':<96} {kb(static_total[0]):>8} {kb(static_total[1]):>8}")


# ---------------------------------------------------------------------------------------------
# 2. Load

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, var: Path, workers: int, threads: int, redis: bool, log: Path,
                 entry: str = "dashboard.app:server()"):
        self.port = free_port()
        env = {**os.environ, "OBSERVATOIRE_VAR_DIR": str(var)}
        env.pop("DATABASE_URL", None)
        env.pop("CACHE_REDIS_URL", None)
        if redis:
            env["CACHE_REDIS_URL"] = REDIS_URL
        self.log = log
        self.proc = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), entry, "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--threads", str(threads), "--worker-class", "gthread",
             "--keep-alive", "5", "--log-level", "warning", "--chdir", str(CODE_ROOT)],
            env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
            cwd=CODE_ROOT)  # gunicorn puts its starting directory first on sys.path, even with --chdir

    def wait_ready(self, timeout=60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.proc.returncode}):\n{self.log.read_text()[-3000:]}")
            try:
                # One request at a time, with a long timeout: a worker's first request sets Dash up.
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/_dash-layout", timeout=120) as r:
                    if r.status == 200:
                        return
            except urllib.error.HTTPError as exc:
                print(f"   (gunicorn answered HTTP {exc.code} to GET /_dash-layout while starting)")
                time.sleep(0.2)
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn not ready after {timeout} s:\n{self.log.read_text()[-3000:]}")

    def pids(self) -> list[int]:
        found = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                    found.append(int(entry.name))
        return found

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.pids():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])
        return total / tick

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)  # the master stops its workers
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Connection:
    """One keep-alive HTTP/1.1 connection (what one browser tab uses for its callbacks)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None
        self.reconnects = 0
        self.encoding = None  # the Content-Encoding of the latest response

    async def open(self):
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def post(self, path: str, payload: bytes) -> tuple[int, bytes]:
        return await self.request("POST", path, payload)

    async def get(self, path: str) -> tuple[int, bytes]:
        return await self.request("GET", path)

    async def request(self, method: str, path: str, payload: bytes | None = None) -> tuple[int, bytes]:
        content = (f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
                   if payload is not None else "")
        request = (f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n{content}"
                   f"Accept: */*\r\nAccept-Encoding: {BROWSER_ENCODINGS}\r\n\r\n").encode() + (payload or b"")
        for attempt in (0, 1):
            reused = self.writer is not None
            if not reused:
                await self.open()
            try:
                self.writer.write(request)
                await self.writer.drain()
                return await self._response()
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()
                if not reused or attempt:  # a fresh connection that fails is an error
                    raise
                self.reconnects += 1  # the server closed an idle keep-alive connection: resend once
        raise AssertionError("unreachable")

    async def _response(self) -> tuple[int, bytes]:
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {k.strip().lower(): v.strip() for k, v in (ln.split(":", 1) for ln in lines[1:] if ":" in ln)}
        self.encoding = headers.get("content-encoding")
        if "content-length" in headers:
            data = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                data += await self.reader.readexactly(size + 2)
                if size == 0:
                    break
        else:
            data = await self.reader.read()
            self.close()
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, data


def machine_busy_seconds() -> float:
    """CPU seconds spent by the whole machine outside idle and iowait (all processes, all users)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


async def run_clients(port: int, bodies: list[bytes], clients: int, duration: float, paced: bool) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    connections = [Connection(port) for _ in range(clients)]
    stop_at = time.perf_counter() + duration

    async def client(number: int):
        conn = connections[number]
        rng = random.Random(number)
        position = rng.randrange(len(bodies))
        next_at = time.perf_counter() + (rng.random() if paced else 0)
        while True:
            if paced:
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            start = time.perf_counter()
            if start >= stop_at:
                break
            next_at = start + rng.uniform(0.75, 1.25)
            position = (position + 1) % len(bodies)
            try:
                status, _ = await conn.post("/_dash-update-component", bodies[position])
                if status != 200:
                    errors.append(f"HTTP {status}")
            except (OSError, asyncio.IncompleteReadError) as exc:
                errors.append(type(exc).__name__)
                conn.close()
                continue
            finally:
                latencies.append((time.perf_counter() - start) * 1000)
        conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(clients)))
    elapsed = time.perf_counter() - started
    return {"count": len(latencies), "errors": errors, "elapsed": elapsed, "latencies": latencies,
            "reconnects": sum(c.reconnects for c in connections)}


def load(var: Path, plan: dict, args, work: Path) -> None:
    shapes = plan["shapes"]
    level = plan["start"].level
    if plan["series"]:  # one request per indicator change, every period; the shown period's state
        shown = {"indicateur": plan["start"].indicator, "niveau": level, "periode": None}
        pairs = [(code, None) for code in plan["indicators"]]
        bodies = [dumps(series_body(code, level, 0, shown)) for code, _ in pairs]
    else:
        pairs = plan["load"]
        bodies = [dumps(draw_body(code, level, index, shapes)) for code, index in pairs]
    print(f"\n== 2. Indicator change under load: gunicorn gthread -w {args.workers} --threads {args.threads}, "
          f"{args.clients} clients, {args.duration:.0f} s per mode, {os.cpu_count()} CPUs shared by server and "
          f"clients ==")
    print(f"load average before: {' '.join(Path('/proc/loadavg').read_text().split()[:3])} "
          "(other processes on the machine take CPU from the server: see the 'others' column)")
    if plan["series"]:
        print(f"requests: `series` (every period of the indicator; a period change sends nothing), rotating over "
              f"{len(bodies)} indicators: " + ", ".join(sorted(plan["indicators"])))
    else:
        print(f"requests: `draw` with carte-drawn={shapes!r} (answered by a Patch), rotating over "
              f"{len(bodies)} indicator × period pairs of {len({c for c, _ in plan['load']})} indicators: "
              + ", ".join(sorted({c for c, _ in plan["load"]})))
    modes = [True, False] if args.redis is None else [args.redis]
    header = (f"{'cache':<12} {'mode':<22} {'count':>7} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
              f"{'p99 ms':>7} {'max ms':>7} {'srv CPU ms/req':>14} {'cores: server':>13} {'client':>6} "
              f"{'others':>6}  target p95 < "
              f"{TARGET_P95_MS} ms, 0 errors")
    lines = []
    for redis in modes:
        label = "redis" if redis else "in-process"
        server = Gunicorn(var, args.workers, args.threads, redis, work / f"gunicorn-{label}.log")
        try:
            server.wait_ready()
            # Warm up: every pair on many connections (so both workers fill their caches), then a
            # few seconds of closed loop; check that the answers are Patches.
            for (code, index), payload_body in zip(pairs, bodies):
                probe = urllib.request.Request(f"http://127.0.0.1:{server.port}/_dash-update-component",
                                               data=payload_body, headers={"Content-Type": "application/json"})
                with urllib.request.urlopen(probe, timeout=60) as answer:
                    if not good_answer(json.loads(answer.read())):
                        raise RuntimeError(f"change to ({code}, {index}) was answered by a whole figure, not a "
                                           "Patch" if not plan["series"] else f"series({code}) came back empty")
            warm = asyncio.run(run_clients(server.port, bodies, min(args.clients, 16), 4.0, paced=False))
            if warm["errors"]:
                raise RuntimeError(f"errors while warming up: {warm['errors'][:5]}\n{server.log.read_text()[-3000:]}")
            for paced in (False, True):
                cpu_before, client_before, busy_before = server.cpu_seconds(), os.times(), machine_busy_seconds()
                result = asyncio.run(run_clients(server.port, bodies, args.clients, args.duration, paced))
                cpu = server.cpu_seconds() - cpu_before
                after = os.times()
                client_cpu = (after.user + after.system - client_before.user - client_before.system)
                others = machine_busy_seconds() - busy_before - cpu - client_cpu
                wall = result["elapsed"]
                lat = result["latencies"]
                mode = "paced 1 s ± 25 %" if paced else "closed loop"
                p95 = percentile(lat, .95)
                ok = p95 < TARGET_P95_MS and not result["errors"]
                line = (f"{label:<12} {mode:<22} {result['count']:>7} {len(result['errors']):>6} "
                        f"{result['count'] / result['elapsed']:>7.1f} {percentile(lat, .5):>7.1f} {p95:>7.1f} "
                        f"{percentile(lat, .99):>7.1f} {max(lat) if lat else float('nan'):>7.1f} "
                        f"{1000 * cpu / max(result['count'], 1):>14.1f} {cpu / wall:>13.2f} {client_cpu / wall:>6.2f} "
                        f"{max(others, 0) / wall:>6.2f}  {'PASS' if ok else 'FAIL'}")
                if result["errors"]:
                    kinds = {e: result["errors"].count(e) for e in set(result["errors"])}
                    line += f"  errors: {kinds}"
                if result["reconnects"]:
                    line += f"  ({result['reconnects']} keep-alive reconnects)"
                lines.append(line)
                print(line if len(lines) > 1 else header + "\n" + line, flush=True)
        finally:
            server.stop()
    for log in sorted(work.glob("gunicorn-*.log")):
        text = log.read_text(errors="replace")
        if "Traceback" in text:
            failures = [ln for ln in text.splitlines() if re.match(r"^\[.*\] ERROR|^\w+(Error|Exception): ", ln)]
            print(f"gunicorn logged {text.count('Traceback')} traceback(s) in {log}:")
            for line in dict.fromkeys(failures):
                print(f"   {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30, help="seconds per load mode (default 30)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--redis", action=argparse.BooleanOptionalAction, default=None,
                        help=f"only with (--redis) or without (--no-redis) CACHE_REDIS_URL={REDIS_URL}; "
                             "default: both")
    parser.add_argument("--var", type=Path, default=os.environ.get("OBSERVATOIRE_VAR_DIR") or None,
                        help="an existing var dir (made by `observatoire init`); default: a new temporary one")
    parser.add_argument("--skip-payload", action="store_true")
    parser.add_argument("--skip-load", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="map_bench_"))
    try:
        if args.var:
            var = args.var.resolve()
            print(f"store: {var} (given)")
        else:
            var = work / "var"
            make_store(var)
        plan = scenario(var)
        if not args.skip_payload:
            payload(var, plan)
        if not args.skip_load:
            load(var, plan, args, work)
    finally:
        keep = any("Traceback" in p.read_text(errors="replace") for p in work.glob("gunicorn-*.log"))
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
