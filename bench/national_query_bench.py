"""National query benchmark: the read side on a PostgreSQL store of national size.

    python bench/national_query_bench.py                     # 30 samples per query
    python bench/national_query_bench.py --samples 10 --keep # keep the run database afterwards
    python bench/national_query_bench.py --months 12         # a smaller store (12 months instead of 60)
    python bench/national_query_bench.py --profile-publication  # + cProfile (top 15) of the publication
    python bench/national_query_bench.py --try-index         # + the candidate index, measured in the run database
    python bench/national_query_bench.py --commit HEAD       # measure one commit (frozen copy of dashboard/)
    OBSERVATOIRE_BENCH_CODE=/path/to/old/checkout python bench/national_query_bench.py  # the code before the
                                                             # publication step (dashboard.indicators.queries)

The script reads through whichever API the measured code has: `dashboard.indicators.reader.Reader`
(the publication step: the bench data are published with `dashboard.publication.publish_all`,
timed, in one transaction, before the reads), else the module `dashboard.indicators.queries`
(masks, sums and ratios computed at request time; no publication).

What it builds (see bench/README.md):
- the COG2024 geography of bench/import_bench.py (101 départements, 35 000 communes, imported
  through the real `communes` kind once, then kept as a PostgreSQL template database), copied
  into a run database `observatoire_bench_query_<pid>`, dropped at the end (also on error);
- bench data written straight with SQL and COPY (not through the importer), one `import_record`
  per dataset so that provenance joins work: a QPV2024 geography of 1 600 QPV each linked to one
  commune; `rsa_foyers` per commune and month 2019-01..2023-12 (2 100 000 rows), `population`
  per commune and year 2019..2023, `de_abc` per QPV and month (96 000 rows); then VACUUM ANALYZE.
What it measures: with the publication step, the publication of the whole store (what an
import of all of it publishes in its transaction: every unit, every period), its time, the rows
it writes and where its time goes; then `values` (the map) and `profile` (one territory, every
indicator and period), cold (`cache.clear()` before the call: nothing of the query layer is
cached, PostgreSQL's buffers stay warm) and warm (the same call again), p50/p95 in ms, right
after the publication (no ANALYZE in between); where a cold call spends its time (SQL
statements, cProfile); the indexes of the tables read and EXPLAIN ANALYZE of the statements the
calls send.
Nothing is written outside --workdir and the PostgreSQL databases named observatoire_bench_*.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parent))
import import_bench as ib  # noqa: E402  (puts the measured code first on sys.path)

N_COMMUNES, N_DEPARTEMENTS = 35_000, 101
N_QPV = 1_600
MONTHS = [dt.date(2019 + i // 12, i % 12 + 1, 1) for i in range(60)]
YEARS = [dt.date(y, 1, 1) for y in range(2019, 2024)]
COG, QPV = "COG2024", "QPV2024"
TARGET_MS = 50  # the target for the map and the profile (--target-ms)
THRESHOLD = 10  # primary secrecy threshold of the store
RUN_PREFIX = f"{ib.PG_PREFIX}_query_"
# --try-index without a value: the profile's lookup (the figures of a few hundred territories, every
# period) as an index-only scan, instead of a parallel sequential scan of `figure`.
DEFAULT_INDEX = ("CREATE INDEX ix_bench_figure_territory_current ON figure "
                 "(territory_id, indicator_code, period_type, period_start) INCLUDE (value, flag, import_id) "
                 "WHERE superseded_by IS NULL")


# --- the run database ----------------------------------------------------------------------------

class RunDatabase(ib.FreshStore):
    """CREATE DATABASE observatoire_bench_query_<pid> TEMPLATE <geography template>; dropped on
    exit unless kept."""

    def __init__(self, template: str, keep: bool):
        super().__init__("postgresql", template, Path(tempfile.gettempdir()), "query")
        self.db = f"{RUN_PREFIX}{os.getpid()}"
        self.url = ib.pg_url(self.db)
        self.keep = keep

    def __exit__(self, *exc):
        if self.keep:
            print(f"run database kept: {self.db} ({self.url})")
        else:
            ib.pg_drop(self.db)


def drop_orphans() -> None:
    """Drop the run databases of earlier runs whose process is gone (server on this machine only)."""
    from sqlalchemy.engine import make_url

    if make_url(ib.POSTGRES_ADMIN).host not in ("127.0.0.1", "localhost", "::1", None):
        return
    for db in ib.pg_databases(RUN_PREFIX):
        pid = db.removeprefix(RUN_PREFIX)
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            print(f"dropping {db} (left by benchmark process {pid}, which no longer runs)", flush=True)
            ib.pg_drop(db)


# --- bench data ----------------------------------------------------------------------------------

def _counts(rng, n: int, high: int):
    """5 % of the values from 1 to 10 (masked by primary secrecy), the rest from 11 to `high`."""
    import numpy as np

    small = rng.random(n) < 0.05
    return np.where(small, rng.integers(1, 11, n), rng.integers(11, high + 1, n))


def load(db: str, geo: list, seed: int) -> dict:
    """QPV geography and figures, written with SQL and COPY, in one transaction; then VACUUM ANALYZE."""
    import numpy as np
    import psycopg

    from dashboard.indicators.registry import STORED
    from dashboard.ingest.kinds.qpv import VINTAGES

    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    timings, rows = {}, {}
    now = dt.datetime.now().replace(microsecond=0)
    t0 = time.perf_counter()
    with psycopg.connect(ib.pg_url(db, "postgresql")) as conn:
        t = time.perf_counter()

        def record(kind: str, file_name: str, source: str, data_date: str) -> int:
            import_id = conn.execute(
                "INSERT INTO import_record (kind, file_name, sha256, size_bytes, source, licence, quality, data_date, "
                "imported_at, imported_by, status, row_count) VALUES (%s, %s, %s, 0, %s, 'synthétique', 'demo', %s, "
                "%s, 'bench', 'applied', 0) RETURNING id",
                (kind, file_name, f"bench-{file_name}", source, data_date, now)).fetchone()[0]
            conn.execute("INSERT INTO import_event (import_id, action, at, by) VALUES (%s, 'applied', %s, 'bench')",
                         (import_id, now))
            return import_id

        ids = {"qpv": record("qpv", "qpv2024_bench.geojson", "ANCT (synthétique, benchmark)", "QPV 2024"),
               "rsa_foyers": record("allocataires", "rsa_bench.csv", "CAF (synthétique, benchmark)", "2019–2023"),
               "population": record("population", "population_bench.csv", "INSEE (synthétique, benchmark)",
                                    "2019–2023"),
               "de_abc": record("insee_qpv_ipro", "de_abc_bench.csv", "France Travail (synthétique, benchmark)",
                                "2019–2023")}
        # the registry's declarations, as the importer's sync_indicators copies them
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO indicator (code, label, unit, source, counts) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (code) DO UPDATE SET label = excluded.label, unit = excluded.unit, "
                "source = excluded.source, counts = excluded.counts",
                [(s.code, s.label, s.unit, s.source, s.counts) for s in STORED])
        label, start, end = VINTAGES[QPV]
        conn.execute("INSERT INTO geography (code, label, family, valid_from, valid_to, import_id) "
                     "VALUES (%s, %s, 'qpv', %s, %s, %s)", (QPV, label, start, end, ids["qpv"]))
        commune_id = dict(conn.execute("SELECT code, id FROM territory WHERE geography_code = %s "
                                       "AND level = 'commune'", (COG,)).fetchall())
        # 1 600 QPV spread over the départements (15 or 16 each), each in one commune of its département
        base, extra = divmod(N_QPV, len(geo))
        qpv = []  # (code, commune code)
        for i, (dept, _, communes) in enumerate(geo):
            for k in range(1, base + (1 if i < extra else 0) + 1):
                qpv.append((f"QN{dept.zfill(3)}{k:03d}", pick.choice(communes)))
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO territory (geography_code, level, code, name, import_id) "
                            "VALUES (%s, 'qpv', %s, %s, %s)",
                            [(QPV, code, f"Quartier {code}", ids["qpv"]) for code, _ in qpv])
        qpv_id = dict(conn.execute("SELECT code, id FROM territory WHERE geography_code = %s AND level = 'qpv'",
                                   (QPV,)).fetchall())
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO territory_link (child_id, parent_id, weight, weight_basis, import_id) "
                            "VALUES (%s, %s, 1.0, 'QPV entièrement dans la commune (benchmark)', %s)",
                            [(qpv_id[code], commune_id[commune], ids["qpv"]) for code, commune in qpv])
        rows["qpv territories"], rows["qpv links"] = len(qpv_id), len(qpv)
        timings["geography and records"] = time.perf_counter() - t

        communes = [commune_id[c] for _, _, cs in geo for c in cs]
        qpvs = [qpv_id[code] for code, _ in qpv]
        plan = [("rsa_foyers", communes, "month", MONTHS, 5000),
                ("population", communes, "year", YEARS, None),
                ("de_abc", qpvs, "month", MONTHS, 2000)]
        with conn.cursor() as cur:
            for indicator, territories, period_type, periods, high in plan:
                t, n = time.perf_counter(), 0
                with cur.copy("COPY figure (indicator_code, territory_id, period_type, period_start, value, "
                              "import_id) FROM STDIN") as copy:
                    for period in periods:
                        values = (_counts(rng, len(territories), high) if high
                                  else rng.integers(100, 200_001, len(territories)))
                        prefix, suffix = f"{indicator}\t", f"\t{period_type}\t{period.isoformat()}\t"
                        tail = f"\t{ids[indicator]}\n"
                        copy.write("".join(f"{prefix}{tid}{suffix}{v}{tail}"
                                           for tid, v in zip(territories, values.tolist())))
                        n += len(territories)
                rows[f"figure {indicator} ({period_type})"] = n
                timings[f"COPY {indicator}"] = time.perf_counter() - t
        for indicator in ("rsa_foyers", "population", "de_abc"):
            conn.execute("UPDATE import_record SET row_count = %s WHERE id = %s",
                         (rows[next(k for k in rows if k.startswith(f"figure {indicator} "))], ids[indicator]))
        t = time.perf_counter()
        conn.commit()
        timings["commit"] = time.perf_counter() - t
    t = time.perf_counter()
    with psycopg.connect(ib.pg_url(db, "postgresql"), autocommit=True) as conn:
        # VACUUM too, so that autovacuum does not start on 2.4 M new rows in the middle of the timings
        conn.execute("VACUUM (ANALYZE) figure, territory, territory_link, import_record, import_event, geography, "
                     "indicator")
    timings["VACUUM ANALYZE"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return {"rows": rows, "timings": timings}


# --- measuring -----------------------------------------------------------------------------------

def percentile(samples: list[float], share: float) -> float:
    """Nearest rank (as bench/query_bench.py): with 30 samples, p95 is the second largest."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


