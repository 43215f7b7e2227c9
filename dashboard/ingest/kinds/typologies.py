"""`typologies` — the data·inclusion nomenclature of structure types (reference data)."""
from __future__ import annotations

from typing import Any

from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.store.models import StructureType


class Typologies(Kind):
    code = "typologies"
    label = "Nomenclature des types de structures (data·inclusion)"
    columns = [
        # Codes are case-sensitive in data·inclusion ("Autre"): kept as written.
        Column("code", "Code du type", "text", synonyms=("value", "typologie", "code_typologie")),
        Column("libelle", "Libellé", "text", synonyms=("label", "nom")),
    ]

    def check(self, ctx: Context) -> list[Problem]:
        seen: dict[str, int] = {}
        problems = []
        for row in ctx.parsed.rows:
            if row["code"] in seen:
                problems.append(ctx.problem(row, "code", row["code"],
                                            f"un code unique (déjà ligne {seen[row['code']]})"))
            seen.setdefault(row["code"], row["_line"])
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        for row in ctx.parsed.rows:
            ctx.writer.upsert(StructureType, {"code": row["code"]}, label=row["libelle"])
        return {"types": len(ctx.parsed.rows)}
