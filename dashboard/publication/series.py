"""Series: an indicator from one source and method, of one reliability, on one perimeter.

Each published value carries its series id, decided when it is published. A change (since the
first period, over a year, on a chart) is computed only between two values of one series;
across two series it is a break ("rupture de série"), whose reason is read off the two ids.

The id is `kind|reliability|perimeter`:
- kind: the kind of file the figure came from (the CAF's annual IRIS-based file and its monthly
  export count the same households by two methods);
- reliability: `demo` for demonstration data, `reel` otherwise (demo is never compared with real);
- perimeter: a number that grows each time a territory's area changes between two geography
  vintages (Saint-Denis gained Pierrefitte-sur-Seine in 2025).
A ratio's id joins its numerator's and denominator's ids with `÷`.
"""
from __future__ import annotations

# Short names of the kinds of file, for the reasons of a break.
KIND_NAMES = {
    "allocataires": "export mensuel de la CAF",
    "caf_annuel": "fichier annuel de la CAF (base IRIS, INSEE/CNAF)",
    "ali_activite": "export mensuel des ALI",
    "ali_cohortes": "cohortes des ALI",
    "ali_objectifs": "objectifs des conventions ALI",
    "objectifs_publies": "objectifs publiés du Département",
    "population": "populations légales de l'INSEE",
    "structures": "liste des structures",
}


def series_id(kind: str | None, quality: str | None, perimeter: int = 0) -> str | None:
    if not kind:
        return None
    return f"{kind}|{'demo' if quality == 'demo' else 'reel'}|{perimeter}"


def ratio_series(numerator: str | None, denominator: str | None) -> str | None:
    return f"{numerator}÷{denominator}" if numerator and denominator else numerator


def break_reason(before: str | None, after: str | None) -> str | None:
    """Why two values are not of one series (French), or None when they are (or when either has
    no series: a store published before series were recorded)."""
    if not before or not after or before == after:
        return None
    reasons: list[str] = []
    for old, new in zip(before.split("÷"), after.split("÷")):
        reasons += _reasons(old, new)
    if len(before.split("÷")) != len(after.split("÷")):
        reasons.append("changement de méthode de calcul")
    return " ; ".join(dict.fromkeys(reasons)) or "changement de série"


def breaks(ids: list) -> list[tuple[int, str]]:
    """Where a run of values (periods in order) changes series: (index of the first value of
    the new series, reason)."""
    return [(i, reason) for i in range(1, len(ids)) if (reason := break_reason(ids[i - 1], ids[i]))]


def _reasons(old: str, new: str) -> list[str]:
    if old == new:
        return []
    ((k0, r0, p0), m0), ((k1, r1, p1), m1) = _parts(old), _parts(new)
    out = []
    if k0 != k1:
        out.append(f"changement de source ou de méthode ({KIND_NAMES.get(k0, k0)} → {KIND_NAMES.get(k1, k1)})")
    if r0 != r1:
        out.append("données réelles → données de démonstration" if r1 == "demo"
                   else "données de démonstration → données réelles")
    if p0 != p1:
        out.append("changement de périmètre du territoire (nouvelle géographie)")
    if m0 != m1:
        out.append("cumuls sur des parties différentes de l'année")
    return out


def _parts(series: str) -> tuple[tuple[str, str, str], str]:
    """(kind, reliability, perimeter), and the months a yearly sum adds up when not all twelve
    ("3-12": March to December)."""
    kind, reliability, perimeter, months = (series.split("|") + ["", "", "", ""])[:4]
    return (kind, reliability, perimeter), months
