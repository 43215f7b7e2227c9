"""Import benchmark: a synthetic national geography and a matching `allocataires` file,
imported through the real importer into SQLite and PostgreSQL, against a bare insert.

    python bench/import_bench.py                                  # full size: 35 000 communes x 60 months
    python bench/import_bench.py --communes 3500 --months 12      # smaller
    python bench/import_bench.py --backends sqlite --formats csv
    python bench/import_bench.py --profile-rows 200000            # + cProfile of one CSV import (SQLite)
    python bench/import_bench.py --phases                         # + where time and memory go, per import
    python bench/import_bench.py --commit HEAD                    # measure one commit (frozen copy of dashboard/)

What is measured (see bench/README.md):
- the geography is *data*: one GeoJSON of tiny square communes per département, imported with
  the `communes` kind (101 imports), then cached as a template store (a copied SQLite file, a
  PostgreSQL `CREATE DATABASE … TEMPLATE …`), so every timed run starts from the same store;
- each timed run is one `import_file(…, "allocataires", …)` in a child process, on a fresh copy
  of the template: rows/s = data rows / wall time of the whole call (read, validate, insert,
  commit, raw copy), peak memory = the child's ru_maxrss;
- the baseline, in the same run, is a bare `executemany` of the same figure rows (same columns
  as the `figure` table) into another fresh copy, rows built in memory before the clock starts;
  on PostgreSQL also COPY, labelled as such.
Nothing is written outside --workdir (default: <tmp>/observatoire_bench) and the PostgreSQL
databases named observatoire_bench_*.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve()
CHECKOUT = HERE.parent.parent
# The code measured: the checkout, or a frozen copy of one commit (--commit), set for the children too.
CODE_ROOT = Path(os.environ.get("OBSERVATOIRE_BENCH_CODE") or CHECKOUT)
sys.path.insert(0, str(CODE_ROOT))  # before the editable install's finder

POSTGRES_ADMIN = os.environ.get("OBSERVATOIRE_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_PREFIX = "observatoire_bench"
XLSX_MAX_ROWS = 1_000_000  # one sheet holds 1 048 576 rows; the importer reads one sheet
FIRST_MONTH = dt.date(2019, 1, 1)
COG_VALID_TO = dt.date(2024, 12, 31)
INDICATOR = "rsa_foyers"

# 101 départements: 01–95 (no 20), 2A, 2B, 971–974, 976.
DEPARTEMENT_NAMES = [
    "Ain", "Aisne", "Allier", "Alpes-de-Haute-Provence", "Hautes-Alpes", "Alpes-Maritimes", "Ardèche",
    "Ardennes", "Ariège", "Aube", "Aude", "Aveyron", "Bouches-du-Rhône", "Calvados", "Cantal", "Charente",
    "Charente-Maritime", "Cher", "Corrèze", "Côte-d'Or", "Côtes-d'Armor", "Creuse", "Dordogne", "Doubs",
    "Drôme", "Eure", "Eure-et-Loir", "Finistère", "Gard", "Haute-Garonne", "Gers", "Gironde", "Hérault",
    "Ille-et-Vilaine", "Indre", "Indre-et-Loire", "Isère", "Jura", "Landes", "Loir-et-Cher", "Loire",
    "Haute-Loire", "Loire-Atlantique", "Loiret", "Lot", "Lot-et-Garonne", "Lozère", "Maine-et-Loire",
    "Manche", "Marne", "Haute-Marne", "Mayenne", "Meurthe-et-Moselle", "Meuse", "Morbihan", "Moselle",
    "Nièvre", "Nord", "Oise", "Orne", "Pas-de-Calais", "Puy-de-Dôme", "Pyrénées-Atlantiques",
    "Hautes-Pyrénées", "Pyrénées-Orientales", "Bas-Rhin", "Haut-Rhin", "Rhône", "Haute-Saône",
    "Saône-et-Loire", "Sarthe", "Savoie", "Haute-Savoie", "Paris", "Seine-Maritime", "Seine-et-Marne",
    "Yvelines", "Deux-Sèvres", "Somme", "Tarn", "Tarn-et-Garonne", "Var", "Vaucluse", "Vendée", "Vienne",
    "Haute-Vienne", "Vosges", "Yonne", "Territoire de Belfort", "Essonne", "Hauts-de-Seine",
    "Seine-Saint-Denis", "Val-de-Marne", "Val-d'Oise", "Corse-du-Sud", "Haute-Corse", "Guadeloupe",
    "Martinique", "Guyane", "La Réunion", "Mayotte",
]
DEPARTEMENT_CODES = ([f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B"]
                     + ["971", "972", "973", "974", "976"])
assert len(DEPARTEMENT_CODES) == len(DEPARTEMENT_NAMES) == 101


# --- synthetic data ----------------------------------------------------------------------------

def geography(n_communes: int, n_departements: int = 101) -> list[tuple[str, str, list[str]]]:
    """(code, name, commune codes) per département; communes spread as evenly as possible."""
    n_departements = min(n_departements, len(DEPARTEMENT_CODES), n_communes)
    base, extra = divmod(n_communes, n_departements)
    out = []
    for i in range(n_departements):
        code = DEPARTEMENT_CODES[i]
        count = base + (1 if i < extra else 0)
        if count > 999:
            raise SystemExit(f"{count} communes in one département: at most 999 (code = département + 3 digits)")
        out.append((code, DEPARTEMENT_NAMES[i], [f"{code}{j:03d}" for j in range(1, count + 1)]))
    return out


def write_geojson(path: Path, index: int, communes: list[str], cell: float = 0.01) -> None:
    """Tiny square communes on a grid, one block per département (shared borders are exact)."""
    side = max(1, int(len(communes) ** 0.5 + 0.999))
    x0, y0 = -4.5 + (index % 11) * (side * cell + 0.05), 42.0 + (index // 11) * (side * cell + 0.05)
    features = []
    for j, code in enumerate(communes):
        x, y = round(x0 + (j % side) * cell, 5), round(y0 + (j // side) * cell, 5)
        x1, y1 = round(x + cell, 5), round(y + cell, 5)
        ring = [[x, y], [x1, y], [x1, y1], [x, y1], [x, y]]
        features.append({"type": "Feature", "properties": {"code": code, "nom": f"Commune {code}"},
                         "geometry": {"type": "Polygon", "coordinates": [ring]}})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")),
                    encoding="utf-8")


def months(n: int) -> list[dt.date]:
    out = []
    for i in range(n):
        y, m = divmod(FIRST_MONTH.month - 1 + i, 12)
        out.append(dt.date(FIRST_MONTH.year + y, m + 1, 1))
    if out and out[-1] > COG_VALID_TO:
        raise SystemExit(f"--months {n} goes past {COG_VALID_TO}, the end of COG2024: at most 72")
    return out


def allocataires_rows(communes: list[str], n_months: int, limit: int | None = None):
    """(month, commune code, households) — month-major, as a monthly export concatenated;
    `limit` keeps the first rows only."""
    rng = random.Random(93)
    level = {c: int(rng.lognormvariate(5.0, 1.4)) + 5 for c in communes}  # median ~150, some > 10 000
    n = 0
    for month in months(n_months):
        for code in communes:
            if limit is not None and n >= limit:
                return
            level[code] = max(0, level[code] + rng.randint(-3, 3))
            yield month, code, level[code]
            n += 1


def fr_count(value: int, n: int) -> str:
    """Half the values ≥ 1000 written with a space as thousands separator ("12 345")."""
    return f"{value:,}".replace(",", " ") if value >= 1000 and n % 2 else str(value)


def write_csv(path: Path, rows) -> int:
    n = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:  # Excel's "CSV UTF-8"
        out.write("Mois;Code commune;Foyers\r\n")
        buf = []
        for month, code, value in rows:
            buf.append(f"{month:%Y-%m};{code};{fr_count(value, n)}\r\n")
            n += 1
            if len(buf) >= 100_000:
                out.write("".join(buf))
                buf.clear()
        out.write("".join(buf))
    return n


def write_xlsx(path: Path, rows, limit: int) -> int:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Allocataires")
    ws.append(["Mois", "Code commune", "Foyers"])
    n = 0
    for month, code, value in rows:
        if n >= limit:
            break
        # month and code as text (as a CAF export gives them), counts as numbers or "12 345" text
        ws.append([f"{month:%Y-%m}", code, fr_count(value, n) if value >= 1000 and n % 2 else value])
        n += 1
    wb.save(path)
    return n


# --- stores ------------------------------------------------------------------------------------

def pg_url(db: str, driver: str = "postgresql+psycopg") -> str:
    from sqlalchemy.engine import make_url

    return make_url(POSTGRES_ADMIN).set(drivername=driver, database=db).render_as_string(hide_password=False)


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_url("postgres", "postgresql"), autocommit=True) as conn:
        conn.execute(sql)


def pg_exists(db: str) -> bool:
    import psycopg

    with psycopg.connect(pg_url("postgres", "postgresql"), autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (db,)).fetchone() is not None


def pg_drop_orphans() -> None:
    """Drop the run databases of benchmark processes that died before cleaning up (killed runs).
    Only for a server on this machine, where a database's process id can be checked."""
    from sqlalchemy.engine import make_url

    if make_url(POSTGRES_ADMIN).host not in ("127.0.0.1", "localhost", "::1", None):
        return
    for db in pg_databases(f"{PG_PREFIX}_run_"):
        pid = db.removeprefix(f"{PG_PREFIX}_run_").split("_")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            print(f"dropping {db} (left by benchmark process {pid}, which no longer runs)", flush=True)
            pg_drop(db)


