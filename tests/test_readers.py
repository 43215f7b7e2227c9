"""Reading partner files: every accepted quirk and every refusal of the import contract."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.parse import normalize_header, parse_count, parse_decimal, parse_month
from dashboard.ingest.readers import read_geo, read_table

KNOWN = {"mois", "periode", "code", "code_insee", "foyers", "entrees", "formule"}


def score(cells: list[str]) -> int:
    return sum(normalize_header(c) in KNOWN for c in cells)


def read(path, **kw):
    return read_table(path, header_score=score, **kw)


def refusal(path, **kw):
    with pytest.raises(ImportRefused) as exc:
        read(path, **kw)
    return exc.value.problems


def only(problems):
    assert len(problems) == 1, problems
    return problems[0]


def write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def xlsx_bytes(build) -> bytes:
    wb = Workbook()
    build(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def simple_sheet(wb):
    ws = wb.active
    ws.title = "Données"
    ws.append(["Mois", "Code", "Foyers"])
    ws.append(["2024-03", 93001, 12])


def with_member(data: bytes, member: str, content: bytes = b"x") -> bytes:
    buf = io.BytesIO(data)
    with zipfile.ZipFile(buf, "a") as z:
        z.writestr(member, content)
    return buf.getvalue()


# --- CSV: encodings, separators, line ends -------------------------------------------------

CSV_TEXT = "Mois;Code;Foyers\r\nmars 2024;93001;12 345\r\nfévr. 2024;93005;7\r\n"


@pytest.mark.parametrize("encoding, data, expected_encoding", [
    ("utf-8", CSV_TEXT.encode("utf-8"), "utf-8"),
    ("utf-8 BOM", b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"), "utf-8-sig"),
    ("cp1252", CSV_TEXT.encode("cp1252"), "cp1252"),
    ("utf-16 BOM", CSV_TEXT.encode("utf-16"), "utf-16"),
])
def test_csv_encodings(tmp_path, encoding, data, expected_encoding):
    table = read(write(tmp_path, "caf.csv", data))
    assert table.encoding == expected_encoding
    assert table.columns == ["Mois", "Code", "Foyers"]  # no BOM left in the first header
    assert table.rows[1][0] == "févr. 2024"
    assert table.header_line == 1 and table.lines == [2, 3]


def test_excel_unicode_text_export(tmp_path):
    # Excel's "Texte Unicode (*.txt)": UTF-16 little-endian with BOM, tab-separated.
    data = "Mois\tCode\tFoyers\r\n2024-03\t93001\t12\u00a0345\r\n".encode("utf-16")
    table = read(write(tmp_path, "export.txt", data))
    assert (table.encoding, table.separator) == ("utf-16", "\t")
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "12\u00a0345"]]


def test_cp1252_specific_characters(tmp_path):
    # "œ" and "’" exist in Windows-1252 but not in Latin-1.
    data = "Mois;Code;Foyers\n2024-03;93001;12\nœuvre’s;;\n".encode("cp1252")
    table = read(write(tmp_path, "f.csv", data))
    assert table.encoding == "cp1252"
    assert table.rows[1][0] == "œuvre’s"


def test_bytes_invalid_in_cp1252_fall_back_without_failing(tmp_path):
    data = "Mois;Code;Foyers\n2024-03;93001;12\n".encode() + b"\x81\x8d;;\n"
    table = read(write(tmp_path, "f.csv", data))
    assert table.encoding and list(table.rows[0]) == ["2024-03", "93001", "12"]


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_csv_separators(tmp_path, sep):
    text = sep.join(["Mois", "Code", "Foyers"]) + "\n" + sep.join(["2024-03", "93001", "12"]) + "\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.separator == sep
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "12"]]


def test_semicolon_wins_over_french_decimal_commas(tmp_path):
    text = "Mois;Code;Foyers\n2024-03;93001;45,2\n2024-04;93001;46,1\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.separator == ";"
    assert list(table.rows[0]) == ["2024-03", "93001", "45,2"]


def test_commas_in_title_block_do_not_fool_the_separator(tmp_path):
    text = "Source : CAF, données au 31/03/2024, champ : RSA\n\nMois;Code;Foyers\n2024-03;93001;1\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert (table.separator, table.header_line, table.lines) == (";", 3, [4])


def test_comma_separated_with_quoted_french_decimals(tmp_path):
    text = 'Mois,Code,Foyers\n2024-03,93001,"45,2"\n'
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.separator == ","
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "45,2"]]


def test_quoted_field_spanning_lines_counts_rows_as_a_spreadsheet_shows_them(tmp_path):
    """A quoted cell over two text lines is one row: the next row is row 3, as Excel and
    LibreOffice number it, not text line 4."""
    text = 'Mois;Code;Foyers\r\n"mars\r\n2024";"93;001";1\r\n2024-04;93001;2\r\n'
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert list(table.rows[0]) == ["mars\r\n2024", "93;001", "1"]
    assert table.lines == [2, 3]


def test_title_block_blank_and_trailing_rows(tmp_path):
    text = ("Allocataires du RSA — Seine-Saint-Denis;;\n"
            "Source : CAF;;\n"
            "\n"
            "Mois;Code;Foyers;\n"
            "2024-03;93001;12;\n"
            ";;;\n"
            "2024-04;93001;13;\n"
            ";;;\n\n\n")
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.header_line == 4
    assert table.columns == ["Mois", "Code", "Foyers"]  # trailing empty column dropped
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "12"], ["2024-04", "93001", "13"]]
    assert table.lines == [5, 7]


def test_cells_stripped_and_empty_cells_none(tmp_path):
    text = "  Mois ; Code ;Foyers\n 2024-03 ;\u00a093001\u00a0;  \n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.columns == ["Mois", "Code", "Foyers"]
    assert [list(r) for r in table.rows] == [["2024-03", "93001", None]]


def test_french_thousands_separators_reach_the_parser(tmp_path):
    text = "Mois;Code;Foyers;Entrées\n2024-03;93001;12\u00a0345;1\u202f234,5\n"
    row = read(write(tmp_path, "f.csv", text.encode())).rows[0]
    assert parse_count(row[2]) == 12345
    assert parse_decimal(row[3]) == 1234.5


def test_duplicate_and_unnamed_headers_are_kept(tmp_path):
    text = "Mois;Foyers;Foyers;;\n2024-03;1;2;x;\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.columns == ["Mois", "Foyers", "Foyers", ""]
    assert [list(r) for r in table.rows] == [["2024-03", "1", "2", "x"]]


def test_rows_shorter_or_longer_than_header_are_padded(tmp_path):
    text = "Mois;Code;Foyers\n2024-03\n2024-04;93001;1;extra\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.columns == ["Mois", "Code", "Foyers", ""]
    assert [list(r) for r in table.rows] == [["2024-03", None, None, None], ["2024-04", "93001", "1", "extra"]]


def test_total_row_is_returned(tmp_path):
    text = "Mois;Code;Foyers\n2024-03;93001;1\n2024-03;93005;2\nTotal général;;3\n"
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert list(table.rows[-1]) == ["Total général", None, "3"]
    assert table.lines[-1] == 4


def test_file_name_defaults_to_path_name_and_drops_directories(tmp_path):
    path = write(tmp_path, "upload.tmp", b"Mois;Code\n2024-03;93001\n")
    assert read(path).file_name == "upload.tmp"
    assert read(path, file_name=r"C:\Users\caf\export mars.csv").file_name == "export mars.csv"


# --- refusals common to every file ----------------------------------------------------------

def test_no_header_is_refused(tmp_path):
    path = write(tmp_path, "f.csv", b"a;b;c\n1;2;3\n")
    p = only(refusal(path))
    assert (p.file, p.line, p.column, p.sheet) == ("f.csv", None, None, None)
    assert p.found == "aucune ligne d'en-tête reconnue"


def test_header_below_thirty_filled_rows_is_not_found(tmp_path):
    text = "titre\n" * 30 + "Mois;Code\n2024-03;93001\n"
    assert only(refusal(write(tmp_path, "f.csv", text.encode()))).found == "aucune ligne d'en-tête reconnue"


@pytest.mark.parametrize("data", [b"", b"  \r\n\t\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\xff\xfe\n\x00"])
def test_empty_file_is_refused(tmp_path, data):
    p = only(refusal(write(tmp_path, "vide.csv", data)))
    assert (p.file, p.line, p.column) == ("vide.csv", None, None)
    assert p.found == "un fichier vide"


def test_file_over_size_limit_is_refused(tmp_path):
    path = write(tmp_path, "gros.csv", b"Mois;Code\n" + b"2024-03;93001\n" * 100)
    p = only(refusal(path, max_bytes=1000))
    assert (p.file, p.line, p.column) == ("gros.csv", None, None)
    assert p.found == "un fichier de 0,0 Mo" and "au plus" in p.expected


def test_renamed_pdf_is_refused(tmp_path):
    p = only(refusal(write(tmp_path, "export.csv", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")))
    assert (p.file, p.line, p.column) == ("export.csv", None, None)
    assert p.found == "un document PDF" and p.expected == "un fichier CSV ou XLSX"


def test_renamed_zip_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "bonjour")
    p = only(refusal(write(tmp_path, "export.xlsx", buf.getvalue())))
    assert (p.file, p.line, p.column) == ("export.xlsx", None, None)
    assert p.found == "une archive ZIP qui n'est pas un classeur XLSX"


def test_a_damaged_legacy_xls_is_refused_as_unreadable(tmp_path):
    """Excel 97-2003 files are read (the corpus's .xls); a broken one is named so."""
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    p = only(refusal(write(tmp_path, "vieux.xls", data)))
    assert p.file == "vieux.xls" and p.line is None
    assert p.found == "un classeur illisible ou endommagé" and ".xls" in p.expected


def test_password_protected_workbook_is_refused(tmp_path):
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100) + "EncryptedPackage".encode("utf-16-le")
    p = only(refusal(write(tmp_path, "secret.xlsx", data)))
    assert p.found == "un classeur protégé par un mot de passe"


