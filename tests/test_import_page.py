"""The import page end to end: sign in, drop a file, read the report, confirm, roll back.
Without signing in, neither the page nor its callbacks nor its templates answer."""
from __future__ import annotations

import json

import pytest
from dash.testing.wait import until

from dashboard.accounts import add_user
from dashboard.app import create_app
from dashboard.store import make_engine
from tests.helpers import initialised

PASSWORD = "un-mot-de-passe-solide"


@pytest.fixture
def settings(tmp_path):
    settings = initialised(tmp_path / "var", demo=False)
    engine = make_engine(settings.database_url)
    add_user(engine, "agent", PASSWORD, ["import"])
    add_user(engine, "lecteur", PASSWORD, ["lecteur"])  # reads the internal pages, imports nothing
    return settings


def caf_file(tmp_path, body: str, name: str = "caf_octobre.csv"):
    path = tmp_path / name
    path.write_text("Mois;Code commune;Foyers\n" + body, encoding="utf-8")
    return path


def sign_in(dash_duo, username: str):
    dash_duo.driver.get(f"{dash_duo.server_url}/connexion?next=/imports")
    dash_duo.find_element("#username").send_keys(username)
    dash_duo.find_element("#password").send_keys(PASSWORD)
    dash_duo.find_element("#login-submit").click()


@pytest.mark.browser
def test_sign_in_upload_confirm_and_roll_back(dash_duo, settings, tmp_path, foreign_requests):
    dash_duo.start_server(create_app(settings))
    sign_in(dash_duo, "agent")
    dash_duo.wait_for_element("#import-upload", timeout=10)

    # A bad file: the report names line and column, nothing is imported.
    bad = caf_file(tmp_path, "2026-09;93001;1 234\n2026-09;75056;12\n")
    dash_duo.find_element("#import-upload input[type=file]").send_keys(str(bad))
    dash_duo.wait_for_element("#import-problems", timeout=10)
    report = dash_duo.find_element("#import-problems").text
    assert "caf_octobre.csv" in report and "75056" in report and "3" in report and "Code commune" in report

    # A good one: preview, confirm, listed in the history. Its names column is checked against
    # the codes: a name that is not its code's territory is a warning, not a refusal.
    good = tmp_path / "caf_octobre_corrige.csv"
    good.write_text("Mois;Code commune;Commune;Foyers\n2026-09;93001;AUBERVILLIERS;1 234\n"
                    "2026-09;93005;Bobigny;987\n", encoding="utf-8")
    dash_duo.find_element("#import-upload input[type=file]").send_keys(str(good))
    dash_duo.wait_for_element("#import-valid", timeout=10)
    assert "1234" in dash_duo.find_element("#import-preview").text
    # Every row read is counted, so a row swallowed or dropped would show.
    assert dash_duo.find_element("#import-rows-read").text.startswith(
        "2 lignes de données lues (lignes 2 à 3 du fichier ; le fichier compte 3 lignes)")
    warnings = dash_duo.find_element("#import-warnings").text
    assert "1 avertissement" in warnings and "ligne 3" in warnings and "« Bobigny »" in warnings \
        and "« Aulnay-sous-Bois »" in warnings and "AUBERVILLIERS" not in warnings
    dash_duo.find_element("#import-source").send_keys("CAF de la Seine-Saint-Denis")
    confirm = dash_duo.find_element("#import-confirm")
    dash_duo.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", confirm)
    until(lambda: _settled(confirm), timeout=5)  # the history under the preview may still be growing
    until(lambda: _on_top(dash_duo, confirm), timeout=5)  # nothing (a toast, the sticky nav) over it
    confirm.click()
    dash_duo.wait_for_contains_text("#import-done", "2 valeurs enregistrées pour 1 indicateur, septembre 2026.", timeout=10)
    history = dash_duo.find_element("#import-history-table").text
    assert "caf_octobre_corrige.csv" in history and "appliqué" in history

    # Roll it back through the confirmation dialog.
    import_id = int(dash_duo.find_element("#import-done").text.split("n° ")[1].split()[0])
    button = dash_duo.find_element(f'[id*=\'"index":{import_id}\'] button')
    button.click()
    until(lambda: _alert_present(dash_duo), timeout=5)
    dash_duo.driver.switch_to.alert.accept()
    dash_duo.wait_for_contains_text("#import-rolled-back", f"Import n° {import_id} annulé", timeout=10)
    assert "annulé" in dash_duo.find_element("#import-history-table").text
    assert dash_duo.get_logs() == []
    assert foreign_requests() == []


def _settled(element) -> bool:
    """The element stays where it is for a tenth of a second (a layout still moving makes a
    click land on something else)."""
    import time

    first = element.location
    time.sleep(0.1)
    return element.location == first


