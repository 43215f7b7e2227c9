"""What the import page asks of the ingest layer: preview, import, roll back, history.

The page never opens a session itself; the app factory points this module at the store."""
from __future__ import annotations


import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import pandas as pd
from sqlalchemy import Engine, select

from dashboard import audit
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.importer import file_checksum, ImportOutcome, Provenance, import_file
from dashboard.ingest.isolation import run_isolated
from dashboard.ingest.kinds import KINDS
from dashboard.ingest.rollback import rollback_import
from dashboard.settings import Settings
from dashboard.store import make_engine, session_scope
from dashboard.store.models import QUALITIES, ImportRecord

_state: dict[str, Any] = {}
PREVIEW_ROWS = 10


def configure(engine: Engine, settings: Settings) -> None:
    _state.update(engine=engine, settings=settings)


@dataclass
class Preview:
    token: str
    file_name: str
    kind: str
    rows: list[dict] = field(default_factory=list)  # the first rows as understood
    problems: list[Problem] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # notes under the table, left out
    warnings: list[str] = field(default_factory=list)  # let through, to be looked at
    rows_read: int = 0
    lines: tuple[int, int] | None = None  # first and last line of data, as the spreadsheet numbers them
    file_lines: int | None = None  # lines of the file (CSV) or its last filled row (workbook)

    @property
    def ok(self) -> bool:
        return not self.problems


def save_upload(file_name: str, data: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns its token."""
    folder: Path = _state["settings"].upload_dir
    folder.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(16) + Path(file_name).suffix.lower()[:8]
    (folder / token).write_bytes(data)
    return token


def _upload_path(token: str) -> Path:
    path = (_state["settings"].upload_dir / Path(token).name)
    if not path.is_file():
        raise FileNotFoundError("fichier téléversé introuvable : déposez-le à nouveau")
    return path


def preview(token: str, file_name: str, kind: str, options: dict | None = None) -> Preview:
    """Read and check the file as the import would, writing nothing (in a child process)."""
    try:
        return run_isolated(_preview, token, file_name, kind, options, _state["settings"],
                            file_name=file_name)
    except ImportRefused as refused:
        return Preview(token, file_name, kind, problems=refused.problems)


def _preview(token: str, file_name: str, kind: str, options: dict | None, settings: Settings) -> Preview:
    if "engine" not in _state:  # in the child: its own connection to the store
        configure(make_engine(settings.database_url), settings)
    spec = KINDS[kind]
    result = Preview(token, file_name, kind)
    path = _upload_path(token)
    try:
        table = spec.read(path, file_name, options or {})
        parsed = spec.parse(table, options or {})
        first = parsed.frame.head(PREVIEW_ROWS).to_dict("records")
        result.rows = [{"ligne": row["_line"]} | {k: v for k, v in row.items() if not k.startswith("_")}
                       for row in first]
        result.ignored_columns = parsed.ignored_columns
        result.notes = [f"ligne {line} : {text}" for line, text in table.notes]
        result.rows_read = len(table.lines)
        result.lines = (table.lines[0], table.lines[-1]) if table.lines else None
        result.file_lines = table.file_lines
        outcome = import_file(_state["engine"], path, kind, Provenance(source="aperçu", licence="aperçu"),
                              raw_dir=_state["settings"].raw_dir, file_name=file_name, options=options,
                              dry_run=True)
        result.summary = {"already_imported": outcome.import_id} if outcome.already_imported else outcome.summary
        result.warnings = outcome.warnings
    except ImportRefused as refused:
        result.problems = refused.problems
    return result


def confirm(token: str, file_name: str, kind: str, provenance: Provenance,
            options: dict | None = None, address: str | None = None) -> ImportOutcome:
    """Import the uploaded file (in a child process: a file that crashes the reader cannot take
    the web worker down), and record the attempt in the audit trail (file, checksum, result)."""
    path = _upload_path(token)
    detail = {"file": file_name, "kind": kind, "sha256": file_checksum(path)}
    try:
        outcome = run_isolated(_import, path, kind, provenance, _state["settings"], file_name, options,
                               file_name=file_name)
    except ImportRefused as refused:
        audit.record(_state["engine"], provenance.imported_by, "import_refused",
                     {**detail, "problems": len(refused.problems)}, address)
        raise
    audit.record(_state["engine"], provenance.imported_by, "import",
                 {**detail, "import": outcome.import_id, "already_imported": outcome.already_imported}, address)
    path.unlink(missing_ok=True)
    return outcome


def _import(path: Path, kind: str, provenance: Provenance, settings: Settings, file_name: str,
            options: dict | None) -> ImportOutcome:
    engine = make_engine(settings.database_url)
    try:
        return import_file(engine, path, kind, provenance, raw_dir=settings.raw_dir, file_name=file_name,
                           options=options)
    finally:
        engine.dispose()


def rollback(import_id: int, by: str, address: str | None = None) -> None:
    rollback_import(_state["engine"], import_id, by=by)
    audit.record(_state["engine"], by, "rollback", {"import": import_id}, address)


def transmissions_grid() -> pd.DataFrame:
    """Every partner × month against the declared deliveries (`dashboard.transmissions.grid`),
    read once per request: the page's controls, grid and relances all filter the same frame."""
    from dashboard import transmissions

    if not flask.has_request_context():
        return transmissions.grid(_state["engine"])
    if "transmissions_grid" not in flask.g:
        flask.g.transmissions_grid = transmissions.grid(_state["engine"])
    return flask.g.transmissions_grid


def alerts() -> list | None:
    """The internal home page's alerts (`dashboard.alerts`); None in the public app, whose
    store access cannot read the import log (the internal app's store is a Flask extension)."""
    from dashboard import alerts as found
    from dashboard.auth import EXTENSION

    engine = flask.current_app.extensions.get(EXTENSION) if flask.has_app_context() else None
    return None if engine is None else found.alerts(engine)


def audit_trail() -> pd.DataFrame:
    """The audit trail, oldest first (`dashboard.audit.events`)."""
    return audit.events(_state["engine"])


def history() -> pd.DataFrame:
    with session_scope(_state["engine"]) as session:
        rows = session.execute(select(
            ImportRecord.id, ImportRecord.kind, ImportRecord.file_name, ImportRecord.status,
            ImportRecord.imported_at, ImportRecord.imported_by, ImportRecord.row_count, ImportRecord.quality,
            ImportRecord.source, ImportRecord.sha256).order_by(ImportRecord.id.desc())).all()
    frame = pd.DataFrame(rows, columns=["id", "kind", "file_name", "status", "imported_at", "imported_by",
                                        "row_count", "quality", "source", "sha256"])
    frame["quality_label"] = frame["quality"].map(QUALITIES)
    return frame
