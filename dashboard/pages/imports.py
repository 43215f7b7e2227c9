"""Imports (internal app, import right): drop a partner's file, read the report, confirm,
and roll back any import from the history."""
from __future__ import annotations

import base64
import binascii

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html

from dashboard.auth import client_address, csrf_token, has_right, requires, signed_in_username
from dashboard.components.controls import dropdown
from dashboard.components.provenance import quality_badge
from dashboard.formatting import fr_number
from dashboard.ingest import service
from dashboard.ingest.errors import ImportRefused
from dashboard.ingest.importer import Provenance, describe
from dashboard.ingest.kinds import KINDS
from dashboard.store.models import COVERAGES, QUALITIES

# namespace: the prefix of this page's component ids (`app._check_callbacks`), "import-" like the
# import right's callbacks (`auth.PROTECTED_PREFIXES`)
dash.register_page(__name__, path="/imports", name="Imports", order=9, title="Observatoire — Imports",
                   namespace="import")

PARTNER_KINDS = ["allocataires", "ali_activite", "ali_cohortes", "ali_objectifs", "structures", "territoires", "qpv"]
STATUS = {"applied": "appliqué", "rolled_back": "annulé"}


def layout(**query):
    if not has_right("import"):
        return html.Div([
            html.H1("Imports", className="h2"),
            dbc.Alert(["Cette page demande un compte ayant le droit d'importer. ",
                       html.A("Se connecter", href=dash.get_relative_path("/connexion") + "?next="
                              + dash.get_relative_path("/imports"), id="imports-login-link")],
                      color="warning"),
        ])
    return html.Div([
        html.H1("Imports", className="h2"),
        html.Form([
            "Connecté : ", html.Strong(signed_in_username()), " ",
            dcc.Input(type="hidden", name="csrf_token", value=csrf_token()),
            html.Button("Se déconnecter", type="submit", className="btn btn-link btn-sm"),
        ], method="post", action=dash.get_relative_path("/deconnexion"), className="text-muted mb-3"),
        dbc.Row([
            dbc.Col(_form(), lg=5),
            dbc.Col(_templates(), lg=7),
        ], class_name="g-4 mb-3"),
        html.Div(id="import-report"),
        dcc.Store(id="import-pending"),
        html.H2("Historique des imports", className="h4 mt-4"),
        *([html.P(html.A("Journal d'audit (administrateurs)", href=dash.get_relative_path("/journal"),
                         id="imports-journal-link"))] if has_right("admin") else []),
        html.Div(id="import-message"),
        html.Div(_history(_chosen(query.get("import"))), id="import-history"),
    ])


def _chosen(number) -> int | None:
    """The import a link names (`?import=12`, from the Transmissions grid), if it is a number."""
    return int(number) if isinstance(number, str) and number.isdigit() else None


def _form():
    return dbc.Card(dbc.CardBody([
        html.H2("Nouveau fichier", className="h5"),
        dbc.Label("Type d'export", html_for="import-kind"),
        dropdown("import-kind", options=[{"label": KINDS[k].label, "value": k} for k in PARTNER_KINDS],
                     value="allocataires", clearable=False, className="mb-2"),
        dbc.Label("Source (qui l'envoie)", html_for="import-source"),
        dbc.Input(id="import-source", placeholder="ex. CAF de la Seine-Saint-Denis", className="mb-2"),
        dbc.Row([
            dbc.Col([dbc.Label("Licence", html_for="import-licence"),
                     dbc.Input(id="import-licence", value="usage interne")]),
            dbc.Col([dbc.Label("Date des données", html_for="import-data-date"),
                     dbc.Input(id="import-data-date", placeholder="ex. octobre 2026")]),
        ], class_name="mb-2"),
        dbc.Label("Code 93066 dans un fichier de 2025 ou après qui donne aussi 93059", html_for="import-shared-code"),
        dropdown("import-shared-code", options=[{"label": label, "value": value} for value, label in SHARED_CODE.items()],
                 value="", clearable=False, className="mb-2"),
        dbc.Label("Couverture", html_for="import-coverage"),
        dropdown("import-coverage", options=[{"label": v, "value": k} for k, v in COVERAGES.items()],
                 value="census", clearable=False, className="mb-2"),
        dbc.Label("Fiabilité", html_for="import-quality"),
        dropdown("import-quality", options=[{"label": v, "value": k} for k, v in QUALITIES.items()],
                     value="unverified", clearable=False, className="mb-3"),
        dcc.Upload(id="import-upload", children=html.Div(["Déposez le fichier ici ou ", html.A("choisissez-le")]),
                   className="border border-2 border-secondary-subtle rounded p-4 text-center bg-white",
                   max_size=50 * 1024 * 1024, multiple=False),
    ]))