def _on_top(dash_duo, element) -> bool:
    """The element is what a click at its centre would reach (scrolling it to the centre again
    if something covers it)."""
    return dash_duo.driver.execute_script(
        "const e = arguments[0]; const r = e.getBoundingClientRect();"
        "const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
        "if (hit && (hit === e || e.contains(hit))) return true;"
        "e.scrollIntoView({block: 'center'}); return false;", element)


def _alert_present(dash_duo) -> bool:
    try:
        dash_duo.driver.switch_to.alert  # noqa: B018
        return True
    except Exception:
        return False


def test_without_the_import_right_nothing_answers(settings):
    app = create_app(settings)
    client = app.server.test_client()
    body = {"output": "import-report.children", "outputs": {"id": "import-report", "property": "children"},
            "inputs": [{"id": "import-upload", "property": "contents", "value": "data:text/csv;base64,eA=="}],
            "changedPropIds": ["import-upload.contents"], "state": [
                {"id": "import-upload", "property": "filename", "value": "x.csv"},
                {"id": "import-kind", "property": "value", "value": "allocataires"}]}
    rollback = {"output": "..import-message.children...import-history.children..",
                "outputs": [{"id": "import-message", "property": "children"},
                            {"id": "import-history", "property": "children"}],
                "inputs": [[{"id": {"type": "import-rollback", "index": 1}, "property": "submit_n_clicks",
                             "value": 1}]], "changedPropIds": ['{"index":1,"type":"import-rollback"}.submit_n_clicks'],
                "state": []}
    for who in (None, "lecteur"):
        if who:
            client.post("/connexion", data={"username": who, "password": PASSWORD,
                                            "csrf_token": _token(client)})
        for payload in (body, rollback):
            answer = client.post("/_dash-update-component", data=json.dumps(payload),
                                 content_type="application/json")
            assert answer.status_code == 403
        assert client.get("/modeles/allocataires.xlsx").status_code == 403
    # The page itself offers only the sign-in link.
    layout = client.post("/_dash-update-component", content_type="application/json", data=json.dumps({
        "output": ".._pages_content.children..._pages_store.data..",
        "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/imports"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": []}))
    text = layout.get_data(as_text=True)
    assert layout.status_code == 200 and "imports-login-link" in text and "import-upload" not in text


def test_sign_in_checks_the_form_token_and_the_password(settings):
    client = create_app(settings).server.test_client()
    assert client.post("/connexion", data={"username": "agent", "password": PASSWORD,
                                           "csrf_token": "forged"}).status_code == 400
    wrong = client.post("/connexion", data={"username": "agent", "password": "faux",
                                            "csrf_token": _token(client)})
    assert wrong.status_code == 401
    ok = client.post("/connexion", data={"username": "agent", "password": PASSWORD, "csrf_token": _token(client),
                                         "next": "https://ailleurs.example/"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/"
    assert client.get("/modeles/allocataires.xlsx").status_code == 200
    csv = client.get("/modeles/ali_activite.csv").get_data(as_text=True)
    assert csv.startswith("\ufeffMois;Code ALI;File active fin de mois;Entrées du mois;")
    # A callback from another site is refused even with a session.
    assert client.post("/_dash-update-component", data="{}", content_type="application/json",
                       headers={"Origin": "https://ailleurs.example"}).status_code == 403
    cookie = ok.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie


def _token(client) -> str:
    page = client.get("/connexion").get_data(as_text=True)
    return page.split('name="csrf_token" value="')[1].split('"')[0]


def test_a_link_to_an_import_shows_it_first_in_the_log(settings):
    """`/imports?import=N` (a Transmissions cell's link): that import heads the log, marked."""
    from dashboard import audit
    from tests.panels import find, page_layout

    client = create_app(settings).server.test_client()
    with client.session_transaction() as session:
        session["username"], session["seen"] = "agent", audit.now().isoformat(timespec="seconds")

    def first_rows(search: str):
        table = next(find(page_layout(client, "/imports", search), "import-history-table"))
        body = table["props"]["children"][1]["props"]["children"]
        return [(row["props"]["children"][0]["props"]["children"], row["props"].get("className")) for row in body]

    plain = first_rows("")
    assert plain[0][1] is None and [n for n, _ in plain] == sorted((n for n, _ in plain), reverse=True)
    chosen = plain[3][0]
    linked = first_rows(f"?import={chosen}")
    assert linked[0] == (chosen, "table-warning import-chosen") and len(linked) == len(plain)
    assert [n for n, _ in linked[1:]] == [n for n, _ in plain if n != chosen]
    assert first_rows("?import=abc") == plain  # not a number: the log as it is
