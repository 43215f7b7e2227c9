"""Public embed under load: N clients loading /embed/carte and changing its indicator, on the
public app served by gunicorn, first alone, then while imports run on the internal app's store.

Each client (asyncio, one keep-alive connection, as a browser tab) loads the embed as the
browser does — GET /embed/carte?indicateur=…&niveau=commune&hauteur=420, GET /_dash-layout,
GET /_dash-dependencies, POST the pages router (the embed's layout), POST the map callback (the
shapes and values) — then changes the indicator every `--think` s ± 50 % (POST the map callback:
a Patch of the values, or the whole figure when the new indicator is on other shapes; a quarter
of the changes ask for RSA households, the checked indicator), and opens the embed again after
10 changes. JavaScript and CSS bundles are not fetched: browsers keep them (the fingerprinted
ones for a year, plotly.js revalidated); bench/map_bench.py measures them.

Phase 2 runs the same load while another process imports, through the internal app's import
service (dashboard.ingest.service: upload, preview, confirm, then roll back — what the import
page does), a CAF file that adds 1 000 households to every commune for the latest month: an
import, or its rollback, every `--import-every`/2 s. Every map answer for RSA households (that
month) is checked against the two states measured before: all communes and the département of
the legend from before the import, or all from after. Anything else would be a half-applied
import seen by a reader.

    .venv/bin/python bench/embed_load.py [--duration 120] [--clients 50] [--think 1.0]
        [--workers 2] [--threads 4] [--redis] [--var DIR] [--import-every 60] [--skip-imports]
"""
from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import zlib
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlencode

import brotli
from backports import zstd  # what Flask-Compress uses before Python 3.14
from map_bench import (REDIS_URL, ROOT, Connection, Gunicorn, body, dumps, find_props, machine_busy_seconds,
                       make_store, percentile, router_body)

EMBED = "/embed/carte"
CALLBACK = "/_dash-update-component"
DRAW = [("embed-carte-map", "figure"), ("embed-carte-drawn", "data"), ("embed-carte-source", "children"),
        ("embed-carte-link", "href"), ("embed-carte-legend", "children")]
CHECKED = "rsa_foyers"
CHECKED_SHARE = 1 / 4  # of the indicator changes, so that many answers are checked
CHANGES_PER_VISIT = 10
HEIGHT = 420


def draw_body(indicator: str, asked: dict, drawn) -> dict:
    return body(DRAW, [("embed-carte-indicator", "value", indicator)],
                [("embed-carte-state", "data", asked), ("embed-carte-drawn", "data", drawn)],
                ["embed-carte-indicator.value"])


def decoded(data: bytes, encoding: str | None):
    if encoding == "zstd":
        data = zstd.decompress(data)
    elif encoding == "br":
        data = brotli.decompress(data)
    elif encoding == "gzip":
        data = gzip.decompress(data)
    elif encoding == "deflate":
        data = zlib.decompress(data)
    return json.loads(data)


def shown(answer: dict) -> tuple[str, tuple[str, ...], str]:
    """What the map answer shows: its hover template (which names the period), the hover texts
    (in shape order) and the legend's title (the département's value), from a whole figure or
    from a Patch."""
    figure = answer["response"]["embed-carte-map"]["figure"]
    if "__dash_patch_update" in figure:
        assigned = {tuple(op["location"]): op["params"]["value"] for op in figure["operations"]
                    if op["operation"] == "Assign"}
        trace = {key[2]: value for key, value in assigned.items() if key[:2] == ("data", 0)}
    else:
        trace = figure["data"][0]
    return trace["hovertemplate"], tuple(c[0] for c in trace["customdata"]), trace["colorbar"]["title"]["text"]


# ---------------------------------------------------------------------------------------------
# The other side: imports through the internal app's service, in their own process

def _service(var: Path):
    from dashboard.ingest import service
    from dashboard.settings import load_settings
    from dashboard.store import make_engine

    settings = load_settings({"OBSERVATOIRE_VAR_DIR": str(var)})
    engine = make_engine(settings.database_url)
    service.configure(engine, settings)
    return service, engine


