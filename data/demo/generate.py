"""Generate the observatory's DEMO dataset (« données de démonstration ») — fictitious figures.

Real figures of ALI activity and outcomes, and monthly CAF counts after 2020, are not public.
This script writes plausible, clearly labelled demo files in the partners' export formats, so
the app can be shown and tested through the very same importer as real files. Nothing here is
a real figure: the series are *scaled on* real public data (data/reference/, read only) and
then generated with a fixed seed.

    /work/venv/bin/python data/demo/generate.py [OUT_DIR]     # default: data/demo/

Only the standard library, numpy and openpyxl are used; no network. Every run writes
byte-identical files (fixed seed, fixed XLSX metadata and zip timestamps, explicit line ends).
See data/demo/README.md for how each series is derived.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
REFERENCE = ROOT / "data" / "reference"

SEED = 2022
FIRST_MONTH = (2021, 1)
LATEST_MONTH = (2026, 10)  # the demo's "latest month"
COG2025_FROM = (2025, 1)  # from this month, 93059 Pierrefitte-sur-Seine is part of 93066 Saint-Denis
MERGED = {"93059": "93066"}

ALLOCATAIRES_FILE = "allocataires_demo_2021-01_2026-10.csv"
ACTIVITE_FILE = "ali_activite_demo.xlsx"
COHORTES_FILE = "ali_cohortes_demo.csv"
OBJECTIFS_FILE = "ali_objectifs_demo.csv"

# --- CAF scale -------------------------------------------------------------------------------
# The IRIS sum of Dec 2020 (82 655 households, 36 communes) under-counts the caseload (domiciled
# households and secret IRIS excluded); the département counted about 85 000-90 000 households
# in 2020-2021. Each commune's Dec-2020 value is scaled by 85 000 / 82 655.
IRIS_SUM_2020 = 82_655
CASELOAD_2020 = 85_000
MISSING_COMMUNES = ("93015", "93033", "93039", "93074")  # not split into IRIS: absent from the CAF data

# Département trend of RSA households, relative to Dec 2020 (demo shape: a 2021 plateau after the
# Covid rise, a decline in 2022-2023, then a slow erosion). Interpolated, then smoothed.
TREND_ANCHORS = [((2020, 12), 1.000), ((2021, 6), 1.018), ((2021, 12), 1.015), ((2022, 12), 0.990),
                 ((2023, 12), 0.972), ((2024, 12), 0.965), ((2025, 12), 0.958), ((2026, 10), 0.953)]
PERSONS_PER_HOUSEHOLD = 2.1
MAJORE_SHARE = 0.09

# --- ALI ---------------------------------------------------------------------------------------
# Annual capacity (people entering per year at cruising speed ≈ file active at cruise) per RSA
# household of the ALI's territory: 0.175 gives Saint-Denis ≈ 1 300 (published: 1 200 a year)
# and the 13 ALIs ≈ 9 250 together (published: « plus de 9 000 allocataires »).
CAPACITY_PER_HOUSEHOLD = 0.175
# Demo start months (published plan: openings between January and March 2023). Two follow the
# published hints (Clichy-sous-Bois installed Feb 2023; Saint-Denis began accompaniments in
# March-April 2023); the others are spread January / February / March in code order.
START_HINTS = {"ALI-2022-05": (2023, 3), "ALI-2022-11": (2023, 2)}
# Follow-up of 12 months renewable once: monthly exit hazard in the first year, probability of
# not renewing at 12 months, hazard in the second year, every follow-up ends at 24 months.
HAZARD_YEAR1 = 0.04
NOT_RENEWED_AT_12 = 0.50
HAZARD_YEAR2 = 0.07
EXIT_TYPES = ("durable", "transition", "formation", "autres")
EXIT_SHARES = (0.18, 0.22, 0.15, 0.45)
QPV_SHARE_RANGE = (0.40, 0.60)
SEASON = {1: 1.10, 2: 1.05, 3: 1.05, 4: 1.00, 5: 0.95, 6: 1.00, 7: 0.85, 8: 0.55, 9: 1.20,
          10: 1.15, 11: 1.05, 12: 0.85}  # orientations dip in summer and at Christmas

ACTIVITE_TITLE = "Agences locales d'insertion — activité mensuelle (DONNÉES DE DÉMONSTRATION)"
ACTIVITE_HEADER = ["Mois", "Code ALI", "File active fin de mois", "Entrées du mois", "Sorties emploi durable",
                   "Sorties emploi de transition", "Sorties formation qualifiante", "Autres sorties",
                   "Dont résidant en QPV (file active)"]
ALLOCATAIRES_HEADER = ["Mois", "Code commune", "Libellé", "Foyers RSA", "Personnes couvertes", "Foyers RSA majoré"]
COHORTES_HEADER = ["Code ALI", "Trimestre d'entrée", "Horizon (mois)", "Entrées", "Toujours suivis",
                   "Sortis emploi durable", "Sortis emploi de transition", "Sortis formation", "Autres sorties",
                   "Dont QPV"]
HORIZONS = (6, 12)

FIXED_TIME = dt.datetime(2026, 11, 1, 0, 0, 0)  # XLSX core properties and zip entry dates


# --- months ------------------------------------------------------------------------------------
def month_index(ym: tuple[int, int]) -> int:
    return ym[0] * 12 + ym[1] - 1


def month_of(index: int) -> tuple[int, int]:
    return index // 12, index % 12 + 1


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    return [month_of(i) for i in range(month_index(first), month_index(last) + 1)]


# --- reference data (read only) ------------------------------------------------------------------
def _read_csv(name: str) -> list[dict[str, str]]:
    with open(REFERENCE / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def reference() -> dict:
    caf = {r["commune"]: int(r["allocataires_rsa_ARSAS"])
           for r in _read_csv("caf_rsa_communes_93_2016_2020_from_iris.csv") if r["annee_31dec"] == "2020"}
    population = _read_csv("population_communes_93.csv")
    pop2021 = {r["code_insee"]: int(r["population_municipale"]) for r in population if r["annee_population"] == "2021"}
    names2024 = {r["code_insee"]: r["nom"] for r in population if r["annee_population"] == "2021"}
    names2025 = {r["code_insee"]: r["nom"] for r in population if r["annee_population"] == "2023"}
    alis = [(r["ali_id"], r["communes_insee_geo2024"].split(";")) for r in _read_csv("ali_93_laureats_2022.csv")]
    assert sum(caf.values()) == IRIS_SUM_2020 and len(pop2021) == 40 and len(names2025) == 39
    return {"caf": caf, "pop2021": pop2021, "names2024": names2024, "names2025": names2025, "alis": alis}


def start_households(ref: dict) -> dict[str, float]:
    """Dec-2020 RSA households per commune (COG 2024), on the département's caseload scale."""
    scale = CASELOAD_2020 / IRIS_SUM_2020
    start = {code: n * scale for code, n in ref["caf"].items()}
    # The 4 communes absent from the IRIS data: the département's households per inhabitant
    # (scaled households of the 36 communes / their 2021 population) × their 2021 population.
    rate = sum(start.values()) / sum(ref["pop2021"][c] for c in start)
    for code in MISSING_COMMUNES:
        start[code] = rate * ref["pop2021"][code]
    return dict(sorted(start.items()))


