"""The import transaction: every problem reported with its place, nothing written on refusal,
provenance and raw bytes kept, the same bytes recognised."""
from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from sqlalchemy import func, select

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.store import session_scope
from dashboard.store.models import Figure, Geography, ImportRecord
from tests.helpers import snapshot

CAF = Provenance(source="CAF de la Seine-Saint-Denis (test)", licence="usage interne")
TODAY = dt.date(2026, 11, 24)


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def test_refused_file_lists_every_problem_and_changes_nothing(reference_store, tmp_path):
    _url, engine, raw_dir = reference_store
    path = write(tmp_path, "caf_bad.csv",
                 "Mois;Code commune;Foyers\n"
                 "2024-01;93001;1 200\n"
                 "2024-01;93999;300\n"
                 "2024-01;93005;beaucoup\n"
                 "2031-01;93006;12\n"
                 "13/2024;93007;5\n")
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    messages = [p.message() for p in refused.value.problems]
    assert any("ligne 4, colonne « Foyers »" in m and "beaucoup" in m for m in messages)
    assert any("ligne 6, colonne « Mois »" in m and "13/2024" in m for m in messages)
    assert snapshot(engine) == before
    # Row rules run only once every cell is readable; fix the cells and they speak.
    path = write(tmp_path, "caf_bad2.csv",
                 "Mois;Code commune;Foyers\n2024-01;93001;1 200\n2024-01;93999;300\n2031-01;93006;12\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    messages = [p.message() for p in refused.value.problems]
    assert len(messages) == 2
    assert "caf_bad2.csv, ligne 3, colonne « Code commune » : trouvé « 93999 »" in messages[0]
    assert "ligne 4, colonne « Mois » : trouvé « 2031-01 »" in messages[1]
    assert snapshot(engine) == before


def test_personal_identifier_column_is_refused(reference_store, tmp_path):
    _url, engine, raw_dir = reference_store
    path = write(tmp_path, "caf_nominatif.csv", "Mois;Code commune;Foyers;NIR\n2024-01;93001;12;1850193001001\n")
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    [problem] = refused.value.problems
    assert (problem.line, problem.column) == (1, "NIR")
    assert "aucune donnée personnelle" in problem.message()
    assert snapshot(engine) == before


def test_import_keeps_raw_bytes_and_provenance(loaded_store, tmp_path):
    _url, engine, raw_dir = loaded_store
    text = "Période;CODGEO;Nb foyers\nmars 2024;93001;5\u00a0308\n03/2024;93066;12 001\n"
    path = write(tmp_path, "caf_mars.csv", text, encoding="cp1252")
    outcome = import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    assert not outcome.already_imported and outcome.summary["figures"] == 2
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert (raw_dir / f"{sha}.csv").read_bytes() == path.read_bytes()
    with session_scope(engine) as s:
        record = s.get(ImportRecord, outcome.import_id)
        assert (record.sha256, record.source, record.kind) == (sha, CAF.source, "allocataires")
        values = dict(s.execute(select(Figure.value, Figure.period_start).where(
            Figure.import_id == outcome.import_id)).all())
    assert values == {5308.0: dt.date(2024, 3, 1), 12001.0: dt.date(2024, 3, 1)}
    again = import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    assert again.already_imported and again.import_id == outcome.import_id


def test_reimport_supersedes_and_keeps_earlier_figures(loaded_store, tmp_path):
    _url, engine, raw_dir = loaded_store
    first = import_file(engine, write(tmp_path, "a.csv", "Mois;Code commune;Foyers\n2024-03;93001;100\n"),
                        "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    second = import_file(engine, write(tmp_path, "b.csv", "Mois;Code commune;Foyers\n2024-03;93001;110\n"),
                         "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    with session_scope(engine) as s:
        rows = s.execute(select(Figure.value, Figure.import_id, Figure.superseded_by).where(
            Figure.indicator_code == "rsa_foyers", Figure.period_start == dt.date(2024, 3, 1))).all()
        current = s.scalar(select(func.count()).select_from(Figure).where(
            Figure.indicator_code == "rsa_foyers", Figure.superseded_by.is_(None),
            Figure.period_start == dt.date(2024, 3, 1)))
    assert sorted(rows) == [(100.0, first.import_id, second.import_id), (110.0, second.import_id, None)]
    assert current == 1


def test_a_correction_is_checked_against_the_month_after_it(loaded_store, tmp_path):
    """Exits of a month ≤ previous file active + entries: a corrected January imported after
    February must not break February's rule (it was checked against December only)."""
    _url, engine, raw = loaded_store
    header = ("Mois;Code ALI;File active;Entrées;Sorties emploi durable;Sorties emploi de transition;"
              "Sorties formation;Autres sorties;Dont QPV")

    def send(name, *rows):
        path = tmp_path / name
        path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
        return import_file(engine, path, "ali_activite", Provenance(source="ALI", licence="test"), raw_dir=raw,
                           today=dt.date(2026, 11, 24))

    send("janvier.csv", "2025-01;ALI-2022-03;100;10;1;1;1;1;20")
    send("fevrier.csv", "2025-02;ALI-2022-03;30;5;40;20;20;10;10")  # 90 exits ≤ 100 + 5
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        send("janvier_corrige.csv", "2025-01;ALI-2022-03;50;10;1;1;1;1;20")
    problem = refused.value.problems[0]
    assert (problem.line, problem.column) == (2, "File active")
    assert "une file active d'au moins 85 : le mois suivant (02/2025), déjà importé, compte 90 sorties pour 5 " \
           "entrées" in problem.expected
    assert snapshot(engine) == before
    send("janvier_corrige_bis.csv", "2025-01;ALI-2022-03;95;10;1;1;1;1;20")  # 90 ≤ 95 + 5: accepted


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_filled_template_imports_and_speaks_as_a_person_writes(loaded_store, tmp_path, form):
    """The templates head their columns with the labels a person reads, list the other
    accepted headers with their accents, and a template filled in imports as it is."""
    from openpyxl import load_workbook

    from dashboard.ingest.templates import template_csv, template_xlsx

    _url, engine, raw_dir = loaded_store
    if form == "csv":
        text = template_csv("allocataires").decode("utf-8-sig")
        assert text.startswith("Mois;Code commune ou QPV;Foyers allocataires du RSA;")
        path = write(tmp_path, "modele.csv", text + "2024-03;93001;5308;;;;Aubervilliers\r\n")
    else:
        book = load_workbook(io.BytesIO(template_xlsx("allocataires")))
        notice = {row[0]: row[3] for row in book["Colonnes"].iter_rows(min_row=2, values_only=True)}
        assert "mois de référence" in notice["Mois"] and "période" in notice["Mois"]
        book["Données"].append(["2024-03", "93001", 5308, None, None, None, "Aubervilliers"])
        path = tmp_path / "modele.xlsx"
        book.save(path)
    outcome = import_file(engine, path, "allocataires", CAF, raw_dir=raw_dir, today=TODAY)
    assert outcome.summary["figures"] == 1 and outcome.warnings == []


def test_quality_warnings_let_the_file_through_and_are_kept(loaded_store, tmp_path):
    """A month-on-month jump beyond the indicator's tolerance and a series that restarts after
    a gap are warnings: the file is imported, and the warnings are kept on its record."""
    _url, engine, raw_dir = loaded_store

    def caf(name: str, rows: str):
        return import_file(engine, write(tmp_path, name, "Mois;Code commune;Foyers\n" + rows),
                           "allocataires", CAF, raw_dir=raw_dir, today=TODAY)

    assert caf("mars.csv", "2024-03;93001;5000\n2024-03;93005;4000\n").warnings == []
    april = caf("avril.csv", "2024-04;93001;5100\n2024-04;93005;5200\n")  # +2 %, then +30 %
    [jump] = april.warnings
    assert "ligne 3, colonne « Foyers » : trouvé « 5\u202f200 (+30\u00a0% depuis 03/2024 : 4\u202f000) »" in jump
    assert "au plus ±15\u00a0%" in jump
    july = caf("juillet.csv", "2024-07;93001;5150\n2024-07;93005;5210\n")
    assert [w.split(" : ", 1)[1] for w in july.warnings] == [
        f"trouvé « {code} », attendu une série continue : elle reprend en 07/2024 après une interruption "
        "(dernière valeur en 04/2024)." for code in ("93001", "93005")]
    with session_scope(engine) as s:
        record = s.get(ImportRecord, july.import_id)
        assert record.status == "applied" and record.summary["warnings"] == july.warnings
        assert s.scalar(select(func.count()).select_from(Figure).where(Figure.import_id == july.import_id)) == 2


@pytest.mark.parametrize("kind, text", [
    ("territoires", "code_circonscription;nom;communes\nC-EST;Montreuil (test);93048\n"),
    ("allocataires", "Mois;Code commune;Foyers\n2024-01;93001;1200\n2024-01;93005;300\n"),
])
def test_an_unknown_geography_option_refuses_the_import(loaded_store, tmp_path, kind, text):
    """An option `geography` naming no geography of the store (a typo in the manifest) refuses
    the file with one problem saying so, instead of failing halfway."""
    _url, engine, raw_dir = loaded_store
    before = snapshot(engine)
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, write(tmp_path, f"{kind}.csv", text), kind, CAF, raw_dir=raw_dir, today=TODAY,
                    options={"geography": "COG2042"})
    [problem] = refused.value.problems
    assert (problem.file, problem.line, problem.column, problem.found) == (f"{kind}.csv", None, None, "COG2042")
    assert problem.message() == (f"{kind}.csv : trouvé « COG2042 », attendu dans l'option « geography », le code "
                                 "d'une géographie chargée (import « communes »).")
    assert snapshot(engine) == before


def test_a_date_with_no_cog_in_force_refuses_the_import(loaded_store, tmp_path):
    """Structures are placed on the COG in force on the day of the import: a store with no
    commune geography for that day refuses the file, saying what is missing."""
    _url, engine, raw_dir = loaded_store
    with session_scope(engine) as s:
        s.get(Geography, "COG2024").valid_from = dt.date(2020, 1, 1)
    before = snapshot(engine)
    path = write(tmp_path, "structures.csv", "Nom;Type;Code commune\nChantier test;ACI;93001\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "structures", CAF, raw_dir=raw_dir, today=dt.date(2019, 6, 1))
    [problem] = refused.value.problems
    assert problem.message() == ("structures.csv : attendu une géographie communale (COG) en vigueur le 01/06/2019 : "
                                 "importer d'abord ses communes (import « communes »).")
    assert snapshot(engine) == before


def test_an_unknown_ali_is_refused_on_rows_per_commune_of_residence(loaded_store, tmp_path):
    """A row given per commune of residence is placed on the commune, but its ALI must still be
    one the store knows (it crashed on the flow rule, which reads the ALI's stored months)."""
    _url, engine, raw_dir = loaded_store
    before = snapshot(engine)
    path = write(tmp_path, "ali_communes.csv",
                 "Mois;Code ALI;Commune de résidence;File active;Entrées;Sorties emploi durable;"
                 "Sorties emploi transition;Sorties formation;Autres sorties\n"
                 "2024-01;ALI-INCONNUE;93001;12;3;1;0;0;1\n")
    with pytest.raises(ImportRefused) as refused:
        import_file(engine, path, "ali_activite", CAF, raw_dir=raw_dir, today=TODAY)
    [problem] = refused.value.problems
    assert problem.message() == ("ali_communes.csv, ligne 2, colonne « Code ALI » : trouvé « ALI-INCONNUE », "
                                 "attendu un code d'ALI connu (import « territoires »).")
    assert snapshot(engine) == before
