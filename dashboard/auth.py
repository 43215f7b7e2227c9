"""Sign-in for the internal app, and the guard of protected pages and callbacks.

- The session is Flask's signed cookie: HttpOnly, SameSite=Strict (a cross-site request carries
  no session), Secure when served over HTTPS.
- The sign-in form carries a CSRF token bound to the session.
- Callbacks whose component ids are in a protected namespace (`import-…`) answer 403 without a
  signed-in account that has the right. (Every callback request, of both apps, is also checked by
  `callback_guard`: same origin, and a body that the page could have sent.)
"""
from __future__ import annotations

import hmac
import json
import secrets
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import flask
from flask import Blueprint, Flask, abort, redirect, request, session

from dashboard.accounts import authenticate

# Component-id prefix -> the right its callbacks require.
PROTECTED_PREFIXES = {"import-": "import"}

LOGIN_PAGE = """<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connexion — Observatoire de l'insertion</title>
<link rel="stylesheet" href="{prefix}assets/bootstrap/bootstrap.min.css"></head>
<body class="bg-light"><main class="container py-5" style="max-width: 28rem">
<h1 class="h3 mb-4">Connexion</h1>{error}
<form method="post" action="{prefix}connexion">
<input type="hidden" name="csrf_token" value="{token}"><input type="hidden" name="next" value="{next}">
<div class="mb-3"><label class="form-label" for="username">Identifiant</label>
<input class="form-control" id="username" name="username" autocomplete="username" required></div>
<div class="mb-3"><label class="form-label" for="password">Mot de passe</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit" id="login-submit">Se connecter</button>
</form></main></body></html>"""


def current_user() -> dict | None:
    return session.get("user") if flask.has_request_context() else None


def has_right(right: str) -> bool:
    user = current_user()
    return bool(user and right in user.get("rights", []))


def secret_key(var_dir: Path, configured: str | None) -> str:
    """The configured key, else one made once and kept in var/ (readable by its owner only)."""
    if configured:
        return configured
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def _safe_next(target: str | None, prefix: str) -> str:
    """Only a path of this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return prefix
    return target


def install(server: Flask, engine, prefix: str) -> None:
    server.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict")
    bp = Blueprint("auth", __name__)

    @bp.route(f"{prefix}connexion", methods=["GET", "POST"])
    def login():
        error = ""
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not hmac.compare_digest(sent, session.get("csrf", "")):
                abort(400, "jeton de formulaire invalide")
            user = authenticate(engine, request.form.get("username", ""), request.form.get("password", ""))
            if user is not None:
                session.clear()
                session["user"] = user
                return redirect(_safe_next(request.form.get("next"), prefix))
            error = '<div class="alert alert-danger" role="alert">Identifiant ou mot de passe incorrect.</div>'
        page = LOGIN_PAGE.format(prefix=prefix, token=csrf_token(), error=error,
                                 next=escape(_safe_next(request.values.get("next"), prefix)))
        return page, 200 if not error else 401

    @bp.route(f"{prefix}deconnexion", methods=["POST"])
    def logout():
        if not hmac.compare_digest(request.form.get("csrf_token", ""), session.get("csrf", "")):
            abort(400, "jeton de formulaire invalide")
        session.clear()
        return redirect(prefix)

    @bp.route(f"{prefix}modeles/<kind>.<ext>")
    def template(kind: str, ext: str):
        from dashboard.ingest.kinds import KINDS
        from dashboard.ingest.templates import template_csv, template_xlsx

        if not has_right("import"):
            abort(403)
        if kind not in KINDS or ext not in ("csv", "xlsx"):
            abort(404)
        body = template_csv(kind) if ext == "csv" else template_xlsx(kind)
        mime = "text/csv; charset=utf-8" if ext == "csv" else \
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return flask.Response(body, mimetype=mime,
                              headers={"Content-Disposition": f'attachment; filename="modele_{kind}.{ext}"'})

    server.register_blueprint(bp)

    @server.before_request
    def guard_callbacks():
        if request.method != "POST" or not request.path.endswith("_dash-update-component"):
            return None
        ids = _component_ids(request.get_data(cache=True))
        for prefix_, right in PROTECTED_PREFIXES.items():
            if any(i.startswith(prefix_) for i in ids) and not has_right(right):
                abort(403)
        return None


def _component_ids(body: bytes) -> set[str]:
    """Every component id named by a callback request (outputs, inputs, state)."""
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return set()
    ids: set[str] = set()

    def collect(items):
        for item in items if isinstance(items, list) else [items]:
            if isinstance(item, list):
                collect(item)
            elif isinstance(item, dict):
                ident = item.get("id")
                if isinstance(ident, str):
                    ids.add(ident)
                elif isinstance(ident, dict):
                    ids.add(str(ident.get("type", "")))

    if isinstance(payload, dict):
        for key in ("outputs", "inputs", "state"):
            collect(payload.get(key, []))
        output = payload.get("output")
        if isinstance(output, str):
            ids.update(part.split(".")[0].lstrip(".") for part in output.split("..") if part)
    return ids
