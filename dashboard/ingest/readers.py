"""Read a partner's file into a raw table of texts, or refuse it with a precise reason.

The type is found from the bytes, never from the name. CSV (any usual encoding and separator)
and XLSX are read; everything else, and anything that cannot be read for sure, is refused
with an ImportRefused naming the file, sheet, line and column.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import posixpath
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Sequence, Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path, PureWindowsPath
from typing import NoReturn
from defusedxml import ElementTree  # entities and DTDs refused (partners send the XML)

from dashboard.formatting import fr_number
from dashboard.ingest import parse
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.extent import MAX_CELLS, column_index, column_letter, ods_extents, xls_extents, xlsx_extent

MAX_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED = 200 * 1024 * 1024
MAX_RATIO = 100
RATIO_MIN_SIZE = 1024 * 1024  # a tiny member may compress very well without being a bomb
HEADER_SEARCH_ROWS = 30  # non-empty rows in which the header is looked for
# The reader holds a sheet as a dense grid from A1 to its last filled cell: a stray cell far
# below or to the right (a space left in XFD1048576) would make it allocate hundreds of GB.
SEPARATORS = (";", "\t", ",")  # in order of preference: French decimals use commas

EXPECTED_TABLE = "un fichier CSV ou XLSX"
EXPECTED_GEO = "un fichier GeoJSON, un shapefile zippé ou un GeoPackage"
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SQLITE = b"SQLite format 3\x00"

Grid = list[tuple[int, Sequence[str | None]]]  # (1-based line, cells) of every non-empty row: a list, or a tuple (CSV)
HeaderScore = Callable[[list[str]], int]


@dataclass
class RawTable:
    file_name: str
    sheet: str | None
    header_line: int  # 1-based line of the header row as seen in Excel / text editor
    columns: list[str]  # header texts as written (stripped), "" for an empty header cell
    rows: Sequence[Sequence[str | None]]  # cells as text (tuples from CSV), None when empty, same length as columns
    lines: list[int]  # 1-based line of each data row (Excel row number for XLSX)
    encoding: str | None = None
    separator: str | None = None
    notes: list[tuple[int, str]] = field(default_factory=list)  # (line, text) of notes under the table
    file_lines: int | None = None  # lines of the CSV file / last filled row of the sheet


def read_table(path, *, file_name: str | None = None, header_score: HeaderScore,
               sheet: str | None = None, max_bytes: int = MAX_BYTES) -> RawTable:
    name = _display_name(path, file_name)
    data = _read_bytes(path, name, max_bytes)
    if data.startswith(_ZIP):
        archive = _open_zip(data, name)
        if _is_ods(archive):
            extents = _measured(name, lambda: ods_extents(archive))
            return _read_workbook(data, name, header_score, sheet, archive=None, extent_of=extents.get)
        _refuse_not_workbook(archive, name)
        return _read_workbook(data, name, header_score, sheet, archive=archive,
                              extent_of=lambda s: _xlsx_extent(archive, s))
    if data.startswith(_OLE2) and "EncryptedPackage".encode("utf-16-le") not in data:
        extents = _measured(name, lambda: xls_extents(data))  # Excel 97-2003 (.xls)
        return _read_workbook(data, name, header_score, sheet, archive=None, extent_of=extents.get)
    _refuse_binary(data, name)
    _refuse_disguised(data, name)
    return _read_csv(data, name, header_score)


# --- common ------------------------------------------------------------------------------

def _display_name(path, file_name: str | None) -> str:
    # PureWindowsPath splits on both / and \ (names may come from a Windows browser).
    return PureWindowsPath(file_name).name if file_name else Path(path).name


def _refuse(name: str, found: str | None, expected: str, *, line: int | None = None,
            sheet: str | None = None) -> NoReturn:
    raise ImportRefused([Problem(file=name, line=line, column=None, found=found,
                                 expected=expected, sheet=sheet)])


def refuse_oversized(path, name: str, max_bytes: int = MAX_BYTES) -> None:
    size = os.path.getsize(path)
    if size > max_bytes:
        _refuse(name, f"un fichier de {_mb(size)}", f"un fichier de {_mb(max_bytes)} au plus")


def _read_bytes(path, name: str, max_bytes: int) -> bytes:
    refuse_oversized(path, name, max_bytes)
    data = Path(path).read_bytes()
    content = data
    for bom in _BOMS:
        content = content.removeprefix(bom)
    if data.startswith(_BOMS[1:]):  # UTF-16: blanks come with NUL bytes
        content = content.replace(b"\x00", b"")
    if not content.strip():
        _refuse(name, "un fichier vide", f"{EXPECTED_TABLE} contenant un tableau")
    return data


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} Mo".replace(".", ",")


def _refuse_binary(data: bytes, name: str) -> None:
    """Refuse what is not text: PDF, legacy Excel, any other binary format."""
    if b"%PDF-" in data[:1024]:  # readers tolerate junk before the PDF signature
        _refuse(name, "un document PDF", EXPECTED_TABLE)
    if data.startswith(_OLE2):  # .xls are read (read_table): this one is a password-protected .xlsx
        _refuse(name, "un classeur protégé par un mot de passe", "un classeur .xlsx sans mot de passe")
    if not data.startswith(_BOMS[1:]) and b"\x00" in data[:8192]:
        _refuse(name, "un fichier binaire d'un type non reconnu", EXPECTED_TABLE)


def _find_header(grid: Grid, header_score: HeaderScore) -> int | None:
    """Index in `grid` of the best-scoring row among the first non-empty rows (first wins a tie)."""
    best, best_score = None, 0
    for i, (_, cells) in enumerate(grid[:HEADER_SEARCH_ROWS]):
        score = header_score([c or "" for c in cells])
        if score > best_score:
            best, best_score = i, score
    return best


def _best_score(grid: Grid, header_score: HeaderScore) -> int:
    i = _find_header(grid, header_score)
    return 0 if i is None else header_score([c or "" for c in grid[i][1]])


def _refuse_no_header(name: str, sheet: str | None = None, where: str = "") -> NoReturn:
    _refuse(name, "aucune ligne d'en-tête reconnue",
            f"une ligne d'en-tête avec des noms de colonnes connus dans les {HEADER_SEARCH_ROWS} "
            f"premières lignes remplies{where}", sheet=sheet)


def _build_table(grid: Grid, header: int, name: str, sheet: str | None = None,
                 encoding: str | None = None, separator: str | None = None) -> RawTable:
    header_line, header_cells = grid[header]
    body, notes = _without_notes(grid[header + 1:])
    if not body:
        # A bare template is an empty file: importing it would replace a whole list with nothing.
        _refuse(name, "aucune ligne de données sous l'en-tête",
                f"{EXPECTED_TABLE} avec au moins une ligne de données", line=header_line, sheet=sheet)
    width = max(len(cells) for _, cells in grid[header:])
    columns = [c or "" for c in header_cells] + [""] * (width - len(header_cells))
    # Columns without a header and without data are layout (borders, merged titles), not data.
    filled = {j for _, cells in body for j, c in enumerate(cells) if c is not None and not columns[j]} \
        if not all(columns) else set()
    keep = [j for j in range(width) if columns[j] or j in filled]
    # Rows are reused as they are when they already have the kept shape (large files: no copy).
    rows = [cells if len(cells) == width and len(keep) == width
            else tuple(cells[j] if j < len(cells) else None for j in keep) for _, cells in body]
    return RawTable(
        file_name=name, sheet=sheet, header_line=header_line,
        columns=[columns[j] for j in keep],
        rows=rows,
        lines=[line for line, _ in body],
        encoding=encoding, separator=separator, notes=notes, file_lines=grid[-1][0],
    )


# What offices write under a table: its source, notes, the legend of secrecy marks.
_NOTE = re.compile(r"^(sources?|notes?|champ|lecture|remarques?|precisions?|avertissement|mise a jour|"
                   r"donnees? (de|au|du)|nb|n\.b\.|\*|\(\d\)|s|nd|secret|<\s*\d+)\s*[:=(\-–]")


def _without_notes(body: Grid) -> tuple[Grid, list[tuple[int, str]]]:
    """The rows of the table without the notes under it: trailing rows with a single filled
    cell that reads like a note ("Source : CAF…", "s : secret statistique", a sentence)."""
    notes: list[tuple[int, str]] = []
    while body:
        line, cells = body[-1]
        filled = [c for c in cells if c is not None]
        if len(filled) != 1:
            break
        text = filled[0]
        folded = parse.normalize_header(text).replace("_", " ")
        if not (_NOTE.match(parse.fold(text)) or (len(folded.split()) >= 4 and not re.search(r"\d{4}", folded))):
            break
        notes.insert(0, (line, text))
        body = body[:-1]
    return body, notes


def _non_empty(rows: Iterator[tuple[int, Sequence[str | None]]]) -> Iterator[tuple[int, Sequence[str | None]]]:
    # Blank rows carry no data; dropping them everywhere also drops trailing ones.
    # Cells are None or non-empty text, so any() is exact (and runs in C).
    return ((line, cells) for line, cells in rows if any(cells))


def _cell_text(text: str) -> str | None:
    return text.strip() or None


# --- CSV -----------------------------------------------------------------------------------

def _read_csv(data: bytes, name: str, header_score: HeaderScore) -> RawTable:
    encoding, text = _decode(data)
    if encoding not in ("utf-8-sig", "utf-16"):
        data = data.removeprefix(_BOMS[0])  # a UTF-8 BOM before Windows-1252 rows: not part of the header
    separator = _choose_separator(text, header_score)
    lines = _line_breaks(text) + (1 if text and text[-1] not in "\r\n" else 0)
    # The rows are decoded again, chunk by chunk, from the bytes: holding the whole text as a
    # stream buffer would cost four bytes a character on a large file.
    del text
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=_STREAM_ENCODING.get(encoding, encoding), newline="")
    tally = {"records": 0, "breaks": 0}
    grid = list(_non_empty(_csv_rows(stream, separator, name, tally)))
    # Every text line of the file is a record or a line break inside a quoted cell: a line the
    # reader did not account for would be a row lost without a word.
    if tally["records"] + tally["breaks"] != lines:
        _refuse(name, f"{fr_number(tally['records'])} lignes lues pour {fr_number(lines)} lignes de texte",
                "un fichier dont chaque ligne est lue (enregistrez-le à nouveau en CSV depuis le tableur)")
    header = _find_header(grid, header_score)
    if header is None:
        _refuse_no_header(name)
    table = _build_table(grid, header, name, encoding=encoding, separator=separator)
    table.file_lines = tally["records"]
    return table


def _line_breaks(text: str) -> int:
    """Line breaks as csv counts them: \\n, \\r\\n or a lone \\r."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "texte Unicode"), else Windows-1252;
    charset-normalizer is asked only when the bytes are not even valid Windows-1252."""
    if data.startswith(_BOMS[1:]):
        return "utf-16", data.decode("utf-16", errors="replace")
    bom = data.startswith(_BOMS[0])
    data = data.removeprefix(_BOMS[0])
    for encoding in ("utf-8", "cp1252"):
        try:
            return ("utf-8-sig" if bom and encoding == "utf-8" else encoding), data.decode(encoding)
        except UnicodeDecodeError:
            pass
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:65536]).best()
    if guess is not None:
        try:
            return guess.encoding, data.decode(guess.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return "latin-1", data.decode("latin-1")


# A BOM is part of the bytes: let the codec drop it when it decodes the stream.
_STREAM_ENCODING = {"utf-8": "utf-8-sig"}


def _csv_rows(text: str | io.TextIOBase, separator: str, name: str,
              tally: dict[str, int] | None = None) -> Iterator[tuple[int, tuple[str | None, ...]]]:
    """Records numbered as a spreadsheet shows them (a quoted cell may span several text lines
    and is still one row). A quote that is never closed, or that swallows whole rows (a cell
    holding both line breaks and the separator), is refused at the row where it opened: csv
    would otherwise read every following line into that one cell, without a word."""
    source = io.StringIO(text, newline="") if isinstance(text, str) else text
    reader = csv.reader(source, delimiter=separator, strict=True)
    line = 0
    seen: dict[str, str] = {}  # one object per distinct text: a large file repeats its months and codes
    try:
        for record in reader:
            line += 1
            if any("\n" in c or "\r" in c for c in record):
                if any(("\n" in c or "\r" in c) and separator in c for c in record):
                    _refuse_open_quote(name, line)
                if tally is not None:
                    tally["breaks"] += sum(_line_breaks(c) for c in record)
            # a tuple per record: lighter than a list, and a large file has millions of them
            yield line, tuple([seen.setdefault(t, t) if (t := c.strip()) else None for c in record])
    except csv.Error:
        _refuse_open_quote(name, line + 1)
    if tally is not None:
        tally["records"] = line


def _refuse_open_quote(name: str, line: int) -> NoReturn:
    _refuse(name, "un guillemet (\") jamais refermé",
            "des guillemets refermés sur la même ligne : celui-ci avale les lignes suivantes "
            "(retirez-le ou refermez-le)", line=line)


def _choose_separator(text: str, header_score: HeaderScore) -> str:
    """The separator that yields a recognised header, then the most regular rows; `;` wins ties."""

    sample = text[: 1 << 20]  # enough for the header and first rows of any file

    def key(sep: str) -> tuple[int, int, int]:
        grid = []
        try:  # the rows before a broken quote still tell the separator (the quote is refused later)
            for row in islice(_non_empty(_csv_rows(sample, sep, "")), HEADER_SEARCH_ROWS):
                grid.append(row)
        except ImportRefused:
            pass
        widths = Counter(len(cells) for _, cells in grid if len(cells) > 1)
        regular = widths.most_common(1)[0][1] if widths else 0
        return (_best_score(grid, header_score), regular, -SEPARATORS.index(sep))

    return max(SEPARATORS, key=key)


# --- XLSX ----------------------------------------------------------------------------------

def _read_workbook(data: bytes, name: str, header_score: HeaderScore, sheet: str | None,
                   archive: zipfile.ZipFile | None, extent_of: Callable[[str], tuple[int, int] | None]) -> RawTable:
    """An XLSX workbook (`archive`: its ZIP, for the checks that read its XML: extent, error and
    formula cells), or a LibreOffice .ods or Excel 97-2003 .xls one, which calamine reads alike
    (an .xls sheet holds at most 65 536 × 256 cells)."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheets = _worksheets(workbook, name)
        sheet_name = _choose_sheet(workbook, extent_of, sheets, sheet, name, header_score)
        _check_extent(name, sheet_name, extent_of(sheet_name))
        grid = _sheet_grid(workbook, sheet_name)
    except CalamineError:
        _refuse_unreadable(name)
    header = _find_header(grid, header_score)
    if header is None and sheet is None and len(sheets) > 1:
        _refuse_no_header(name, where=" de l'une des feuilles " + _quoted(sheets))
    if header is None:
        _refuse_no_header(name, sheet_name)
    header_line, header_cells = grid[header]
    if archive is None:
        return _build_table(grid, header, name, sheet=sheet_name)
    # Error and formula cells matter only in the columns the import reads (or above the header).
    known = [bool(h and header_score([h]) > 0) for h in header_cells]
    try:
        problems = _cell_problems(archive, sheet_name, name, header_line, header_cells, known)
    except (StopIteration, KeyError, ValueError, ElementTree.ParseError, zipfile.BadZipFile):
        _refuse_unreadable(name)
    if problems:
        raise ImportRefused(problems)
    return _build_table(grid, header, name, sheet=sheet_name)


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """Open an archive after checking its directory for a zip bomb."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        _refuse(name, "une archive ZIP endommagée", EXPECTED_TABLE)
    members = archive.infolist()
    total = sum(m.file_size for m in members)
    if total > MAX_UNZIPPED:
        _refuse(name, f"une archive qui se décompresse en {_mb(total)}",
                f"une archive de {_mb(MAX_UNZIPPED)} au plus une fois décompressée")
    for m in members:
        if m.file_size > RATIO_MIN_SIZE and m.file_size > MAX_RATIO * max(m.compress_size, 1):
            _refuse(name, f"un élément « {m.filename} » compressé {m.file_size // max(m.compress_size, 1)} fois",
                    f"un taux de compression de {MAX_RATIO} au plus (archive piégée, « zip bomb »)")
    return archive


def _is_ods(archive: zipfile.ZipFile) -> bool:
    try:
        return archive.read("mimetype").strip() == b"application/vnd.oasis.opendocument.spreadsheet"
    except KeyError:
        return False


def _refuse_disguised(data: bytes, name: str) -> None:
    """Text files that spreadsheets save under an .xls name: refused by what they are."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"urn:schemas-microsoft-com:office:spreadsheet" in data[:8192].lower():
        _refuse(name, "un classeur « XML 2003 » (SpreadsheetML)",
                "un classeur .xlsx, .ods ou un fichier CSV (enregistrez-le dans l'un de ces formats)")
    if head.startswith((b"<!doctype html", b"<html", b"<table")) or (b"<html" in head and b"<table" in data.lower()):
        _refuse(name, "une page web enregistrée en .xls (tableau HTML)",
                "un classeur .xlsx, .ods ou un fichier CSV (ouvrez-le dans le tableur, puis enregistrez-le en .xlsx)")


