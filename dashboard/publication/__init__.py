"""The write side's publication step: sums, ratios and secrecy decided once per import."""
from dashboard.publication.publisher import publish, publish_all, touched_by_import, unit_of, units

__all__ = ["publish", "publish_all", "touched_by_import", "unit_of", "units"]
