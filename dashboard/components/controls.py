"""Form controls with French labels.

Page controls are native `<select>` elements (`select`): a screen reader, a keyboard and a
phone all know them, and axe-core finds nothing to say. `dropdown` (searchable) is for long
lists in the back office."""
from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc

DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner", "deselect_all": "Tout désélectionner", "search": "Rechercher",
    "clear_search": "Effacer la recherche", "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun choix ne correspond",
}


def dropdown(component_id, **kwargs) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, labels=DROPDOWN_LABELS, **kwargs)  # type: ignore[arg-type]  # a dict of the Labels TypedDict's keys


def select(component_id, options: list[dict], value) -> dbc.Select:
    return dbc.Select(id=component_id, options=options, value=value)
