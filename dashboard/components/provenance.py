"""Badges and notes that say where a figure comes from and how far to trust it."""
from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import html

from dashboard.formatting import fr_date
from dashboard.store.models import QUALITIES

BADGE_COLOURS = {"reference": "success", "derived": "info", "unverified": "warning", "demo": "danger"}
# White text on Bootstrap's light cyan and yellow is under 2:1 (axe-core): dark text on those.
LIGHT_BADGES = {"info", "warning"}


def quality_badge(quality: str) -> dbc.Badge:
    colour = BADGE_COLOURS.get(quality, "secondary")
    text = {"text_color": "dark"} if colour in LIGHT_BADGES else {}
    return dbc.Badge(QUALITIES.get(quality, quality), color=colour, class_name="me-1 text-wrap", **text)


def demo_badge() -> dbc.Badge:
    return quality_badge("demo")


def source_note(sources: Sequence[str], *, caveats: Sequence[str] = (), demo: bool = False,
                dates: Sequence[str] = (), updated=None) -> html.Div:
    """Under every chart: its sources, the dates they describe and of the latest import, the
    cautions they come with, and the demo badge."""
    parts = [html.P([demo_badge() if demo else None,
                     "Source : " + " ; ".join(dict.fromkeys(s for s in sources if s))], className="mb-1")]
    if dates or updated:
        parts.append(html.P(" — ".join(filter(None, [
            "Date des données : " + " ; ".join(dates) if dates else None,
            f"mise à jour le {fr_date(updated)}" if updated else None])), className="mb-1"))
    parts += [html.P(["Précaution : ", c], className="mb-1") for c in dict.fromkeys(c for c in caveats if c)]
    return html.Div(parts, className="small text-muted mt-1")
