"""Accounts of the internal app: created on the command line, passwords hashed (werkzeug's
scrypt), rights as words ("import")."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.store import session_scope
from dashboard.store.models import User

RIGHTS = {"import": "importer des fichiers et annuler des imports"}


def add_user(engine: Engine, username: str, password: str, rights: list[str]) -> None:
    unknown = set(rights) - set(RIGHTS)
    if unknown:
        raise ValueError(f"droit inconnu : {', '.join(sorted(unknown))} (droits : {', '.join(RIGHTS)})")
    if len(password) < 12:
        raise ValueError("le mot de passe doit compter au moins 12 caractères")
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username)) or User(
            username=username, created_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        user.password_hash = generate_password_hash(password)
        user.rights = " ".join(sorted(set(rights)))
        user.active = True
        session.add(user)


def authenticate(engine: Engine, username: str, password: str) -> dict | None:
    """The user's name and rights if the password is right, else None (same time either way)."""
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        stored = user.password_hash if user else generate_password_hash("-")
        if check_password_hash(stored, password) and user is not None:
            return {"username": user.username, "rights": user.rights.split()}
    return None
