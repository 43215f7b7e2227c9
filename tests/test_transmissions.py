"""Transmissions (issue 17, first part): the partners declared in data/reference/transmissions.toml
and the months they sent, read from the store. On a fresh init every ALI and the CAF are listed;
a month removed is "manquant", then "en retard" once imported after its deadline."""
from __future__ import annotations

import datetime as dt
import io

import pandas as pd
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
