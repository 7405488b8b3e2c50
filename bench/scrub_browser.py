"""Scrubbing in Chromium: how long one step of the scrubber takes to show its curves, and what it sends.

    python bench/scrub_browser.py [--schedules N] [--epochs N]

Starts the app on loopback, opens "Sweep & scrub" with N schedules, presses Scrub (the page's default 24
values of gamma, and the current one) and drags the chart's slider across its range with the mouse. For every
step it records the time from Plotly's slider change to the second animation frame after it (the frame in which
the new curves are painted), and it counts the websocket frames the page sends meanwhile. Issue 22's
target: under 50 ms per step, zero script reruns (no frame sent) while dragging.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]  # run as a script from a checkout
from apptest_helpers import link_query  # noqa: E402
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, app_server, settle  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from lrviz.training.config import Config  # noqa: E402

SPECS = ["ExponentialLR(gamma=0.5)", "StepLR(step_size=2, gamma=0.5)", "MultiStepLR()", "CosineAnnealingLR()"]
PLOT = "[...document.querySelectorAll('.js-plotly-plot')].find(p => p.layout && p.layout.title && " \
       "p.layout.title.text.includes('Scrub:'))"
TARGET_MS = 50.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=3, choices=range(1, len(SPECS) + 1))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    config = Config({"epochs": args.epochs}, SPECS[:args.schedules])
    with app_server() as (url, _), sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        sent: list[int] = []
        page.on("websocket", lambda socket: socket.on("framesent", lambda payload: sent.append(1)))
        page.goto(f"{url}/?{link_query(config)}&tab=sweep")
        settle(page)
        page.evaluate("() => { window.scrubTimes = []; }")
        page.get_by_role("button", name="Scrub").click()
        settle(page)
        page.wait_for_function(f"() => {PLOT} !== undefined", timeout=60_000)
        page.evaluate(f"""() => {{
            const plot = {PLOT};
            plot.on('plotly_sliderchange', () => {{
                const start = performance.now();
                const done = () => window.scrubTimes.push(performance.now() - start);
                requestAnimationFrame(() => requestAnimationFrame(done));
            }});
        }}""")
        grip = page.locator(".js-plotly-plot .slider-grip-rect").first
        rail = page.locator(".js-plotly-plot .slider-rail-rect").first
        grip.scroll_into_view_if_needed()
        box, line = grip.bounding_box(), rail.bounding_box()
        y = box["y"] + box["height"] / 2
        page.mouse.move(box["x"] + box["width"] / 2, y)
        before = len(sent)
        page.mouse.down()
        for x in (line["x"] + line["width"] * i / 60 for i in range(61)):  # left end first, then right across
            page.mouse.move(x, y)
            page.wait_for_timeout(30)
        page.mouse.up()
        page.wait_for_timeout(1500)
        times = page.evaluate("() => window.scrubTimes")
        browser.close()
    frames = len(sent) - before
    print(f"{args.schedules} schedules, {args.epochs} epochs: {len(times)} steps while "
          f"dragging; websocket frames sent meanwhile: {frames}")
    if not times:
        print("no slider step was seen")
        return 1
    print(f"slider change to the painted frame: median {statistics.median(times):.1f} ms, "
          f"max {max(times):.1f} ms (target < {TARGET_MS:g} ms)")
    ok = max(times) < TARGET_MS and frames == 0
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
