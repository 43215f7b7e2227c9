"""Rollback restores exactly what an import replaced; import → rollback → re-import gives
byte-identical query results; a rollback that would leave dangling rows is refused."""
from __future__ import annotations

import csv
import datetime as dt

import pytest

from tests.helpers import StoreReader
from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.rollback import rollback_import
from dashboard.settings import PROJECT_ROOT
from tests.helpers import snapshot

queries = StoreReader()

TODAY = dt.date(2026, 11, 24)
DEPT = Provenance(source="Département de la Seine-Saint-Denis (test)", licence="usage interne")
IMPORT_TABLES = ("import_record", "import_event")


def data_tables(engine) -> dict:
    """The store less the import log itself (which records the rollback)."""
    return {k: v for k, v in snapshot(engine).items() if k not in IMPORT_TABLES}


def results(engine) -> str:
    """What a reader sees, as CSV text: map queries at three levels for the touched figures."""
    queries.use(engine)
    parts = []
    for level in ("commune", "circonscription", "departement"):
        for day, geo in ((dt.date(2020, 12, 1), "COG2024"), (dt.date(2025, 3, 1), "COG2025")):
            parts.append(queries.values("rsa_foyers", level, "month", day, geo).to_csv(index=False))
        parts.append(queries.territories("COG2025", level).to_csv(index=False))
    return "\n".join(parts)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def grouping_file(tmp_path):
    """A département `territoires` file: the 13 laureate territories plus two test ones (a
    territoires file is the whole list of circonscriptions)."""
    with open(PROJECT_ROOT / "data/reference/ali_93_laureats_2022.csv", encoding="utf-8") as f:
        laureates = list(csv.DictReader(f))
    lines = ["code_circonscription;nom;communes;code_ali;porteur"]
    lines += [f"{r['ali_id']};{r['territoire']};{r['communes_insee_geo2024'].replace(';', ' ')};{r['ali_id']};{r['porteur_laureat']}"
              for r in laureates]
    lines += ["C-EST;Montreuil (test);93048;;", "C-NORD;Bobigny – Drancy (test);93008 93029;ALI-TEST;Association test"]
    return write(tmp_path, "circ.csv", "\n".join(lines) + "\n")


def test_rollback_restores_replaced_figures(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    before, seen = data_tables(engine), results(engine)
    path = write(tmp_path, "caf.csv", "Mois;Code commune;Foyers\n2020-12;93001;6000\n2025-03;93066;9000\n")
    outcome = import_file(engine, path, "allocataires", DEPT, raw_dir=raw, today=TODAY)
    after_import = results(engine)
    assert after_import != seen
    rollback_import(engine, outcome.import_id)
    assert data_tables(engine) == before
    assert results(engine) == seen
    # Re-importing the same bytes applies the same import again: identical results.
    again = import_file(engine, path, "allocataires", DEPT, raw_dir=raw, today=TODAY)
    assert again.import_id == outcome.import_id and not again.already_imported
    assert results(engine) == after_import


def test_rollback_of_a_middle_import_keeps_the_later_one(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    first = import_file(engine, write(tmp_path, "a.csv", "Mois;Code commune;Foyers\n2025-03;93001;100\n"),
                        "allocataires", DEPT, raw_dir=raw, today=TODAY)
    second = import_file(engine, write(tmp_path, "b.csv", "Mois;Code commune;Foyers\n2025-03;93001;200\n"),
                         "allocataires", DEPT, raw_dir=raw, today=TODAY)
    queries.use(engine)
    value = lambda: queries.values("rsa_foyers", "commune", "month", dt.date(2025, 3, 1), "COG2025") \
        .set_index("code").loc["93001", "value"]  # noqa: E731
    rollback_import(engine, first.import_id)
    assert value() == 200
    rollback_import(engine, second.import_id)
    assert queries.values("rsa_foyers", "commune", "month", dt.date(2025, 3, 1), "COG2025").empty


def test_rollback_of_a_territories_import_restores_the_grouping(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    before, seen = data_tables(engine), results(engine)
    grouping = import_file(engine, grouping_file(tmp_path), "territoires", DEPT, raw_dir=raw, today=TODAY,
                           options={"geography": "COG2024"})
    circs = queries.territories("COG2025", "circonscription").set_index("code")
    assert {"C-NORD", "C-EST", "ALI-2022-01"} <= set(circs.index)
    assert not {"NR-93008", "NR-93029", "NR-93048"} & set(circs.index)
    assert len(circs) == 13 + 2 + 12, sorted(circs.index)
    assert circs.loc["C-NORD", "attributes"]["communes"] == ["93008", "93029"]
    rollback_import(engine, grouping.import_id)
    assert data_tables(engine) == before
    assert results(engine) == seen


def test_rollback_refused_while_a_later_import_depends_on_it(loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    grouping = import_file(engine, grouping_file(tmp_path), "territoires", DEPT, raw_dir=raw, today=TODAY,
                           options={"geography": "COG2024"})
    activity = import_file(engine, write(tmp_path, "ali.csv",
                                         "Mois;Code ALI;File active;Entrées;Sorties emploi durable;"
                                         "Sorties emploi de transition;Sorties formation;Autres sorties\n"
                                         "2025-01;ALI-TEST;12;12;0;0;0;0\n"),
                           "ali_activite", DEPT, raw_dir=raw, today=TODAY)
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        rollback_import(engine, grouping.import_id)
    assert f"n° {activity.import_id}" in refused.value.problems[0].message()
    assert snapshot(engine) == before
    rollback_import(engine, activity.import_id)
    rollback_import(engine, grouping.import_id)
