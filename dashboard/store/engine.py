"""Engines, sessions and migrations for SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

import sqlite3
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


# What the public app may read: the published figures and the reference tables, never the
# stored figures (unmasked), the accounts or the import log's journals.
PUBLIC_TABLES = ("published_value", "published_period", "publication", "geography", "territory",
                 "territory_link", "ali", "structure", "structure_type", "indicator", "import_record")
PUBLIC_ROLE = "observatoire_public"


def make_reader_engine(url: str, *, read_only: bool = False, public: bool = False) -> Engine:
    """An engine for the query layer: every transaction reads one snapshot of the store (so a
    request that runs several queries never sees an import half-way: some figures before it and
    some after), and with `read_only` the database itself refuses any write.

    SQLite: pysqlite starts no transaction before a SELECT, so each statement would read its own
    state; an explicit BEGIN makes the WAL snapshot last until the transaction ends. `mode=ro`
    opens the file read-only. PostgreSQL: REPEATABLE READ is a snapshot of the whole
    transaction; `default_transaction_read_only` makes every transaction read-only.

    With `public`, the store refuses to read anything but PUBLIC_TABLES: on SQLite an authorizer
    denies every other table; on PostgreSQL each connection takes the role `observatoire_public`
    (made by `migrate`), which may select those tables only."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if read_only and parsed.database and parsed.database != ":memory:":
            parsed = parsed.set(database=f"file:{Path(parsed.database).resolve()}?mode=ro",
                                query={**parsed.query, "uri": "true"})
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_reader)
        if public:
            event.listen(engine, "connect", _sqlite_public)
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
        return engine
    options = "-c default_transaction_read_only=on" if read_only else ""
    if public:
        options += f" -c role={PUBLIC_ROLE}"
    return create_engine(parsed, pool_pre_ping=True, isolation_level="REPEATABLE READ",
                         connect_args={"options": options.strip()} if options else {})


def _sqlite_public(dbapi_conn, _record) -> None:
    def authorize(action, table, _column, _database, _trigger):
        if action == sqlite3.SQLITE_READ and table not in PUBLIC_TABLES and not table.startswith("sqlite_"):
            return sqlite3.SQLITE_DENY
        return sqlite3.SQLITE_OK
    dbapi_conn.set_authorizer(authorize)


def grant_public_role(engine: Engine) -> None:
    """PostgreSQL: the role the public app reads as, allowed to select PUBLIC_TABLES only."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        exists = conn.exec_driver_sql("SELECT 1 FROM pg_roles WHERE rolname = %s", (PUBLIC_ROLE,)).first()
        if not exists:
            conn.exec_driver_sql(f"CREATE ROLE {PUBLIC_ROLE} NOLOGIN")
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {PUBLIC_ROLE}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {PUBLIC_ROLE}")
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(PUBLIC_TABLES)} TO {PUBLIC_ROLE}")


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
    if make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url)
        try:
            grant_public_role(engine)
        finally:
            engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed if the block ends normally, rolled back otherwise."""
    factory = sessionmaker(engine, expire_on_commit=False)
    with factory() as session, session.begin():
        yield session