# How to read a code that a commune nouvelle shares with one of its communes déléguées (93066
# since 2025): asked, never guessed (the importer refuses a file that needs it without it).
SHARED_CODE = {"": "non précisé (refusé s'il le faut)", "nouvelle": "la commune nouvelle Saint-Denis entière",
               "deleguee": "la seule commune déléguée Saint-Denis"}


def _templates():
    links = [html.Li([KINDS[k].label, " : ",
                      html.A("XLSX", href=dash.get_relative_path(f"/modeles/{k}.xlsx")), " · ",
                      html.A("CSV", href=dash.get_relative_path(f"/modeles/{k}.csv"))]) for k in PARTNER_KINDS]
    return dbc.Card(dbc.CardBody([html.H2("Modèles de fichiers", className="h5"), html.Ul(links, className="mb-0")]))


def _history(chosen: int | None = None):
    frame = service.history()
    if chosen is not None:  # the linked import first, then the whole log
        frame = frame.sort_values("id", key=lambda ids: ids != chosen, kind="stable")
    rows = [html.Tr(className="table-warning import-chosen" if r.id == chosen else None, children=[
        html.Td(r.id), html.Td(f"{r.imported_at:%d/%m/%Y %H:%M}"), html.Td(KINDS[r.kind].label if r.kind in KINDS
                                                                            else r.kind),
        html.Td(r.file_name), html.Td(fr_number(r.row_count), className="text-end"), html.Td(r.imported_by),
        html.Td(quality_badge(r.quality)), html.Td(STATUS.get(r.status, r.status)),
        html.Td(dcc.ConfirmDialogProvider(
            dbc.Button("Annuler", size="sm", color="outline-danger"),
            id={"type": "import-rollback", "index": int(r.id)},
            message=f"Annuler l'import n° {r.id} ({r.file_name}) ? Les chiffres qu'il avait remplacés "
                    "seront rétablis.") if r.status == "applied" else None),
    ]) for r in frame.itertuples()]
    head = ["N°", "Date", "Type", "Fichier", "Lignes", "Par", "Fiabilité", "État", ""]
    return dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                     size="sm", striped=True, responsive=True, id="import-history-table")


def _report(preview: service.Preview):
    if not preview.ok:
        head = ["Fichier", "Feuille", "Ligne", "Colonne", "Trouvé", "Attendu"]
        rows = [html.Tr([html.Td(p.file), html.Td(p.sheet or ""), html.Td(p.line or ""), html.Td(p.column or ""),
                         html.Td(p.found or ""), html.Td(p.expected)]) for p in preview.problems]
        return dbc.Card(dbc.CardBody([
            dbc.Alert(f"Fichier refusé : {len(preview.problems)} problème(s). Rien n'a été importé ; "
                      "corrigez le fichier et déposez-le à nouveau.", color="danger", id="import-refused"),
            dbc.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)], size="sm",
                      bordered=True, responsive=True, id="import-problems"),
        ]))
    if "already_imported" in preview.summary:
        return dbc.Alert(f"Ce fichier a déjà été importé (import n° {preview.summary['already_imported']}) : "
                         "rien à faire.", color="info", id="import-already")
    columns = list(preview.rows[0]) if preview.rows else []
    table = dbc.Table([html.Thead(html.Tr([html.Th(c) for c in columns])),
                       html.Tbody([html.Tr([html.Td(_cell(row[c])) for c in columns]) for row in preview.rows])],
                      size="sm", bordered=True, responsive=True, id="import-preview")
    ignored = [html.P(f"Colonnes ignorées : {', '.join(preview.ignored_columns)}", className="small")] \
        if preview.ignored_columns else []
    if preview.lines:  # every row read is counted: a row swallowed or dropped would show here
        total = f" ; le fichier compte {fr_number(preview.file_lines)} lignes" if preview.file_lines else ""
        ignored.insert(0, html.P(f"{fr_number(preview.rows_read)} lignes de données lues (lignes {preview.lines[0]} "
                                 f"à {preview.lines[1]} du fichier{total}).", className="small", id="import-rows-read"))
    if preview.notes:
        ignored.append(html.P("Notes sous le tableau, lues et non importées : " + " ; ".join(preview.notes),
                              className="small"))
    if preview.warnings:
        ignored.append(dbc.Alert([html.P(f"{len(preview.warnings)} avertissement(s) : le fichier peut être importé, "
                                         "vérifiez ces lignes.", className="mb-1"),
                                  html.Ul([html.Li(w) for w in preview.warnings], className="mb-0 small")],
                                 color="warning", id="import-warnings"))
    return dbc.Card(dbc.CardBody([
        dbc.Alert(f"Fichier valide : {preview.file_name}. Aperçu des premières lignes telles qu'elles seront "
                  "lues :", color="success", id="import-valid"),
        table, *ignored,
        dbc.Button("Confirmer l'import", id="import-confirm", color="primary"),
    ]))


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