def pg_drop(db: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')


def pg_databases(prefix: str) -> list[str]:
    import psycopg

    with psycopg.connect(pg_url("postgres", "postgresql"), autocommit=True) as conn:
        return [r[0] for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                           (prefix.replace("_", r"\_") + "%",))]


# What a template store depends on besides its size: the schema and the code that writes the geography.
TEMPLATE_SOURCES = ("dashboard/store/models.py", "dashboard/store/migrations", "dashboard/ingest/kinds/communes.py",
                    "dashboard/ingest/write.py", "dashboard/geometry.py")


def template_key(n_communes: int, n_departements: int) -> str:
    import hashlib

    digest = hashlib.sha256(f"{n_communes}/{n_departements}".encode())
    root = CODE_ROOT
    for name in TEMPLATE_SOURCES:
        for f in sorted((root / name).rglob("*.py")) if (root / name).is_dir() else [root / name]:
            digest.update(f.read_bytes())
    return f"c{n_communes}_d{n_departements}_{digest.hexdigest()[:10]}"


def freeze(rev: str, workdir: Path) -> Path:
    """A copy of dashboard/ at one commit (`git archive`, read-only), so that a run measures one
    version even while the checkout changes."""
    sha = subprocess.run(["git", "-C", str(CHECKOUT), "rev-parse", "--short", rev], capture_output=True, text=True,
                         check=True).stdout.strip()
    target = workdir / f"code-{sha}"
    if not (target / "COMMIT").exists():
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(CHECKOUT), "archive", sha, "dashboard"], capture_output=True,
                                 check=True).stdout
        import io
        import tarfile

        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")
        (target / "COMMIT").write_text(sha + "\n")
    return target


