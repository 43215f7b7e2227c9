"""Kinds whose rows are counts by territory and period, written to the tidy `figure` table.

Shared rules: the territory code must exist in the geography in force at the row's date (or
the geography the file declares); the period must be neither in the future nor before the
series starts; a (territory, period) given twice must agree; a "Total" row must equal the sum
of the rows it totals, then it is dropped.

The rules run column-wise over the parsed frame, with lookups done once per distinct value, so
that a national file of two million rows is checked in seconds; problems are then reported for
the failing rows only.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import aliased

from dashboard.formatting import fr_number
from dashboard.ingest import parse
from dashboard.ingest.errors import Problem
from dashboard.ingest.kinds.base import Context, Kind
from dashboard.ingest.kinds.continuity import quality_warnings
from dashboard.periods import add_months
from dashboard.ingest.write import FigureRow, geography_at, territory_ids
from dashboard.store.models import Geography, Territory, TerritoryLink

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
    territory_levels: tuple[str, ...] = ("commune", "commune_deleguee", "qpv")
    series_start = dt.date(2000, 1, 1)
    # For files that give a year: the month it stands for (1: a stock at 1 January).
    month_of_year = 1
    # Columns that, with territory and period, identify a row (e.g. a cohort's horizon).
    key_columns: tuple[str, ...] = ()
    # Years ahead of today a period may be (objectives are set in advance; figures are not).
    years_ahead = 0

    # -- hooks -----------------------------------------------------------------------------
    def to_period(self, value: Any) -> dt.date | None:
        """The first day of the row's period; a bare year means `month_of_year` of that year."""
        return dt.date(value, self.month_of_year, 1) if isinstance(value, int) else value

    def territory_keys(self, frame: pd.DataFrame) -> pd.Series:
        """The code that names each row's territory."""
        return frame[self.territory_column]

    def territory_lookup(self, ctx: Context, geography: Geography) -> dict[str, int]:
        """Code -> territory id in one geography."""
        return territory_ids(ctx.session, geography.code, self.territory_levels)

    def unknown_code(self, geography: Geography, code: str) -> tuple[str, str]:
        """(column, what was expected) for a code the lookup does not know."""
        return self.territory_column, f"un code de territoire connu de la géographie {geography.label}"

    def check_rows(self, ctx: Context, rows: list[dict]) -> list[Problem]:
        """Rules across the rows of a kind, once each row is located (row by row: kinds that
        override this have small files)."""
        return []

    # -- rules -----------------------------------------------------------------------------
    def check(self, ctx: Context) -> list[Problem]:
        frame = ctx.parsed.frame
        # Large files have no total row: work on the frame itself rather than a copy.
        body = frame[~frame["_total"]].copy() if frame["_total"].any() else frame
        problems = self._check_totals(ctx, frame[frame["_total"]], body)
        body["_period"] = _map_unique(body[self.period_column], self.to_period)
        usable, period_problems = self._check_periods(ctx, body)
        problems += period_problems
        body = body if usable.all() else body[usable].copy()
        problems += self._locate(ctx, body)
        problems += self._check_duplicates(ctx, body)
        known = body["_territory_id"].notna()
        located = body if known.all() else body[known]
        # A row given twice with the same values is one figure (different values were refused).
        key = ["_territory_id", "_period", *self.key_columns]
        if located.duplicated(subset=key).any():
            located = located.drop_duplicates(subset=key)
        ctx.cache["located"] = located
        if "libelle" in located.columns:
            ctx.warnings += self._check_names(ctx, located)
        if self.period_type == "month" and not problems:
            ctx.warnings += quality_warnings(ctx, located, self.measures, self.territory_column)
        if type(self).check_rows is not FigureKind.check_rows:
            problems += self.check_rows(ctx, _records(located))
        return sorted(problems, key=lambda p: p.line or 0)

    def _check_names(self, ctx: Context, located: pd.DataFrame) -> list[Problem]:
        """A names column beside the codes is read as a check: a name that is not its code's
        territory (ST DENIS and « Saint-Denis » agree; « Bobigny » on 93066 does not) is a
        warning, once per (code, name) with its first line. Not a refusal: the code decides."""
        given = located[located["libelle"].notna()]
        if given.empty:
            return []
        pairs = given.drop_duplicates(subset=["_territory_id", "libelle"])
        names = dict(ctx.session.execute(select(Territory.id, Territory.name).where(
            Territory.id.in_({int(i) for i in pairs["_territory_id"]}))).all())
        warnings = []
        for row in _records(pairs):
            name = names.get(int(row["_territory_id"]))
            if name is not None and name_key(str(row["libelle"])) != name_key(name):
                code = row[self.territory_column]
                warnings.append(ctx.problem(row, "libelle", row["libelle"],
                                            f"le nom du territoire {code} : « {name} » (le code est retenu)"))
        return warnings

    def period_end(self, start: dt.date) -> dt.date:
        """The day after the period: a month-end stock or a month's flow exists from then on."""
        return add_months(start, {"month": 1, "quarter": 3}.get(self.period_type, 0))

    def _check_periods(self, ctx: Context, body: pd.DataFrame) -> tuple[pd.Series, list[Problem]]:
        """Rows whose period is over and not before the series starts; problems for the others."""
        problems = []
        latest = add_months(ctx.today, 12 * self.years_ahead)
        future = ("une période terminée (pas dans le futur)" if not self.years_ahead else
                  f"une année au plus tard {latest.year} (objectifs fixés jusqu'à {self.years_ahead} ans à l'avance)")
        rules = [(lambda d: self.period_end(d) > latest, future),
                 (lambda d: d < self.series_start, f"une période à partir de {self.series_start:%m/%Y}")]
        broken = pd.Series(False, index=body.index)
        for rule, expected in rules:
            failing = _map_unique(body["_period"], rule).fillna(False).astype(bool)
            for row in _records(body[failing]):
                problems.append(ctx.problem(row, self.period_column, row["_period"].isoformat()[:7], expected))
            broken |= failing
        return body["_period"].notna() & ~broken, problems

    def _locate(self, ctx: Context, body: pd.DataFrame) -> list[Problem]:
        """Set `_territory_id` on every row whose code is known in the geography of its date.

        Rows are grouped by what decides their geography (QPV vintage or date, and the file's
        geography column), then each group's codes are looked up at once."""
        problems: list[Problem] = []
        keys = self.territory_keys(body).map(lambda k: k if isinstance(k, str) else None)
        qpv = _map_unique(keys, lambda k: k[:2] if QPV_CODE.match(k) else "")
        where = pd.DataFrame({
            "qpv": qpv.fillna(""),
            "period": body["_period"],
            "cell": body[self.geography_column] if self.geography_column else None,
        }, index=body.index)
        ids = pd.Series(None, index=body.index, dtype=object)
        lookups: dict[str, dict[str, int]] = {}
        for (prefix, period, cell), positions in where.groupby(["qpv", "period", "cell"], dropna=False,
                                                                sort=False).indices.items():
            rows = body.iloc[positions]
            cell = cell if isinstance(cell, str) else None
            first = {"_line": rows["_line"].iloc[0]}
            geo = self._geography(ctx, first, keys.iloc[positions[0]] or "", period, cell, prefix)
            if isinstance(geo, Problem):
                problems += [dataclasses.replace(geo, line=line) for line in rows["_line"]]
                continue
            if geo.code not in lookups:
                lookups[geo.code] = self.territory_lookup(ctx, geo)
            group_keys = keys.iloc[positions]
            lookup = lookups[geo.code]
            if "commune_deleguee" in self.territory_levels:
                lookup, ambiguous = self._shared_codes(ctx, geo, group_keys, lookup, rows)
                problems += ambiguous
            found = group_keys.map(lookup)
            ids.iloc[positions] = found.astype(object).where(found.notna(), None)
            for line, key in zip(rows["_line"][found.isna().to_numpy()], keys.iloc[positions][found.isna()]):
                if key is not None:
                    column, expected = self.unknown_code(geo, key)
                    problems.append(ctx.problem({"_line": line}, column, key, expected))
        body["_territory_id"] = ids
        return problems

    def _shared_codes(self, ctx: Context, geo: Geography, keys: pd.Series, lookup: dict[str, int],
                      rows: pd.DataFrame) -> tuple[dict[str, int], list[Problem]]:
        """A commune nouvelle keeps the code of one of its communes déléguées (93066: Saint-Denis,
        with Pierrefitte-sur-Seine 93059 since 2025). The code alone means the commune nouvelle;
        the `shared_code` option « deleguee » makes it the commune déléguée. A file that gives
        both the shared code and a sibling déléguée for one period can be read either way, so
        without the option it is refused, naming the two readings: a guess would either drop
        the sibling from the commune nouvelle or count it twice."""
        shared = _shared_code_families(ctx, geo)
        if not shared:
            return lookup, []
        reading = ctx.options.get("shared_code")
        if reading == "deleguee":
            return {**lookup, **{code: family["deleguee_id"] for code, family in shared.items()}}, []
        if reading == "nouvelle":
            return lookup, []
        problems = []
        given = set(keys.dropna())
        for code, family in shared.items():
            siblings = sorted(given & set(family["siblings"]))
            if code not in given or not siblings:
                continue
            names = ", ".join(f"{c} ({family['siblings'][c]})" for c in siblings)
            for line in rows["_line"][(keys == code).to_numpy()]:
                problems.append(ctx.problem(
                    {"_line": line}, self.territory_column, code,
                    f"une lecture déclarée du code {code}, donné ici avec {names} : soit la commune nouvelle "
                    f"{family['name']} entière (option --code-partage nouvelle : {names} en est une partie, "
                    f"« dont »), soit la seule commune déléguée {family['deleguee_name']} (option --code-partage "
                    f"deleguee : la commune nouvelle est la somme de ses communes déléguées)"))
        return lookup, problems

    def _geography(self, ctx: Context, row: dict, code: str, day: dt.date, geo_cell,
                   qpv_prefix: str) -> Geography | Problem:
        if qpv_prefix:
            # National QPV codes say their own vintage: QP… 2015 perimeters, QN… 2024 ones.
            geo = ctx.session.get(Geography, QPV_GEOGRAPHY[qpv_prefix])
            if geo is None:
                return ctx.problem(row, self.territory_column, code, "un QPV d'une géographie chargée (import « qpv »)")
            if day is not None and not geo.in_force(day):
                ended = f"close le {geo.valid_to:%d/%m/%Y}" if geo.valid_to and day > geo.valid_to \
                    else f"en vigueur à partir du {geo.valid_from:%d/%m/%Y}"
                return ctx.problem(row, self.territory_column, code,
                                   f"un QPV de la liste en vigueur en {day:%m/%Y} (liste « {geo.label} » {ended})")
            return geo
        if ctx.options.get("geography"):
            return ctx.named_geography(ctx.options["geography"])
        if geo_cell:
            # "COG 2023" names the geography in force on 1 January of that year.
            year = re.search(r"(19|20)\d\d", geo_cell)
            if year is None:
                return ctx.problem(row, self.geography_column, geo_cell, "un millésime de géographie (ex. « COG 2024 »)")
            day = dt.date(int(year.group()), 1, 1)
        geo = geography_at(ctx.session, "cog", day)
        return geo or ctx.problem(row, self.territory_column, code,
                                  f"un territoire d'une géographie chargée pour {day:%m/%Y}")

    def _check_duplicates(self, ctx: Context, body: pd.DataFrame) -> list[Problem]:
        key = ["_territory_id", "_period", *self.key_columns]
        located = body[body["_territory_id"].notna()]
        twice = located[located.duplicated(subset=key, keep=False)]
        problems = []
        measures = [m.column for m in self.measures]
        for _, group in twice.groupby(key, sort=False):
            first = group.iloc[0]
            for _, row in group.iloc[1:].iterrows():
                if [row[c] for c in measures] != [first[c] for c in measures]:
                    problems.append(ctx.problem(row.to_dict(), self.territory_column, row[self.territory_column],
                                                f"une seule ligne par territoire et période (déjà ligne "
                                                f"{first['_line']} avec d'autres valeurs)"))
        return problems

    def _check_totals(self, ctx: Context, totals: pd.DataFrame, body: pd.DataFrame) -> list[Problem]:
        problems = []
        for total in _records(totals):
            period = total.get(self.period_column)
            scope = body if period is None else body[body[self.period_column] == period]
            for m in self.measures:
                expected = sum(v for v in scope[m.column] if isinstance(v, int | float))
                found = total[m.column]
                # Parts shown as "s" or "<5" hide some of the total: it can only be checked to
                # hold at least what is shown.
                hidden = any(isinstance(v, parse.Secret) for v in scope[m.column])
                if not isinstance(found, int | float):
                    continue
                if hidden and found < expected:
                    problems.append(ctx.problem(total, m.column, found, "au moins la somme des lignes publiées "
                                                f"({fr_number(expected)}, sans les cellules secrètes)"))
                elif not hidden and found != expected:
                    problems.append(ctx.problem(total, m.column, found, f"la somme des lignes ({fr_number(expected)})"))
        return problems

    # -- writing ---------------------------------------------------------------------------
    def figure_row(self, indicator: str, row: dict, value) -> FigureRow:
        secret = value is parse.SECRET
        return FigureRow(indicator, row["_territory_id"], self.period_type, row["_period"],
                         None if secret else float(value), "secret_source" if secret else None)

    def apply(self, ctx: Context) -> dict[str, Any]:
        located = ctx.cache["located"]
        territories, periods = located["_territory_id"].tolist(), located["_period"].tolist()
        ptype, secret = self.period_type, parse.SECRET
        by_indicator = {m.indicator: int(located[m.column].notna().sum()) for m in self.measures}
        # Plain tuples in FigureRow's field order, generated as the writer consumes them.
        figures = ((m.indicator, t, ptype, p, None, "secret_source") if v is secret
                   else (m.indicator, t, ptype, p, float(v), None)
                   for m in self.measures
                   for v, t, p in zip(located[m.column].tolist(), territories, periods) if v is not None)
        written = ctx.writer.figures(figures)
        by_indicator = {k: v for k, v in by_indicator.items() if v}
        periods = located["_period"]
        return {"figures": written, "indicators": by_indicator,
                "first_period": periods.min().isoformat() if len(periods) else None,
                "last_period": periods.max().isoformat() if len(periods) else None}


