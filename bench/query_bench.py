"""Query-layer benchmark: one indicator on all communes for one month, cold and warm cache.

Builds a store as `observatoire init` does (reference + demo data) in a temporary folder, then
times `values` — cold: a fresh cache for every call; warm: the same call again — and prints the
median and p95 in milliseconds. Targets: warm p95 < 20 ms, cold p95 < 100 ms (SQLite).

Reads through `dashboard.indicators.reader.Reader` (published rows), or, in a checkout before the
publication step, through the module `dashboard.indicators.queries` (computed at request time):

    python bench/query_bench.py [--runs 200] [--redis redis://127.0.0.1:6379/14]
    PYTHONPATH=/path/to/old/checkout python bench/query_bench.py
"""
from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from dashboard.ingest.reference import load_reference
from dashboard.store import make_engine, migrate

CASES = [("rsa_foyers", "commune", "month", dt.date(2026, 10, 1), "COG2025"),
         ("rsa_foyers", "circonscription", "month", dt.date(2026, 10, 1), "COG2025"),
         ("ali_taux_couverture", "circonscription", "month", dt.date(2026, 10, 1), "COG2025")]


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def read_api(engine, redis_url):
    """(name, object with `values`, its cache): a `Reader`, else the old module, configured."""
    try:
        from dashboard.indicators.reader import Reader
    except ImportError:
        from dashboard.indicators import cache, queries

        queries.configure(engine, redis_url)
        return "dashboard.indicators.queries", queries, cache
    reader = Reader(engine, redis_url)
    return "Reader", reader, reader.cache


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--redis", default=None, help="time with the Redis cache instead of the in-process one")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="query_bench_"))
    url = f"sqlite:///{folder / 'store.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    load_reference(engine, folder / "raw", demo=True)
    api, queries, cache = read_api(engine, args.redis)
    print(f"store: {url} (reference + demo data); read API: {api}; cache: {args.redis or 'in-process'}; "
          f"{args.runs} runs per case")
    print(f"{'case':<58} {'cold median':>11} {'cold p95':>9} {'warm median':>11} {'warm p95':>9}  (ms)")
    for case in CASES:
        cold, warm = [], []
        for _ in range(args.runs):
            cache.clear()  # a cold call
            start = time.perf_counter()
            queries.values(*case)
            cold.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            queries.values(*case)
            warm.append((time.perf_counter() - start) * 1000)
        label = f"{case[0]} × {case[1]} × {case[3]:%Y-%m}"
        print(f"{label:<58} {statistics.median(cold):>11.2f} {percentile(cold, .95):>9.2f} "
              f"{statistics.median(warm):>11.2f} {percentile(warm, .95):>9.2f}")


if __name__ == "__main__":
    main()
