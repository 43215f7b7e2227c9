"""The publication step: incremental publication equals a full rebuild, masks do not depend on
the process, serving computes nothing, and the public role reads published tables only."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from dashboard import publication
from dashboard.app import create_app
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.rollback import rollback_import
from dashboard.store import make_reader_engine
from dashboard.store.models import PublishedValue
from tests.helpers import import_rsa, queries
from tests.panels import page_layout
from tests.test_no_small_counts import map_series

ALI_HEADER = ("Mois;Code ALI;File active;Entrées;Sorties emploi durable;Sorties emploi de transition;"
              "Sorties formation;Autres sorties;Dont QPV")
SMALL_OR_LARGE = [0, 0, 1, 2, 3, 5, 7, 9, 12, 15, 40, 300]


def published_rows(conn) -> list[tuple]:
    """Every published row without its row number, as comparable text (floats to 9 digits)."""
    columns = [c for c in PublishedValue.__table__.columns if c.name != "id"]
    rows = conn.execute(select(*columns)).all()
    return sorted(tuple(f"{v:.9g}" if isinstance(v, float) else str(v) for v in row) for row in rows)


def digest(rows: list[tuple]) -> str:
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


def small_rsa(rng, communes, month) -> str:
    return "".join(f"{month};{code};{rng.choice(SMALL_OR_LARGE)}\n" for code in communes if rng.random() < 0.8)


def import_small_ali(engine, raw, path, rng, month) -> int:
    rows = []
    for n in range(1, 14):
        exits = [rng.choice(SMALL_OR_LARGE[:9]) for _ in range(4)]
        active = sum(exits) + rng.choice([3, 12, 80])
        rows.append((month, f"ALI-2022-{n:02d}", active, rng.choice([0, 5, 40]), *exits, rng.randint(0, active)))
    path.write_text(ALI_HEADER + "\n" + "\n".join(";".join(map(str, r)) for r in rows) + "\n", encoding="utf-8")
    return import_file(engine, path, "ali_activite", Provenance(source="test", licence="test"), raw_dir=raw,
                       today=dt.date(2026, 11, 24)).import_id


@pytest.mark.parametrize("seed", [1, 7])
def test_incremental_publication_equals_a_full_rebuild(loaded_store, tmp_path, seed):
    """Random imports (small counts, several months, corrections) and rollbacks, each published
    incrementally: the published rows are those a full rebuild gives."""
    _url, engine, raw = loaded_store
    rng = random.Random(seed)
    with engine.connect() as conn:
        communes = [c for (c,) in conn.execute(text(
            "SELECT code FROM territory WHERE level = 'commune' AND geography_code = 'COG2025' ORDER BY code"))]
    applied = []
    for step in range(6):
        action = rng.choice(["rsa", "rsa", "ali", "rollback"] if applied else ["rsa", "ali"])
        month = rng.choice(["2025-01", "2025-02", "2025-03"])
        if action == "rsa":
            applied.append(import_rsa(engine, tmp_path / f"rsa{step}.csv", small_rsa(rng, communes, month), raw).import_id)
        elif action == "ali":
            applied.append(import_small_ali(engine, raw, tmp_path / f"ali{step}.csv", rng, month))
        else:
            rollback_import(engine, applied.pop(rng.randrange(len(applied))))
    with engine.connect() as conn:
        incremental = published_rows(conn)
    with engine.connect() as conn, conn.begin() as transaction:
        publication.publish_all(conn)
        full = published_rows(conn)
        transaction.rollback()
    assert len(incremental) > 1000
    assert incremental == full


def test_an_import_republishes_only_what_it_touched(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    with engine.connect() as conn:
        before = dict(conn.execute(text("SELECT unit, version FROM publication")).all())
    import_small_ali(engine, raw, tmp_path / "ali.csv", random.Random(3), "2025-02")
    with engine.connect() as conn:
        after = dict(conn.execute(text("SELECT unit, version FROM publication")).all())
    changed = {unit for unit in after if after[unit] != before.get(unit)}
    assert "famille:rsa_foyers" not in changed and "ratio:rsa_foyers_pour_100_hab" not in changed
    assert {"famille:ali_file_active", "famille:ali_sorties", "ratio:ali_taux_couverture"} <= changed


SEED_SCRIPT = """
import hashlib, json, sys
from dashboard import publication
from dashboard.store import make_engine
from tests.test_publication import published_rows
engine = make_engine(sys.argv[1])
with engine.connect() as conn, conn.begin() as transaction:
    publication.publish_all(conn)
    print(hashlib.sha256(json.dumps(published_rows(conn)).encode()).hexdigest())
    transaction.rollback()
