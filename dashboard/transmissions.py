"""Transmissions: which partner sent which month, and when, against what is expected.

The expectations are data (`data/reference/transmissions.toml`: partner, export kind, cadence,
deadline); what was received is read from the store — the imports of that kind whose figures
hold the partner's territory and month (the CAF: any commune; an ALI: its circonscription).
Each partner × month is one status:

- `à l'heure`: first imported by the deadline; `en retard (N j)`: first imported N days after;
- `corrigé`: imported again since (a correction), with the first import's timeliness;
- `annulé`: every import that held it was rolled back; `manquant`: deadline passed, nothing;
- `attendu`: the deadline has not passed yet.
"""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine, select

from dashboard.periods import add_months
from dashboard.store import session_scope
from dashboard.store.models import Ali, Figure, ImportRecord, Territory

DECLARATION = Path(__file__).resolve().parents[1] / "data" / "reference" / "transmissions.toml"


@dataclass(frozen=True)
class Expected:
    code: str
    name: str
    kind: str
    indicator: str
    deadline_day: int
    first_month: dt.date | None
    territory: str | None  # a circonscription code, or None for any territory


def expected(engine: Engine, declaration: Path = DECLARATION) -> list[Expected]:
    """The partners the declaration names (one per ALI of the store where it says `each_ali`)."""
    spec = tomllib.loads(declaration.read_text(encoding="utf-8"))
    out = []
    for item in spec.get("partner", []):
        if item.get("cadence", "monthly") != "monthly":
            raise ValueError(f"cadence non prise en charge : {item.get('cadence')!r} (mensuelle seulement)")
        first = dt.date.fromisoformat(item["first_month"] + "-01") if item.get("first_month") else None
        common = dict(kind=item["kind"], indicator=item["indicator"], deadline_day=int(item["deadline_day"]))
        if item.get("each_ali"):
            with session_scope(engine) as session:
                alis = session.execute(select(Ali.code, Ali.name, Ali.circonscription_code).order_by(Ali.code)).all()
            out += [Expected(code, name, first_month=first, territory=circ, **common) for code, name, circ in alis]
        else:
            out.append(Expected(item["code"], item["name"], first_month=first, territory=None, **common))
    return out


def deadline(month: dt.date, day: int) -> dt.date:
    """The day of the month after `month` by which its file is due."""
    return add_months(month, 1).replace(day=day)


def grid(engine: Engine, today: dt.date | None = None, declaration: Path = DECLARATION) -> pd.DataFrame:
    """One row per partner × month, from its first month to the last month begun: partner, name,
    kind, month, deadline, status, days late, first import (number and date), imports."""
    today = today or dt.date.today()
    rows = []
    for partner in expected(engine, declaration):
        received = _received(engine, partner)
        first = partner.first_month or (min(received) if received else None)
        if first is None:
            continue
        month = first
        while month <= today.replace(day=1):
            due = deadline(month, partner.deadline_day)
            imports = received.get(month, [])
            applied = [i for i in imports if i[2] == "applied"]
            row = {"partenaire": partner.code, "nom": partner.name, "type": partner.kind, "mois": month,
                   "echeance": due, "statut": "", "jours_de_retard": None, "import": None, "recu_le": None,
                   "imports": len(imports)}
            if applied:
                number, at, _ = min(applied, key=lambda i: i[1])
                late = (at.date() - due).days
                row.update(statut="en retard" if late > 0 else "à l'heure", jours_de_retard=max(late, 0),
                           recu_le=at.date())
                row["import"] = number
                if len(applied) > 1:
                    row["statut"] = f"corrigé ({row['statut']})"
            elif imports:
                row["statut"] = "annulé"
            else:
                row["statut"] = "manquant" if today > due else "attendu"
            rows.append(row)
            month = add_months(month, 1)
    return pd.DataFrame(rows, columns=["partenaire", "nom", "type", "mois", "echeance", "statut", "jours_de_retard",
                                       "import", "recu_le", "imports"])


def _received(engine: Engine, partner: Expected) -> dict[dt.date, list[tuple[int, dt.datetime, str]]]:
    """Month -> the imports of the partner's kind whose figures hold its territory and month
    (number, date, status), superseded figures included: a correction is a second import."""
    where = [ImportRecord.kind == partner.kind, Figure.indicator_code == partner.indicator,
             Figure.period_type == "month"]
    if partner.territory is not None:
        where.append(Figure.territory_id.in_(select(Territory.id).where(
            Territory.level == "circonscription", Territory.code == partner.territory)))
    with session_scope(engine) as session:
        found = session.execute(
            select(Figure.period_start, ImportRecord.id, ImportRecord.imported_at, ImportRecord.status)
            .join(ImportRecord, ImportRecord.id == Figure.import_id).where(*where)
            .group_by(Figure.period_start, ImportRecord.id, ImportRecord.imported_at, ImportRecord.status)
            .order_by(Figure.period_start, ImportRecord.id)).all()
    out: dict[dt.date, list] = {}
    for period, number, at, status in found:
        day = period if isinstance(period, dt.date) else dt.date.fromisoformat(str(period)[:10])
        out.setdefault(day, []).append((number, at, status))
    return out


def missing(frame: pd.DataFrame) -> pd.DataFrame:
    """The "relances": months whose deadline passed with nothing received."""
    return frame[frame["statut"].isin(["manquant", "annulé"])]

