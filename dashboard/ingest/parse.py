"""Pure cell parsers for French office files.

Every parser takes the text a reader produced (or a Python value) and either returns a typed
value or raises ValueError whose message is what was expected, in French, ready to be used as
`Problem.expected`.
"""
from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import unicodedata


class Secret(enum.Enum):
    """A cell hidden by statistical secrecy (`s`, `nd`, `<5`…): known to be small, not zero."""

    SECRET = "secret"

    def __repr__(self) -> str:
        return "SECRET"


SECRET = Secret.SECRET

EXPECTED_COUNT = "un nombre entier positif"
EXPECTED_DECIMAL = "un nombre décimal (ex. 45,2)"
EXPECTED_MONTH = "un mois (2024-03, 03/2024, mars 2024 ou une date)"
EXPECTED_QUARTER = "un trimestre (2024-T1, T1 2024 ou 1er trimestre 2024)"
EXPECTED_DATE = "une date (2024-03-15 ou 15/03/2024)"

# Thousands separators seen in French files: space, no-break space, narrow no-break space, thin space.
_THOUSANDS = " \u00a0\u202f\u2009"
_SECRET_WORDS = {"s", "secret", "nd", "n.d.", "n.d"}
_SECRET_BELOW = re.compile(r"<\s*\d+")
_INT = re.compile(rf"\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+|\d+")
_EXCEL_INT = re.compile(r"(\d+)\.0+")  # repr of an integral Excel number (codes typed as numbers)
# A French integer written with zero decimals (1 037,00): the comma is a decimal comma.
_DOT_GROUPS = re.compile(r"\d{1,3}(?:\.\d{3})+")  # 1.000, 12.500: thousands or decimals? Ambiguous.
_ZERO_DECIMALS = re.compile(rf"(\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+|\d+),0+")
_DECIMAL = re.compile(
    rf"-?(?:\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+|\d+)(?:[.,]\d+)?(?:[eE][-+]?\d+)?"
)

# Excel serial dates count days from 1899-12-30; the window keeps codes and counts out.
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")

_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1,
    "fevrier": 2, "fevr": 2, "fev": 2,
    "mars": 3, "mar": 3,
    "avril": 4, "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7, "juil": 7,
    "aout": 8,
    "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10,
    "novembre": 11, "nov": 11,
    "decembre": 12, "dec": 12,
}

_YEAR_MONTH = re.compile(r"(\d{4})[-/](\d{1,2})")
_MONTH_YEAR = re.compile(r"(\d{1,2})[-/](\d{4})")
_COMPACT_MONTH = re.compile(r"((?:19|20)\d\d)(0[1-9]|1[0-2])")  # 202403, as CAF exports write it
_NAMED_MONTH = re.compile(r"([a-z]+)\.?[\s./-]*(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?")
_FR_DATE = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")

_QUARTER_PATTERNS = (
    (re.compile(r"(\d{4})\s*[-/ ]?\s*[tq]([1-4])"), 1, 2),  # 2024-T1, 2024T1, 2024-Q1
    (re.compile(r"[tq]([1-4])\s*[-/ ]?\s*(\d{4})"), 2, 1),  # T1 2024
    (re.compile(r"([1-4])\s*(?:er|e|eme|nd)?\s*trim(?:estre|\.)?\s*(\d{4})"), 2, 1),  # 1er trimestre 2024
)

_FORMULA_START = ("=", "+", "-", "@")
_SIGNED_NUMBER = re.compile(
    rf"[-+]?(?:\d{{1,3}}(?:[{_THOUSANDS}]\d{{3}})+|\d+)(?:[.,]\d+)?(?:[eE][-+]?\d+)?"
)


def fold(text: str) -> str:
    """Lowercase without accents (œ/æ spelled out: NFKD does not split them)."""
    text = text.lower().replace("œ", "oe").replace("æ", "ae")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@functools.lru_cache(maxsize=65536)  # a wide file repeats its headers in every row looked at
