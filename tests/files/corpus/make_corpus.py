"""Build the binary files of the import corpus (XLSX, XLSM, ZIP, PDF, an oversized CSV).

The CSV files of the corpus are committed as they are, so a person can open them; the binary
ones are generated here at test time, so the repository holds no opaque blobs and a zip bomb
or a 50 Mo file never sits in it. Run by hand to look at them:

    python tests/files/corpus/make_corpus.py /tmp/corpus    # writes /tmp/corpus/{bad,quirks}/…

Each builder returns the bytes of one file; its name says what it shows, like the CSV files.
"""
from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Border, Font, PatternFill, Side

BAD: dict[str, Callable[[], bytes]] = {}
QUIRKS: dict[str, Callable[[], bytes]] = {}

MAX_BYTES = 50 * 1024 * 1024  # the reader's limit (dashboard.ingest.readers.MAX_BYTES)


def bad(name: str):
    def register(build):
        BAD[name] = build
        return build
    return register


def quirk(name: str):
    def register(build):
        QUIRKS[name] = build
        return build
    return register


def build(directory: Path) -> dict[str, Path]:
    """Write every generated file under directory/bad and directory/quirks; return them by
    their corpus name (`bad/macro.xlsm`)."""
    written = {}
    for folder, builders in (("bad", BAD), ("quirks", QUIRKS)):
        (directory / folder).mkdir(parents=True, exist_ok=True)
        for name, builder in builders.items():
            path = directory / folder / name
            path.write_bytes(builder())
            written[f"{folder}/{name}"] = path
    return written


def write_oversized(path: Path, size: int = MAX_BYTES + 1024 * 1024) -> Path:
    """A well-formed allocataires CSV just over the size limit, streamed to disk (never committed)."""
    line = b"2024-03;93001;5308\n"
    with path.open("wb") as out:
        out.write(b"Mois;Code commune;Foyers\n")
        block = line * 65536
        while out.tell() < size:
            out.write(block)
    return path


# --- helpers ---------------------------------------------------------------------------------

def xlsx(fill: Callable[[Workbook], None]) -> bytes:
    wb = Workbook()
    fill(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def add_members(data: bytes, members: dict[str, bytes], level: int = 9) -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        for name, content in members.items():
            z.writestr(name, content)
    return buf.getvalue()


ALLOCATAIRES = ["Mois", "Code commune", "Foyers"]
BOLD = Font(bold=True)
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
GREY = PatternFill("solid", fgColor="DDDDDD")


def simple_allocataires(wb: Workbook) -> None:
    ws = wb.active
    ws.title = "Données"
    ws.append(ALLOCATAIRES)
    ws.append(["2024-03", 93001, 5308])
    ws.append(["2024-03", 93005, 4210])


def title_block(ws, title: str, source: str, width: int) -> None:
    """Rows 1–2: a merged title and a merged source line, as office files have; row 3 empty."""
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    ws["A2"] = source
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)


# --- bad: what the reader refuses -------------------------------------------------------------

@bad("renamed_pdf.csv")
def renamed_pdf() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
            b"trailer << /Root 1 0 R >>\n%%EOF\n")


@bad("renamed_zip.xlsx")
def renamed_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("export_caf/allocataires.csv", "Mois;Code commune;Foyers\n2024-03;93001;5308\n")
        z.writestr("export_caf/lisez-moi.txt", "Export CAF 93\n")
    return buf.getvalue()


