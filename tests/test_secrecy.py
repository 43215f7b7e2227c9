"""Statistical secrecy: worked examples, then properties over generated tables with many small
cells, checked against an independent floating-point oracle (SVD nullspace) as well as against
the module's own exact elimination."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.indicators.secrecy import Constraint, mask_rates, primary_mask, protect, recoverable

ROOT = Path(__file__).resolve().parents[1]


def oracle(values, constraints, masked):
    """Masked cells that every solution of the homogeneous system over the unknowns leaves at 0,
    i.e. whose value the published cells determine: the projection of e_i on the nullspace of the
    constraint matrix (columns: masked and unpublished cells) vanishes."""
    cells = {cell for c in constraints for cell in (c.total, *c.parts)}
    unknown = sorted((cell for cell in cells if cell in masked or values.get(cell) is None), key=repr)
    if not unknown or not constraints:
        return set()
    column = {cell: j for j, cell in enumerate(unknown)}
    matrix = np.zeros((len(constraints), len(unknown)))
    for row, c in enumerate(constraints):
        if c.total in column:
            matrix[row, column[c.total]] += 1
        for part in c.parts:
            if part in column:
                matrix[row, column[part]] -= 1
    _, singular, vt = np.linalg.svd(matrix)
    null = vt[int((singular > 1e-9).sum()):]
    return {cell for cell in unknown if cell in masked and np.linalg.norm(null[:, column[cell]]) < 1e-7}


# -- Examples ---------------------------------------------------------------------------------

def test_one_small_commune_masks_exactly_one_more():
    values = {"circo": 57, "a": 7, "b": 20, "c": 30}
    constraints = [Constraint("circo", ("a", "b", "c"))]
    assert protect(values, constraints) == {"a", "b"}  # the smallest other part, not the total
    assert recoverable(values, constraints, {"a"}) == {"a"}
    assert recoverable(values, constraints, {"a", "b"}) == set()


def test_zero_and_no_data_are_never_primary():
    values = {"zero": 0, "small": 5, "edge": 10, "big": 11, "none": None, "nan": float("nan"),
              "weighted": 0.4}
    assert primary_mask(values) == {"small", "edge", "weighted"}
    assert primary_mask(values, threshold=4) == {"weighted"}
    # A 0 part or an unpublished part leaks nothing when the rest is published.
    values = {"T": 50, "a": 0, "b": 20, "c": 30, "U": 50, "d": None, "e": 40}
    constraints = [Constraint("T", ("a", "b", "c")), Constraint("U", ("d", "e"))]
    assert protect(values, constraints) == set()


def test_unpublished_cells_count_as_unknowns_not_as_masks():
    # d is not published, so masking a leaves two unknowns in T = a + d + e: nothing leaks.
    values = {"T": 50, "a": 7, "d": None, "e": 30}
    constraints = [Constraint("T", ("a", "d", "e"))]
    assert protect(values, constraints) == {"a"}
    # A cell absent from `values` is unpublished too.
    assert protect({"T": 50, "a": 7}, [Constraint("T", ("a", "absent"))]) == {"a"}


def test_already_masked_is_honoured_and_protected():
    values = {"T": 100, "a": 50, "b": 30, "c": 20}
    constraints = [Constraint("T", ("a", "b", "c"))]
    assert protect(values, constraints, already_masked={"a"}) == {"a", "c"}


def test_total_masked_only_when_no_part_is_left():
    # T2 = x + y with both parts masked, and the same parts in T1: T1 leaks T2, only T1 can go.
    values = {"T1": 30, "T2": 30, "x": 15, "y": 15}
    constraints = [Constraint("T1", ("x", "y")), Constraint("T2", ("x", "y"))]
    assert recoverable(values, constraints, {"x", "y", "T2"}) == {"T2"}
    assert protect(values, constraints, already_masked={"x", "y", "T2"}) == {"x", "y", "T1", "T2"}


def test_rates_follow_their_numerator_and_denominator():
    rates = {"r1": ("n1", "d1"), "r2": ("n2", "d2"), "r3": ("n3", None), "r4": ("n4", "d4")}
    assert mask_rates(rates, {"n1", "d2", "d4", "other"}) == {"r1", "r2", "r4"}
    assert mask_rates(rates, set()) == set()


def test_leak_through_a_second_constraint_is_closed():
    # C has two masked parts (a primary, b its secondary), but F publishes b's complement.
    values = {"C": 39, "a": 7, "b": 12, "c": 20, "F": 27, "g": 15}
    constraints = [Constraint("C", ("a", "b", "c")), Constraint("F", ("b", "g"))]
    assert recoverable(values, constraints, {"a", "b"}) == {"a", "b"}
    assert protect(values, constraints) == {"a", "b", "g"}


def test_two_way_table_needs_a_rectangle():
    # Communes a, b by QPV / outside QPV, with the circonscription totals: one small cell costs
    # a 2 x 2 rectangle of masks.
    values = {("a", "q"): 4, ("a", "h"): 40, ("a", ""): 44,
              ("b", "q"): 25, ("b", "h"): 31, ("b", ""): 56,
              ("C", "q"): 29, ("C", "h"): 71, ("C", ""): 100}
    constraints = [Constraint((t, ""), ((t, "q"), (t, "h"))) for t in "abC"] + \
        [Constraint(("C", s), (("a", s), ("b", s))) for s in ("q", "h", "")]
    assert protect(values, constraints) == {("a", "q"), ("a", "h"), ("b", "q"), ("b", "h")}


def test_cells_forced_by_redundant_constraints_do_not_spread_masks():
    # T = a + b and T = a force b = 0 whatever is published: masking more would not hide it.
    values = {"T": 20, "a": 20, "b": 0}
    constraints = [Constraint("T", ("a", "b")), Constraint("T", ("a",))]
    assert recoverable(values, constraints, {"b", "T", "a"}) == {"b"}
    assert protect(values, constraints, already_masked={"b"}) == {"b"}


def test_keys_of_mixed_types():
    values = {("dep", None): 57, ("com", 1): 7, ("com", "2"): 20, 3: 30}
    constraints = [Constraint(("dep", None), (("com", 1), ("com", "2"), 3))]
    assert protect(values, constraints) == {("com", 1), ("com", "2")}


def test_same_output_whatever_the_hash_seed():
    program = (
        "from dashboard.indicators.secrecy import Constraint, protect\n"
        "values = {f'c{i}': v for i, v in enumerate([3, 12, 12, 5, 40, 12, 7, 12, 30])}\n"
        "values |= {'A': 32, 'B': 64, 'C': 49, 'D': 145}\n"
        "constraints = [Constraint('A', ('c0', 'c1', 'c2')), Constraint('B', ('c3', 'c4', 'c5', 'c6')),\n"
        "               Constraint('C', ('c7', 'c8', 'c6')), Constraint('D', ('A', 'B', 'c7', 'c8'))]\n"
        "print(sorted(protect(values, constraints)))\n")
    outputs = {subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True,
                              check=True, env=os.environ | {"PYTHONHASHSEED": seed}).stdout
               for seed in ("1", "2", "3")}
    assert len(outputs) == 1


# -- Properties over generated tables ------------------------------------------------------------

SMALL = st.one_of(st.integers(0, 12), st.integers(0, 30))  # half of the cells at most 12


@st.composite
def tables(draw):
    """A département of 1-4 circonscriptions of 1-4 communes, optionally crossed with QPV / outside
    QPV and with exits by type (plus all exits), every total published with its parts; some cells
    unpublished and some masked by the source. Keys: (indicator, territory, part of territory)."""
    sizes = draw(st.lists(st.integers(1, 4), min_size=1, max_size=4))
    circos = {f"C{i}": [f"C{i}-{j}" for j in range(n)] for i, n in enumerate(sizes)}
    communes = [commune for members in circos.values() for commune in members]
    types = ("emploi", "formation", "autre") if draw(st.booleans()) else ("n",)
    splits = ("qpv", "hors") if draw(st.booleans()) else ("",)
    leaves = {(t, commune, s): None for t in types for commune in communes for s in splits}
    for leaf, count in zip(leaves, draw(st.lists(SMALL, min_size=len(leaves), max_size=len(leaves)))):
        leaves[leaf] = count

    indicators = types + (("sorties",) if len(types) > 1 else ())
    parts = splits + (("",) if len(splits) > 1 else ())
    territories = {"D": communes} | circos | {commune: [commune] for commune in communes}
    values = {(i, t, s): sum(leaves[(leaf_type, commune, leaf_split)]
                             for leaf_type in (types if i == "sorties" else (i,))
                             for commune in territories[t]
                             for leaf_split in (splits if s == "" else (s,)))
              for i in indicators for t in territories for s in parts}

    constraints = []
    for i in indicators:
        for s in parts:
            constraints.append(Constraint((i, "D", s), tuple((i, c, s) for c in circos)))
            constraints += [Constraint((i, c, s), tuple((i, m, s) for m in members))
                            for c, members in circos.items()]
            if draw(st.booleans()):  # département = sum of communes too (redundant, as published)
                constraints.append(Constraint((i, "D", s), tuple((i, m, s) for m in communes)))
    if len(splits) > 1:
        constraints += [Constraint((i, t, ""), ((i, t, "qpv"), (i, t, "hors")))
                        for i in indicators for t in territories]
    if len(types) > 1:
        constraints += [Constraint(("sorties", t, s), tuple((i, t, s) for i in types))
                        for t in territories for s in parts]

    keys = sorted(values)
    for key in draw(st.sets(st.sampled_from(keys), max_size=3)):
        values[key] = None
    already = draw(st.sets(st.sampled_from(keys), max_size=2))
    return values, constraints, already


# No example database: the runs must not write into the repository.
FAST = settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(tables())
def test_protected_tables_leak_nothing(table):
    values, constraints, already = table
    masked = protect(values, constraints, already_masked=already)
    assert primary_mask(values) | already <= masked
    assert recoverable(values, constraints, masked) == set()
    assert oracle(values, constraints, masked) == set()
    assert all(values[key] is not None for key in masked - already)  # unpublished cells need no mask


@FAST
@given(tables())
def test_protect_is_deterministic(table):
    values, constraints, already = table
    masked = protect(values, constraints, already_masked=already)
    assert protect(values, constraints, already_masked=already) == masked
    shuffled = dict(reversed(values.items()))  # the order of the mapping does not matter either
    assert protect(shuffled, constraints, already_masked=list(already)) == masked


@settings(FAST, max_examples=15)
@given(st.lists(tables(), min_size=2, max_size=3))
def test_independent_departements_are_protected_independently(tables_):
    combined_values, combined_constraints, combined_already, expected = {}, [], set(), set()
    for number, (values, constraints, already) in enumerate(tables_):
        def rename(key, number=number):
            return (number, *key)

        values = {rename(k): v for k, v in values.items()}
        constraints = [Constraint(rename(c.total), tuple(map(rename, c.parts))) for c in constraints]
        already = set(map(rename, already))
        expected |= protect(values, constraints, already_masked=already)
        combined_values |= values
        combined_constraints += constraints
        combined_already |= already
    assert protect(combined_values, combined_constraints, already_masked=combined_already) == expected


@st.composite
def small_systems(draw):
    """Arbitrary constraints over at most 8 cells (parts may repeat or include the total),
    arbitrary values and masks: the exact elimination must agree with the oracle."""
    cells = [f"x{i}" for i in range(draw(st.integers(1, 8)))]
    constraints = [Constraint(draw(st.sampled_from(cells)), tuple(draw(st.lists(st.sampled_from(cells), max_size=5))))
                   for _ in range(draw(st.integers(0, 6)))]
    values = {cell: draw(st.one_of(st.none(), st.integers(0, 20))) for cell in cells if draw(st.booleans())}
    masked = draw(st.sets(st.sampled_from(cells)))
    return values, constraints, masked


@settings(FAST, max_examples=300)
@given(small_systems())
def test_recoverable_agrees_with_the_oracle(system):
    values, constraints, masked = system
    assert recoverable(values, constraints, masked) == oracle(values, constraints, masked)


@settings(FAST, max_examples=150)
@given(small_systems())
def test_protect_leaves_only_what_no_mask_can_hide(system):
    values, constraints, masked = system
    everything = {cell for c in constraints for cell in (c.total, *c.parts)}
    forced = oracle({}, constraints, everything)  # determined even with every cell unknown
    protected = protect(values, constraints, already_masked=masked)
    assert oracle(values, constraints, protected) <= forced
