"""Screenshots of every page for the README (docs/screenshots/*.png), in headless Chromium.

    .venv/bin/python scripts/screenshots.py [--base http://127.0.0.1:8050] [--pages accueil carte]

Serve the app first (`bash scripts/serve.sh`); each page is opened, given time to draw, and
captured at 1366 px wide, the whole height of the page (`<page>.png`), then as a phone shows it:
390 px wide in Chrome's mobile emulation, the first screens (`<page>-phone.png`)."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from selenium import webdriver

PAGES = {
    "accueil": "/", "carte": "/carte?indicateur=rsa_foyers_pour_100_hab&niveau=commune",
    "elus": "/elus", "comparer": "/comparer", "evolutions": "/evolutions", "ali": "/ali",
    "structures": "/structures", "resultats": "/resultats", "territoire": "/territoire/93072",
}
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
PHONE_SCREENS = 2  # a phone capture: the first two screens' height


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8050")
    parser.add_argument("--wait", type=float, default=6.0, help="seconds given to a page to draw")
    parser.add_argument("--pages", nargs="*", choices=sorted(PAGES), help="only these pages")
    args = parser.parse_args()
    pages = {name: path for name, path in PAGES.items() if not args.pages or name in args.pages}
    options = webdriver.ChromeOptions()
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,900", "--lang=fr-FR"):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        for name, path in pages.items():
            driver.get(args.base + path)
            time.sleep(args.wait)
            height = driver.execute_script("return document.documentElement.scrollHeight")
            driver.set_window_size(1366, min(max(height, 900), 4000))
            time.sleep(1)
            driver.save_screenshot(str(OUT / f"{name}.png"))
            print(f"{name}: {OUT / f'{name}.png'} ({height} px)")
            driver.set_window_size(1366, 900)
        for name, path in pages.items():
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                   {**PHONE, "height": PHONE["height"] * PHONE_SCREENS})
            driver.get(args.base + path)
            time.sleep(args.wait)
            driver.save_screenshot(str(OUT / f"{name}-phone.png"))
            print(f"{name}: {OUT / f'{name}-phone.png'} (phone)")
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
