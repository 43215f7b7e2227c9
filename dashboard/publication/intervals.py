"""The attacker's intervals: for each masked cell, the smallest and largest value it can take
given everything published, found by linear programming (HiGHS).

What the attacker knows: every published value; every relation between cells (a total is the
sum of its parts; a total summed through a weight below 1 is the weighted sum of its parts
within ±0.5, since such estimates are published rounded); every count is ≥ 0; an "of which"
count is at most its total. The bounds are then rounded inwards to whole numbers (counts are
integers), which is what integrality gives an attacker on these one-dimensional questions.
"""
from __future__ import annotations

import math
import os
import sys
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import highspy
import numpy as np

Key = tuple[Hashable, ...]  # a cell: (indicator, level, code), or a share of one (`masking`)
_EPS = 1e-6


@dataclass(frozen=True)
class Relation:
    """total = Σ weight × part: exact when every weight is 1, within ±0.5 otherwise."""

    total: Key
    parts: tuple[tuple[Key, float], ...]

    @property
    def exact(self) -> bool:
        return all(w == 1 for _, w in self.parts)


class Intervals:
    """One linear programme per set of published values: the masked and unpublished cells are
    its variables, the relations its rows. `bounds(cell)` solves for a cell's minimum and
    maximum (a HiGHS instance is reused, only the objective changes)."""

    def __init__(self, values: Mapping[Key, float | None], relations: Iterable[Relation],
                 of_which: Iterable[tuple[Key, Key]], hidden: Iterable[Key]):
        hidden = set(hidden)
        self.values = values
        unknown = sorted({k for k in hidden} | {k for k, v in values.items() if _missing(v)}
                         | {c for r in relations for c in (r.total, *(p for p, _ in r.parts)) if c not in values},
                         key=repr)
        self.column = {cell: j for j, cell in enumerate(unknown)}
        self.highs = _quiet_highs()
        inf = highspy.kHighsInf
        for _ in unknown:
            self.highs.addVar(0.0, inf)
        self.feasible = True
        for relation in relations:
            coefficients: dict[int, float] = {}
            constant = 0.0
            for cell, coefficient in ((relation.total, 1.0), *((p, -w) for p, w in relation.parts)):
                if cell in self.column:
                    j = self.column[cell]
                    coefficients[j] = coefficients.get(j, 0.0) + coefficient
                else:
                    constant += coefficient * _known(values, cell)
            slack = 0.0 if relation.exact else 0.5
            self._row(coefficients, -constant - slack, -constant + slack)
        for part, total in of_which:
            if part in self.column or total in self.column:
                coefficients, constant = {}, 0.0
                for cell, coefficient in ((part, 1.0), (total, -1.0)):
                    if cell in self.column:
                        coefficients[self.column[cell]] = coefficients.get(self.column[cell], 0.0) + coefficient
                    elif not _missing(values.get(cell)):
                        constant += coefficient * _known(values, cell)
                    else:
                        coefficients = {}
                        break
                if coefficients:
                    self._row(coefficients, -inf, -constant)

    def _row(self, coefficients: dict[int, float], lower: float, upper: float) -> None:
        entries = {j: c for j, c in coefficients.items() if abs(c) > 1e-12}
        if not entries:
            return
        index = np.array(sorted(entries), dtype=np.int32)
        self.highs.addRow(lower, upper, len(index), index, np.array([entries[j] for j in index], dtype=float))

    def bounds(self, cell: Key) -> tuple[float, float]:
        """The whole numbers an attacker can narrow the cell to: (lowest, highest)."""
        j = self.column[cell]
        n = len(self.column)
        cost = np.zeros(n)
        cost[j] = 1.0
        self.highs.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        out = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            self.highs.changeObjectiveSense(sense)
            self.highs.run()
            status = self.highs.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                out.append(self.highs.getInfo().objective_function_value)
            elif status == highspy.HighsModelStatus.kUnbounded or status == highspy.HighsModelStatus.kUnboundedOrInfeasible:
                out.append(math.inf if sense == highspy.ObjSense.kMaximize else 0.0)
            else:  # infeasible: the published values contradict the relations (never from our own sums)
                out.append(math.nan)
        low, high = out
        return (math.ceil(low - _EPS) if math.isfinite(low) else low,
                math.floor(high + _EPS) if math.isfinite(high) else high)


def _quiet_highs() -> highspy.Highs:
    """A HiGHS instance that prints nothing: its constructor writes a banner to the process's
    standard output (file descriptor 1, under Python's sys.stdout), which would interleave with
    the command line's own messages."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highs = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    highs.setOptionValue("output_flag", False)
    return highs


def required_width(value: float, threshold: int, protection: float) -> float:
    """How wide the attacker's interval around a sensitive cell must stay: the secrecy
    threshold, or `protection` × the value when that is more."""
    return max(float(threshold), protection * value)


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _known(values: Mapping[Key, float | None], cell: Key) -> float:
    """The value of a cell that is no variable of the programme: a published one."""
    value = values[cell]
    if value is None:
        raise ValueError(f"cellule {cell!r} sans valeur publiée")
    return float(value)
