"""Transmissions: which partner sent which month, and when, against what is expected.

The expectations are data (`data/reference/transmissions.toml`: partner, export kind, cadence,
deadline); what was received is read from the store — the imports of that kind whose figures
hold the partner's territories and period (the CAF: any commune; an ALI: its circonscription).
Each partner × month (or quarter, for a quarterly delivery) is one status:

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


CADENCES = {"monthly": 1, "quarterly": 3}  # months a delivery covers


@dataclass(frozen=True)
class Expected:
    code: str
    name: str
    kind: str
    indicator: str
    deadline_day: int
    first_month: dt.date | None
    territories: tuple[str, ...] | None  # circonscription codes, or None for any territory
    cadence: str = "monthly"


class DeclarationError(ValueError):
    """The declaration cannot be read as the steering needs it (file, entry and what is wrong)."""


def declared(declaration: Path = DECLARATION) -> list[dict]:
    """The declaration's partners, each checked: a known export kind and one of its indicators,
    a cadence, a deadline day that every month has, a first month, territories as a list."""
    from dashboard.ingest.kinds import KINDS
    from dashboard.ingest.kinds.figures import FigureKind

    try:
        spec = tomllib.loads(declaration.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise DeclarationError(f"{declaration.name} : illisible ({error})") from error
    partners = spec.get("partner", [])
    for number, item in enumerate(partners, start=1):
        where = f"{declaration.name}, partenaire n° {number} ({item.get('code') or item.get('kind', '?')})"
        kind = KINDS.get(item.get("kind", ""))
        if not isinstance(kind, FigureKind):
            raise DeclarationError(f"{where} : type d'export inconnu {item.get('kind')!r}, attendu un export de "
                                   "chiffres (allocataires, ali_activite…)")
        if item.get("indicator") not in {m.indicator for m in kind.measures}:
            raise DeclarationError(f"{where} : indicateur {item.get('indicator')!r}, attendu l'un de ceux de "
                                   f"l'export {kind.code} ({', '.join(m.indicator for m in kind.measures)})")
        if item.get("cadence", "monthly") not in CADENCES:
            raise DeclarationError(f"{where} : cadence {item.get('cadence')!r}, attendu monthly ou quarterly")
        if not isinstance(item.get("deadline_day"), int) or not 1 <= item["deadline_day"] <= 28:
            raise DeclarationError(f"{where} : jour d'échéance {item.get('deadline_day')!r}, attendu un jour de 1 à 28")
        if item.get("first_month") is not None and not _is_month(item["first_month"]):
            raise DeclarationError(f"{where} : premier mois {item['first_month']!r}, attendu AAAA-MM")
        if not item.get("each_ali") and not item.get("code"):
            raise DeclarationError(f"{where} : un code de partenaire, ou each_ali = true")
        territories = item.get("territories")
        if territories is not None and (not isinstance(territories, list) or not all(isinstance(t, str) for t in territories)):
            raise DeclarationError(f"{where} : territoires {territories!r}, attendu une liste de codes de circonscription")
    return partners


def _is_month(text) -> bool:
    try:
        dt.date.fromisoformat(f"{text}-01")
    except (TypeError, ValueError):
        return False
    return True


def expected(engine: Engine, declaration: Path = DECLARATION) -> list[Expected]:
    """The partners the declaration names (one per ALI of the store where it says `each_ali`)."""
    out = []
    for item in declared(declaration):
        first = dt.date.fromisoformat(item["first_month"] + "-01") if item.get("first_month") else None
        common = dict(kind=item["kind"], indicator=item["indicator"], deadline_day=int(item["deadline_day"]),
                      cadence=item.get("cadence", "monthly"))
        if item.get("each_ali"):
            with session_scope(engine) as session:
                alis = session.execute(select(Ali.code, Ali.name, Ali.circonscription_code).order_by(Ali.code)).all()
            out += [Expected(code, name, first_month=first, territories=(circ,), **common)
                    for code, name, circ in alis]
        else:
            territories = tuple(item["territories"]) if item.get("territories") else None
            out.append(Expected(item["code"], item["name"], first_month=first, territories=territories, **common))
    return out


def deadline(period: dt.date, day: int, months: int = 1) -> dt.date:
    """The day of the month after the period (of `months` months) by which its file is due."""
    return add_months(period, months).replace(day=day)


def grid(engine: Engine, today: dt.date | None = None, declaration: Path = DECLARATION) -> pd.DataFrame:
    """One row per partner × period (a month, or a quarter for a quarterly delivery), from its
    first period to the last one begun: partner, name, kind, period type, start, deadline,
    status, days late, first import (number and date), imports, whether that import is demo data."""
    today = today or dt.date.today()
    rows = []
    for partner in expected(engine, declaration):
        step = CADENCES[partner.cadence]
        received = _received(engine, partner)
        first = partner.first_month or (min(received) if received else None)
        if first is None:
            continue
        period = _start(first, step)
        while period <= today.replace(day=1):
            due = deadline(period, partner.deadline_day, step)
            imports = [i for month in range(step) for i in received.get(add_months(period, month), [])]
            applied = [i for i in imports if i[2] == "applied"]
            row = {"partenaire": partner.code, "nom": partner.name, "type": partner.kind,
                   "periode": "month" if step == 1 else "quarter", "mois": period,
                   "echeance": due, "statut": "", "jours_de_retard": None, "import": None, "recu_le": None,
                   "imports": len({i[0] for i in imports}), "demo": False}
            if applied:
                number, at, _, demo = min(applied, key=lambda i: i[1])
                row["demo"] = demo
                late = (at.date() - due).days
                row.update(statut="en retard" if late > 0 else "à l'heure", jours_de_retard=max(late, 0),
                           recu_le=at.date())
                row["import"] = number
                if len({i[0] for i in applied}) > 1:
                    row["statut"] = f"corrigé ({row['statut']})"
            elif imports:
                row["statut"] = "annulé"
            else:
                row["statut"] = "manquant" if today > due else "attendu"
            rows.append(row)
            period = add_months(period, step)
    return pd.DataFrame(rows, columns=["partenaire", "nom", "type", "periode", "mois", "echeance", "statut",
                                       "jours_de_retard", "import", "recu_le", "imports", "demo"])


def _start(month: dt.date, step: int) -> dt.date:
    """The first month of the period of `step` months (a calendar quarter) that holds `month`."""
    return month.replace(month=(month.month - 1) // step * step + 1, day=1)


def _received(engine: Engine, partner: Expected) -> dict[dt.date, list[tuple[int, dt.datetime, str, bool]]]:
    """Month -> the imports of the partner's kind whose figures hold its territory and month
    (number, date, status, demo), superseded figures included: a correction is a second import."""
    where = [ImportRecord.kind == partner.kind, Figure.indicator_code == partner.indicator,
             Figure.period_type.in_(["month", "quarter"])]
    if partner.territories is not None:
        where.append(Figure.territory_id.in_(select(Territory.id).where(
            Territory.level == "circonscription", Territory.code.in_(partner.territories))))
    with session_scope(engine) as session:
        found = session.execute(
            select(Figure.period_start, ImportRecord.id, ImportRecord.imported_at, ImportRecord.status,
                   ImportRecord.quality)
            .join(ImportRecord, ImportRecord.id == Figure.import_id).where(*where)
            .group_by(Figure.period_start, ImportRecord.id, ImportRecord.imported_at, ImportRecord.status,
                      ImportRecord.quality)
            .order_by(Figure.period_start, ImportRecord.id)).all()
    out: dict[dt.date, list] = {}
    for period, number, at, status, quality in found:
        day = period if isinstance(period, dt.date) else dt.date.fromisoformat(str(period)[:10])
        out.setdefault(day, []).append((number, at, status, quality == "demo"))
    return out


def missing(frame: pd.DataFrame) -> pd.DataFrame:
    """The "relances": months whose deadline passed with nothing received."""
    return frame[frame["statut"].isin(["manquant", "annulé"])]

