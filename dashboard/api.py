"""The open-data API, read-only, in the spirit of datasette: every indicator for every territory
and period as JSON or CSV, with provenance and licence, through the query layer (so with the
same statistical secrecy as the pages). Unknown parameters get a 400 with a clear message."""
from __future__ import annotations

import csv
import hashlib
import datetime as dt
import io
import re

from flask import Blueprint, Flask, Response, jsonify, request

from dashboard.indicators.reader import published
from dashboard.ingest import parse
from dashboard.indicators.registry import DERIVED_BY_CODE, STORED
from dashboard.publication.publisher import unit_of
from dashboard.periods import add_months
from dashboard.publication.series import break_reason
from dashboard.store.models import LEVELS, QUALITIES

LICENCE = "Licence Ouverte / Etalab 2.0 (données publiques) ; voir « source » pour chaque valeur"
PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-T([1-4]))?$")
FORMATS = ("json", "csv")


class BadRequest(Exception):
    pass


def install(server: Flask, prefix: str) -> None:
    bp = Blueprint("api", __name__, url_prefix=f"{prefix}api/v1")

    @bp.errorhandler(BadRequest)
    def bad_request(error):
        return jsonify({"erreur": str(error)}), 400

    @bp.before_request
    def revalidate():
        """A client (or a reverse proxy) that holds the answer of this URL for the current
        publication gets a 304 before anything is read."""
        if request.method == "GET" and _etag() in request.if_none_match:
            answer = Response(status=304)
            return _cacheable(answer)
        return None

    @bp.after_request
    def tag(answer: Response):
        if request.method == "GET" and answer.status_code == 200:
            _cacheable(answer)
        return answer

    @bp.route("/openapi.json")
    def openapi():
        _only()
        return jsonify(openapi_description(f"{prefix}api/v1"))

    @bp.route("/indicateurs.<fmt>")
    def indicators(fmt: str):
        _only()
        frame = published.indicators()
        rows = [{"code": r.code, "libelle": r.label, "unite": r.unit, "source": r.source,
                 "calcule": r.code in DERIVED_BY_CODE} for r in frame.itertuples()]
        return _answer(fmt, rows, {"licence": LICENCE})

    @bp.route("/territoires.<fmt>")
    def territories(fmt: str):
        args = _only("geographie", "niveau")
        geography, level = args.get("geographie", "COG2025"), args.get("niveau", "commune")
        if level not in LEVELS:
            raise BadRequest(f"niveau inconnu : {level!r} (attendu : {', '.join(LEVELS)})")
        frame = published.territories(geography, level)
        rows = [{"code": r.code, "nom": r.name, "niveau": level, "geographie": geography}
                for r in frame.itertuples()]
        return _answer(fmt, rows, {"licence": LICENCE})

    @bp.route("/valeurs.<fmt>")
    def values(fmt: str):
        args = _only("indicateur", "niveau", "periode", "geographie")
        for name in ("indicateur", "niveau", "periode"):
            if not args.get(name):
                raise BadRequest(f"paramètre obligatoire manquant : {name}")
        indicator, level = args["indicateur"], args["niveau"]
        known = set(published.indicators()["code"])
        if indicator not in known:
            raise BadRequest(f"indicateur inconnu : {indicator!r} (la liste : indicateurs.json)")
        if level not in LEVELS:
            raise BadRequest(f"niveau inconnu : {level!r} (attendu : {', '.join(LEVELS)})")
        period_type, start = _period(args["periode"])
        geography = args.get("geographie") or published.geography_of(indicator, period_type, start)
        frame = published.values(indicator, level, period_type, start, geography) if geography else None
        before = _previous_series(indicator, level, period_type, start)
        # A flag is "secret" or missing (None, or NaN in a frame): only the former masks.
        rows = [] if frame is None else [{
            "code": r.code, "nom": r.name, "valeur": None if r.flag == "secret" else _number(r.value),
            "secret": r.flag == "secret", "periode": args["periode"],
            "source": r.source, "date_des_donnees": r.data_date if isinstance(r.data_date, str) else NOT_STATED,
            "import": None if r.import_id != r.import_id else int(r.import_id),
            "fiabilite": QUALITIES.get(r.quality, r.quality), "demonstration": r.quality == "demo",
            # Summed through a weight below 1 (a commune split between two territories): a whole
            # number, but an estimate.
            "estimation": bool(r.estimated),
            # The series (source and method, reliability, perimeter) and, when the period before
            # is of another series, why: no change should be computed across it.
            # From a partial list: a lower bound, not a census (territories it does not name
            # have no row: "non recensé", never 0).
            "partiel": bool(r.partial),
            "serie": r.series if isinstance(r.series, str) else None,
            "rupture": break_reason(before.get(r.code), r.series if isinstance(r.series, str) else None),
        } for r in frame.itertuples()]
        meta = {"indicateur": indicator, "niveau": level, "periode": args["periode"], "geographie": geography,
                "licence": LICENCE, "secret": "valeur masquée (« s ») : secret statistique"}
        return _answer(fmt, rows, meta)

    server.register_blueprint(bp)


