"""File shapes that once crashed or stalled the importer, each read and checked in a child
process, with its time and peak memory (`python bench/import_bench.py --shapes`).

- wide CSV: 24 rows with 3 000 (then 16 384) extra columns;
- a workbook (.xlsx, .ods, .xls) with one space left far from its table (Z1048576,
  XFD1048576, IV65536: Ctrl+End leftovers);
- a CSV whose stray quote never closes.
Targets: at most 10 s per MB and 1 GiB, a located refusal past the reader's limits, never a crash.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

COMMUNES = ("93001", "93005", "93006", "93007", "93008", "93010")


def wide_csv(path: Path, extra: int) -> None:
    header = "Mois;Code commune;Foyers;" + ";".join(f"Colonne {i}" for i in range(extra))
    rows = [f"2024-03;{c};{100 + i};" + ";".join("x" for _ in range(extra)) for i, c in enumerate(COMMUNES * 4)]
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")


def stray_cell_xlsx(path: Path, cell: str) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Mois", "Code commune", "Foyers"])
    for i, code in enumerate(COMMUNES):
        ws.append(["2024-03", code, 100 + i])
    ws[cell] = " "
    wb.save(path)


def _corpus():
    """The corpus's workbook builders (tests/files/corpus/make_corpus.py)."""
    import importlib.util

    where = Path(__file__).resolve().parents[1] / "tests" / "files" / "corpus" / "make_corpus.py"
    spec = importlib.util.spec_from_file_location("make_corpus", where)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def stray_cell_ods(path: Path, rows: int, cols: int) -> None:
    """A space `rows` rows under the table and `cols` columns right, as Calc writes blank areas."""
    corpus = _corpus()
    far = (f'<table:table-row table:number-rows-repeated="{rows}"><table:table-cell '
           f'table:number-columns-repeated="{cols}"/></table:table-row><table:table-row><table:table-cell '
           f'table:number-columns-repeated="{cols}"/><table:table-cell office:value-type="string"><text:p> </text:p>'
           '</table:table-cell></table:table-row>')
    path.write_bytes(corpus.ods(corpus._ods_rows(corpus.SIMPLE_ROWS) + far))


def stray_cell_xls(path: Path, row: int, col: int) -> None:
    corpus = _corpus()
    path.write_bytes(corpus.xls([*corpus.SIMPLE_CELLS, (row, col, " ")]))


def open_quote_csv(path: Path) -> None:
    rows = [f"2024-03;{c};{100 + i};Commune {i}" for i, c in enumerate(COMMUNES * 4)]
    rows[4] = rows[4].replace("Commune", '"Commune')
    path.write_text("Mois;Code commune;Foyers;Nom du territoire\n" + "\n".join(rows) + "\n", encoding="utf-8")


CASES = (
    ("CSV, 24 rows × 3 000 extra columns", "wide_3000.csv", lambda p: wide_csv(p, 3_000)),
    ("CSV, 24 rows × 16 384 extra columns", "wide_16384.csv", lambda p: wide_csv(p, 16_384)),
    ("XLSX, a space left in Z1048576", "stray_z.xlsx", lambda p: stray_cell_xlsx(p, "Z1048576")),
    ("XLSX, a space left in XFD1048576", "stray_xfd.xlsx", lambda p: stray_cell_xlsx(p, "XFD1048576")),
    ("ODS, a space 395 000 rows × 20 cols away", "stray_near.ods", lambda p: stray_cell_ods(p, 395_000, 19)),
    ("ODS, a space 1 048 570 × 1 000 away", "stray_far.ods", lambda p: stray_cell_ods(p, 1_048_570, 1_000)),
    ("XLS, a space left in IV65536", "stray_iv.xls", lambda p: stray_cell_xls(p, 65_535, 255)),
    ("XLS, a space left in Z65536", "stray_z.xls", lambda p: stray_cell_xls(p, 65_535, 25)),
    ("CSV, a quote never closed", "open_quote.csv", open_quote_csv),
)

CHILD = """
import json, sys, time
from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.kinds import KINDS
spec = KINDS["allocataires"]
t = time.perf_counter()
try:
    parsed = spec.parse(spec.read(sys.argv[1], sys.argv[1].rsplit("/", 1)[-1], {}), {})
    outcome = f"read: {len(parsed.frame)} rows, {len(parsed.problems)} problems"
except ImportRefused as refused:
    outcome = "refused: " + str(refused).splitlines()[0][:150]
print(json.dumps({"seconds": time.perf_counter() - t, "outcome": outcome}))
"""


def run(workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<40} {'size':>9} {'time':>8} {'peak RSS':>9}  outcome")
    for label, name, make in CASES:
        path = workdir / name
        make(path)
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True)
        _pid, status, usage = os.wait4(child.pid, 0)
        out = child.stdout.read()
        if status != 0 or not out.strip():
            result = {"seconds": float("nan"), "outcome": f"CRASHED (status {status})"}
        else:
            result = json.loads(out.strip().splitlines()[-1])
        print(f"{label:<40} {path.stat().st_size / 1024:7.0f} kB {result['seconds']:7.2f} s "
              f"{usage.ru_maxrss / 1024:6.0f} MiB  {result['outcome']}", flush=True)


if __name__ == "__main__":
    started = time.perf_counter()
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp/observatoire_bench/shapes"))
    print(f"total {time.perf_counter() - started:.1f} s")
