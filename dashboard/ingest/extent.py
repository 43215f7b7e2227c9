"""How far a workbook's filled cells reach, read from its bytes before any reader allocates the
grid: one stray cell at XFD1048576 (a Ctrl+End leftover) would otherwise make the reader
allocate the whole rectangle up to it (gigabytes for a 5 kB file).

Each format is read as a stream of cell positions, never as a grid:
- XLSX: the `r="…"` references of the sheet's XML;
- ODS: `content.xml`, counting `number-rows-repeated` / `number-columns-repeated`; a cell counts
  when it holds a value or text (repeated empty cells are how Calc writes blank areas);
- XLS (BIFF8): the cell records of each sheet's substream in the compound file (olefile reads
  the container; the record layout is the published [MS-XLS] one).
"""
from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Iterator
from defusedxml import ElementTree  # entities and DTDs refused (partners send the XML)

# Rows × columns up to the last filled cell, per sheet: 8 million cells read into about 850 MB
# (measured on an .ods, bench/import_bench.py --shapes), under the 1 GiB an import may take;
# an XLSX sheet of a national file (35 000 communes × 12 months × 6 columns) is 2.5 million.
MAX_CELLS = 8_000_000

_CELL_OR_ROW_REF = re.compile(rb"<(?:\w+:)?(c|row)\b[^>]*?\br=\"([A-Z]*)(\d+)\"")


def column_index(letters: str) -> int:
    """0-based index of an Excel column (A → 0, XFD → 16383)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


def xlsx_extent(archive: zipfile.ZipFile, member: str) -> tuple[int, int]:
    """(last row, last column) referenced by a sheet's XML, 1-based."""
    last_row, last_col = 0, 0
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            window = tail + chunk
            for match in _CELL_OR_ROW_REF.finditer(window):
                last_row = max(last_row, int(match[3]))
                if match[2]:
                    last_col = max(last_col, column_index(match[2].decode()) + 1)
            # a reference cut by the chunk's end is read whole in the next window
            tail = window[-64:]
    return last_row, last_col


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


def ods_extents(archive: zipfile.ZipFile) -> dict[str, tuple[int, int]]:
    """Sheet name → (last filled row, last filled column), 1-based, from `content.xml`."""
    extents: dict[str, tuple[int, int]] = {}
    sheet, table, row, col = "", None, 0, 0
    last_row = last_col = 0
    row_reps, row_filled = 1, False
    with archive.open("content.xml") as stream:
        for event, elem in ElementTree.iterparse(stream, events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{_TABLE}table":
                    sheet, table = elem.get(f"{_TABLE}name", ""), elem
                    row = col = last_row = last_col = 0
                elif tag == f"{_TABLE}table-row":
                    row_reps, row_filled, col = int(elem.get(f"{_TABLE}number-rows-repeated", "1")), False, 0
                continue
            if tag in _CELLS:
                reps = int(elem.get(f"{_TABLE}number-columns-repeated", "1"))
                if elem.get(f"{_OFFICE}value-type") or len(elem):
                    last_col, row_filled = max(last_col, col + reps), True
                col += reps
            elif tag == f"{_TABLE}table-row":
                row += row_reps
                if row_filled:
                    last_row = row
                if table is not None:  # a row outside any table (a malformed file) has nothing to free
                    table.clear()  # rows already counted: the tree never grows with the sheet
            elif tag == f"{_TABLE}table":
                extents[sheet] = (last_row, last_col)
    return extents


# BIFF8 records that hold a cell value: (row, first column) open their data.
_VALUE_RECORDS = {0x00FD, 0x0204, 0x00D6, 0x0203, 0x027E, 0x0006, 0x0205}
_MULRK, _BOF, _BOUNDSHEET = 0x00BD, 0x0809, 0x0085


def xls_extents(data: bytes) -> dict[str, tuple[int, int]]:
    """Sheet name → (last filled row, last filled column), 1-based, from the cell records of an
    Excel 97-2003 workbook. Raises ValueError when the container or its records are broken."""
    import olefile

    try:
        ole = olefile.OleFileIO(data)
        stream = next(s for s in ("Workbook", "Book") if ole.exists(s))
        book = ole.openstream(stream).read()
    except (OSError, StopIteration) as error:
        raise ValueError("not a readable Excel 97-2003 workbook") from error
    names: dict[int, str] = {}  # substream offset → sheet name
    extents: dict[str, tuple[int, int]] = {}
    current = None
    for offset, kind, body in _records(book):
        if kind == _BOUNDSHEET and len(body) >= 8:
            names[struct.unpack_from("<I", body)[0]] = _sheet_name(body)
        elif kind == _BOF:
            current = names.get(offset)
            if current is not None:
                extents.setdefault(current, (0, 0))
        elif current is not None and (kind in _VALUE_RECORDS or kind == _MULRK) and len(body) >= 4:
            row, first = struct.unpack_from("<HH", body)
            last = struct.unpack_from("<H", body, len(body) - 2)[0] if kind == _MULRK else first
            rows, cols = extents[current]
            extents[current] = (max(rows, row + 1), max(cols, last + 1))
    return extents


def _records(book: bytes) -> Iterator[tuple[int, int, bytes]]:
    position = 0
    while position + 4 <= len(book):
        kind, length = struct.unpack_from("<HH", book, position)
        yield position, kind, book[position + 4:position + 4 + length]
        position += 4 + length


def _sheet_name(body: bytes) -> str:
    """The ShortXLUnicodeString of a BOUNDSHEET record (BIFF8: count, flags, characters)."""
    count, flags = body[6], body[7] if len(body) > 7 else 0
    raw = body[8:]
    return raw[:2 * count].decode("utf-16-le", "replace") if flags & 1 else raw[:count].decode("latin-1")


def column_letter(index: int) -> str:
    """Excel letters of a 0-based column index (0 → A, 16383 → XFD)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters
