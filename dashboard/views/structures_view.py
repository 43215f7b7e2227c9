"""Insertion structures: the current list on the map (filtered by type), each structure's card
(type, address, commune, the ALI it belongs to), and their density by territory.

The list has no coordinates: a structure is drawn at its commune's label point, shared with
the commune's other structures, and the page says so. A structure with coordinates in the
store is drawn at them. No position is ever invented."""
from __future__ import annotations

import datetime as dt
from html import escape

import pandas as pd

from dashboard.formatting import fr_date
from dashboard.indicators.reader import published
from dashboard.views import compare_view, map_view
from dashboard.views.chart import Chart, provenance_of

LEVELS = {"commune": "Communes", "circonscription": "Circonscriptions / territoires ALI"}
DEFAULT_LEVEL = "commune"
DENSITIES = ("structures_pour_10000_hab", "structures_pour_1000_foyers_rsa", "structures_siae_pour_10000_hab",
             "structures_siae_pour_1000_foyers_rsa")
NO_ADDRESS = "adresse non publiée"
NO_ALI = "aucune ALI indiquée"
AT_COMMUNE = "au centre de la commune"
AT_COORDINATES = "à ses coordonnées"
NOT_PLACED = "non placée (commune inconnue)"
MAX_TYPES = 100  # more than any list has: a longer one is forged


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def type_options() -> list[dict]:
    """The types present in the list, with how many structures each has."""
    frame = published.structures()
    counts = frame.groupby(["type_code", "type_label"]).size().reset_index(name="n").sort_values("type_label")
    return [{"label": f"{r.type_label} ({r.n})", "value": r.type_code} for r in counts.itertuples()]


def known_types(values) -> list[str]:
    """The valid types among those sent; every type when the value is not a list (an empty
    list is a choice: no structure)."""
    available = [o["value"] for o in type_options()]
    if not isinstance(values, list) or len(values) > MAX_TYPES:
        return available
    sent = {v for v in values if isinstance(v, str)}
    return [t for t in available if t in sent]


def geography() -> str | None:
    """The communes the structures are counted on (those of the latest count), else today's COG."""
    counted = published.periods("structures")
    if counted:
        return published.geography_of("structures", *counted[-1])
    return published.geography_at("cog", dt.date.today())


def shapes() -> dict:
    """The communes' outlines the points are drawn on."""
    found = geography()
    return published.geojson(found, "commune") if found else {"type": "FeatureCollection", "features": []}


def _communes() -> pd.DataFrame:
    found = geography()
    if found is None:
        return pd.DataFrame(columns=["name", "label_lon", "label_lat"])
    return published.territories(found, "commune").set_index("code")[["name", "label_lon", "label_lat"]]


def _commune_name(code, communes: pd.DataFrame) -> str:
    if not isinstance(code, str):
        return "commune non indiquée"
    if code in communes.index:
        return communes.at[code, "name"]
    found = published.find_territory(code)
    return found["name"] if found else code


def _position(commune, lon, lat, communes: pd.DataFrame) -> tuple[float | None, float | None, str]:
    """Where the map puts a structure: at its own coordinates, else at its commune's label point."""
    if pd.notna(lon) and pd.notna(lat):
        return float(lon), float(lat), AT_COORDINATES
    if isinstance(commune, str) and commune in communes.index and pd.notna(communes.at[commune, "label_lon"]):
        return float(communes.at[commune, "label_lon"]), float(communes.at[commune, "label_lat"]), AT_COMMUNE
    return None, None, NOT_PLACED


def listed(types) -> pd.DataFrame:
    """The structures of the chosen types, each with its commune's name and where the map puts
    it (map_lon, map_lat, placement), sorted by commune then name."""
    frame = published.structures()
    frame = frame[frame["type_code"].isin(known_types(types))].copy()
    communes = _communes()
    frame["commune"] = [_commune_name(c, communes) for c in frame["commune_code"]]
    positions = [_position(c, x, y, communes) for c, x, y in zip(frame["commune_code"], frame["lon"], frame["lat"])]
    frame["map_lon"] = [p[0] for p in positions]
    frame["map_lat"] = [p[1] for p in positions]
    frame["placement"] = [p[2] for p in positions]
    return frame.sort_values(["commune", "name"], key=lambda s: s.astype(str).str.normalize("NFD")) \
        .reset_index(drop=True)


def map_inputs(types) -> dict:
    """One point per position (a commune's structures share its label point): where, how many,
    the hover text, and the ids a click opens (comma-separated)."""
    frame = listed(types)
    placed = frame[frame["map_lon"].notna()]
    points: dict[str, list] = {"lon": [], "lat": [], "counts": [], "hover": [], "keys": []}
    for (lon, lat), group in placed.groupby(["map_lon", "map_lat"], sort=False):
        where = escape(" ; ".join(dict.fromkeys(group["commune"])), quote=False)
        lines = [escape(f"{n} ({t})", quote=False) for n, t in zip(group["name"], group["type_label"])]
        count = len(group)
        points["lon"].append(lon)
        points["lat"].append(lat)
        points["counts"].append(count)
        points["hover"].append(f"<b>{where}</b> — {count} structure{'s' * (count > 1)}<br>• " + "<br>• ".join(lines))
        points["keys"].append(",".join(str(i) for i in group["id"]))
    return points


def placement_note(types) -> str | None:
    """What the map's points mean, when some are not at the structures' own address."""
    placements = set(listed(types)["placement"])
    if AT_COMMUNE not in placements:
        return None
    if AT_COORDINATES in placements:
        return "Les structures sans coordonnées sont placées au centre de leur commune."
    return ("Les points sont placés au centre de chaque commune : la liste des structures n'a pas de "
            "coordonnées. Un point réunit les structures d'une même commune ; sa taille dit leur nombre.")


