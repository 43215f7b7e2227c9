"""Declarative column specs: how a partner's header and cells become typed values.

A kind declares its columns once (canonical name, French label, type, synonyms); this module
maps the file's headers onto them, refuses personal identifiers, and parses every cell,
collecting every problem with its line and column instead of stopping at the first.
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard.ingest import parse
from dashboard.ingest.errors import Problem
from dashboard.ingest.readers import RawTable

# Headers that name data about a person: such a file is refused whole (import contract).
PERSONAL_HEADERS = re.compile(
    r"^(nom|prenom|prenoms|nom_prenom|prenom_nom|nom_de_naissance|nom_d_usage|nir|"
    r"n_?ir|numero_de_securite_sociale|n_securite_sociale|num_secu|secu|securite_sociale|"
    r"e_?mail|mail|courriel|adresse_mail|adresse_e_mail|tel|telephone|portable|mobile|"
    r"date_de_naissance|naissance|ddn|date_naissance|"
    r"numero_allocataire|num_allocataire|n_allocataire|no_allocataire|matricule|matricule_caf|"
    r"identifiant_allocataire|numero_caf|"
    r"nom_et_prenom|prenom_et_nom|nom_de_famille|nom_usuel|"
    r"(n|no|num|numero)_(de_)?(securite_sociale|secu|nir|tel|telephone|portable|mobile)|"
    r"(n|no|num|numero|identifiant)_(d_)?allocataire(_caf)?|(n|no|num|numero|identifiant)_caf)$"
)


# "Total", "Total général", "TOTAL 93", "Total Seine-Saint-Denis", "Total département"…
TOTAL_LABEL = re.compile(r"^total(_general|_departement|_departemental|_93|_seine_saint_denis)?$")


def _count(v: str) -> Any:
    return parse.parse_count(v)


# type name -> (parser, what is expected, in French)
PARSERS: dict[str, tuple[Callable[[str], Any], str]] = {
    "count": (_count, "un nombre entier positif ou nul (ou une marque de secret : s, nd, <5)"),
    "decimal": (parse.parse_decimal, "un nombre décimal (ex. 45,2)"),
    "month": (parse.parse_month, "un mois (2024-03, 03/2024, mars 2024 ou une date)"),
    "quarter": (parse.parse_quarter, "un trimestre (2024-T1, T1 2024)"),
    "date": (parse.parse_date, "une date (2024-03-15 ou 15/03/2024)"),
    "year": (lambda v: _year(v), "une année sur quatre chiffres (ex. 2022)"),
    "code": (parse.normalize_code, "un code"),
    "codes": (lambda v: _codes(v), "une liste de codes séparés par « ; »"),
    "text": (lambda v: v.strip(), "un texte"),
    "geometry": (lambda v: _geometry(v), "une géométrie polygonale valide"),
    "lon": (lambda v: _bounded(v, -180, 180), "une longitude WGS84 (degrés décimaux)"),
    "lat": (lambda v: _bounded(v, -90, 90), "une latitude WGS84 (degrés décimaux)"),
}


def _year(v: str) -> int:
    text = re.sub(r"\.0+$", "", v.strip())  # an Excel number cell reads "2022.0"
    if not re.fullmatch(r"(19|20)\d\d", text):
        raise ValueError(text)
    return int(text)


def _codes(v: str) -> list[str]:
    codes = [parse.normalize_code(c) for c in re.split(r"[;,|/\s]+", v) if c.strip()]
    if not codes:
        raise ValueError(v)
    return codes


def _geometry(v: str):
    from dashboard import geometry

    geom = geometry.from_geojson(v)
    if geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon") or not geom.is_valid:
        raise ValueError(v)
    return geom


def _bounded(v: str, low: float, high: float) -> float:
    x = parse.parse_decimal(v)
    if not isinstance(x, float) or not low <= x <= high:
        raise ValueError(v)
    return x


@dataclass(frozen=True)
class Column:
    name: str  # canonical name, also the header of the published templates
    label: str  # French, for messages and templates
    type: str  # a key of PARSERS
    required: bool = True
    synonyms: tuple[str, ...] = ()

    def accepts(self, normalized_header: str) -> bool:
        """The canonical name, a synonym, or the French label itself ("Date d'ouverture")."""
        return normalized_header in self.names

    @functools.cached_property
    def names(self) -> frozenset[str]:
        """Every header this column answers to, normalised (computed once per column)."""
        return frozenset(parse.normalize_header(n) for n in (self.name, self.label, *self.synonyms))

    def written(self) -> list[str]:
        """The other headers accepted, as a person writes them (« mois de référence »)."""
        return [as_written(s) for s in (self.name, *self.synonyms)]


@dataclass
class ParsedTable:
    """The typed cells of a file, column by column: `frame` has one column per canonical name
    plus `_line` (the line a person sees in Excel) and `_total` (a "Total" row)."""

    frame: pd.DataFrame
    problems: list[Problem]
    ignored_columns: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # canonical -> header in the file
    _rows: list[dict[str, Any]] | None = None

    @property
    def rows(self) -> list[dict[str, Any]]:
        """The same cells as one dict per row (kinds whose files are small reason row by row)."""
        if self._rows is None:
            records = self.frame.to_dict("records")
            self._rows = [{k: (None if _missing(v) else v) for k, v in r.items()} for r in records]
        return self._rows


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def header_scorer(columns: list[Column]) -> Callable[[list[str]], int]:
    """How many cells of a candidate header row name a known column (finds the header under a
    title block)."""

    known = frozenset().union(*(col.names for col in columns))

    def score(cells: list[str]) -> int:
        return sum(1 for c in cells if c and parse.normalize_header(c) in known)

    return score


def map_headers(table: RawTable, columns: list[Column], chosen: dict[str, str] | None = None,
                ) -> tuple[dict[str, int], list[str], list[Problem]]:
    """Return canonical name -> column index, the ignored headers, and the problems.

    `chosen` names, for a canonical column, the file's header to read it from when the file
    has several candidates (an import option); a canonical name written exactly beats a synonym."""
    problems: list[Problem] = []
    index: dict[str, int] = {}
    ignored: list[str] = []
    normalized = [parse.normalize_header(h or "") for h in table.columns]
    for name, header in (chosen or {}).items():
        if header not in table.columns:
            problems.append(_problem(table, table.header_line, header, None,
                                     f"une colonne « {header} » (choisie pour « {name} »)"))
        else:
            index[name] = table.columns.index(header)
    _codes_beside_names(normalized, columns, index)
    for exact in (True, False):
        for i, norm in enumerate(normalized):
            if not norm or i in index.values():
                continue
            match = next((c for c in columns if (norm == c.name if exact else c.accepts(norm))), None)
            if match is None:
                continue
            if match.name in index:
                if match.name in (chosen or {}):
                    continue  # the import said which header to read; this one is ignored
                problems.append(_problem(table, table.header_line, table.columns[i], table.columns[i],
                                         f"une seule colonne « {match.label} » "
                                         f"(déjà lue dans « {table.columns[index[match.name]]} »)"))
            else:
                index[match.name] = i
    for i, norm in enumerate(normalized):
        if not norm or i in index.values():
            continue
        if PERSONAL_HEADERS.match(norm):
            problems.append(_problem(table, table.header_line, table.columns[i], table.columns[i],
                                     "aucune donnée personnelle : seuls des agrégats sont acceptés, "
                                     "retirez cette colonne"))
        elif not any(c.accepts(norm) for c in columns):
            ignored.append(table.columns[i])
    missing = [col for col in columns if col.required and col.name not in index]
    for col in missing:
        problems.append(_problem(table, table.header_line, None, None,
                                 f"une colonne « {col.label} » (ou "
                                 + ", ".join(f"« {s} »" for s in col.written()[:4])
                                 + f") ; en-têtes trouvés : {_found_headers(table.columns)}"))
    return index, ignored, problems


# The accents that header names drop to become synonyms, given back when they are shown.
_ACCENTED = {"activite": "activité", "anciennete": "ancienneté", "annee": "année", "debut": "début",
             "entree": "entrée", "entrees": "entrées", "libelle": "libellé", "millesime": "millésime",
             "periode": "période", "reference": "référence", "residant": "résidant", "residence": "résidence",
             "majore": "majoré", "laureat": "lauréat", "dec": "déc", "a": "à"}


def as_written(name: str) -> str:
    """A normalised header name as a person writes it: « mois_de_reference » → « mois de référence »."""
    return " ".join(_ACCENTED.get(word, word) for word in name.split("_"))


_MOJIBAKE = re.compile("Ã[©¨ª§ ¢´®¯¹»]|â€|ï»¿|Â[ °«»]")


def _found_headers(headers: list[str]) -> str:
    """The headers as the file writes them, and a word on the encoding when they look garbled
    (UTF-8 read as Windows-1252: « PÃ©riode »)."""
    shown = ", ".join(f"« {h} »" for h in headers if h) or "aucun"
    if any(_MOJIBAKE.search(h or "") for h in headers):
        shown += (" — des caractères comme « Ã© » signalent un fichier enregistré dans un autre encodage : "
                  "enregistrez-le en « CSV UTF-8 »")
    return shown


def _codes_beside_names(normalized: list[str], columns: list[Column], index: dict[str, int]) -> None:
    """The usual CAF layout: « Code commune » and, beside it, « Commune » with the names. Both
    answer to the code column; the one that says "code" is read as the codes, the other as the
    names (when the kind has a names column)."""
    names = next((c for c in columns if c.type == "text" and c.name == "libelle"), None)
    for col in columns:
        if col.type != "code" or col.name in index or names is None or names.name in index:
            continue
        candidates = [i for i, norm in enumerate(normalized) if norm and col.accepts(norm)]
        if len(candidates) != 2:
            continue
        coded = [i for i in candidates if re.search(r"code|codgeo|depcom|insee", normalized[i])]
        if len(coded) == 1:
            index[col.name] = coded[0]
            index[names.name] = next(i for i in candidates if i != coded[0])


def parse_table(table: RawTable, columns: list[Column], chosen: dict[str, str] | None = None) -> ParsedTable:
    """Parse every cell, column by column. Each distinct text is parsed once (a file of two
    million rows has a few dozen months and some thousands of codes), so large files cost a
    dictionary lookup per cell and the parsing rules stay those of `parse`.

    The table's rows are consumed: once split into columns they are released (a national file's
    rows weigh hundreds of megabytes)."""
    index, ignored, problems = map_headers(table, columns, chosen)
    if problems:
        return ParsedTable(pd.DataFrame(), problems, ignored)
    width = len(table.columns)
    rows = table.rows if all(len(row) == width for row in table.rows) \
        else [(*row, *[None] * (width - len(row))) for row in table.rows]
    cells = list(zip(*rows)) if rows else [()] * width
    del rows
    table.rows = []
    total = _total_rows(cells, columns, index, len(table.lines))
    data: dict[str, Any] = {"_line": table.lines, "_total": total}
    for col in columns:
        i = index.get(col.name)
        if i is None:
            data[col.name] = [None] * len(table.lines)
            continue
        data[col.name] = _parse_column(table, col, cells[i], total, problems, table.columns[i])
    # object columns keep Python values as parsed: ints stay ints, SECRET and None stay themselves
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) if k[0] != "_" else v for k, v in data.items()},
                         copy=False)
    problems.sort(key=lambda p: p.line or 0)  # stable: within a line, columns keep their order
    return ParsedTable(frame, problems, ignored, {c: table.columns[i] for c, i in index.items()})


def _total_rows(cells, columns: list[Column], index: dict[str, int], count: int) -> list[bool]:
    """A "Total" row is kept aside: the kind checks it against the sum, then drops it."""
    total = [False] * count
    for col in columns:
        if col.name not in index:
            continue
        labels = {v for v in set(cells[index[col.name]]) if isinstance(v, str)
                  and TOTAL_LABEL.match(parse.normalize_header(v))}
        if labels:
            total = [t or v in labels for t, v in zip(total, cells[index[col.name]])]
    return total


def _parse_column(table: RawTable, col: Column, values, total: list[bool], problems: list[Problem],
                  header: str) -> list[Any]:
    parser, expected = PARSERS[col.type]
    parsed: dict[Any, Any] = {}
    bad = object()
    why: dict[Any, str] = {}  # what the parser said beyond "expected": the cause, in parentheses
    for raw in set(values):
        if raw is None or not str(raw).strip():
            parsed[raw] = None
            continue
        try:
            parsed[raw] = parser(str(raw))
        except ValueError as error:
            parsed[raw] = bad
            if (cause := re.search(r"\((?:le point|au plus)[^)]*\)\s*$", str(error))) is not None:
                why[raw] = " " + cause.group()
    out = [parsed[v] for v in values]
    if any(v is None or v is bad for v in parsed.values()):
        for n, (value, raw) in enumerate(zip(out, values)):
            if value is bad and total[n] and TOTAL_LABEL.match(parse.normalize_header(str(raw))):
                out[n] = None  # the "Total" label of a total row, written in this column
            elif value is bad:
                problems.append(_problem(table, table.lines[n], header, str(raw), expected + why.get(raw, "")))
                out[n] = None
            elif value is None and col.required and not total[n]:
                problems.append(_problem(table, table.lines[n], header, "(vide)", expected))
    return out


def _problem(table: RawTable, line: int | None, column: str | None, found: str | None, expected: str) -> Problem:
    return Problem(file=table.file_name, sheet=table.sheet, line=line, column=column, found=found, expected=expected)


def problem_at(table: RawTable, parsed: ParsedTable, row: dict, column: str | None, found: Any, expected: str) -> Problem:
    """A problem about a parsed row, located by the row's line and the file's own header."""
    header = parsed.mapping.get(column, column) if column else None
    return _problem(table, row.get("_line"), header, None if found is None else str(found), expected)