def test_unknown_binary_is_refused(tmp_path):
    p = only(refusal(write(tmp_path, "image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")))
    assert p.found == "un fichier binaire d'un type non reconnu"


def test_unclosed_quote_is_refused_with_its_line(tmp_path):
    text = 'Mois;Code\n2024-03;93001\n2024-04;"93' + "x" * 200_000 + "\n"
    p = only(refusal(write(tmp_path, "f.csv", text.encode())))
    assert (p.file, p.line, p.column) == ("f.csv", 3, None)


# --- XLSX -----------------------------------------------------------------------------------

def title_block_workbook(wb):
    ws = wb.active
    ws.title = "Données"
    ws["B3"] = "Allocataires du RSA par commune"
    ws.merge_cells("B3:F3")
    ws["B5"], ws["C5"], ws["D5"], ws["E5"] = "Mois", "Code INSEE", "Foyers", "Part"
    ws["F5"].fill = PatternFill("solid", fgColor="FFFF00")  # a styled, empty column
    ws.append([None, dt.datetime(2024, 3, 1), 93001, 12345, 45.2])
    ws.append([None, dt.date(2024, 4, 1), 93005.0, 7, 0.5])
    ws.append([None, "Total", None, 12352, None])
    ws["H5"] = " "  # blank header far right, and a blank cell far below: layout, not data
    ws["H11"] = " "


