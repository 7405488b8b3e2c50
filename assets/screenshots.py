"""Regenerate the README's screenshots: `.venv/bin/python assets/screenshots.py`.

Starts the app on loopback and photographs it in Debian's headless Chromium.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, app_server, settle  # noqa: E402

REPLAY = "?epochs=12&s=ExponentialLR(gamma%3D0.9)&s=Constant()&s=OneCycleLR()&s=StepLR(step_size%3D3%2C+gamma%3D0.5)"
SHOTS = {  # file -> (query, viewport width, height, tab to open, the part of the page to photograph)
    "app.png": ("", 1400, 1250, None, None),
    "app-phone.png": ("", 390, 1800, None, None),
    "landscape.png": (REPLAY, 1400, 2400, "Landscape & replay", '[role="tabpanel"]:visible'),
    "range-test.png": ("", 1400, 2400, "LR range test", '[role="tabpanel"]:visible'),
}


def main() -> None:
    with app_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (query, width, height, tab, part) in SHOTS.items():
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/{query}")
            settle(page)
            if tab:
                page.get_by_role("tab", name=tab).click()
                settle(page)
            page.wait_for_timeout(1500)  # plotly's transitions
            (page.locator(part).first if part else page).screenshot(path=str(HERE / name))
            print(f"wrote assets/{name}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