def write_import_file(var: Path, path: Path) -> None:
    """A CAF file for the latest month of RSA households: every commune + 1 000."""
    from sqlalchemy import func, select

    from dashboard.store.models import Figure, Territory

    _, engine = _service(var)
    with engine.connect() as conn:
        latest = conn.execute(select(func.max(Figure.period_start)).where(
            Figure.indicator_code == CHECKED, Figure.period_type == "month", Figure.superseded_by.is_(None))).scalar()
        rows = conn.execute(select(Territory.code, Figure.value).join(Territory, Territory.id == Figure.territory_id)
                            .where(Figure.indicator_code == CHECKED, Figure.period_start == latest,
                                   Figure.period_type == "month", Territory.level == "commune",
                                   Figure.superseded_by.is_(None)).order_by(Territory.code)).all()
    path.write_text("Mois;Code commune;Foyers\n" + "".join(f"{latest:%Y-%m};{code};{int(value) + 1000}\n"
                                                           for code, value in rows), encoding="utf-8")


def import_once(service, path: Path) -> int:
    """What the import page does: keep the upload, preview it (a dry run), confirm it."""
    from dashboard.ingest.importer import Provenance

    token = service.save_upload(path.name, path.read_bytes())
    preview = service.preview(token, path.name, "allocataires")
    if not preview.ok:
        raise RuntimeError(f"import refused: {preview.problems[:3]}")
    return service.confirm(token, path.name, "allocataires", Provenance(
        source="CAF 93 (banc d'essai)", licence="test", quality="unverified", imported_by="bench")).import_id


def importer_main(argv: list[str]) -> None:
    """`_write VAR FILE`, `_import VAR FILE` (prints the import's number), `_rollback VAR N`,
    `_loop VAR FILE STOP EVERY` (import, roll back, again, one of them every EVERY/2 s, until the
    file STOP exists; prints timings as JSON)."""
    command, var = argv[0], Path(argv[1])
    service, _ = _service(var)
    if command == "_write":
        write_import_file(var, Path(argv[2]))
    elif command == "_import":
        print(import_once(service, Path(argv[2])))
    elif command == "_rollback":
        service.rollback(int(argv[2]), by="bench")
    elif command == "_loop":
        path, stop, half = Path(argv[2]), Path(argv[3]), float(argv[4]) / 2
        timings = defaultdict(list)
        while not stop.exists():
            started = time.perf_counter()
            number = import_once(service, path)
            timings["import (upload, preview, confirm)"].append(time.perf_counter() - started)
            time.sleep(max(half - (time.perf_counter() - started), 0))
            started = time.perf_counter()
            service.rollback(number, by="bench")
            timings["rollback"].append(time.perf_counter() - started)
            time.sleep(max(half - (time.perf_counter() - started), 0))
        print(json.dumps(timings))


def run_importer(*args) -> str:
    return subprocess.run([sys.executable, __file__, *map(str, args)], check=True, capture_output=True,
                          text=True, cwd=ROOT).stdout.strip()


# ---------------------------------------------------------------------------------------------
# Clients

class Results:
    def __init__(self):
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.states: Counter = Counter()  # which known state each checked map answer showed
        self.unknown: list = []

    def check(self, known: dict, seen: tuple) -> None:
        """`seen` must be one of the `known` states (when it is of their period)."""
        if seen[0] != next(iter(known.values()))[0]:
            return  # another period (the embed kept the one its first indicator asked for)
        label = next((name for name, state in known.items() if state == seen), None)
        if label is None:
            self.unknown.append(seen)
        else:
            self.states[label] += 1


async def timed(conn: Connection, results: Results, kind: str, method: str, path: str, payload=None):
    """One request; its latency under `kind`; the decoded JSON answer of a callback (else None)."""
    started = time.perf_counter()
    try:
        status, data = await conn.request(method, path, payload)
    except (OSError, asyncio.IncompleteReadError) as exc:
        results.errors[f"{kind}: {type(exc).__name__}"] += 1
        conn.close()
        return None
    finally:
        results.latencies[kind].append((time.perf_counter() - started) * 1000)
    if status != 200:
        results.errors[f"{kind}: HTTP {status}"] += 1
        return None
    return decoded(data, conn.encoding) if path == CALLBACK else True


