"""What every export kind is: its columns, how it is read, its rules, and what it writes."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from dashboard.ingest.columns import Column, ParsedTable, header_scorer, parse_table, problem_at
from dashboard.ingest.errors import ImportRefused, Problem
from dashboard.ingest.readers import RawTable, read_table
from dashboard.ingest.write import Writer, geography_at
from dashboard.store.models import Geography, ImportRecord


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

    def named_geography(self, code: str) -> Geography:
        """The geography an import option names; the import is refused when the store has none
        of that code (a typo in the manifest or on the command line)."""
        geo = self.session.get(Geography, code)
        if geo is None:
            raise ImportRefused([self.problem({}, None, code, "dans l'option « geography », le code d'une "
                                              "géographie chargée (import « communes »)")])
        return geo

    def cog_at(self, day: dt.date) -> Geography:
        """The COG geography in force on `day`; the import is refused when the store has none
        (no communes imported for that date)."""
        geo = geography_at(self.session, "cog", day)
        if geo is None:
            raise ImportRefused([self.problem({}, None, None, f"une géographie communale (COG) en vigueur le "
                                              f"{day:%d/%m/%Y} : importer d'abord ses communes (import « communes »)")])
        return geo


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
