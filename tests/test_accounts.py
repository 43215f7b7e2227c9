"""Accounts, rights and the audit trail of the internal app (issue 18): the account is read from
the store on every request, writing callbacks check their right where they write, sign-in is
throttled, and every sign-in, import, rollback and account change is in an append-only trail."""
from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from werkzeug.exceptions import Forbidden

from dashboard import accounts, audit
from dashboard.app import create_app
from dashboard.cli import main
from dashboard.store import make_engine
from tests.helpers import initialised

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def settings(tmp_path):
    settings = initialised(tmp_path / "var", demo=False)
    engine = make_engine(settings.database_url)
    accounts.add_user(engine, "agent", PASSWORD, ["lecteur", "import"])
    return settings


def sign_in(client, username: str, password: str = PASSWORD):
    client.get("/connexion")
    with client.session_transaction() as session:
        token = session["csrf"]
    return client.post("/connexion", data={"username": username, "password": password, "csrf_token": token})


def template(client):
    return client.get("/modeles/allocataires.csv").status_code


def test_a_disabled_account_or_a_removed_right_counts_at_the_next_request(settings):
    engine = make_engine(settings.database_url)
    client = create_app(settings).server.test_client()
    assert sign_in(client, "agent").status_code == 302 and template(client) == 200
    accounts.set_rights(engine, "agent", ["lecteur"])
    assert template(client) == 403  # same session, right removed
    accounts.set_rights(engine, "agent", ["lecteur", "import"])
    assert template(client) == 200
    accounts.set_active(engine, "agent", False)
    assert template(client) == 403  # same session, account disabled


def test_writing_callbacks_check_their_right_even_called_directly(settings):
    """The callbacks that write (upload, confirm, rollback) refuse without the right, whatever
    ids they are reached through: the check is in the function, not in the id's prefix."""
    app = create_app(settings)
    writing = [c["callback"] for k, c in app.callback_map.items() if "import-" in k]
    assert len(writing) >= 3
    with app.server.test_request_context("/_dash-update-component", method="POST"):
        for callback in writing:
            with pytest.raises(Forbidden):
                callback.__wrapped__(*[None] * 8) if hasattr(callback, "__wrapped__") else callback()
    # and through the callback endpoint, with forged ids that avoid the "import-" prefix
    client = app.server.test_client()
    body = {"output": "x.children", "outputs": {"id": "x", "property": "children"},
            "inputs": [{"id": "x", "property": "n_clicks", "value": 1}], "changedPropIds": ["x.n_clicks"]}
    assert client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json").status_code in (400, 403)


ROUTER = {"output": ".._pages_content.children..._pages_store.data..",
          "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
          "changedPropIds": ["_pages_location.pathname"], "state": []}


