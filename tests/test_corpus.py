"""The import corpus: one small file for every refusal and every accepted quirk of the import
contract (shared/formats/README.md), with what the importer must say or store.

Files live in tests/files/corpus/{bad,quirks}/, named for what they show. CSV files are
committed as they are (open them); binary ones (XLSX, XLSM, ZIP, PDF) are generated at test
time by tests/files/corpus/make_corpus.py, and the file over the size limit is written in the
test's own temporary directory, never committed.

- bad/: `import_file` raises ImportRefused; the problems' (line, column) are exactly the
  expected ones, each message holds the expected fragment, and the shared reference store is
  unchanged (every row of every table).
- quirks/: the import succeeds on a private copy of the reference store and writes exactly the
  expected figures (or structures).

To add a case: drop the file in bad/ or quirks/ (or a builder in make_corpus.py) and add its
line to REFUSALS or ACCEPTED; `test_every_corpus_file_has_an_expectation` keeps the two in step.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, import_file
from dashboard.ingest.parse import SECRET, Secret
from dashboard.store.models import Figure, Structure, Territory
from tests.helpers import snapshot

CORPUS = Path(__file__).parent / "files" / "corpus"
TODAY = dt.date(2026, 11, 24)
PROVENANCE = Provenance(source="Corpus de test de l'import", licence="usage interne")


def _load_builder():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_corpus = _load_builder()
OVERSIZED = "bad/trop_gros.csv"  # written per test: > 50 Mo


# --- what the contract lists ------------------------------------------------------------------

CONTRACT_REFUSALS = (
    "code de territoire inconnu", "code d'un autre département", "code QPV inexistant",
    "mois manquant", "mois illisible", "mois dans le futur", "mois avant le début de la série",
    "nombre négatif", "décimale dans un nombre entier", "texte dans une colonne de nombres",
    "ligne Total fausse", "sorties > file active du mois précédent + entrées",
    "situations de cohorte dont la somme n'est pas les entrées", "horizon de cohorte non atteint",
    "même (territoire, mois) deux fois avec des valeurs différentes", "colonne obligatoire manquante",
    "nom", "NIR", "e-mail", "téléphone", "date de naissance", "numéro d'allocataire CAF",
    "PDF renommé", "ZIP renommé", "fichier vide", "fichier trop gros", "XLSX avec macros (.xlsm)",
    "zip bomb", "formule sans valeur calculée", "SIRET invalide (14 chiffres, clé de Luhn)",
    # partner files as they really come (issue 16)
    "guillemet jamais refermé", "point comme séparateur de milliers", "QPV d'une liste close à cette date",
    "nombre démesuré", "plusieurs feuilles de données", "cellule isolée très loin du tableau",
    "ligne Total sous la somme des lignes publiées", "page web enregistrée en .xls", "en-têtes mal encodés",
    "XML avec entités",
    # data truth (issue 15)
    "93066 et 93059 dans un même mois",
    # objectives of the ALI agreements (issue 17)
    "part en fraction (cellule Excel au format %)", "objectif plus de deux ans à l'avance",
)
CONTRACT_QUIRKS = (
    "UTF-8", "UTF-8 avec BOM", "Windows-1252", "séparateur ;", "séparateur ,", "séparateur tabulation",
    "fins de ligne CRLF", "en-têtes : casse, accents, espaces, soulignés",
    "synonyme Code commune", "synonyme CODGEO", "synonyme code_insee", "synonyme Code INSEE",
    "synonyme Mois", "synonyme Période", "synonyme Date",
    "milliers : espace", "milliers : U+00A0", "milliers : U+202F", "virgule décimale",
    "mois 2024-03", "mois 03/2024", "mois mars 2024", "mois 01/03/2024",
    "date Excel", "numéro de série Excel", "code INSEE saisi comme nombre", "code entouré d'espaces",
    "bloc de titre", "plusieurs feuilles", "cellules de titre fusionnées", "lignes et colonnes vides en fin",
    "ligne Total juste (retirée)", "secret s", "secret secret", "secret nd", "secret <5",
    "colonnes dans le désordre", "colonnes en plus (ignorées)",
    "injection de formule stockée inerte", "nom qui ne correspond pas à son code (avertissement)",
    "93066 lu comme la commune nouvelle", "93066 lu comme la commune déléguée",
    # partner files as they really come (issue 16)
    "entier écrit avec des décimales nulles (1 037,00)", "feuille masquée (ignorée)",
    "BOM UTF-8 puis Windows-1252", "ligne « Total Seine-Saint-Denis »", "ligne Total avec des parts secrètes",
    "notes sous le tableau (signalées, non importées)", "classeur LibreOffice (.ods)", "classeur Excel 97-2003 (.xls)",
    "noms des communes à côté des codes", "mois dans une cellule fusionnée sur ses lignes",
    "erreur Excel dans une colonne ignorée",
)


# --- expectations -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    kind: str
    shows: tuple[str, ...]  # items of CONTRACT_REFUSALS
    problems: tuple[tuple[int | None, str | None, str], ...]  # (line, column as written, message fragment)
    xfail: str | None = None


@dataclass(frozen=True)
class Accepted:
    kind: str
    shows: tuple[str, ...]  # items of CONTRACT_QUIRKS
    # (indicator, territory, "YYYY-MM" of the period start) -> value; territory "93001" is a
    # commune, "déléguée 93059" a commune déléguée, "ALI-…" the ALI's circonscription, "QP…" a QPV
    figures: dict[tuple[str, str, str], float | Secret] = field(default_factory=dict)
    count: int | None = None  # figures the import writes, when not all are listed
    structures: tuple[dict, ...] | None = None
    ignored: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # notes under the table, reported and left out
    warnings: tuple[str, ...] = ()  # a fragment of each warning, in order
    options: tuple[tuple[str, str], ...] = ()  # import options (e.g. the reading of a shared code)
    xfail: str | None = None


COMMUNE = "attendu un code de territoire connu de la géographie"
COUNT = "attendu un nombre entier positif"
MONTH = "attendu un mois (2024-03, 03/2024, mars 2024 ou une date)"
PERSONAL = "attendu aucune donnée personnelle : seuls des agrégats sont acceptés, retirez cette colonne"
COMPUTED = "attendu une valeur calculée (ouvrez le fichier dans Excel"

REFUSALS: dict[str, Refusal] = {
    # territory
    "bad/allocataires_code_inconnu.csv": Refusal("allocataires", ("code de territoire inconnu",), (
        (3, "Code commune", f"trouvé « 93999 », {COMMUNE} COG 2024 (40 communes)"),
        (4, "Code commune", f"trouvé « 93100 », {COMMUNE} COG 2024"),
    )),
    "bad/allocataires_bloc_titre_code_inconnu.csv": Refusal("allocataires", ("code de territoire inconnu",), (
        (7, "Code commune", (f"allocataires_bloc_titre_code_inconnu.csv, ligne 7, colonne « Code commune » : "
                             f"trouvé « 93999 », {COMMUNE} COG 2024")),
    )),
    "bad/ali_activite_code_ali_inconnu.csv": Refusal("ali_activite", ("code de territoire inconnu",), (
        (3, "Code ALI", "trouvé « ALI-2022-14 », attendu un code d'ALI connu"),
        (4, "Code ALI", "trouvé « ALI-93-VILLETANEUSE », attendu un code d'ALI connu"),
    )),
    "bad/allocataires_code_autre_departement.csv": Refusal("allocataires", ("code d'un autre département",), (
        (3, "Code commune", f"trouvé « 75056 », {COMMUNE} COG 2024"),
        (4, "Code commune", f"trouvé « 92012 », {COMMUNE} COG 2024"),
        (5, "Code commune", f"trouvé « 95018 », {COMMUNE} COG 2025 (39 communes)"),
    )),
    "bad/allocataires_qpv_inexistant.csv": Refusal("allocataires", ("code QPV inexistant",), (
        (3, "CODGEO", f"trouvé « QP093999 », {COMMUNE} QPV 2015"),
        (4, "CODGEO", f"trouvé « QP075001 », {COMMUNE} QPV 2015"),
    )),
    "bad/allocataires_qpv_2024_non_charge.csv": Refusal("allocataires", ("code QPV inexistant",), (
        (3, "CODGEO", "trouvé « QN093001 », attendu un QPV d'une géographie chargée (import « qpv »)"),
    )),
    # month
    "bad/allocataires_mois_manquant.csv": Refusal("allocataires", ("mois manquant",), (
        (3, "Mois", f"trouvé « (vide) », {MONTH}"),
    )),
    "bad/allocataires_mois_illisible.csv": Refusal("allocataires", ("mois illisible",), (
        (3, "Mois", f"trouvé « 2024-13 », {MONTH}"),
        (4, "Mois", f"trouvé « mars », {MONTH}"),
        (5, "Mois", f"trouvé « 31/02/2024 », {MONTH}"),
    )),
    "bad/allocataires_mois_futur.csv": Refusal("allocataires", ("mois dans le futur",), (
        (3, "Mois", "trouvé « 2026-12 », attendu une période terminée (pas dans le futur)"),
        (4, "Mois", "attendu une période terminée (pas dans le futur)"),  # janvier 2027
        # the current month (today is 24 November 2026): its month-end figure does not exist yet
        (5, "Mois", "trouvé « 2026-11 », attendu une période terminée (pas dans le futur)"),
    )),
    "bad/allocataires_mois_avant_serie.csv": Refusal("allocataires", ("mois avant le début de la série",), (
        (3, "Mois", "trouvé « 2009-05 », attendu une période à partir de 06/2009"),
        (4, "Mois", "attendu une période à partir de 06/2009"),  # décembre 2008
    )),
    # numbers
    "bad/allocataires_nombre_negatif.csv": Refusal("allocataires", ("nombre négatif",), (
        (3, "Foyers", f"trouvé « -12 », {COUNT}"),
        (4, "Foyers", f"trouvé « \u22123 », {COUNT}"),  # U+2212, the minus sign of typeset numbers
    )),
    "bad/allocataires_nombre_decimal.csv": Refusal("allocataires", ("décimale dans un nombre entier",), (
        (3, "Foyers", f"trouvé « 3,5 », {COUNT}"),
        (4, "Foyers", f"trouvé « 1 234,5 », {COUNT}"),
        (5, "Foyers", f"trouvé « 12.5 », {COUNT}"),
    )),
    "bad/allocataires_point_milliers.csv": Refusal("allocataires", ("point comme séparateur de milliers",), (
        (2, "Foyers", "trouvé « 1.000 », attendu un nombre entier positif ou nul (ou une marque de secret : s, nd, "
                      "<5) (le point n'est pas un séparateur de milliers : écrivez 1 000 ou 1000)"),
        (3, "Foyers", "(le point n'est pas un séparateur de milliers : écrivez 2 000 ou 2000)"),
    )),
    "bad/allocataires_nombre_demesure.csv": Refusal("allocataires", ("nombre démesuré",), (
        (2, "Foyers", "(au plus 15 chiffres)"),
    )),
    "bad/allocataires_guillemet_non_ferme.csv": Refusal("allocataires", ("guillemet jamais refermé",), (
        (6, None, "trouvé « un guillemet (\") jamais refermé », attendu des guillemets refermés sur la même ligne"),
    )),
    "bad/allocataires_93066_et_93059_en_2025.csv": Refusal("allocataires", ("93066 et 93059 dans un même mois",), (
        (2, "Code commune", ("trouvé « 93066 », attendu une lecture déclarée du code 93066, donné ici avec 93059 "
                             "(Pierrefitte-sur-Seine) : soit la commune nouvelle Saint-Denis entière (option "
                             "--code-partage nouvelle")),
    )),
    "bad/allocataires_qpv_2015_apres_2023.csv": Refusal("allocataires", ("QPV d'une liste close à cette date",), (
        (3, "CODGEO", ("trouvé « QP093001 », attendu un QPV de la liste en vigueur en 01/2024 "
                       "(liste « QPV 2015 (périmètres 2015–2023) » close le 31/12/2023)")),
        (4, "CODGEO", "trouvé « QP093002 », attendu un QPV de la liste en vigueur en 02/2024"),
    )),
    "bad/allocataires_une_feuille_par_annee.xlsx": Refusal("allocataires", ("plusieurs feuilles de données",), (
        (None, None, ("trouvé « plusieurs feuilles de données : « 2023 », « 2024 » », attendu une seule feuille "
                      "de données par import : choisissez la feuille (option --sheet")),
    )),
    "bad/allocataires_cellule_isolee_lointaine.xlsx": Refusal(
        "allocataires", ("cellule isolée très loin du tableau",), (
            (1048576, "XFD", ("trouvé « une cellule remplie loin du tableau », attendu un tableau d'au plus "
                              "8 millions de cellules (celui-ci s'étend sur 1048576 lignes × 16384 colonnes)")),
        )),
    "bad/allocataires_cellule_isolee_lointaine.ods": Refusal(
        "allocataires", ("cellule isolée très loin du tableau",), (
            (1048574, "ALM", "attendu un tableau d'au plus 8 millions de cellules (celui-ci s'étend sur "
                             "1048574 lignes × 1001 colonnes)"),
        )),
    "bad/allocataires_cellule_isolee_lointaine.xls": Refusal(
        "allocataires", ("cellule isolée très loin du tableau",), (
            (65536, "IV", "attendu un tableau d'au plus 8 millions de cellules (celui-ci s'étend sur "
                          "65536 lignes × 256 colonnes)"),
        )),
    "bad/allocataires_total_sous_les_lignes_publiees.csv": Refusal(
        "allocataires", ("ligne Total sous la somme des lignes publiées",), (
            (4, "Foyers", ("trouvé « 5000 », attendu au moins la somme des lignes publiées (5\u202f308, sans les "
                           "cellules secrètes)")),
        )),
    "bad/entites_xml.xlsx": Refusal("allocataires", ("XML avec entités",), (
        (None, None, ("trouvé « un XML qui déclare des entités », attendu un classeur enregistré par un tableur "
                      "(« xl/worksheets/sheet1.xml » a été fabriqué ou piégé)")),
    )),
    "bad/page_web.xls": Refusal("allocataires", ("page web enregistrée en .xls",), (
        (None, None, "trouvé « une page web enregistrée en .xls (tableau HTML) », attendu un classeur .xlsx, .ods ou"),
    )),
    "bad/allocataires_texte_dans_nombre.csv": Refusal("allocataires", ("texte dans une colonne de nombres",), (
        (3, "Foyers", f"trouvé « douze », {COUNT}"),
        (4, "Foyers", f"trouvé « NC », {COUNT}"),
        (5, "Personnes couvertes", f"trouvé « n/a », {COUNT}"),
    )),
    "bad/allocataires_bloc_titre_erreurs.xlsx": Refusal("allocataires", ("nombre négatif", "mois illisible"), (
        (6, "Foyers", ("allocataires_bloc_titre_erreurs.xlsx, feuille « CAF 93 », ligne 6, colonne « Foyers » : "
                       f"trouvé « -4 », {COUNT}")),
        (8, "Mois", f"feuille « CAF 93 », ligne 8, colonne « Mois » : trouvé « 2024-13 », {MONTH}"),
    )),
    "bad/allocataires_total_faux.csv": Refusal("allocataires", ("ligne Total fausse",), (
        (4, "Foyers", "trouvé « 8500 », attendu la somme des lignes (8\u202f428)"),
    )),
    # rules across rows
    "bad/ali_activite_sorties_superieures.csv": Refusal(
        "ali_activite", ("sorties > file active du mois précédent + entrées",), (
            (3, "Autres sorties", ("trouvé « 145 », attendu des sorties (somme des quatre types) au plus égales à "
                                   "la file active du mois précédent (120) plus les entrées du mois (10)")),
        )),
    "bad/ali_activite_sorties_superieures.xlsx": Refusal(
        "ali_activite", ("sorties > file active du mois précédent + entrées",), (
            (8, "Autres sorties", ("feuille « Activité », ligne 8, colonne « Autres sorties » : trouvé « 45 », "
                                   "attendu des sorties (somme des quatre types) au plus égales à la file active "
                                   "du mois précédent (40) plus les entrées du mois (2)")),
        )),
    "bad/cohortes_statuts_somme_fausse.csv": Refusal(
        "ali_cohortes", ("situations de cohorte dont la somme n'est pas les entrées",), (
            (3, "Entrées du trimestre", "trouvé « 50 », attendu la somme des situations (51)"),
            (4, "Entrées du trimestre", "trouvé « 40 », attendu la somme des situations (50)"),
        )),
    "bad/ali_objectifs_part_en_fraction.csv": Refusal(
        "ali_objectifs", ("part en fraction (cellule Excel au format %)",), (
            (2, "Part visée des sorties vers l'emploi durable (%)",
             "trouvé « 0.2 », attendu un pourcentage entre 1 et 100 (0,2 est-il 20 % ? écrivez 20)"),
        )),
    "bad/ali_objectifs_annee_trop_lointaine.csv": Refusal(
        "ali_objectifs", ("objectif plus de deux ans à l'avance",), (
            (2, "exercice", "trouvé « 2030-01 », attendu une année au plus tard 2028"),
        )),
    "bad/cohortes_horizon_non_atteint.csv": Refusal("ali_cohortes", ("horizon de cohorte non atteint",), (
        (3, "Horizon (mois)", ("trouvé « 12 », attendu un horizon atteint à la date du fichier (les entrants de "
                               "ce trimestre n'ont 12 mois de recul qu'à partir de 01/2027)")),
        (4, "Horizon (mois)", ("trouvé « 6 », attendu un horizon atteint à la date du fichier (les entrants de "
                               "ce trimestre n'ont 6 mois de recul qu'à partir de 01/2027)")),
    )),
    "bad/allocataires_doublon_valeurs_differentes.csv": Refusal(
        "allocataires", ("même (territoire, mois) deux fois avec des valeurs différentes",), (
            # line 4 repeats line 2 with the same values: not a problem
            (5, "Code commune", ("trouvé « 93005 », attendu une seule ligne par territoire et période "
                                 "(déjà ligne 3 avec d'autres valeurs)")),
        )),
    "bad/structures_siret_invalide.csv": Refusal("structures", ("SIRET invalide (14 chiffres, clé de Luhn)",), (
        (3, "SIRET", "trouvé « 12345678901234 », attendu un SIRET de 14 chiffres valide (clé de Luhn)"),
        (4, "SIRET", "trouvé « 1234567 », attendu un SIRET de 14 chiffres valide"),
        (5, "SIRET", "trouvé « 4430618410004 », attendu un SIRET de 14 chiffres valide"),
    )),
    # columns
    "bad/allocataires_colonne_manquante.csv": Refusal("allocataires", ("colonne obligatoire manquante",), (
        (1, None, "allocataires_colonne_manquante.csv, ligne 1 : attendu une colonne « Foyers allocataires du RSA » "
                  "(ou « foyers », « foyers rsa », « nb foyers », « nombre de foyers ») ; en-têtes trouvés : « Mois », "
                  "« Code commune », « Personnes couvertes »"),
    )),
    "bad/allocataires_entetes_mal_encodes.csv": Refusal("allocataires", ("en-têtes mal encodés",), (
        (1, None, ("attendu une colonne « Mois » (ou « mois », « période », « date », « mois de référence ») ; "
                   "en-têtes trouvés : « PÃ©riode », « Code commune », « Foyers allocataires » — des caractères "
                   "comme « Ã© » signalent un fichier enregistré dans un autre encodage : enregistrez-le en « CSV UTF-8 »")),
    )),
    "bad/ali_activite_colonnes_manquantes.csv": Refusal("ali_activite", ("colonne obligatoire manquante",), (
        (1, None, "attendu une colonne « Entrées du mois »"),
        (1, None, "attendu une colonne « Autres sorties »"),
    )),
    "bad/allocataires_nom_prenom.csv": Refusal("allocataires", ("nom",), (
        (1, "Nom", f"ligne 1, colonne « Nom » : trouvé « Nom », {PERSONAL}"),
        (1, "Prénom", PERSONAL),
    )),
    "bad/allocataires_nir.csv": Refusal("allocataires", ("NIR",), ((1, "NIR", PERSONAL),)),
    "bad/allocataires_email.csv": Refusal("allocataires", ("e-mail",), ((1, "E-mail", PERSONAL),)),
    "bad/allocataires_telephone.csv": Refusal("allocataires", ("téléphone",), ((1, "Téléphone", PERSONAL),)),
    "bad/allocataires_date_naissance.csv": Refusal("allocataires", ("date de naissance",),
                                                   ((1, "Date de naissance", PERSONAL),)),
    "bad/allocataires_numero_caf.csv": Refusal("allocataires", ("numéro d'allocataire CAF",),
                                               ((1, "N° allocataire", PERSONAL),)),
    "bad/allocataires_identifiants_variantes.csv": Refusal(
        "allocataires", ("nom", "NIR", "téléphone", "numéro d'allocataire CAF"), (
            (1, "Nom de famille", PERSONAL),
            (1, "N° de sécurité sociale", PERSONAL),
            (1, "N° de téléphone", PERSONAL),
            (1, "N° allocataire CAF", PERSONAL),
        )),
    # the file itself
    "bad/renamed_pdf.csv": Refusal("allocataires", ("PDF renommé",), (
        (None, None, "renamed_pdf.csv : trouvé « un document PDF », attendu un fichier CSV ou XLSX"),
    )),
    "bad/renamed_zip.xlsx": Refusal("allocataires", ("ZIP renommé",), (
        (None, None, "trouvé « une archive ZIP qui n'est pas un classeur XLSX », attendu un fichier CSV ou XLSX"),
    )),
    "bad/allocataires_vide.csv": Refusal("allocataires", ("fichier vide",), (
        (None, None, "trouvé « un fichier vide »"),
    )),
    "bad/allocataires_vide_bom.csv": Refusal("allocataires", ("fichier vide",), (
        (None, None, "trouvé « un fichier vide »"),
    )),
    "bad/allocataires_entete_seule.csv": Refusal("allocataires", ("fichier vide",), (
        (1, None, ("allocataires_entete_seule.csv, ligne 1 : trouvé « aucune ligne de données sous l'en-tête », "
                   "attendu un fichier CSV ou XLSX avec au moins une ligne de données")),
    )),
    "bad/structures_liste_vide.csv": Refusal("structures", ("fichier vide",), (
        # would otherwise replace the whole list of structures with nothing
        (1, None, "trouvé « aucune ligne de données sous l'en-tête »"),
    )),
    "bad/modele_non_rempli.xlsx": Refusal("allocataires", ("fichier vide",), (
        (1, None, "feuille « Données », ligne 1 : trouvé « aucune ligne de données sous l'en-tête »"),
    )),
    "bad/classeur_vide.xlsx": Refusal("allocataires", ("fichier vide",), (
        (None, None, "feuille « Sheet » : trouvé « aucune ligne d'en-tête reconnue »"),
    )),
    OVERSIZED: Refusal("allocataires", ("fichier trop gros",), (
        (None, None, "attendu un fichier de 50,0 Mo au plus"),
    )),
    "bad/macro.xlsm": Refusal("allocataires", ("XLSX avec macros (.xlsm)",), (
        (None, None, "trouvé « un classeur avec macros (.xlsm) », attendu un classeur .xlsx sans macros"),
    )),
    "bad/macro_renommee.xlsx": Refusal("allocataires", ("XLSX avec macros (.xlsm)",), (
        (None, None, "trouvé « un classeur avec macros (.xlsm) »"),
    )),
    "bad/zip_bomb.xlsx": Refusal("allocataires", ("zip bomb",), (
        (None, None, "attendu un taux de compression de 100 au plus (archive piégée, « zip bomb »)"),
    )),
    "bad/zip_bomb_total.xlsx": Refusal("allocataires", ("zip bomb",), (
        (None, None, "trouvé « une archive qui se décompresse en 210,0 Mo », attendu une archive de 200,0 Mo"),
    )),
    "bad/formule_sans_valeur.xlsx": Refusal("allocataires", ("formule sans valeur calculée",), (
        (4, "Foyers", f"feuille « Données », ligne 4, colonne « Foyers » : trouvé « =1400+50 », {COMPUTED}"),
        (5, "Foyers", f"trouvé « =SUM(C2:C4) », {COMPUTED}"),
    )),
    "bad/cellule_erreur.xlsx": Refusal("allocataires", (), (  # an error cell: a value that cannot be read
        (3, "Foyers", "trouvé « #DIV/0! », attendu une valeur (la cellule affiche une erreur Excel)"),
    )),
}


def rsa(*rows: tuple[str, str, float | Secret], indicator: str = "rsa_foyers") -> dict:
    return {(indicator, territory, month): value for territory, month, value in rows}


ACCEPTED: dict[str, Accepted] = {
    "quirks/allocataires_utf8.csv": Accepted(
        "allocataires", ("UTF-8", "séparateur ;", "synonyme Code commune", "synonyme Mois", "mois 2024-03"),
        rsa(("93001", "2024-03", 5308), ("93031", "2024-03", 3120), ("93039", "2024-03", 412))),
    "quirks/allocataires_utf8_bom.csv": Accepted(
        "allocataires", ("UTF-8 avec BOM", "synonyme CODGEO", "synonyme Période"),
        rsa(("93001", "2024-03", 5308), ("93061", "2024-03", 905))),
    "quirks/allocataires_windows1252.csv": Accepted(
        "allocataires", ("Windows-1252", "synonyme Code INSEE", "synonyme Période", "fins de ligne CRLF"),
        rsa(("93031", "2024-03", 3120), ("93039", "2024-03", 412), ("93061", "2024-03", 905))),
    "quirks/allocataires_separateur_virgule.csv": Accepted(
        "allocataires", ("séparateur ,", "synonyme code_insee", "synonyme Date"),
        rsa(("93005", "2024-03", 4210), ("93008", "2024-03", 3890))),
    "quirks/allocataires_separateur_tabulation.csv": Accepted(
        "allocataires", ("séparateur tabulation", "milliers : espace"),
        {**rsa(("93048", "2024-03", 6120), ("93055", "2024-03", 3950)),
         **rsa(("93048", "2024-03", 14800), ("93055", "2024-03", 9420), indicator="rsa_personnes_couvertes")}),
    "quirks/allocataires_fins_de_ligne_crlf.csv": Accepted(
        "allocataires", ("fins de ligne CRLF",), rsa(("93010", "2024-03", 2870), ("93029", "2024-03", 3340))),
    "quirks/allocataires_entetes_casse_accents_espaces.csv": Accepted(
        "allocataires", ("en-têtes : casse, accents, espaces, soulignés",),
        {("rsa_foyers", "93001", "2024-03"): 5308, ("rsa_personnes_couvertes", "93001", "2024-03"): 12040,
         ("rsa_foyers_majores", "93001", "2024-03"): 610, ("rsa_foyers_2ans_plus", "93001", "2024-03"): 3120}),
    "quirks/allocataires_synonymes_date_code_insee.csv": Accepted(
        "allocataires", ("synonyme Date", "synonyme code_insee", "mois 01/03/2024"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_milliers_espaces.csv": Accepted(
        "allocataires", ("milliers : espace", "milliers : U+00A0", "milliers : U+202F"),
        {**rsa(("93001", "2024-03", 5308), ("93048", "2024-03", 6120), ("93066", "2024-03", 11230)),
         **rsa(("93001", "2024-03", 12040), ("93048", "2024-03", 14800), ("93066", "2024-03", 1027500),
               indicator="rsa_personnes_couvertes")}),
    "quirks/allocataires_formats_de_mois.csv": Accepted(
        "allocataires", ("mois 2024-03", "mois 03/2024", "mois mars 2024", "mois 01/03/2024"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93006", "2024-03", 1450),
            ("93007", "2024-03", 2210), ("93001", "2024-02", 5290), ("93001", "2024-04", 5335))),
    "quirks/allocataires_codes_espaces.csv": Accepted(
        "allocataires", ("code entouré d'espaces",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93006", "2024-03", 1450))),
    "quirks/allocataires_ligne_total.csv": Accepted(
        "allocataires", ("ligne Total juste (retirée)",),
        {**rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210)),
         **rsa(("93001", "2024-03", 12040), ("93005", "2024-03", 9650), indicator="rsa_personnes_couvertes")}),
    "quirks/allocataires_secret_statistique.csv": Accepted(
        "allocataires", ("secret s", "secret secret", "secret nd", "secret <5"),
        {**rsa(("93015", "2024-03", SECRET), ("93033", "2024-03", SECRET), ("93039", "2024-03", 412),
               ("93074", "2024-03", SECRET)),
         **rsa(("93015", "2024-03", SECRET), ("93033", "2024-03", SECRET), ("93039", "2024-03", SECRET),
               ("93074", "2024-03", SECRET), indicator="rsa_personnes_couvertes")}),
    "quirks/allocataires_colonnes_desordre_en_plus.csv": Accepted(
        "allocataires", ("colonnes dans le désordre", "colonnes en plus (ignorées)"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210)), ignored=("Commentaire", "Source")),
    "quirks/allocataires_titre_lignes_colonnes_vides.csv": Accepted(
        "allocataires", ("bloc de titre", "lignes et colonnes vides en fin"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_cog2024_cog2025.csv": Accepted(
        # until 2024-12 the 2024 communes (93059 is one); from 2025-01 the 2025 ones, where 93059
        # is a commune déléguée of Saint-Denis (93066)
        "allocataires", (), rsa(("93059", "2024-12", 2010), ("93066", "2024-12", 9150),
                                ("déléguée 93059", "2025-01", 2020), ("93001", "2025-01", 5350))),
    "quirks/allocataires_commune_nouvelle_2025.csv": Accepted(
        "allocataires", (), rsa(("93066", "2025-01", 11190), ("93001", "2025-01", 5350))),
    "quirks/allocataires_feuille_masquee.xlsx": Accepted(
        "allocataires", ("feuille masquée (ignorée)",), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_bom_puis_windows1252.csv": Accepted(
        "allocataires", ("BOM UTF-8 puis Windows-1252",), rsa(("93001", "2024-03", 5308), ("93031", "2024-03", 4210))),
    "quirks/allocataires_total_seine_saint_denis.csv": Accepted(
        "allocataires", ("ligne « Total Seine-Saint-Denis »",), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_total_avec_secret.csv": Accepted(
        "allocataires", ("ligne Total avec des parts secrètes",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", SECRET), ("93006", "2024-03", SECRET))),
    "quirks/allocataires_notes_sous_le_tableau.csv": Accepted(
        "allocataires", ("notes sous le tableau (signalées, non importées)",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210)),
        notes=("ligne 5 : Source : CAF de la Seine-Saint-Denis, fichier des allocataires au 31 mars 2024",
               "ligne 6 : s : secret statistique (moins de 5 foyers)")),
    "quirks/allocataires_libreoffice.ods": Accepted(
        "allocataires", ("classeur LibreOffice (.ods)",), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_excel_97.xls": Accepted(
        "allocataires", ("classeur Excel 97-2003 (.xls)",), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_noms_a_cote_des_codes.csv": Accepted(
        "allocataires", ("noms des communes à côté des codes",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    # The two readings of a 2025 file that gives both 93066 and 93059 (issue 15).
    "quirks/allocataires_93066_commune_nouvelle.csv": Accepted(
        "allocataires", ("93066 lu comme la commune nouvelle",),
        rsa(("93066", "2025-01", 11190), ("déléguée 93059", "2025-01", 2020), ("93001", "2025-01", 5350)),
        options=(("shared_code", "nouvelle"),)),
    "quirks/allocataires_93066_commune_deleguee.csv": Accepted(
        "allocataires", ("93066 lu comme la commune déléguée",),
        rsa(("déléguée 93066", "2025-01", 9170), ("déléguée 93059", "2025-01", 2020), ("93001", "2025-01", 5350)),
        options=(("shared_code", "deleguee"),)),
    "quirks/allocataires_nom_different_du_code.csv": Accepted(
        # CAF spellings (capitals, ST, S/, the article after the name) agree with their code;
        # « Montreuil » on Bobigny's code is let through (the code decides) with a warning
        "allocataires", ("nom qui ne correspond pas à son code (avertissement)",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93070", "2024-03", 3120),
            ("93027", "2024-03", 3890), ("93008", "2024-03", 2710)),
        warnings=("ligne 6, colonne « Commune » : trouvé « Montreuil », attendu le nom du territoire 93008 : "
                  "« Bobigny »",)),
    "quirks/allocataires_mois_fusionne.xlsx": Accepted(
        "allocataires", ("mois dans une cellule fusionnée sur ses lignes",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93006", "2024-03", 1700))),
    "quirks/allocataires_erreur_colonne_ignoree.xlsx": Accepted(
        "allocataires", ("erreur Excel dans une colonne ignorée",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210)), ignored=("Évolution",)),
    "quirks/allocataires_zeros_decimaux.csv": Accepted(
        "allocataires", ("entier écrit avec des décimales nulles (1 037,00)",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 1037))),
    "quirks/allocataires_qpv.csv": Accepted(
        "allocataires", ("synonyme CODGEO",), rsa(("QP093001", "2023-06", 310), ("QP093003", "2023-06", 2450))),
    "quirks/ali_activite_periode_texte.csv": Accepted(
        "ali_activite", ("synonyme Période", "mois mars 2024", "secret s", "secret <5"),
        {("ali_file_active", "ALI-2022-03", "2024-01"): 120, ("ali_entrees", "ALI-2022-03", "2024-01"): 15,
         ("ali_file_active_qpv", "ALI-2022-03", "2024-01"): SECRET,
         ("ali_file_active_qpv", "ALI-2022-03", "2024-02"): 64,
         ("ali_file_active", "ALI-2022-01", "2024-12"): 210, ("ali_file_active_qpv", "ALI-2022-01", "2024-12"): SECRET,
         ("ali_file_active", "ALI-2022-01", "2025-01"): 215, ("ali_sorties_autres", "ALI-2022-01", "2025-01"): 7},
        count=28),
    "quirks/ali_activite_commune_residence.csv": Accepted(
        "ali_activite", (),
        {("ali_file_active", "déléguée 93059", "2025-02"): 80, ("ali_file_active", "93072", "2025-02"): 135,
         ("ali_sorties_formation", "déléguée 93059", "2025-02"): 0, ("ali_entrees", "93072", "2025-02"): 12},
        count=12),
    "quirks/ali_cohortes_trimestres.csv": Accepted(
        "ali_cohortes", ("secret s",),
        {("cohorte_entrees", "ALI-2022-03", "2024-01"): 50, ("cohorte_6m_suivis", "ALI-2022-03", "2024-01"): 30,
         ("cohorte_12m_suivis", "ALI-2022-03", "2024-01"): 20,
         ("cohorte_12m_sorties_emploi_durable", "ALI-2022-03", "2024-01"): 9,
         ("cohorte_entrees_qpv", "ALI-2022-03", "2024-01"): 21,
         ("cohorte_entrees", "ALI-2022-04", "2025-01"): 40, ("cohorte_6m_suivis", "ALI-2022-04", "2025-01"): 28,
         ("cohorte_entrees_qpv", "ALI-2022-04", "2025-01"): SECRET},
        count=19),
    "quirks/ali_objectifs_conventions.csv": Accepted(
        "ali_objectifs", ("Windows-1252", "milliers : U+00A0", "virgule décimale", "fins de ligne CRLF"),
        {("ali_objectif_places", "ALI-2022-03", "2026-01"): 1200,
         ("ali_objectif_orientations", "ALI-2022-03", "2026-01"): 1150,
         ("ali_objectif_part_emploi_durable", "ALI-2022-03", "2026-01"): 22.5,
         ("ali_objectif_places", "ALI-2022-03", "2027-01"): 1300,
         ("ali_objectif_part_emploi_durable", "ALI-2022-04", "2027-01"): 18},
        count=9),
    "quirks/structures_latitude_virgule.csv": Accepted(
        "structures", ("virgule décimale",), structures=(
            {"name": "Atelier des Quatre-Chemins", "type_code": "ACI", "commune_code": "93001",
             "siret": "12345678200010",
                 "address": "12 rue de la Haie-Coq", "lat": 48.9126, "lon": 2.3879, "ali_code": "ALI-2022-04",
                 "opened_on": dt.date(2019, 3, 15)},
            {"name": "Régie de quartier de Bobigny", "type_code": "EI", "commune_code": "93008", "siret": None,
                 "address": None, "lat": 48.907, "lon": 2.4419, "ali_code": None, "opened_on": dt.date(2021, 9, 1)},
        )),
    "quirks/structures_entetes_libelles.csv": Accepted(
        "structures", (), structures=(
            {"name": "Chantier des Beaudottes", "opened_on": dt.date(2015, 9, 1), "closed_on": dt.date(2024, 12, 31)},
        )),
    "quirks/structures_commune_nouvelle.csv": Accepted(
        "structures", (), structures=(
            {"name": "Maison de l'emploi de Pierrefitte", "commune_code": "93066", "lat": 48.9605, "lon": 2.363},
            {"name": "Point emploi Saint-Denis centre", "commune_code": "93066", "lat": 48.9269, "lon": 2.3564},
        )),
    "quirks/structures_injection_formules.csv": Accepted(
        # stored exactly as written, never evaluated; exports must escape them
        "structures", ("injection de formule stockée inerte",), structures=(
            {"name": '=HYPERLINK("http://exemple.invalid/";"Cliquez ici")', "type_code": "ACI",
                 "address": "+33 rue du Port", "description": "@SUM(1+1)*cmd|' /C calc'!A0"},
            {"name": "-2+3+cmd|' /C calc'!A0", "type_code": "EI", "address": "=1+1", "description": "+1"},
        )),
    # generated by make_corpus.py
    "quirks/allocataires_dates_excel.xlsx": Accepted(
        "allocataires", ("date Excel", "numéro de série Excel"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93001", "2024-04", 5335),
            ("93001", "2024-02", 5290)),
        # a quality warning, not a refusal: the file's April leaves out a commune of its March
        warnings=("colonne « Code commune » : attendu le territoire 93005 en 04/2024 aussi : présent en 03/2024 "
                  "(« Foyers allocataires du RSA »), il manque à ce fichier",)),
    "quirks/allocataires_codes_nombres.xlsx": Accepted(
        "allocataires", ("code INSEE saisi comme nombre", "code entouré d'espaces"),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210), ("93006", "2024-03", 1450),
            ("93007", "2024-03", 2210))),
    "quirks/allocataires_bloc_titre_cellules_fusionnees.xlsx": Accepted(
        "allocataires", ("bloc de titre", "cellules de titre fusionnées"),
        rsa(("93001", "2024-03", 5308), ("93008", "2024-03", 3890))),
    "quirks/allocataires_plusieurs_feuilles.xlsx": Accepted(
        "allocataires", ("plusieurs feuilles",), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_lignes_colonnes_vides.xlsx": Accepted(
        "allocataires", ("lignes et colonnes vides en fin",),
        rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
    "quirks/allocataires_total_premiere_colonne.xlsx": Accepted(
        "allocataires", (), rsa(("93001", "2024-03", 5308), ("93005", "2024-03", 4210))),
}


# --- fixtures and helpers ---------------------------------------------------------------------

@pytest.fixture(scope="session")
def generated(tmp_path_factory) -> dict[str, Path]:
    return make_corpus.build(tmp_path_factory.mktemp("corpus"))


def corpus_file(name: str, generated: dict[str, Path], tmp_path: Path) -> Path:
    if name == OVERSIZED:
        return make_corpus.write_oversized(tmp_path / Path(name).name)
    if (CORPUS / name).is_file():
        return CORPUS / name
    return generated[name]


def cases(table: dict):
    for name, expected in table.items():
        marks = [pytest.mark.xfail(strict=True, reason=expected.xfail)] if expected.xfail else []
        yield pytest.param(name, expected, id=name.split("/", 1)[1], marks=marks)


def _unmatched(problems, expected) -> list:
    """The expected (line, column, fragment) that no problem of the same place says."""
    left = list(problems)
    missing = []
    for line, column, fragment in expected:
        match = next((p for p in left if (p.line, p.column) == (line, column) and fragment in p.message()), None)
        if match is None:
            missing.append((line, column, fragment))
        else:
            left.remove(match)
    return missing


def stored_figures(engine, import_id: int) -> dict[tuple, tuple]:
    """(indicator, geography, level, code, period start) -> (value, flag) of an import's figures."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(Figure.indicator_code, Territory.geography_code, Territory.level, Territory.code,
                   Figure.period_start, Figure.value, Figure.flag)
            .join(Territory, Territory.id == Figure.territory_id).where(Figure.import_id == import_id)).all()
    return {tuple(r[:5]): (r.value, r.flag) for r in rows}


