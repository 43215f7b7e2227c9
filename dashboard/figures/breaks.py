"""Series breaks on a line chart: a gap before each break (a new series is never joined to the
one before it) and a ◇ on the first point of the new series."""
from __future__ import annotations

BREAK_SYMBOL = "diamond-open"
NEW_SERIES = " — rupture de série : nouvelle série"


def cut_at_breaks(x: list, y: list, custom: list, breaks) -> tuple[list, list, list, dict]:
    """The points with a gap inserted before each day of `breaks`; `custom` (hover texts, a
    string or a tuple ending with one per point) says "nouvelle série" on the first point after
    a break. Returns x, y, custom and the marker (size and symbol per point)."""
    breaks = set(breaks or ())
    out_x: list = []
    out_y: list = []
    out_custom: list = []
    starts: list = []
    for day, value, text in zip(x, y, custom):
        new = day in breaks
        if new:
            out_x.append(day)
            out_y.append(None)
            out_custom.append(_said(text, ""))
            starts.append(False)
        out_x.append(day)
        out_y.append(value)
        out_custom.append(_said(text, _last(text) + NEW_SERIES) if new else text)
        starts.append(new)
    marker = {"size": [11 if s else 4 for s in starts], "symbol": [BREAK_SYMBOL if s else "circle" for s in starts]}
    return out_x, out_y, out_custom, marker


def _last(text):
    return text[-1] if isinstance(text, tuple) else text


def _said(text, last: str):
    return (*text[:-1], last) if isinstance(text, tuple) else last
