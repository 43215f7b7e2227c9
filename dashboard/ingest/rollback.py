"""Rolling an import back: the store returns exactly to what it was without it.

Figures and structures: the import's rows go, and the rows it had superseded become current
again (or superseded by whatever import superseded the rolled-back rows). Other tables: the
rows the import created go, and the rows it changed or deleted are written back from its
undo journal. One transaction, like the import.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import aliased

from dashboard import publication
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.write import restore_value
from dashboard.store import session_scope
from dashboard.store.models import (
    Ali,
    Base,
    Figure,
    Geography,
    ImportEvent,
    ImportRecord,
    Structure,
    StructureType,
    Territory,
    TerritoryLink,
)

# Journaled tables, parents first (the order rows are written back in; deleted in reverse).
JOURNALED = [Geography, Territory, TerritoryLink, StructureType, Ali]


def rollback_import(engine: Engine, import_id: int, *, by: str = "cli") -> None:
    with session_scope(engine) as session:
        record = session.get(ImportRecord, import_id)
        if record is None or record.status != "applied":
            state = "inconnu" if record is None else "déjà annulé"
            raise ImportRefused([Problem(f"import n° {import_id}", None, None, state, "un import appliqué")])
        _refuse_if_depended_on(session, record)
        touched = publication.touched_by_import(session.connection(), import_id)
        _restore_superseded(session, Figure, import_id, key=(
            Figure.indicator_code, Figure.period_type, Figure.period_start, Figure.territory_id))
        _restore_superseded(session, Structure, import_id, key=None)
        for model in reversed(JOURNALED):
            _delete_created(session, model, record)
        for model in JOURNALED:
            _write_back(session, model, record)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        record.status, record.rolled_back_at = "rolled_back", now
        session.add(ImportEvent(import_id=import_id, action="rolled_back", at=now, by=by))
        session.flush()
        publication.publish(session.connection(), touched)


def _refuse_if_depended_on(session, record: ImportRecord) -> None:
    """A later import that used what this one created (a territory, a geography) must be
    rolled back first, or the store would point at nothing."""
    created = select(Territory.id).where(Territory.import_id == record.id)
    later = set(session.scalars(select(Figure.import_id).where(
        Figure.territory_id.in_(created), Figure.import_id != record.id).distinct()))
    later |= set(session.scalars(select(Territory.import_id).where(
        Territory.geography_code.in_(select(Geography.code).where(Geography.import_id == record.id)),
        Territory.import_id != record.id).distinct()))
    later |= set(session.scalars(select(TerritoryLink.import_id).where(
        (TerritoryLink.child_id.in_(created) | TerritoryLink.parent_id.in_(created)),
        TerritoryLink.import_id != record.id).distinct()))
    later |= _later_journaled(session, record)
    applied = sorted(i for i in later if session.get(ImportRecord, i).status == "applied")
    if applied:
        raise ImportRefused([Problem(
            f"import n° {record.id}", None, None, ", ".join(f"n° {i}" for i in applied),
            "qu'aucun import appliqué ne dépende de celui-ci : annulez d'abord les imports trouvés")])


def _later_journaled(session, record: ImportRecord) -> set[int]:
    """Later applied imports that changed or deleted rows this import had written: their undo
    journal holds rows stamped with this import."""
    later = session.scalars(select(ImportRecord).where(
        ImportRecord.id > record.id, ImportRecord.status == "applied", ImportRecord.undo.is_not(None)))
    return {other.id for other in later
            if any(entry["row"].get("import_id") == record.id for entry in other.undo or [])}


def _restore_superseded(session, model, import_id: int, key) -> None:
    if key is not None:
        successor = aliased(model)
        chained = (select(successor.superseded_by)
                   .where(successor.import_id == import_id,
                          *[getattr(successor, c.key) == c for c in key])
                   .scalar_subquery())
        session.execute(update(model).where(model.superseded_by == import_id, chained.is_not(None))
                        .values(superseded_by=chained).execution_options(synchronize_session=False))
    else:
        nxt = session.scalar(select(model.superseded_by).where(
            model.import_id == import_id, model.superseded_by.is_not(None)).limit(1))
        if nxt is not None:
            session.execute(update(model).where(model.superseded_by == import_id).values(superseded_by=nxt))
    session.execute(delete(model).where(model.import_id == import_id))
    session.execute(update(model).where(model.superseded_by == import_id).values(superseded_by=None))


def _previous_rows(model: type[Base], record: ImportRecord) -> list[dict]:
    return [e["row"] for e in record.undo or [] if e["table"] == model.__tablename__]


def _write_back(session, model: type[Base], record: ImportRecord) -> None:
    """Put back the rows as they were before the import (same primary keys)."""
    table = model.__table__
    pk = model.__mapper__.primary_key[0]
    if pk.key is None:  # typed optional, but a table's column always has a key (its name)
        raise ValueError(f"table {model.__tablename__} : clé primaire sans nom")
    for row in _previous_rows(model, record):
        values = {c.key: restore_value(c, row[c.key]) for c in table.columns}
        if session.scalar(select(func.count()).select_from(table).where(pk == values[pk.key])):
            session.execute(update(table).where(pk == values[pk.key]).values(**values))
        else:
            session.execute(table.insert().values(**values))


def _delete_created(session, model: type[Base], record: ImportRecord) -> None:
    """Rows stamped with the import and absent from its journal are the ones it created."""
    pk = model.__mapper__.primary_key[0]
    changed = [row[pk.key] for row in _previous_rows(model, record)]
    stmt = delete(model.__table__).where(model.__table__.c.import_id == record.id)
    for i in range(0, len(changed), 500):
        stmt = stmt.where(pk.not_in(changed[i:i + 500]))
    session.execute(stmt)
