"""What the Transmissions page shows: each partner's months (received on time, late, corrected,
rolled back, missing, expected) and the "relances" — the months to chase — from the controls'
values, each checked and falling back to a default."""
from __future__ import annotations

import pandas as pd

from dashboard.formatting import fr_date, fr_period
from dashboard.ingest import service
from dashboard.views.chart import Chart

ALL = "tous"  # not "": dbc.Select shows its own empty placeholder for that value
KINDS = {ALL: "Tous les fichiers", "allocataires": "CAF : foyers allocataires",
         "ali_activite": "ALI : activité mensuelle"}
SHOWN_MONTHS = 12
# Status -> (order in the legend and colour scale, short text in a cell)
STATUSES = {"à l'heure": (0, "à l'heure"), "corrigé": (1, "corrigé"), "en retard": (2, "en retard"),
            "attendu": (3, "attendu"), "annulé": (4, "annulé"), "manquant": (5, "manquant")}
COLUMNS = ["Partenaire", "Nom", "Fichier", "Mois", "Échéance", "Statut", "Jours de retard", "Import"]


SOURCES = ["Journal des imports de l'observatoire",
           "Transmissions attendues : déclaration data/reference/transmissions.toml (échéances provisoires)"]


def known_kind(kind) -> str:
    return kind if isinstance(kind, str) and kind in KINDS else ALL


def partner_options(kind) -> list[dict]:
    frame = _frame(known_kind(kind), ALL)
    pairs = frame[["partenaire", "nom"]].drop_duplicates()
    return [{"label": "Tous les partenaires", "value": ALL}] + [
        {"label": f"{name} ({code})" if name != code else code, "value": code} for code, name in pairs.itertuples(index=False)]


def known_partner(kind, partner) -> str:
    codes = {o["value"] for o in partner_options(kind)}
    return partner if isinstance(partner, str) and partner in codes else ALL


def _frame(kind: str, partner: str) -> pd.DataFrame:
    frame = service.transmissions_grid()
    if kind != ALL:
        frame = frame[frame["type"] == kind]
    if partner != ALL:
        frame = frame[frame["partenaire"] == partner]
    return frame


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    number = frame["import"]
    return pd.DataFrame({
        "Partenaire": frame["partenaire"], "Nom": frame["nom"], "Fichier": frame["type"].map(KINDS),
        "Mois": [fr_period(t, m) for t, m in zip(frame["periode"], frame["mois"])], "Échéance": [fr_date(d) for d in frame["echeance"]],
        "Statut": frame["statut"],
        "Jours de retard": [int(d) if d == d and d is not None and d > 0 else None for d in frame["jours_de_retard"]],
        "Import": [f"n° {int(n)}" if n == n and n is not None else "" for n in number],
    }, columns=COLUMNS)


def grid(kind, partner) -> tuple[Chart, dict]:
    """The last SHOWN_MONTHS months of each partner chosen: the heatmap's inputs and its table."""
    kind, partner = known_kind(kind), known_partner(kind, partner)
    frame = _frame(kind, partner)
    months = sorted(frame["mois"].unique())[-SHOWN_MONTHS:]
    frame = frame[frame["mois"].isin(months)]
    partners = list(dict.fromkeys(frame["partenaire"]))
    by_cell = {(p, m): s for p, m, s in zip(frame["partenaire"], frame["mois"], frame["statut"])}
    numbers = {(p, m): int(n) for p, m, n in zip(frame["partenaire"], frame["mois"], frame["import"])
               if n is not None and n == n}
    types = dict(zip(frame["mois"], frame["periode"]))
    inputs = {"partners": partners, "months": [fr_period(types[m], m) for m in months],
              "statuses": [[_base(by_cell.get((p, m), "")) for m in months] for p in partners],
              "texts": [[by_cell.get((p, m), "") for m in months] for p in partners],
              "imports": [[numbers.get((p, m)) for m in months] for p in partners]}
    span = f"{fr_period(types[months[0]], months[0])} à {fr_period(types[months[-1]], months[-1])}" if months \
        else "aucun mois"
    chart = Chart(f"Transmissions — {KINDS[kind].lower()}, {span}", _rows(frame),
                  import_ids=_imports(frame), sources=SOURCES, name="transmissions")
    return chart, inputs


def relances(kind, partner) -> Chart:
    """Every month whose deadline passed with nothing received (or only rolled back)."""
    kind, partner = known_kind(kind), known_partner(kind, partner)
    frame = _frame(kind, partner)
    # the imports these partners did send: the downloads' "Sources" sheet says what was received
    received = _imports(frame)
    frame = frame[frame["statut"].isin(["manquant", "annulé"])]
    return Chart(f"Relances — {len(frame)} mois à réclamer", _rows(frame), import_ids=received, sources=SOURCES,
                 name="relances")


def _imports(frame: pd.DataFrame) -> set[int]:
    return {int(n) for n in frame["import"] if n is not None and n == n}


def _base(status: str) -> str:
    """The status without its detail: "corrigé (en retard)" is a correction."""
    return status.split(" (")[0]