def _previous_series(indicator: str, level: str, period_type: str, start: dt.date) -> dict[str, str]:
    """Code -> series of each territory's value in the period before (a lookup: the series are
    decided when the figures are published)."""
    previous = add_months(start, -{"month": 1, "quarter": 3, "year": 12}[period_type])
    geography = published.geography_of(indicator, period_type, previous)
    if geography is None:
        return {}
    frame = published.values(indicator, level, period_type, previous, geography)
    return {c: s for c, s in zip(frame["code"], frame["series"]) if isinstance(s, str)}


NOT_STATED = "non renseignée"  # a data date the source did not give: never `nan` or empty


def _only(*allowed: str) -> dict[str, str]:
    """The query parameters, refusing any not in `allowed`."""
    unknown = sorted(set(request.args) - set(allowed))
    if unknown:
        expected = ", ".join(allowed) or "aucun"
        raise BadRequest(f"paramètre inconnu : {', '.join(unknown)} (attendus : {expected})")
    return {k: v for k, v in request.args.items()}


def _period(text: str) -> tuple[str, dt.date]:
    match = PERIOD.match(text)
    if not match:
        raise BadRequest(f"période illisible : {text!r} (attendu : 2025-03, 2025-T1 ou 2023)")
    year, month, quarter = int(match[1]), match[2], match[3]
    if month:
        if not 1 <= int(month) <= 12:
            raise BadRequest(f"mois impossible : {text!r}")
        return "month", dt.date(year, int(month), 1)
    if quarter:
        return "quarter", dt.date(year, 3 * int(quarter) - 2, 1)
    if not 1900 <= year <= 2100:
        raise BadRequest(f"année hors limites : {text!r}")
    return "year", dt.date(year, 1, 1)


# Published figures change only when an import is published: a proxy may keep an answer a
# minute, then must ask again (a 304 when nothing was published since).
CACHE_CONTROL = "public, max-age=60, must-revalidate"


def _etag() -> str:
    """The answer's version: its URL and the version of the publication it reads (the unit of
    the indicator asked for, else the whole publication)."""
    versions = published.versions()
    indicator = request.args.get("indicateur")
    unit = unit_of(indicator) if isinstance(indicator, str) and indicator in _known_codes() else "*"
    source = f"{request.full_path}|{published.url}|{unit}:{versions.get(unit)}|*:{versions.get('*')}"
    return hashlib.sha256(source.encode()).hexdigest()[:32]


def _known_codes() -> set[str]:
    return {*DERIVED_BY_CODE, *(s.code for s in STORED)}


def _cacheable(answer: Response) -> Response:
    answer.set_etag(_etag())
    answer.headers["Cache-Control"] = CACHE_CONTROL
    return answer


def _number(value):
    if value is None or value != value:
        return None
    return int(value) if float(value).is_integer() else round(float(value), 6)


def _answer(fmt: str, rows: list[dict], meta: dict) -> Response:
    if fmt == "json":
        return jsonify({**meta, "lignes": rows})
    if fmt != "csv":
        raise BadRequest(f"format inconnu : {fmt!r} (attendu : {', '.join(FORMATS)})")
    out = io.StringIO()
    columns = list(rows[0]) if rows else ["code"]
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row[c]) for c in columns])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={"X-Licence": _ascii(LICENCE)})


def _cell(value) -> str:
    """CSV text, with secret cells as "s" and formula-like text made inert for spreadsheets."""
    if value is None:
        return ""
    text = str(value).replace(".", ",") if isinstance(value, float) else str(value)
    return "'" + text if isinstance(value, str) and parse.is_formula_injection(value) else text


def _ascii(text: str) -> str:
    return text.encode("ascii", "ignore").decode()


def openapi_description(base: str) -> dict:
    fmt = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": list(FORMATS)}}

    def query(name, description, required=False):
        return {"name": name, "in": "query", "required": required, "description": description,
                "schema": {"type": "string"}}

    answer = {"200": {"description": "Les lignes demandées, avec la licence et la provenance.",
                      "content": {"application/json": {"schema": {"type": "object"}},
                                  "text/csv": {"schema": {"type": "string"}}}},
              "400": {"description": "Paramètre inconnu ou invalide, avec un message clair.",
                      "content": {"application/json": {"schema": {"type": "object"}}}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Observatoire de l'insertion — données ouvertes", "version": "1.0",
                 "description": "Indicateurs par territoire et période, avec secret statistique.",
                 "license": {"name": "Licence Ouverte / Etalab 2.0"}},
        "servers": [{"url": base}],
        "paths": {
            "/indicateurs.{fmt}": {"get": {"summary": "Les indicateurs disponibles", "parameters": [fmt],
                                           "responses": answer}},
            "/territoires.{fmt}": {"get": {"summary": "Les territoires d'un niveau", "parameters": [
                fmt, query("geographie", "COG2024, COG2025, QPV2015…"), query("niveau", ", ".join(LEVELS))],
                "responses": answer}},
            "/valeurs.{fmt}": {"get": {"summary": "Un indicateur, un niveau, une période", "parameters": [
                fmt, query("indicateur", "code de l'indicateur", True), query("niveau", ", ".join(LEVELS), True),
                query("periode", "2025-03, 2025-T1 ou 2023", True), query("geographie", "par défaut : celle de la période")],
                "responses": answer}},
        },
    }