@callback(Output("import-report", "children"), Output("import-pending", "data"),
          Input("import-upload", "contents"), State("import-upload", "filename"), State("import-kind", "value"),
          State("import-shared-code", "value"), prevent_initial_call=True)
@requires("import")
def check_upload(contents: str | None, file_name: str | None, kind: str, shared_code: str | None):
    if not contents or not file_name or kind not in PARTNER_KINDS:
        return dash.no_update, dash.no_update
    try:
        data = base64.b64decode(contents.split(",", 1)[1], validate=True)
    except (IndexError, binascii.Error):
        return dbc.Alert("Le fichier n'a pas pu être lu.", color="danger"), None
    token = service.save_upload(file_name, data)
    options = {"shared_code": shared_code} if shared_code in SHARED_CODE and shared_code else {}
    preview = service.preview(token, file_name, kind, options)
    pending = {"token": token, "file_name": file_name, "kind": kind, "options": options} if preview.ok and \
        "already_imported" not in preview.summary else None
    return _report(preview), pending


@callback(Output("import-message", "children"), Output("import-history", "children"),
          Output("import-report", "children", allow_duplicate=True),
          Input("import-confirm", "n_clicks"), State("import-pending", "data"), State("import-source", "value"),
          State("import-licence", "value"), State("import-quality", "value"), State("import-data-date", "value"),
          State("import-coverage", "value"), prevent_initial_call=True)
@requires("import")
def confirm(clicks, pending, source, licence, quality, data_date, coverage):
    if not clicks or not pending:
        return dash.no_update, dash.no_update, dash.no_update
    if not source:
        return dbc.Alert("Indiquez la source du fichier avant de confirmer.", color="warning"), \
            dash.no_update, dash.no_update
    provenance = Provenance(source=source, licence=licence or "usage interne", quality=quality if quality in QUALITIES else "unverified",
                            coverage=coverage if coverage in COVERAGES else "census",
                            data_date=data_date or None, imported_by=signed_in_username())
    try:
        options = {k: v for k, v in (pending.get("options") or {}).items() if k == "shared_code" and v in SHARED_CODE}
        outcome = service.confirm(pending["token"], pending["file_name"], pending["kind"], provenance, options,
                                  address=client_address())
    except ImportRefused as refused:
        return dbc.Alert(str(refused), color="danger"), _history(), dash.no_update
    message = dbc.Alert(describe(outcome, pending["kind"]), color="success", id="import-done")
    return message, _history(), None


@callback(Output("import-message", "children", allow_duplicate=True),
          Output("import-history", "children", allow_duplicate=True),
          Input({"type": "import-rollback", "index": ALL}, "submit_n_clicks"), prevent_initial_call=True)
@requires("import")
def rollback(clicks):
    if not ctx.triggered_id or not any(clicks):
        return dash.no_update, dash.no_update
    import_id = ctx.triggered_id["index"]
    if not isinstance(import_id, int):
        return dash.no_update, dash.no_update
    try:
        service.rollback(import_id, by=signed_in_username(), address=client_address())
    except ImportRefused as refused:
        return dbc.Alert(str(refused), color="danger", id="import-rollback-refused"), _history()
    return dbc.Alert(f"Import n° {import_id} annulé : les chiffres qu'il avait remplacés sont rétablis.",
                     color="success", id="import-rolled-back"), _history()
