"""The import transaction: read, validate, write with provenance — all or nothing.

The raw bytes are kept under `var/imports/` named by their SHA-256 before anything is written,
so nothing is ever lost; the same bytes imported twice for the same kind are recognised and
change nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from dashboard import publication
from dashboard.formatting import fr_number, fr_period
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.readers import refuse_oversized
from dashboard.ingest.kinds import KINDS
from dashboard.ingest.kinds.base import Context
from dashboard.indicators.registry import STORED
from dashboard.store import session_scope
from dashboard.store.models import COVERAGES, QUALITIES, ImportEvent, ImportRecord, Indicator


@dataclass(frozen=True)
class Provenance:
    source: str
    licence: str
    # A partner's file is "non vérifiée" until someone says otherwise; only `init` (the reference
    # manifest) or an explicit choice labels a file as public reference data.
    quality: str = "unverified"
    coverage: str = "census"  # see COVERAGES: a partial list or a sample is never published as a census
    source_url: str | None = None
    data_date: str | None = None
    caveats: str | None = None
    imported_by: str = "cli"


@dataclass
class ImportOutcome:
    import_id: int
    already_imported: bool
    summary: dict[str, Any] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notes under the table, read and left out
    warnings: list[str] = field(default_factory=list)  # let through, to be looked at (Problem messages)
    rows: int = 0  # data rows read from the file


def describe(outcome: ImportOutcome, kind: str) -> str:
    """What an import did, as a sentence: its number, the rows read, the values written, the
    periods they cover."""
    if outcome.already_imported:
        return f"Ce fichier a déjà été importé (import n° {outcome.import_id}) : rien n'a changé."
    spec, summary = KINDS[kind], outcome.summary
    parts = [_count(outcome.rows, "ligne lue", "lignes lues")]
    if summary.get("figures"):
        written = _count(summary["figures"], "valeur enregistrée", "valeurs enregistrées")
        indicators = len(summary.get("indicators", {}))
        parts.append(written + (f" pour {_count(indicators, 'indicateur', 'indicateurs')}" if indicators else ""))
    first, last = summary.get("first_period"), summary.get("last_period")
    if first and last:
        period_type = getattr(spec, "period_type", "month")
        first, last = (fr_period(period_type, dt.date.fromisoformat(p)) for p in (first, last))
        parts.append(first if first == last else f"de {first} à {last}")
    return f"Import n° {outcome.import_id} réalisé ({spec.label}) : {', '.join(parts)}."


def _count(n: int, one: str, many: str) -> str:
    return f"{fr_number(n)} {one if n == 1 else many}"


def file_checksum(path: Path) -> str:
    """The SHA-256 an import is known by (its raw copy's name, the audit trail's `sha256`)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def import_file(engine: Engine, path: Path, kind: str, provenance: Provenance, *, raw_dir: Path,
                options: dict[str, Any] | None = None, file_name: str | None = None,
                today: dt.date | None = None, dry_run: bool = False, publish: bool = True) -> ImportOutcome:
    """Import one file; raises ImportRefused (with every problem) and leaves the store unchanged.

    The import publishes what it touched in its own transaction (`dashboard.publication`):
    readers see the publication before it or after it, never a mix. `publish=False` leaves that
    to a later `publish_all` (what `init` does once after all the reference files).

    `dry_run` runs every check and write, then rolls the transaction back: the preview of the
    import page. The same bytes already applied for the same kind change nothing; the same
    bytes of a rolled-back import apply that import again, under its own number."""
    path = Path(path)
    file_name = file_name or path.name
    if kind not in KINDS:
        raise ImportRefused([Problem(file_name, None, None, kind, f"un type d'import parmi {', '.join(KINDS)}")])
    if provenance.coverage not in COVERAGES:
        raise ImportRefused([Problem(file_name, None, None, provenance.coverage,
                                     f"une couverture parmi {', '.join(COVERAGES)}")])
    if provenance.quality not in QUALITIES:
        raise ImportRefused([Problem(file_name, None, None, provenance.quality,
                                     f"une qualité parmi {', '.join(QUALITIES)}")])
    refuse_oversized(path, file_name)  # before reading a byte of it
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    with session_scope(engine) as session:
        earlier = session.execute(select(ImportRecord.id, ImportRecord.status).where(
            ImportRecord.sha256 == sha, ImportRecord.kind == kind).order_by(ImportRecord.id.desc())).first()
    if earlier is not None and earlier.status == "applied":
        return ImportOutcome(earlier.id, already_imported=True)

    spec = KINDS[kind]
    table = spec.read(path, file_name, options or {})
    parsed = spec.parse(table, options or {})
    if parsed.problems:
        raise ImportRefused(parsed.problems)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        with session_scope(engine) as session:
            sync_indicators(session)
            record = (session.get(ImportRecord, earlier.id) if earlier is not None else None) or ImportRecord(sha256=sha)
            fields = dict(
                kind=kind, file_name=file_name, size_bytes=len(data), raw_path=None,
                source=provenance.source, source_url=provenance.source_url, licence=provenance.licence,
                quality=provenance.quality, caveats=provenance.caveats, data_date=provenance.data_date,
                coverage=provenance.coverage,
                imported_at=now, imported_by=provenance.imported_by, status="applied", rolled_back_at=None,
                row_count=len(parsed.frame))
            for key, value in fields.items():
                setattr(record, key, value)
            session.add(record)
            session.flush()
            ctx = Context(session, record, table, parsed, options or {}, today or dt.date.today())
            problems = spec.check(ctx)
            if problems:
                raise ImportRefused(problems)  # leaving the block rolls the transaction back
            summary = spec.apply(ctx)
            notes = [f"ligne {line} : {text}" for line, text in table.notes]
            warnings = [w.message() for w in ctx.warnings]
            record.summary = {**summary, "ignored_columns": parsed.ignored_columns, "notes_ignored": notes,
                              "warnings": warnings}
            record.undo = ctx.writer.undo()
            session.add(ImportEvent(import_id=record.id, action="applied", at=now, by=provenance.imported_by))
            session.flush()
            outcome = ImportOutcome(record.id, False, summary, parsed.ignored_columns, notes, warnings,
                                    rows=len(parsed.frame))
            if dry_run:
                raise _DryRunDone(outcome)
            if publish:
                conn = session.connection()
                publication.publish(conn, publication.touched_by_import(conn, record.id))
            # Kept once the file passed every rule, before the commit: a refused file (it may
            # hold what it should not) leaves no copy behind.
            record.raw_path = str(keep_raw(raw_dir, sha, data, path.suffix))
            return outcome
    except _DryRunDone as done:
        return done.outcome


class _DryRunDone(Exception):
    """Raised at the end of a dry run so that its transaction is rolled back."""

    def __init__(self, outcome: ImportOutcome):
        self.outcome = outcome


def keep_raw(raw_dir: Path, sha: str, data: bytes, suffix: str) -> Path:
    """Store the raw bytes once, atomically, named by their checksum."""
    raw_dir.mkdir(parents=True, exist_ok=True)
    target = raw_dir / f"{sha}{suffix.lower()}"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=raw_dir, prefix=".incoming-")
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    return target


def sync_indicators(session) -> None:
    """Copy the registry's declarations of stored indicators into the store."""
    for decl in STORED:
        row = session.get(Indicator, decl.code) or Indicator(code=decl.code)
        row.label, row.unit, row.source, row.counts = decl.label, decl.unit, decl.source, decl.counts
        session.add(row)
    session.flush()
