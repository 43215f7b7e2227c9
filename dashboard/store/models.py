"""The SQL store: a generic schema, so that another département is data, not code.

Every row that carries a figure, a territory or a structure points to the import that brought
it (provenance). Figures are never overwritten: an import that replaces a figure marks the
earlier row as superseded, so a rollback can restore it exactly.
"""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    if TYPE_CHECKING:
        # Every model here maps one Table (none maps a join or a select): the insert(),
        # update() and delete() of its __table__ exist. Declared for the type checker only.
        __table__: ClassVar[Table]


class Geography(Base):
    """A geography vintage (COG 2024, COG 2025, QPV 2015…): territory codes are only meaningful
    within one. `valid_from`/`valid_to` say when it is the legal geography, so a figure dated
    inside that range is shown on it."""

    __tablename__ = "geography"
    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    family: Mapped[str] = mapped_column(String(20))  # "cog" or "qpv"
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("import_record.id"))

    def in_force(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)


class ImportRecord(Base):
    """One import of one file: provenance of everything it brought."""

    __tablename__ = "import_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    raw_path: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    licence: Mapped[str] = mapped_column(Text)
    quality: Mapped[str] = mapped_column(String(20))  # see QUALITIES
    caveats: Mapped[str | None] = mapped_column(Text)
    # What the file covers (see COVERAGES); None for a census (every import before it was declared).
    coverage: Mapped[str | None] = mapped_column(String(20))
    data_date: Mapped[str | None] = mapped_column(Text)  # as stated by the source
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime)
    imported_by: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="applied")  # applied | rolled_back
    rolled_back_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict | None] = mapped_column(JSON)
    # The rows of non-figure tables this import changed or deleted, as they were before it:
    # what a rollback writes back (figures use `Figure.superseded_by` instead).
    undo: Mapped[list | None] = mapped_column(JSON)


class ImportEvent(Base):
    """The history of an import: applied, rolled back, applied again (same bytes)."""

    __tablename__ = "import_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))  # applied | rolled_back
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    by: Mapped[str] = mapped_column(String(100))


# How far a dataset can be trusted; shown on every screen that uses it.
QUALITIES = {
    "reference": "donnée publique de référence",
    "derived": "donnée publique, dérivée (agrégation ou union documentée)",
    "unverified": "données partenaires, non vérifiées",
    "demo": "données de démonstration",
}


COVERAGES = {
    "census": "recensement (tous les territoires)",
    "partial": "liste partielle (les territoires absents ne sont pas recensés)",
    "sample": "échantillon",
}


