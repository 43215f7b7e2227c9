"""Cell parsers: French numbers, months, quarters, dates, codes, and the problem messages."""
from __future__ import annotations

import datetime as dt
import pickle

import pytest

from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.parse import (
    SECRET, is_formula_injection, luhn_ok, normalize_code, normalize_header, parse_count,
    parse_date, parse_decimal, parse_month, parse_quarter,
)

D = dt.date


# --- headers --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Code INSEE", "code_insee"),
    ("Période", "periode"),
    (" Nb. de foyers ", "nb_de_foyers"),
    ("CODGEO", "codgeo"),
    ("code_insee", "code_insee"),
    ("Entrées\ndu mois", "entrees_du_mois"),
    ("Main-d'œuvre", "main_d_oeuvre"),
    ("__", ""),
])
def test_normalize_header(text, expected):
    assert normalize_header(text) == expected


# --- counts and decimals ----------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("12", 12), ("0", 0), (" 12 ", 12),
    ("12 345", 12345), ("12\u00a0345", 12345), ("12\u202f345", 12345), ("12\u2009345", 12345),
    ("1 234 567", 1234567), ("12345.0", 12345),
    (None, None), ("", None), ("  \u00a0", None),
])
def test_parse_count(text, expected):
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["s", "S", "secret", "Secret", "nd", "ND", "n.d.", "<5", "< 5", "<3", "<11"])
def test_parse_count_secret(text):
    assert parse_count(text) is SECRET
    assert parse_decimal(text) is SECRET


@pytest.mark.parametrize("text, detail", [
    ("-3", "pas de valeur négative"),
    ("\u22123", "pas de valeur négative"),
    ("12,5", "sans décimales"),
    ("12.5", "sans décimales"),
    ("abc", None),
    ("12 34", None),  # not a thousands grouping
    ("1 2345", None),
    ("12.345,0", None),
    ("+12", None),
])
def test_parse_count_refuses(text, detail):
    with pytest.raises(ValueError) as exc:
        parse_count(text)
    assert str(exc.value).startswith("un nombre entier positif")
    if detail:
        assert detail in str(exc.value)


@pytest.mark.parametrize("text, expected", [
    ("45,2", 45.2), ("45.2", 45.2), ("1 234,5", 1234.5), ("1\u202f234,5", 1234.5),
    ("12", 12.0), ("-0,5", -0.5), ("1e-05", 1e-05), ("12345.0", 12345.0), ("", None),
])
def test_parse_decimal(text, expected):
    assert parse_decimal(text) == pytest.approx(expected) if expected is not None else parse_decimal(text) is None


@pytest.mark.parametrize("text", ["45,2 %", "45,2%", "1.234,5", "1,234,567", "abc", "45,", ",5"])
def test_parse_decimal_refuses(text):
    with pytest.raises(ValueError, match="un nombre décimal"):
        parse_decimal(text)


def test_secret_is_a_singleton_that_survives_pickling():
    assert pickle.loads(pickle.dumps(SECRET)) is SECRET
    assert repr(SECRET) == "SECRET"


# --- months, quarters, dates ------------------------------------------------------------------

@pytest.mark.parametrize("value", [
    "2024-03", "2024-3", "03/2024", "3/2024", "mars 2024", "Mars 2024", "MARS 2024", "mars-24",
    "01/03/2024", "15/03/2024", "2024-03-01", "2024-03-15", "2024-03-01 00:00:00",
    "2024-03-01T10:05:00", "202403", D(2024, 3, 15), dt.datetime(2024, 3, 31, 23, 59),
    45352, 45352.0, 45382.75, "45352", "45352.0",
])
def test_parse_month_march_2024(value):
    assert parse_month(value) == D(2024, 3, 1)


@pytest.mark.parametrize("value, expected", [
    ("févr. 2024", D(2024, 2, 1)), ("fevrier 2024", D(2024, 2, 1)), ("Février 2024", D(2024, 2, 1)),
    ("janv 2024", D(2024, 1, 1)), ("janv.-24", D(2024, 1, 1)), ("juil. 2023", D(2023, 7, 1)),
    ("juin 2023", D(2023, 6, 1)), ("août 2023", D(2023, 8, 1)), ("sept. 2023", D(2023, 9, 1)),
    ("déc. 2023", D(2023, 12, 1)), ("décembre 2023", D(2023, 12, 1)),
])
def test_parse_month_french_names(value, expected):
    assert parse_month(value) == expected


@pytest.mark.parametrize("value", [
    "", "2024", "2024-13", "13/2024", "32/03/2024", "truc 2024", "mars", "1001", 93001.5, 100000,
    "2024-02-30", True,
])
def test_parse_month_refuses(value):
    with pytest.raises(ValueError, match="un mois"):
        parse_month(value)


