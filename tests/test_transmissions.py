"""Transmissions (issue 17, first part): the partners declared in data/reference/transmissions.toml
and the months they sent, read from the store. On a fresh init every ALI and the CAF are listed;
a month removed is "manquant", then "en retard" once imported after its deadline."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from sqlalchemy import delete, select

from dashboard import transmissions
from dashboard.cli import main
from dashboard.ingest.importer import Provenance, import_file
from dashboard.store import make_engine, session_scope
from dashboard.store.models import Figure, Territory
from tests.helpers import initialised

COLUMNS = {"file_active": "ali_file_active", "entrees": "ali_entrees",
           "sorties_emploi_durable": "ali_sorties_emploi_durable",
           "sorties_emploi_transition": "ali_sorties_emploi_transition",
           "sorties_formation": "ali_sorties_formation", "sorties_autres": "ali_sorties_autres"}
JUNE = dt.date(2025, 6, 1)


def test_a_removed_month_is_missing_then_late_once_imported(tmp_path, monkeypatch, capsys):
    settings = initialised(tmp_path / "var")
    engine = make_engine(settings.database_url)
    monkeypatch.setenv("OBSERVATOIRE_VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["transmissions", "--csv"]) == 0
    listed = pd.read_csv(io.StringIO(capsys.readouterr().out), sep=";")
    assert sorted(listed["partenaire"].unique()) == [*[f"ALI-2022-{n:02d}" for n in range(1, 14)], "CAF"]
    # demo files were all imported at init: every month is late, none missing
    assert set(listed["statut"]) <= {"en retard", "attendu"}

    # June 2025 of ALI-2022-03 goes missing…
    with session_scope(engine) as session:
        circ = select(Territory.id).where(Territory.level == "circonscription", Territory.code == "ALI-2022-03")
        where = (Figure.period_start == JUNE, Figure.territory_id.in_(circ),
                 Figure.indicator_code.in_(list(COLUMNS.values())))
        values = {code: v for code, v in session.execute(select(Figure.indicator_code, Figure.value).where(*where))}
        session.execute(delete(Figure).where(*where))
    june = transmissions.grid(engine).set_index(["partenaire", "mois"]).loc[("ALI-2022-03", JUNE)]
    assert june["statut"] == "manquant"
    assert ("ALI-2022-03", JUNE) in set(zip(*transmissions.missing(transmissions.grid(engine))[["partenaire", "mois"]]
                                            .T.values))

    # …and comes back, imported today: late by the days since its deadline (15 July 2025)
    path = tmp_path / "ali_03_juin_2025.csv"
    path.write_text("Mois;Code ALI;" + ";".join(COLUMNS) + "\n2025-06;ALI-2022-03;"
                    + ";".join(str(int(values[c])) for c in COLUMNS.values()) + "\n", encoding="utf-8")
    import_file(engine, path, "ali_activite", Provenance(source="ALI test", licence="test"), raw_dir=tmp_path / "raw")
    june = transmissions.grid(engine).set_index(["partenaire", "mois"]).loc[("ALI-2022-03", JUNE)]
    assert june["statut"] == "en retard"
    assert june["jours_de_retard"] == (dt.date.today() - dt.date(2025, 7, 15)).days


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return make_engine(initialised(tmp_path_factory.mktemp("declared")).database_url)


def declare(tmp_path, text: str):
    path = tmp_path / "transmissions.toml"
    path.write_text(text, encoding="utf-8")
    return path


CAF = '[[partner]]\ncode = "CAF"\nname = "CAF"\nkind = "allocataires"\nindicator = "rsa_foyers"\n'


def test_a_quarterly_delivery_is_one_period_per_quarter(store, tmp_path):
    """Due the 20th of the month after the quarter; received when any month of it is."""
    path = declare(tmp_path, CAF + 'cadence = "quarterly"\ndeadline_day = 20\nfirst_month = "2025-02"\n')
    frame = transmissions.grid(store, dt.date(2026, 11, 29), path)
    assert list(frame["periode"].unique()) == ["quarter"]
    assert list(frame["mois"])[:3] == [dt.date(2025, 1, 1), dt.date(2025, 4, 1), dt.date(2025, 7, 1)]
    assert list(frame["echeance"])[:2] == [dt.date(2025, 4, 20), dt.date(2025, 7, 20)]
    # the demo CAF file, imported at init, holds every month until October 2026: the quarters
    # already due were received late, the one begun (October–December 2026) before its deadline
    assert list(frame["statut"])[-1] == "à l'heure" and set(frame["statut"][:-1]) == {"en retard"}
    assert len(frame) == 8


def test_declared_territories_narrow_what_counts(store, tmp_path):
    """A partner declared on one circonscription sees only the figures there."""
    path = declare(tmp_path, '[[partner]]\ncode = "X"\nname = "Une ALI"\nkind = "ali_activite"\n'
                   'indicator = "ali_file_active"\ndeadline_day = 15\nfirst_month = "2022-11"\n'
                   'territories = ["ALI-2022-03"]\n')
    frame = transmissions.grid(store, dt.date(2026, 11, 29), path)
    started = frame[frame["statut"] != "manquant"]["mois"].min()
    first = transmissions.grid(store, dt.date(2026, 11, 29))
    assert started == first[first["partenaire"] == "ALI-2022-03"]["mois"].min()
    assert set(frame[frame["mois"] < started]["statut"]) == {"manquant"}


@pytest.mark.parametrize("entry, said", [
    ('kind = "communes"\nindicator = "rsa_foyers"\ndeadline_day = 15', "type d'export inconnu 'communes'"),
    ('kind = "allocataires"\nindicator = "ali_file_active"\ndeadline_day = 15', "indicateur 'ali_file_active'"),
    ('kind = "allocataires"\nindicator = "rsa_foyers"\ndeadline_day = 31', "jour d'échéance 31"),
    ('kind = "allocataires"\nindicator = "rsa_foyers"\ndeadline_day = 15\ncadence = "weekly"', "cadence 'weekly'"),
    ('kind = "allocataires"\nindicator = "rsa_foyers"\ndeadline_day = 15\nfirst_month = "janvier"',
     "premier mois 'janvier'"),
])
def test_a_broken_declaration_is_refused_naming_the_entry(tmp_path, entry, said, capsys, monkeypatch):
    path = declare(tmp_path, f'[[partner]]\ncode = "P"\nname = "P"\n{entry}\n')
    with pytest.raises(transmissions.DeclarationError) as error:
        transmissions.declared(path)
    assert str(error.value).startswith("transmissions.toml, partenaire n° 1 (P) : ") and said in str(error.value)