def _refuse_not_workbook(archive: zipfile.ZipFile, name: str) -> None:
    names = set(archive.namelist())
    # XML that declares entities (the "billion laughs" and external-entity tricks): no office
    # program writes them; say so rather than "unreadable".
    for member in sorted(n for n in names if n.endswith(".xml") and n.startswith(("xl/", "[Content")))[:50]:
        with archive.open(member) as stream:
            if b"<!ENTITY" in stream.read(4096):
                _refuse(name, "un XML qui déclare des entités",
                        f"un classeur enregistré par un tableur (« {member} » a été fabriqué ou piégé)")
    if not {"[Content_Types].xml", "xl/workbook.xml"} <= names:
        _refuse(name, "une archive ZIP qui n'est pas un classeur XLSX", EXPECTED_TABLE)
    has_macros = any(posixpath.basename(n).lower() == "vbaproject.bin" for n in names)
    if has_macros or name.lower().endswith((".xlsm", ".xltm")):
        _refuse(name, "un classeur avec macros (.xlsm)",
                "un classeur .xlsx sans macros (enregistrez-le au format .xlsx)")


def _refuse_unreadable(name: str) -> NoReturn:
    _refuse(name, "un classeur illisible ou endommagé", "un classeur .xlsx, .ods ou .xls valide")