class Territory(Base):
    __tablename__ = "territory"
    __table_args__ = (UniqueConstraint("geography_code", "level", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    geography_code: Mapped[str] = mapped_column(ForeignKey("geography.code"))
    level: Mapped[str] = mapped_column(String(30))  # see LEVELS
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    geometry: Mapped[str | None] = mapped_column(Text)  # prepared GeoJSON geometry
    label_lon: Mapped[float | None] = mapped_column(Float)
    label_lat: Mapped[float | None] = mapped_column(Float)
    area_km2: Mapped[float | None] = mapped_column(Float)
    attributes: Mapped[dict | None] = mapped_column(JSON)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"))


LEVELS = {
    "departement": "département",
    "ept": "établissement public territorial",
    "circonscription": "circonscription de service social",
    "commune": "commune",
    "commune_deleguee": "commune déléguée",
    "qpv": "quartier prioritaire (QPV)",
}


class TerritoryLink(Base):
    """child ⊂ parent. `weight` is the share of the child that lies in the parent (1 when whole);
    it is below 1 only where a territory spans several parents, and `weight_basis` says how
    the share was measured."""

    __tablename__ = "territory_link"
    __table_args__ = (UniqueConstraint("child_id", "parent_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("territory.id", ondelete="CASCADE"), index=True)
    weight: Mapped[float | None] = mapped_column(Float)
    weight_basis: Mapped[str | None] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"))

    child: Mapped[Territory] = relationship(foreign_keys=[child_id])
    parent: Mapped[Territory] = relationship(foreign_keys=[parent_id])


class Indicator(Base):
    """A stored indicator, declared once in `dashboard.indicators.catalog`."""

    __tablename__ = "indicator"
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(Text)
    counts: Mapped[str] = mapped_column(Text)  # what it counts, in French


class Figure(Base):
    """The tidy table: one value of one indicator for one territory and one period."""

    __tablename__ = "figure"
    __table_args__ = (
        # The current figure of a key is unique; superseded rows are kept for rollback.
        Index(
            "ix_figure_current",
            "indicator_code",
            "period_type",
            "period_start",
            "territory_id",
            unique=True,
            sqlite_where=text("superseded_by IS NULL"),
            postgresql_where=text("superseded_by IS NULL"),
        ),
        Index("ix_figure_territory", "territory_id", "indicator_code"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    indicator_code: Mapped[str] = mapped_column(ForeignKey("indicator.code"))
    territory_id: Mapped[int] = mapped_column(ForeignKey("territory.id"))
    period_type: Mapped[str] = mapped_column(String(10))  # month | quarter | year
    period_start: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)  # None with flag "secret" when the source masks it
    flag: Mapped[str | None] = mapped_column(String(20))
    # Not indexed on purpose: only a rollback, a rare act, looks figures up by import, and every
    # index costs each of the millions of inserts of a national import.
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"))
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("import_record.id"))


class Ali(Base):
    """An Agence Locale d'Insertion and the circonscription it serves."""

    __tablename__ = "ali"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(Text)
    circonscription_code: Mapped[str] = mapped_column(String(30))
    porteur: Mapped[str | None] = mapped_column(Text)
    consortium: Mapped[str | None] = mapped_column(Text)
    start_date: Mapped[dt.date | None] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # Published by the press or the département: an ALI often opens months before it is
    # inaugurated, so this is never taken as its start date.
    inaugurated_on: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"))


class StructureType(Base):
    __tablename__ = "structure_type"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"))


class Structure(Base):
    __tablename__ = "structure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    type_code: Mapped[str] = mapped_column(String(40))
    commune_code: Mapped[str] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(Text)
    siret: Mapped[str | None] = mapped_column(String(14))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    ali_code: Mapped[str | None] = mapped_column(String(30))
    description: Mapped[str | None] = mapped_column(Text)
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    import_id: Mapped[int] = mapped_column(ForeignKey("import_record.id"), index=True)
    # A structures file is the whole list: the next one supersedes this row (kept for rollback).
    superseded_by: Mapped[int | None] = mapped_column(ForeignKey("import_record.id"), index=True)


class AuditEvent(Base):
    """Who did what, when, from where: sign-ins (and failures), sign-outs, imports, rollbacks,
    account changes. Append-only: rows are added by `dashboard.audit.record`, and no route or
    command changes or deletes one."""

    __tablename__ = "audit_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    who: Mapped[str] = mapped_column(String(100), index=True)  # the account, or the name tried
    action: Mapped[str] = mapped_column(String(40))  # see dashboard.audit.ACTIONS
    detail: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))  # the client's address (None: command line)


class User(Base):
    """An account of the internal app. Passwords are stored hashed (werkzeug, scrypt)."""

    __tablename__ = "app_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    rights: Mapped[str] = mapped_column(String(200), default="")  # space-separated, e.g. "import"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PublishedValue(Base):
    """What the apps read: one indicator (stored or derived) for one territory, level and period
    on one geography, summed through the links, with its ratio computed from the summed counts
    and statistical secrecy applied, decided once when an import or a rollback is published
    (`dashboard.publication`). A masked cell has no value and the flag "secret"."""

    __tablename__ = "published_value"
    __table_args__ = (
        Index("ix_published_lookup", "indicator_code", "geography_code", "level", "period_type", "period_start"),
        Index("ix_published_territory", "code", "indicator_code"),
        Index("ix_published_unit", "unit", "geography_code", "period_start"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The publication unit (a family of indicators protected together, or a ratio) that wrote it:
    # what an incremental publication replaces.
    unit: Mapped[str] = mapped_column(String(200))
    indicator_code: Mapped[str] = mapped_column(String(60))
    geography_code: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(30))
    code: Mapped[str] = mapped_column(String(30))
    name: Mapped[str] = mapped_column(Text)
    period_type: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)
    flag: Mapped[str | None] = mapped_column(String(20))  # "secret" when masked
    aggregated: Mapped[bool] = mapped_column(Boolean)
    # Computed through a link weight below 1 (a commune split between two territories): an
    # estimate, published as a whole number.
    estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    # The geography this period's figures were given on (a territory on two geographies is read
    # from the one its source chose).
    home: Mapped[bool] = mapped_column(Boolean)
    import_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
    quality: Mapped[str | None] = mapped_column(String(20))
    data_date: Mapped[str | None] = mapped_column(Text)
    caveats: Mapped[str | None] = mapped_column(Text)
    # The series the value belongs to (`dashboard.publication.series`): a change is computed
    # only between two values of one series.
    series: Mapped[str | None] = mapped_column(String(200))
    # From a partial list (or a sum over one): a lower bound, never ranked as a census.
    partial: Mapped[bool | None] = mapped_column(Boolean, default=False)


class PublishedPeriod(Base):
    """The catalogue of what is published: one row per indicator, geography, level and period,
    with how many territories it covers (the reads of periods and geographies stay small
    lookups whatever the size of `published_value`)."""

    __tablename__ = "published_period"
    __table_args__ = (Index("ix_published_period", "indicator_code", "period_start"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unit: Mapped[str] = mapped_column(String(200), index=True)
    indicator_code: Mapped[str] = mapped_column(String(60))
    geography_code: Mapped[str] = mapped_column(String(20))
    level: Mapped[str] = mapped_column(String(30))
    period_type: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[dt.date] = mapped_column(Date)
    territories: Mapped[int] = mapped_column(Integer)
    home: Mapped[bool] = mapped_column(Boolean)
    demo: Mapped[bool] = mapped_column(Boolean)


class Publication(Base):
    """The version of each publication unit: cache keys carry it, so an import makes stale only
    the entries of the families it touched."""

    __tablename__ = "publication"
    unit: Mapped[str] = mapped_column(String(200), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[dt.datetime] = mapped_column(DateTime)
    threshold: Mapped[int] = mapped_column(Integer)
