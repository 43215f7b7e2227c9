"""`caf_annuel` — CAF allocataires by commune at 31 December (INSEE/CNAF open data, reference)."""
from __future__ import annotations

import datetime as dt

from dashboard.ingest.columns import Column
from dashboard.ingest.kinds.figures import FigureKind, Measure


class CafAnnuel(FigureKind):
    code = "caf_annuel"
    label = "Allocataires CAF au 31 décembre, par commune (INSEE/CNAF)"
    period_column = "annee"
    territory_column = "code_commune"
    territory_levels = ("commune",)
    series_start = dt.date(2009, 12, 1)
    month_of_year = 12  # a stock at 31 December is the figure of the month of December
    columns = [
        Column("annee", "Année (situation au 31 décembre)", "year", synonyms=("annee_31dec", "annee_31_dec")),
        Column("code_commune", "Code commune", "code", synonyms=("commune", "code_insee", "codgeo", "depcom")),
        Column("nom_commune", "Nom de la commune", "text", required=False, synonyms=("nom", "libgeo")),
        Column("allocataires", "Allocataires CAF", "count", required=False,
               synonyms=("allocataires_caf", "a")),
        Column("foyers_rsa", "Foyers allocataires du RSA", "count",
               synonyms=("allocataires_rsa_arsas", "arsas", "foyers_rsa")),
        Column("foyers_prime_activite", "Foyers allocataires de la prime d'activité", "count", required=False,
               synonyms=("allocataires_prime_activite_appa", "appa")),
        Column("foyers_aah", "Foyers allocataires de l'AAH", "count", required=False,
               synonyms=("allocataires_aah_aaah", "aaah")),
    ]
    measures = [
        Measure("foyers_rsa", "rsa_foyers"),
        Measure("allocataires", "caf_allocataires"),
        Measure("foyers_prime_activite", "prime_activite_foyers"),
        Measure("foyers_aah", "aah_foyers"),
    ]