def code_version() -> str:
    """The commit measured, and whether the importer's files differ from it (read-only git)."""
    root = CODE_ROOT
    if (root / "COMMIT").exists():
        return f"{(root / 'COMMIT').read_text().strip()} (frozen copy, clean)"
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "dashboard"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown (no git)"
    dirty = [line[3:] for line in dirty if line.strip()]
    return head + (f" + uncommitted changes in {', '.join(dirty)}" if dirty else " (dashboard/ clean)")


def count_communes(url: str) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM territory WHERE level = 'commune'")).scalar()
    except DBAPIError:  # no schema yet
        return -1
    finally:
        engine.dispose()


def build_template(backend: str, work: Path, geo: list, geojson_dir: Path, rebuild: bool) -> str:
    """The geography store, built once through the importer (101 `communes` imports)."""
    from dashboard.ingest.importer import Provenance, import_file
    from dashboard.store import make_engine, migrate

    n_communes = sum(len(c) for _, _, c in geo)
    key = template_key(n_communes, len(geo))
    if backend == "sqlite":
        path = work / f"template-{key}.sqlite"
        url = f"sqlite:///{path}"
        if not rebuild and path.exists() and count_communes(url) == n_communes:
            print(f"[{backend}] template store reused: {path}", flush=True)
            return str(path)
        for p in work.glob("template*.sqlite*"):  # stale templates (other schema or code)
            p.unlink()
    else:
        db = f"{PG_PREFIX}_tpl_{key}"
        url = pg_url(db)
        if not rebuild and pg_exists(db) and count_communes(url) == n_communes:
            print(f"[{backend}] template database reused: {db}", flush=True)
            return db
        # Templates of other code versions are left alone: another run may be using them.
        pg_drop(db)
        pg_admin(f'CREATE DATABASE "{db}"')
    migrate(url)
    engine = make_engine(url)
    raw_dir = work / "raw" / f"template-{backend}"
    t0, durations = time.perf_counter(), []
    for i, (code, name, communes) in enumerate(geo):
        t = time.perf_counter()
        import_file(engine, geojson_dir / f"communes_{code}.geojson", "communes",
                    Provenance(source="Géographie synthétique (benchmark)", licence="synthétique", quality="demo",
                               data_date="COG 2024", imported_by="bench"),
                    raw_dir=raw_dir,
                    options={"geography": "COG2024", "geography_label": f"COG 2024 synthétique ({n_communes} communes)",
                             "valid_to": "2024-12-31", "departement": code, "departement_name": name})
        durations.append(time.perf_counter() - t)
        if (i + 1) % 10 == 0 or i + 1 == len(geo):
            print(f"[{backend}] geography: {i + 1}/{len(geo)} départements imported, "
                  f"{time.perf_counter() - t0:.1f} s", flush=True)
    engine.dispose()
    total = time.perf_counter() - t0
    print(f"[{backend}] geography template: {len(geo)} `communes` imports, {n_communes} communes in {total:.1f} s "
          f"(median {statistics.median(durations):.2f} s, max {max(durations):.2f} s per import)", flush=True)
    if backend == "sqlite":
        with sqlite3.connect(path) as conn:  # fold the WAL into the file so a plain copy is complete
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return str(path)
    return db


