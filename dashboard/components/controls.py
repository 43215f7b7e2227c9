"""Form controls with French labels."""
from __future__ import annotations

from dash import dcc

DROPDOWN_LABELS = {
    "select_all": "Tout sélectionner", "deselect_all": "Tout désélectionner", "search": "Rechercher",
    "clear_search": "Effacer la recherche", "clear_selection": "Effacer la sélection",
    "no_options_found": "Aucun choix ne correspond",
}


def dropdown(component_id, **kwargs) -> dcc.Dropdown:
    return dcc.Dropdown(id=component_id, labels=DROPDOWN_LABELS, **kwargs)
