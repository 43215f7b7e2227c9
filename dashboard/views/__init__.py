"""What a page shows, resolved from its controls through the query layer.

A view checks every value a browser sends (unknown indicator, level or period, wrong types)
and falls back to a default, so a forged callback gets a harmless answer, never an error.
"""
