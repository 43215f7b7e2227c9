"""The audit trail: who did what, when, from where (table `audit_event`, append-only).

`record` is the only writer; `events` the only reader (the `observatoire audit` command).
Sign-in throttling reads the trail too: an account with THROTTLE_FAILURES failed sign-ins in
THROTTLE_WINDOW is refused (429) until the window has passed."""
from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Engine, func, select

from dashboard.store import session_scope
from dashboard.store.models import AuditEvent

ACTIONS = {
    "sign_in": "connexion", "sign_in_failed": "échec de connexion", "sign_in_throttled": "connexion bloquée",
    "sign_out": "déconnexion", "import": "import", "import_refused": "import refusé", "rollback": "annulation d'import",
    "account": "modification de compte",
}
THROTTLE_FAILURES = 5
THROTTLE_WINDOW = dt.timedelta(minutes=15)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(engine: Engine, who: str, action: str, detail: dict | None = None, address: str | None = None) -> None:
    """Add one event (its own transaction: a refused import is recorded although nothing of it is)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    with session_scope(engine) as session:
        session.add(AuditEvent(at=now(), who=who[:100], action=action, detail=detail, address=address))


def throttled(engine: Engine, username: str) -> bool:
    """Whether the account has failed to sign in THROTTLE_FAILURES times within the window
    (counted whether or not the account exists: the answer tells nothing about it)."""
    since = now() - THROTTLE_WINDOW
    with session_scope(engine) as session:
        failures = session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.who == username[:100], AuditEvent.action == "sign_in_failed", AuditEvent.at >= since))
    return (failures or 0) >= THROTTLE_FAILURES


def events(engine: Engine, since: dt.datetime | None = None) -> pd.DataFrame:
    stmt = select(AuditEvent.id, AuditEvent.at, AuditEvent.who, AuditEvent.action, AuditEvent.detail,
                  AuditEvent.address).order_by(AuditEvent.id)
    if since is not None:
        stmt = stmt.where(AuditEvent.at >= since)
    with session_scope(engine) as session:
        rows = session.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=["id", "at", "who", "action", "detail", "address"])
    frame["action_label"] = frame["action"].map(ACTIONS)
    return frame