# --- allocataires --------------------------------------------------------------------------------
def trend() -> np.ndarray:
    """Département factor for each month from Dec 2020 to LATEST_MONTH (index 0 = Dec 2020)."""
    x = [month_index(ym) - month_index((2020, 12)) for ym, _ in TREND_ANCHORS]
    n = month_index(LATEST_MONTH) - month_index((2020, 12)) + 1
    raw = np.interp(np.arange(n), x, [v for _, v in TREND_ANCHORS])
    padded = np.concatenate([np.full(2, raw[0]), raw, np.full(2, raw[-1])])
    return np.convolve(padded, np.ones(5) / 5, mode="valid")


def allocataires_series(ref: dict, rng: np.random.Generator) -> dict[str, dict[str, np.ndarray]]:
    """Monthly households, persons covered and majorés per COG-2024 commune, 2021-01..LATEST."""
    start = start_households(ref)
    factor = trend()[1:]  # from Jan 2021
    n = len(factor)
    years = np.arange(1, n + 1) / 12
    series = {}
    for code, s in start.items():
        slope = rng.normal(0, 0.004)  # the commune's own drift, log per year
        noise = np.empty(n)
        e = 0.0
        for t in range(n):  # AR(1): small, smooth month-to-month noise
            e = 0.6 * e + rng.normal(0, 0.0025)
            noise[t] = e
        foyers = np.rint(s * factor * np.exp(slope * years + noise)).astype(np.int64)
        persons_ratio = PERSONS_PER_HOUSEHOLD * np.exp(rng.normal(0, 0.04))
        majore_share = MAJORE_SHARE * np.exp(rng.normal(0, 0.10))
        personnes = np.rint(foyers * persons_ratio * (1 + rng.normal(0, 0.004, n))).astype(np.int64)
        majores = np.rint(foyers * majore_share * (1 + rng.normal(0, 0.02, n))).astype(np.int64)
        series[code] = {"foyers": foyers, "personnes": personnes, "majores": majores}
    return series


