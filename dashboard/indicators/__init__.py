"""Indicators: the registry (declarations), and later the queries, secrecy and cache."""
