"""Regenerate the README's screenshots: `.venv/bin/python assets/screenshots.py [FILE ...]`.

Starts the app on loopback and photographs it in Debian's headless Chromium; with file names,
only those (e.g. `app.png scenario-valley.png`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import urlencode

from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, app_server, settle  # noqa: E402

sys.path.insert(0, str(HERE.parent))
from lrviz.config import to_query  # noqa: E402
from lrviz.presets import SCENARIOS  # noqa: E402

REPLAY = "?epochs=12&s=ExponentialLR(gamma%3D0.9)&s=Constant()&s=OneCycleLR()&s=StepLR(step_size%3D3%2C+gamma%3D0.5)"
SHOTS = {  # file -> (query, viewport width, height, tab to open, the part of the page to photograph)
    "app.png": ("", 1400, 1250, None, None),
    "app-phone.png": ("", 390, 1800, None, None),
    "landscape.png": (REPLAY, 1400, 2400, "Landscape & replay", '[role="tabpanel"]:visible'),
    "range-test.png": ("", 1400, 2400, "LR range test", '[role="tabpanel"]:visible'),
}
# each scenario: its charts, its table and its landscape with the paths, on one page
SHOTS.update({f"scenario-{preset.slug}.png": ("?" + urlencode(to_query(preset.config), doseq=True), 1400, 1900,
                                               "Landscape & replay", '[data-testid="stMain"]')
              for preset in SCENARIOS})


def play_replay_to_the_end(page) -> None:
    """Play the replay at its fastest, so the markers show where each run ended."""
    page.locator(".updatemenu-button", has_text="Fast").click()
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(el =>
        el.layout.sliders && el.layout.sliders.length &&
        el.layout.sliders[0].active === el.layout.sliders[0].steps.length - 1)""", timeout=120_000)


def main() -> None:
    wanted = set(sys.argv[1:]) or set(SHOTS)
    with app_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name, (query, width, height, tab, part) in SHOTS.items():
            if name not in wanted:
                continue
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}/{query}")
            settle(page)
            if tab:
                page.get_by_role("tab", name=tab).click()
                settle(page)
            if name.startswith("scenario-"):
                play_replay_to_the_end(page)
            page.wait_for_timeout(1500)  # plotly's transitions
            (page.locator(part).first if part else page).screenshot(path=str(HERE / name))
            print(f"wrote assets/{name}")
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