def structures_map(client):
    """The structures page's map callback (an internal page's), posted as the browser posts it."""
    from tests.panels import callback_output

    outputs = [("structures-map-" + part, prop) for part, prop in
               (("title", "children"), ("graph", "figure"), ("source", "children"), ("table", "children"))]
    body = {"output": callback_output(client, outputs), "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": "structures-types", "property": "value", "value": None}], "state": [],
            "changedPropIds": ["structures-types.value"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json").status_code


def page_content(client, path: str) -> str:
    """What Dash's router renders for a path (a link followed inside the app, no page request)."""
    body = dict(ROUTER, inputs=[{"id": "_pages_location", "property": "pathname", "value": path},
                                {"id": "_pages_location", "property": "search", "value": ""}])
    answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def test_internal_pages_and_their_callbacks_need_the_reader_right(settings):
    """Unsigned, or signed in without `lecteur`: an internal page redirects to the sign-in (and
    back), its callbacks answer 403 and the router renders only a sign-in notice. The public
    pages stay open. `import` and `admin` carry `lecteur`."""
    engine = make_engine(settings.database_url)
    accounts.add_user(engine, "sans-droit", PASSWORD, [])
    accounts.add_user(engine, "admin", PASSWORD, ["admin"])
    app = create_app(settings)
    for who in (None, "sans-droit"):
        client = app.server.test_client()
        if who:
            assert sign_in(client, who).status_code == 302
        page = client.get("/structures?niveau=commune")
        assert page.status_code == 302 and page.headers["Location"] == "/connexion?next=/structures%3Fniveau%3Dcommune"
        assert client.get("/comparer").status_code == 302 and client.get("/journal").status_code == 302
        assert structures_map(client) == 403
        notice = page_content(client, "/structures")
        assert "shell-login-link" in notice and "structures-map-graph" not in notice
        assert client.get("/carte").status_code == 200 and "carte-map" in page_content(client, "/carte")
    for who in ("agent", "admin"):  # lecteur + import; admin alone
        client = app.server.test_client()
        assert sign_in(client, who).status_code == 302
        assert client.get("/structures").status_code == 200 and structures_map(client) == 200
        assert "structures-map-graph" in page_content(client, "/structures")
    # the sign-in brings the visitor back to the page asked for
    client = app.server.test_client()
    client.get("/connexion?next=/structures")
    with client.session_transaction() as session:
        token = session["csrf"]
    back = client.post("/connexion", data={"username": "agent", "password": PASSWORD, "csrf_token": token,
                                           "next": "/structures"})
    assert back.status_code == 302 and back.headers["Location"] == "/structures"


def test_removing_the_reader_right_stops_an_open_session_at_its_next_request(settings):
    engine = make_engine(settings.database_url)
    accounts.add_user(engine, "lectrice", PASSWORD, ["lecteur"])
    client = create_app(settings).server.test_client()
    assert sign_in(client, "lectrice").status_code == 302
    assert client.get("/structures").status_code == 200 and structures_map(client) == 200
    accounts.set_rights(engine, "lectrice", [])
    assert client.get("/structures").status_code == 302 and structures_map(client) == 403
    accounts.set_rights(engine, "lectrice", ["lecteur"])
    assert structures_map(client) == 200
    accounts.set_active(engine, "lectrice", False)
    assert structures_map(client) == 403


def test_the_public_app_needs_no_account(settings):
    import dataclasses

    client = create_app(dataclasses.replace(settings, public=True)).server.test_client()
    assert client.get("/carte").status_code == 200 and "carte-map" in page_content(client, "/carte")
    assert client.get("/structures").status_code == 404 and client.get("/connexion").status_code == 404


def test_the_sixth_wrong_password_locks_the_name_then_it_unlocks(settings, monkeypatch):
    client = create_app(settings).server.test_client()
    for _ in range(5):
        assert sign_in(client, "agent", "mauvais-mot-de-passe").status_code == 401
    assert sign_in(client, "agent").status_code == 429  # even the right password
    assert sign_in(client, "inconnu", "x").status_code == 401  # other names are not locked
    later = audit.now() + audit.THROTTLE_WINDOW + dt.timedelta(seconds=1)
    monkeypatch.setattr(audit, "now", lambda: later)
    assert sign_in(client, "agent").status_code == 302


def test_the_trail_records_each_event_and_nothing_changes_it(settings, tmp_path, monkeypatch, capsys):
    engine = make_engine(settings.database_url)
    app = create_app(settings)
    client = app.server.test_client()
    sign_in(client, "agent", "faux")
    sign_in(client, "agent")
    client.get("/connexion")  # a page with the sign-out form: its token
    with client.session_transaction() as session:
        token = session["csrf"]
    assert client.post("/deconnexion", data={"csrf_token": token}).status_code == 302
    monkeypatch.setenv("OBSERVATOIRE_VAR_DIR", str(settings.var_dir))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("USER", "admin-test")
    path = tmp_path / "caf.csv"
    path.write_text("Mois;Code commune;Foyers\n2025-03;93001;100\n", encoding="utf-8")
    assert main(["import", str(path), "--kind", "allocataires", "--source", "CAF test"]) == 0
    number = int(capsys.readouterr().out.split("Import n° ")[1].split()[0])
    assert main(["imports", "rollback", str(number)]) == 0
    assert main(["users", "disable", "agent"]) == 0
    capsys.readouterr()
    trail = audit.events(engine)
    assert list(trail["action"]) == ["sign_in_failed", "sign_in", "sign_out", "import", "rollback", "account"]
    assert list(trail["who"]) == ["agent"] * 3 + ["admin-test"] * 3
    assert trail["address"].iloc[0] == "127.0.0.1" and pd.isna(trail["address"].iloc[3])  # the command line
    assert trail["detail"].iloc[3]["sha256"] == __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    assert main(["audit", "--csv"]) == 0
    assert capsys.readouterr().out.count("\n") == 1 + len(trail)
    # append-only: no route of the app and no command edits or deletes a row
    routes = {rule.rule for rule in app.server.url_map.iter_rules()}
    assert not any("audit" in r for r in routes)
    import dashboard.cli as cli
    assert not any(name in cli.COMMANDS for name in ("audit-delete", "audit-edit"))


@pytest.mark.browser
def test_the_trail_is_readable_by_an_admin_only(dash_duo, settings, foreign_requests):
    engine = make_engine(settings.database_url)
    accounts.add_user(engine, "admin", PASSWORD, ["lecteur", "admin"])
    dash_duo.start_server(create_app(settings))
    dash_duo.driver.get(f"{dash_duo.server_url}/journal")
    dash_duo.wait_for_element("#login-submit", timeout=10)  # not signed in: the sign-in form, no trail
    for name, password in (("agent", "faux"), ("admin", PASSWORD)):
        dash_duo.driver.get(f"{dash_duo.server_url}/connexion?next=/journal")
        dash_duo.find_element("#username").send_keys(name)
        dash_duo.find_element("#password").send_keys(password)
        dash_duo.find_element("#login-submit").click()
        if password == "faux":  # the refusal answered before the next attempt
            dash_duo.wait_for_contains_text(".alert-danger", "incorrect", timeout=10)
    dash_duo.wait_for_element("#journal-table", timeout=10)
    rows = [r.text for r in dash_duo.find_elements("#journal-table tbody tr")]
    assert len(rows) == 2, rows
    assert "admin" in rows[0] and "connexion" in rows[0] and "127.0.0.1" in rows[0]
    assert "agent" in rows[1] and "échec de connexion" in rows[1]
    # the wrong password's page answers 401 by design: the only message the browser logs
    assert [entry["message"] for entry in dash_duo.get_logs()] == [
        f"{dash_duo.server_url}/connexion - Failed to load resource: the server responded with a status of 401 "
        "(UNAUTHORIZED)"]
    assert foreign_requests() == []


@pytest.mark.parametrize("statement", ["UPDATE audit_event SET who = 'personne'", "DELETE FROM audit_event"])
def test_the_store_itself_refuses_to_change_the_trail(empty_store, statement):
    """Append-only below the app too: a SQL client cannot edit or delete a row (both backends)."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    _url, engine, _raw = empty_store
    audit.record(engine, "agent", "sign_in", address="127.0.0.1")
    with pytest.raises(DatabaseError, match="ajout seul"), engine.begin() as conn:
        conn.execute(text(statement))
    assert list(audit.events(engine)["who"]) == ["agent"]
