"""An attacker of the published figures: from what the public API shows and the relations anyone
knows (the territorial hierarchy with its weights, the partitions and "of which" bounds of the
registry), the interval each masked cell can be narrowed to, by integer linear programming
(scipy's HiGHS MILP: counts are whole numbers ≥ 0). Written apart from the publisher's own
check (`dashboard.publication.intervals`), so that one does not vouch for itself."""
from __future__ import annotations

import math

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from dashboard.indicators.registry import OF_WHICH, PARTITIONS


def equations(published: dict, geo_relations, members) -> tuple[list, list]:
    """(rows, bounds): rows are (coefficients by cell, low, high); `published` maps
    (indicator, level, code) to a value, or None when masked."""
    rows = []
    for indicator in sorted({k[0] for k in published}):
        own = {k[1:] for k in published if k[0] == indicator}
        known_zeros = not any(level == "commune" for level, _ in own)
        for total, parts in geo_relations:
            if total not in own:
                continue
            if known_zeros:
                parts = tuple(p for p in parts if p[0] in own)
            if not parts:
                continue
            coefficients = {(indicator, *total): 1.0}
            for part, weight in parts:
                key = (indicator, *part)
                coefficients[key] = coefficients.get(key, 0.0) - weight
            slack = 0.0 if all(w == 1 for _, w in parts) else 0.5
            rows.append((coefficients, -slack, slack))
    for partition in PARTITIONS:
        if partition.total not in members:
            continue
        for key in [k for k in published if k[0] == partition.total]:
            parts = [(p, *key[1:]) for p in partition.parts]
            if not all(p in published for p in parts):
                continue
            coefficients = {key: 1.0, **{p: -1.0 for p in parts}}
            if partition.rest:
                coefficients[("reste", *key)] = -1.0
            rows.append((coefficients, 0.0, 0.0))
    for part, total in OF_WHICH:
        for key in [k for k in published if k[0] == part and (total, *k[1:]) in published]:
            rows.append(({key: 1.0, (total, *key[1:]): -1.0}, -math.inf, 0.0))
    return rows


def intervals(published: dict, rows: list, targets: list) -> dict:
    """The tightest whole-number interval of each target cell."""
    unknown = sorted({c for coefficients, _, _ in rows for c in coefficients
                      if c not in published or published[c] is None}, key=repr)
    column = {c: j for j, c in enumerate(unknown)}
    matrix, lows, highs = [], [], []
    for coefficients, low, high in rows:
        line = np.zeros(len(unknown))
        constant = 0.0
        for cell, coefficient in coefficients.items():
            if cell in column:
                line[column[cell]] += coefficient
            else:
                constant += coefficient * published[cell]
        if line.any():
            matrix.append(line)
            lows.append(low - constant)
            highs.append(high - constant)
    constraint = LinearConstraint(np.array(matrix), lows, highs)
    out = {}
    for target in targets:
        if target not in column:
            continue
        found = []
        for sign in (1.0, -1.0):
            cost = np.zeros(len(unknown))
            cost[column[target]] = sign
            result = milp(cost, constraints=constraint, integrality=np.ones(len(unknown)),
                          bounds=Bounds(0, np.inf))
            found.append(sign * result.fun if result.status == 0 else (math.inf if sign < 0 else 0.0))
        out[target] = tuple(found)
    return out
