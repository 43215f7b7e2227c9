"""The guard of `/_dash-update-component`: a callback request must be one the page could send.

Dash trusts the body of a callback request: a forged one (not JSON, the wrong shape, an output
no callback has, inputs in another number or order than the callback declares, `Infinity`) makes
it raise, and the client gets a 500. Here every body is checked against the callback it names
before Dash reads it, and anything else is answered 400 with a short French message (413 when
too large). What remains for a callback to check is the values themselves: the views turn an
unknown indicator, territory or period into a default (`views/`).

Requests from another origin are refused (403): a cross-site page cannot send a JSON POST
without a CORS preflight, and the browser says where a request comes from.
"""
from __future__ import annotations

import json
import math
from urllib.parse import urlsplit

from dash import Dash
from flask import Flask, abort, request
from werkzeug.exceptions import BadRequest

# Dash's own router callback takes the page's path (under the app's prefix) and query string.
ROUTER = "_pages_location"


def stringify_id(component_id) -> str:
    """A component id as the browser names it in `changedPropIds`: a dict id is its JSON with
    sorted keys and no spaces (Dash's own convention; written here so as to use no private
    module of Dash)."""
    if isinstance(component_id, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id)) + "}"
    return component_id


class Refused(ValueError):
    pass


def install(server: Flask, app: Dash, max_body: int) -> None:
    """Check every callback request of `app` (bodies over `max_body` bytes: 413)."""
    server.config["MAX_CONTENT_LENGTH"] = max_body
    endpoint = f"{app.config.routes_pathname_prefix}_dash-update-component"

    @server.before_request
    def guard_callback():
        if request.method != "POST" or request.path != endpoint:
            return None
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.host:
            abort(403)
        try:
            check(request.get_data(cache=True), app.callback_map, app.config.requests_pathname_prefix)
        except Refused as refused:
            raise BadRequest(f"requête de mise à jour refusée : {refused}") from None
        return None


def check(body: bytes, callbacks: dict, prefix: str) -> None:
    """`Refused` unless the body is a request for one of `callbacks` as a page under `prefix`
    sends it."""
    try:
        payload = json.loads(body, parse_constant=_not_a_number, parse_float=_finite)
    except (ValueError, RecursionError):
        raise Refused("le corps n'est pas du JSON valide") from None
    if not isinstance(payload, dict):
        raise Refused("le corps doit être un objet JSON")
    output = payload.get("output")
    spec = callbacks.get(output) if isinstance(output, str) else None
    if spec is None or "callback" not in spec:  # clientside callbacks run in the browser only
        raise Refused("aucune fonction serveur ne répond à cette sortie")
    declared = spec["output"]
    if isinstance(declared, list):
        sent = payload.get("outputs")
        if not isinstance(sent, list) or len(sent) != len(declared) or not all(
                _matches(d.component_id_str(), d.component_property, s) for d, s in zip(declared, sent)):
            raise Refused("les sorties ne sont pas celles de la fonction")
    elif not spec.get("no_output") and not _matches(declared.component_id_str(), declared.component_property,
                                                   payload.get("outputs")):
        raise Refused("la sortie n'est pas celle de la fonction")
    sent_ids = set()
    for key in ("inputs", "state"):
        items = payload.get(key, [])
        wanted = spec[key]
        if not isinstance(items, list) or len(items) != len(wanted) or not all(
                _matches(w["id"], w["property"], item) for w, item in zip(wanted, items)):
            raise Refused(f"« {key} » ne correspond pas à la fonction")
        for w, item in zip(wanted, items):
            for one in item if isinstance(item, list) else [item]:
                sent_ids.add(f"{stringify_id(one['id'])}.{one['property']}")
                if w["id"] == ROUTER and not _page_address(one["property"], one.get("value"), prefix):
                    raise Refused("le chemin de la page doit être un texte sous le préfixe de l'application")
    changed = payload.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in sent_ids for c in changed):
        raise Refused("« changedPropIds » nomme une entrée que la fonction n'a pas")


def _matches(declared_id: str, prop: str, sent) -> bool:
    """Whether `sent` ({"id", "property"[, "value"]}, or a list of them for a wildcard) is the
    dependency declared by a stringified id and a property."""
    if not declared_id.startswith("{"):
        return isinstance(sent, dict) and sent.get("id") == declared_id and _property(sent) == prop
    pattern = json.loads(declared_id)
    items = sent if isinstance(sent, list) else [sent]
    return all(isinstance(i, dict) and _property(i) == prop and _fits(pattern, i.get("id")) for i in items)


def _property(sent: dict) -> str | None:
    """The property named, without the `@<hash>` the renderer keeps on outputs that other
    callbacks also write (allow_duplicate)."""
    prop = sent.get("property")
    return prop.split("@", 1)[0] if isinstance(prop, str) else None


def _page_address(prop: str, value, prefix: str) -> bool:
    if prop == "pathname":
        return isinstance(value, str) and value.startswith(prefix.rstrip("/") or "/")
    return value is None or isinstance(value, str)


def _fits(pattern: dict, ident) -> bool:
    """A pattern-matching id: the same keys, wildcards (["ALL"], ["MATCH"]…) standing for any
    string or number."""
    if not isinstance(ident, dict) or set(ident) != set(pattern):
        return False
    return all(isinstance(ident[k], (str, int, float)) and not isinstance(ident[k], bool)
               if isinstance(v, list) else ident[k] == v for k, v in pattern.items())


def _not_a_number(name: str):
    raise ValueError(name)


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise ValueError(text)
    return value
