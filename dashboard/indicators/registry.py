"""Every indicator, declared once: code, French label, unit, source and what it counts.

Stored indicators are the ones imports write to the `figure` table; the importer copies these
declarations into the store's `indicator` table so that every figure is self-describing.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredIndicator:
    code: str
    label: str
    unit: str
    source: str
    counts: str
    # "count": small counts are masked (statistical secrecy); "public": published as is
    # (legal populations are public figures, whatever their size).
    secrecy: str = "count"
    # A month-on-month change beyond this share (0.15: ±15 %) is a warning at import: a stock
    # moves slowly, so such a jump is more often a file's error than the territory's news.
    # None for flows (entries, exits), which jump for good reasons.
    jump_tolerance: float | None = None
    # False for a share or a rate given as such (an objective's target share): published only on
    # the territory it was given for, never summed up the links.
    additive: bool = True


ALI_SOURCE = "ALI (export mensuel au Département)"
COHORT_STATUSES = {
    "suivis": "toujours suivies", "sorties_emploi_durable": "sorties vers l'emploi durable",
    "sorties_emploi_transition": "sorties vers l'emploi de transition",
    "sorties_formation": "sorties vers une formation", "sorties_autres": "autres sorties",
}

STORED: tuple[StoredIndicator, ...] = (
    StoredIndicator("population", "Population municipale", "habitants", "INSEE, populations légales",
                    "Personnes dont la résidence habituelle est dans le territoire, au 1er janvier.",
                    secrecy="public"),
    StoredIndicator("rsa_foyers", "Foyers allocataires du RSA", "foyers", "CAF",
                    "Foyers percevant le revenu de solidarité active, en fin de mois.", jump_tolerance=0.15),
    StoredIndicator("rsa_personnes_couvertes", "Personnes couvertes par le RSA", "personnes", "CAF",
                    "Allocataires, conjoints et enfants à charge des foyers au RSA, en fin de mois."),
    StoredIndicator("rsa_foyers_majores", "Foyers au RSA majoré", "foyers", "CAF",
                    "Foyers percevant le RSA avec la majoration pour isolement, en fin de mois."),
    StoredIndicator("rsa_foyers_2ans_plus", "Foyers au RSA depuis 2 ans ou plus", "foyers", "CAF",
                    "Foyers percevant le RSA sans interruption depuis au moins 2 ans, en fin de mois."),
    StoredIndicator("caf_allocataires", "Allocataires CAF", "foyers", "CAF (INSEE/CNAF)",
                    "Foyers allocataires d'au moins une prestation de la CAF."),
    StoredIndicator("caf_personnes_couvertes", "Personnes couvertes par la CAF", "personnes",
                    "CAF (INSEE/CNAF)", "Allocataires, conjoints et personnes à charge."),
    StoredIndicator("prime_activite_foyers", "Foyers allocataires de la prime d'activité", "foyers",
                    "CAF (INSEE/CNAF)", "Foyers percevant la prime d'activité au 31 décembre."),
    StoredIndicator("aah_foyers", "Foyers allocataires de l'AAH", "foyers", "CAF (INSEE/CNAF)",
                    "Foyers percevant l'allocation aux adultes handicapés au 31 décembre."),
    StoredIndicator("qpv_population", "Population du QPV (recensement de base du fichier)", "habitants",
                    "INSEE, données QPV",
                    "Population municipale du quartier, selon le recensement de base du millésime "
                    "du fichier INSEE (2013 pour 2017–2019, 2018 pour 2021–2022).", secrecy="public"),
    StoredIndicator("de_abc", "Demandeurs d'emploi (catégories A, B, C)", "personnes",
                    "France Travail, via INSEE données QPV",
                    "Demandeurs d'emploi inscrits en catégories A, B ou C."),
    StoredIndicator("de_abc_rsa", "Demandeurs d'emploi ABC percevant le RSA", "personnes",
                    "France Travail, via INSEE données QPV",
                    "Demandeurs d'emploi inscrits en catégories A, B ou C qui perçoivent le RSA."),
    StoredIndicator("ali_file_active", "Personnes suivies par l'ALI (file active)", "personnes", ALI_SOURCE,
                    "Allocataires du RSA en accompagnement par l'ALI, en fin de mois.", jump_tolerance=0.3),
    StoredIndicator("ali_file_active_qpv", "Personnes suivies résidant en QPV", "personnes", ALI_SOURCE,
                    "Parmi la file active de fin de mois, personnes résidant dans un QPV."),
    StoredIndicator("ali_entrees", "Entrées en accompagnement", "personnes", ALI_SOURCE,
                    "Personnes entrées en accompagnement dans le mois."),
    StoredIndicator("ali_sorties_emploi_durable", "Sorties vers l'emploi durable", "personnes", ALI_SOURCE,
                    "Sorties du mois en CDI, CDD de 6 mois ou plus, ou création d'entreprise."),
    StoredIndicator("ali_sorties_emploi_transition", "Sorties vers l'emploi de transition", "personnes", ALI_SOURCE,
                    "Sorties du mois en CDD de moins de 6 mois, intérim, contrat aidé ou SIAE."),
    StoredIndicator("ali_sorties_formation", "Sorties vers une formation qualifiante", "personnes", ALI_SOURCE,
                    "Sorties du mois vers une formation qualifiante."),
    StoredIndicator("ali_sorties_autres", "Autres sorties", "personnes", ALI_SOURCE,
                    "Sorties du mois pour un autre motif (déménagement, fin de droits, abandon…)."),
    StoredIndicator("cohorte_entrees", "Entrées de la cohorte", "personnes", ALI_SOURCE,
                    "Personnes entrées en accompagnement pendant le trimestre."),
    StoredIndicator("cohorte_entrees_qpv", "Entrées de la cohorte résidant en QPV", "personnes", ALI_SOURCE,
                    "Parmi les entrées du trimestre, personnes résidant dans un QPV."),
    *(StoredIndicator(f"cohorte_{h}m_{status}", f"Cohorte à {h} mois : {label}", "personnes", ALI_SOURCE,
                      f"Parmi les entrées du trimestre, personnes {label} {h} mois après la fin du trimestre.")
      for h in (6, 12) for status, label in COHORT_STATUSES.items()),
)
# Objectives of the ALI agreements (`ali_objectifs`): targets, not counts of people, so public.
OBJECTIVE_SOURCE = "Objectifs des conventions ALI (import « ali_objectifs »)"
STORED += (
    StoredIndicator("ali_objectif_places", "Places d'accompagnement (objectif)", "places", OBJECTIVE_SOURCE,
                    "Places d'accompagnement simultané que la convention de l'ALI prévoit pour l'année.",
                    secrecy="public"),
    StoredIndicator("ali_objectif_orientations", "Personnes à accompagner dans l'année (objectif)", "personnes",
                    OBJECTIVE_SOURCE, "Entrées en accompagnement que la convention de l'ALI vise sur l'année civile.",
                    secrecy="public"),
    StoredIndicator("ali_objectif_part_emploi_durable", "Part visée des sorties vers l'emploi durable", "%",
                    OBJECTIVE_SOURCE, "Part des sorties de l'année vers l'emploi durable que vise la convention.",
                    secrecy="public", additive=False),
    StoredIndicator("programme_objectif_places", "Places d'accompagnement visées par le Département (objectif publié)",
                    "places", "Département de la Seine-Saint-Denis (objectif publié)",
                    "Places d'accompagnement intensif que le Département a annoncé viser pour l'année, tous "
                    "accompagnements du programme confondus.", secrecy="public"),
)
STORED_BY_CODE = {indicator.code: indicator for indicator in STORED}
NOT_ADDITIVE = frozenset(s.code for s in STORED if not s.additive)


@dataclass(frozen=True)
class StructureGroup:
    """A count of insertion structures, written by the `structures` import for every commune:
    the structures of these data·inclusion types (all types when `types` is empty)."""

    code: str
    label: str
    types: tuple[str, ...] = ()


STRUCTURE_SOURCE = "Liste des structures d'insertion (import « structures »)"
STRUCTURE_GROUPS: tuple[StructureGroup, ...] = (
    StructureGroup("structures", "Structures d'insertion (tous types)"),
    StructureGroup("structures_siae", "Structures de l'insertion par l'activité économique (SIAE)",
                   ("ACI", "ACIPHC", "AI", "EI", "EITI", "ETTI")),
    StructureGroup("structures_ml", "Missions locales", ("ML",)),
    StructureGroup("structures_plie", "PLIE", ("PLIE",)),
    StructureGroup("structures_ft", "Agences France Travail", ("FT",)),
    StructureGroup("structures_tiers_lieux", "Tiers-lieux et fablabs", ("TIERS_LIEUX", "FABLAB")),
)
# Structures are establishments, not people: their counts are public whatever their size.
STORED += tuple(
    StoredIndicator(g.code, g.label, "structures", STRUCTURE_SOURCE,
                    "Structures ouvertes au 31 décembre de l'année (au jour de l'import pour l'année en "
                    "cours), selon la liste importée"
                    + (f" (types data·inclusion : {', '.join(g.types)})." if g.types else "."),
                    secrecy="public")
    for g in STRUCTURE_GROUPS)


@dataclass(frozen=True)
class Derived:
    """An indicator computed from stored ones, never stored: a ratio (numerator ÷ denominator ×
    scale) or a sum of parts. Coarser levels are computed from the aggregated counts, never by
    averaging rates."""

    code: str
    label: str
    unit: str
    definition: str
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 1.0
    parts: tuple[str, ...] = ()
    # A calendar year's sum of a monthly indicator's published months (secret when one is).
    yearly_sum_of: str | None = None
    # Secrecy: "rate" — masked when its numerator or denominator is; "count" — like a count.
    secrecy: str = "rate"
    decimals: int = 1

    @property
    def inputs(self) -> tuple[str, ...]:
        return (*self.parts, *(x for x in (self.numerator, self.denominator, self.yearly_sum_of) if x))


EXITS = ("ali_sorties_emploi_durable", "ali_sorties_emploi_transition", "ali_sorties_formation",
         "ali_sorties_autres")

DERIVED: tuple[Derived, ...] = (
    Derived("rsa_foyers_pour_100_hab", "Foyers au RSA pour 100 habitants", "pour 100 habitants",
            "Foyers allocataires du RSA rapportés à la population municipale de l'année la plus proche.",
            numerator="rsa_foyers", denominator="population", scale=100),
    Derived("ali_sorties", "Sorties d'accompagnement (tous motifs)", "personnes",
            "Somme des sorties du mois : emploi durable, emploi de transition, formation, autres.",
            parts=EXITS, secrecy="count", decimals=0),
    Derived("ali_taux_couverture", "Taux de couverture de l'ALI", "%",
            "Personnes suivies par l'ALI (file active) rapportées aux foyers au RSA du territoire.",
            numerator="ali_file_active", denominator="rsa_foyers", scale=100),
    Derived("ali_part_sorties_emploi_durable", "Part des sorties vers l'emploi durable", "%",
            "Sorties vers l'emploi durable rapportées à l'ensemble des sorties du mois.",
            numerator="ali_sorties_emploi_durable", denominator="ali_sorties", scale=100),
    Derived("ali_taux_sortie", "Taux de sortie mensuel", "%",
            "Sorties du mois (tous motifs) rapportées à la file active de fin de mois.",
            numerator="ali_sorties", denominator="ali_file_active", scale=100),
    Derived("ali_part_qpv", "Part des personnes suivies résidant en QPV", "%",
            "Personnes suivies résidant dans un QPV rapportées à la file active.",
            numerator="ali_file_active_qpv", denominator="ali_file_active", scale=100),
    *(Derived(f"{group}_pour_10000_hab", f"{label} pour 10 000 habitants", "pour 10 000 habitants",
              f"{label} rapportées à la population municipale de l'année la plus proche.",
              numerator=group, denominator="population", scale=10_000, decimals=2)
      for group, label in (("structures", "Structures d'insertion"), ("structures_siae", "SIAE"))),
    *(Derived(f"{group}_pour_1000_foyers_rsa", f"{label} pour 1 000 foyers au RSA", "pour 1 000 foyers au RSA",
              f"{label} rapportées aux foyers allocataires du RSA du mois le plus proche.",
              numerator=group, denominator="rsa_foyers", scale=1_000, decimals=2)
      for group, label in (("structures", "Structures d'insertion"), ("structures_siae", "SIAE"))),
    # Actual against the objectives of the agreements (ALI × year; months against their year's).
    Derived("ali_taux_remplissage", "Taux de remplissage de l'ALI", "%",
            "Personnes suivies en fin de mois rapportées aux places prévues par la convention pour l'année "
            "(la dernière année d'objectifs connue au plus tard).",
            numerator="ali_file_active", denominator="ali_objectif_places", scale=100),
    *(Derived(f"{code}_annee", f"{label} dans l'année (cumul)", "personnes",
              f"Somme des mois publiés de l'année civile : {label.lower()} (cumul à la date du dernier mois "
              "pour l'année en cours).", yearly_sum_of=code, secrecy="count", decimals=0)
      for code, label in (("ali_entrees", "Entrées en accompagnement"), ("ali_sorties", "Sorties d'accompagnement"),
                          ("ali_sorties_emploi_durable", "Sorties vers l'emploi durable"))),
    Derived("ali_realisation_orientations", "Réalisation de l'objectif d'entrées", "%",
            "Entrées en accompagnement de l'année (cumul) rapportées aux personnes à accompagner que vise la "
            "convention pour l'année.", numerator="ali_entrees_annee", denominator="ali_objectif_orientations",
            scale=100),
    Derived("ali_part_sorties_emploi_durable_annee", "Part des sorties vers l'emploi durable dans l'année", "%",
            "Sorties de l'année vers l'emploi durable rapportées à l'ensemble des sorties de l'année (cumul).",
            numerator="ali_sorties_emploi_durable_annee", denominator="ali_sorties_annee", scale=100),
    Derived("ali_part_objectif_departement", "Personnes suivies par les ALI rapportées à l'objectif publié de places",
            "%", "Personnes suivies par les ALI en fin de mois rapportées aux places d'accompagnement que le "
            "Département a annoncé viser (l'objectif de l'année, sinon le prochain).",
            numerator="ali_file_active", denominator="programme_objectif_places", scale=100),
    Derived("de_abc_part_rsa", "Part des demandeurs d'emploi percevant le RSA", "%",
            "Demandeurs d'emploi ABC percevant le RSA rapportés à l'ensemble des demandeurs ABC.",
            numerator="de_abc_rsa", denominator="de_abc", scale=100),
)
DERIVED_BY_CODE = {d.code: d for d in DERIVED}
PUBLIC = {s.code for s in STORED if s.secrecy == "public"}


@dataclass(frozen=True)
class Partition:
    """A count published with parts that add up to it (exits by type and all exits), or with
    some parts whose complement (`rest`, e.g. outside QPV) anyone can compute though it is never
    shown. Secondary secrecy protects them together, with the territory hierarchy."""

    total: str
    parts: tuple[str, ...]
    rest: bool = False


PARTITIONS: tuple[Partition, ...] = (
    *(Partition(d.code, d.parts) for d in DERIVED if d.parts),
    Partition("ali_file_active", ("ali_file_active_qpv",), rest=True),
    Partition("cohorte_entrees", ("cohorte_entrees_qpv",), rest=True),
    *(Partition("cohorte_entrees", tuple(f"cohorte_{h}m_{status}" for status in COHORT_STATUSES)) for h in (6, 12)),
)


# "Of which" counts published beside their total in other tables: an attacker knows that the
# part is at most the total (households on RSA majoré ≤ households on RSA ≤ persons covered).
# Each pair is (part, total); both are protected together.
OF_WHICH: tuple[tuple[str, str], ...] = (
    ("rsa_foyers_majores", "rsa_foyers"),
    ("rsa_foyers_2ans_plus", "rsa_foyers"),
    ("rsa_foyers", "rsa_personnes_couvertes"),
    ("ali_file_active_qpv", "ali_file_active"),
    ("cohorte_entrees_qpv", "cohorte_entrees"),
    ("de_abc_rsa", "de_abc"),
    ("caf_allocataires", "caf_personnes_couvertes"),
)


def family(indicator: str) -> tuple[str, ...]:
    """The indicators protected together with `indicator` (linked by partitions and "of which"
    bounds), sorted."""
    groups = [{p.total, *p.parts} for p in PARTITIONS] + [set(pair) for pair in OF_WHICH]
    members, grown = {indicator}, True
    while grown:
        linked = {code for group in groups if members & group for code in group}
        grown = not linked <= members
        members |= linked
    return tuple(sorted(members))


def unit_of(code: str) -> str:
    """The unit an indicator's values are written in."""
    return STORED_BY_CODE[code].unit if code in STORED_BY_CODE else DERIVED_BY_CODE[code].unit


def decimals(code: str) -> int:
    """How many decimals a value of this indicator is shown with (counts: none)."""
    return DERIVED_BY_CODE[code].decimals if code in DERIVED_BY_CODE else 0


def period_key(period_type: str, start) -> str:
    """A period as written in URLs and in the API: 2025-03, 2025-T1, 2025."""
    if period_type == "month":
        return f"{start:%Y-%m}"
    if period_type == "quarter":
        return f"{start.year}-T{(start.month - 1) // 3 + 1}"
    return f"{start:%Y}"