@pytest.mark.parametrize("value, expected", [
    ("2024-T1", D(2024, 1, 1)), ("2024T1", D(2024, 1, 1)), ("T1 2024", D(2024, 1, 1)),
    ("2024-Q1", D(2024, 1, 1)), ("2024-t3", D(2024, 7, 1)), ("T4-2023", D(2023, 10, 1)),
    ("1er trimestre 2024", D(2024, 1, 1)), ("2e trimestre 2024", D(2024, 4, 1)),
    ("3ème trimestre 2024", D(2024, 7, 1)), ("2024-01", D(2024, 1, 1)), ("2024-04", D(2024, 4, 1)),
    ("01/10/2024", D(2024, 10, 1)), (D(2024, 7, 1), D(2024, 7, 1)),
])
def test_parse_quarter(value, expected):
    assert parse_quarter(value) == expected


@pytest.mark.parametrize("value", ["2024-02", "2024-T5", "T0 2024", "5e trimestre 2024", "trimestre", ""])
def test_parse_quarter_refuses(value):
    with pytest.raises(ValueError, match="un trimestre"):
        parse_quarter(value)


@pytest.mark.parametrize("value", [
    "2024-03-15", "15/03/2024", "15-03-2024", "2024-03-15 00:00:00", 45366, "45366",
    D(2024, 3, 15), dt.datetime(2024, 3, 15, 8, 0),
])
def test_parse_date(value):
    assert parse_date(value) == D(2024, 3, 15)


@pytest.mark.parametrize("value", ["2024-03", "mars 2024", "31/02/2024", "15/03/24", "", 12])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError, match="une date"):
        parse_date(value)


# --- codes, injection, SIRET ------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("93001", "93001"), (" 93001 ", "93001"), ("93\u00a0001", "93001"), ("93001.0", "93001"),
    (93001, "93001"), (93001.0, "93001"), ("1001", "01001"), (1001, "01001"),
    ("qn093001", "QN093001"), (" QP093012 ", "QP093012"), ("'01001", "01001"), ("2a004", "2A004"),
    (None, ""), ("", ""),
])
def test_normalize_code(value, expected):
    assert normalize_code(value) == expected


@pytest.mark.parametrize("text, expected", [
    ("=1+2", True), ("+33 1 23 45 67 89", True), ("-2+3+cmd|' /C calc'!A0", True),
    ("@SUM(A1)", True), ("  =HYPERLINK(\"x\")", True), ("-", True),
    ("-12", False), ("+12", False), ("-1 234,5", False), ("Bondy", False), ("", False), (None, False),
    ("a=b", False),
])
def test_is_formula_injection(text, expected):
    assert is_formula_injection(text) is expected


@pytest.mark.parametrize("digits, expected", [
    ("73282932000074", True), ("73282932000075", False), ("4111111111111111", True),
    ("", False), ("7328293200007A", False), ("٧٣", False),
])
def test_luhn_ok(digits, expected):
    assert luhn_ok(digits) is expected


# --- problems -------------------------------------------------------------------------------

def test_problem_message():
    p = Problem(file="fichier.xlsx", sheet="Données", line=12, column="Foyers", found="12,5",
                expected="un nombre entier positif")
    assert p.message() == ("fichier.xlsx, feuille « Données », ligne 12, colonne « Foyers » : "
                           "trouvé « 12,5 », attendu un nombre entier positif.")


def test_problem_message_without_location_or_found():
    p = Problem(file="f.csv", line=None, column=None, found=None, expected="une colonne « Mois »")
    assert p.message() == "f.csv : attendu une colonne « Mois »."


def test_problem_found_is_truncated():
    p = Problem(file="f.csv", line=2, column="Nom", found="x" * 100, expected="un texte court")
    assert len(p.found) == 60 and p.found.endswith("…")


def test_import_refused_lists_twenty_then_counts_the_rest():
    problems = [Problem("f.csv", i, "Foyers", "x", "un nombre entier positif") for i in range(2, 25)]
    exc = ImportRefused(problems)
    lines = str(exc).split("\n")
    assert exc.problems == problems
    assert len(lines) == 21
    assert lines[0] == "f.csv, ligne 2, colonne « Foyers » : trouvé « x », attendu un nombre entier positif."
    assert lines[-1] == "… et 3 autres problèmes"
    assert str(ImportRefused(problems[:21])).endswith("… et 1 autre problème")
    assert "autre" not in str(ImportRefused(problems[:20]))
