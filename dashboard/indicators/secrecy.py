"""Statistical secrecy, applied by the query layer so that no page, download or API bypasses it.

Primary secrecy masks counts from 1 to a threshold, and rates built on a masked count. Secondary
secrecy masks more cells wherever totals and their parts are published together, until no masked
value can be derived from the published ones. The check is linear and exact: each constraint
`total = sum(parts)` is an equation, the masked and unpublished cells are the unknowns, and a
masked cell leaks when its unit vector lies in the row space of the equations restricted to the
unknowns. Gauss-Jordan elimination in exact integer arithmetic decides it, block by block (connected
components of the constraints: one département never constrains another).
"""
from __future__ import annotations

import functools
import math
from collections.abc import Hashable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SECRET = "s"  # how a masked cell is displayed: never 0, never blank

K = TypeVar("K", bound=Hashable)  # a cell's key: any hashable, the same throughout one call


@dataclass(frozen=True)
class Constraint(Generic[K]):
    total: K              # key of the total cell
    parts: tuple[K, ...]  # keys of the part cells; total == sum(parts) holds for the true values


def primary_mask(values: Mapping[K, float | None], threshold: int = 10) -> set[K]:
    """Keys whose value is a count from 1 to threshold (0 and None are not masked: None is 'no data').

    Fractional values above 0 count as small too: a weighted estimate of 0.4 is not a true 0."""
    return {key for key, value in values.items()
            if value is not None and not _missing(value) and 0 < value <= threshold}


def mask_rates(rate_keys: Mapping[Hashable, tuple[Hashable, Hashable | None]], masked: set) -> set[Hashable]:
    """Rate keys whose numerator or denominator key is masked (either one gives the other away)."""
    return {rate for rate, (numerator, denominator) in rate_keys.items()
            if numerator in masked or (denominator is not None and denominator in masked)}


def recoverable(values: Mapping[K, float | None], constraints: Sequence[Constraint[K]],
                masked: Iterable[K]) -> set[K]:
    """Masked keys whose value is uniquely determined by the published values and the constraints
    taken as linear equations (e_i in the row space of the constraint matrix restricted to the
    unknowns: masked cells, and cells that are absent or None, which no one can read either)."""
    hidden = set(masked)
    return {cell for block in _blocks(values, constraints, hidden) for cell in block.determined & hidden}


def protect(values: Mapping[K, float | None], constraints: Sequence[Constraint[K]], threshold: int = 10,
            already_masked: Iterable[K] = ()) -> set[K]:
    """All keys to mask: the primary ones plus `already_masked` (e.g. cells the source itself
    masked), then secondary suppressions until `recoverable` finds nothing.

    Each round looks at every leaking cell and the constraints that contain it and take part in
    its derivation; the one with the fewest masked cells wins (then key order, then constraint
    order), and one of its published parts is masked (parts the derivation uses first, then
    the smallest of those above the threshold, else the largest below it, never a 0 while
    another is left; ties by key order), its total only when no part is left. A leak that runs through no such constraint
    (it goes through other masked cells) is cut by masking the smallest published cell the
    derivation uses, non-totals first. A cell that the constraints force to 0 whatever the
    values (possible only with redundant constraints) cannot be hidden and is left as it is."""
    masked = primary_mask(values, threshold) | set(already_masked)
    for block in _blocks(values, constraints, masked):
        _protect_block(block, values, masked, threshold)
    return masked


def _protect_block(block: _Block[K], values: Mapping[K, float | None], masked: set[K],
                   threshold: int) -> None:
    def rank(cell):  # a cell that cancels out of every equation has no rank of its own
        return block.rank.get(cell, len(block.rank)), repr(cell)

    while leaks := sorted((cell for cell in block.determined if cell in masked and cell not in block.forced),
                          key=block.rank.__getitem__):
        best = None  # (masked cells in the constraint, its index, cells the leak uses)
        for leak in leaks:
            used = block.used_cells(leak)
            for index in block.constraints_of[leak]:
                equation = block.equations[index]
                if any(other in used for other in equation):
                    hidden = sum(other in masked for other in equation)
                    if best is None or hidden < best[0]:
                        best = (hidden, index, used)
            if best and best[0] == 1:  # the leak alone in its constraint: no later cell does better
                break
        cell: K | None = None
        if best:
            _, index, used = best
            constraint = block.constraints[index]
            # Only a published cell can be masked (a cell may also cancel out of its own equation,
            # as a total listed among its parts, and so never become a column).
            parts = [part for part in dict.fromkeys(constraint.parts)
                     if part not in block.unknown and _published(values, part)]
            if parts:
                # A complement must widen the interval: never a 0, preferably no smaller than the
                # threshold, else the smallest that is (the least information lost).
                cell = min(parts, key=lambda part: (part not in used, *_size_order(_value(values, part), threshold),
                                                    rank(part)))
            elif constraint.total not in block.unknown and _published(values, constraint.total):
                cell = constraint.total
        if cell is None:  # a leak that is not forced uses some published cell (else its value would be 0)
            usable = [other for other in block.used_cells(leaks[0]) if _published(values, other)]
            cell = min(usable, key=lambda other: (other in block.totals, *_size_order(_value(values, other), threshold),
                                                  rank(other)))
        masked.add(cell)
        block.add_unknown(cell)


def _size_order(value: float, threshold: int) -> tuple:
    """How good a complement a cell of this value is, best first: a cell at or above the
    threshold (the smallest such: the least lost), else the largest below it; a 0 last."""
    return (not value > 0, value < threshold, value if value >= threshold else -value)


def _published(values: Mapping[K, float | None], cell: K) -> bool:
    value = values.get(cell)
    return value is not None and value == value