def _quoted(names: list[str]) -> str:
    return ", ".join(f"« {n} »" for n in names)


def _worksheets(workbook, name: str) -> list[str]:
    from python_calamine import SheetTypeEnum

    names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    if not names:
        _refuse(name, "un classeur sans feuille de calcul", "un classeur avec une feuille de données")
    return names


def _visible(workbook, sheets: list[str]) -> list[str]:
    from python_calamine import SheetVisibleEnum

    visible = {m.name for m in workbook.sheets_metadata if m.visible == SheetVisibleEnum.Visible}
    return [n for n in sheets if n in visible]


def _choose_sheet(workbook, extent_of: Callable[[str], tuple[int, int] | None], sheets: list[str], sheet: str | None, name: str,
                  header_score: HeaderScore) -> str:
    """The named sheet (hidden or not), else the visible worksheet whose header scores best.
    A hidden sheet is never chosen by itself (an older copy kept out of sight), and two visible
    sheets with the best header are refused by name: importing one would drop the other."""
    if sheet is not None:
        if sheet not in sheets:
            _refuse(name, sheet, "le nom d'une feuille du classeur : " + _quoted(sheets))
        return sheet
    visible = _visible(workbook, sheets) or sheets
    if len(visible) == 1:
        return visible[0]
    # The header is among the first rows: no need to load whole sheets to compare them.
    scores = {}
    for candidate in visible:
        _check_extent(name, candidate, extent_of(candidate))
        scores[candidate] = _best_score(_sheet_grid(workbook, candidate, HEADER_SEARCH_ROWS * 4), header_score)
    best = max(scores.values())
    tied = [n for n in visible if scores[n] == best]
    if best > 0 and len(tied) > 1:
        _refuse(name, "plusieurs feuilles de données : " + _quoted(tied),
                "une seule feuille de données par import : choisissez la feuille (option --sheet, ou le "
                "choix de la feuille sur la page d'import) et importez les autres à leur tour")
    return tied[0]