class FreshStore:
    """A fresh copy of the template: a copied SQLite file, or CREATE DATABASE … TEMPLATE."""

    def __init__(self, backend: str, template: str, work: Path, name: str):
        self.backend, self.template = backend, template
        # the process id keeps two benchmark runs on one server from using the same database
        if backend == "sqlite":
            self.path = work / f"run-{os.getpid()}-{name}.sqlite"
            self.url = f"sqlite:///{self.path}"
        else:
            self.db = f"{PG_PREFIX}_run_{os.getpid()}_{name}"
            self.url = pg_url(self.db)

    def __enter__(self):
        if self.backend == "sqlite":
            self._cleanup()
            shutil.copyfile(self.template, self.path)
        else:
            import psycopg

            pg_drop(self.db)
            for attempt in range(10):  # a template cannot be copied while someone is connected to it
                try:
                    pg_admin(f'CREATE DATABASE "{self.db}" TEMPLATE "{self.template}"')
                    break
                except psycopg.errors.ObjectInUse:
                    if attempt == 9:
                        raise
                    time.sleep(2)
        return self

    def __exit__(self, *exc):
        self._cleanup() if self.backend == "sqlite" else pg_drop(self.db)

    def _cleanup(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)


# --- child processes (one per measurement: fresh interpreter, own peak memory) ------------------

def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class PhaseSampler:
    """A sampling profiler for the child: every `interval` s, the main thread's stack and the
    process's current RSS. Time goes to the first project function under import_file/_apply
    (the phase) and to the innermost project function on the stack (where the time is spent,
    library calls included); each phase keeps the highest RSS seen while it ran.

    The sampler needs the GIL: C code that keeps it (pandas, calamine) delays the next sample,
    so each sample is weighted by the wall time since the previous one, which goes to the code
    running when the sampler got the GIL back."""

    def __init__(self, interval: float = 0.01):
        import threading

        self.interval, self.main = interval, threading.main_thread().ident
        self.phases: dict[str, list] = {}  # name -> [seconds, max RSS MiB]
        self.leaves: dict[str, float] = {}
        self.total = 0.0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._page = os.sysconf("SC_PAGE_SIZE")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _rss(self) -> float:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page / 2**20

    def _run(self) -> None:
        root = str(CODE_ROOT / "dashboard")
        last = time.perf_counter()
        while not self._stop.wait(self.interval):
            now = time.perf_counter()
            weight, last = now - last, now
            frame = sys._current_frames().get(self.main)
            stack = []
            while frame is not None:
                stack.append(frame)
                frame = frame.f_back
            stack.reverse()  # outermost first
            ours = [f for f in stack if f.f_code.co_filename.startswith(root)]
            names = [f"{Path(f.f_code.co_filename).stem}.{f.f_code.co_name}" for f in ours]
            if "importer.import_file" not in names:
                continue
            below = [n for n in names if n not in ("importer.import_file", "importer._apply")]
            phase = below[0] if below else f"importer (in {stack[-1].f_code.co_name})"
            leaf = names[-1] + ("" if stack[-1] is ours[-1] else f" > {stack[-1].f_code.co_name}")
            rss = self._rss()
            entry = self.phases.setdefault(phase, [0, 0.0])
            entry[0] += weight
            entry[1] = max(entry[1], rss)
            self.leaves[leaf] = self.leaves.get(leaf, 0) + weight
            self.total += weight
            self.samples += 1

    def report(self, top: int) -> str:
        if not self.total:
            return "(no samples)"
        lines = [(f"phases (first project function under import_file/_apply), {self.samples} samples "
                  f"over {self.total:.1f} s:")]
        for name, (t, rss) in sorted(self.phases.items(), key=lambda kv: -kv[1][0])[:top]:
            lines.append(f"  {100 * t / self.total:5.1f} %  {t:7.2f} s  max RSS {rss:6.0f} MiB  {name}")
        lines.append("innermost project function (> the library function running under it):")
        for name, t in sorted(self.leaves.items(), key=lambda kv: -kv[1])[:top]:
            lines.append(f"  {100 * t / self.total:5.1f} %  {t:7.2f} s  {name}")
        return "\n".join(lines)