def normalize_header(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")


def _is_secret(text: str) -> bool:
    return text.lower() in _SECRET_WORDS or bool(_SECRET_BELOW.fullmatch(text))


def parse_count(text: str | None) -> int | None | Secret:
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if _is_secret(text):
        return SECRET
    if _INT.fullmatch(text):
        return _int(text)
    # In text, a dot is never a thousands separator: "1.000" could be 1 or 1000, and is refused.
    if _DOT_GROUPS.fullmatch(text):
        raise ValueError(f"{EXPECTED_COUNT} (le point n'est pas un séparateur de milliers : écrivez "
                         f"{text.replace('.', ' ')} ou {text.replace('.', '')})")
    # Zero decimals are an integer, whatever wrote them: 1037.0 (a program's number), 1 037,00.
    if m := (_EXCEL_INT.fullmatch(text) or _ZERO_DECIMALS.fullmatch(text)):
        return _int(m.group(1))
    if text.startswith(("-", "\u2212")) and _DECIMAL.fullmatch(text.replace("\u2212", "-")):
        raise ValueError(f"{EXPECTED_COUNT} (pas de valeur négative)")
    if _DECIMAL.fullmatch(text):
        raise ValueError(f"{EXPECTED_COUNT} (sans décimales)")
    raise ValueError(EXPECTED_COUNT)


def _int(text: str) -> int:
    """An integer in plain digits and thousands separators; past 15 digits, no count is real
    (and a float would lose it)."""
    digits = re.sub(f"[{_THOUSANDS}]", "", text)
    if len(digits.lstrip("0")) > 15:
        raise ValueError(f"{EXPECTED_COUNT} (au plus 15 chiffres)")
    return int(digits)


def parse_decimal(text: str | None) -> float | None | Secret:
    if text is None or not str(text).strip():
        return None
    text = str(text).strip()
    if _is_secret(text):
        return SECRET
    if not _DECIMAL.fullmatch(text):
        raise ValueError(EXPECTED_DECIMAL)
    return float(re.sub(f"[{_THOUSANDS}]", "", text).replace(",", "."))


def _from_serial(serial: float) -> dt.date:
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise ValueError(serial)
    return _EXCEL_EPOCH + dt.timedelta(days=int(serial))


def _as_date(value, expected: str) -> dt.date | None:
    """Dates that every date-like parser accepts: Python dates, Excel serials (number or text),
    ISO dates with an optional time, and dd/mm/yyyy. None when `value` is none of those."""
    try:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _from_serial(value)
        text = str(value).strip()
        if _SERIAL_TEXT.fullmatch(text):
            return _from_serial(float(text))
        if m := _ISO_DATE.fullmatch(text):
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        if m := _FR_DATE.fullmatch(text):
            return dt.date(int(m[3]), int(m[2]), int(m[1]))
    except (ValueError, OverflowError):
        raise ValueError(expected) from None
    return None


def _month_from_text(text: str) -> tuple[int, int] | None:
    """(year, month) for the month-only spellings; None if `text` is not one of them."""
    if m := _YEAR_MONTH.fullmatch(text):
        return int(m[1]), int(m[2])
    if m := _MONTH_YEAR.fullmatch(text):
        return int(m[2]), int(m[1])
    if m := _COMPACT_MONTH.fullmatch(text):
        return int(m[1]), int(m[2])
    if (m := _NAMED_MONTH.fullmatch(fold(text))) and m[1] in _MONTHS:
        year = int(m[2])
        return (year + 2000 if year < 100 else year), _MONTHS[m[1]]
    return None


def parse_month(value) -> dt.date:
    """First day of the month named by `value`."""
    if (day := _as_date(value, EXPECTED_MONTH)) is not None:
        return day.replace(day=1)
    if (ym := _month_from_text(str(value).strip())) is not None:
        try:
            return dt.date(ym[0], ym[1], 1)
        except ValueError:
            pass
    raise ValueError(EXPECTED_MONTH)


def parse_quarter(value) -> dt.date:
    """First day of the quarter; a month or date is accepted only if it starts a quarter."""
    text = fold(str(value).strip())
    for pattern, year_group, quarter_group in _QUARTER_PATTERNS:
        if m := pattern.fullmatch(text):
            return dt.date(int(m[year_group]), 3 * int(m[quarter_group]) - 2, 1)
    try:
        month = parse_month(value)
    except ValueError:
        raise ValueError(EXPECTED_QUARTER) from None
    if month.month % 3 != 1:
        raise ValueError(f"{EXPECTED_QUARTER}, le mois donné doit commencer un trimestre")
    return month


def parse_date(value) -> dt.date:
    if (day := _as_date(value, EXPECTED_DATE)) is not None:
        return day
    raise ValueError(EXPECTED_DATE)


def normalize_code(value) -> str:
    """Territory / structure code as the reference tables write it ("" when empty)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", str(value)).lstrip("'")  # ' is Excel's "keep as text" prefix
    if m := _EXCEL_INT.fullmatch(text):
        text = m.group(1)
    if re.fullmatch(r"\d{4}", text):  # Excel dropped the leading zero of 01001…09999
        text = "0" + text
    return text.upper()


def is_formula_injection(text: str | None) -> bool:
    """A text cell a spreadsheet would run as a formula (CSV injection)."""
    if text is None:
        return False
    text = str(text).strip()
    return text.startswith(_FORMULA_START) and not _SIGNED_NUMBER.fullmatch(text)


def luhn_ok(digits: str) -> bool:
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
