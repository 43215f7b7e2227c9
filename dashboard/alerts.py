"""Alerts for the internal home page, newest first: transmissions missing or late, the quality
warnings of recent imports (jumps, series that stop or restart, names that disagree with their
codes), and ALIs under a declared share of their objective.

The thresholds are data (`[alerts]` in data/reference/transmissions.toml). Transmissions are
grouped by partner and status (one line says "3 mois en retard"), so that a partner who is
late every month does not bury the rest."""
from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from pathlib import Path

import flask
import pandas as pd
from sqlalchemy import Engine, select

from dashboard import transmissions
from dashboard.auth import requires
from dashboard.formatting import fr_date, fr_period, fr_value
from dashboard.periods import add_months
from dashboard.publication.cells import as_date
from dashboard.store import session_scope
from dashboard.store.models import Ali, ImportRecord, PublishedValue

FILLING = "ali_taux_remplissage"


@dataclass(frozen=True)
class Alert:
    day: dt.date
    kind: str  # "transmission", "qualité" or "objectif"
    text: str
    href: str  # a path of the internal app


def thresholds(declaration: Path = transmissions.DECLARATION) -> dict:
    spec = tomllib.loads(declaration.read_text(encoding="utf-8")).get("alerts", {})
    return {"objective_threshold": float(spec.get("objective_threshold", 70)),
            "recent_days": int(spec.get("recent_days", 90))}


def alerts(engine: Engine, today: dt.date | None = None,
           declaration: Path = transmissions.DECLARATION) -> list[Alert]:
    today = today or dt.date.today()
    limits = thresholds(declaration)
    since = today - dt.timedelta(days=limits["recent_days"])
    found = (_transmissions(transmissions.grid(engine, today, declaration), since)
             + _quality(engine, since) + _objectives(engine, limits["objective_threshold"]))
    order = {"objectif": 0, "transmission": 1, "qualité": 2}
    return sorted(found, key=lambda a: (-a.day.toordinal(), order[a.kind], a.text))


def _transmissions(grid: pd.DataFrame, since: dt.date) -> list[Alert]:
    recent = grid[grid["echeance"] >= since]
    out = []
    for (_code, name), rows in recent.groupby(["partenaire", "nom"], sort=True):
        missing = rows[rows["statut"].isin(["manquant", "annulé"])]
        if len(missing):
            months = ", ".join(fr_period(t, m) for t, m in zip(missing["periode"], missing["mois"]))
            out.append(Alert(max(missing["echeance"]), "transmission",
                             f"{name} : {_count(missing)} à réclamer ({months})", "/transmissions"))
        late = rows[rows["statut"].str.contains("en retard")]
        if len(late):
            worst = int(late["jours_de_retard"].max())
            last = late.sort_values("recu_le").iloc[-1]
            # demo files are all imported at `init`: their lateness says when the store was made
            demo = " (fichiers de démonstration, importés à l'initialisation)" if late["demo"].all() else ""
            out.append(Alert(last["recu_le"], "transmission",
                             f"{name} : {_count(late)} reçu{'s' * (len(late) > 1)} en retard "
                             f"(jusqu'à {worst} j){demo}", f"/imports?import={int(last['import'])}"))
    return out


def _count(rows: pd.DataFrame) -> str:
    """"3 mois", "1 trimestre", "2 trimestres"."""
    n = len(rows)
    return f"{n} mois" if (rows["periode"] == "month").all() else f"{n} trimestre{'s' * (n > 1)}"


def _quality(engine: Engine, since: dt.date) -> list[Alert]:
    """The warnings each recent, still applied import was let through with."""
    with session_scope(engine) as session:
        records = session.execute(select(ImportRecord.id, ImportRecord.file_name, ImportRecord.imported_at,
                                         ImportRecord.summary)
                                  .where(ImportRecord.status == "applied",
                                         ImportRecord.imported_at >= dt.datetime.combine(since, dt.time()))
                                  .order_by(ImportRecord.id)).all()
    out = []
    for number, file_name, at, summary in records:
        warnings = (summary or {}).get("warnings") or []
        if warnings:
            first = warnings[0] if len(warnings) == 1 else f"{warnings[0]} (et {len(warnings) - 1} autre" \
                f"{'s' * (len(warnings) > 2)})"
            out.append(Alert(at.date(), "qualité", f"Import n° {number} ({file_name}) : {first}",
                             f"/imports?import={number}"))
    return out


def _objectives(engine: Engine, threshold: float) -> list[Alert]:
    """ALIs whose filling rate in the latest published month is under the threshold."""
    with session_scope(engine) as session:
        latest = session.scalar(select(PublishedValue.period_start).where(
            PublishedValue.indicator_code == FILLING, PublishedValue.level == "circonscription",
            PublishedValue.period_type == "month").order_by(PublishedValue.period_start.desc()).limit(1))
        if latest is None:
            return []
        rows = session.execute(select(PublishedValue.code, PublishedValue.name, PublishedValue.value,
                                      PublishedValue.quality)
                               .where(PublishedValue.indicator_code == FILLING, PublishedValue.home.is_(True),
                                      PublishedValue.level == "circonscription", PublishedValue.period_type == "month",
                                      PublishedValue.period_start == latest, PublishedValue.value < threshold)
                               .order_by(PublishedValue.value)).all()
        alis = dict(session.execute(select(Ali.circonscription_code, Ali.code)).all())
    day = as_date(latest)
    month_end = add_months(day, 1) - dt.timedelta(days=1)
    return [Alert(month_end, "objectif",
                  f"{alis.get(code, code)} ({name}) : {fr_value(value, '%', 1)} des places occupées en "
                  f"{fr_period('month', day)}, sous le seuil de {fr_value(threshold, '%', 0)}"
                  + (" (données de démonstration)" if quality == "demo" else ""), f"/territoire/{code}")
            for code, name, value, quality in rows]


def describe(alert: Alert) -> str:
    """One line, as the command line prints it."""
    return f"{fr_date(alert.day)}  [{alert.kind}]  {alert.text}"


def table(found: list[Alert]) -> pd.DataFrame:
    """The alerts as the home page lists them: date, kind, text, link (the CSV download)."""
    return pd.DataFrame([{"Date": fr_date(a.day), "Type": a.kind, "Alerte": a.text, "Lien": a.href} for a in found],
                        columns=["Date", "Type", "Alerte", "Lien"])


def install(server: flask.Flask, engine: Engine, prefix: str) -> None:
    """`alertes.csv`: every alert of the home page, for a reader of the internal app."""
    @server.route(f"{prefix}alertes.csv", endpoint="alertes_csv")
    @requires("lecteur")
    def download():
        body = table(alerts(engine)).to_csv(sep=";", index=False, lineterminator="\r\n")
        return flask.Response("\ufeff" + body, mimetype="text/csv; charset=utf-8",
                              headers={"Content-Disposition": 'attachment; filename="alertes.csv"'})
