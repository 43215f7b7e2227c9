"""Accounts of the internal app: created on the command line, passwords hashed (werkzeug's
scrypt), rights as words. The signed session cookie holds only the account's name: its state
and rights are read from the store on every request (`load_user`), so disabling an account or
removing a right takes effect at its next request."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from werkzeug.security import check_password_hash, generate_password_hash

from dashboard.store import session_scope
from dashboard.store.models import User

RIGHTS = {
    "lecteur": "consulter les pages internes",
    "import": "importer des fichiers et annuler des imports",
    "admin": "consulter le journal d'audit",
}
# Importing or administering means working in the internal app: those rights carry `lecteur`
# (an account's effective rights; the store keeps the ones it was given).
IMPLIES = {"import": {"lecteur"}, "admin": {"lecteur"}}


def effective_rights(stored: str) -> list[str]:
    given = set(stored.split())
    return sorted(given.union(*(IMPLIES.get(right, set()) for right in given)))


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
            return {"username": user.username, "rights": effective_rights(user.rights)}
    return None


def load_user(engine: Engine, username: str | None) -> dict | None:
    """The active account's name and rights, or None (unknown or disabled)."""
    if not username:
        return None
    with session_scope(engine) as session:
        user = session.scalar(select(User).where(User.username == username, User.active.is_(True)))
        return {"username": user.username, "rights": effective_rights(user.rights)} if user else None


def set_active(engine: Engine, username: str, active: bool) -> None:
    with session_scope(engine) as session:
        user = _existing(session, username)
        user.active = active


def set_rights(engine: Engine, username: str, rights: list[str]) -> None:
    unknown = set(rights) - set(RIGHTS)
    if unknown:
        raise ValueError(f"droit inconnu : {', '.join(sorted(unknown))} (droits : {', '.join(RIGHTS)})")
    with session_scope(engine) as session:
        _existing(session, username).rights = " ".join(sorted(set(rights)))


def users(engine: Engine) -> list[tuple[str, bool, str]]:
    """(name, active, rights) of every account."""
    with session_scope(engine) as session:
        return [(u.username, u.active, u.rights) for u in session.scalars(select(User).order_by(User.username))]


def _existing(session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise ValueError(f"aucun compte « {username} »")
    return user