def _shared_code_families(ctx: Context, geo: Geography) -> dict[str, dict]:
    """Codes held by a commune nouvelle and one of its communes déléguées in a geography, with
    the déléguée's id and names and the other déléguées (code → name), read once per import."""
    cache = ctx.cache.setdefault("shared_codes", {})
    if geo.code in cache:
        return cache[geo.code]
    deleguee, commune = aliased(Territory), aliased(Territory)
    rows = ctx.session.execute(
        select(commune.code, commune.name, deleguee.id, deleguee.code, deleguee.name)
        .join(TerritoryLink, TerritoryLink.parent_id == commune.id)
        .join(deleguee, deleguee.id == TerritoryLink.child_id)
        .where(commune.geography_code == geo.code, commune.level == "commune",
               deleguee.level == "commune_deleguee")).all()
    families: dict[str, dict] = {}
    for code, name, d_id, d_code, d_name in rows:
        if d_code == code:
            families[code] = {"name": name, "deleguee_id": d_id, "deleguee_name": d_name,
                              "siblings": {c: n for p, _, _, c, n in rows if p == code and c != code}}
    cache[geo.code] = families
    return families


# « S/ » stands for sur or sous: all three reduce to s.
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sur": "s", "sous": "s"}


def name_key(name: str) -> str:
    """A place name reduced to what two spellings of it share: no accents, case, hyphens or
    apostrophes, the usual abbreviations spelt out, the article in any place (« BLANC MESNIL
    (LE) » and « Le Blanc-Mesnil » give one key)."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower()
    words = [_ABBREVIATIONS.get(w, w) for w in re.findall(r"[a-z0-9]+", plain)]
    return " ".join(sorted(words))


def _map_unique(series: pd.Series, function) -> pd.Series:
    """Apply `function` once per distinct value (None stays None)."""
    mapping = {v: function(v) for v in set(series) if v is not None and v == v}
    return series.map(mapping).astype(object)


def _records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records")
