"""The read side: lookups in what the publication step published, and in the reference tables
(territories, ALIs, structures, imports). No mask, sum or ratio is computed here: a value is
read as published (`dashboard.publication`), secret cells included.

A `Reader` belongs to an app: `create_app` makes one and keeps it in the Flask server's
extensions; pages, views and the API reach it through `published`, the current app's reader.
Tests and benchmarks make their own on any store."""
from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Callable

import flask
import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, aliased
from werkzeug.local import LocalProxy

from dashboard.indicators import reading
from dashboard.indicators.cache import QueryCache
from dashboard.indicators.registry import DERIVED_BY_CODE, STORED
from dashboard.ingest.kinds import KINDS
from dashboard.publication.cells import HIERARCHY
from dashboard.publication.publisher import unit_of
from dashboard.store.models import (
    QUALITIES,
    Ali,
    Geography,
    ImportRecord,
    Publication,
    PublishedPeriod,
    PublishedValue,
    Structure,
    StructureType,
    Territory,
    TerritoryLink,
)

EXTENSION = "observatoire.reader"
COLUMNS = ["code", "name", "value", "flag", "import_id", "source", "quality", "data_date", "caveats", "aggregated",
           "estimated", "series", "partial"]
PROFILE_COLUMNS = ["indicator", "period_type", "period_start", "value", "flag", "import_id", "source", "quality",
                   "data_date", "caveats", "aggregated", "estimated", "series", "partial"]
_LABELS = {s.code: (s.label, s.unit, s.source) for s in STORED}