def _value(values: Mapping[K, float | None], cell: K) -> float:
    """The value of a cell already known to be published (`_published`)."""
    value = values[cell]
    if value is None:
        raise ValueError(f"cellule {cell!r} sans valeur publiée")
    return value


class _Block(Generic[K]):
    """The equations of one connected block, in Gauss-Jordan form over the unknown cells.

    Each row keeps `combos[row]`, its expression as a combination of the original equations, so a
    leak can be traced back to the published cells it uses. Unknown cells are added one column at
    a time, which keeps the form reduced as secondary cells are masked without starting over."""

    def __init__(self, constraints: list[Constraint[K]], equations: list[dict[K, int]]):
        self.constraints = constraints
        self.equations = equations
        self.totals = {constraint.total for constraint in constraints}
        self.constraints_of: dict[K, list[int]] = {}
        for index, equation in enumerate(equations):
            for cell in equation:
                self.constraints_of.setdefault(cell, []).append(index)
        self.rank = {cell: position for position, cell in enumerate(_ordered(self.constraints_of))}
        self.unknown: set[K] = set()
        self.combos: list[dict[int, int]] = [{index: 1} for index in range(len(equations))]
        self.rows: list[dict[K, int]] = [{} for _ in equations]  # unknown part of each row
        self.users: list[set[int]] = [{index} for index in range(len(equations))]  # rows whose combo uses it
        self.pivot_row: dict[K, int] = {}
        self.pivot_cell: dict[int, K] = {}
        self.determined: set[K] = set()  # unknown cells whose pivot row holds no other unknown

    def add_unknown(self, cell: K) -> None:
        self.unknown.add(cell)
        column = {}
        for row in sorted(set().union(*(self.users[index] for index in self.constraints_of[cell]))):
            combo = self.combos[row]
            if coefficient := sum(combo.get(index, 0) * self.equations[index][cell]
                                  for index in self.constraints_of[cell]):
                column[row] = coefficient
        # Rows with no unknown left relate published values only: one of them, if it involves
        # the new cell, becomes its pivot row. Otherwise the cell is a free column.
        empty = [row for row in column if not self.rows[row]]
        if not empty:  # every row involved has a pivot, which the new unknown now blurs
            for row, coefficient in column.items():
                self.rows[row][cell] = coefficient
                self.determined.discard(self.pivot_cell[row])
            return
        pivot = min(empty, key=lambda row: (len(self.combos[row]), row))
        scale = column.pop(pivot)
        self.rows[pivot] = {cell: scale}
        self.pivot_row[cell], self.pivot_cell[pivot] = pivot, cell
        self.determined.add(cell)
        pivot_combo = self.combos[pivot]
        for row, coefficient in column.items():
            # row := a * row - b * pivot row, in integers: the cell's coefficient cancels.
            common = math.gcd(scale, coefficient)
            a, b = scale // common, coefficient // common
            combo, unknowns = self.combos[row], self.rows[row]
            if a != 1:
                _scale(combo, a)
                _scale(unknowns, a)
            for index, y in pivot_combo.items():
                if updated := combo.get(index, 0) - b * y:
                    combo[index] = updated
                    self.users[index].add(row)
                else:
                    del combo[index]
                    self.users[index].discard(row)
            if a != 1 and (common := math.gcd(*combo.values(), *unknowns.values())) > 1:
                _divide(combo, common)
                _divide(unknowns, common)

    @functools.cached_property
    def forced(self) -> set[K]:
        """Cells the constraints alone determine (hence 0) whatever is published: no mask hides them."""
        everything = _Block(self.constraints, self.equations)
        for cell in self.rank:
            everything.add_unknown(cell)
        return everything.determined

    def used_cells(self, cell: K) -> set[K]:
        """Published cells with a non-zero weight in the derivation of a determined cell."""
        weights: dict[K, int] = {}
        for index, y in self.combos[self.pivot_row[cell]].items():
            for other, coefficient in self.equations[index].items():
                if other not in self.unknown:
                    weights[other] = weights.get(other, 0) + y * coefficient
        return {other for other, weight in weights.items() if weight}


def _scale(entries: MutableMapping[K, int], factor: int) -> None:
    for key in entries:
        entries[key] *= factor


def _divide(entries: MutableMapping[K, int], common: int) -> None:
    for key in entries:
        entries[key] //= common


def _blocks(values: Mapping[K, float | None], constraints: Sequence[Constraint[K]],
            masked: set[K]) -> Iterator[_Block[K]]:
    """One `_Block` per connected component of the constraints that holds a masked cell, with its
    masked and unpublished cells already added as unknowns (in key order, for determinism)."""
    equations = []
    for constraint in constraints:
        equation = {constraint.total: 1}
        for part in constraint.parts:
            equation[part] = equation.get(part, 0) - 1
        if equation := {cell: c for cell, c in equation.items() if c}:
            equations.append((constraint, equation))
    parent: dict[K, K] = {}

    def root(cell: K) -> K:
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    for _, equation in equations:
        first, *others = equation
        for cell in others:
            parent[root(cell)] = root(first)
    components: dict[K, list] = {}
    for constraint, equation in equations:
        components.setdefault(root(next(iter(equation))), []).append((constraint, equation))
    for members in components.values():
        block = _Block([c for c, _ in members], [e for _, e in members])
        if not any(cell in masked for cell in block.constraints_of):
            continue
        for cell in block.rank:  # rank is a dict in key order
            if cell in masked or _missing(values.get(cell)):
                block.add_unknown(cell)
        yield block


def _ordered(keys: Iterable[K]) -> list[K]:
    keys = list(keys)
    try:
        return sorted(keys)  # type: ignore[type-var]  # Hashable says nothing of order: TypeError caught below
    except TypeError:  # keys that do not compare (mixed types, None inside tuples): repr is stable
        return sorted(keys, key=repr)


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
