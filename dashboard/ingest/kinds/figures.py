"""Kinds whose rows are counts by territory and period, written to the tidy `figure` table.

Shared rules: the territory code must exist in the geography in force at the row's date (or
the geography the file declares); the period must be neither in the future nor before the
series starts; a (territory, period) given twice must agree; a "Total" row must equal the sum
of the rows it totals, then it is dropped.
"""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from dashboard.formatting import fr_number
from dashboard.ingest import parse
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.write import FigureRow, geography_at, territory_ids
from dashboard.store.models import Geography

QPV_CODE = re.compile(r"^Q[NP]\d{6}$")
QPV_GEOGRAPHY = {"QP": "QPV2015", "QN": "QPV2024"}


@dataclass
class Measure:
    column: str  # canonical column name
    indicator: str  # indicator code in the registry


class FigureKind(Kind):
    territory_column = "code_territoire"
    period_column = "mois"
    period_type = "month"
    measures: list[Measure] = []
    # A column (optional) that names the geography of the codes, e.g. "COG 2023".
    geography_column: str | None = None
    territory_levels = ("commune", "commune_deleguee", "qpv")
    series_start = dt.date(2000, 1, 1)

    def check(self, ctx: Context) -> list[Problem]:
        problems: list[Problem] = []
        rows = [r for r in ctx.parsed.rows if not r["_total"]]
        problems += self._check_totals(ctx, rows)
        seen: dict[tuple, dict] = {}
        for row in rows:
            period = row["_period"] = self.to_period(row[self.period_column])
            if period is None:
                continue
            problem = self.check_period(ctx, row, period)
            if problem is None:
                territory_id, problem = self.resolve_territory(ctx, row)
            if problem is not None:
                problems.append(problem)
                continue
            if territory_id is None:
                continue
            row["_territory_id"] = territory_id
            key = (territory_id, period, *self.key_extra(row))
            values = tuple(row[m.column] for m in self.measures)
            if key in seen and seen[key]["_values"] != values:
                problems.append(ctx.problem(row, self.territory_column, row[self.territory_column],
                                            f"une seule ligne par territoire et période (déjà ligne "
                                            f"{seen[key]['_line']} avec d'autres valeurs)"))
            row["_values"] = values
            seen.setdefault(key, row)
        return problems + self.check_rows(ctx, [r for r in rows if "_territory_id" in r])

    def check_period(self, ctx: Context, row: dict, period: dt.date) -> Problem | None:
        if period > ctx.today:
            return ctx.problem(row, self.period_column, period.isoformat()[:7], "une période passée (pas dans le futur)")
        if period < self.series_start:
            return ctx.problem(row, self.period_column, period.isoformat()[:7],
                               f"une période à partir de {self.series_start:%m/%Y}")
        return None

    def resolve_territory(self, ctx: Context, row: dict) -> tuple[int | None, Problem | None]:
        """The id of the row's territory in the geography of its date (or a problem)."""
        code = row[self.territory_column]
        if code is None:
            return None, None
        geo, problem = self._geography(ctx, row)
        if geo is None:
            return None, problem
        ids = ctx.cache.setdefault(f"territories:{geo.code}",
                                   territory_ids(ctx.session, geo.code, self.territory_levels))
        if code not in ids:
            return None, ctx.problem(row, self.territory_column, code,
                                     f"un code de territoire connu de la géographie {geo.label}")
        return ids[code], None

    def key_extra(self, row: dict) -> tuple:
        """More key columns than (territory, period), for kinds whose rows have them."""
        return ()

    def check_rows(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        """Rules across the rows of a kind, once each row is located."""
        return []

    # For files that give a year: the month it stands for (1: a stock at 1 January).
    month_of_year = 1

    def to_period(self, value: Any) -> dt.date | None:
        """The first day of the row's period; a bare year means `month_of_year` of that year."""
        return dt.date(value, self.month_of_year, 1) if isinstance(value, int) else value

    def _geography(self, ctx: Context, row: dict) -> tuple[Geography | None, Problem | None]:
        code = row.get(self.territory_column) or ""
        if QPV_CODE.match(code):
            # National QPV codes say their own vintage: QP… 2015 perimeters, QN… 2024 ones.
            geo = ctx.session.get(Geography, QPV_GEOGRAPHY[code[:2]])
            return geo, None if geo else ctx.problem(row, self.territory_column, code,
                                                     "un QPV d'une géographie chargée (import « qpv »)")
        if ctx.options.get("geography"):
            return ctx.session.get(Geography, ctx.options["geography"]), None
        day = row["_period"]
        if self.geography_column and row.get(self.geography_column):
            # "COG 2023" names the geography in force on 1 January of that year.
            year = re.search(r"(19|20)\d\d", row[self.geography_column])
            if year is None:
                return None, ctx.problem(row, self.geography_column, row[self.geography_column],
                                         "un millésime de géographie (ex. « COG 2024 »)")
            day = dt.date(int(year.group()), 1, 1)
        geo = geography_at(ctx.session, "cog", day)
        if geo is None:
            return None, ctx.problem(row, self.territory_column, row.get(self.territory_column),
                                     f"un territoire d'une géographie chargée pour {day:%m/%Y}")
        return geo, None

    def _check_totals(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        problems = []
        for total in (r for r in ctx.parsed.rows if r["_total"]):
            period = total.get(self.period_column)
            scope = [r for r in rows if period is None or r[self.period_column] == period]
            for m in self.measures:
                expected = sum(v for r in scope if isinstance(v := r[m.column], int | float))
                found = total[m.column]
                if isinstance(found, int | float) and found != expected:
                    problems.append(ctx.problem(total, m.column, found,
                                                f"la somme des lignes ({fr_number(expected)})"))
        return problems

    def figure_row(self, indicator: str, row: dict, value) -> FigureRow:
        secret = value is parse.SECRET
        return FigureRow(indicator, row["_territory_id"], self.period_type, row["_period"],
                         None if secret else float(value), "secret_source" if secret else None)

    def apply(self, ctx: Context) -> dict[str, Any]:
        figures = [self.figure_row(m.indicator, row, row[m.column])
                   for row in ctx.parsed.rows if not row["_total"] and "_territory_id" in row
                   for m in self.measures if row[m.column] is not None]
        written = ctx.writer.figures(figures)
        periods = sorted({f.period_start for f in figures})
        by_indicator: dict[str, int] = defaultdict(int)
        for f in figures:
            by_indicator[f.indicator] += 1
        return {"figures": written, "indicators": dict(by_indicator),
                "first_period": periods[0].isoformat() if periods else None,
                "last_period": periods[-1].isoformat() if periods else None}
