"""`territoires` — the département's circonscriptions de service social and their ALI.

The file gives each circonscription as a list of commune codes of one geography (option
`geography`, default the one in force today). The circonscriptions are then built in every COG
geography of the store, so that a figure is always drawn on the geography of its own date:
where a commune has since merged into a commune nouvelle, the circonscription is built from
the commune déléguée, and the commune nouvelle is linked to each circonscription it spans with
the population share of its communes déléguées. A commune that no circonscription names stays
its own territory, shown as "commune non rattachée": no grouping is ever guessed.
"""
from __future__ import annotations

from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import exists, select

from dashboard import geometry
from dashboard.ingest.columns import Column
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.store.models import Ali, Figure, Geography, Territory, TerritoryLink

UNATTACHED_PREFIX = "NR-"


class Territoires(Kind):
    code = "territoires"
    label = "Circonscriptions de service social et ALI (Département)"
    columns = [
        Column("code_circonscription", "Code de la circonscription", "code", required=False,
               synonyms=("circonscription", "code_circo")),
        Column("nom", "Nom de la circonscription", "text",
               synonyms=("nom_circonscription", "territoire", "libelle")),
        Column("communes", "Codes INSEE des communes", "codes",
               synonyms=("codes_communes", "communes_insee", "communes_insee_geo2024", "code_commune")),
        Column("code_ali", "Code de l'ALI", "code", required=False, synonyms=("ali_id", "ali")),
        Column("nom_ali", "Nom de l'ALI", "text", required=False),
        Column("porteur", "Porteur", "text", required=False, synonyms=("porteur_laureat",)),
        Column("consortium", "Membres du consortium", "text", required=False,
               synonyms=("consortium_laureat", "membres_consortium")),
        Column("date_debut", "Date de début", "date", required=False, synonyms=("debut", "date_de_debut")),
        Column("date_fin", "Date de fin", "date", required=False, synonyms=("fin", "date_de_fin")),
        Column("date_inauguration", "Date d'inauguration", "date", required=False, synonyms=("inauguration",)),
    ]

    def check(self, ctx: Context) -> list[Problem]:
        geo = _base_geography(ctx)
        known = _units(ctx, geo.code)
        problems: list[Problem] = []
        owner: dict[str, tuple[str, int]] = {}
        circ_lines: dict[str, int] = {}
        for row in ctx.parsed.rows:
            circ = row["code_circonscription"] or row["code_ali"]
            row["_circ"] = circ
            if not circ:
                problems.append(ctx.problem(row, "code_circonscription", None,
                                            "un code de circonscription (ou, à défaut, un code d'ALI)"))
            elif circ in circ_lines:
                problems.append(ctx.problem(row, "code_circonscription", circ,
                                            f"un code unique (déjà ligne {circ_lines[circ]})"))
            else:
                circ_lines[circ] = row["_line"]
            for code in row["communes"] or []:
                if code not in known:
                    problems.append(ctx.problem(row, "communes", code,
                                                f"un code de commune de la géographie {geo.label}"))
                elif code in owner:
                    problems.append(ctx.problem(row, "communes", code,
                                                f"une commune dans une seule circonscription "
                                                f"(déjà dans {owner[code][0]}, ligne {owner[code][1]})"))
                else:
                    owner[code] = (circ, row["_line"])
        return problems

    def apply(self, ctx: Context) -> dict[str, Any]:
        base = _base_geography(ctx)
        groups = {row["_circ"]: row for row in ctx.parsed.rows}
        summary: dict[str, Any] = {"circonscriptions": len(groups)}
        for geo in ctx.session.scalars(select(Geography).where(Geography.family == "cog")):
            summary[geo.code] = self._build(ctx, base, geo, groups)
        for circ, row in groups.items():
            if row["code_ali"]:
                ctx.writer.upsert(Ali, {"code": row["code_ali"]}, name=row["nom_ali"] or row["nom"],
                                  circonscription_code=circ, porteur=row["porteur"], consortium=row["consortium"],
                                  start_date=row["date_debut"], end_date=row["date_fin"],
                                  inaugurated_on=row["date_inauguration"])
        return summary

    def _build(self, ctx: Context, base: Geography, geo: Geography, groups: dict[str, dict]) -> dict[str, int]:
        write = ctx.writer
        units = _units(ctx, geo.code)
        unit_ids = [t.id for t in units.values()] + [t.id for t in _communes(ctx, geo.code).values()]
        write.unlink_children("circonscription", geo.code, unit_ids)
        built: dict[str, Territory] = {}
        member_of: dict[str, str] = {}  # unit code -> circonscription code
        for circ, row in groups.items():
            members = [units[c] for c in row["communes"] if c in units]
            territory = write.territory(
                geography=geo.code, level="circonscription", code=circ, name=row["nom"],
                geom=geometry.dissolve([_shape(m) for m in members]),
                attributes={"communes": [m.code for m in members], "ali": row["code_ali"]})
            built[circ] = territory
            for m in members:
                member_of[m.code] = circ
                write.link(m, territory, 1.0, "entièrement dans la circonscription")
        communes = _communes(ctx, geo.code)
        shares = _population_shares(ctx, base)
        for code, commune in communes.items():
            parts = _deleguees(ctx, commune)
            spans = {member_of.get(p.code) for p in parts} if parts else {member_of.get(code)}
            if spans == {None}:
                # Not named by any circonscription: its own territory, never a guessed grouping.
                circ = UNATTACHED_PREFIX + code
                built[circ] = write.territory(
                    geography=geo.code, level="circonscription", code=circ,
                    name=f"{commune.name} (commune non rattachée)", geom=_shape(commune),
                    attributes={"communes": [code], "non_rattachee": True})
                write.link(commune, built[circ], 1.0, "commune non rattachée")
                continue
            if not parts:
                continue
            named = sorted(s for s in spans if s)
            if len(spans) == 1:  # spans != {None}: its one circonscription is named
                write.link(commune, built[named[0]], 1.0, "entièrement dans la circonscription")
                continue
            for circ in named:
                inside = [p.code for p in parts if member_of.get(p.code) == circ]
                weight = sum(shares.get(c, 0) for c in inside) / sum(shares.get(p.code, 0) for p in parts) \
                    if all(p.code in shares for p in parts) else None
                write.link(commune, built[circ], None if weight is None else round(weight, 6),
                     f"part de la population municipale {shares.get('_year', '?')} des communes déléguées "
                     f"{', '.join(inside)}" if weight is not None else "part inconnue")
        # Circonscriptions make up the département: figures given per circonscription (ALI
        # activity) are summed to the département through these links.
        departement = ctx.session.scalar(select(Territory).where(
            Territory.geography_code == geo.code, Territory.level == "departement"))
        if departement is not None:
            for territory in built.values():
                write.link(territory, departement, 1.0, "circonscription du département")
        _drop_stale(ctx, geo.code, set(built))
        return {"circonscriptions": len(built)}


