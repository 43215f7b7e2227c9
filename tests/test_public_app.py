"""The public app: every route and every callback it has, and none that writes; the internal
routes answer 404; the store is opened read-only; statistical secrecy in every public answer."""
from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError, OperationalError

from dashboard import public
from dashboard.app import create_app
from dashboard.indicators.reader import EXTENSION
from tests.helpers import queries
from dashboard.store import make_engine
from tests.helpers import import_rsa, initialised, snapshot
from tests.test_no_small_counts import count_indicators, french_number, small

CALLBACK = "/_dash-update-component"
PUBLIC_PATHS = ("/", "/carte", "/elus", "/donnees", "/territoire/93066", "/embed/carte", "/embed/territoire/93066",
                "/embed/carte?indicateur=rsa_foyers&niveau=circonscription&periode=2026-09&hauteur=300",
                "/api/v1/indicateurs.json")
INTERNAL_PATHS = ("/imports", "/connexion", "/deconnexion", "/modeles/allocataires.xlsx", "/comparer",
                  "/_reload-hash", "/nulle-part", "/territoire/93066/plus")


class Failures(logging.Handler):
    """The errors the public app's last line (public.callback_failed) caught."""

    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """The demo store, with small counts in the latest month (to be masked)."""
    var = tmp_path_factory.mktemp("public")
    settings = initialised(var)
    rows = "".join(f"2026-10;{code};{n}\n" for code, n in
                   [("93015", 3), ("93033", 8), ("93039", 0), ("93074", 12), ("93001", 6)])
    import_rsa(make_engine(settings.database_url), var / "petits.csv", rows, var / "raw")
    return settings


@pytest.fixture(scope="module")
def apps(store):
    """(internal, public), made in that order: the query layer then reads through the public
    app's engine, as it does in a public process."""
    internal = create_app(store)
    return internal, create_app(dataclasses.replace(store, public=True))


@pytest.fixture(scope="module")
def client(apps):
    return apps[1].server.test_client()


@pytest.fixture
def failures():
    handler = Failures()
    logging.getLogger(public.__name__).addHandler(handler)
    yield handler.records
    logging.getLogger(public.__name__).removeHandler(handler)


def server_callbacks(app) -> dict:
    return {key: spec for key, spec in app.callback_map.items() if "callback" in spec}