async def visit(conn: Connection, results: Results, indicator: str):
    """Open the embed as the browser does; its asked state (from the layout), or None."""
    query = urlencode({"indicateur": indicator, "niveau": "commune", "hauteur": HEIGHT})
    for kind, path in (("page", f"{EMBED}?{query}"), ("layout", "/_dash-layout"),
                       ("dependencies", "/_dash-dependencies")):
        if not await timed(conn, results, kind, "GET", path):
            return None
    answer = await timed(conn, results, "router (layout of the embed)", "POST", CALLBACK,
                         dumps(router_body(EMBED, f"?{query}")))
    return find_props(answer["response"]["_pages_content"]["children"], "embed-carte-state")["data"] \
        if answer else None


async def client(number: int, port: int, plan: dict, stop_at: float, think: float, results: Results):
    rng = random.Random(number)
    conn = Connection(port)
    await asyncio.sleep(rng.random() * max(think, 0.2))  # clients arrive over the first second
    while time.perf_counter() < stop_at:
        indicator = rng.choice(plan["indicators"])
        asked = await visit(conn, results, indicator)
        if asked is None:
            await asyncio.sleep(0.5)
            continue
        drawn = None
        for change in range(CHANGES_PER_VISIT + 1):
            if change:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
                indicator = CHECKED if rng.random() < CHECKED_SHARE else rng.choice(plan["indicators"])
            if time.perf_counter() >= stop_at:
                break
            kind = "map: whole figure" if drawn is None else "map: indicator change"
            answer = await timed(conn, results, kind, "POST", CALLBACK, dumps(draw_body(indicator, asked, drawn)))
            if answer is None:
                drawn = None
                continue
            drawn = answer["response"]["embed-carte-drawn"]["data"]
            if indicator == CHECKED:
                results.check(plan["known"], shown(answer))
    conn.close()


async def load(port: int, plan: dict, clients: int, duration: float, think: float) -> tuple[Results, float]:
    results = Results()
    stop_at = time.perf_counter() + duration
    started = time.perf_counter()
    await asyncio.gather(*(client(n, port, plan, stop_at, think, results) for n in range(clients)))
    return results, time.perf_counter() - started


