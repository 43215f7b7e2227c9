"""Random and forged callback requests to the public app (hypothesis): no answer is a 500, no
callback fails (the public app's last line, which would answer a failure with no update, is never
reached), and the store is unchanged.

Three kinds of bodies: anything at all (bytes, JSON of any shape); a real callback of the
public app with every value drawn at random (types, sizes, unknown codes and periods); and the
same with its structure forged (an output, an id, a property, an input swapped or dropped).
"""
from __future__ import annotations

import dataclasses
import json
import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard import public
from dashboard.app import create_app
from dashboard.store import make_engine
from tests.helpers import snapshot
from tests.test_public_app import CALLBACK, Failures, body, server_callbacks

FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Requests that reach a callback run real queries (a random period is a cold one): fewer of them.
FUZZ_CALLS = settings(FUZZ, max_examples=50)
WORDS = ["rsa_foyers", "population", "ali_file_active", "commune", "circonscription", "ept", "qpv", "departement",
         "93066", "93", "ALI-2022-01", "QP093001", "2026-10", "2026-T3", "2023", "1999-13", "asc", "desc", "name",
         "/", "/carte", "/embed/carte", "/embed/territoire/93066", "/imports", "/connexion", "../..", "<script>"]
scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
           | st.text(max_size=40) | st.sampled_from(WORDS))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["periode", "niveau", "hauteur", "indicateur", "code", "x"]) | st.text(max_size=8),
    inner, max_size=4), max_leaves=12)
queries = st.dictionaries(st.sampled_from(["indicateur", "niveau", "periode", "hauteur", "controles", "code", "x"]),
                          st.text(max_size=20) | st.sampled_from(WORDS), max_size=5)


@pytest.fixture(scope="module")
def app(sqlite_reference_settings):
    return create_app(dataclasses.replace(sqlite_reference_settings, public=True))


@pytest.fixture(scope="module")
def failures():
    handler = Failures()
    logging.getLogger(public.__name__).addHandler(handler)
    yield handler.records
    logging.getLogger(public.__name__).removeHandler(handler)


@pytest.fixture(scope="module")
def unchanged(sqlite_reference_settings):
    """Checks at the end of the module that no request changed the store."""
    engine = make_engine(sqlite_reference_settings.database_url)
    before = snapshot(engine)
    yield
    assert snapshot(engine) == before


def send(app, data) -> int:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode()
    return app.server.test_client().post(CALLBACK, data=raw, content_type="application/json").status_code


def test_anything_at_all(app, failures, unchanged):
    @FUZZ
    @given(st.binary(max_size=300) | values.map(lambda v: json.dumps(v).encode())
           | st.dictionaries(st.sampled_from(["output", "outputs", "inputs", "state", "changedPropIds"]), values)
           .map(lambda v: json.dumps(v).encode()))
    def check(data):
        assert send(app, data) in (400, 413)

    check()
    assert send(app, b"[" * 100_000) in (400, 413)  # deeper than Python's recursion limit
    assert send(app, b'{"output": "x", "inputs": [1e400]}') == 400  # infinity
    assert send(app, b"{" + b" " * 70_000 + b"}") == 413
    assert failures == []


def test_real_callbacks_with_random_values(app, failures, unchanged):
    callbacks = server_callbacks(app)
    router = ".._pages_content.children..._pages_store.data.."

    @FUZZ_CALLS
    @given(st.sampled_from(sorted(k for k in callbacks if k != router)), st.data())
    def check(key, data):
        request = body(key, callbacks[key])
        for item in request["inputs"] + request["state"]:
            item["value"] = data.draw(values)
        assert send(app, request) in (200, 204)

    @FUZZ_CALLS
    @given(st.sampled_from(["/", "/carte", "/elus", "/territoire/93066", "/territoire/XYZ", "/embed/carte",
                            "/embed/territoire/93", "/embed/territoire/nope", "/imports", "/nulle-part"])
           | st.text(max_size=30).map(lambda t: "/" + t), queries)
    def navigate(pathname, query):
        request = body(router, callbacks[router], pathname)
        request["inputs"][1]["value"] = "?" + "&".join(f"{k}={v}" for k, v in query.items())
        assert send(app, request) == 200

    check()
    navigate()
    assert failures == []


def test_forged_callbacks(app, failures, unchanged):
    callbacks = server_callbacks(app)
    keys = sorted(callbacks)

    @FUZZ
    @given(st.sampled_from(keys), st.sampled_from(keys), st.integers(0, 5), values)
    def check(key, other, forgery, value):
        request = body(key, callbacks[key], value)
        if forgery == 0:
            request["output"] = other  # another callback's output key with this one's inputs
        elif forgery == 1:
            request["inputs"] = request["inputs"][:-1] + [{"id": "import-upload", "property": "contents",
                                                           "value": value}]
        elif forgery == 2:
            request["inputs"] = request["inputs"] + request["inputs"][:1]
        elif forgery == 3:
            request["changedPropIds"] = ["import-confirm.n_clicks"]
        elif forgery == 4:
            request["outputs"] = {"id": "import-history", "property": "children"}
        else:
            request.pop("inputs")
        same = forgery == 0 and callbacks[other]["inputs"] == callbacks[key]["inputs"] and \
            callbacks[other]["state"] == callbacks[key]["state"] and callbacks[other]["output"] == callbacks[key]["output"]
        assert send(app, request) in ((200, 204, 400) if same else (400,))  # same: the router refuses None

    check()
    assert failures == []
