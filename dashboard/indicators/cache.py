"""The query layer's shared cache: Redis where configured (shared by every worker), else a
simple in-process cache. Keys carry the store's generation — the number of the latest import
event — so an import or a rollback, in any process, makes every earlier entry unreachable.

After an import every entry is cold at once, and a worker's threads would all compute the same
ones together (each request of a page starts with the indicator list, for instance): a thread
that finds another computing the same entry waits for its result instead."""
from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_caching import Cache

TIMEOUT = 3600
_state: dict[str, Any] = {}
_computing: dict[str, threading.Lock] = {}  # entry key -> held while a thread computes it
_computing_guard = threading.Lock()


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


def _get(key: str):
    with _state["app"].app_context():
        return _state["cache"].get(key)


def cached(function: Callable) -> Callable:
    """Memoise a query function on its arguments and the store's generation."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if "cache" not in _state:
            return function(*args, **kwargs)
        key_source = pickle.dumps((function.__module__, function.__qualname__, _state["generation"](), args,
                                   sorted(kwargs.items())))
        key = f"obs:{_state['prefix']}:{hashlib.sha1(key_source).hexdigest()}"
        hit = _get(key)
        if hit is not None:
            return pickle.loads(hit)
        with _computing_guard:
            computing = _computing.setdefault(key, threading.Lock())
        # No deadlock: a thread holds the locks of the entries it is computing, nested as the
        # calls are, and no entry's computation needs itself.
        try:
            with computing:
                hit = _get(key)  # computed by the thread this one waited for
                if hit is not None:
                    return pickle.loads(hit)
                result = function(*args, **kwargs)
                with _state["app"].app_context():
                    _state["cache"].set(key, pickle.dumps(result))
                return result
        finally:
            with _computing_guard:
                _computing.pop(key, None)

    return wrapper
