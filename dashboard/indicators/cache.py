"""The read side's shared cache: Redis where configured (shared by every worker), else a small
in-process cache. It only ever holds what the publication step published (masked values,
territories, lists): nothing unmasked can enter it.

Keys carry the version of the publication unit an answer depends on (`publication` table), so
an import makes stale only the entries of the families it touched. A thread that finds another
computing the same entry waits for its result instead of computing it again."""
from __future__ import annotations

import hashlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching import Cache

TIMEOUT = 3600


class QueryCache:
    def __init__(self, redis_url: str | None):
        config: dict[str, object] = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url} if redis_url \
            else {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 4000}
        config["CACHE_DEFAULT_TIMEOUT"] = TIMEOUT
        # Flask-Caching works inside an app context; a private app keeps it usable from any
        # request, command or test.
        self._app = Flask(__name__)
        self._cache = Cache(self._app, config=config)
        self._computing: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def get_or_compute(self, key_parts: tuple, compute: Callable[[], Any]) -> Any:
        key = f"obs:{hashlib.sha1(pickle.dumps(key_parts), usedforsecurity=False).hexdigest()}"
        hit = self._get(key)
        if hit is not None:
            # Only this code writes these entries (published rows), in the app's own cache.
            return pickle.loads(hit)  # noqa: S301
        with self._guard:
            computing = self._computing.setdefault(key, threading.Lock())
        try:
            with computing:
                hit = self._get(key)  # computed by the thread this one waited for
                if hit is not None:
                    return pickle.loads(hit)  # noqa: S301  (see above)
                result = compute()
                with self._app.app_context():
                    self._cache.set(key, pickle.dumps(result))
                return result
        finally:
            with self._guard:
                self._computing.pop(key, None)

    def clear(self) -> None:
        with self._app.app_context():
            self._cache.clear()

    def _get(self, key: str):
        with self._app.app_context():
            return self._cache.get(key)
