"""Quality warnings of a monthly file against the months stored before it: what an import lets
through but a person should look at before confirming (issue 15).

- a jump: a month-on-month change beyond the indicator's declared `jump_tolerance`;
- a territory present the month before and absent from a file that otherwise covers that month;
- a series that restarts: a territory with figures in the past, none the month before.

Each is kept on the import record and listed in the preview; none refuses the file."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import func, select

from dashboard.formatting import fr_number, fr_percent
from dashboard.indicators.registry import STORED_BY_CODE
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context
from dashboard.periods import add_months
from dashboard.store.models import Figure, ImportRecord, Territory

# A jump is judged on counts large enough for a share to mean something.
JUMP_BASE_MIN = 50
# A month is "covered" by the file when it gives at least this share of the territories of the
# month before: a correction of a few rows is not a file from which territories went missing.
COVERED_SHARE = 0.5


def month_before(day: dt.date) -> dt.date:
    return add_months(day, -1)


def quality_warnings(ctx: Context, located: pd.DataFrame, measures, territory_column: str) -> list[Problem]:
    """The warnings of a monthly file's located rows (`_territory_id`, `_period`, `_line`)."""
    warnings: list[Problem] = []
    periods = sorted(set(located["_period"]))
    if not periods:
        return warnings
    for measure in measures:
        given = located[located[measure.column].map(_is_number)]
        if given.empty:
            continue
        values = {(int(t), p): float(v) for t, p, v in zip(given["_territory_id"], given["_period"],
                                                              given[measure.column])}
        before = {month_before(p) for p in periods}
        stored = _stored(ctx, measure.indicator, before)
        previous = {**stored, **{k: v for k, v in values.items() if k[1] in before}}  # the file's own first
        warnings += _jumps(ctx, given, measure, previous)
        warnings += _absent(ctx, located, measure, previous, periods, territory_column)
        warnings += _restarts(ctx, given, measure, previous, territory_column)
    return warnings


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _same_series(ctx: Context):
    """Figures of the same kind of file: another source (the CAF's annual file, say) is another
    series, whose difference with this one is a break, not a jump or a gap."""
    return Figure.import_id.in_(select(ImportRecord.id).where(ImportRecord.kind == ctx.record.kind))


def _stored(ctx: Context, indicator: str, months: set[dt.date]) -> dict[tuple[int, dt.date], float]:
    rows = ctx.session.execute(select(Figure.territory_id, Figure.period_start, Figure.value).where(
        _same_series(ctx), Figure.indicator_code == indicator, Figure.period_type == "month", Figure.superseded_by.is_(None),
        Figure.period_start.in_(sorted(months)), Figure.value.is_not(None))).all()
    # value IS NOT NULL in the query: the test below only tells the type checker
    return {(t, p if isinstance(p, dt.date) else dt.date.fromisoformat(str(p)[:10])): float(v) for t, p, v in rows
            if v is not None}


def _jumps(ctx: Context, given: pd.DataFrame, measure, previous: dict) -> list[Problem]:
    tolerance = STORED_BY_CODE[measure.indicator].jump_tolerance
    if tolerance is None:
        return []
    out = []
    for row in given.to_dict("records"):
        before = previous.get((int(row["_territory_id"]), month_before(row["_period"])))
        value = float(row[measure.column])
        if before is None or before < JUMP_BASE_MIN or abs(value / before - 1) <= tolerance:
            continue
        change = fr_percent(100 * (value / before - 1), 0)
        out.append(ctx.problem(row, measure.column, f"{fr_number(value)} ({'+' if value > before else ''}{change} "
                                                    f"depuis {month_before(row['_period']):%m/%Y} : {fr_number(before)})",
                               f"une évolution d'un mois sur l'autre d'au plus ±{fr_percent(100 * tolerance, 0)} "
                               "(à vérifier avant de confirmer)"))
    return out


def _absent(ctx: Context, located: pd.DataFrame, measure, previous: dict, periods: list[dt.date],
            territory_column: str) -> list[Problem]:
    out = []
    for period in periods:
        before = month_before(period)
        had = {t for t, p in previous if p == before}
        now = {int(t) for t in located.loc[located["_period"] == period, "_territory_id"]}
        if not had or len(now & had) < COVERED_SHARE * len(had):
            continue
        missing = sorted(had - now)
        if not missing:
            continue
        codes = dict(ctx.session.execute(select(Territory.id, Territory.code).where(Territory.id.in_(missing))).all())
        for territory in missing:
            out.append(ctx.problem({}, territory_column, None,
                                   f"le territoire {codes.get(territory)} en {period:%m/%Y} aussi : présent en "
                                   f"{before:%m/%Y} (« {STORED_BY_CODE[measure.indicator].label} »), il manque "
                                   "à ce fichier"))
    return out


def _restarts(ctx: Context, given: pd.DataFrame, measure, previous: dict, territory_column: str) -> list[Problem]:
    """Territories with no figure the month before whose series had figures earlier."""
    first = given.sort_values("_period").drop_duplicates("_territory_id")
    gaps = first[[(int(t), month_before(p)) not in previous for t, p in zip(first["_territory_id"], first["_period"])]]
    if gaps.empty:
        return []
    last = dict(ctx.session.execute(select(Figure.territory_id, func.max(Figure.period_start)).where(
        _same_series(ctx), Figure.indicator_code == measure.indicator, Figure.period_type == "month", Figure.superseded_by.is_(None),
        Figure.territory_id.in_([int(t) for t in gaps["_territory_id"]]),
        Figure.period_start < min(gaps["_period"])).group_by(Figure.territory_id)).all())
    out = []
    for row in gaps.to_dict("records"):
        known = last.get(int(row["_territory_id"]))
        if known is None:
            continue
        known = known if isinstance(known, dt.date) else dt.date.fromisoformat(str(known)[:10])
        if known < month_before(row["_period"]):
            out.append(ctx.problem(row, territory_column, row[territory_column],
                                   f"une série continue : elle reprend en {row['_period']:%m/%Y} après une "
                                   f"interruption (dernière valeur en {known:%m/%Y})"))
    return out