def test_xlsx_title_block_lines_are_excel_rows(tmp_path):
    table = read(write(tmp_path, "caf.xlsx", xlsx_bytes(title_block_workbook)))
    assert table.sheet == "Données"
    assert table.header_line == 5
    assert table.lines == [6, 7, 8]
    assert table.columns == ["Mois", "Code INSEE", "Foyers", "Part"]
    assert table.encoding is None and table.separator is None


def test_xlsx_cell_values_as_text(tmp_path):
    rows = [list(r) for r in read(write(tmp_path, "caf.xlsx", xlsx_bytes(title_block_workbook))).rows]
    assert rows[0][1:] == ["93001", "12345", "45.2"]
    assert rows[1][1:] == ["93005", "7", "0.5"]
    assert rows[2] == ["Total", None, "12352", None]  # the total row is the caller's business
    assert rows[0][0] in ("2024-03-01", "2024-03-01 00:00:00")
    assert parse_month(rows[0][0]) == dt.date(2024, 3, 1)
    assert parse_month(rows[1][0]) == dt.date(2024, 4, 1)


def test_xlsx_datetime_with_time_and_text_cells(tmp_path):
    def build(wb):
        ws = wb.active
        ws.append(["Mois", "Code", "Foyers"])
        ws.append([dt.datetime(2024, 3, 1, 10, 5), "  93001 ", "s"])

    table = read(write(tmp_path, "f.xlsx", xlsx_bytes(build)))
    assert [list(r) for r in table.rows] == [["2024-03-01 10:05:00", "93001", "s"]]


