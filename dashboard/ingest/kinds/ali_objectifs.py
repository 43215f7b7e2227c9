"""`ali_objectifs` — what each ALI's agreement with the département sets for a calendar year:
places (people followed at once), people to take into follow-up during the year, and the share
of exits to durable employment aimed at.

Objectives are set in advance: a year up to two years ahead is accepted. Rules: places and
people to follow are positive whole numbers (no secret mark: an objective is not a count of
people); the target share is a percentage from 1 to 100 (0.2 — an Excel "%" cell read as its
fraction — is refused, never multiplied by 100 on a guess).
"""
from __future__ import annotations

from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.ali_activite import ByAli
from dashboard.ingest.kinds.base import Context
from dashboard.ingest.kinds.figures import Measure


class AliObjectifs(ByAli):
    code = "ali_objectifs"
    label = "Objectifs des ALI par année (places, personnes à accompagner, sorties visées)"
    period_column = "annee"
    period_type = "year"
    years_ahead = 2
    columns = [
        Column("annee", "Année", "year", synonyms=("annee_civile", "exercice", "annee_de_la_convention")),
        Column("code_ali", "Code ALI", "code", synonyms=("ali", "ali_id", "agence", "code_agence")),
        Column("places", "Places d'accompagnement", "count",
               synonyms=("places", "nombre_de_places", "capacite", "capacite_d_accompagnement")),
        Column("personnes_a_accompagner", "Personnes à accompagner dans l'année", "count",
               synonyms=("personnes_a_suivre", "objectif_personnes", "entrees_visees", "objectif_d_entrees",
                         "personnes_a_orienter")),
        Column("part_emploi_durable", "Part visée des sorties vers l'emploi durable (%)", "decimal",
               synonyms=("part_visee_des_sorties_vers_l_emploi_durable", "objectif_sorties_emploi_durable",
                         "part_visee_emploi_durable", "taux_de_sortie_emploi_durable_vise")),
    ]
    measures = [
        Measure("places", "ali_objectif_places"),
        Measure("personnes_a_accompagner", "ali_objectif_orientations"),
        Measure("part_emploi_durable", "ali_objectif_part_emploi_durable"),
    ]

    def check_rows(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        problems = []
        for row in rows:
            for column in ("places", "personnes_a_accompagner"):
                value = row[column]
                if not isinstance(value, int) or value <= 0:
                    problems.append(ctx.problem(row, column, value, "un objectif entier strictement positif "
                                                                    "(pas de marque de secret)"))
            share = row["part_emploi_durable"]
            if not isinstance(share, float | int) or not 1 <= share <= 100:
                # An Excel cell formatted "%" holds 0.2 for 20 %: never guessed, asked for as written.
                hint = " (0,2 est-il 20 % ? écrivez 20)" if isinstance(share, float | int) and 0 < share < 1 else ""
                problems.append(ctx.problem(row, "part_emploi_durable", share,
                                            f"un pourcentage entre 1 et 100{hint}"))
        return problems
