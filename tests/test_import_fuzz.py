"""Partner files as they come, generated: random CSV and XLSX variations of a valid
`allocataires` file (separator, encoding, BOM, line ends, quoting, header synonyms, column
order, thousands separators, month formats, blank lines and notes under the table) are each
imported with exactly the expected figures; the same file with one cell spoiled is refused with
that cell located, and the store is unchanged."""
from __future__ import annotations

import datetime as dt
import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.store.models import Figure, ImportEvent, ImportRecord, PublishedValue, Territory

COMMUNES = ("93001", "93005", "93006", "93007", "93008", "93010", "93013", "93014")
HEADERS = (("Mois", "Code commune", "Foyers"), ("Période", "CODGEO", "Nb foyers"),
           ("mois", "code_insee", "Foyers allocataires"), ("MOIS", "Code INSEE", "nombre de foyers"))
MONTHS = {"iso": lambda d: f"{d:%Y-%m}", "slash": lambda d: f"{d:%m/%Y}",
          "named": lambda d: ["janvier", "février", "mars", "avril", "mai", "juin"][d.month - 1] + f" {d.year}"}
THOUSANDS = ("", " ", "\u00a0", "\u202f")
BAD_VALUES = ("-3", "1,5", "douze", "1.000")
NOTES = ("", "Source : CAF de la Seine-Saint-Denis", "s : secret statistique")


def grouped(n: int, sep: str) -> str:
    text = str(n)
    if not sep:
        return text
    head, rest = len(text) % 3 or 3, text[len(text) % 3 or 3:]
    return text[:head] + "".join(sep + rest[i:i + 3] for i in range(0, len(rest), 3))


files = st.fixed_dictionaries({
    "rows": st.lists(st.tuples(st.sampled_from(COMMUNES), st.integers(0, 250_000)), min_size=2, max_size=6,
                     unique_by=lambda r: r[0]),
    "month": st.integers(1, 6),
    "headers": st.sampled_from(HEADERS),
    "order": st.permutations([0, 1, 2]),
    "separator": st.sampled_from([";", ",", "\t"]),
    "encoding": st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]),
    "newline": st.sampled_from(["\n", "\r\n"]),
    "quoted": st.booleans(),
    "thousands": st.sampled_from(THOUSANDS),
    "months": st.sampled_from(list(MONTHS)),
    "extra": st.booleans(),
    "blank_lines": st.integers(0, 2),
    "note": st.sampled_from(NOTES),
    "xlsx": st.booleans(),
    "spoil": st.one_of(st.none(), st.tuples(st.integers(0, 5), st.sampled_from(BAD_VALUES))),
})


def build(spec) -> tuple[bytes, str, int | None]:
    """(file bytes, suffix, line of the spoiled cell or None)."""
    day = dt.date(2024, spec["month"], 1)
    headers = [spec["headers"][i] for i in spec["order"]] + (["Commentaire"] if spec["extra"] else [])
    spoiled = spec["spoil"][0] % len(spec["rows"]) if spec["spoil"] else None
    table = []
    for n, (code, value) in enumerate(spec["rows"]):
        shown = spec["spoil"][1] if n == spoiled else grouped(value, "" if spec["xlsx"] else spec["thousands"])
        cells = [MONTHS[spec["months"]](day), code, shown]
        table.append([cells[i] for i in spec["order"]] + (["à vérifier"] if spec["extra"] else []))
    line = None if spoiled is None else spoiled + 2
    if spec["xlsx"]:
        wb = Workbook()
        ws = wb.active
        ws.append(headers)
        for row in table:
            ws.append([int(c) if c.isdigit() and len(c) > 5 else c for c in row])
        if spec["note"]:
            ws.append([])
            ws.append([spec["note"]])
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue(), ".xlsx", line

    def cell(text: str) -> str:
        return f'"{text}"' if spec["quoted"] or spec["separator"] in text else text

    lines = [spec["separator"].join(cell(h) for h in headers)]
    lines += [spec["separator"].join(cell(c) for c in row) for row in table]
    lines += [""] * spec["blank_lines"]
    if spec["note"]:
        lines.append(spec["note"])
    text = spec["newline"].join(lines) + spec["newline"]
    encoding = spec["encoding"]
    if encoding == "cp1252" and any(ch in text for ch in "\u202f"):
        encoding = "utf-8"  # Windows-1252 has no narrow no-break space
    data = text.encode("utf-16") if encoding == "utf-16" else text.encode(encoding)
    return data, ".csv", line


def counts(engine) -> tuple:
    """What an import writes, counted (the whole-store snapshot of the corpus tests is too slow
    to take per example)."""
    with engine.connect() as conn:
        return tuple(conn.execute(select(func.count()).select_from(model)).scalar()
                     for model in (Figure, ImportRecord, ImportEvent, PublishedValue))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=files)
def test_variations_import_exactly_or_are_refused_where_spoiled(spec, loaded_store, tmp_path):
    _url, engine, raw = loaded_store
    data, suffix, spoiled_line = build(spec)
    path = tmp_path / f"caf{suffix}"
    path.write_bytes(data)
    if spoiled_line is not None:
        before = counts(engine)
        try:
            import_file(engine, path, "allocataires", Provenance(source="fuzz", licence="test"), raw_dir=raw,
                        today=dt.date(2026, 11, 24))
        except ImportRefused as refused:
            assert [(p.line, p.column) for p in refused.problems] == \
                [(spoiled_line, spec["headers"][2])], refused
        else:
            raise AssertionError("a spoiled file was imported")
        assert counts(engine) == before
        return
    outcome = import_file(engine, path, "allocataires", Provenance(source="fuzz", licence="test"), raw_dir=raw,
                          today=dt.date(2026, 11, 24))
    if outcome.already_imported:
        return
    with engine.connect() as conn:
        stored = dict(conn.execute(select(Territory.code, Figure.value).join(Territory, Territory.id == Figure.territory_id)
                                   .where(Figure.import_id == outcome.import_id)).all())
    assert stored == {code: float(value) for code, value in spec["rows"]}
    assert outcome.notes == ([f"ligne {len(spec['rows']) + 2 + (0 if spec['xlsx'] else spec['blank_lines']) + (1 if spec['xlsx'] else 0)} : {spec['note']}"]
                             if spec["note"] else [])