def allocataires_rows(ref: dict, series: dict) -> list[tuple]:
    """(month, code, name, foyers, personnes, majorés) in the geography in force each month."""
    rows = []
    for t, ym in enumerate(months(FIRST_MONTH, LATEST_MONTH)):
        if ym < COG2025_FROM:
            for code in sorted(series):
                s = series[code]
                rows.append((ym, code, ref["names2024"][code], int(s["foyers"][t]), int(s["personnes"][t]),
                             int(s["majores"][t])))
        else:
            merged: dict[str, list[int]] = {}
            for code in sorted(series):
                s = series[code]
                target = MERGED.get(code, code)
                acc = merged.setdefault(target, [0, 0, 0])
                for i, key in enumerate(("foyers", "personnes", "majores")):
                    acc[i] += int(s[key][t])
            for code in sorted(merged):
                rows.append((ym, code, ref["names2025"][code], *merged[code]))
    return rows


def fr_int(n: int) -> str:
    """12 345 with a no-break space (U+00A0) as thousands separator (the CAF export's quirk)."""
    return f"{n:,}".replace(",", "\u00a0")


def write_allocataires(path: Path, rows: list[tuple]) -> None:
    lines = [";".join(ALLOCATAIRES_HEADER)]
    for (y, m), code, name, foyers, personnes, majores in rows:
        lines.append(";".join([f"{m:02d}/{y}", code, name, fr_int(foyers), fr_int(personnes), fr_int(majores)]))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


# --- ALI -----------------------------------------------------------------------------------------
def start_months(alis: list[tuple[str, list[str]]]) -> dict[str, tuple[int, int]]:
    starts, spread = {}, 0
    for code, _ in alis:
        if code in START_HINTS:
            starts[code] = START_HINTS[code]
        else:
            starts[code] = (2023, 1 + spread % 3)
            spread += 1
    return starts


def duration_distribution() -> np.ndarray:
    """P(follow-up lasts d months), d = 1..24 (index 0 unused)."""
    p, alive = np.zeros(25), 1.0
    for d in range(1, 25):
        if d < 12:
            q = HAZARD_YEAR1
        elif d == 12:
            q = HAZARD_YEAR1 + (1 - HAZARD_YEAR1) * NOT_RENEWED_AT_12
        elif d < 24:
            q = HAZARD_YEAR2
        else:
            q = 1.0
        p[d], alive = alive * q, alive * (1 - q)
    return p


def ramp(t: int) -> float:
    """Entries relative to cruise, t months after the ALI's start: a slow first month, a wave of
    orientations while the file active is built (≈ 12 months), then the cruising speed."""
    if t == 0:
        return 0.8
    if t <= 6:
        return 1.6
    if t <= 9:
        return 1.6 - 0.6 * (t - 6) / 3
    return 1.0