def child_import(args) -> dict:
    from sqlalchemy import func, select

    import dashboard
    from dashboard.ingest.importer import Provenance, import_file
    from dashboard.store import make_engine
    from dashboard.store.models import Figure

    if not Path(dashboard.__file__).resolve().is_relative_to(CODE_ROOT.resolve()):
        raise SystemExit(f"dashboard imported from {dashboard.__file__}, not from {CODE_ROOT}")
    engine = make_engine(args.url)
    base = rss_mib()
    prov = Provenance(source="CAF (synthétique, benchmark)", licence="synthétique", quality="demo", imported_by="bench")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    sampler = PhaseSampler() if args.phases else None
    t0 = time.perf_counter()
    if sampler is not None:
        with sampler:
            outcome = import_file(engine, Path(args.file), "allocataires", prov, raw_dir=Path(args.raw_dir))
    else:
        outcome = import_file(engine, Path(args.file), "allocataires", prov, raw_dir=Path(args.raw_dir))
    seconds = time.perf_counter() - t0
    phases = sampler.report(args.profile_top) if sampler is not None else None
    if profiler is not None:
        import pstats

        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(args.profile_top)
        stats.sort_stats("tottime").print_stats(args.profile_top)
    with engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(Figure).where(
            Figure.import_id == outcome.import_id)).scalar()
    engine.dispose()
    return {"seconds": seconds, "written": written, "base_mib": base, "peak_mib": rss_mib(), "phases": phases,
            "code": code_version()}