def figure_key(indicator: str, territory: str, month: str) -> tuple:
    start = dt.date.fromisoformat(f"{month}-01")
    cog = "COG2024" if start < dt.date(2025, 1, 1) else "COG2025"
    if territory.startswith("déléguée "):
        return indicator, cog, "commune_deleguee", territory.split()[1], start
    if territory.startswith("ALI-"):
        return indicator, cog, "circonscription", territory, start
    if territory.startswith(("QP", "QN")):
        return indicator, "QPV2015" if territory.startswith("QP") else "QPV2024", "qpv", territory, start
    return indicator, cog, "commune", territory, start


def stored_value(value) -> tuple:
    return (None, "secret_source") if value is SECRET else (float(value), None)


# --- the corpus -------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", list(cases(REFUSALS)))
def test_refused_with_every_problem_located_and_store_unchanged(name, expected, reference_store, request,
                                                                 generated, tmp_path):
    if expected.xfail:
        # a known gap lets this file in: import it into a private copy, never the shared store
        _url, engine, raw_dir = request.getfixturevalue("loaded_store")
    else:
        _url, engine, raw_dir = reference_store
    path = corpus_file(name, generated, tmp_path)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    before = snapshot(engine)
    try:
        with pytest.raises(ImportRefused) as refused:
            import_file(engine, path, expected.kind, PROVENANCE, raw_dir=raw_dir, today=TODAY)
    finally:
        if name == OVERSIZED:
            path.unlink()  # 51 Mo: not left behind in pytest's kept temporary directories
    problems = refused.value.problems
    assert sorted(((p.line, p.column) for p in problems), key=repr) == \
        sorted(((line, column) for line, column, _ in expected.problems), key=repr), str(refused.value)
    assert not _unmatched(problems, expected.problems), str(refused.value)
    assert all(p.file == path.name and p.message().startswith(path.name) for p in problems)
    assert snapshot(engine) == before
    if name == OVERSIZED or any(PERSONAL in fragment for _, _, fragment in expected.problems):
        # neither personal data nor an oversized file is kept, even as the raw copy of an import
        assert not (raw_dir / f"{sha}{path.suffix}").exists()