def simulate_alis(ref: dict, series: dict, rng: np.random.Generator) -> dict[str, dict]:
    """Simulate people (entry month, follow-up length, exit type, QPV) for each ALI.

    Monthly activity and cohorts are both counted from the same simulated people, so they agree,
    the stock identity holds and exits never exceed the previous file active plus entries."""
    start = start_households(ref)
    starts = start_months(ref["alis"])
    rates = {code: sum(start[c] for c in communes) / sum(ref["pop2021"][c] for c in communes)
             for code, communes in ref["alis"]}
    low, high = min(rates.values()), max(rates.values())
    p_duration = duration_distribution()
    last = month_index(LATEST_MONTH)
    out = {}
    for code, communes in ref["alis"]:
        households = sum(start[c] for c in communes)
        capacity = CAPACITY_PER_HOUSEHOLD * households
        qpv_share = QPV_SHARE_RANGE[0] + (QPV_SHARE_RANGE[1] - QPV_SHARE_RANGE[0]) * (rates[code] - low) / (high - low)
        first = month_index(starts[code])
        entry, duration, kind, qpv = [], [], [], []
        for m in range(first, last + 1):
            n = int(rng.poisson(capacity / 12 * ramp(m - first) * SEASON[month_of(m)[1]]))
            entry.append(np.full(n, m))
            duration.append(rng.choice(25, size=n, p=p_duration))
            kind.append(rng.choice(4, size=n, p=EXIT_SHARES))
            qpv.append(rng.random(n) < qpv_share)
        entry = np.concatenate(entry)
        people = {"entry": entry, "exit": entry + np.concatenate(duration), "kind": np.concatenate(kind),
                  "qpv": np.concatenate(qpv)}
        out[code] = {"start": starts[code], "capacity": capacity, "qpv_share": qpv_share, "people": people,
                     "monthly": monthly_activity(people, first, last)}
    return out


def monthly_activity(people: dict, first: int, last: int) -> list[dict]:
    rows = []
    for m in range(first, last + 1):
        active = (people["entry"] <= m) & (people["exit"] > m)
        exits = people["exit"] == m
        rows.append({
            "month": month_of(m),
            "file_active": int(active.sum()),
            "entrees": int((people["entry"] == m).sum()),
            **{f"sorties_{k}": int((exits & (people["kind"] == i)).sum()) for i, k in enumerate(EXIT_TYPES)},
            "file_active_qpv": int((active & people["qpv"]).sum()),
        })
    return rows


