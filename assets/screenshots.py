"""Regenerate the README's screenshots: `.venv/bin/python assets/screenshots.py [NAME.png ...]`.

Starts the app on loopback and photographs it in Debian's headless Chromium; with file names, only
those (e.g. `app.png scenario-valley.png`). Look at each one afterwards (font sizes, legends,
overlaps, cut-off labels).
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
from lrviz.training.config import to_query  # noqa: E402
from lrviz.training.presets import SCENARIOS  # noqa: E402

REPLAY = "?epochs=12&s=ExponentialLR(gamma%3D0.9)&s=Constant()&s=OneCycleLR()&s=StepLR(step_size%3D3%2C+gamma%3D0.5)"
# a prepared link to the landing scenario, as a lecturer opens it: presentation mode, the sidebar closed
PRESENT = "?" + urlencode(to_query(SCENARIOS[0].config), doseq=True) + "&present=1"
PHONE = {"is_mobile": True, "has_touch": True}
# the lesson link of docs/teaching.md, presenting
LESSON = "?" + urlencode({
    "lesson": "valley,noise,diverge", "reveal": "0", "hide": "presets,experiment,add,paste,export",
    "note": "Which schedule ends with the lowest loss? And the highest? Rank them in Predict, then press "
            "Reveal the loss.",
    "present": "1",
})
SHOTS = {  # file -> (query, viewport width, height, what to do first, the part of the page to photograph)
    "app.png": ("", 1920, 1080, None, None),
    "app-present.png": (PRESENT, 1920, 1080, None, None),
    "app-phone.png": ("", 390, 844, "charts", None),
    "landscape.png": (REPLAY, 1400, 2400, "Landscape & replay", ".st-key-section_body"),
    "range-test.png": ("", 1400, 2400, "LR range test", ".st-key-section_body"),
    "lesson-present.png": (LESSON, 1920, 1080, "lesson", None),
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


def to_charts(page) -> None:
    """Scroll the legend to the top. The page scrolls in <main>, not in the window; Streamlit's header
    covers its top 60 px."""
    page.locator(".lrviz-legend").evaluate("""legend => {
        legend.closest('[data-testid="stMain"]').scrollTop += legend.getBoundingClientRect().top - 70; }""")
    page.wait_for_timeout(300)


def shoot(browser, url: str, name: str) -> None:
    query, width, height, action, part = SHOTS[name]
    context = browser.new_context(viewport={"width": width, "height": height}, **(PHONE if width < 500 else {}))
    page = context.new_page()
    page.goto(f"{url}/{query}")
    settle(page)
    if action == "lesson":  # presenting (present=1 in its link), the step and the note at the top of the screen
        page.locator(".st-key-lesson_steps").evaluate("""bar => {
            bar.closest('[data-testid="stMain"]').scrollTop += bar.getBoundingClientRect().top - 70; }""")
    elif action == "charts":
        to_charts(page)
    elif action:
        page.get_by_text(action, exact=True).first.click()
        settle(page)
    if name.startswith("scenario-"):
        play_replay_to_the_end(page)
    page.wait_for_timeout(1500)  # plotly's transitions
    (page.locator(part).first if part else page).screenshot(path=str(HERE / name))
    print(f"wrote assets/{name}")
    context.close()


def main() -> None:
    names = sys.argv[1:] or list(SHOTS)
    with app_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for name in names:
            shoot(browser, url, name)
        browser.close()


if __name__ == "__main__":
    main()
