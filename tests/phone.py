"""Browser helpers for phone-width tests: Chrome's mobile emulation, page readiness, overflow.

With mobile emulation, a page wider than the screen makes Chrome zoom out, and `innerWidth`
grows to the page's width: overflow is measured against the emulated device width, never
against `innerWidth`."""
from __future__ import annotations

import time

from dash.testing.wait import until

PHONE = (360, 740)  # the project's narrowest phone
PHONE_390 = (390, 844)  # issue 14's reference phone
DESKTOP = (1366, 900)

_WIDER_THAN = """
const limit = arguments[0];
const wide = [];
document.querySelectorAll('body *').forEach(e => {
  const r = e.getBoundingClientRect();
  if (r.width && r.right > limit + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > limit + 1)) {
    wide.push(e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className && e.className.baseVal === undefined ? '.' + String(e.className).trim().split(/\\s+/).join('.') : '') +
              ' → ' + Math.round(r.right) + ' px');
  }
});
return wide.slice(0, 6);
"""


def emulate(dash_duo, size=PHONE) -> None:
    """Chrome's mobile emulation below 600 px (touch screen, device pixel ratio 3), a plain
    window above."""
    width, height = size
    dash_duo.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 3 if width < 600 else 1, "mobile": width < 600})


def settled(dash_duo, timeout: float = 15) -> None:
    """The page is in, no callback pending, and each of its graphs drawn."""
    dash_duo.wait_for_element("#_pages_content > div > *", timeout=timeout)
    until(lambda: dash_duo.driver.execute_script(
        "return !document.querySelector('[data-dash-is-loading=\"true\"]') && Array.from("
        "document.querySelectorAll('.dash-graph')).every(g => g.querySelector('.main-svg'));"), timeout=timeout)
    time.sleep(0.5)  # a last relayout after the figures arrive


def scroll_width(dash_duo) -> int:
    return dash_duo.driver.execute_script("return document.documentElement.scrollWidth;")


def wider_than(dash_duo, width: int) -> list[str]:
    """The outermost elements that reach past `width` (for a readable failure)."""
    return dash_duo.driver.execute_script(_WIDER_THAN, width)


def shapes_span(dash_duo, graph: str) -> float:
    """The width spanned by a map's shapes (its choropleth paths), in CSS pixels."""
    return dash_duo.driver.execute_script(
        "const paths = document.querySelectorAll(arguments[0] + ' .choroplethlayer path');"
        "let left = Infinity, right = -Infinity;"
        "paths.forEach(p => { const r = p.getBoundingClientRect();"
        "                     if (r.width) { left = Math.min(left, r.left); right = Math.max(right, r.right); } });"
        "return paths.length ? right - left : 0;", graph)


def box(dash_duo, css: str) -> dict:
    return dash_duo.driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height};", css)
