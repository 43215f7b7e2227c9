"""One snapshot per request: every query a request runs reads the same state of the store.

A page or a callback runs several reads (the communes, then the département for reference, the
periods…). Each on its own connection, an import committed between two of them would give a
response half from before the import and half from after — a département total that is not the
sum of its communes. Inside a request the reads share one connection and one read transaction
(a snapshot: see `store.make_reader_engine`), closed when the request ends; the publication's
versions, which the cache keys carry, are read once from that same snapshot. Outside a request
(the command line, tests, benchmarks) each read opens its own connection.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import flask
from sqlalchemy import Connection, Engine

_CONNECTION = "observatoire_connection"
_ONCE = "observatoire_once"


@contextmanager
def connection(engine: Engine) -> Iterator[Connection]:
    if not flask.has_request_context():
        with engine.connect() as conn:
            yield conn
        return
    conn = flask.g.get(_CONNECTION)
    if conn is None or conn.engine is not engine:
        close()
        conn = engine.connect()
        conn.begin()
        setattr(flask.g, _CONNECTION, conn)
    try:
        yield conn
    except Exception:
        close()  # a failed statement ends the transaction (PostgreSQL refuses the next ones)
        raise


def once(key: str, compute: Callable[[], Any]) -> Any:
    """`compute()` once per request (every time outside a request)."""
    if not flask.has_request_context():
        return compute()
    memo = flask.g.setdefault(_ONCE, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def close(_error=None) -> None:
    conn = flask.g.pop(_CONNECTION, None)
    flask.g.pop(_ONCE, None)
    if conn is not None:
        conn.close()  # read-only: closing rolls the transaction back


def install(server: flask.Flask) -> None:
    server.teardown_request(close)
