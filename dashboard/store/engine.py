"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    if _ensure_sqlite_folder(url):
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def make_reader_engine(url: str, *, read_only: bool = False) -> Engine:
    """An engine for the query layer: every transaction reads one snapshot of the store (so a
    request that runs several queries never sees an import half-way: some figures before it and
    some after), and with `read_only` the database itself refuses any write.

    SQLite: pysqlite starts no transaction before a SELECT, so each statement would read its own
    state; an explicit BEGIN makes the WAL snapshot last until the transaction ends. `mode=ro`
    opens the file read-only. PostgreSQL: REPEATABLE READ is a snapshot of the whole
    transaction; `default_transaction_read_only` makes every transaction read-only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if read_only and parsed.database and parsed.database != ":memory:":
            parsed = parsed.set(database=f"file:{Path(parsed.database).resolve()}?mode=ro",
                                query={**parsed.query, "uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_reader)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    options = {"options": "-c default_transaction_read_only=on"} if read_only else {}
    return create_engine(parsed, pool_pre_ping=True, isolation_level="REPEATABLE READ", connect_args=options)


def _ensure_sqlite_folder(url: str) -> bool:
    """Create the folder of a SQLite file (var/ on a fresh clone); True for SQLite URLs."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return False
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    return True


def _sqlite_reader(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # SQLAlchemy's BEGIN, not the driver's, starts transactions
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers keep reading the last committed state while an import writes.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Create or upgrade the schema to the latest migration (idempotent)."""
    _ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), "head")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
