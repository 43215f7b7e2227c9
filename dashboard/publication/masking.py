"""One mask per table: the cells of a publication unit (a family of indicators protected
together) in one period on one geography, every level of the hierarchy at once.

Two steps, both deterministic (sorted keys everywhere, so any process, hash seed or backend
gives the same mask):
1. the exact linear test of `indicators.secrecy` (no masked value derivable from the published
   ones through the sums), which chooses secondary cells among those big enough to protect;
2. the interval test of `intervals` (non-negativity, "of which" bounds, weighted sums, whole
   numbers): while a sensitive cell's interval is narrower than required, one more published
   cell next to it is masked and step 1 runs again.
"""
from __future__ import annotations

from collections.abc import Hashable, Mapping

from dashboard.indicators import secrecy
from dashboard.publication.intervals import Intervals, Key, Relation, required_width


def mask_period(cells: Mapping[Key, float | None], source_masked: set[Key], relations: list[Relation],
                of_which: list[tuple[Key, Key]], threshold: int, protection: float) -> set[Key]:
    """The cells to publish as secret."""
    linear_values, constraints = _linear_model(cells, relations)
    sensitive = {k for k, v in cells.items() if v is not None and v == v and 0 < v <= threshold}
    masked = secrecy.protect(linear_values, constraints, threshold, already_masked=source_masked)
    # Each block of related cells (a département and what it holds) is its own programme: the
    # others cannot move its cells. Only blocks that hold a sensitive cell are checked, and a
    # block is checked again only when its mask changed.
    blocks = [block for block in _blocks(relations, of_which) if block["cells"] & sensitive]
    checked: dict[int, frozenset] = {}
    for _ in range(len(cells) + 1):
        narrow = None
        for number, block in enumerate(blocks):
            hidden = frozenset(k for k in masked if k in block["cells"])
            if checked.get(number) == hidden:
                continue
            intervals = Intervals({k: cells[k] for k in block["cells"] if k in cells}, block["relations"],
                                  block["of_which"], hidden=hidden)
            for cell in sorted(block["cells"] & sensitive, key=repr):
                low, high = intervals.bounds(cell)
                if not high - low >= required_width(_sensitive(cells, cell), threshold, protection):
                    narrow = cell
                    break
            if narrow is not None:
                break
            checked[number] = hidden
        if narrow is None:
            break
        extra = _complement(narrow, cells, masked, relations, of_which, threshold, protection)
        if extra is None:  # nothing left to mask around it: every neighbour is already hidden
            break
        masked = secrecy.protect(linear_values, constraints, threshold, already_masked=masked | {extra})
    return {k for k in masked if k in cells}


def _blocks(relations: list[Relation], of_which: list[tuple[Key, Key]]) -> list[dict]:
    """The connected blocks of the relations and bounds, in a stable order."""
    parent: dict[Key, Key] = {}

    def root(cell):
        parent.setdefault(cell, cell)
        while parent[cell] != cell:
            parent[cell] = parent[parent[cell]]
            cell = parent[cell]
        return cell

    groups = [(r.total, *(p for p, _ in r.parts)) for r in relations] + [tuple(pair) for pair in of_which]
    for group in groups:
        first = root(group[0])
        for cell in group[1:]:
            parent[root(cell)] = first
    blocks: dict[Key, dict] = {}
    for relation in relations:
        blocks.setdefault(root(relation.total), {"cells": set(), "relations": [], "of_which": []})["relations"] \
            .append(relation)
    for pair in of_which:
        blocks.setdefault(root(pair[0]), {"cells": set(), "relations": [], "of_which": []})["of_which"].append(pair)
    for cell in parent:
        blocks[root(cell)]["cells"].add(cell)
    return sorted(blocks.values(), key=lambda b: min(map(repr, b["cells"])))


def _linear_model(cells: Mapping[Key, float | None], relations: list[Relation]):
    """The relations as exact equations for `secrecy.protect`: a part counted with a weight
    below 1 enters through an unpublished share cell, and the whole part is the sum of its
    shares (what the linear test can express of a weighted sum)."""
    values = dict(cells)
    constraints: list[secrecy.Constraint[Key]] = []
    shares: dict[tuple[Key, Hashable], list[Key]] = {}
    for relation in relations:
        parts = []
        for part, weight in relation.parts:
            if weight == 1:
                parts.append(part)
            else:
                share = (*part[:1], "part", ":".join(map(str, part[1:])), ":".join(map(str, relation.total[1:])))
                values.setdefault(share, None)
                parts.append(share)
                shares.setdefault((part, relation.total[1]), []).append(share)
        constraints.append(secrecy.Constraint(relation.total, tuple(parts)))
    for (whole, _level), parts in sorted(shares.items(), key=repr):
        constraints.append(secrecy.Constraint(whole, tuple(sorted(parts, key=repr))))
    return values, constraints


def _complement(cell: Key, cells: Mapping[Key, float | None], masked: set[Key], relations: list[Relation],
                of_which: list[tuple[Key, Key]], threshold: int, protection: float) -> Key | None:
    """A published cell whose masking widens the cell's interval: one in a relation with it
    (else with a masked neighbour), big enough to protect it (the smallest such), else the
    biggest there is. Never a 0: a hidden 0 hides nothing."""
    groups = [(r.total, *(p for p, _ in r.parts)) for r in relations] + [tuple(pair) for pair in of_which]
    ring = {cell}
    need = required_width(_sensitive(cells, cell), threshold, protection)
    for _ in range(3):
        near = {other for group in groups if ring & set(group) for other in group}
        # the published cells above 0 (None is no value, NaN != NaN)
        positive = {k: v for k in near if k in cells and k not in masked
                    and (v := cells[k]) is not None and v == v and v > 0}
        candidates = sorted(positive, key=repr)
        if candidates:
            big = [k for k in candidates if positive[k] >= need]
            if big:
                return min(big, key=lambda k: (positive[k], repr(k)))
            return max(candidates, key=lambda k: (positive[k], repr(k)))
        ring = near | {k for k in near if k in masked}
    return None


def _sensitive(cells: Mapping[Key, float | None], cell: Key) -> float:
    """The value of a sensitive cell (a count from 1 to the threshold: never None)."""
    value = cells[cell]
    if value is None:
        raise ValueError(f"cellule sensible {cell!r} sans valeur")
    return value
