"""Structure counts and densities: the `structures` import writes a count per commune and group
(zeros included) for the year of the list; densities are ratios of the registry; a new list
supersedes the counts and a rollback brings them back."""
from __future__ import annotations

import datetime as dt

from tests.helpers import StoreReader
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.rollback import rollback_import

queries = StoreReader()

YEAR = dt.date(2026, 1, 1)
HEADER = "nom;type;code_commune;date_fermeture\n"


def import_structures(engine, raw, path, lines):
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return import_file(engine, path, "structures", Provenance(source="test", licence="test"), raw_dir=raw,
                       options={"year": 2026}, today=dt.date(2026, 11, 24))


def counts(indicator, level="commune"):
    frame = queries.values(indicator, level, "year", YEAR, "COG2025")
    return dict(zip(frame["code"], frame["value"]))


def test_counts_per_commune_and_group_with_zeros(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    queries.use(engine)
    import_structures(engine, raw, tmp_path / "a.csv", [
        "Chantier A;ACI;93001;", "Entreprise B;EI;93001;", "Mission locale C;ML;93048;",
        "Ancienne D;ACI;93048;2026-03-31",   # closed before the end of the year: not counted
        "Tiers-lieu E;TIERS_LIEUX;93059;",   # Pierrefitte, a commune déléguée of Saint-Denis in 2025
    ])
    total, siae = counts("structures"), counts("structures_siae")
    assert len(total) == 39 and sum(v == 0 for v in total.values()) == 36
    assert (total["93001"], total["93048"], total["93066"]) == (2, 1, 1)
    assert (siae["93001"], siae["93048"]) == (2, 0)
    assert counts("structures_ml")["93048"] == 1 and counts("structures_tiers_lieux")["93066"] == 1
    assert counts("structures", "departement") == {"93": 4}
    # Public figures: a count of establishments is never masked, however small.
    assert queries.values("structures", "commune", "year", YEAR, "COG2025")["flag"].isna().all()
    # A density is the count over the population of the nearest year (2023 on COG2025), × 10 000.
    population = queries.values("population", "commune", "year", dt.date(2023, 1, 1), "COG2025").set_index("code")
    density = queries.values("structures_pour_10000_hab", "commune", "year", YEAR, "COG2025").set_index("code")
    assert density.loc["93001", "value"] == 2 / population.loc["93001", "value"] * 10_000
    department = queries.values("structures_siae_pour_10000_hab", "departement", "year", YEAR, "COG2025")
    assert department["value"].iloc[0] == 2 / population["value"].sum() * 10_000


def test_a_new_list_supersedes_the_counts_and_rollback_restores_them(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    queries.use(engine)
    import_structures(engine, raw, tmp_path / "a.csv", ["Chantier A;ACI;93001;", "Entreprise B;EI;93001;"])
    second = import_structures(engine, raw, tmp_path / "b.csv", ["Chantier A;ACI;93005;"])
    assert (counts("structures")["93001"], counts("structures")["93005"]) == (0, 1)
    rollback_import(engine, second.import_id)
    assert (counts("structures")["93001"], counts("structures")["93005"]) == (2, 0)