@bad("macro.xlsm")
def macro_xlsm() -> bytes:
    return add_members(xlsx(simple_allocataires), {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0VBA-project"})


@bad("macro_renommee.xlsx")
def macro_renamed() -> bytes:
    """A macro workbook saved under an .xlsx name: found by its content, not by its name."""
    return macro_xlsm()


@bad("zip_bomb.xlsx")
def zip_bomb_ratio() -> bytes:
    """A valid workbook with a 20 Mo member of zeros: about 20 Ko on disk, ratio ~1000."""
    return add_members(xlsx(simple_allocataires), {"xl/media/image1.png": bytes(20 << 20)})


@bad("zip_bomb_total.xlsx")
def zip_bomb_total() -> bytes:
    """210 members of exactly 1 Mio (each below the ratio check) that unzip to 210 Mio."""
    chunk = bytes(1 << 20)
    return add_members(xlsx(simple_allocataires),
                       {f"xl/media/image{i}.png": chunk for i in range(1, 211)}, level=1)


@bad("formule_sans_valeur.xlsx")
def formula_without_value() -> bytes:
    """openpyxl writes formulas without their computed value, like a file never opened in Excel."""
    def fill(wb):
        simple_allocataires(wb)
        ws = wb.active
        ws.append(["2024-03", 93006, "=1400+50"])
        ws.append(["Total", None, "=SUM(C2:C4)"])
    return xlsx(fill)


@bad("cellule_erreur.xlsx")
def error_cell() -> bytes:
    def fill(wb):
        simple_allocataires(wb)
        ws = wb.active
        ws["C3"] = "#DIV/0!"
        ws["C3"].data_type = "e"
    return xlsx(fill)


@bad("classeur_vide.xlsx")
def empty_workbook() -> bytes:
    return xlsx(lambda wb: None)


@bad("modele_non_rempli.xlsx")
def unfilled_template() -> bytes:
    """The downloaded template sent back as it is: a header, formatted rows, no data."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        for row in range(1, 21):
            for col in range(1, 4):
                ws.cell(row=row, column=col).border = BOX
    return xlsx(fill)


@bad("allocataires_bloc_titre_erreurs.xlsx")
def title_block_errors() -> bytes:
    """Problems are located by the Excel row number, below a title block, on a named sheet."""
    def fill(wb):
        ws = wb.active
        ws.title = "CAF 93"
        title_block(ws, "Foyers allocataires du RSA", "Source : CAF de la Seine-Saint-Denis", 3)
        ws.append([])
        ws.append(ALLOCATAIRES)  # row 4
        ws.append([dt.datetime(2024, 3, 1), 93001, 5308])  # row 5
        ws.append([dt.datetime(2024, 3, 1), 93005, -4])  # row 6
        ws.append([dt.datetime(2024, 3, 1), 93006, 1450])  # row 7
        ws.append(["2024-13", 93007, 2210])  # row 8
    return xlsx(fill)


ACTIVITE = ["Mois", "Code ALI", "File active", "Entrées", "Sorties emploi durable",
            "Sorties emploi transition", "Sorties formation", "Autres sorties"]


@bad("ali_activite_sorties_superieures.xlsx")
def exits_over_stock() -> bytes:
    def fill(wb):
        ws = wb.active
        ws.title = "Activité"
        title_block(ws, "Activité mensuelle de l'ALI", "ALI La Courneuve", len(ACTIVITE))
        ws.append([])
        ws.append(ACTIVITE)  # row 4
        ws.append(["2024-01", "ALI-2022-03", 120, 15, 2, 3, 1, 4])  # row 5
        ws.append(["2024-02", "ALI-2022-03", 125, 10, 2, 3, 1, 4])  # row 6
        ws.append(["2024-03", "ALI-2022-03", 40, 5, 30, 40, 10, 20])  # row 7: 100 exits ≤ 125 + 5
        ws.append(["2024-04", "ALI-2022-03", 10, 2, 20, 15, 5, 5])  # row 8: 45 exits > 40 + 2
    return xlsx(fill)


# --- quirks: what the reader accepts ------------------------------------------------------------

@quirk("allocataires_dates_excel.xlsx")
def excel_dates() -> bytes:
    """Months as Excel date cells (any display format) and as bare serial numbers."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        ws.append([dt.datetime(2024, 3, 1), 93001, 5308])
        ws["A2"].number_format = "mmm yyyy"
        ws.append([dt.date(2024, 3, 31), 93005, 4210])
        ws["A3"].number_format = "dd/mm/yyyy"
        ws.append([45383, 93001, 5335])  # serial of 2024-04-01, shown as a number
        ws.append([45323.0, 93001, 5290])  # serial of 2024-02-01, as a float
    return xlsx(fill)


@quirk("allocataires_codes_nombres.xlsx")
def codes_as_numbers() -> bytes:
    """INSEE codes typed as numbers (int or float), codes with spaces, counts as text."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        ws.append(["2024-03", 93001, 5308])
        ws.append(["2024-03", 93005.0, 4210.0])
        ws.append(["2024-03", " 93006 ", "1 450"])
        ws.append(["2024-03", "93007", 2210])
    return xlsx(fill)


@quirk("allocataires_bloc_titre_cellules_fusionnees.xlsx")
def title_block_merged() -> bytes:
    """A merged title and source above the header; the table starts in column B."""
    def fill(wb):
        ws = wb.active
        ws.title = "RSA"
        title_block(ws, "Foyers allocataires du RSA — Seine-Saint-Denis",
                    "Source : CAF 93, extraction du 05/04/2024", 5)
        ws.append([])
        ws.append([None, *ALLOCATAIRES, "Libellé"])  # row 4
        for cell in ws[4]:
            cell.font, cell.fill = BOLD, GREY
        ws.append([None, "2024-03", 93001, 5308, "Aubervilliers"])
        ws.append([None, "2024-03", 93008, 3890, "Bobigny"])
    return xlsx(fill)


@quirk("allocataires_plusieurs_feuilles.xlsx")
def several_sheets() -> bytes:
    """The data sheet is neither the first nor the active one: it is found by its header."""
    def fill(wb):
        readme = wb.active
        readme.title = "Lisez-moi"
        readme["A1"] = "Export mensuel des foyers allocataires du RSA"
        readme["A2"] = "Mois : mois de référence ; Foyers : nombre de foyers"
        summary = wb.create_sheet("Synthèse")
        summary.append(["Mois", "Total foyers"])
        summary.append(["2024-03", 9518])
        data = wb.create_sheet("Données communes")
        data.append(ALLOCATAIRES)
        data.append(["2024-03", 93001, 5308])
        data.append(["2024-03", 93005, 4210])
        wb.create_sheet("Graphique")
        wb.active = 1
    return xlsx(fill)


@quirk("allocataires_lignes_colonnes_vides.xlsx")
def trailing_blanks() -> bytes:
    """Formatted but empty trailing rows and columns, a cell holding only spaces."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        ws.append(["2024-03", 93001, 5308])
        ws.append(["2024-03", 93005, 4210])
        for row in range(1, 41):
            for col in range(1, 11):
                cell = ws.cell(row=row, column=col)
                cell.border = BOX
                if row > 3 or col > 3:
                    cell.fill = GREY
        ws["B12"] = "   "
    return xlsx(fill)


@quirk("allocataires_total_premiere_colonne.xlsx")
def total_first_column() -> bytes:
    """The usual Excel total: "Total" in the first column, merged over the code column."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        ws.append(["2024-03", 93001, 5308])
        ws.append(["2024-03", 93005, 4210])
        ws.append(["Total", None, 9518])
        ws.merge_cells("A4:B4")
        ws["A4"].font = BOLD
    return xlsx(fill)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("corpus-generated")
    for name, path in build(target).items():
        print(f"{name}\t{path.stat().st_size} octets")


# --- partner files as they really come (issue 16) ---------------------------------------------

@quirk("allocataires_feuille_masquee.xlsx")
def hidden_older_sheet() -> bytes:
    """A visible sheet and, hidden, an older copy with the same header and ten times the
    values: the visible one is imported."""
    def fill(wb):
        old = wb.active
        old.title = "Ancien export"
        old.append(ALLOCATAIRES)
        old.append(["2024-03", 93001, 53080])
        old.append(["2024-03", 93005, 42100])
        old.sheet_state = "hidden"
        data = wb.create_sheet("Export")
        data.append(ALLOCATAIRES)
        data.append(["2024-03", 93001, 5308])
        data.append(["2024-03", 93005, 4210])
        wb.active = 1
    return xlsx(fill)


@bad("allocataires_une_feuille_par_annee.xlsx")
def one_sheet_per_year() -> bytes:
    """One data sheet per year: importing the first would drop the others without a word."""
    def fill(wb):
        for i, year in enumerate((2023, 2024)):
            ws = wb.active if i == 0 else wb.create_sheet()
            ws.title = str(year)
            ws.append(ALLOCATAIRES)
            ws.append([f"{year}-03", 93001, 5300 + i])
            ws.append([f"{year}-03", 93005, 4200 + i])
    return xlsx(fill)


@bad("allocataires_cellule_isolee_lointaine.xlsx")
def stray_far_cell() -> bytes:
    """A space left in XFD1048576 (a Ctrl+End leftover): the sheet's grid would be 16 384
    columns × 1 048 576 rows."""
    def fill(wb):
        simple_allocataires(wb)
        wb.active["XFD1048576"] = " "
    return xlsx(fill)


ODS_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Données">{rows}</table:table>
</office:spreadsheet></office:body></office:document-content>"""


def _ods_cell(value) -> str:
    if isinstance(value, int):
        return f'<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>'
    return f'<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>'


def ods(rows_xml: str) -> bytes:
    """An .ods workbook of one sheet « Données » whose rows are `rows_xml`."""
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", ODS_CONTENT.format(rows=rows_xml), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def _ods_rows(rows: list[list]) -> str:
    return "".join("<table:table-row>" + "".join(_ods_cell(v) for v in row) + "</table:table-row>" for row in rows)


SIMPLE_ROWS = [ALLOCATAIRES, ["2024-03", 93001, 5308], ["2024-03", 93005, 4210]]


@quirk("allocataires_libreoffice.ods")
def libreoffice_ods() -> bytes:
    """A LibreOffice Calc workbook, as many collectivités save them, with the blank area Calc
    writes after a table (repeated empty rows and cells: not data, not extent)."""
    blank = ('<table:table-row table:number-rows-repeated="1048573">'
             '<table:table-cell table:number-columns-repeated="1024"/></table:table-row>')
    return ods(_ods_rows(SIMPLE_ROWS) + blank)


@bad("allocataires_cellule_isolee_lointaine.ods")
def stray_far_cell_ods() -> bytes:
    """The same Ctrl+End leftover in a LibreOffice workbook: one space 1 048 570 rows and 1 000
    columns away (calamine would read every sheet whole as it opens the file)."""
    far = ('<table:table-row table:number-rows-repeated="1048570"><table:table-cell '
           'table:number-columns-repeated="1000"/></table:table-row><table:table-row><table:table-cell '
           'table:number-columns-repeated="1000"/><table:table-cell office:value-type="string"><text:p> </text:p>'
           '</table:table-cell></table:table-row>')
    return ods(_ods_rows(SIMPLE_ROWS) + far)


def xls(cells: list[tuple[int, int, object]]) -> bytes:
    """An Excel 97-2003 workbook (.xls, BIFF8) of one sheet « Données », written with xlwt."""
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Données")
    for r, c, value in cells:
        sheet.write(r, c, value)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


SIMPLE_CELLS = [(r, c, v) for r, row in enumerate(SIMPLE_ROWS) for c, v in enumerate(row)]


@quirk("allocataires_excel_97.xls")
def excel_97() -> bytes:
    """An Excel 97-2003 workbook (.xls, BIFF8)."""
    return xls(SIMPLE_CELLS)


@bad("allocataires_cellule_isolee_lointaine.xls")
def stray_far_cell_xls() -> bytes:
    """A space left in IV65536, the last cell of an .xls sheet (16.7 million cells: 1.4 GB read)."""
    return xls([*SIMPLE_CELLS, (65535, 255, " ")])


@bad("page_web.xls")
def html_saved_as_xls() -> bytes:
    """A web page saved with an .xls name (what some web exports give)."""
    return ("<html><head><meta charset='utf-8'></head><body><table><tr><td>Mois</td><td>Code commune</td>"
            "<td>Foyers</td></tr><tr><td>2024-03</td><td>93001</td><td>5308</td></tr></table></body></html>").encode()


@quirk("allocataires_mois_fusionne.xlsx")
def merged_month() -> bytes:
    """The month written once, in a cell merged down over its rows."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append(ALLOCATAIRES)
        ws.append(["2024-03", 93001, 5308])
        ws.append([None, 93005, 4210])
        ws.append([None, 93006, 1700])
        ws.merge_cells("A2:A4")
    return xlsx(fill)


@quirk("allocataires_erreur_colonne_ignoree.xlsx")
def error_in_ignored_column() -> bytes:
    """An Excel error (#DIV/0!) in a column the import does not read."""
    def fill(wb):
        ws = wb.active
        ws.title = "Données"
        ws.append([*ALLOCATAIRES, "Évolution"])
        ws.append(["2024-03", 93001, 5308, "#DIV/0!"])
        ws["D2"].data_type = "e"
        ws.append(["2024-03", 93005, 4210, 0.02])
    return xlsx(fill)


@bad("entites_xml.xlsx")
def xml_entities() -> bytes:
    """A workbook whose sheet XML declares entities (billion laughs)."""
    data = xlsx(simple_allocataires)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = b'<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>' + content
            target.writestr(item, content)
    return out.getvalue()