def _measured(name: str, measure: Callable[[], dict[str, tuple[int, int]]]) -> dict[str, tuple[int, int]]:
    """Every sheet's extent, checked: calamine reads all the sheets of an .ods or .xls as it
    opens the file, so each must be within the limit before it does."""
    try:
        extents = measure()
    except (ValueError, KeyError, ElementTree.ParseError, zipfile.BadZipFile):
        _refuse_unreadable(name)
    for sheet, extent in extents.items():
        _check_extent(name, sheet, extent)
    return extents


def _xlsx_extent(archive: zipfile.ZipFile, sheet: str) -> tuple[int, int] | None:
    try:
        return xlsx_extent(archive, _sheet_path(archive, sheet))
    except (StopIteration, KeyError):
        return None


def _check_extent(name: str, sheet: str, extent: tuple[int, int] | None) -> None:
    """Refuse a sheet whose filled cells span more than MAX_CELLS, before anything allocates
    the grid (`extent`: its last filled row and column, read from the bytes by `extent`)."""
    last_row, last_col = extent or (0, 0)
    if last_row * max(last_col, 1) > MAX_CELLS:
        raise ImportRefused([Problem(
            file=name, sheet=sheet, line=last_row, column=column_letter(max(last_col, 1) - 1),
            found="une cellule remplie loin du tableau",
            expected=(f"un tableau d'au plus {MAX_CELLS // 1_000_000} millions de cellules (celui-ci s'étend sur "
                      f"{last_row} lignes × {last_col} colonnes) : effacez les cellules au-delà du tableau "
                      "(Ctrl+Fin montre la dernière), puis enregistrez"))])


def _sheet_grid(workbook, sheet: str, nrows: int | None = None) -> Grid:
    # skip_empty_area=False keeps rows and columns from A1, so index + 1 is the Excel row number
    # (the default drops the empty rows above the first filled cell and would shift lines).
    loaded = workbook.get_sheet_by_name(sheet)
    rows = loaded.to_python(skip_empty_area=False, nrows=nrows)
    grid = [[_excel_text(v) for v in row] for row in rows]
    _fill_merged(grid, loaded)
    return list(_non_empty((i + 1, row) for i, row in enumerate(grid)))


def _fill_merged(grid: list[list[str | None]], loaded) -> None:
    """A cell merged down a column holds its value in its top cell only: every cell of the
    range takes it (a month written once over its rows is each row's month). Merges across
    columns are titles and layout, left as they are."""
    try:
        ranges = loaded.merged_cell_ranges or []
    except Exception:  # noqa: BLE001 — calamine raises for formats without merged ranges
        return
    for (top, left), (bottom, right) in ranges:
        if left != right or top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top + 1, min(bottom, len(grid) - 1) + 1):
            if left < len(grid[r]) and grid[r][left] is None:
                grid[r][left] = value


def _excel_text(value) -> str | None:
    """A cell as text the way the parsers expect it (codes typed as numbers lose their `.0`)."""
    if isinstance(value, bool):
        return "VRAI" if value else "FAUX"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return _cell_text(str(value))


