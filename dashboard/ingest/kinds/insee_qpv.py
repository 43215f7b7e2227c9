"""`insee_qpv` — INSEE "données QPV" files (démographie, insertion professionnelle), 2015 perimeters.

No 2015 QPV perimeter is available offline, so this kind also records the QPV it names (code,
name, communes) without geometry; the official ANCT file (`qpv` kind) brings geometry later.
"""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from dashboard.ingest import parse
from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context
from dashboard.ingest.kinds.figures import FigureKind, Measure
from dashboard.store.models import Geography, Territory

QPV2015 = Geography(code="QPV2015", label="QPV 2015 (périmètres 2015–2023)", family="qpv",
                    valid_from=dt.date(2015, 1, 1), valid_to=dt.date(2023, 12, 31))


ID_COLUMNS = [
    Column("millesime", "Millésime du fichier INSEE", "year", synonyms=("fichier_millesime", "annee")),
    Column("code_qpv", "Code QPV", "code", synonyms=("codgeo", "code_quartier", "quartier")),
    Column("nom_qpv", "Nom du QPV", "text", synonyms=("libgeo", "nom_quartier", "lib_qp")),
]


class _InseeQpv(FigureKind):
    period_column = "millesime"
    period_type = "year"
    territory_column = "code_qpv"
    territory_levels = ("qpv",)
    series_start = dt.date(2015, 1, 1)


class InseeQpvDemo(_InseeQpv):
    """The "démographie" file: it also names each QPV's communes, so it records the QPV."""

    code = "insee_qpv_demo"
    label = "Données INSEE par QPV – démographie (périmètres 2015)"
    columns = ID_COLUMNS + [
        Column("communes", "Communes du QPV", "text", synonyms=("lib_com", "libelle_communes")),
        Column("population", "Population municipale du QPV", "count", required=False, synonyms=("pop_mun",)),
        Column("allocataires", "Allocataires CAF", "count", required=False, synonyms=("a",)),
        Column("personnes_couvertes", "Personnes couvertes par la CAF", "count", required=False,
               synonyms=("percou",)),
    ]
    measures = [
        Measure("population", "qpv_population"),
        Measure("allocataires", "caf_allocataires"),
        Measure("personnes_couvertes", "caf_personnes_couvertes"),
    ]

    def check(self, ctx: Context) -> list[Problem]:
        problems = self._register_qpv(ctx)
        return problems + super().check(ctx)

    def _register_qpv(self, ctx: Context) -> list[Problem]:
        """Record the QPV named in the file and link each to its communes, matched by name."""
        session = ctx.session
        if session.get(Geography, QPV2015.code) is None:
            ctx.writer.upsert(Geography, {"code": QPV2015.code}, **{c: getattr(QPV2015, c) for c in
                                                                     ("label", "family", "valid_from", "valid_to")})
        problems = []
        communes_geo = ctx.cog_at(dt.date(2024, 1, 1))
        communes = list(session.scalars(select(Territory).where(
            Territory.geography_code == communes_geo.code, Territory.level == "commune")))
        done: set[str] = set()
        for row in ctx.parsed.rows:
            code = row["code_qpv"]
            if row["_total"] or not code or code in done or not code.startswith("QP"):
                continue
            done.add(code)
            matched = []
            for name in re.split(r",\s*", row["communes"] or ""):
                commune = _match_name(communes, name)
                if commune is None:
                    problems.append(ctx.problem(row, "communes", name,
                                                f"un nom de commune de la géographie {communes_geo.label}"))
                else:
                    matched.append(commune)
            qpv = ctx.writer.territory(geography=QPV2015.code, level="qpv", code=code, name=row["nom_qpv"],
                                       attributes={"communes": [c.code for c in matched]})
            for commune in matched:
                if len(matched) == 1:
                    ctx.writer.link(qpv, commune, 1.0, "QPV entièrement dans la commune")
                else:
                    ctx.writer.link(qpv, commune, None,
                                    "QPV sur plusieurs communes : part par commune non publiée dans ce fichier")
        session.flush()
        return problems


class InseeQpvIpro(_InseeQpv):
    """The "insertion professionnelle" file (its `A` is job seekers of category A, not CAF
    allocataires: hence a kind of its own)."""

    code = "insee_qpv_ipro"
    label = "Données INSEE par QPV – insertion professionnelle (périmètres 2015)"
    columns = ID_COLUMNS + [
        Column("de_abc", "Demandeurs d'emploi ABC", "count", required=False, synonyms=("abc",)),
        Column("de_abc_rsa", "Demandeurs d'emploi ABC percevant le RSA", "count", required=False,
               synonyms=("abc_rsa",)),
    ]
    measures = [Measure("de_abc", "de_abc"), Measure("de_abc_rsa", "de_abc_rsa")]


def _match_name(communes: list[Territory], name: str) -> Territory | None:
    """Exact name, else the one commune whose name starts with it ("Saint-Ouen" became
    "Saint-Ouen-sur-Seine" in 2018)."""
    key = parse.normalize_header(name)
    exact = [c for c in communes if parse.normalize_header(c.name) == key]
    if exact:
        return exact[0]
    prefix = [c for c in communes if parse.normalize_header(c.name).startswith(key + "_")]
    return prefix[0] if len(prefix) == 1 else None
