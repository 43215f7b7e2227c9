"""An import killed with SIGKILL halfway through its writes leaves the store as it was, and
the next import goes through (no lock left behind)."""
from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap

from dashboard.ingest.importer import Provenance, import_file
from tests.helpers import snapshot

# The child imports the file, but its writer stops after half the figures, says so, and waits
# to be killed: the parent kills it with SIGKILL right there, mid-transaction.
CHILD = textwrap.dedent("""
    import sys, time, datetime as dt
    from pathlib import Path
    from dashboard.ingest import write
    from dashboard.ingest.importer import Provenance, import_file
    from dashboard.store import make_engine

    original = write.Writer.figures

    def halfway(self, rows):
        rows = list(rows)
        original(self, rows[: len(rows) // 2])
        self.session.flush()
        print("HALFWAY", flush=True)
        time.sleep(120)
        return original(self, rows[len(rows) // 2:])

    write.Writer.figures = halfway
    url, path, raw = sys.argv[1:4]
    import_file(make_engine(url), Path(path), "allocataires", Provenance(source="test", licence="test"),
                raw_dir=Path(raw), today=dt.date(2026, 11, 24))
""")


def allocataires_file(tmp_path):
    communes = ["93001", "93005", "93006", "93007", "93008", "93010", "93013", "93014", "93015", "93027"]
    lines = ["Mois;Code commune;Foyers"]
    for year in range(2021, 2025):
        for month in range(1, 13):
            lines += [f"{year}-{month:02d};{code};{100 + month}" for code in communes]
    path = tmp_path / "gros_fichier.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sigkill_halfway_leaves_the_store_unchanged(loaded_store, tmp_path):
    url, engine, raw = loaded_store
    path = allocataires_file(tmp_path)
    before = snapshot(engine)
    engine.dispose()
    child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(path), str(raw)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "HALFWAY", child.stderr.read()
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL
    assert snapshot(engine) == before
    # Nothing is locked: the same file imports fully now.
    outcome = import_file(engine, path, "allocataires", Provenance(source="test", licence="test"),
                          raw_dir=raw, today=dt.date(2026, 11, 24))
    assert outcome.summary["figures"] == 480
