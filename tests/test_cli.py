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
    assert "— importé (" not in second and second.count("— déjà importé") == first.count("— importé (") == 12
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
