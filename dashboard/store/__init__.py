"""The SQL store: models, engine and schema migrations. Only `dashboard.ingest` writes to it."""
from dashboard.store.engine import make_engine, make_reader_engine, migrate, session_scope

__all__ = ["make_engine", "make_reader_engine", "migrate", "session_scope"]
