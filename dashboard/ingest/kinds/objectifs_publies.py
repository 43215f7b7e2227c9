"""`objectifs_publies` — objectives the département has published for its whole programme
(reference data: data/reference/objectifs_publies_93.csv, each row with its source), kept apart
from the per-ALI objectives of the agreements so that a published figure and a sum of agreements
never share a series."""
from __future__ import annotations

import datetime as dt

from dashboard.ingest.columns import Column
from dashboard.ingest.kinds.figures import FigureKind, Measure


class ObjectifsPublies(FigureKind):
    code = "objectifs_publies"
    label = "Objectifs publiés du Département (places d'accompagnement)"
    period_column = "annee"
    period_type = "year"
    territory_column = "code_departement"
    territory_levels = ("departement",)
    series_start = dt.date(2020, 1, 1)
    years_ahead = 5
    columns = [
        Column("annee", "Année visée", "year", synonyms=("annee_visee", "echeance")),
        Column("code_departement", "Code département", "code", synonyms=("departement", "dep")),
        Column("places", "Places d'accompagnement visées", "count", synonyms=("places_visees", "objectif_places")),
        Column("source", "Source", "text", required=False, synonyms=("url", "adresse")),
    ]
    measures = [Measure("places", "programme_objectif_places")]
