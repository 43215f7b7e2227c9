"""Downloadable templates for each export kind, built from the kind's column declarations."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from dashboard.ingest.columns import PARSERS
from dashboard.ingest.kinds import KINDS


def template_csv(kind: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerow(
        [c.label for c in KINDS[kind].columns if c.type != "geometry"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx(kind: str) -> bytes:
    spec = KINDS[kind]
    book = Workbook()
    data = book.active
    data.title = "Données"
    columns = [c for c in spec.columns if c.type != "geometry"]
    data.append([c.label for c in columns])
    for cell in data[1]:
        cell.font = Font(bold=True)
    notice = book.create_sheet("Colonnes")
    notice.append(["Colonne", "Obligatoire", "Attendu", "Autres en-têtes acceptés"])
    for c in columns:
        notice.append([c.label, "oui" if c.required else "non", PARSERS[c.type][1], ", ".join(c.written())])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
