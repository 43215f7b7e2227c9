"""The console command: init is idempotent, errors are one sentence and no traceback."""
from __future__ import annotations

from dashboard.cli import main


def test_init_twice_then_list_imports(tmp_path, monkeypatch, capsys):
    tmp_path = tmp_path / "var"  # does not exist yet, as on a fresh clone
    monkeypatch.setenv("OBSERVATOIRE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["init"]) == 0
    first = capsys.readouterr().out
    assert "[communes            ] communes_93_cog2024.geojson — importé" in first
    assert main(["init"]) == 0
    second = capsys.readouterr().out
    assert "— importé (" not in second and second.count("— déjà importé") == first.count("— importé (") == 15
    assert main(["imports"]) == 0
    listing = capsys.readouterr().out
    assert "territoires" in listing and "ali_93_laureats_2022.csv" in listing
    assert "ali_activite_demo.xlsx" in listing and "[demo]" in listing
    assert (tmp_path / "observatoire.sqlite").exists()


def test_import_errors_are_one_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OBSERVATOIRE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["import", str(tmp_path / "absent.csv"), "--kind", "allocataires", "--source", "CAF"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Erreur : le fichier") and "Traceback" not in err
    bad = tmp_path / "vide.csv"
    bad.write_bytes(b"")
    assert main(["import", str(bad), "--kind", "allocataires", "--source", "CAF"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Import refusé (1 problème(s)) :") and "vide.csv" in err and "Traceback" not in err


def test_imports_show_and_rollback(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("OBSERVATOIRE_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert main(["init", "--no-demo"]) == 0
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n2025-03;93001;100\n", encoding="utf-8")
    assert main(["import", str(path), "--kind", "allocataires", "--source", "CAF test", "--dry-run"]) == 0
    assert "rien n'a été écrit" in capsys.readouterr().out
    assert main(["import", str(path), "--kind", "allocataires", "--source", "CAF test"]) == 0
    said = capsys.readouterr().out
    number = int(said.split("Import n° ")[1].split()[0])
    # a sentence, not a dict: what, how many rows and values, which months
    assert said == (f"Import n° {number} réalisé (Foyers allocataires du RSA par territoire et par mois (CAF)) : "
                    "1 ligne lue, 1 valeur enregistrée pour 1 indicateur, mars 2025.\n")
    assert main(["imports", "show", str(number)]) == 0
    shown = capsys.readouterr().out
    assert "SHA-256" in shown and "caf.csv" in shown and "applied" in shown
    # a partner's file is not reference data unless someone says so; a missing date is said
    assert "Fiabilité        : données partenaires, non vérifiées" in shown
    assert "Date des données : non renseignée" in shown and "None" not in shown
    assert main(["imports", "rollback", str(number)]) == 0
    assert f"Import n° {number} annulé" in capsys.readouterr().out
    assert main(["imports", "rollback", str(number)]) == 1
    assert "déjà annulé" in capsys.readouterr().err
    assert main(["imports", "show", str(number)]) == 0
    assert "rolled_back" in capsys.readouterr().out