class SqlLog:
    """Every statement an engine sends while active, with its parameters and execute time."""

    def __init__(self, engine):
        self.engine, self.entries = engine, []

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("bench_t0", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.entries.append((statement, parameters, time.perf_counter() - conn.info["bench_t0"].pop()))

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


def cases(queries, geo: list) -> list[tuple[str, object, object]]:
    """`queries`: the old module `dashboard.indicators.queries` or a `Reader`: the same read methods."""
    """(label, function, argument picker): the pickers vary the month or the territory per sample."""
    communes = [c for _, _, cs in geo for c in cs]
    depts = [d for d, _, _ in geo]
    out = [
        ("values rsa_foyers commune", queries.values,
         lambda r: ("rsa_foyers", "commune", "month", r.choice(MONTHS), COG)),
        ("values rsa_foyers departement", queries.values,
         lambda r: ("rsa_foyers", "departement", "month", r.choice(MONTHS), COG)),
        ("values de_abc qpv", queries.values, lambda r: ("de_abc", "qpv", "month", r.choice(MONTHS), QPV)),
    ]
    profile = getattr(queries, "profile", None)
    if profile is not None:
        out += [("profile commune", profile, lambda r: (r.choice(communes), "commune", COG)),
                ("profile departement", profile, lambda r: (r.choice(depts), "departement", COG))]
    return out


def measure(function, picker, samples: int, seed: int, cache) -> dict:
    rnd = random.Random(seed)
    function(*picker(random.Random(seed - 1)))  # warm-up, not counted: imports, compiled-statement cache
    cold, warm, shapes = [], [], []
    for _ in range(samples):
        args = picker(rnd)
        cache.clear()
        t = time.perf_counter()
        result = function(*args)
        cold.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        function(*args)
        warm.append((time.perf_counter() - t) * 1000)
        shapes.append((len(result), int((result["flag"] == "secret").sum()) if "flag" in result else 0))
    return {"cold": cold, "warm": warm, "rows": statistics.median(s[0] for s in shapes),
            "secret": statistics.median(s[1] for s in shapes), "args": args}


def summary_line(label: str, res: dict) -> str:
    if "error" in res:
        return f"{label:<30} {res['error']}"
    c50, c95 = statistics.median(res["cold"]), percentile(res["cold"], .95)
    w50, w95 = statistics.median(res["warm"]), percentile(res["warm"], .95)
    verdict = "ok" if c95 < TARGET_MS and w95 < TARGET_MS else ("warm ok, cold MISSED" if w95 < TARGET_MS else "MISSED")
    return (f"{label:<30} {c50:>9.1f} {c95:>9.1f} {w50:>9.1f} {w95:>9.1f}  {verdict:<20} "
            f"{res['rows']:>7.0f} {res['secret']:>6.0f}")


TABLE_HEAD = (f"{'query':<30} {'cold p50':>9} {'cold p95':>9} {'warm p50':>9} {'warm p95':>9}  "
              f"{'p95 < ' + str(TARGET_MS) + ' ms':<20} {'rows':>7} {'secret':>6}")


def breakdown(engine, function, args, cache, top: int) -> None:
    """One cold call under cProfile, with the SQL statements it sends and their execute time."""
    cache.clear()
    profiler = cProfile.Profile()
    with SqlLog(engine) as log:
        t = time.perf_counter()
        profiler.enable()
        function(*args)
        profiler.disable()
        total = (time.perf_counter() - t) * 1000
    sql = sum(e[2] for e in log.entries) * 1000
    generation = [e for e in log.entries if _is_generation(e[0])]
    print(f"  one cold call, under cProfile: {total:.0f} ms; {len(log.entries)} SQL statements, "
          f"{sql:.0f} ms in execute ({len(generation)} of them the cache generation or publication versions, "
          f"{sum(e[2] for e in generation) * 1000:.0f} ms)")
    stats = pstats.Stats(profiler)
    root = str(ib.CODE_ROOT / "dashboard")
    ours = sorted(((ct, nc, f"{Path(file).stem}.{name}") for (file, _, name), (_, nc, _, ct, _) in
                   stats.stats.items() if file.startswith(root) and name != "wrapper"), reverse=True)
    print(f"  project functions by cumulative time (top {top}):")
    for ct, nc, name in ours[:top]:
        print(f"    {ct * 1000:8.1f} ms  {nc:>6} calls  {name}")
    return log.entries


def _is_generation(statement: str) -> bool:
    """The statement a cache key is built from: the old store generation (import_event), or the
    publication's versions (SELECT … FROM publication)."""
    flat = " ".join(statement.split())
    return "import_event" in flat or "FROM publication" in flat and "FROM publication_" not in flat


def plan_summary(plan: dict) -> str:
    nodes = []

    def walk(node, depth):
        rel = node.get("Index Name") or node.get("Relation Name")
        if "Scan" in node["Node Type"] or depth == 0 or "Join" in node["Node Type"] or node["Node Type"] == "Nested Loop":
            nodes.append(f"{node['Node Type']}{' ' + rel if rel else ''} ({node.get('Actual Rows', 0) * node.get('Actual Loops', 1):.0f})")
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    return "; ".join(nodes)


def explain(engine, entries, limit: int) -> list[dict]:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest distinct SELECTs of a call (not the generation)."""
    seen, out = set(), []
    for statement, params, seconds in sorted(entries, key=lambda e: -e[2]):
        if not statement.lstrip().upper().startswith("SELECT") or _is_generation(statement) or statement in seen:
            continue
        seen.add(statement)
        conn = engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, params)
            plan = cur.fetchone()[0][0]
        finally:
            conn.close()
        jit = plan.get("JIT", {}).get("Timing", {}).get("Total")
        out.append({"statement": statement, "client_ms": seconds * 1000, "exec_ms": plan["Execution Time"],
                    "plan_ms": plan["Planning Time"], "jit_ms": jit, "nodes": plan_summary(plan)})
        if len(out) >= limit:
            break
    return out


def print_plans(label: str, plans: list[dict], client: bool = True) -> None:
    for p in plans:
        head = " ".join(p["statement"].split())
        frm = head[head.upper().find(" FROM "):][:110] if " FROM " in head.upper() else head[:110]
        jit = f", JIT {p['jit_ms']:.0f} ms" if p["jit_ms"] else ""
        seen = f" (client {p['client_ms']:.1f} ms)" if client else ""
        print(f"  [{label}] exec {p['exec_ms']:.1f} ms, plan {p['plan_ms']:.1f} ms{jit}{seen}:{frm}")
        print(f"      {p['nodes']}")


TABLES = ("figure", "territory_link", "territory", "published_value", "published_period")


def show_indexes(db: str) -> None:
    import psycopg

    with psycopg.connect(ib.pg_url(db, "postgresql")) as conn:
        rows = conn.execute("SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) "
                            "ORDER BY tablename, indexname", (list(TABLES),)).fetchall()
        sizes = dict(conn.execute("SELECT c.relname, pg_size_pretty(pg_relation_size(c.oid)) FROM pg_class c "
                                  "WHERE c.relkind IN ('r', 'i')").fetchall())
    print("\nindexes (pg_indexes):")
    for table, name, definition in rows:
        print(f"  {table:<15} {sizes.get(name, '?'):>8}  {definition.split(' USING ')[1]}  [{name}]")
    print("  table sizes: " + ", ".join(f"{t} {sizes[t]}" for t in TABLES if t in sizes))


# --- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    global TARGET_MS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=30, help="samples per query (cold and warm)")
    p.add_argument("--communes", type=int, default=N_COMMUNES,
                   help=f"communes of the geography (default {N_COMMUNES}; another size builds its own template)")
    p.add_argument("--months", type=int, default=len(MONTHS),
                   help=f"months of rsa_foyers and de_abc from 2019-01 (default {len(MONTHS)})")
    p.add_argument("--target-ms", type=float, default=TARGET_MS, help=f"p95 target (default {TARGET_MS} ms)")
    p.add_argument("--profile-publication", action="store_true",
                   help="run the publication under cProfile and print the top --publication-top functions "
                        "(the publication time then includes cProfile's overhead)")
    p.add_argument("--publication-top", type=int, default=15)
    p.add_argument("--keep", action="store_true", help="keep the run database at the end")
    p.add_argument("--rebuild", action="store_true", help="rebuild the geography template")
    p.add_argument("--try-index", nargs="?", const=DEFAULT_INDEX, action="append", metavar="SQL",
                   help="create this index (CREATE INDEX …; repeatable) in the run database only, then measure "
                        "again; {db} stands for the run database (ALTER DATABASE {db} SET …); without a value: "
                        + DEFAULT_INDEX.replace("%", "%%"))
    p.add_argument("--seed", type=int, default=2024)
    p.add_argument("--profile-top", type=int, default=8)
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "observatoire_bench")
    p.add_argument("--commit", help="measure this commit (a frozen copy of its dashboard/, made with git archive)")
    args = p.parse_args(argv)
    TARGET_MS = args.target_ms
    MONTHS[:] = [dt.date(2019 + i // 12, i % 12 + 1, 1) for i in range(args.months)]
    if args.commit:
        ib.CODE_ROOT = ib.freeze(args.commit, args.workdir)
        sys.path.insert(0, str(ib.CODE_ROOT))
    # SIGTERM ends the run through the finally clauses, so the run database is dropped
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    import dashboard

    if not Path(dashboard.__file__).resolve().is_relative_to(ib.CODE_ROOT.resolve()):
        raise SystemExit(f"dashboard imported from {dashboard.__file__}, not from {ib.CODE_ROOT}")
    measured = ib.code_version()  # the modules are imported now: later edits of the checkout are not measured
    print(f"code: {measured}", flush=True)
    geo = ib.geography(args.communes, N_DEPARTEMENTS)
    work = args.workdir / f"c{args.communes}_d{N_DEPARTEMENTS}_m60"  # the files and template of import_bench.py
    geojson_dir = work / "geojson"
    geojson_dir.mkdir(parents=True, exist_ok=True)
    for i, (code, _, cs) in enumerate(geo):
        path = geojson_dir / f"communes_{code}.geojson"
        if args.rebuild or not path.exists():
            ib.write_geojson(path, i, cs)
    drop_orphans()
    template = ib.build_template("postgresql", work, geo, geojson_dir, args.rebuild)

    t = start = time.perf_counter()
    with RunDatabase(template, args.keep) as run:
        print(f"run database {run.db} created from the template in {time.perf_counter() - t:.1f} s", flush=True)
        loaded = load(run.db, geo, args.seed)
        print("load (SQL + COPY, one transaction):")
        for name, n in loaded["rows"].items():
            print(f"  {name:<28} {n:>10,} rows")
        print("  " + ", ".join(f"{k} {v:.1f} s" for k, v in loaded["timings"].items()), flush=True)
        run_queries(run, geo, args)
    print(f"\nrun: {time.perf_counter() - start:.0f} s after the template; code measured: {measured}")
    if ib.code_version() != measured:
        print(f"(the checkout changed during the run: now {ib.code_version()})")


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def read_api(engine):
    """(name, object with the read methods, its cache): a `Reader` (the publication step), else
    the old module `dashboard.indicators.queries`, configured on `engine`."""
    try:
        from dashboard.indicators.reader import Reader
    except ImportError:
        from dashboard.indicators import cache, queries

        queries.configure(engine, secrecy_threshold=THRESHOLD)
        return "dashboard.indicators.queries (computed at request time)", queries, cache
    reader = Reader(engine)
    return "dashboard.indicators.reader.Reader (published rows)", reader, reader.cache


def publish(engine, args) -> None:
    """`publish_all` of the whole store in one transaction (what an import of all the bench data
    publishes inside its own), timed; the statements it sends, summed by kind; the rows per unit."""
    from sqlalchemy import func, select

    from dashboard import publication
    from dashboard.publication import publisher
    from dashboard.store.models import PublishedPeriod, PublishedValue

    # Time spent per unit, measured from outside (the publisher's own functions, wrapped).
    per_unit: dict[str, float] = {}
    wrapped = {}
    for name in ("_family_rows", "_ratio_rows", "_catalogue"):
        original = getattr(publisher, name)
        wrapped[name] = original

        def timer(*a, _original=original, _name=name, **k):
            t = time.perf_counter()
            try:
                return _original(*a, **k)
            finally:
                unit = a[1].name if _name != "_catalogue" else "(catalogue rows, all units)"
                per_unit[unit] = per_unit.get(unit, 0.0) + time.perf_counter() - t
        setattr(publisher, name, timer)
    profiler = cProfile.Profile() if args.profile_publication else None
    print(f"\npublication: publish_all(conn, threshold={THRESHOLD}) in one transaction, load average {_load()}"
          + (" (under cProfile)" if profiler else ""), flush=True)
    try:
        with SqlLog(engine) as log:
            t0 = time.perf_counter()
            with engine.begin() as conn:
                if profiler:
                    profiler.enable()
                written = publication.publish_all(conn, threshold=THRESHOLD)
                if profiler:
                    profiler.disable()
                t1 = time.perf_counter()
            t2 = time.perf_counter()
    finally:
        for name, original in wrapped.items():
            setattr(publisher, name, original)
    kinds: dict[str, list[float]] = {}
    for statement, params, seconds in log.entries:
        flat = " ".join(statement.split()).upper()
        verb = flat.split(" ", 1)[0]
        table = next((t for t in ("PUBLISHED_VALUE", "PUBLISHED_PERIOD", "PUBLICATION", "FIGURE", "TERRITORY_LINK",
                                  "TERRITORY") if f" {t}" in flat), "other")
        entry = kinds.setdefault(f"{verb} {table.lower()}", [0, 0.0])
        entry[0] += 1
        entry[1] += seconds
    with engine.connect() as conn:
        values = conn.execute(select(func.count()).select_from(PublishedValue)).scalar()
        periods = conn.execute(select(func.count()).select_from(PublishedPeriod)).scalar()
    total = t2 - t0
    verdict = "ok" if total <= 90 else "MISSED"
    print(f"  publication: {total:.1f} s (publish_all {t1 - t0:.1f} s + commit {t2 - t1:.1f} s)  "
          f"target <= 90 s: {verdict}; {values:,} published_value rows, {periods:,} published_period rows; "
          f"load average now {_load()}")
    print("  per unit (rows written; time in the publisher's row building, measured from outside):")
    for unit, n in written.items():
        print(f"    {unit:<45} {n:>10,} rows  {per_unit.get(unit, 0.0):7.1f} s")
    print(f"    {'(catalogue rows, all units)':<45} {'':>10}       {per_unit.get('(catalogue rows, all units)', 0):7.1f} s")
    print("  SQL sent (statements and execute time, by kind):")
    for kind, (n, seconds) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        print(f"    {kind:<35} {n:>6} statements {seconds:7.1f} s")
    if profiler:
        stats = pstats.Stats(profiler)
        for order in ("cumulative", "tottime"):
            print(f"  cProfile of the publication, top {args.publication_top} by {order}:")
            rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][3 if order == "cumulative" else 2])
            for (file, line, name), (_, nc, tt, ct, _) in rows[:args.publication_top]:
                where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if file != "~" else "~"
                print(f"    cum {ct:7.1f} s  own {tt:7.1f} s  {nc:>10} calls  {name}  [{where}]")


def run_queries(run: RunDatabase, geo: list, args) -> None:
    from dashboard.store import make_engine

    engine = make_engine(run.url)
    try:
        api, queries, cache = read_api(engine)
        print(f"\nread API: {api}")
        if api.startswith("dashboard.indicators.reader"):  # the publication step: publish, then read right after
            publish(engine, args)
        else:
            print("publication: none (this code masks, sums and divides at request time)")
        todo = cases(queries, geo)
        if not hasattr(queries, "profile"):
            print("profile: not available (the read API has no `profile`)")
        print(f"\n{args.samples} samples per query; cold = cache.clear() before the call (PostgreSQL's buffers stay "
              f"warm), warm = the same call again; ms; p95 = nearest rank; load average {_load()} "
              f"on {os.cpu_count()} CPUs (other work on the machine shows in p95)", flush=True)
        print(TABLE_HEAD)
        results = {}
        t0 = time.perf_counter()
        for i, (label, function, picker) in enumerate(todo):
            try:
                results[label] = measure(function, picker, args.samples, args.seed + i, cache)
            except Exception as exc:  # the query layer is being written: report and go on
                results[label] = {"error": f"failed: {type(exc).__name__}: {exc}"[:200]}
            print(summary_line(label, results[label]), flush=True)
        print(f"(rows, secret: medians per call; measured in {time.perf_counter() - t0:.0f} s; "
              f"load average now {_load()})")

        print("\nwhere a cold call goes:")
        logs = {}
        for label, function, picker in todo:
            if "error" in results[label]:
                continue
            print(f"{label} {results[label]['args']}:")
            logs[label] = breakdown(engine, function, results[label]["args"], cache, args.profile_top)

        show_indexes(run.db)
        print("\nEXPLAIN (ANALYZE) of the slowest distinct SELECTs of each cold call above "
              "(node (rows summed over loops and workers)):")
        for label, entries in logs.items():
            print_plans(label, explain(engine, entries, 3))

        if args.try_index:
            try_index(run, engine, todo, results, logs, args, cache)
    finally:
        engine.dispose()


def try_index(run, engine, todo, before, logs, args, cache) -> None:
    import psycopg

    t = time.perf_counter()
    with psycopg.connect(ib.pg_url(run.db, "postgresql"), autocommit=True) as conn:
        for sql in args.try_index:
            sql = sql.replace("{db}", run.db)
            print(f"\n--try-index: {sql}")
            conn.execute(sql)
        conn.execute("VACUUM (ANALYZE) figure, territory_link, territory")
    engine.dispose()  # new connections, so that a setting (ALTER DATABASE {db} SET …) applies too
    print(f"applied (then VACUUM ANALYZE) in {time.perf_counter() - t:.1f} s, in {run.db} only")
    show_indexes(run.db)
    print(f"\nwith --try-index (load average {_load()}):")
    print(TABLE_HEAD)
    for i, (label, function, picker) in enumerate(todo):
        if "error" in before[label]:
            continue
        res = measure(function, picker, args.samples, args.seed + i, cache)  # the same arguments as before
        print(summary_line(label, res))
        print(summary_line("  (before)", before[label]))
    print("\nEXPLAIN (ANALYZE) again, same statements:")
    for label, entries in logs.items():
        print_plans(label, explain(engine, entries, 3), client=False)


if __name__ == "__main__":
    main()
