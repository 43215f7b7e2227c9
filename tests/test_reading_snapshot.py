"""The query layer's reads, on both backends: a request reads one snapshot of the store, so an
import that commits while it runs is not half seen; the public app's store refuses writes."""
from __future__ import annotations

import flask
import pytest
from sqlalchemy import text

from dashboard.indicators import reading
from dashboard.store import make_reader_engine
from tests.helpers import import_rsa

CURRENT = text("SELECT count(*), sum(value) FROM figure WHERE superseded_by IS NULL AND indicator_code = 'rsa_foyers'")


def test_a_request_reads_one_snapshot_while_an_import_commits(loaded_store, tmp_path):
    url, engine, raw = loaded_store
    reader = make_reader_engine(url)
    app = flask.Flask(__name__)
    reading.install(app)
    with app.test_request_context():
        with reading.connection(reader) as conn:
            before = conn.execute(CURRENT).one()
        import_rsa(engine, tmp_path / "octobre.csv", "2026-10;93001;99999\n", raw)  # commits meanwhile
        with reading.connection(reader) as conn:
            assert conn.execute(CURRENT).one() == before
    with app.test_request_context(), reading.connection(reader) as conn:
        assert conn.execute(CURRENT).one() != before  # the next request sees the import
    reader.dispose()


def test_the_public_store_refuses_writes(loaded_store):
    url, _engine, _raw = loaded_store
    reader = make_reader_engine(url, read_only=True)
    with reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM figure")).scalar() > 0
        with pytest.raises(Exception, match="read-only|readonly"):
            conn.execute(text("DELETE FROM figure"))
    reader.dispose()
