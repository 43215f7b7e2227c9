"""Imports from the web app run in a child process: a crash or a runaway allocation becomes a
refusal naming the file, and the web worker lives on."""
from __future__ import annotations

import pytest

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.isolation import run_isolated
from tests.helpers import allocate, crash


def test_a_crash_in_the_child_is_a_refusal():
    with pytest.raises(ImportRefused) as refused:
        run_isolated(crash, file_name="bizarre.xlsx")
    problem = refused.value.problems[0]
    assert problem.file == "bizarre.xlsx" and "arrêté le lecteur" in problem.found


def test_memory_past_the_ceiling_is_a_refusal():
    with pytest.raises(ImportRefused) as refused:
        run_isolated(allocate, 8, file_name="enorme.xlsx")
    assert "épuisé la mémoire" in refused.value.problems[0].found


def test_results_and_refusals_come_back_as_they_are():
    assert run_isolated(sum, [1, 2, 3], file_name="f.csv") == 6
    with pytest.raises(ZeroDivisionError):
        run_isolated(divmod, 1, 0, file_name="f.csv")