def test_xlsx_sheet_found_by_its_header(tmp_path):
    def build(wb):
        notes = wb.active
        notes.title = "Notes"
        notes.append(["Ce fichier contient les données de mars"])
        data = wb.create_sheet("Données")
        data.append(["Période", "Code", "Foyers"])
        data.append(["2024-03", 93001, 12])

    table = read(write(tmp_path, "f.xlsx", xlsx_bytes(build)))
    assert table.sheet == "Données"
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "12"]]


def test_xlsx_named_sheet(tmp_path):
    def build(wb):
        wb.active.title = "2023"
        wb.active.append(["Mois", "Code", "Foyers"])
        wb.active.append(["2023-03", 93001, 1])
        ws = wb.create_sheet("2024")
        ws.append(["Mois", "Code", "Foyers"])
        ws.append(["2024-03", 93001, 2])

    path = write(tmp_path, "f.xlsx", xlsx_bytes(build))
    # Two data sheets: never one of them silently (the other would be dropped), but the one named.
    with pytest.raises(ImportRefused, match="plusieurs feuilles de données : « 2023 », « 2024 »"):
        read(path)
    assert [list(r) for r in read(path, sheet="2024").rows] == [["2024-03", "93001", "2"]]


def test_xlsx_missing_sheet_names_the_available_ones(tmp_path):
    def build(wb):
        simple_sheet(wb)
        wb.create_sheet("Notes")

    p = only(refusal(write(tmp_path, "f.xlsx", xlsx_bytes(build)), sheet="Feuil1"))
    assert (p.file, p.line, p.column, p.found) == ("f.xlsx", None, None, "Feuil1")
    assert p.expected == "le nom d'une feuille du classeur : « Données », « Notes »"


def test_xlsx_without_header_in_any_sheet(tmp_path):
    def build(wb):
        wb.active.append(["rien"])
        wb.create_sheet("Autre").append(["non plus"])

    p = only(refusal(write(tmp_path, "f.xlsx", xlsx_bytes(build))))
    assert (p.found, p.sheet, p.line) == ("aucune ligne d'en-tête reconnue", None, None)
    assert "« Sheet », « Autre »" in p.expected


def test_xlsx_formula_without_cached_value_is_refused(tmp_path):
    def build(wb):
        ws = wb.active
        ws.title = "Données"
        ws["A1"] = "=CONCATENATE(\"Titre \", 2024)"
        ws.append(["Mois", "Code", "Foyers"])
        ws.append(["2024-03", 93001, 12])
        ws.append(["2024-04", 93001, "=C3+1"])

    problems = refusal(write(tmp_path, "calc.xlsx", xlsx_bytes(build)))
    located = [(p.file, p.sheet, p.line, p.column, p.found) for p in problems]
    assert located == [
        ("calc.xlsx", "Données", 1, "A", '=CONCATENATE("Titre ", 2024)'),
        ("calc.xlsx", "Données", 4, "Foyers", "=C3+1"),
    ]
    assert problems[1].message() == (
        "calc.xlsx, feuille « Données », ligne 4, colonne « Foyers » : trouvé « =C3+1 », "
        "attendu une valeur calculée (ouvrez le fichier dans Excel puis enregistrez-le pour "
        "calculer les formules).")