@pytest.mark.parametrize("name, expected", list(cases(ACCEPTED)))
def test_quirk_is_read_and_stored(name, expected, loaded_store, generated, tmp_path):
    _url, engine, raw_dir = loaded_store
    path = corpus_file(name, generated, tmp_path)
    outcome = import_file(engine, path, expected.kind, PROVENANCE, raw_dir=raw_dir, today=TODAY,
                          options=dict(expected.options))
    assert not outcome.already_imported
    assert outcome.ignored_columns == list(expected.ignored)
    assert outcome.notes == list(expected.notes)
    assert len(outcome.warnings) == len(expected.warnings), outcome.warnings
    assert all(want in got for want, got in zip(expected.warnings, outcome.warnings)), outcome.warnings
    if expected.structures is not None:
        with engine.connect() as conn:
            rows = conn.execute(select(Structure).where(Structure.import_id == outcome.import_id)).all()
        stored = {s.name: s for s in rows}
        assert sorted(stored) == sorted(s["name"] for s in expected.structures)
        for want in expected.structures:
            row = stored[want["name"]]
            got = {k: getattr(row, k) for k in want}
            assert got == {k: pytest.approx(v) if isinstance(v, float) else v for k, v in want.items()}
        return
    stored = stored_figures(engine, outcome.import_id)
    want = {figure_key(*key): stored_value(value) for key, value in expected.figures.items()}
    assert {k: stored.get(k) for k in want} == want
    assert len(stored) == (expected.count if expected.count is not None else len(want))


