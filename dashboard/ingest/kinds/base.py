"""What every export kind is: its columns, how it is read, its rules, and what it writes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dashboard.ingest.columns import Column, ParsedTable, header_scorer, parse_table, problem_at
from dashboard.ingest.errors import Problem
from dashboard.ingest.readers import RawTable, read_table
from dashboard.ingest.write import Writer
from dashboard.store.models import ImportRecord


@dataclass
class Context:
    """What a kind's rules and writer can see: the open transaction, the import being made,
    the options of this import (from the reference manifest or the command line) and the file."""

    session: Session
    record: ImportRecord
    table: RawTable
    parsed: ParsedTable
    options: dict[str, Any] = field(default_factory=dict)
    today: dt.date = field(default_factory=dt.date.today)
    cache: dict[str, Any] = field(default_factory=dict)
    # What the import lets through but a person should look at (a name that disagrees with its
    # code): shown in the preview, printed by the CLI, kept in the import's summary.
    warnings: list[Problem] = field(default_factory=list)

    @property
    def writer(self) -> Writer:
        if "writer" not in self.cache:
            self.cache["writer"] = Writer(self.session, self.record)
        return self.cache["writer"]

    def problem(self, row: dict, column: str | None, found: Any, expected: str) -> Problem:
        return problem_at(self.table, self.parsed, row, column, found, expected)


class Kind:
    code: str = ""
    label: str = ""
    columns: list[Column] = []

    def read(self, path: Path, file_name: str, options: dict[str, Any]) -> RawTable:
        return read_table(path, file_name=file_name, header_score=header_scorer(self.columns),
                          sheet=options.get("sheet"))

    def parse(self, table: RawTable, options: dict[str, Any]) -> ParsedTable:
        return parse_table(table, self.columns, options.get("columns"))

    def check(self, ctx: Context) -> list[Problem]:
        """Cross-row and cross-store rules; an empty list lets the import go on."""
        return []

    def apply(self, ctx: Context) -> dict[str, Any]:
        """Write the rows (inside the import's transaction); return a summary."""
        raise NotImplementedError