# Formula cells without a cached value and error cells: calamine reads both as empty, which
# would silently turn them into missing data.

_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def _cell_problems(archive: zipfile.ZipFile, sheet: str, name: str, header_line: int,
                   header_cells: Sequence[str | None], known: list[bool]) -> list[Problem]:
    """Bad cells located by their header below the header row, else by their column letter;
    those under a header the import does not read are left out with their column."""
    problems = []
    for line, index, found, expected in _bad_cells(archive, _sheet_path(archive, sheet)):
        if line > header_line and not (index < len(known) and known[index]) and any(known):
            continue
        header = header_cells[index] if line > header_line and index < len(header_cells) else None
        problems.append(Problem(file=name, sheet=sheet, line=line, column=header or column_letter(index),
                                found=found, expected=expected))
    return problems


def _sheet_path(archive: zipfile.ZipFile, sheet: str) -> str:
    """Path of a sheet's XML inside the archive, through workbook.xml and its relationships."""
    rel_id = next(el.get(_attr_r("id")) for el in _elements(archive, "xl/workbook.xml", "sheet")
                  if el.get("name") == sheet)
    target = next(el.get("Target") for el in _elements(archive, "xl/_rels/workbook.xml.rels", "Relationship")
                  if el.get("Id") == rel_id)
    return target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))


def _attr_r(local: str) -> str:
    return "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}" + local


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _elements(archive: zipfile.ZipFile, member: str, local: str):
    root = ElementTree.fromstring(archive.read(member))
    return [el for el in root.iter() if _local(el.tag) == local]


