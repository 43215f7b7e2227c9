"""`ali_activite` — each ALI's monthly activity: file active, entries, exits by type.

A row is an ALI × month, or an ALI × month × commune of residence. Figures are written on the
ALI's circonscription in the geography of the month (or on the commune of residence). The flow
rule of the contract: exits of a month cannot exceed the file active of the previous month plus
the entries of the month; the previous month is read from the file, else from the store.
"""
from __future__ import annotations

import datetime as dt
import re

import pandas as pd
from sqlalchemy import select

from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.allocataires import MONTH_SYNONYMS
from dashboard.ingest.kinds.base import Context
from dashboard.ingest.kinds.figures import FigureKind, Measure
from dashboard.ingest.write import territory_ids
from dashboard.store.models import Ali, Figure, Geography, Territory

EXITS = ("sorties_emploi_durable", "sorties_emploi_transition", "sorties_formation", "sorties_autres")


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def previous_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def ali_of(ctx: Context, code: str) -> Ali | None:
    alis = ctx.cache.setdefault("alis", {a.code: a for a in ctx.session.scalars(select(Ali))})
    return alis.get(code)


def ali_territories(ctx: Context, geography: Geography) -> dict[str, int]:
    """ALI code -> id of its circonscription in one geography."""
    circs = territory_ids(ctx.session, geography.code, ("circonscription",))
    return {a.code: circs[a.circonscription_code] for a in ctx.session.scalars(select(Ali))
            if a.circonscription_code in circs}


UNKNOWN_ALI = "un code d'ALI connu (import « territoires »), dont la circonscription existe en "


class ByAli(FigureKind):
    """A kind whose rows name an ALI (`code_ali`) and are written on its circonscription."""

    territory_column = "code_ali"

    def territory_lookup(self, ctx: Context, geography: Geography) -> dict[str, int]:
        return ali_territories(ctx, geography)

    def unknown_code(self, geography: Geography, code: str) -> tuple[str, str]:
        return "code_ali", UNKNOWN_ALI + geography.label


