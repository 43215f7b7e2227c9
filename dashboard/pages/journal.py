"""The audit trail (`/journal`, internal app, `admin` right): who did what, when, from where.
Read-only: the page lists the events, nothing on it changes one."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import html

from dashboard.auth import has_right
from dashboard.ingest import service

dash.register_page(__name__, path="/journal", name="Journal", order=10, title="Observatoire — Journal d'audit",
                   nav=False)  # for administrators only: linked from the import page

SHOWN = 500  # the latest events; `observatoire audit --csv` gives them all


def layout(**_query):
    if not has_right("admin"):
        return html.Div([
            html.H1("Journal d'audit", className="h2"),
            dbc.Alert(["Cette page demande un compte administrateur. ",
                       html.A("Se connecter", href=dash.get_relative_path("/connexion") + "?next="
                              + dash.get_relative_path("/journal"), id="journal-login-link")],
                      color="warning"),
        ])
    events = service.audit_trail().tail(SHOWN).iloc[::-1]
    head = ["Date", "Compte", "Action", "Adresse", "Détail"]
    rows = [html.Tr([html.Td(f"{e.at:%d/%m/%Y %H:%M:%S}"), html.Td(e.who), html.Td(e.action_label),
                     html.Td(e.address if isinstance(e.address, str) else "ligne de commande"),
                     html.Td(", ".join(f"{k} : {v}" for k, v in (e.detail or {}).items()), className="small")])
            for e in events.itertuples()]
    return html.Div([
        html.H1("Journal d'audit", className="h2"),
        html.P(f"Les {SHOWN} derniers événements, du plus récent au plus ancien : connexions (et échecs), "
               "déconnexions, imports (fichier, empreinte, résultat), annulations, changements de compte. "
               "Le journal ne se modifie pas ; « observatoire audit --csv » le donne en entier.", className="text-muted"),
        html.Div(dbc.Table([html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(rows)],
                           size="sm", striped=True, id="journal-table"), className="table-responsive"),
    ])
