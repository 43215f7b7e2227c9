"""Sign-in for the internal app, and the guard of protected pages and callbacks.

- The session is Flask's signed cookie: HttpOnly, SameSite=Strict (a cross-site request carries
  no session), Secure when served over HTTPS.
- The sign-in form carries a CSRF token bound to the session.
- The cookie holds the account's name only: the account is read from the store on every
  request (disabled, or a right removed: refused at its next request); 30 minutes idle end it.
- After 5 failed sign-ins for one name within 15 minutes, that name is refused (429) for 15
  minutes, whether or not the account exists (`audit.throttled`). Every sign-in, failure and
  sign-out is in the audit trail.
- Writing callbacks and routes check their right where they write (`requires`); callbacks whose
  component ids are in a protected namespace (`import-…`) are also refused early. (Every callback request, of both apps, is also checked by
  `callback_guard`: same origin, and a body that the page could have sent.)
"""
from __future__ import annotations

import datetime as dt
import functools
import hmac
import json
import secrets
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import flask
from flask import Blueprint, Flask, abort, redirect, request, session

from dashboard import audit
from dashboard.accounts import authenticate, load_user

# Component-id prefix -> the right its callbacks require.
PROTECTED_PREFIXES = {"import-": "import"}

WRONG = '<div class="alert alert-danger" role="alert">Identifiant ou mot de passe incorrect.</div>'
THROTTLED = ('<div class="alert alert-danger" role="alert">Trop d\'essais pour cet identifiant : réessayez dans '
             f'{audit.THROTTLE_WINDOW.seconds // 60} minutes.</div>')

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


# A session unused for this long is over (its next request is as if signed out).
SESSION_IDLE = dt.timedelta(minutes=30)
EXTENSION = "observatoire.accounts"


def current_user() -> dict | None:
    """The signed-in account as the store has it now (read once per request): a disabled
    account, or a right removed, counts from its next request."""
    if not flask.has_request_context():
        return None
    # cached on the request itself (an app context may outlive a request: tests push one)
    if "observatoire.user" not in request.environ:
        engine = flask.current_app.extensions.get(EXTENSION)
        request.environ["observatoire.user"] = load_user(engine, session.get("username")) if engine is not None else None
    return request.environ["observatoire.user"]


def has_right(right: str) -> bool:
    user = current_user()
    return bool(user and right in user.get("rights", []))


def signed_in_username() -> str:
    """The signed-in account's name, where a right was checked first (`requires`, `has_right`):
    403 should no one be signed in, as `requires` answers."""
    user = current_user()
    if user is None:
        abort(403)
    return user["username"]


def requires(right: str):
    """Guard a writing callback or route at the point of writing: 403 without the right, whatever
    the ids or the page the request names."""
    def decorate(function):
        @functools.wraps(function)
        def guarded(*args, **kwargs):
            if not has_right(right):
                abort(403)
            return function(*args, **kwargs)
        return guarded
    return decorate


def client_address() -> str | None:
    return request.remote_addr if flask.has_request_context() else None


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
    server.extensions[EXTENSION] = engine
    bp = Blueprint("auth", __name__)

    @server.before_request
    def idle_sessions_end():
        seen = session.get("seen")
        if session.get("username") and (not isinstance(seen, str) or
                                        audit.now() - dt.datetime.fromisoformat(seen) > SESSION_IDLE):
            session.pop("username", None)
        if session.get("username"):
            session["seen"] = audit.now().isoformat(timespec="seconds")

    @bp.route(f"{prefix}connexion", methods=["GET", "POST"])
    def login():
        error, status = "", 200
        if request.method == "POST":
            sent = request.form.get("csrf_token", "")
            if not hmac.compare_digest(sent, session.get("csrf", "")):
                abort(400, "jeton de formulaire invalide")
            username = request.form.get("username", "")
            if audit.throttled(engine, username):
                audit.record(engine, username, "sign_in_throttled", address=client_address())
                error, status = THROTTLED, 429
            else:
                user = authenticate(engine, username, request.form.get("password", ""))
                if user is not None:
                    session.clear()
                    session["username"] = user["username"]
                    session["seen"] = audit.now().isoformat(timespec="seconds")
                    audit.record(engine, username, "sign_in", address=client_address())
                    return redirect(_safe_next(request.form.get("next"), prefix))
                audit.record(engine, username, "sign_in_failed", address=client_address())
                error, status = WRONG, 401
        page = LOGIN_PAGE.format(prefix=prefix, token=csrf_token(), error=error,
                                 next=escape(_safe_next(request.values.get("next"), prefix)))
        return page, status

    @bp.route(f"{prefix}deconnexion", methods=["POST"])
    def logout():
        if not hmac.compare_digest(request.form.get("csrf_token", ""), session.get("csrf", "")):
            abort(400, "jeton de formulaire invalide")
        if session.get("username"):
            audit.record(engine, session["username"], "sign_out", address=client_address())
        session.clear()
        return redirect(prefix)

    @bp.route(f"{prefix}modeles/<kind>.<ext>")
    @requires("import")
    def template(kind: str, ext: str):
        from dashboard.ingest.kinds import KINDS
        from dashboard.ingest.templates import template_csv, template_xlsx

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
