"""`allocataires` — the CAF's monthly export: RSA households by commune or QPV and month."""
from __future__ import annotations

import datetime as dt

from dashboard.ingest.columns import Column
from dashboard.ingest.kinds.figures import FigureKind, Measure

MONTH_SYNONYMS = ("periode", "date", "mois_de_reference", "mois_annee")
TERRITORY_SYNONYMS = ("code_commune", "codgeo", "code_insee", "code_territoire", "depcom", "code_qpv",
                      "commune", "territoire")


class Allocataires(FigureKind):
    code = "allocataires"
    label = "Foyers allocataires du RSA par territoire et par mois (CAF)"
    territory_column = "code_territoire"
    series_start = dt.date(2009, 6, 1)  # the RSA exists since June 2009
    columns = [
        Column("mois", "Mois", "month", synonyms=MONTH_SYNONYMS),
        Column("code_territoire", "Code commune ou QPV", "code", synonyms=TERRITORY_SYNONYMS),
        Column("foyers", "Foyers allocataires du RSA", "count",
               synonyms=("foyers_rsa", "nb_foyers", "nombre_de_foyers", "foyers_allocataires", "allocataires_rsa")),
        Column("personnes_couvertes", "Personnes couvertes", "count", required=False,
               synonyms=("nb_personnes_couvertes", "personnes")),
        Column("foyers_majores", "Foyers avec majoration", "count", required=False,
               synonyms=("foyers_majoration", "majoration", "rsa_majore", "foyers_rsa_majore")),
        Column("foyers_2ans_plus", "Foyers au RSA depuis 2 ans ou plus", "count", required=False,
               synonyms=("foyers_anciennete_2_ans", "anciennete_2_ans_et_plus", "foyers_2_ans_et_plus")),
        Column("libelle", "Nom du territoire", "text", required=False, synonyms=("nom_commune", "libgeo")),
    ]
    measures = [
        Measure("foyers", "rsa_foyers"),
        Measure("personnes_couvertes", "rsa_personnes_couvertes"),
        Measure("foyers_majores", "rsa_foyers_majores"),
        Measure("foyers_2ans_plus", "rsa_foyers_2ans_plus"),
    ]