def rewrite_sheet(data: bytes, old: bytes, new: bytes) -> bytes:
    """Edit the first sheet's XML, as another spreadsheet program would have written it."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            content = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert old in content
                content = content.replace(old, new)
            dst.writestr(item, content)
    return out.getvalue()


def test_xlsx_formula_with_cached_value_is_read(tmp_path):
    def build(wb):
        ws = wb.active
        ws.append(["Mois", "Code", "Foyers", "Commentaire"])
        ws.append(["2024-03", 93001, "=10+3", '=""'])

    data = rewrite_sheet(xlsx_bytes(build), b'<c r="C2"><f>10+3</f><v></v></c><c r="D2"><f>""</f><v></v>',
                         b'<c r="C2"><f>10+3</f><v>13</v></c><c r="D2" t="str"><f>""</f><v></v>')
    table = read(write(tmp_path, "f.xlsx", data))
    assert [list(r) for r in table.rows] == [["2024-03", "93001", "13", None]]


def test_xlsx_error_cell_is_refused(tmp_path):
    def build(wb):
        simple_sheet(wb)
        wb.active["C2"] = "#DIV/0!"
        wb.active["C2"].data_type = "e"

    p = only(refusal(write(tmp_path, "f.xlsx", xlsx_bytes(build))))
    assert (p.line, p.column, p.found) == (2, "Foyers", "#DIV/0!")


def test_xlsm_macros_are_refused(tmp_path):
    data = with_member(xlsx_bytes(simple_sheet), "xl/vbaProject.bin", b"\x00VBA")
    p = only(refusal(write(tmp_path, "macro.xlsx", data)))
    assert (p.file, p.line, p.column) == ("macro.xlsx", None, None)
    assert p.found == "un classeur avec macros (.xlsm)"


def test_xlsm_extension_is_refused(tmp_path):
    p = only(refusal(write(tmp_path, "classeur.xlsm", xlsx_bytes(simple_sheet))))
    assert p.found == "un classeur avec macros (.xlsm)"


def test_zip_bomb_total_size_is_refused(tmp_path):
    buf = io.BytesIO(xlsx_bytes(simple_sheet))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        with z.open("xl/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1 << 20)
            for _ in range(300):
                member.write(chunk)
    p = only(refusal(write(tmp_path, "bombe.xlsx", buf.getvalue())))
    assert (p.file, p.line, p.column) == ("bombe.xlsx", None, None)
    assert p.found.startswith("une archive qui se décompresse en 30")


def test_zip_bomb_ratio_is_refused(tmp_path):
    buf = io.BytesIO(xlsx_bytes(simple_sheet))
    with zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/zeros.bin", bytes(20 << 20))  # 20 Mo of zeros: ratio ~1000
    p = only(refusal(write(tmp_path, "bombe.xlsx", buf.getvalue())))
    assert (p.file, p.line, p.column) == ("bombe.xlsx", None, None)
    assert "xl/media/zeros.bin" in p.found and "zip bomb" in p.expected


def test_damaged_workbook_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "pas du XML")
    p = only(refusal(write(tmp_path, "f.xlsx", buf.getvalue())))
    assert p.found == "un classeur illisible ou endommagé"


def test_xlsx_read_as_xlsx_whatever_its_name(tmp_path):
    assert read(write(tmp_path, "export.csv", xlsx_bytes(simple_sheet))).sheet == "Données"


# --- geography ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def qpv_frame():
    import geopandas as gpd
    import shapely

    return gpd.GeoDataFrame({"code_qpv": ["QN09301M"]},
                            geometry=[shapely.box(652000, 6862000, 653000, 6863000)], crs=2154)


def test_geo_geojson(tmp_path, qpv_frame):
    path = tmp_path / "upload"
    qpv_frame.to_crs(4326).to_file(path, driver="GeoJSON")
    frame = read_geo(path, file_name="qpv.geojson")
    assert frame.crs.to_epsg() == 4326 and list(frame["code_qpv"]) == ["QN09301M"]


def test_geo_geopackage_is_reprojected(tmp_path, qpv_frame):
    qpv_frame.to_file(tmp_path / "qpv.gpkg")
    path = (tmp_path / "qpv.gpkg").rename(tmp_path / "upload")  # stored without its extension
    frame = read_geo(path, file_name="qpv.gpkg")
    assert frame.crs.to_epsg() == 4326
    assert 2.3 < frame.geometry.iloc[0].centroid.x < 2.6


def test_geo_zipped_shapefile_in_a_folder(tmp_path, qpv_frame):
    qpv_frame.to_file(tmp_path / "qpv.shp")
    archive = tmp_path / "upload.bin"
    with zipfile.ZipFile(archive, "w") as z:
        for part in tmp_path.glob("qpv.*"):
            z.write(part, f"QPV_2024/{part.name}")
        z.writestr("__MACOSX/QPV_2024/._qpv.shp", b"\x00\x05\x16\x07")
    frame = read_geo(archive, file_name="qpv.zip")
    assert frame.crs.to_epsg() == 4326 and len(frame) == 1


def test_geo_shapefile_without_projection_is_refused(tmp_path, qpv_frame):
    qpv_frame.to_file(tmp_path / "qpv.shp")
    archive = tmp_path / "qpv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext in ("shp", "shx", "dbf"):
            z.write(tmp_path / f"qpv.{ext}", f"qpv.{ext}")
    with pytest.raises(ImportRefused) as exc:
        read_geo(archive)
    p = only(exc.value.problems)
    assert (p.file, p.line, p.column) == ("qpv.zip", None, None)
    assert "système de coordonnées inconnu" in p.found


@pytest.mark.parametrize("data, found", [
    (b'{"type": "rien"}', "un fichier géographique illisible"),
    (b"code;nom\n1;a\n", "un fichier d'un type non géographique"),
])
def test_geo_unreadable_is_refused(tmp_path, data, found):
    with pytest.raises(ImportRefused) as exc:
        read_geo(write(tmp_path, "qpv.geojson", data))
    p = only(exc.value.problems)
    assert (p.file, p.found) == ("qpv.geojson", found)


def test_geo_several_layers_are_refused(tmp_path, qpv_frame):
    path = tmp_path / "qpv.gpkg"
    qpv_frame.to_file(path, layer="qpv_2024")
    qpv_frame.to_file(path, layer="qpv_2015")
    with pytest.raises(ImportRefused) as exc:
        read_geo(path)
    p = only(exc.value.problems)
    assert (p.file, p.line, p.column) == ("qpv.gpkg", None, None)
    assert p.found == "2 couches (qpv_2024, qpv_2015)" and p.expected == "une seule couche géographique"


def test_control_characters_are_named_in_messages():
    """A NUL byte or an escape in a cell printed as nothing: the message names them."""
    from dashboard.ingest.errors import Problem

    problem = Problem(file="f.csv", line=3, column="Foyers", found="12\x00\x1b", expected="un nombre")
    assert problem.found == "12\\0\\x1b"
    assert "trouvé « 12\\0\\x1b »" in problem.message()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["\n", "\r\n", "\r"]),  # the row's line ending
                               st.booleans(),  # a blank line after it
                               st.sampled_from(["", "Saint-Denis", "Nord\nSud", "ligne 1\r\nligne 2\r\nligne 3"])),
                     min_size=1, max_size=12))
def test_every_text_line_is_accounted_for(tmp_path, rows):
    """Whatever the line endings, blank lines and quoted cells over several lines, the rows read
    plus the line breaks inside cells are the file's lines: the reader's check never refuses a
    sound file, and `file_lines` counts rows as a spreadsheet does."""
    text, records, expected = "Mois;Code;Foyers;Note\n", 1, []
    for i, (ending, blank, note) in enumerate(rows):
        text += f'2024-03;93{i:03d};{i};"{note}"{ending}' + (ending if blank else "")
        records += 1
        expected.append(records)
        records += blank
    table = read(write(tmp_path, "f.csv", text.encode()))
    assert table.lines == expected
    assert [row[3] for row in table.rows] == [note or None for _, _, note in rows]
    assert table.file_lines == records
