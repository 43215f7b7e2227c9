"""Accessible tables of figures: a caption, French numbers, "s" for a secret cell (with its
explanation), the sorted column marked with aria-sort, the département as a reference row."""
from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import html

from dashboard.formatting import fr_value

SECRET_TITLE = ("Secret statistique : valeur trop petite pour être publiée, "
                "ou qui permettrait d'en déduire une autre par différence.")


def secret_cell() -> html.Abbr:
    return html.Abbr("s", title=SECRET_TITLE)


def value_cell(value, flag, unit: str, decimals: int):
    if isinstance(flag, str):
        return secret_cell()
    if value is None or value != value:
        return "non disponible"
    return fr_value(value, unit, decimals)


def values_table(frame: pd.DataFrame, *, unit: str, decimals: int, sort: str, caption: str,
                 reference: tuple | None = None) -> html.Div:
    """One row per territory: name and value. Secret cells sort last whatever the order."""
    if frame.empty:
        return html.P("Aucune valeur pour ce choix.", className="text-muted")
    rows = frame.assign(_secret=frame["flag"].map(lambda f: isinstance(f, str)), _value=frame["value"].astype(float))
    if sort == "name":
        rows = rows.sort_values("name", key=lambda s: s.str.normalize("NFD"))
    else:
        rows = rows.sort_values(["_secret", "_value"], ascending=[True, sort == "asc"], na_position="last")
    aria = {"name": ("ascending", "none")}.get(sort, ("none", "ascending" if sort == "asc" else "descending"))
    body = [html.Tr([html.Th(r.name, scope="row", className="fw-normal"),
                     html.Td(value_cell(r.value, r.flag, unit, decimals), className="text-end")])
            for r in rows.itertuples()]
    foot = []
    if reference is not None:
        name, value, flag = reference
        foot = [html.Tfoot(html.Tr([html.Th(f"{name} (référence)", scope="row"),
                                    html.Td(value_cell(value, flag, unit, decimals), className="text-end fw-semibold")]))]
    return html.Div(dbc.Table([
        html.Caption(caption, className="caption-top"),
        html.Thead(html.Tr([html.Th("Territoire", scope="col", **{"aria-sort": aria[0]}),
                            html.Th(f"Valeur ({unit})", scope="col", className="text-end", **{"aria-sort": aria[1]})])),
        html.Tbody(body), *foot,
    ], size="sm", striped=True, hover=True, class_name="mb-0"), className="table-responsive",
        style={"maxHeight": "28rem", "overflowY": "auto"}, tabIndex="0", role="region", **{"aria-label": caption})