def bare_rows(url: str, n_communes: int, n_departements: int, n_months: int, limit: int | None, import_id: int,
              sqlite: bool):
    """The figure rows the import writes for the same file, as bare tuples."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        ids = dict(conn.execute(text("SELECT code, id FROM territory WHERE level = 'commune' "
                                     "AND geography_code = 'COG2024'")).all())
    engine.dispose()
    communes = [c for _, _, cs in geography(n_communes, n_departements) for c in cs]
    return [(INDICATOR, ids[code], "month", month.isoformat() if sqlite else month, float(value), import_id)
            for month, code, value in allocataires_rows(communes, n_months, limit)]


INSERT_SQL = ("INSERT INTO figure (indicator_code, territory_id, period_type, period_start, value, import_id) "
              "VALUES ({0}, {0}, {0}, {0}, {0}, {0})")
IMPORT_RECORD_SQL = ("INSERT INTO import_record (kind, file_name, sha256, size_bytes, source, licence, quality, "
                     "imported_at, imported_by, status, row_count) VALUES ('allocataires', 'bare', 'bare', 0, "
                     "'bench', 'bench', 'demo', CURRENT_TIMESTAMP, 'bench', 'applied', 0)")


def child_bare(args) -> dict:
    if args.url.startswith("sqlite"):
        conn = sqlite3.connect(args.url.removeprefix("sqlite:///"), isolation_level=None)
        # the pragmas of dashboard.store.engine, so both sides pay for the same checks
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            conn.execute(f"PRAGMA {pragma}")
        import_id = conn.execute(IMPORT_RECORD_SQL + " RETURNING id").fetchone()[0]
        rows = bare_rows(args.url, args.communes, args.departements, args.months, args.rows, import_id, sqlite=True)
        base = rss_mib()
        t0 = time.perf_counter()
        conn.execute("BEGIN")
        conn.executemany(INSERT_SQL.format("?"), rows)
        conn.execute("COMMIT")
        seconds = time.perf_counter() - t0
        conn.close()
    else:
        import psycopg

        conn = psycopg.connect(args.url.replace("+psycopg", ""))
        import_id = conn.execute(IMPORT_RECORD_SQL + " RETURNING id").fetchone()[0]
        conn.commit()
        rows = bare_rows(args.url, args.communes, args.departements, args.months, args.rows, import_id, sqlite=False)
        base = rss_mib()
        t0 = time.perf_counter()
        with conn.cursor() as cur:
            if args.method == "copy":
                with cur.copy("COPY figure (indicator_code, territory_id, period_type, period_start, value, "
                              "import_id) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cur.executemany(INSERT_SQL.format("%s"), rows)
        conn.commit()
        seconds = time.perf_counter() - t0
        conn.close()
    return {"seconds": seconds, "written": len(rows), "base_mib": base, "peak_mib": rss_mib()}


def run_child(argv: list[str], timeout: float) -> dict:
    """Run this script as a child; its last stdout line is the JSON result."""
    cmd = [sys.executable, str(HERE), "_child", *argv]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:  # subprocess.run kills the child it started
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        return {"error": f"not finished in {timeout:.0f} s (child killed; no rate extrapolated)",
                "stderr": stderr[-2000:]}
    if proc.returncode != 0:
        return {"error": f"child failed ({proc.returncode})", "stderr": proc.stderr[-4000:]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["stderr"] = proc.stderr
    result["child_wall"] = time.perf_counter() - t0
    return result


# --- main --------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_child"]:
        return _child_main(argv[1:])
    if argv[:1] == ["--shapes"]:  # the file-shape cases (wide files, stray cells, open quotes)
        from import_shapes import run

        return run(Path(argv[1]) if len(argv) > 1 else Path(tempfile.gettempdir()) / "observatoire_bench" / "shapes")
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--communes", type=int, default=35_000)
    p.add_argument("--months", type=int, default=60)
    p.add_argument("--rows", type=int, default=None,
                   help="keep only the first N rows of the communes x months file (the geography stays whole)")
    p.add_argument("--departements", type=int, default=101)
    p.add_argument("--backends", default="sqlite,postgresql")
    p.add_argument("--formats", default="csv,xlsx")
    p.add_argument("--repeat", type=int, default=1, help="runs per measurement; the median is printed")
    p.add_argument("--timeout", type=float, default=120,
                   help="seconds before one measurement is given up (reported as not finished, never extrapolated)")
    p.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "observatoire_bench")
    p.add_argument("--rebuild", action="store_true", help="rebuild the files and template stores")
    p.add_argument("--drop-templates", action="store_true", help="drop the PostgreSQL template at the end")
    p.add_argument("--drop-stale-templates", action="store_true",
                   help="drop the other observatoire_bench_tpl_* databases (other sizes or code versions)")
    p.add_argument("--profile-rows", type=int, default=0,
                   help="also profile (cProfile) one SQLite CSV import of the first N rows")
    p.add_argument("--profile-top", type=int, default=15)
    p.add_argument("--no-bare", action="store_true", help="skip the bare-insert baselines")
    p.add_argument("--phases", action="store_true",
                   help="sample each import's stack and RSS every 10 ms and print where time and memory go")
    p.add_argument("--commit", help="measure this commit (a frozen copy of its dashboard/, made with git archive) "
                                    "instead of the checkout as it is")
    args = p.parse_args(argv)
    if args.commit:
        global CODE_ROOT
        CODE_ROOT = freeze(args.commit, args.workdir)
        os.environ["OBSERVATOIRE_BENCH_CODE"] = str(CODE_ROOT)
        sys.path.insert(0, str(CODE_ROOT))
    backends = [b for b in args.backends.split(",") if b]
    formats = [f for f in args.formats.split(",") if f]

    geo = geography(args.communes, args.departements)
    communes = [c for _, _, cs in geo for c in cs]
    n_rows = len(communes) * args.months if args.rows is None else min(args.rows, len(communes) * args.months)
    work = args.workdir / f"c{len(communes)}_d{len(geo)}_m{args.months}" / f"r{n_rows}"
    geojson_dir = work.parent / "geojson"
    geojson_dir.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    print(f"code: {code_version()}")
    print(f"size: {len(geo)} départements, {len(communes)} communes, {args.months} months "
          f"({months(args.months)[0]:%Y-%m}..{months(args.months)[-1]:%Y-%m}), {n_rows} rows; workdir {work}",
          flush=True)

    t = time.perf_counter()
    for i, (code, _, cs) in enumerate(geo):
        path = geojson_dir / f"communes_{code}.geojson"
        if args.rebuild or not path.exists():
            write_geojson(path, i, cs)
    files = {}
    if "csv" in formats or args.profile_rows:
        files["csv"] = work / "allocataires.csv"
        if args.rebuild or not files["csv"].exists():
            write_csv(files["csv"], allocataires_rows(communes, args.months, n_rows))
    if "xlsx" in formats:
        files["xlsx"] = work / "allocataires.xlsx"
        if args.rebuild or not files["xlsx"].exists():
            write_xlsx(files["xlsx"], allocataires_rows(communes, args.months, n_rows), XLSX_MAX_ROWS)
    file_rows = {"csv": n_rows, "xlsx": min(n_rows, XLSX_MAX_ROWS)}
    for fmt, path in files.items():
        print(f"file: {path.name}, {file_rows[fmt]} rows, {path.stat().st_size / 2**20:.1f} MiB", flush=True)
    print(f"files ready in {time.perf_counter() - t:.1f} s", flush=True)

    results = []  # (backend, what, rows, [result…])
    templates = {}
    if "postgresql" in backends:
        pg_drop_orphans()
    for backend in backends:
        templates[backend] = build_template(backend, work.parent, geo, geojson_dir, args.rebuild)
        for fmt in formats:
            runs = []
            for r in range(args.repeat):
                with FreshStore(backend, templates[backend], work, f"{fmt}{r}") as store:
                    raw = work / "raw" / f"run-{backend}-{fmt}-{r}"
                    shutil.rmtree(raw, ignore_errors=True)
                    res = run_child(["import", "--url", store.url, "--file", str(files[fmt]),
                                     "--raw-dir", str(raw), "--profile-top", str(args.profile_top)]
                                    + (["--phases"] if args.phases else []), args.timeout)
                    shutil.rmtree(raw, ignore_errors=True)
                _report(backend, f"import {fmt}", file_rows[fmt], res)
                runs.append(res)
            results.append((backend, f"import {fmt}", file_rows[fmt], runs))
        if args.no_bare:
            continue
        for method in (["executemany"] if backend == "sqlite" else ["executemany", "copy"]):
            runs = []
            for r in range(args.repeat):
                with FreshStore(backend, templates[backend], work, f"bare{method}{r}") as store:
                    res = run_child(["bare", "--url", store.url, "--communes", str(args.communes), "--departements",
                                     str(args.departements), "--months", str(args.months), "--method", method]
                                    + ([] if args.rows is None else ["--rows", str(n_rows)]), args.timeout)
                _report(backend, f"bare {method}", n_rows, res)
                runs.append(res)
            results.append((backend, f"bare {method}", n_rows, runs))

    if args.profile_rows:
        template = templates.get("sqlite") or build_template("sqlite", work.parent, geo, geojson_dir, args.rebuild)
        _profile(args, work, files["csv"], template)

    _table(results, args)
    print(f"code measured: {code_version()}")
    if args.drop_stale_templates:
        keep = set(templates.values())
        for stale in pg_databases(f"{PG_PREFIX}_tpl_"):
            if stale not in keep:
                print(f"dropping stale template {stale}")
                pg_drop(stale)
    if args.drop_templates and "postgresql" in templates:
        pg_drop(templates["postgresql"])


def _report(backend: str, what: str, rows: int, res: dict) -> None:
    if "error" in res:
        print(f"[{backend}] {what}: {res['error']}\n{res.get('stderr', '')}", flush=True)
    else:
        print(f"[{backend}] {what}: {rows} rows in {res['seconds']:.2f} s = {rows / res['seconds']:,.0f} rows/s, "
              f"peak {res['peak_mib']:.0f} MiB (written {res['written']}; code {res.get('code', '-')})", flush=True)
        if res.get("phases"):
            print(res["phases"], flush=True)


def _short(code: str) -> str:
    return code.split()[0] + ("" if "clean" in code else "*")


def _median(runs: list[dict], key: str) -> float | None:
    ok = [r[key] for r in runs if "error" not in r]
    return statistics.median(ok) if ok else None


def _table(results, args) -> None:
    bare = {b: r / s for b, what, r, runs in results if what == "bare executemany"
            if (s := _median(runs, "seconds"))}
    print()
    print(f"{'backend':<11} {'what':<20} {'rows':>9} {'seconds':>9} {'rows/s':>10} {'ratio':>7} "
          f"{'peak MiB':>9} {'base MiB':>9}  code")
    for backend, what, rows, runs in results:
        seconds = _median(runs, "seconds")
        if seconds is None:
            print(f"{backend:<11} {what:<20} {rows:>9} {runs[0]['error']}")
            continue
        rate = rows / seconds
        ratio = f"{rate / bare[backend]:.3f}" if backend in bare else "-"
        codes = sorted({_short(r["code"]) for r in runs if r.get("code")}) or ["-"]
        print(f"{backend:<11} {what:<20} {rows:>9} {seconds:>9.2f} {rate:>10,.0f} {ratio:>7} "
              f"{_median(runs, 'peak_mib'):>9.0f} {_median(runs, 'base_mib'):>9.0f}  {','.join(codes)}")
    print("ratio = rows/s of the line / rows/s of the bare executemany of the same backend, same run;"
          f" peak MiB = ru_maxrss of the child; base MiB = its RSS before the clock started;"
          f" code = commit the child imported (* = dashboard/ had uncommitted changes)"
          f"{'; medians of ' + str(args.repeat) + ' runs' if args.repeat > 1 else ''}.")
    if any(what == "import xlsx" for _, what, _, _ in results):
        print(f"XLSX: the file holds the first {XLSX_MAX_ROWS:,} rows on one sheet (the importer reads one sheet).")
    for backend, what, rows, runs in results:
        if (backend, what) == ("sqlite", "import csv") and _median(runs, "seconds") is None:
            print(f"target sqlite/csv (>= 200,000 rows/s, >= 0.5 x bare, < 1 GiB): MISSED — {runs[0]['error']}")
        if (backend, what) == ("sqlite", "import csv") and (s := _median(runs, "seconds")):
            rate, peak = rows / s, _median(runs, "peak_mib")
            print(f"target sqlite/csv: {rate:,.0f} rows/s >= 200,000: {'ok' if rate >= 200_000 else 'MISSED'}; "
                  + (f"ratio {rate / bare['sqlite']:.3f} >= 0.5: {'ok' if rate >= bare['sqlite'] / 2 else 'MISSED'}; "
                     if "sqlite" in bare else "")
                  + f"peak {peak:.0f} MiB < 1024: {'ok' if peak < 1024 else 'MISSED'}")


def _profile(args, work: Path, csv_path: Path, template: str) -> None:
    lines = csv_path.read_bytes().split(b"\r\n")
    sub = work / f"allocataires_first{args.profile_rows}.csv"
    sub.write_bytes(b"\r\n".join(lines[:args.profile_rows + 1]) + b"\r\n")
    rows = min(args.profile_rows, len(lines) - 2)
    with FreshStore("sqlite", template, work, "profile") as store:
        raw = work / "raw" / "profile"
        res = run_child(["import", "--url", store.url, "--file", str(sub), "--raw-dir", str(raw),
                         "--profile", "--profile-top", str(args.profile_top)], args.timeout)
        shutil.rmtree(raw, ignore_errors=True)
    print(f"\n=== cProfile: SQLite, CSV, first {rows} rows of the file (cProfile slows the run down) ===")
    if "error" in res:
        print(res["error"], res.get("stderr", ""))
        return
    print(f"{rows} rows in {res['seconds']:.2f} s under cProfile = {rows / res['seconds']:,.0f} rows/s "
          f"(code {res.get('code', '-')})")
    print(res["stderr"])


def _child_main(argv: list[str]) -> None:
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["import", "bare"])
    p.add_argument("--url", required=True)
    p.add_argument("--file")
    p.add_argument("--raw-dir")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--phases", action="store_true")
    p.add_argument("--profile-top", type=int, default=15)
    p.add_argument("--communes", type=int)
    p.add_argument("--departements", type=int)
    p.add_argument("--months", type=int)
    p.add_argument("--method", default="executemany")
    p.add_argument("--rows", type=int, default=None)
    args = p.parse_args(argv)
    result = child_import(args) if args.mode == "import" else child_bare(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