# --- the corpus itself --------------------------------------------------------------------------

def test_every_corpus_file_has_an_expectation():
    committed = {f"{p.parent.name}/{p.name}" for folder in ("bad", "quirks") for p in (CORPUS / folder).iterdir()}
    files = committed | {f"bad/{n}" for n in make_corpus.BAD} | {f"quirks/{n}" for n in make_corpus.QUIRKS}
    assert files | {OVERSIZED} == set(REFUSALS) | set(ACCEPTED)
    assert all(name.startswith("bad/") for name in REFUSALS)
    assert all(name.startswith("quirks/") for name in ACCEPTED)
    assert not {f"bad/{n}" for n in make_corpus.BAD} & committed, "a generated file is also committed"


def test_corpus_covers_every_item_of_the_contract():
    shown = {s for r in REFUSALS.values() if not r.xfail for s in r.shows}
    assert set(CONTRACT_REFUSALS) - shown == set()
    assert shown <= set(CONTRACT_REFUSALS)
    accepted = {s for a in ACCEPTED.values() if not a.xfail for s in a.shows}
    assert set(CONTRACT_QUIRKS) - accepted == set()
    assert accepted <= set(CONTRACT_QUIRKS)


@pytest.mark.parametrize("name, check", [
    ("quirks/allocataires_utf8_bom.csv", lambda b: b.startswith(b"\xef\xbb\xbf")),
    ("quirks/allocataires_windows1252.csv", lambda b: b"P\xe9riode" in b and b"\r\n" in b),
    ("quirks/allocataires_fins_de_ligne_crlf.csv", lambda b: b.count(b"\r\n") == b.count(b"\n") == 3),
    ("quirks/allocataires_separateur_tabulation.csv", lambda b: b"\t" in b and b";" not in b),
    ("quirks/allocataires_milliers_espaces.csv", lambda b: "\u00a0".encode() in b and "\u202f".encode() in b),
    ("bad/allocataires_vide.csv", lambda b: b == b""),
    ("quirks/allocataires_bom_puis_windows1252.csv", lambda b: b.startswith(b"\xef\xbb\xbfP\xe9riode")),
])
def test_corpus_files_keep_their_exact_bytes(name, check):
    """An editor or a git setting that "fixes" these files would silently empty the tests."""
    assert check((CORPUS / name).read_bytes())