def cohort_rows(alis: dict) -> list[dict]:
    """Each ALI × entry quarter × horizon whose horizon is reached by the end of LATEST_MONTH."""
    rows = []
    last = month_index(LATEST_MONTH)
    for code, ali in alis.items():
        people = ali["people"]
        q_first = month_index((ali["start"][0], 1 + 3 * ((ali["start"][1] - 1) // 3)))
        for q_start in range(q_first, last + 1, 3):
            q_last = q_start + 2  # the quarter's last month
            cohort = (people["entry"] >= q_start) & (people["entry"] <= q_last)
            for horizon in HORIZONS:
                at = q_last + horizon  # situation at the end of this month
                if at > last:
                    continue
                gone = cohort & (people["exit"] <= at)
                y, m = month_of(q_start)
                rows.append({
                    "code": code, "quarter": f"{y}-T{(m - 1) // 3 + 1}", "horizon": horizon,
                    "entrees": int(cohort.sum()), "suivis": int((cohort & ~gone).sum()),
                    **{f"sorties_{k}": int((gone & (people["kind"] == i)).sum()) for i, k in enumerate(EXIT_TYPES)},
                    "qpv": int((cohort & people["qpv"]).sum()),
                })
    return rows


def write_activite(path: Path, alis: dict) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Activité"
    ws["A1"] = ACTIVITE_TITLE
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(ACTIVITE_HEADER))
    ws["A2"] = (f"Chiffres fictifs générés (graine {SEED}) pour la démonstration de l'observatoire — "
                "ce ne sont pas des données réelles.")
    ws["A2"].font = Font(italic=True)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(ACTIVITE_HEADER))
    # row 3 stays empty: the title block is rows 1-3, the header is on row 4
    for col, text in enumerate(ACTIVITE_HEADER, start=1):
        cell = ws.cell(row=4, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = 14 if col > 2 else 12
    row = 5
    for (y, m), code, r in sorted((r["month"], code, r) for code, ali in alis.items() for r in ali["monthly"]):
        values = [dt.datetime(y, m, 1), code, r["file_active"], r["entrees"], r["sorties_durable"],
                  r["sorties_transition"], r["sorties_formation"], r["sorties_autres"], r["file_active_qpv"]]
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=value)
        ws.cell(row=row, column=1).number_format = "mm/yyyy"
        row += 1
    wb.properties.creator = "Observatoire de l'insertion — générateur de démonstration"
    wb.properties.title = "Activité des ALI — DONNÉES DE DÉMONSTRATION"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.lastModifiedBy = None
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()  # not openpyxl's save(), which stamps `modified` with now
    path.write_bytes(_stable_zip(buffer.getvalue()))


def _stable_zip(data: bytes) -> bytes:
    """The same archive with fixed entry dates and attributes, so the bytes are reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0o600 << 16
            dst.writestr(info, src.read(item.filename), compresslevel=6)
    return out.getvalue()


def write_cohortes(path: Path, rows: list[dict]) -> None:
    text = io.StringIO()
    writer = csv.writer(text, delimiter=",", lineterminator="\n")
    writer.writerow(COHORTES_HEADER)
    for r in rows:
        writer.writerow([r["code"], r["quarter"], r["horizon"], r["entrees"], r["suivis"], r["sorties_durable"],
                         r["sorties_transition"], r["sorties_formation"], r["sorties_autres"], r["qpv"]])
    path.write_bytes(text.getvalue().encode("utf-8-sig"))


# --- objectives of the agreements (demo: no per-ALI objective is published) ----------------------
# Drawn from their own generator so that the other demo files stay byte-identical. Places are the
# simulated capacity times a demo factor (some ALIs then fill well under their places), three
# quarters of it in the opening year; people to take in a year about the capacity; a target
# share of exits to durable employment between 15 and 25 %.
OBJECTIFS_SEED = SEED + 1
OBJECTIFS_YEARS = (2023, 2024, 2025, 2026)
OBJECTIFS_HEADER = ["Année", "Code ALI", "Places d'accompagnement", "Personnes à accompagner dans l'année",
                    "Part visée des sorties vers l'emploi durable (%)"]


def objectif_rows(alis: dict) -> list[list[str]]:
    rng = np.random.default_rng(OBJECTIFS_SEED)
    rows = []
    for code in sorted(alis):
        capacity = alis[code]["capacity"]
        places_factor, people_factor = rng.uniform(0.95, 1.6), rng.uniform(0.9, 1.2)
        share = int(rng.integers(15, 26))
        for year in OBJECTIFS_YEARS:
            opening = 0.75 if year == alis[code]["start"][0] else 1.0
            rows.append([str(year), code, fr_int(int(round(capacity * places_factor * opening, -1))),
                         fr_int(int(round(capacity * people_factor * opening, -1))), f"{share},0"])
    return rows


def write_objectifs(path: Path, rows: list[list[str]]) -> None:
    """As a partner's office file: semicolons, decimal commas, a BOM."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow(OBJECTIFS_HEADER)
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode("utf-8-sig"))


# --- entry point -------------------------------------------------------------------------------------
def build() -> dict:
    """All demo data in memory (deterministic: one generator, draws in a fixed order)."""
    rng = np.random.default_rng(SEED)
    ref = reference()
    series = allocataires_series(ref, rng)
    alis = simulate_alis(ref, series, rng)
    return {"ref": ref, "series": series, "allocataires": allocataires_rows(ref, series), "alis": alis,
            "cohortes": cohort_rows(alis), "objectifs": objectif_rows(alis)}


def generate(out_dir: Path) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = build()
    paths = [out_dir / ALLOCATAIRES_FILE, out_dir / ACTIVITE_FILE, out_dir / COHORTES_FILE, out_dir / OBJECTIFS_FILE]
    write_allocataires(paths[0], data["allocataires"])
    write_activite(paths[1], data["alis"])
    write_cohortes(paths[2], data["cohortes"])
    write_objectifs(paths[3], data["objectifs"])
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    for p in generate(target):
        print(f"{p}  {p.stat().st_size} octets")
