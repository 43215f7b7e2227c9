"""`qpv` — the official QPV perimeters (ANCT), as GeoJSON, zipped shapefile or GeoPackage.

The national file is read whole and the QPV of the département kept (their code carries the
département: `QN093…`). Each QPV is linked to the communes it lies in, weighted by the share
of its area in each (the ANCT file gives no population per commune).
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dashboard import geometry
from dashboard.ingest.columns import Column
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.kinds.figures import QPV_CODE, QPV_GEOGRAPHY
from dashboard.ingest.readers import RawTable, read_geo
from dashboard.store.models import Geography, Territory

VINTAGES = {
    "QPV2015": ("QPV 2015 (périmètres 2015–2023)", dt.date(2015, 1, 1), dt.date(2023, 12, 31)),
    "QPV2024": ("QPV 2024 (périmètres en vigueur depuis 2024)", dt.date(2024, 1, 1), None),
}


class Qpv(Kind):
    code = "qpv"
    label = "Périmètres des QPV (fichier officiel de l'ANCT)"
    columns = [
        Column("code_qpv", "Code du QPV", "code", synonyms=("code_qp", "cd_qp", "code_quartier", "qp")),
        Column("nom_qpv", "Nom du QPV", "text", synonyms=("lib_qp", "nom_qp", "libelle", "nom")),
        Column("communes", "Code(s) commune", "codes",
               synonyms=("insee_com", "code_insee", "code_commune", "codes_communes", "insee_com_s")),
        Column("population", "Population", "count", required=False, synonyms=("pop", "population_municipale")),
        Column("geometry", "Géométrie", "geometry"),
    ]

    def read(self, path: Path, file_name: str, options: dict[str, Any]) -> RawTable:
        frame = read_geo(path, file_name=file_name)
        names = [c for c in frame.columns if c != frame.geometry.name]
        rows = [[None if v is None else str(v) for v in rec] + [geometry.to_geojson(g) if g is not None else None]
                for rec, g in zip(frame[names].itertuples(index=False), frame.geometry)]
        return RawTable(file_name=file_name, sheet=None, header_line=0, columns=names + ["geometry"],
                        rows=rows, lines=list(range(1, len(rows) + 1)))

    def _departement(self, ctx: Context) -> str:
        geo = ctx.cog_at(ctx.today)
        code = ctx.session.scalar(select(Territory.code).where(
            Territory.geography_code == geo.code, Territory.level == "departement"))
        if code is None:
            raise ImportRefused([ctx.problem({}, None, None, f"le département de la géographie {geo.label} "
                                             f"(import « communes »)")])
        return code

    def check(self, ctx: Context) -> list[Problem]:
        dept = self._departement(ctx).zfill(3)
        problems, kept = [], []
        for row in ctx.parsed.rows:
            code = row["code_qpv"] or ""
            if not QPV_CODE.match(code):
                problems.append(ctx.problem(row, "code_qpv", code, "un code QPV (QN093001 ou QP093001)"))
            elif code[2:5] == dept:
                kept.append(row)
        if not kept and not problems:
            problems.append(ctx.problem({}, "code_qpv", None, f"au moins un QPV du département ({dept})"))
        ctx.cache["kept"] = kept
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        write, session = ctx.writer, ctx.session
        kept = ctx.cache["kept"]
        vintages = sorted({QPV_GEOGRAPHY[r["code_qpv"][:2]] for r in kept})
        for code in vintages:
            label, start, end = VINTAGES[code]
            write.upsert(Geography, {"code": code}, label=label, family="qpv", valid_from=start, valid_to=end)
        for row in kept:
            vintage = QPV_GEOGRAPHY[row["code_qpv"][:2]]
            shape = geometry.prepare_coverage([row["geometry"]])[0]
            qpv = write.territory(geography=vintage, level="qpv", code=row["code_qpv"], name=row["nom_qpv"],
                                  geom=shape, attributes={"communes": row["communes"],
                                                          # undated in the ANCT file: kept as an attribute
                                                          "population_anct": row["population"]})
            communes = session.scalars(select(Territory).where(
                Territory.geography_code == ctx.cog_at(VINTAGES[vintage][1]).code,
                Territory.level == "commune", Territory.code.in_(row["communes"])))
            for commune in communes:
                if commune.geometry is None:
                    raise ValueError(f"commune {commune.code} de {commune.geography_code} sans géométrie "
                                     f"(l'import « communes » en exige une)")
                share = geometry.share_of_area(shape, geometry.from_geojson(commune.geometry))
                write.link(qpv, commune, round(share, 6), "part de la surface du QPV dans la commune")
        return {"qpv": len(kept), "ignored_other_departements": len(ctx.parsed.rows) - len(kept)}
