"""`ali_cohortes` — where the people who entered an ALI in a quarter are 6 or 12 months later.

Cohorts are only ever read from these exports, never estimated from monthly flows (flows cannot
tell who left from which entry quarter). Rules: the five statuses add up to the entries; the
horizon is 6 or 12 months and has been reached at the file's date; the entries of a quarter
are the same at both horizons.
"""
from __future__ import annotations

import datetime as dt

from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.ali_activite import ByAli
from dashboard.ingest.kinds.base import Context
from dashboard.periods import add_months
from dashboard.ingest.kinds.figures import Measure

HORIZONS = (6, 12)
STATUSES = ("suivis", "sorties_emploi_durable", "sorties_emploi_transition", "sorties_formation", "sorties_autres")


class AliCohortes(ByAli):
    code = "ali_cohortes"
    label = "Cohortes d'entrants des ALI (situation à 6 et 12 mois)"
    period_column = "trimestre"
    period_type = "quarter"
    series_start = dt.date(2009, 6, 1)
    columns = [
        Column("code_ali", "Code ALI", "code", synonyms=("ali", "ali_id", "agence")),
        Column("trimestre", "Trimestre d'entrée", "quarter",
               synonyms=("trimestre_d_entree", "trimestre_entree", "cohorte")),
        Column("horizon", "Horizon (mois)", "count", synonyms=("horizon_mois", "horizon_en_mois")),
        Column("entrees", "Entrées du trimestre", "count", synonyms=("entrees_du_trimestre", "entrants")),
        Column("suivis", "Toujours suivis", "count", synonyms=("toujours_suivis", "encore_suivis")),
        Column("sorties_emploi_durable", "Sortis vers l'emploi durable", "count",
               synonyms=("sortis_emploi_durable", "emploi_durable")),
        Column("sorties_emploi_transition", "Sortis vers l'emploi de transition", "count",
               synonyms=("sortis_emploi_de_transition", "sortis_emploi_transition", "emploi_de_transition")),
        Column("sorties_formation", "Sortis vers une formation", "count",
               synonyms=("sortis_formation", "sortis_formation_qualifiante", "formation")),
        Column("sorties_autres", "Autres sorties", "count", synonyms=("autres_sorties", "sortis_autres")),
        Column("entrees_qpv", "Dont résidant en QPV", "count", required=False,
               synonyms=("dont_qpv", "dont_residant_en_qpv", "entrees_qpv")),
    ]
    measures = [Measure(c, c) for c in ("entrees", *STATUSES, "entrees_qpv")]

    key_columns = ("horizon",)

    def check_rows(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        problems = []
        entries: dict[tuple, dict] = {}
        for row in rows:
            horizon = row["horizon"]
            if horizon not in HORIZONS:
                problems.append(ctx.problem(row, "horizon", horizon, "un horizon de 6 ou 12 mois"))
                continue
            reached = add_months(row["_period"], 3 + horizon)
            if reached > ctx.today:
                problems.append(ctx.problem(
                    row, "horizon", horizon,
                    f"un horizon atteint à la date du fichier (les entrants de ce trimestre n'ont "
                    f"{horizon} mois de recul qu'à partir de {reached:%m/%Y})"))
            values = [row[s] for s in STATUSES]
            if all(isinstance(v, int) for v in values) and isinstance(row["entrees"], int) \
                    and sum(values) != row["entrees"]:
                problems.append(ctx.problem(row, "entrees", row["entrees"],
                                            f"la somme des situations ({sum(values)}) : toujours suivis "
                                            "+ les quatre types de sortie"))
            key = (row["_territory_id"], row["_period"])
            if key in entries and entries[key]["entrees"] != row["entrees"]:
                problems.append(ctx.problem(row, "entrees", row["entrees"],
                                            f"les mêmes entrées qu'à l'autre horizon (ligne {entries[key]['_line']})"))
            entries.setdefault(key, row)
        return problems

    def apply(self, ctx: Context) -> dict:
        figures = []
        for row in ctx.cache["located"].to_dict("records"):
            cells = {"cohorte_entrees": row["entrees"], "cohorte_entrees_qpv": row["entrees_qpv"]}
            cells.update({f"cohorte_{row['horizon']}m_{s}": row[s] for s in STATUSES})
            for indicator, value in cells.items():
                if value is not None:
                    figures.append(self.figure_row(indicator, row, value))
        unique = list({(f.indicator, f.territory_id, f.period_start): f for f in figures}.values())
        return {"figures": ctx.writer.figures(unique), "cohorts": len({(f.territory_id, f.period_start)
                                                                        for f in unique})}
