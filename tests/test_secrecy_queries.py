"""Secrecy in the query layer, on both backends: small counts never leave it, and no masked
value can be derived from any combination of the published levels (linear check)."""
from __future__ import annotations

import datetime as dt
import random

from dashboard.indicators import secrecy
from tests.helpers import StoreReader, sum_links
from dashboard.ingest.importer import Provenance, import_file

queries = StoreReader()

MARCH_2025 = dt.date(2025, 3, 1)
LEVELS = ("commune", "circonscription", "ept", "departement")


def test_no_small_count_and_nothing_recoverable(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    queries.use(engine)
    frame = queries.territories("COG2025", "commune")
    rng = random.Random(93)
    # Many small cells (0 to 30) and a few large ones: the hard case for secondary secrecy.
    rows = [f"2025-03;{code};{rng.choice([0, 1, 3, 7, 9, 12, 15, 30, 450])}" for code in frame["code"]]
    path = tmp_path / "caf_petits.csv"
    path.write_text("Mois;Code commune;Foyers\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                today=dt.date(2026, 11, 24))
    published: dict[tuple[str, str], float | None] = {}
    masked: set[tuple[str, str]] = set()
    for level in LEVELS:
        out = queries.values("rsa_foyers", level, "month", MARCH_2025, "COG2025")
        for code, value, flag in zip(out["code"], out["value"], out["flag"]):
            if flag == "secret":
                assert value is None or value != value  # shown as "s", never as a number
                masked.add((level, code))
            else:
                assert value is not None and not 1 <= value <= 10, (level, code, value)
            published[(level, code)] = None if flag == "secret" else value
    assert masked, "the data has small counts: something must be masked"
    # An attacker knows every published value and every sum relation between levels.
    true_values = {k: v for k, v in published.items()}
    constraints = [secrecy.Constraint(t, p) for t, p in sum_links(queries.engine, "COG2025")]
    assert secrecy.recoverable(true_values, constraints, masked) == set()


def test_rates_built_on_a_masked_count_are_masked(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    queries.use(engine)
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n2025-03;93001;4\n2025-03;93005;2000\n", encoding="utf-8")
    import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                today=dt.date(2026, 11, 24))
    rate = queries.values("rsa_foyers_pour_100_hab", "commune", "month", MARCH_2025, "COG2025").set_index("code")
    assert rate.loc["93001", "flag"] == "secret" and rate.loc["93001", "value"] != rate.loc["93001", "value"]
    assert rate.loc["93005", "value"] > 0
    # Population is a public figure: never masked, however small.
    population = queries.values("population", "commune", "year", dt.date(2023, 1, 1), "COG2025")
    assert population["flag"].isna().all()


def test_a_commune_split_between_two_territories_does_not_leak(loaded_store, tmp_path):
    """2025: Saint-Denis is shared by two ALI territories with known weights. Stains (7) is
    masked; without the share equations, ALI-2022-01 − 0.226 × Saint-Denis would give it away."""
    _url, engine, raw = loaded_store
    queries.use(engine)
    codes = queries.territories("COG2025", "commune")["code"]
    rows = [f"2025-03;{code};{7 if code == '93072' else 450}" for code in codes]
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                today=dt.date(2026, 11, 24))
    published, masked = {}, set()
    for level in LEVELS:
        out = queries.values("rsa_foyers", level, "month", MARCH_2025, "COG2025")
        for code, value, flag in zip(out["code"], out["value"], out["flag"]):
            published[(level, code)] = None if flag == "secret" else value
            if flag == "secret":
                masked.add((level, code))
    assert ("commune", "93072") in masked
    constraints = [secrecy.Constraint(t, p) for t, p in sum_links(queries.engine, "COG2025")]
    assert any(t[0] == "commune" and t[1] == "93066" for t, _ in sum_links(queries.engine, "COG2025"))
    assert secrecy.recoverable(published, constraints, masked) == set()


def test_ali_figures_sum_over_circonscriptions_without_leaking(loaded_store, tmp_path):
    """ALI activity is given per circonscription; those without an ALI are known zeros, so the
    département total and the other ALIs must not give a masked ALI away."""
    _url, engine, raw = loaded_store
    queries.use(engine)
    header = ("Mois;Code ALI;File active;Entrées;Sorties emploi durable;Sorties emploi de transition;"
              "Sorties formation;Autres sorties")
    rows = [f"2025-01;ALI-2022-{n:02d};{5 if n == 3 else 200};{5 if n == 3 else 200};0;0;0;0" for n in range(1, 14)]
    path = tmp_path / "ali.csv"
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    import_file(engine, path, "ali_activite", Provenance(source="test", licence="test"), raw_dir=raw,
                today=dt.date(2026, 11, 24))
    published, masked = {}, set()
    for level in ("circonscription", "departement"):
        out = queries.values("ali_file_active", level, "month", dt.date(2025, 1, 1), "COG2025")
        for code, value, flag in zip(out["code"], out["value"], out["flag"]):
            published[(level, code)] = None if flag == "secret" else value
            if flag == "secret":
                masked.add((level, code))
    assert ("circonscription", "ALI-2022-03") in masked
    for code in queries.territories("COG2025", "circonscription")["code"]:
        published.setdefault(("circonscription", code), 0.0)  # no ALI: the reader knows it is 0
    constraints = [secrecy.Constraint(t, p) for t, p in sum_links(queries.engine, "COG2025")]
    assert secrecy.recoverable(published, constraints, masked) == set()


def test_small_counts_of_a_level_outside_the_hierarchy_are_masked(loaded_store, tmp_path):
    """QPVs are in no sum of the hierarchy, but their small counts are masked all the same."""
    _url, engine, raw = loaded_store
    queries.use(engine)
    qpvs = queries.territories("QPV2015", "qpv")["code"].tolist()[:3]
    path = tmp_path / "caf_qpv.csv"
    rows = "".join(f"2022-06;{code};{n}\n" for code, n in zip(qpvs, (4, 250, 0)))
    path.write_text("Mois;Code territoire;Foyers\n" + rows, encoding="utf-8")
    import_file(engine, path, "allocataires", Provenance(source="test", licence="test"), raw_dir=raw,
                today=dt.date(2026, 11, 24))
    assert queries.geography_of("rsa_foyers", "month", dt.date(2022, 6, 1)) == "QPV2015"
    out = queries.values("rsa_foyers", "qpv", "month", dt.date(2022, 6, 1), "QPV2015").set_index("code")
    assert out.loc[qpvs[0], "flag"] == "secret"
    assert (out.loc[qpvs[1], "value"], out.loc[qpvs[2], "value"]) == (250, 0)
