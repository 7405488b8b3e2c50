"""Load test: many headless Chromium sessions moving sliders on one app server, on loopback.

Run: `.venv/bin/python bench/load.py [--sessions 20] [--seconds 60]`. Starts the app on
127.0.0.1, opens N browser sessions (one Chromium, one context each), and in each one
keeps moving a schedule's gamma slider for the given time. Prints pages served, reruns,
errors (exceptions shown in a page, error messages, time-outs: must be 0), the p95 time
from a slider move to the redrawn chart, and the server's peak memory.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from playwright.async_api import async_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from browser_helpers import CHROMIUM, CHROMIUM_ARGS, IDLE, app_server  # noqa: E402

QUERY = urlencode({"epochs": 20, "s": ["ExponentialLR(gamma=0.9)", "StepLR(step_size=4, gamma=0.9)",
                                        "CosineAnnealingLR()", "OneCycleLR()"]}, doseq=True)
LABEL_JS = """() => [...document.querySelectorAll('.js-plotly-plot')]
    .flatMap(p => (p.data || []).map(t => t.name)).join('|')"""


def peak_rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024


async def session(browser, url: str, deadline: float, stats: dict) -> None:
    context = await browser.new_context(viewport={"width": 1400, "height": 900})
    page = await context.new_page()
    try:
        await page.goto(f"{url}/?{QUERY}")
        await page.wait_for_selector(IDLE, timeout=60_000)
        await page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        stats["pages"] += 1
        thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="gamma"]').first
        direction = "ArrowLeft"
        while time.monotonic() < deadline:
            before = await page.evaluate(LABEL_JS)
            await thumb.focus()
            start = time.monotonic()
            await thumb.press(direction)  # one step of 0.001: one rerun
            # the rerun is done when the chart's labels show the new gamma
            await page.wait_for_function(f"() => ({LABEL_JS})() !== {before!r}", timeout=60_000)
            await page.wait_for_selector(IDLE, timeout=60_000)
            stats["latency"].append(time.monotonic() - start)
            if await page.locator('[data-testid="stException"]').count():
                stats["errors"] += 1
            direction = "ArrowRight" if direction == "ArrowLeft" else "ArrowLeft"
    except Exception as error:  # a time-out or a broken page counts as an error, and the test goes on
        stats["errors"] += 1
        stats["messages"].append(f"{type(error).__name__}: {str(error).splitlines()[0][:120]}")
    finally:
        await context.close()


async def run(sessions: int, seconds: float) -> None:
    with app_server() as (url, process):
        stats = {"pages": 0, "errors": 0, "latency": [], "messages": []}
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            deadline = time.monotonic() + seconds
            started = time.monotonic()
            await asyncio.gather(*(session(browser, url, deadline, stats) for _ in range(sessions)))
            elapsed = time.monotonic() - started
            await browser.close()
        latency = sorted(stats["latency"])
        p95 = latency[int(0.95 * (len(latency) - 1))] if latency else float("nan")
        print(f"sessions {sessions}, {elapsed:.0f} s, server on loopback")
        print(f"pages served      {stats['pages']}")
        print(f"slider reruns     {len(latency)}")
        print(f"errors            {stats['errors']}")
        for message in stats["messages"][:5]:
            print(f"  {message}")
        if latency:
            print(f"rerun latency     median {statistics.median(latency):.2f} s, p95 {p95:.2f} s (browser-observed)")
        print(f"server peak RSS   {peak_rss_mb(process.pid):.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.sessions, args.seconds))


if __name__ == "__main__":
    main()