def report(title: str, results: Results, elapsed: float, cpu: dict) -> None:
    print(f"\n-- {title}")
    print(f"   {'request':<30} {'count':>7} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
    every = []
    for kind, samples in results.latencies.items():
        every += samples
        errors = sum(n for k, n in results.errors.items() if k.startswith(kind))
        print(f"   {kind:<30} {len(samples):>7} {errors:>6} {percentile(samples, .5):>7.1f} "
              f"{percentile(samples, .95):>7.1f} {percentile(samples, .99):>7.1f} {max(samples):>7.1f}")
    errors = sum(results.errors.values())
    print(f"   {'ALL':<30} {len(every):>7} {errors:>6} {percentile(every, .5):>7.1f} {percentile(every, .95):>7.1f} "
          f"{percentile(every, .99):>7.1f} {max(every):>7.1f}")
    print(f"   {len(every) / elapsed:.1f} requests/s over {elapsed:.0f} s; errors: {dict(results.errors) or 0}; "
          f"cores busy: server {cpu['server']:.2f}, clients {cpu['client']:.2f}, rest of the machine "
          f"{cpu['others']:.2f}")
    checked = sum(results.states.values()) + len(results.unknown)
    print(f"   map answers for {CHECKED} checked: {checked} — " + ", ".join(
        f"{n} {label}" for label, n in sorted(results.states.items()))
        + f", {len(results.unknown)} half-applied or unknown")


def measured(server: Gunicorn, coroutine) -> tuple:
    cpu_before, client_before, busy_before = server.cpu_seconds(), os.times(), machine_busy_seconds()
    results, elapsed = asyncio.run(coroutine)
    after = os.times()
    server_cpu = server.cpu_seconds() - cpu_before
    client_cpu = after.user + after.system - client_before.user - client_before.system
    others = max(machine_busy_seconds() - busy_before - server_cpu - client_cpu, 0)
    return results, elapsed, {"server": server_cpu / elapsed, "client": client_cpu / elapsed, "others": others / elapsed}


def fetch_json(url: str, payload: dict | None = None):
    request = urllib.request.Request(url, data=dumps(payload) if payload is not None else None,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.loads(answer.read())


def state_of(port: int) -> tuple:
    """What the embed's map shows for RSA households now (a fresh page: the whole figure)."""
    asked = {"niveau": "commune", "hauteur": HEIGHT, "periode": None}
    return shown(fetch_json(f"http://127.0.0.1:{port}{CALLBACK}", draw_body(CHECKED, asked, None)))


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        importer_main(sys.argv[1:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=120, help="seconds per phase (default 120)")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--think", type=float, default=1.0,
                        help="mean seconds between a client's indicator changes (0: closed loop)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--redis", action="store_true", help=f"CACHE_REDIS_URL={REDIS_URL}")
    parser.add_argument("--var", type=Path, help="an existing var dir made by `observatoire init` (it is "
                                                 "imported into and rolled back); default: a new one")
    parser.add_argument("--import-every", type=float, default=60.0,
                        help="phase 2: seconds between two imports (each rolled back half-way; default 60)")
    parser.add_argument("--skip-imports", action="store_true", help="phase 1 only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="embed_load_"))
    var = args.var.resolve() if args.var else work / "var"
    if not args.var:
        make_store(var)
    server = Gunicorn(var, args.workers, args.threads, args.redis, work / "gunicorn.log",
                      entry="dashboard.app:public_server()")
    try:
        server.wait_ready()
        base = f"http://127.0.0.1:{server.port}"
        indicators = [r["code"] for r in fetch_json(f"{base}/api/v1/indicateurs.json")["lignes"]]
        plan = {"indicators": indicators, "known": {"before the import": state_of(server.port)}}
        print(f"public app: gunicorn gthread -w {args.workers} --threads {args.threads} "
              f"({'Redis' if args.redis else 'in-process'} cache), {os.cpu_count()} CPUs shared with the clients; "
              f"{args.clients} clients, {args.duration:.0f} s per phase, a change every {args.think:g} s ± 50 %, "
              f"{CHANGES_PER_VISIT} changes per visit, {len(indicators)} indicators")
        results, elapsed, cpu = measured(server, load(server.port, plan, args.clients, args.duration, args.think))
        report("phase 1: readers only", results, elapsed, cpu)
        if not args.skip_imports:
            csv = work / "caf_plus_1000.csv"
            run_importer("_write", var, csv)
            number = run_importer("_import", var, csv)
            plan["known"]["after the import"] = state_of(server.port)
            run_importer("_rollback", var, number)
            if state_of(server.port) != plan["known"]["before the import"]:
                raise RuntimeError("the rollback did not restore what the embed showed")
            stop = work / "stop"
            loop = subprocess.Popen([sys.executable, __file__, "_loop", str(var), str(csv), str(stop),
                                     str(args.import_every)],
                                    stdout=subprocess.PIPE, text=True, cwd=ROOT)
            results, elapsed, cpu = measured(server, load(server.port, plan, args.clients, args.duration, args.think))
            stop.touch()
            timings = json.loads(loop.communicate(timeout=300)[0])
            report("phase 2: readers while imports run on the internal app's store", results, elapsed, cpu)
            print("   imports meanwhile: " + ", ".join(
                f"{len(t)} × {label} (mean {sum(t) / len(t):.2f} s)" for label, t in timings.items() if t))
    finally:
        server.stop()
        log = server.log.read_text(errors="replace")
        if "Traceback" in log:
            print(f"gunicorn logged {log.count('Traceback')} traceback(s): {server.log}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