def body(key: str, spec: dict, value=None) -> dict:
    """A request for a callback, shaped as the page sends it, every value set to `value`."""
    outputs = [{"id": o.component_id, "property": o.component_property}
               for o in (spec["output"] if isinstance(spec["output"], list) else [spec["output"]])]
    return {"output": key, "outputs": outputs if isinstance(spec["output"], list) else outputs[0],
            "inputs": [{**i, "value": value} for i in spec["inputs"]],
            "state": [{**s, "value": value} for s in spec["state"]],
            "changedPropIds": [f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"]}


def router(client, path: str):
    pathname, _, search = path.partition("?")
    answer = client.post(CALLBACK, content_type="application/json", data=json.dumps({
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                   {"id": "_pages_location", "property": "search", "value": f"?{search}" if search else ""}],
        "changedPropIds": ["_pages_location.pathname"]}))
    assert answer.status_code == 200, (path, answer.status_code)
    return answer.get_json()["response"]["_pages_content"]["children"]


def test_every_route_only_reads(apps):
    internal, app = apps
    rules = list(app.server.url_map.iter_rules())
    for rule in rules:
        methods = rule.methods - {"HEAD", "OPTIONS"}
        assert methods == ({"POST"} if rule.rule == CALLBACK else {"GET"}), (rule.rule, methods)
    # The sign-in and the templates are routes of the internal app only.
    internal_only = {r.rule for r in internal.server.url_map.iter_rules()} - {r.rule for r in rules}
    assert {"/connexion", "/deconnexion", "/modeles/<kind>.<ext>"} <= internal_only


def test_public_pages_answer_and_internal_ones_are_404(client):
    for path in PUBLIC_PATHS:
        answer = client.get(path)
        assert answer.status_code == 200 and "Set-Cookie" not in answer.headers, path
    for path in INTERNAL_PATHS:
        answer = client.get(path)
        assert answer.status_code == 404 and "Page introuvable" in answer.get_data(as_text=True), path
    for method in ("post", "put", "patch", "delete"):
        for path in ("/connexion", "/deconnexion", "/imports", "/", "/api/v1/valeurs.json", "/_dash-layout"):
            assert getattr(client, method)(path).status_code == 404, (method, path)
    # The router shows no internal page either (what a forged navigation would get).
    assert "import-upload" not in json.dumps(router(client, "/imports"))


def test_every_callback_belongs_to_a_public_page_and_none_writes(apps, store, client, failures):
    internal, app = apps
    callbacks = server_callbacks(app)
    # Component ids are namespaced by page (carte-…, embed-carte-…); _pages_…: Dash's router.
    namespaces = tuple(f"{name.replace('_', '-')}-" for name in public.PAGES) + ("_pages_",)
    outputs = {o.component_id for spec in callbacks.values()
               for o in (spec["output"] if isinstance(spec["output"], list) else [spec["output"]])}
    assert all(isinstance(i, str) and i.startswith(namespaces) for i in outputs), outputs
    assert {"_pages_content", "embed-carte-map", "carte-series"} <= outputs  # carte-map: drawn in the browser
    assert not any("import-" in key for key in app.callback_map)
    assert any("import-" in key for key in internal.callback_map)
    engine = make_engine(store.database_url)
    before = snapshot(engine)
    for key, spec in callbacks.items():
        if key.startswith(".._pages_content"):
            continue  # the router takes strings: below
        answer = client.post(CALLBACK, data=json.dumps(body(key, spec)), content_type="application/json")
        assert answer.status_code in (200, 204), (key, answer.status_code)
    for path in PUBLIC_PATHS[:-1]:
        router(client, path)
    assert failures == []
    assert snapshot(engine) == before


def public_engine(apps):
    return apps[1].server.extensions[EXTENSION].engine


def test_the_store_is_opened_read_only(apps):
    with public_engine(apps).connect() as conn, pytest.raises(OperationalError, match="readonly"):
        conn.execute(text("DELETE FROM published_value"))


@pytest.mark.parametrize("table", ["figure", "app_user", "import_event"])
def test_the_public_app_cannot_read_unpublished_tables(apps, table):
    with public_engine(apps).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM published_value")).scalar() > 0
        with pytest.raises(DatabaseError, match="prohibited|not authorized|permission denied"):
            conn.execute(text(f"SELECT * FROM {table}"))
        with pytest.raises(DatabaseError, match="prohibited|not authorized|permission denied"):  # not through a join either
            conn.execute(text(f"SELECT p.value FROM published_value p JOIN {table} f ON 1 = 1 LIMIT 1"))


def test_embeds_hold_no_small_count(client, failures):
    """The embedded map's hover texts for every count indicator and level, and the headline
    figures of every commune and circonscription."""
    spec_key = ("..embed-carte-map.figure...embed-carte-drawn.data...embed-carte-source.children..."
                "embed-carte-link.href...embed-carte-legend.children..")
    scanned = 0
    for indicator in count_indicators():
        for level in ("commune", "circonscription", "ept"):
            payload = {"output": spec_key,
                       "outputs": [{"id": i, "property": p} for i, p in (
                           ("embed-carte-map", "figure"), ("embed-carte-drawn", "data"),
                           ("embed-carte-source", "children"), ("embed-carte-link", "href"),
                           ("embed-carte-legend", "children"))],
                       "inputs": [{"id": "embed-carte-indicator", "property": "value", "value": indicator}],
                       "state": [{"id": "embed-carte-state", "property": "data", "value": {"niveau": level}},
                                 {"id": "embed-carte-drawn", "property": "data", "value": None}],
                       "changedPropIds": ["embed-carte-indicator.value"]}
            answer = client.post(CALLBACK, data=json.dumps(payload), content_type="application/json")
            trace = answer.get_json()["response"]["embed-carte-map"]["figure"]["data"][0]
            shown = [french_number(c[0]) for c in trace["customdata"]]
            assert small([v for v in shown if v is not None]) == [], (indicator, level)
            scanned += 1
    assert scanned > 20
    counts = set(queries.indicators().set_index("code").loc[count_indicators(), "label"])
    secret = 0
    for level in ("commune", "circonscription"):
        for code in queries.territories("COG2025", level)["code"]:
            page = router(client, f"/embed/territoire/{code}")
            shown = [value for label, value in zip(_texts_of(page, "embed-label"), _texts_of(page, "embed-value"),
                                                   strict=True) if label in counts]
            assert small([french_number(v) for v in shown if french_number(v) is not None]) == [], code
            secret += shown.count("s")
    assert secret > 0  # the small counts of October 2026 are there, as "s"
    assert failures == []


def _texts_of(tree, css_class: str) -> list[str]:
    found = []
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if css_class in str(props.get("className", "")) and isinstance(props.get("children"), str):
            found.append(props["children"])
        for value in props.values():
            found += _texts_of(value, css_class)
    elif isinstance(tree, list):
        for item in tree:
            found += _texts_of(item, css_class)
    return found


def test_a_callback_left_behind_never_reaches_the_public_app(store):
    """The import page's module run outside an app leaves its callbacks in Dash's global list;
    the next app takes them when it sets itself up, and the public app, whose pages do not hold
    their components, refuses to start rather than serve them. The app after it is whole."""
    import importlib.util
    from pathlib import Path

    import dashboard

    folder = Path(dashboard.__file__).parent / "pages"
    spec = importlib.util.spec_from_file_location("pages.imports", folder / "imports.py")
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    with pytest.raises(RuntimeError, match="import-report"):
        create_app(dataclasses.replace(store, public=True))
    public_app = create_app(dataclasses.replace(store, public=True))
    assert not any("import-" in key for key in public_app.callback_map)