def _memo(scope: Callable[..., str] | None = None):
    """Cache a read on its arguments and the version of the publication unit it depends on
    (`scope(*args)`, an indicator's unit; the whole publication when None)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self: Reader, *args):
            unit = scope(*args) if scope else "*"
            versions = self.versions()
            key = (self.url, method.__name__, args, unit, versions.get(unit), versions.get("*"))
            return self.cache.get_or_compute(key, lambda: method(self, *args))
        return wrapper

    return decorate


def _indicator_unit(indicator, *_rest) -> str:
    return unit_of(indicator) if isinstance(indicator, str) else "*"


class Reader:
    def __init__(self, engine: Engine, redis_url: str | None = None):
        self.engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        self.cache = QueryCache(redis_url)

    def install(self, server: flask.Flask) -> None:
        server.extensions[EXTENSION] = self

    # -- plumbing ----------------------------------------------------------------------------
    def _connect(self):
        return reading.connection(self.engine)

    def _frame(self, statement) -> pd.DataFrame:
        with self._connect() as conn:
            return pd.read_sql(statement, conn)

    def versions(self) -> dict[str, int]:
        """The publication's versions, read once per request from the request's snapshot."""
        def read():
            with self._connect() as conn:
                return dict(conn.execute(select(Publication.unit, Publication.version)).all())
        return reading.once(f"versions:{self.url}", read)

    def remember(self, key: tuple, indicator: str | None, compute: Callable[[], object]):
        """Cache what a view builds from published reads of one indicator (the map's series of
        periods), under the version of the indicator's publication unit (of the whole
        publication when None)."""
        versions = self.versions()
        unit = unit_of(indicator) if indicator else "*"
        return self.cache.get_or_compute((self.url, "remember", key, unit, versions.get(unit), versions.get("*")),
                                         compute)

    # -- catalogue ---------------------------------------------------------------------------
    @_memo()
    def imports(self) -> pd.DataFrame:
        """Every applied import with its provenance, newest first."""
        frame = self._frame(select(
            ImportRecord.id, ImportRecord.kind, ImportRecord.file_name, ImportRecord.source,
            ImportRecord.source_url, ImportRecord.licence, ImportRecord.quality, ImportRecord.caveats,
            ImportRecord.data_date, ImportRecord.imported_at, ImportRecord.row_count, ImportRecord.sha256,
        ).where(ImportRecord.status == "applied").order_by(ImportRecord.id.desc()))
        frame["quality_label"] = frame["quality"].map(QUALITIES)
        frame["kind_label"] = frame["kind"].map(lambda k: KINDS[k].label if k in KINDS else k)
        frame["is_demo"] = frame["quality"].eq("demo")
        return frame

    @_memo()
    def indicator_coverage(self) -> pd.DataFrame:
        """Per stored indicator: label, unit, periods covered, territories, rows and demo flag."""
        frame = self._frame(
            select(PublishedPeriod.indicator_code.label("code"), PublishedPeriod.period_type,
                   func.min(PublishedPeriod.period_start).label("first_period"),
                   func.max(PublishedPeriod.period_start).label("last_period"),
                   func.max(PublishedPeriod.territories).label("territories"),
                   func.sum(PublishedPeriod.territories).label("figures"),
                   func.max(PublishedPeriod.demo).label("is_demo"))
            .where(PublishedPeriod.indicator_code.in_(list(_LABELS)), PublishedPeriod.home.is_(True),
                   PublishedPeriod.level.in_(("commune", "circonscription", "qpv")))
            .group_by(PublishedPeriod.indicator_code, PublishedPeriod.period_type))
        frame["label"] = frame["code"].map(lambda c: _LABELS[c][0])
        frame["unit"] = frame["code"].map(lambda c: _LABELS[c][1])
        frame["is_demo"] = frame["is_demo"].astype(bool)
        for col in ("first_period", "last_period"):
            frame[col] = pd.to_datetime(frame[col]).dt.date
        return frame.sort_values("label", ignore_index=True)[
            ["code", "label", "unit", "period_type", "first_period", "last_period", "territories", "figures",
             "is_demo"]]

    @_memo()
    def territory_counts(self) -> pd.DataFrame:
        """How many territories of each level each geography holds, and how many have a shape."""
        return self._frame(
            select(Territory.geography_code, Geography.label.label("geography_label"), Territory.level,
                   func.count().label("territories"), func.count(Territory.geometry).label("with_geometry"))
            .join(Geography, Geography.code == Territory.geography_code)
            .group_by(Territory.geography_code, Geography.label, Territory.level)
            .order_by(Territory.geography_code, Territory.level))

    @_memo(_indicator_unit)
    def periods(self, indicator: str) -> list[tuple[str, dt.date]]:
        """The periods an indicator is published for."""
        with self._connect() as conn:
            rows = conn.execute(select(PublishedPeriod.period_type, PublishedPeriod.period_start)
                                .where(PublishedPeriod.indicator_code == indicator).distinct()
                                .order_by(PublishedPeriod.period_start, PublishedPeriod.period_type))
            return [(t, _date(d)) for t, d in rows]

    @_memo(_indicator_unit)
    def geography_of(self, indicator: str, period_type: str, period_start: dt.date) -> str | None:
        """The geography a period's figures were given on (a figure is drawn on the geography of
        its own date, which its source chose), else the COG in force then."""
        with self._connect() as conn:
            found = conn.execute(select(PublishedPeriod.geography_code).where(
                PublishedPeriod.indicator_code == indicator, PublishedPeriod.period_type == period_type,
                PublishedPeriod.period_start == period_start, PublishedPeriod.home.is_(True)).limit(1)).scalar()
        return found if found else self.geography_at("cog", period_start)

    @_memo()
    def indicators(self) -> pd.DataFrame:
        """The published indicators. Columns: code, label, unit, source."""
        with self._connect() as conn:
            codes = set(conn.execute(select(PublishedPeriod.indicator_code).distinct()).scalars())
        rows = []
        for code in codes:
            if code in _LABELS:
                label, unit, source = _LABELS[code]
            else:
                spec = DERIVED_BY_CODE[code]
                label, unit = spec.label, spec.unit
                source = " ; ".join(dict.fromkeys(_LABELS[i][2] for i in _inputs(code)))
            rows.append({"code": code, "label": label, "unit": unit, "source": source})
        return pd.DataFrame(rows, columns=["code", "label", "unit", "source"]).sort_values("label", ignore_index=True)

    def geography_at(self, family: str, day: dt.date) -> str | None:
        with self._connect() as conn, Session(conn) as session:
            return next((g.code for g in session.scalars(select(Geography).where(Geography.family == family)
                                                         .order_by(Geography.code)) if g.in_force(day)), None)

    # -- territories -------------------------------------------------------------------------
    def find_territory(self, code: str) -> dict | None:
        """The territory a code names, on the COG in force today when it is there, else on the
        latest geography that has it. A code from a URL is checked against the known codes
        first, so that made-up codes never become cache entries."""
        return self._territory(code) if isinstance(code, str) and code in self.territory_codes() else None

    @_memo()
    def territory_codes(self) -> frozenset[str]:
        with self._connect() as conn:
            return frozenset(conn.execute(select(Territory.code).distinct()).scalars())

    @_memo()
    def _territory(self, code: str) -> dict | None:
        with self._connect() as conn, Session(conn) as session:
            rows = session.execute(select(Territory, Geography).join(Geography, Geography.code == Territory.geography_code)
                                   .where(Territory.code == code)).all()
            if not rows:
                return None
            today = dt.date.today()
            territory, geography = max(rows, key=lambda r: (r[1].family == "cog", r[1].in_force(today),
                                                            r[1].valid_from or dt.date.min))
            return {"code": territory.code, "name": territory.name, "level": territory.level,
                    "geography": geography.code}

    @_memo()
    def territories(self, geography: str, level: str) -> pd.DataFrame:
        return self._frame(select(Territory.id, Territory.code, Territory.name, Territory.attributes,
                                  Territory.label_lon, Territory.label_lat, Territory.area_km2)
                           .where(Territory.geography_code == geography, Territory.level == level)
                           .order_by(Territory.code))

    @_memo()
    def geojson(self, geography: str, level: str) -> dict:
        """The prepared shapes of one level as a FeatureCollection keyed by territory code."""
        with self._connect() as conn:
            rows = conn.execute(select(Territory.code, Territory.name, Territory.geometry).where(
                Territory.geography_code == geography, Territory.level == level,
                Territory.geometry.is_not(None)).order_by(Territory.code))
            features = [{"type": "Feature", "id": code, "properties": {"nom": name}, "geometry": json.loads(geom)}
                        for code, name, geom in rows]
        return {"type": "FeatureCollection", "features": features}

    @_memo()
    def shape_codes(self, geography: str, level: str) -> list[str]:
        """The codes of the territories `geojson` draws, in its order (without its shapes)."""
        with self._connect() as conn:
            return list(conn.execute(select(Territory.code).where(
                Territory.geography_code == geography, Territory.level == level,
                Territory.geometry.is_not(None)).order_by(Territory.code)).scalars())

    def _linked(self, code: str, level: str, geography: str, upwards: bool) -> pd.DataFrame:
        other, this = aliased(Territory), aliased(Territory)
        ours, theirs = (TerritoryLink.child_id, TerritoryLink.parent_id) if upwards else \
            (TerritoryLink.parent_id, TerritoryLink.child_id)
        return self._frame(select(other.code, other.name, other.level, TerritoryLink.weight)
                           .join(TerritoryLink, theirs == other.id).join(this, this.id == ours)
                           .where(this.code == code, this.level == level, this.geography_code == geography)
                           .order_by(other.level, other.code))

    @_memo()
    def parents(self, code: str, level: str, geography: str) -> pd.DataFrame:
        """The territories that hold this one, with the share of it in each (code, name, level, weight)."""
        return self._linked(code, level, geography, upwards=True)

    @_memo()
    def children(self, code: str, level: str, geography: str) -> pd.DataFrame:
        """The territories this one holds (code, name, level, weight)."""
        return self._linked(code, level, geography, upwards=False)

    # -- published values --------------------------------------------------------------------
    @_memo(_indicator_unit)
    def values(self, indicator: str, level: str, period_type: str, period_start: dt.date,
               geography: str) -> pd.DataFrame:
        """One indicator for every territory of one level, one period, on one geography, as
        published (masked cells: value None, flag "secret"). Columns: COLUMNS."""
        frame = self._frame(
            select(PublishedValue.code, PublishedValue.name, PublishedValue.value, PublishedValue.flag,
                   PublishedValue.import_id, PublishedValue.source, PublishedValue.quality,
                   PublishedValue.data_date, PublishedValue.caveats, PublishedValue.aggregated,
                   PublishedValue.estimated, PublishedValue.series, PublishedValue.partial)
            .where(PublishedValue.indicator_code == indicator, PublishedValue.geography_code == geography,
                   PublishedValue.level == level, PublishedValue.period_type == period_type,
                   PublishedValue.period_start == period_start)
            .order_by(PublishedValue.code))
        return _typed(frame)[COLUMNS]

    @_memo(_indicator_unit)
    def series_values(self, indicator: str, levels: tuple[str, ...]) -> pd.DataFrame:
        """Every period of one indicator at these levels, each period on the geography its
        figures were given on, in one read (the map's series). Columns: level, period_type,
        period_start, geography, and COLUMNS."""
        frame = self._frame(
            select(PublishedValue.level, PublishedValue.period_type, PublishedValue.period_start,
                   PublishedValue.geography_code.label("geography"), PublishedValue.code, PublishedValue.name,
                   PublishedValue.value, PublishedValue.flag, PublishedValue.import_id, PublishedValue.source,
                   PublishedValue.quality, PublishedValue.data_date, PublishedValue.caveats,
                   PublishedValue.aggregated, PublishedValue.estimated, PublishedValue.series,
                   PublishedValue.partial)
            .where(PublishedValue.indicator_code == indicator, PublishedValue.level.in_(levels),
                   PublishedValue.home.is_(True))
            .order_by(PublishedValue.period_start, PublishedValue.level, PublishedValue.code))
        return _typed(frame)

    @_memo()
    def profile(self, code: str, level: str, geography: str) -> pd.DataFrame:
        """Every indicator for one territory and every period it has, as published: the same
        cells, masks included, as `values` gives period by period. Columns: PROFILE_COLUMNS."""
        frame = self._frame(self._profile_select().where(
            PublishedValue.code == code, PublishedValue.level == level, PublishedValue.geography_code == geography)
            .order_by(PublishedValue.indicator_code, PublishedValue.period_start))
        return _typed(frame)[PROFILE_COLUMNS]

    @staticmethod
    def _profile_select():
        return select(PublishedValue.indicator_code.label("indicator"), PublishedValue.period_type,
                      PublishedValue.period_start, PublishedValue.value, PublishedValue.flag,
                      PublishedValue.import_id, PublishedValue.source, PublishedValue.quality,
                      PublishedValue.data_date, PublishedValue.caveats, PublishedValue.aggregated,
                      PublishedValue.estimated, PublishedValue.series, PublishedValue.partial,
                      PublishedValue.geography_code.label("geography"), PublishedValue.home)

    @_memo()
    def history(self, code: str) -> pd.DataFrame:
        """Every indicator and period of the territory with this code, across the geographies
        that hold it, each (indicator, period) once: from the geography its figures were given
        on when it is on several. Columns: PROFILE_COLUMNS, geography, area_km2."""
        frame = _typed(self._frame(self._profile_select().where(
            PublishedValue.code == code, PublishedValue.level.in_((*HIERARCHY, "qpv")))))
        if frame.empty:
            return pd.DataFrame(columns=[*PROFILE_COLUMNS, "geography", "area_km2"])
        key = ["indicator", "period_type", "period_start"]
        twice = frame.duplicated(key, keep=False)
        frame = pd.concat([frame[~twice], frame[twice & frame["home"].astype(bool)]]).drop_duplicates(key)
        areas = self._frame(select(Territory.geography_code.label("geography"), Territory.area_km2)
                            .where(Territory.code == code, Territory.level.in_((*HIERARCHY, "qpv"))))
        frame = frame.merge(areas.drop_duplicates("geography"), on="geography", how="left")
        return frame.sort_values(["indicator", "period_start"], ignore_index=True)[
            [*PROFILE_COLUMNS, "geography", "area_km2"]]

    # -- lists -------------------------------------------------------------------------------
    @_memo()
    def alis(self) -> pd.DataFrame:
        """The ALIs with the provenance of the file that declared them."""
        return self._frame(select(Ali.code, Ali.name, Ali.circonscription_code, Ali.porteur, Ali.consortium,
                                  Ali.start_date, Ali.end_date, Ali.inaugurated_on, Ali.import_id,
                                  ImportRecord.source, ImportRecord.quality, ImportRecord.caveats)
                           .join(ImportRecord, ImportRecord.id == Ali.import_id).order_by(Ali.code))

    @_memo()
    def structures(self) -> pd.DataFrame:
        """The insertion structures of the current list, with their type's label and the list's provenance."""
        return self._frame(select(Structure.id, Structure.name, Structure.type_code,
                                  func.coalesce(StructureType.label, Structure.type_code).label("type_label"),
                                  Structure.commune_code, Structure.address, Structure.siret, Structure.lon,
                                  Structure.lat, Structure.ali_code, Structure.description, Structure.opened_on,
                                  Structure.closed_on, Structure.import_id, ImportRecord.source,
                                  ImportRecord.quality, ImportRecord.caveats)
                           .outerjoin(StructureType, StructureType.code == Structure.type_code)
                           .join(ImportRecord, ImportRecord.id == Structure.import_id)
                           .where(Structure.superseded_by.is_(None))
                           .order_by(Structure.commune_code, Structure.name))

    @staticmethod
    def empty_values() -> pd.DataFrame:
        """A frame of `values`'s columns with no row."""
        return pd.DataFrame(columns=COLUMNS)


def _inputs(code: str) -> list[str]:
    spec = DERIVED_BY_CODE.get(code)
    if spec is None:
        return [code]
    return [leaf for c in spec.inputs for leaf in _inputs(c)]


def _date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    if "period_start" in frame:
        frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    for col in ("aggregated", "estimated", "partial"):
        if col in frame:
            frame[col] = frame[col].fillna(False).astype(bool)
    frame["value"] = frame["value"].astype(float)
    frame["flag"] = frame["flag"].astype(object).where(frame["flag"].notna(), None)
    return frame


def current() -> Reader:
    """The reader of the app serving the current request."""
    return flask.current_app.extensions[EXTENSION]


# The current app's reader, for pages, views and the API (like flask.current_app).
published: Reader = LocalProxy(current)  # type: ignore[assignment]
