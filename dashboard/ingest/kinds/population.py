"""`population` — INSEE populations légales by commune and year (reference data)."""
from __future__ import annotations

import datetime as dt

from dashboard.ingest.columns import Column
from dashboard.ingest.kinds.figures import FigureKind, Measure


class Population(FigureKind):
    code = "population"
    label = "Population municipale (INSEE)"
    period_column = "annee"
    period_type = "year"
    geography_column = "geographie"
    territory_levels = ("commune",)
    series_start = dt.date(1990, 1, 1)
    columns = [
        Column("annee", "Année", "year", synonyms=("annee_population", "millesime", "annee_de_reference")),
        Column("code_commune", "Code commune", "code",
               synonyms=("code_insee", "codgeo", "code_commune_insee", "com", "depcom")),
        Column("population", "Population municipale", "count",
               synonyms=("population_municipale", "pmun", "pop_mun")),
        Column("geographie", "Géographie des codes", "text", required=False, synonyms=("cog", "millesime_cog")),
        Column("nom_commune", "Nom de la commune", "text", required=False, synonyms=("nom", "libgeo", "commune")),
    ]
    territory_column = "code_commune"
    measures = [Measure("population", "population")]
