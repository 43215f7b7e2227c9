"""What one chart shows, once: its title (what, where, when), the table of its figures exactly
as displayed (secret cells as "s"), and where they come from. A page's panel, its table
alternative and its CSV/XLSX downloads are all drawn from the same `Chart`."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from dashboard.indicators.reader import published

SECRET = "s"
BROKEN = "rupture de série"  # a change across two series is not computed (`publication.series`)


@dataclass
class Chart:
    title: str
    # Exactly what the chart displays: one row per mark; numbers as numbers, a secret cell "s".
    table: pd.DataFrame
    # How the screen table writes each numeric column: {column: (unit, decimals)}.
    formats: dict[str, tuple[str, int]] = field(default_factory=dict)
    import_ids: set[int] = field(default_factory=set)
    sources: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    demo: bool = False
    name: str = "donnees"  # file name of the downloads, without extension

    @property
    def dates(self) -> tuple[list[str], object]:
        """The dates the figures describe, as their sources state them, and the day of the
        latest import they come from."""
        imports = published.imports()
        used = imports[imports["id"].isin(self.import_ids)]
        stated = sorted(used["data_date"].dropna().unique())
        latest = pd.to_datetime(used["imported_at"]).max() if len(used) else None
        return stated, (latest.date() if latest is not None and latest == latest else None)

    def provenance(self) -> pd.DataFrame:
        """The imports the figures come from, with source, licence, date and checksum: the
        "Sources" sheet of the Excel download."""
        imports = published.imports()
        return imports[imports["id"].isin(self.import_ids)][
            ["id", "source", "source_url", "licence", "quality_label", "data_date", "imported_at", "file_name",
             "sha256"]].rename(columns={"id": "import"}).fillna({"data_date": "non renseignée", "source_url": ""})


def provenance_of(*frames: pd.DataFrame) -> dict:
    """The provenance of query frames (columns import_id, source, quality, caveats), as the
    keyword arguments of a `Chart`."""
    rows = pd.concat([f[["import_id", "source", "quality", "caveats"]] for f in frames if not f.empty]) \
        if any(not f.empty for f in frames) else pd.DataFrame(columns=["import_id", "source", "quality", "caveats"])
    caveats = sorted(rows["caveats"].dropna().unique())
    flagged = [f for f in frames if not f.empty]
    if any(f["estimated"].astype(bool).any() for f in flagged if "estimated" in f):
        caveats.append(ESTIMATE_CAVEAT)
    if any(f["partial"].astype(bool).any() for f in flagged if "partial" in f):
        caveats.append(PARTIAL_CAVEAT)
    return {"import_ids": set(rows["import_id"].dropna().astype(int)),
            "sources": sorted(rows["source"].dropna().unique()), "caveats": caveats,
            "demo": bool(rows["quality"].eq("demo").any())}


# Said under every chart, table and download that holds such a value.
ESTIMATE_CAVEAT = ("Estimation : une commune partagée entre deux territoires (Saint-Denis depuis 2025) y est comptée "
                   "au prorata de la population municipale de ses communes déléguées, arrondi à l'unité, quand le "
                   "fichier ne donne pas ses communes déléguées.")
PARTIAL_CAVEAT = ("Liste partielle : les valeurs sont des minimums ; les territoires qu'elle ne nomme pas ne sont "
                  "pas recensés (ni 0, ni classés).")


def shown(value, flag):
    """A cell as displayed: the number, "s" when secret, None when unknown."""
    if isinstance(flag, str):
        return SECRET
    if value is None or value != value:
        return None
    return float(value)