"""


def test_masks_do_not_depend_on_the_process_the_hash_seed_or_the_backend(postgres_databases,
                                                                            tmp_path_factory):
    """The same figures published in processes with different hash seeds, on SQLite and
    PostgreSQL, give the same rows byte for byte (masks included)."""
    from tests.conftest import BACKENDS, new_database_url
    from dashboard.ingest.reference import load_reference
    from dashboard.store import make_engine, migrate

    digests = {}
    for backend in BACKENDS:
        directory = tmp_path_factory.mktemp(f"seeds-{backend}")
        url = new_database_url(backend, directory, postgres_databases)
        migrate(url)
        engine = make_engine(url)
        load_reference(engine, directory / "raw")
        rng = random.Random(11)
        with engine.connect() as conn:
            communes = [c for (c,) in conn.execute(text(
                "SELECT code FROM territory WHERE level = 'commune' AND geography_code = 'COG2025' ORDER BY code"))]
        import_rsa(engine, directory / "rsa.csv", small_rsa(rng, communes, "2025-01"), directory / "raw")
        import_small_ali(engine, directory / "raw", directory / "ali.csv", rng, "2025-01")
        with engine.connect() as conn:
            digests[(backend, "published at import")] = digest(published_rows(conn))
        engine.dispose()
        for seed in ("0", "1", "4242"):
            out = subprocess.run([sys.executable, "-c", SEED_SCRIPT, url], capture_output=True, text=True, check=True,
                                 env={**os.environ, "PYTHONHASHSEED": seed}, cwd=os.getcwd())
            digests[(backend, seed)] = out.stdout.strip().splitlines()[-1]
    assert len(set(digests.values())) == 1, digests


@pytest.fixture(scope="module")
def serving_apps(sqlite_reference_settings):
    import dataclasses

    return create_app(sqlite_reference_settings), create_app(dataclasses.replace(sqlite_reference_settings,
                                                                                 public=True))


def test_serving_computes_no_mask_sum_or_ratio(serving_apps, monkeypatch):
    """Pages, callbacks, downloads, the API and the embeds read published rows: with every
    publishing function made to fail, they all still answer."""
    def forbidden(*_args, **_kwargs):
        raise AssertionError("the publisher ran while a request was served")

    import dashboard.indicators.secrecy
    import dashboard.publication.cells
    import dashboard.publication.masking
    import dashboard.publication.publisher

    for module, name in [(dashboard.publication.publisher, "publish"), (dashboard.publication.publisher, "_family_rows"),
                         (dashboard.publication.publisher, "_ratio_rows"), (dashboard.publication.publisher, "mask_period"),
                         (dashboard.publication.masking, "mask_period"), (dashboard.indicators.secrecy, "protect"),
                         (dashboard.publication.cells, "level_cells"), (dashboard.publication.cells, "stored_figures")]:
        monkeypatch.setattr(module, name, forbidden)
    internal, public_app = serving_apps
    for app in (internal, public_app):
        app.server.extensions["observatoire.reader"].cache.clear()  # cold: every read goes to the store
        client = app.server.test_client()
        for path in ("/", "/carte", "/elus", "/territoire/93066", "/territoire/ALI-2022-01", "/embed/carte",
                     "/embed/territoire/93066"):
            assert page_layout(client, path) is not None, path
        for indicator in ("rsa_foyers", "rsa_foyers_pour_100_hab", "ali_sorties", "ali_taux_couverture"):
            level = "commune" if indicator.startswith("rsa") else "circonscription"
            if app is internal:
                assert map_series(client, indicator, level)["periods"], indicator
            period = queries.periods(indicator)[-1][1]
            for fmt in ("json", "csv"):
                answer = client.get(f"/api/v1/valeurs.{fmt}?indicateur={indicator}&niveau={level}&periode={period:%Y-%m}")
                assert answer.status_code == 200, (indicator, fmt)


def test_postgres_public_role_reads_published_tables_only(postgres_databases):
    from tests.conftest import POSTGRES_ADMIN
    from dashboard.store import migrate

    if POSTGRES_ADMIN == "skip":
        pytest.skip("no PostgreSQL server")
    url = postgres_databases.create()
    migrate(url)  # creates the role and its grants
    engine = make_reader_engine(url, read_only=True, public=True)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "observatoire_public"
        assert conn.execute(text("SELECT count(*) FROM published_value")).scalar() == 0
        with pytest.raises(Exception, match="permission denied"):
            conn.execute(text("SELECT * FROM figure"))
    with engine.connect() as conn, pytest.raises(Exception, match="permission denied"):
        conn.execute(text("SELECT * FROM app_user"))
    engine.dispose()


def test_a_published_period_keeps_its_mask_when_later_periods_arrive(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    rng = random.Random(5)
    with engine.connect() as conn:
        communes = [c for (c,) in conn.execute(text(
            "SELECT code FROM territory WHERE level = 'commune' AND geography_code = 'COG2025' ORDER BY code"))]
    january = small_rsa(rng, communes, "2025-01")

    def published_january():
        with engine.connect() as conn:
            # the month of January (the year 2025, whose sums grow with February, starts that day too)
            return [r for r in published_rows(conn) if "2025-01-01" in r and "month" in r]

    import_rsa(engine, tmp_path / "jan.csv", january, raw)
    before = published_january()
    assert any("secret" in r for r in before)
    import_rsa(engine, tmp_path / "feb.csv", small_rsa(rng, communes, "2025-02"), raw)
    import_small_ali(engine, raw, tmp_path / "ali.csv", rng, "2025-02")
    assert published_january() == before