class AliActivite(FigureKind):
    code = "ali_activite"
    label = "Activité mensuelle des ALI (file active, entrées, sorties)"
    territory_column = "code_ali"
    territory_levels = ("commune",)
    series_start = dt.date(2009, 6, 1)
    columns = [
        Column("mois", "Mois", "month", synonyms=MONTH_SYNONYMS),
        Column("code_ali", "Code ALI", "code", synonyms=("ali", "ali_id", "agence", "code_agence")),
        Column("file_active", "File active fin de mois", "count",
               synonyms=("file_active_fin_de_mois", "personnes_suivies", "suivis_fin_de_mois", "nb_suivis")),
        Column("entrees", "Entrées du mois", "count", synonyms=("entrees_du_mois", "nb_entrees")),
        Column("sorties_emploi_durable", "Sorties vers l'emploi durable", "count",
               synonyms=("sorties_emploi_durable", "emploi_durable")),
        Column("sorties_emploi_transition", "Sorties vers l'emploi de transition", "count",
               synonyms=("sorties_emploi_de_transition", "emploi_de_transition", "emploi_transition")),
        Column("sorties_formation", "Sorties vers une formation qualifiante", "count",
               synonyms=("sorties_formation_qualifiante", "formation_qualifiante", "formation")),
        Column("sorties_autres", "Autres sorties", "count", synonyms=("autres_sorties", "sorties_autre")),
        Column("code_commune", "Commune de résidence", "code", required=False,
               synonyms=("commune_de_residence", "code_commune_de_residence", "code_insee")),
        Column("file_active_qpv", "Dont résidant en QPV (file active)", "count", required=False,
               synonyms=("dont_residant_en_qpv_file_active", "dont_qpv", "dont_residant_en_qpv", "file_active_qpv")),
    ]
    measures = [
        Measure("file_active", "ali_file_active"),
        Measure("entrees", "ali_entrees"),
        Measure("sorties_emploi_durable", "ali_sorties_emploi_durable"),
        Measure("sorties_emploi_transition", "ali_sorties_emploi_transition"),
        Measure("sorties_formation", "ali_sorties_formation"),
        Measure("sorties_autres", "ali_sorties_autres"),
        Measure("file_active_qpv", "ali_file_active_qpv"),
    ]

    key_columns = ("code_ali",)

    def territory_keys(self, frame: pd.DataFrame) -> pd.Series:
        # The commune of residence when the file gives one, else the ALI's circonscription.
        return frame["code_commune"].where(frame["code_commune"].notna(), frame["code_ali"])

    def territory_lookup(self, ctx: Context, geography: Geography) -> dict[str, int]:
        return {**territory_ids(ctx.session, geography.code, ("commune", "commune_deleguee")),
                **ali_territories(ctx, geography)}

    def unknown_code(self, geography: Geography, code: str) -> tuple[str, str]:
        if re.fullmatch(r"\d[\dAB]\d{3}", code):
            return "code_commune", f"un code de commune connu de la géographie {geography.label}"
        return "code_ali", UNKNOWN_ALI + geography.label

    def check_rows(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        problems = []
        for row in rows:
            ali = ali_of(ctx, row["code_ali"])
            if ali is None:  # a row given per commune of residence names its ALI too
                problems.append(ctx.problem(row, "code_ali", row["code_ali"], "un code d'ALI connu (import « territoires »)"))
            elif ali.start_date is not None and row["_period"] < ali.start_date.replace(day=1):
                problems.append(ctx.problem(row, self.period_column, row["_period"].isoformat()[:7],
                                            f"un mois à partir du démarrage de l'ALI ({ali.start_date:%m/%Y})"))
            if row["file_active_qpv"] is not None and _num(row["file_active_qpv"]) > _num(row["file_active"]):
                problems.append(ctx.problem(row, "file_active_qpv", row["file_active_qpv"],
                                            f"au plus la file active ({row['file_active']})"))
        stock = {(r["_territory_id"], r["_period"]): r["file_active"] for r in rows}
        for row in sorted(rows, key=lambda r: r["_period"]):
            exits = [row[c] for c in EXITS]
            if any(not isinstance(v, int) for v in exits) or not isinstance(row["entrees"], int):
                continue  # a secret cell: the rule cannot be checked
            before = previous_month(row["_period"])
            previous = stock.get((row["_territory_id"], before))
            if previous is None:
                previous = self._stored_stock(ctx, row, before)
            if not isinstance(previous, int):
                continue
            if sum(exits) > previous + row["entrees"]:
                problems.append(ctx.problem(
                    row, "sorties_autres", sum(exits),
                    f"des sorties (somme des quatre types) au plus égales à la file active du mois précédent "
                    f"({previous}) plus les entrées du mois ({row['entrees']})"))
        # A correction is checked against the month after it too, when the store holds that one
        # and this file does not: a smaller file active would break the later month's rule.
        for row in rows:
            after = next_month(row["_period"])
            if not isinstance(row["file_active"], int) or (row["_territory_id"], after) in stock:
                continue
            stored = self._stored_month(ctx, row, after)
            entries = stored.get("ali_entrees")
            if entries is None or any(f"ali_{c}" not in stored for c in EXITS):
                continue  # a secret or missing cell: the rule cannot be checked
            exits = [stored[f"ali_{c}"] for c in EXITS]
            if sum(exits) > row["file_active"] + entries:
                problems.append(ctx.problem(
                    row, "file_active", row["file_active"],
                    f"une file active d'au moins {sum(exits) - entries} : le mois suivant ({after:%m/%Y}), déjà "
                    f"importé, compte {sum(exits)} sorties pour {entries} entrées"))
        return problems

    def _stored_month(self, ctx: Context, row: dict, month: dt.date) -> dict[str, int]:
        """The stored entries and exits of the row's ALI for `month` (integers; secret ones left out)."""
        ali = ali_of(ctx, row["code_ali"])
        if ali is None:
            return {}  # an ALI the store does not know has nothing stored
        found = ctx.session.execute(select(Figure.indicator_code, Figure.value).where(
            Figure.indicator_code.in_(["ali_entrees", *(f"ali_{c}" for c in EXITS)]),
            Figure.period_type == "month", Figure.period_start == month, Figure.superseded_by.is_(None),
            Figure.territory_id.in_(select(Territory.id).where(Territory.level == "circonscription",
                                                               Territory.code == ali.circonscription_code))))
        return {code: int(value) for code, value in found if value is not None}

    def _stored_stock(self, ctx: Context, row: dict, month: dt.date) -> int | None:
        """The file active of `month` already in the store; 0 before the ALI's known start."""
        ali = ali_of(ctx, row["code_ali"])
        if ali is None:
            return None  # an ALI the store does not know has nothing stored
        if ali.start_date is not None and month < ali.start_date.replace(day=1):
            return 0
        value = ctx.session.scalar(select(Figure.value).where(
            Figure.indicator_code == "ali_file_active", Figure.period_type == "month",
            Figure.period_start == month, Figure.territory_id.in_(
                select(Territory.id).where(Territory.level == "circonscription",
                                           Territory.code == ali.circonscription_code)),
            Figure.superseded_by.is_(None)))
        return None if value is None else int(value)


def _num(value) -> float:
    return value if isinstance(value, int | float) else 0
