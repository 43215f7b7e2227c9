"""The demo dataset (data/demo/): reproducible byte for byte, and true to the export contract.

The files are read back as a partner's file would be (encoding, separator, French numbers,
Excel date cells), not taken from the generator's memory, so the rules are checked on the
bytes that ship. The last test imports them through the real importer on both backends.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import importlib.util
import io
import re
from collections import defaultdict
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "data" / "demo"
REFERENCE = ROOT / "data" / "reference"
LATEST = (2026, 10)
EXIT_COLUMNS = ("Sorties emploi durable", "Sorties emploi de transition", "Sorties formation qualifiante",
                "Autres sorties")
COHORT_STATUSES = ("Toujours suivis", "Sortis emploi durable", "Sortis emploi de transition", "Sortis formation",
                   "Autres sorties")


def load_generator():
    spec = importlib.util.spec_from_file_location("demo_generate", DEMO / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = load_generator()
FILES = [gen.ALLOCATAIRES_FILE, gen.ACTIVITE_FILE, gen.COHORTES_FILE, gen.OBJECTIFS_FILE]


def tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    before = tree_digest(REFERENCE)
    paths = gen.generate(out)
    assert [p.name for p in paths] == FILES
    assert tree_digest(REFERENCE) == before, "the generator must never modify the real reference data"
    return out


def month_key(ym: tuple[int, int]) -> int:
    return ym[0] * 12 + ym[1] - 1


# --- reading the files back ------------------------------------------------------------------------
def fr_int(text: str) -> int:
    assert re.fullmatch(r"\d{1,3}(\u00a0\d{3})*", text), f"French integer with U+00A0 expected: {text!r}"
    return int(text.replace("\u00a0", ""))


def read_allocataires(folder: Path) -> list[dict]:
    data = (folder / gen.ALLOCATAIRES_FILE).read_bytes()
    assert data.count(b"\r\n") == data.count(b"\n"), "CRLF line ends"
    text = data.decode("cp1252")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    out = []
    for r in rows:
        m, y = r["Mois"].split("/")
        out.append({"month": (int(y), int(m)), "code": r["Code commune"], "name": r["Libellé"],
                    "foyers": fr_int(r["Foyers RSA"]), "personnes": fr_int(r["Personnes couvertes"]),
                    "majores": fr_int(r["Foyers RSA majoré"])})
    return out


def read_activite(folder: Path) -> list[dict]:
    wb = load_workbook(folder / gen.ACTIVITE_FILE)
    assert wb.sheetnames == ["Activité"]
    ws = wb["Activité"]
    assert "DONNÉES DE DÉMONSTRATION" in ws["A1"].value
    assert any(str(rng).startswith("A1:") for rng in ws.merged_cells.ranges), "merged title cell"
    header = [c.value for c in ws[4]]
    assert header == gen.ACTIVITE_HEADER
    rows = []
    for cells in ws.iter_rows(min_row=5, values_only=True):
        row = dict(zip(header, cells))
        assert isinstance(row["Mois"], dt.datetime) and row["Mois"].day == 1, "months are Excel date cells"
        assert str(row["Code ALI"]).strip().lower() != "total"
        row["month"] = (row["Mois"].year, row["Mois"].month)
        rows.append(row)
    return rows


def read_cohortes(folder: Path) -> list[dict]:
    data = (folder / gen.COHORTES_FILE).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=","))
    assert list(rows[0]) == gen.COHORTES_HEADER
    for r in rows:
        for k in gen.COHORTES_HEADER[2:]:
            assert re.fullmatch(r"\d+", r[k]), (k, r[k])
            r[k] = int(r[k])
    return rows


def ali_codes() -> list[str]:
    with open(REFERENCE / "ali_93_laureats_2022.csv", encoding="utf-8", newline="") as f:
        return [r["ali_id"] for r in csv.DictReader(f)]


def communes(year: str) -> set[str]:
    with open(REFERENCE / "population_communes_93.csv", encoding="utf-8", newline="") as f:
        return {r["code_insee"] for r in csv.DictReader(f) if r["annee_population"] == year}


# --- reproducibility --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_regenerating_gives_the_committed_bytes(generated, name):
    committed = DEMO / name
    assert committed.exists(), f"{committed} is missing: run data/demo/generate.py"
    assert (generated / name).read_bytes() == committed.read_bytes(), \
        f"{name} differs from a fresh generation: run data/demo/generate.py and commit"


def test_generating_twice_is_byte_identical(generated, tmp_path):
    gen.generate(tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (generated / name).read_bytes()


def test_objectives_are_an_office_file_of_every_ali_and_year(generated):
    data = (generated / gen.OBJECTIFS_FILE).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\r\n") == data.count(b"\n")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == gen.OBJECTIFS_HEADER
    assert {(r["Année"], r["Code ALI"]) for r in rows} == {
        (str(y), f"ALI-2022-{i:02d}") for y in gen.OBJECTIFS_YEARS for i in range(1, 14)}
    for r in rows:
        assert re.fullmatch(r"(1[5-9]|2[0-5]),0", r["Part visée des sorties vers l'emploi durable (%)"])
        assert int(r["Places d'accompagnement"].replace("\u00a0", "")) % 10 == 0


def test_manifest_lists_the_demo_files_as_demo():
    import tomllib

    entries = tomllib.loads((DEMO / "manifest.toml").read_text(encoding="utf-8"))["import"]
    assert [(e["file"], e["kind"]) for e in entries] == [
        (f"data/demo/{gen.ALLOCATAIRES_FILE}", "allocataires"),
        (f"data/demo/{gen.ACTIVITE_FILE}", "ali_activite"),
        (f"data/demo/{gen.COHORTES_FILE}", "ali_cohortes"),
        (f"data/demo/{gen.OBJECTIFS_FILE}", "ali_objectifs")]
    for e in entries:
        assert e["source"] == "données de démonstration" and e["quality"] == "demo"
        assert e["licence"] == "Licence Ouverte / Etalab 2.0 (données fictives)"
        assert e["data_date"] and "pas" in e["caveats"] and "réel" in e["caveats"]
    assert entries[1]["options"] == {"sheet": "Activité"}


# --- allocataires -------------------------------------------------------------------------------------
def test_allocataires_geography_and_scale(generated):
    rows = read_allocataires(generated)
    cog2024, cog2025 = communes("2021"), communes("2023")
    assert len(cog2024) == 40 and len(cog2025) == 39 and "93059" not in cog2025
    by_month = defaultdict(dict)
    for r in rows:
        assert re.fullmatch(r"93\d{3}", r["code"]), f"commune code outside the 93: {r['code']}"
        assert r["code"] not in by_month[r["month"]], "one row per commune and month"
        by_month[r["month"]][r["code"]] = r
    months = sorted(by_month)
    assert months[0] == (2021, 1) and months[-1] == LATEST
    assert [month_key(m) for m in months] == list(range(month_key(months[0]), month_key(LATEST) + 1))
    for month, rows_of_month in by_month.items():
        expected = cog2024 if month <= (2024, 12) else cog2025
        assert set(rows_of_month) == expected, f"geography of {month}"
    # 2025: Saint-Denis carries Pierrefitte; the series has no break at the merger.
    dec, jan = by_month[(2024, 12)], by_month[(2025, 1)]
    before = dec["93066"]["foyers"] + dec["93059"]["foyers"]
    assert abs(jan["93066"]["foyers"] - before) / before < 0.03
    assert jan["93066"]["name"] == "Saint-Denis"
    # Scale: the real Dec-2020 IRIS sum is 82 655 (an under-count); the caseload was 85-90 000.
    for month, rows_of_month in by_month.items():
        total = sum(r["foyers"] for r in rows_of_month.values())
        assert 80_000 <= total <= 90_000, (month, total)
    for r in rows:
        assert r["foyers"] > 0
        assert 1.8 <= r["personnes"] / r["foyers"] <= 2.5
        assert 0.05 <= r["majores"] / r["foyers"] <= 0.14


def test_allocataires_start_from_the_scaled_real_values(generated):
    rows = {r["code"]: r for r in read_allocataires(generated) if r["month"] == (2021, 1)}
    with open(REFERENCE / "caf_rsa_communes_93_2016_2020_from_iris.csv", encoding="utf-8", newline="") as f:
        real = {r["commune"]: int(r["allocataires_rsa_ARSAS"]) for r in csv.DictReader(f) if r["annee_31dec"] == "2020"}
    for code, value in real.items():
        assert abs(rows[code]["foyers"] / (value * 85_000 / 82_655) - 1) < 0.03, code
    for code in gen.MISSING_COMMUNES:
        assert code not in real and rows[code]["foyers"] > 0


# --- ALI activity --------------------------------------------------------------------------------------
def test_ali_activite_contract_rules(generated):
    rows = read_activite(generated)
    codes = ali_codes()
    by_ali = defaultdict(list)
    for r in rows:
        assert r["Code ALI"] in codes
        for k in gen.ACTIVITE_HEADER[2:]:
            assert isinstance(r[k], int) and r[k] >= 0, (r["Code ALI"], r["month"], k, r[k])
        assert r["Dont résidant en QPV (file active)"] <= r["File active fin de mois"]
        by_ali[r["Code ALI"]].append(r)
    assert sorted(by_ali) == codes
    for code, series in by_ali.items():
        series.sort(key=lambda r: r["month"])
        first = series[0]["month"]
        assert (2023, 1) <= first <= (2023, 3), "demo starts between January and March 2023"
        assert series[-1]["month"] == LATEST
        assert [month_key(r["month"]) for r in series] == list(range(month_key(first), month_key(LATEST) + 1))
        previous = 0  # nobody is followed before the ALI's start
        for r in series:
            exits = sum(r[k] for k in EXIT_COLUMNS)
            assert exits <= previous + r["Entrées du mois"], (code, r["month"])
            assert r["File active fin de mois"] == previous + r["Entrées du mois"] - exits, (code, r["month"])
            previous = r["File active fin de mois"]
    total_last = sum(r["File active fin de mois"] for r in rows if r["month"] == LATEST)
    assert 7_000 <= total_last <= 12_000


def test_ali_activite_is_plausible(generated):
    rows = read_activite(generated)
    exits = {k: sum(r[k] for r in rows) for k in EXIT_COLUMNS}
    total = sum(exits.values())
    for k, share in zip(EXIT_COLUMNS, (0.18, 0.22, 0.15, 0.45)):
        assert abs(exits[k] / total - share) < 0.03, k
    qpv = sum(r["Dont résidant en QPV (file active)"] for r in rows) / sum(r["File active fin de mois"] for r in rows)
    assert 0.40 <= qpv <= 0.60
    # at cruising speed (the last 12 months) exits are close to entries
    recent = [r for r in rows if month_key(r["month"]) > month_key(LATEST) - 12]
    entries = sum(r["Entrées du mois"] for r in recent)
    assert abs(sum(r[k] for r in recent for k in EXIT_COLUMNS) / entries - 1) < 0.1
    assert 8_000 <= entries <= 10_500, "« plus de 9 000 allocataires » a year for the 13 ALIs"


# --- cohorts ---------------------------------------------------------------------------------------------
def test_ali_cohortes_contract_rules(generated):
    cohorts = read_cohortes(generated)
    monthly = read_activite(generated)
    entries_by_quarter = defaultdict(int)
    start = {}
    for r in monthly:
        (y, m) = r["month"]
        entries_by_quarter[(r["Code ALI"], f"{y}-T{(m - 1) // 3 + 1}")] += r["Entrées du mois"]
        start[r["Code ALI"]] = min(start.get(r["Code ALI"], r["month"]), r["month"])
    seen = set()
    latest_end = month_key(LATEST)
    for r in cohorts:
        code, quarter, horizon = r["Code ALI"], r["Trimestre d'entrée"], r["Horizon (mois)"]
        assert re.fullmatch(r"20\d\d-T[1-4]", quarter)
        assert horizon in (6, 12)
        assert (code, quarter, horizon) not in seen
        seen.add((code, quarter, horizon))
        year, q = int(quarter[:4]), int(quarter[-1])
        quarter_last = month_key((year, 3 * q))
        assert quarter_last + horizon <= latest_end, f"horizon not reached: {code} {quarter} {horizon}"
        assert sum(r[s] for s in COHORT_STATUSES) == r["Entrées"], (code, quarter, horizon)
        assert r["Entrées"] == entries_by_quarter[(code, quarter)], (code, quarter)
        assert r["Dont QPV"] <= r["Entrées"]
    # every reachable (ALI, quarter, horizon) is there, from the ALI's start quarter
    for code, (y, m) in start.items():
        q_last = month_key((y, 3 * ((m - 1) // 3 + 1)))
        while q_last + 6 <= latest_end:
            yq, mq = divmod(q_last, 12)
            quarter = f"{yq}-T{mq // 3 + 1}"
            for horizon in (6, 12):
                assert ((code, quarter, horizon) in seen) == (q_last + horizon <= latest_end), (code, quarter, horizon)
            q_last += 3
    # the same entries at both horizons; the 12-month situation follows the 6-month one
    pairs = defaultdict(dict)
    for r in cohorts:
        pairs[(r["Code ALI"], r["Trimestre d'entrée"])][r["Horizon (mois)"]] = r
    for both in pairs.values():
        if 12 in both:
            assert both[6]["Entrées"] == both[12]["Entrées"]
            assert both[12]["Toujours suivis"] <= both[6]["Toujours suivis"]
            for s in COHORT_STATUSES[1:]:
                assert both[12][s] >= both[6][s]


# --- through the real importer ----------------------------------------------------------------------------
def test_demo_files_import_cleanly(loaded_store):
    """The committed files and manifest go through the importer with nothing refused."""
    from dashboard.ingest.importer import import_file
    from dashboard.ingest.reference import entries
    from dashboard.store import session_scope
    from dashboard.store.models import ImportRecord

    _url, engine, raw_dir = loaded_store
    demo = list(entries(DEMO / "manifest.toml", ROOT))
    ids = []
    for entry in demo:
        outcome = import_file(engine, entry.file, entry.kind, entry.provenance, raw_dir=raw_dir,
                              options=entry.options, today=dt.date(2026, 11, 24))
        assert not outcome.already_imported
        ids.append(outcome.import_id)
    with session_scope(engine) as session:
        records = session.scalars(select(ImportRecord).where(ImportRecord.id.in_(ids)).order_by(ImportRecord.id)).all()
        assert [(r.kind, r.quality, r.source) for r in records] == [
            (k, "demo", "données de démonstration") for k in ("allocataires", "ali_activite", "ali_cohortes",
                                                               "ali_objectifs")]
        assert [r.row_count for r in records] == [2778, 585, 312, 52]
