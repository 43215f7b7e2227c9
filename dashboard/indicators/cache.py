"""The query layer's shared cache: Redis where configured (shared by every worker), else a
simple in-process cache. Keys carry the store's generation — the number of the latest import
event — so an import or a rollback, in any process, makes every earlier entry unreachable."""
from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching import Cache

TIMEOUT = 3600
_state: dict[str, Any] = {}


def configure(redis_url: str | None, generation: Callable[[], str]) -> None:
    """Point the cache at Redis (or the process). Configuring the same cache again keeps its
    entries: their keys carry the store's URL and generation, so apps of one process (tests,
    the public and the internal app) share what they computed without meeting stale figures."""
    if _state.get("redis_url", ()) == redis_url:
        _state["generation"] = generation
        return
    config = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url} if redis_url \
        else {"CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}
    config["CACHE_DEFAULT_TIMEOUT"] = TIMEOUT
    # Flask-Caching works inside an app context; a private app keeps the cache usable from any
    # request, command or test (its context is pushed around each access).
    app = Flask(__name__)
    _state.update(app=app, cache=Cache(app, config=config), generation=generation, redis_url=redis_url,
                  prefix=hashlib.sha1(repr(redis_url).encode()).hexdigest()[:8])


def clear() -> None:
    """Empty the cache (benchmarks time cold queries; imports need not call it)."""
    if "cache" in _state:
        with _state["app"].app_context():
            _state["cache"].clear()


def cached(function: Callable) -> Callable:
    """Memoise a query function on its arguments and the store's generation."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if "cache" not in _state:
            return function(*args, **kwargs)
        key_source = pickle.dumps((function.__module__, function.__qualname__, _state["generation"](), args,
                                   sorted(kwargs.items())))
        key = f"obs:{_state['prefix']}:{hashlib.sha1(key_source).hexdigest()}"
        cache = _state["cache"]
        with _state["app"].app_context():
            hit = cache.get(key)
        if hit is not None:
            return pickle.loads(hit)
        result = function(*args, **kwargs)
        with _state["app"].app_context():
            cache.set(key, pickle.dumps(result))
        return result

    return wrapper
