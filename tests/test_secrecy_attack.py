"""Secrecy under attack: a store with many small counts (0–15), split weights, "of which"
families and ALI activity is published; an attacker reads every public API answer and narrows
each masked cell by integer linear programming. No sensitive cell (a count from 1 to the
threshold, or a computable rest in that range) may be narrowed below the threshold."""
from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from sqlalchemy import text

from dashboard import publication
from dashboard.app import create_app
from dashboard.indicators.registry import family, period_key
from dashboard.publication.cells import HIERARCHY, load_geographies, relations
from dashboard.settings import load_settings
from tests.attack import equations, intervals
from tests.helpers import import_rsa
from tests.test_publication import import_small_ali

THRESHOLD = 10
JANUARY = dt.date(2025, 1, 1)
SMALL = [0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 13, 15, 40]


def small_caf(rng, communes) -> str:
    lines = ["Mois;Code commune;Foyers;Personnes couvertes;Foyers avec majoration;Foyers au RSA depuis 2 ans ou plus"]
    for code in communes:
        households = rng.choice(SMALL)
        lines.append(f"2025-01;{code};{households};{households + rng.choice([0, 2, 5, 30])};"
                     f"{rng.randint(0, households)};{rng.randint(0, households)}")
    return "\n".join(lines) + "\n"


def true_cells(engine) -> dict:
    """The cells as published without any mask (threshold 0), in a transaction rolled back."""
    with engine.connect() as conn, conn.begin() as transaction:
        publication.publish_all(conn, threshold=0)
        rows = conn.execute(text("SELECT indicator_code, level, code, value FROM published_value "
                                 "WHERE geography_code = 'COG2025' AND period_start = :d"), {"d": JANUARY}).all()
        transaction.rollback()
    return {(i, lv, c): v for i, lv, c, v in rows}


@pytest.fixture(params=["caf", "ali"])
def attacked(request, loaded_store, tmp_path):
    url, engine, raw = loaded_store
    rng = random.Random(19)
    with engine.connect() as conn:
        communes = [c for (c,) in conn.execute(text(
            "SELECT code FROM territory WHERE level = 'commune' AND geography_code = 'COG2025' ORDER BY code"))]
    if request.param == "caf":
        path = tmp_path / "caf.csv"
        path.write_text(small_caf(rng, communes), encoding="utf-8")
        from dashboard.ingest.importer import Provenance, import_file

        import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                    today=dt.date(2026, 11, 24))
        members = family("rsa_foyers")
    else:
        import_small_ali(engine, raw, tmp_path / "ali.csv", rng, "2025-01")
        members = (*family("ali_sorties"), *family("ali_file_active"))
    settings = dataclasses.replace(load_settings({"OBSERVATOIRE_VAR_DIR": str(tmp_path)}), database_url=url,
                                   public=True)
    return engine, create_app(settings).server.test_client(), members


def test_no_masked_cell_can_be_narrowed_below_the_threshold(attacked):
    engine, client, members = attacked
    published = {}
    for indicator in members:
        for level in HIERARCHY:
            answer = client.get(f"/api/v1/valeurs.json?indicateur={indicator}&niveau={level}"
                                f"&periode={period_key('month', JANUARY)}&geographie=COG2025")
            assert answer.status_code == 200
            for row in answer.get_json()["lignes"]:
                published[(indicator, level, row["code"])] = None if row["secret"] else row["valeur"]
    assert any(v is None for v in published.values()), "small counts: something must be masked"
    true = true_cells(engine)
    sensitive = [k for k, v in published.items() if v is None and true.get(k) is not None and 1 <= true[k] <= THRESHOLD]
    # Rests (file active outside QPV) are computable: sensitive too when small.
    rests = [("reste", "ali_file_active", lv, c) for (i, lv, c) in published if i == "ali_file_active"
             and true.get(("ali_file_active_qpv", lv, c)) is not None
             and 1 <= true[("ali_file_active", lv, c)] - true[("ali_file_active_qpv", lv, c)] <= THRESHOLD]
    with engine.connect() as conn:
        geo = load_geographies(conn)["COG2025"]
    rows = equations(published, relations(geo), set(members))
    found = intervals(published, rows, sensitive + rests)
    narrow = {cell: bounds for cell, bounds in found.items() if bounds[1] - bounds[0] < THRESHOLD}
    assert len(sensitive) > 5
    assert narrow == {}
    # Published values themselves are never small counts, and estimates are whole numbers.
    assert not [v for v in published.values() if v is not None and 1 <= v <= THRESHOLD]
    assert all(v == round(v) for v in published.values() if v is not None)