def _list_date() -> str | None:
    frame = published.structures()
    if frame.empty:
        return None
    imports = published.imports().set_index("id")
    dates = [imports.at[i, "data_date"] for i in frame["import_id"].unique() if i in imports.index]
    return " ; ".join(str(d) for d in dates if d) or None


def map_chart(types) -> Chart:
    """The structures the map shows, one row each (the table and the downloads)."""
    frame = listed(types)
    alis = published.alis().set_index("code")
    table = pd.DataFrame({
        "Structure": frame["name"].tolist(), "Type": frame["type_label"].tolist(),
        "Commune": frame["commune"].tolist(),
        "Adresse": [_text(a) or NO_ADDRESS for a in frame["address"]],
        "ALI": [_ali_label(c, alis) for c in frame["ali_code"]],
        "Description": [_text(d) or "" for d in frame["description"]],
        "Position sur la carte": frame["placement"].tolist(),
    })
    total, kinds = len(frame), len(type_options())
    chosen = len(known_types(types))
    which = "tous types" if chosen == kinds else f"{chosen} type{'s' * (chosen > 1)} sur {kinds}"
    when = _list_date()
    title = (f"Structures d'insertion de la liste — Seine-Saint-Denis, {which} : {total} "
             f"structure{'s' * (total > 1)}" + (f" (liste : {when})" if when else ""))
    return Chart(title, table, name="structures_insertion", **provenance_of(frame))


def _ali_label(code, alis: pd.DataFrame) -> str:
    if not isinstance(code, str) or not code:
        return NO_ALI
    return f"{alis.at[code, 'name']} ({code})" if code in alis.index else code


def structure_options() -> list[dict]:
    frame = listed(None).sort_values("name", key=lambda s: s.astype(str).str.normalize("NFD"))
    return [{"label": f"{n} — {c}", "value": str(i)} for i, n, c in zip(frame["id"], frame["name"], frame["commune"])]


def ids_of(value) -> list[int]:
    """The structure ids a select value ("12") or a map point's key ("12,11,13") names; anything
    else names none."""
    if not isinstance(value, str) or len(value) > 2000:
        return []
    parts = [p.strip() for p in value.split(",")]
    return [int(p) for p in parts if p.isdigit()]


def clicked(click) -> list[int]:
    """The structures a click on the map opens: those of the point, or — on a commune's shape —
    those of the commune."""
    point = click.get("points", [None])[0] if isinstance(click, dict) and isinstance(click.get("points"), list) \
        else None
    if not isinstance(point, dict):
        return []
    if isinstance(point.get("customdata"), str):
        return ids_of(point["customdata"])
    location = point.get("location")
    if isinstance(location, str):
        frame = published.structures()
        return frame.loc[frame["commune_code"] == location, "id"].astype(int).tolist()
    return []


def _ali_of(code, alis: pd.DataFrame) -> dict | None:
    """The ALI a structure says it belongs to, as its card shows it (a code the ALI list does
    not know is shown as is)."""
    if not _text(code):
        return None
    known = alis.loc[code] if code in alis.index else None
    if known is None:
        return {"code": code, "name": code, "circonscription": None, "porteur": None, "members": []}
    consortium = _text(known["consortium"]) or ""
    return {"code": code, "name": known["name"], "circonscription": known["circonscription_code"],
            "porteur": _text(known["porteur"]), "members": [m.strip() for m in consortium.split(";") if m.strip()]}


def cards(ids: list[int]) -> list[dict]:
    """What each structure's card says, for the known ids among these."""
    frame = listed(None).set_index("id")
    alis = published.alis().set_index("code")
    out = []
    for i in dict.fromkeys(ids):
        if i not in frame.index:
            continue
        row = frame.loc[i]
        out.append({"id": int(i), "name": row["name"], "type": row["type_label"],
                    "address": _text(row["address"]) or NO_ADDRESS, "commune": row["commune"],
                    "commune_code": _text(row["commune_code"]), "description": _text(row["description"]),
                    "ali": _ali_of(row["ali_code"], alis), "siret": _text(row["siret"]),
                    "opened_on": fr_date(row["opened_on"]) if isinstance(row["opened_on"], dt.date) else None,
                    "placement": row["placement"], "source": row["source"], "demo": row["quality"] == "demo"})
    return out


def level_options() -> list[dict]:
    drawn = {o["value"] for o in map_view.level_options()}
    return [{"label": label, "value": code} for code, label in LEVELS.items() if code in drawn]


def known_level(level) -> str:
    return level if isinstance(level, str) and level in {o["value"] for o in level_options()} else DEFAULT_LEVEL


def density_options() -> list[dict]:
    available = published.indicators().set_index("code")
    return [{"label": available.at[c, "label"], "value": c} for c in DENSITIES if c in available.index]


def known_density(code) -> str:
    available = [o["value"] for o in density_options()]
    if isinstance(code, str) and code in available:
        return code
    return available[0] if available else DENSITIES[0]


def density(indicator, level) -> tuple[Chart, dict]:
    """One density indicator for every territory of the level at its latest period, ranked,
    with the département as reference (the compare page's ranking, on these indicators only)."""
    if not density_options():
        empty = Chart("Densité des structures d'insertion — aucune donnée", pd.DataFrame(), name="densite_structures")
        return empty, {"names": [], "values": [], "secret": [], "unit": "", "decimals": 0, "reference": None}
    return compare_view.ranking(known_density(indicator), known_level(level), None)
