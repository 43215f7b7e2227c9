"""`communes` and `communes_deleguees` — a geography vintage: its communes with their prepared
geometry, the EPT and the département dissolved from them, and the communes déléguées of
communes nouvelles (kept so that a territory split by a merger can still be drawn).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import select

from dashboard import geometry
from dashboard.ingest.columns import Column
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.readers import RawTable, read_geo
from dashboard.store.models import Geography, Territory


class Communes(Kind):
    code = "communes"
    label = "Communes d'une géographie (géométrie préparée)"
    columns = [
        Column("code", "Code commune", "code", synonyms=("code_insee", "insee_com", "codgeo", "com_code")),
        Column("nom", "Nom", "text", synonyms=("nom_commune", "libgeo", "com_name")),
        Column("ept_code", "Code EPT", "code", required=False, synonyms=("code_ept",)),
        Column("ept_nom", "Nom de l'EPT", "text", required=False, synonyms=("nom_ept",)),
        Column("geometry", "Géométrie", "geometry"),
    ]
    required_options = ("geography", "geography_label", "departement", "departement_name")

    def read(self, path: Path, file_name: str, options: dict[str, Any]) -> RawTable:
        frame = read_geo(path, file_name=file_name)
        names = [c for c in frame.columns if c != frame.geometry.name]
        rows = [[None if v is None else str(v) for v in rec] + [geometry.to_geojson(g)]
                for rec, g in zip(frame[names].itertuples(index=False), frame.geometry)]
        # A GeoJSON has no lines: number features from 1, as a GIS table would show them.
        return RawTable(file_name=file_name, sheet=None, header_line=0, columns=names + ["geometry"],
                        rows=rows, lines=list(range(1, len(rows) + 1)))

    def check(self, ctx: Context) -> list[Problem]:
        problems = [ctx.problem({}, None, None, f"l'option « {o} »") for o in self.required_options
                    if not ctx.options.get(o)]
        prefix = str(ctx.options.get("departement", ""))
        seen: set[str] = set()
        for row in ctx.parsed.rows:
            code = row["code"]
            if code and not code.startswith(prefix):
                problems.append(ctx.problem(row, "code", code, f"un code de commune du département {prefix}"))
            if code in seen:
                problems.append(ctx.problem(row, "code", code, "un code unique dans le fichier"))
            seen.add(code)
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        opts, write = ctx.options, ctx.writer
        geo = write.upsert(Geography, {"code": opts["geography"]}, label=opts["geography_label"], family="cog",
                           valid_from=_date(opts.get("valid_from")), valid_to=_date(opts.get("valid_to")))
        rows = ctx.parsed.rows
        dept = write.territory(geography=geo.code, level="departement", code=str(opts["departement"]),
                               name=opts["departement_name"], geom=geometry.dissolve([r["geometry"] for r in rows]))
        by_ept: dict[tuple[str, str], list[dict]] = defaultdict(list)
        for r in rows:
            if r["ept_code"]:
                by_ept[(r["ept_code"], r["ept_nom"] or r["ept_code"])].append(r)
        epts = {}
        for (code, name), members in sorted(by_ept.items()):
            epts[code] = write.territory(geography=geo.code, level="ept", code=code, name=name,
                                         geom=geometry.dissolve([m["geometry"] for m in members]))
            write.link(epts[code], dept)
        for r in rows:
            commune = write.territory(geography=geo.code, level="commune", code=r["code"], name=r["nom"],
                                      geom=r["geometry"])
            write.link(commune, dept)
            if r["ept_code"]:
                write.link(commune, epts[r["ept_code"]])
        return {"communes": len(rows), "ept": len(epts), "geography": geo.code}


class CommunesDeleguees(Kind):
    code = "communes_deleguees"
    label = "Communes déléguées des communes nouvelles"
    columns = [
        Column("code_commune", "Code de la commune nouvelle", "code"),
        Column("nom_commune", "Nom de la commune nouvelle", "text", required=False),
        Column("code_commune_deleguee", "Code de la commune déléguée", "code"),
        Column("nom_commune_deleguee", "Nom de la commune déléguée", "text"),
    ]

    def check(self, ctx: Context) -> list[Problem]:
        geo, before = ctx.options.get("geography"), ctx.options.get("previous_geography")
        if not geo or not before:
            return [ctx.problem({}, None, None, "les options « geography » et « previous_geography »")]
        problems = []
        for row in ctx.parsed.rows:
            if _commune(ctx, geo, row["code_commune"]) is None:
                problems.append(ctx.problem(row, "code_commune", row["code_commune"],
                                            f"une commune de la géographie {geo}"))
            if _commune(ctx, before, row["code_commune_deleguee"]) is None:
                problems.append(ctx.problem(row, "code_commune_deleguee", row["code_commune_deleguee"],
                                            f"une commune de la géographie {before}"))
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        geo, before = ctx.options["geography"], ctx.options["previous_geography"]
        for row in ctx.parsed.rows:
            parent = _known_commune(ctx, row, "code_commune", geo)
            former = _known_commune(ctx, row, "code_commune_deleguee", before)
            # A commune déléguée keeps the perimeter of the former commune.
            deleguee = ctx.writer.territory(geography=geo, level="commune_deleguee", code=former.code,
                                            name=row["nom_commune_deleguee"],
                                            geom=geometry.from_geojson(former.geometry),
                                            attributes={"commune_nouvelle": parent.code})
            ctx.writer.link(deleguee, parent)
        return {"communes_deleguees": len(ctx.parsed.rows)}


def _commune(ctx: Context, geography: str, code: str | None) -> Territory | None:
    return ctx.session.scalar(select(Territory).where(
        Territory.geography_code == geography, Territory.level == "commune", Territory.code == code))


def _known_commune(ctx: Context, row: dict, column: str, geography: str) -> Territory:
    """The commune a row names; `check` has refused the file if there is none."""
    commune = _commune(ctx, geography, row[column])
    if commune is None:
        raise ImportRefused([ctx.problem(row, column, row[column], f"une commune de la géographie {geography}")])
    return commune


def _date(value: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
