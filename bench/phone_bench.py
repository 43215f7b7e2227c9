"""Phones and the public app's weight, measured in headless Chromium (issue 14).

Serves the internal and the public app with gunicorn on a fresh demo store, then prints:
- the width of the site title at 390 px (Chrome mobile emulation) and the page's scroll width;
- the share of the window's width spanned by the map's shapes on /carte at 390 and 1366 px;
- the bytes (as sent, gzip) of the embed's first visit (empty cache) and of a repeat visit
  (cache kept), JavaScript apart;
- the serious or critical axe-core violations (tests/assets/axe-core) on / and /imports at
  390 and 1366 px, colour contrast apart.

    .venv/bin/python bench/phone_bench.py [--var DIR]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from map_bench import ROOT, Gunicorn, make_store
from selenium import webdriver

AXE = ROOT / "tests" / "assets" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = (390, 844), (1366, 900)
EMBED = "/embed/carte?indicateur=rsa_foyers_pour_100_hab&niveau=commune&hauteur=420"

# The union of the map's shapes (plotly draws one path per territory) against the window.
SHAPES_SHARE = """
const paths = document.querySelectorAll(arguments[0] + ' .choroplethlayer path');
if (!paths.length) return null;
let left = Infinity, right = -Infinity;
paths.forEach(p => { const r = p.getBoundingClientRect(); if (r.width) { left = Math.min(left, r.left);
                                                                        right = Math.max(right, r.right); } });
return (right - left) / window.innerWidth;
"""
# What the page fetched: bytes as sent (gzip where the server compressed), by kind.
TRANSFERRED = """
const entries = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
const out = {js: 0, other: 0, count: entries.length};
entries.forEach(e => { const kind = /\\.js(\\?|$)/.test(e.name) ? 'js' : 'other';
                       out[kind] += e.transferSize; });
return out;
"""
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations
  .filter(v => ['serious', 'critical'].includes(v.impact)).map(v => [v.id, v.nodes.length])));
"""


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=fr-FR",
                 "--window-size=1366,900"):
        options.add_argument(flag)
    return webdriver.Chrome(options=options)


def emulate(driver, size: tuple[int, int]) -> None:
    width, height = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 3 if width < 600 else 1, "mobile": width < 600})


def wait_for(driver, script: str, *args, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script, *args)
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError(script)


def layout_figures(base: str) -> None:
    driver = browser()
    try:
        emulate(driver, PHONE)
        driver.get(base + "/carte")
        wait_for(driver, "return document.querySelector('#carte-map .choroplethlayer path');")
        time.sleep(1)
        title = driver.execute_script(
            "const b = document.querySelector('.navbar-brand');"
            "return [b.getBoundingClientRect().width, b.scrollWidth, document.documentElement.scrollWidth,"
            "        window.innerWidth];")
        print(f"title at 390 px: {title[0]:.0f} px wide (its text {title[1]} px), page scroll width {title[2]} px "
              f"for a {title[3]} px window")
        for size in (PHONE, DESKTOP):
            emulate(driver, size)
            driver.get(base + "/carte")
            wait_for(driver, "return document.querySelector('#carte-map .choroplethlayer path');")
            time.sleep(1.5)
            print(f"/carte at {size[0]} px: the shapes span {wait_for(driver, SHAPES_SHARE, '#carte-map'):.0%} "
                  f"of the width")
        for path in ("/", "/imports"):
            for size in (PHONE, DESKTOP):
                emulate(driver, size)
                driver.get(base + path)
                wait_for(driver, "return document.querySelector('#_pages_content h1');")
                time.sleep(1)
                driver.execute_script(AXE.read_text(encoding="utf-8"))
                driver.set_script_timeout(60)
                print(f"axe {path} at {size[0]} px: {driver.execute_async_script(RUN_AXE) or 'none'}")
    finally:
        driver.quit()


def embed_bytes(base: str) -> None:
    driver = browser()
    try:
        emulate(driver, PHONE)
        for visit in ("first visit", "repeat visit"):
            driver.get(base + EMBED)
            wait_for(driver, "return document.querySelector('#embed-carte-map .choroplethlayer path');")
            time.sleep(1.5)
            sent = driver.execute_script(TRANSFERRED)
            print(f"embed {visit}: {(sent['js'] + sent['other']) / 1000:.0f} kB as sent "
                  f"(JavaScript {sent['js'] / 1000:.0f} kB, the rest {sent['other'] / 1000:.0f} kB, "
                  f"{sent['count']} requests)")
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--var", type=Path, help="a store made by `observatoire init` (default: a new one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = args.var or Path(tmp) / "var"
        if not args.var:
            make_store(var)
        for entry, measure in (("dashboard.app:server()", layout_figures),
                               ("dashboard.app:public_server()", embed_bytes)):
            server = Gunicorn(var, 1, 4, False, Path(tmp) / "gunicorn.log", entry=entry)
            try:
                server.wait_ready()
                measure(f"http://127.0.0.1:{server.port}")
            finally:
                server.stop()


if __name__ == "__main__":
    main()