def _base_geography(ctx: Context) -> Geography:
    if ctx.options.get("geography"):
        return ctx.named_geography(ctx.options["geography"])
    return ctx.cog_at(ctx.today)


def _shape(territory: Territory) -> BaseGeometry:
    """The polygon of a commune or commune déléguée: the communes import requires one."""
    if territory.geometry is None:
        raise ValueError(f"territoire {territory.code} de {territory.geography_code} sans géométrie")
    return geometry.from_geojson(territory.geometry)


def _communes(ctx: Context, geography: str) -> dict[str, Territory]:
    return {t.code: t for t in ctx.session.scalars(select(Territory).where(
        Territory.geography_code == geography, Territory.level == "commune"))}


def _units(ctx: Context, geography: str) -> dict[str, Territory]:
    """The building blocks of circonscriptions: communes, and communes déléguées in place of the
    communes nouvelles they make up (a déléguée keeps its former commune's code)."""
    units = _communes(ctx, geography)
    for d in ctx.session.scalars(select(Territory).where(
            Territory.geography_code == geography, Territory.level == "commune_deleguee")):
        units[d.code] = d
        nouvelle = (d.attributes or {}).get("commune_nouvelle")
        if nouvelle in units and units[nouvelle].level == "commune" and nouvelle != d.code:
            del units[nouvelle]
    return units


def _deleguees(ctx: Context, commune: Territory) -> list[Territory]:
    return list(ctx.session.scalars(select(Territory).join(
        TerritoryLink, TerritoryLink.child_id == Territory.id).where(
        TerritoryLink.parent_id == commune.id, Territory.level == "commune_deleguee")))


def _population_shares(ctx: Context, base: Geography) -> dict[str, Any]:
    """Latest population of each commune of the base geography (weights for split communes)."""
    latest = ctx.session.execute(
        select(Figure.period_start).join(Territory, Territory.id == Figure.territory_id).where(
            Figure.indicator_code == "population", Figure.superseded_by.is_(None),
            Territory.geography_code == base.code, Territory.level == "commune",
        ).order_by(Figure.period_start.desc()).limit(1)).scalar()
    if latest is None:
        return {}
    rows = ctx.session.execute(
        select(Territory.code, Figure.value).join(Territory, Territory.id == Figure.territory_id).where(
            Figure.indicator_code == "population", Figure.superseded_by.is_(None),
            Figure.period_start == latest, Territory.geography_code == base.code, Territory.level == "commune"))
    shares: dict[str, Any] = {code: value for code, value in rows if value}
    shares["_year"] = latest.year
    return shares


def _drop_stale(ctx: Context, geography: str, keep: set[str]) -> None:
    """Circonscriptions of an earlier grouping that no longer exist, unless figures point at them."""
    stale = list(ctx.session.scalars(select(Territory).where(
        Territory.geography_code == geography, Territory.level == "circonscription",
        Territory.code.not_in(keep), ~exists().where(Figure.territory_id == Territory.id))))
    for territory in stale:
        for row in ctx.session.scalars(select(TerritoryLink).where(
                (TerritoryLink.parent_id == territory.id) | (TerritoryLink.child_id == territory.id))):
            ctx.writer.delete(row)
        ctx.writer.delete(territory)
    ctx.session.flush()