def _bad_cells(archive: zipfile.ZipFile, member: str) -> Iterator[tuple[int, int, str, str]]:
    """(row, 0-based column, found, expected) of each unusable cell, streamed (sheets can be big).
    Cell and row references are optional in the format: missing ones follow the previous."""
    if not _may_hold_bad_cells(archive, member):
        return
    row, col = 0, -1
    with archive.open(member) as stream:
        for event, el in ElementTree.iterparse(stream, events=("start", "end")):
            tag = _local(el.tag)
            if event == "start" and tag == "row":
                row, col = int(el.get("r") or row + 1), -1
            elif event == "end" and tag == "c":
                ref = _CELL_REF.fullmatch(el.get("r") or "")
                col = column_index(ref[1]) if ref else col + 1
                if problem := _bad_cell(el):
                    yield row, col, *problem
            elif event == "end" and tag == "row":
                el.clear()


_FORMULA_OR_ERROR = re.compile(rb"<(?:\w+:)?f[\s>/]|\bt=[\"']e[\"']")


def _may_hold_bad_cells(archive: zipfile.ZipFile, member: str) -> bool:
    """A quick byte scan: a sheet without any formula (`<f`) or error cell (`t="e"`) needs no
    XML parse (most exports hold only values; parsing a million-row sheet costs seconds)."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            if _FORMULA_OR_ERROR.search(window):
                return True
            tail = window[-16:]
    return False


def _bad_cell(cell) -> tuple[str, str] | None:
    """(found, expected) for an error cell or a formula without its computed value."""
    children = {_local(child.tag): child for child in cell}
    kind = cell.get("t")
    value = children.get("v")
    if kind == "e":
        return (value.text if value is not None else "#ERREUR"), "une valeur (la cellule affiche une erreur Excel)"
    # An empty <v> is a real cached value only for a formula returning text ("").
    if "f" in children and (value is None or (not value.text and kind not in ("str", "inlineStr"))):
        formula = children["f"].text
        return (f"={formula}" if formula else "une formule"), \
            "une valeur calculée (ouvrez le fichier dans Excel puis enregistrez-le pour calculer les formules)"
    return None


# --- geography -----------------------------------------------------------------------------

def read_geo(path, *, file_name: str | None = None, max_bytes: int = MAX_BYTES):
    """A GeoJSON, zipped shapefile or GeoPackage as a GeoDataFrame in EPSG:4326."""
    import pyogrio

    name = _display_name(path, file_name)
    data = _read_bytes(path, name, max_bytes)
    source = _geo_source(path, data, name)
    try:
        with warnings.catch_warnings(action="ignore", category=RuntimeWarning):  # GPKG without .gpkg
            layers = pyogrio.list_layers(source)
            if len(layers) != 1:
                _refuse(name, f"{len(layers)} couches ({', '.join(str(layer[0]) for layer in layers[:5])})",
                        "une seule couche géographique")
            frame = pyogrio.read_dataframe(source)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError,
            pyogrio.errors.GeometryError, pyogrio.errors.FeatureError):
        _refuse(name, "un fichier géographique illisible", EXPECTED_GEO)
    if "geometry" not in frame or frame.empty:
        _refuse(name, "aucune entité géographique", f"{EXPECTED_GEO} contenant des géométries")
    if frame.crs is None:
        _refuse(name, "un système de coordonnées inconnu (fichier .prj manquant ?)",
                "un fichier géographique dont la projection est indiquée")
    return frame.to_crs(4326)


def _geo_source(path, data: bytes, name: str) -> str:
    """What GDAL should open: the file, or the dataset inside a ZIP (found by extension there,
    since GDAL cannot open a shapefile in a sub-folder of an archive without being told)."""
    if data.startswith(_ZIP):
        # __MACOSX/ and ._* are resource forks added by macOS when zipping, not data.
        members = [n for n in _open_zip(data, name).namelist()
                   if n.lower().endswith((".shp", ".gpkg", ".geojson", ".json"))
                   and not n.startswith("__MACOSX/") and not posixpath.basename(n).startswith("._")]
        if len(members) != 1:
            _refuse(name, f"une archive avec {len(members)} jeux de données géographiques",
                    "une archive ZIP contenant un seul shapefile (.shp, .shx, .dbf, .prj)")
        return f"/vsizip/{{{os.path.abspath(path)}}}/{members[0]}"
    if data.startswith(_SQLITE) or data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return str(path)
    _refuse(name, "un fichier d'un type non géographique", EXPECTED_GEO)
