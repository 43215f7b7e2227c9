"""Attributes that Dash's HTML components accept as wildcard props (`aria-*`, `data-*`)."""
from __future__ import annotations

from typing import Any


def wildcard(props: dict[str, Any]) -> dict[str, Any]:
    """`**wildcard({"aria-label": …})`: Dash's typed signatures list the named props only, so a
    literal dict of such attributes would not type-check against them."""
    return props
