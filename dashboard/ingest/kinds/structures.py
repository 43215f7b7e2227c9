"""`structures` — the insertion structures (SIAE, missions locales, PLIE, France Travail…).

A structures file is the whole list: importing one supersedes the current list (kept, so a
rollback restores it). It also writes, for every commune, the count of each group of structures
the registry declares (`STRUCTURE_GROUPS`) for the year of the list (option `year`, else the year
of the import), zeros included for a census, so that densities are indicators like any other;
from a partial list (`coverage`), only the communes it names have a count (the others are "non
recensées", never 0) and every published figure of it says it is partial. Text cells that start like a spreadsheet formula are stored as written
(inert) and escaped wherever they are exported.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from shapely.geometry import Point
from sqlalchemy import insert, select, update

from dashboard import geometry
from dashboard.ingest import parse
from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.indicators.registry import STRUCTURE_GROUPS
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.write import FigureRow
from dashboard.store.models import Ali, Structure, StructureType, Territory, TerritoryLink


class Structures(Kind):
    code = "structures"
    label = "Structures d'insertion (Département, data·inclusion)"
    columns = [
        Column("nom", "Nom de la structure", "text", synonyms=("nom_structure", "raison_sociale", "structure")),
        Column("type", "Type (typologie data·inclusion)", "text",
               synonyms=("typologie", "type_structure", "typologie_data_inclusion", "kind")),
        Column("code_commune", "Code commune", "code", synonyms=("code_insee", "codgeo", "commune_insee")),
        Column("siret", "SIRET", "code", required=False),
        Column("adresse", "Adresse", "text", required=False),
        Column("latitude", "Latitude", "lat", required=False, synonyms=("lat",)),
        Column("longitude", "Longitude", "lon", required=False, synonyms=("lon", "lng")),
        Column("code_ali", "ALI de rattachement", "code", required=False, synonyms=("ali", "ali_id")),
        Column("date_ouverture", "Date d'ouverture", "date", required=False, synonyms=("ouverture",)),
        Column("date_fermeture", "Date de fermeture", "date", required=False, synonyms=("fermeture",)),
        Column("description", "Description", "text", required=False),
    ]

    def check(self, ctx: Context) -> list[Problem]:
        session = ctx.session
        types = {t.lower(): t for t in session.scalars(select(StructureType.code))}
        geo = ctx.cog_at(ctx.today)
        # A commune déléguée shares its code with its commune nouvelle (93066): the commune wins.
        communes = {t.code: t for t in session.scalars(select(Territory).where(
            Territory.geography_code == geo.code, Territory.level.in_(("commune", "commune_deleguee")))
            .order_by(Territory.level.desc()))}
        alis = set(session.scalars(select(Ali.code)))
        problems = []
        for row in ctx.parsed.rows:
            kind = types.get((row["type"] or "").lower())
            if kind is None:
                problems.append(ctx.problem(row, "type", row["type"],
                                            "un code de la typologie data·inclusion (ACI, EI, ETTI, AI, EITI, ML, FT, PLIE…)"))
            row["type"] = kind
            commune = communes.get(row["code_commune"])
            if commune is None:
                problems.append(ctx.problem(row, "code_commune", row["code_commune"],
                                            f"un code de commune de la géographie {geo.label}"))
            siret = row["siret"]
            if siret and not (len(siret) == 14 and siret.isdigit() and parse.luhn_ok(siret)):
                problems.append(ctx.problem(row, "siret", siret, "un SIRET de 14 chiffres valide (clé de Luhn)"))
            if (row["latitude"] is None) != (row["longitude"] is None):
                problems.append(ctx.problem(row, "latitude", row["latitude"], "la latitude et la longitude, ou aucune"))
            elif row["latitude"] is not None and commune is not None and commune.geometry:
                point = Point(row["longitude"], row["latitude"])
                if not geometry.from_geojson(commune.geometry).buffer(0.005).contains(point):
                    problems.append(ctx.problem(row, "latitude", f"{row['latitude']}, {row['longitude']}",
                                                f"un point dans la commune {commune.name} (WGS84)"))
            if row["code_ali"] and row["code_ali"] not in alis:
                problems.append(ctx.problem(row, "code_ali", row["code_ali"], "un code d'ALI connu"))
            opened, closed = row["date_ouverture"], row["date_fermeture"]
            if opened and closed and closed < opened:
                problems.append(ctx.problem(row, "date_fermeture", closed.isoformat(),
                                            f"une date après l'ouverture ({opened:%d/%m/%Y})"))
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        ctx.session.execute(update(Structure).where(Structure.superseded_by.is_(None))
                            .values(superseded_by=ctx.record.id))
        rows = [{"name": r["nom"], "type_code": r["type"], "commune_code": r["code_commune"], "siret": r["siret"],
                 "address": r["adresse"], "lat": r["latitude"], "lon": r["longitude"], "ali_code": r["code_ali"],
                 "description": r["description"], "opened_on": r["date_ouverture"],
                 "closed_on": r["date_fermeture"], "import_id": ctx.record.id} for r in ctx.parsed.rows]
        if rows:
            ctx.session.execute(insert(Structure), rows)
        figures = ctx.writer.figures(self._counts(ctx, rows))
        return {"structures": len(rows), "with_point": sum(r["lat"] is not None for r in rows), "figures": figures}

    def _counts(self, ctx: Context, rows: list[dict]) -> list[FigureRow]:
        """Structures open on the reference day (31 December of the year, or today for the current
        year), per commune (a commune déléguée counts in its commune nouvelle) and group."""
        year = int(ctx.options.get("year", ctx.today.year))
        day = min(dt.date(year, 12, 31), ctx.today) if year == ctx.today.year else dt.date(year, 12, 31)
        geo = ctx.cog_at(ctx.today)
        session = ctx.session
        communes = dict(session.execute(select(Territory.code, Territory.id).where(
            Territory.geography_code == geo.code, Territory.level == "commune")).all())
        parent = Territory.__table__.alias("parent")
        for code, commune_id in session.execute(
                select(Territory.code, TerritoryLink.parent_id)
                .join(TerritoryLink, TerritoryLink.child_id == Territory.id)
                .join(parent, parent.c.id == TerritoryLink.parent_id)
                .where(Territory.geography_code == geo.code, Territory.level == "commune_deleguee",
                       parent.c.level == "commune")):
            communes.setdefault(code, commune_id)
        open_rows = [r for r in rows if (r["opened_on"] is None or r["opened_on"] <= day)
                     and (r["closed_on"] is None or r["closed_on"] > day)]
        start = dt.date(year, 1, 1)
        figures = []
        for group in STRUCTURE_GROUPS:
            counts = dict.fromkeys(communes.values(), 0)
            for r in open_rows:
                if not group.types or r["type_code"] in group.types:
                    counts[communes[r["commune_code"]]] += 1
            # A census counts zeros; a partial list knows only the communes it names.
            figures += [FigureRow(group.code, territory, "year", start, float(n)) for territory, n in counts.items()
                        if n or ctx.record.coverage in (None, "census")]
        return figures

