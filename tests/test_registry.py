"""Derived indicators: computed from the aggregated counts of their inputs, never by
averaging rates; each declaration is enough to make an indicator available."""
from __future__ import annotations

import datetime as dt

import pytest

from tests.helpers import StoreReader
from dashboard.indicators.registry import DERIVED, STORED
from dashboard.store import make_engine
from tests.helpers import initialised

queries = StoreReader()

OCT_2026, DEC_2020 = dt.date(2026, 10, 1), dt.date(2020, 12, 1)


@pytest.fixture
def demo_store(tmp_path):
    engine = make_engine(initialised(tmp_path).database_url)
    queries.use(engine)
    return engine


def value(indicator, level, day, geography, code):
    frame = queries.values(indicator, level, "month", day, geography).set_index("code")
    return frame.loc[code, "value"]


def test_every_indicator_is_declared_once():
    codes = [s.code for s in STORED] + [d.code for d in DERIVED]
    assert len(codes) == len(set(codes))
    stored = {s.code for s in STORED} | {d.code for d in DERIVED}
    for d in DERIVED:
        assert all(i in stored for i in (*d.parts, d.numerator, d.denominator) if i)


def test_rate_per_100_inhabitants_uses_the_nearest_population(demo_store):
    # December 2020 RSA households on COG2024 over the 2020 population of the same commune.
    assert value("rsa_foyers_pour_100_hab", "commune", DEC_2020, "COG2024", "93001") == pytest.approx(
        value("rsa_foyers", "commune", DEC_2020, "COG2024", "93001") / 89_401 * 100)


def test_ratios_of_coarser_levels_come_from_summed_counts(demo_store):
    followed = value("ali_file_active", "departement", OCT_2026, "COG2025", "93")
    households = value("rsa_foyers", "departement", OCT_2026, "COG2025", "93")
    assert value("ali_taux_couverture", "departement", OCT_2026, "COG2025", "93") == pytest.approx(
        followed / households * 100)
    by_circ = queries.values("ali_taux_couverture", "circonscription", "month", OCT_2026, "COG2025")
    assert not by_circ["value"].mean() == pytest.approx(followed / households * 100, rel=1e-9)


def test_all_exits_are_the_sum_of_the_four_types(demo_store):
    parts = sum(value(code, "circonscription", OCT_2026, "COG2025", "ALI-2022-05")
                for code in ("ali_sorties_emploi_durable", "ali_sorties_emploi_transition",
                             "ali_sorties_formation", "ali_sorties_autres"))
    assert value("ali_sorties", "circonscription", OCT_2026, "COG2025", "ALI-2022-05") == parts
    share = value("ali_part_sorties_emploi_durable", "circonscription", OCT_2026, "COG2025", "ALI-2022-05")
    assert share == pytest.approx(value("ali_sorties_emploi_durable", "circonscription", OCT_2026, "COG2025",
                                        "ALI-2022-05") / parts * 100)


def test_derived_indicators_are_offered_when_their_inputs_have_figures(demo_store):
    offered = set(queries.indicators()["code"])
    assert {"rsa_foyers_pour_100_hab", "ali_taux_couverture", "ali_sorties", "ali_part_qpv"} <= offered
    demo = queries.values("ali_taux_couverture", "circonscription", "month", OCT_2026, "COG2025")
    assert (demo["quality"] == "demo").all()
