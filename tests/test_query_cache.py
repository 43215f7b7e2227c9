"""The query layer's cache (in-process, and Redis as on these machines) never serves a result
older than the latest import or rollback."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import StoreReader
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.rollback import rollback_import

queries = StoreReader()

REDIS = "redis://127.0.0.1:6379/15"


@pytest.mark.parametrize("redis_url", [None, REDIS], ids=["in-process", "redis"])
def test_imports_and_rollbacks_invalidate_the_cache(loaded_store, tmp_path, redis_url):
    _url, engine, raw = loaded_store
    queries.use(engine)

    def value():
        frame = queries.values("rsa_foyers", "commune", "month", dt.date(2025, 3, 1), "COG2025")
        return None if frame.empty else frame.set_index("code").loc["93001", "value"]

    assert value() is None and value() is None  # the second answer comes from the cache
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n2025-03;93001;321\n", encoding="utf-8")
    outcome = import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                          today=dt.date(2026, 11, 24))
    assert value() == 321
    rollback_import(engine, outcome.import_id)
    assert value() is None
