"""Scrubbing in a real Chromium: dragging the chart's own slider swaps the curves with no message to the server."""

from __future__ import annotations

import pytest
from apptest_helpers import link_query
from browser_helpers import settle

from lrviz.page.view import View
from lrviz.training.config import Config

pytestmark = pytest.mark.browser

CONFIG = Config({"epochs": 8}, ["ExponentialLR(gamma=0.5)", "CosineAnnealingLR()"])
SCRUB_PLOT = "[...document.querySelectorAll('.js-plotly-plot')].find(p => p.layout && p.layout.title && " \
             "p.layout.title.text.includes('Scrub:'))"


def _bright(page) -> dict:
    """The scrub chart's title, slider position and the bright ExponentialLR loss curve, from Plotly's own data."""
    return page.evaluate(f"""() => {{
        const plot = {SCRUB_PLOT};
        const trace = plot.data.find(t => t.legendgroup === 'ExponentialLR(gamma=0.5)' && t.showlegend !== false);
        return {{title: plot.layout.title.text, active: plot.layout.sliders[0].active, y: Array.from(trace.y),
                 steps: plot.layout.sliders[0].steps.length}};
    }}""")


def _step_curve(page, step: int) -> list[float]:
    return page.evaluate(f"""() => {{
        const plot = {SCRUB_PLOT};
        const [traces, indices] = plot.layout.sliders[0].steps[{step}].args;
        const k = plot.data.findIndex(t => t.legendgroup === 'ExponentialLR(gamma=0.5)' && t.showlegend !== false);
        return Array.from(traces.y[indices.indexOf(k)]);
    }}""")


def test_dragging_the_scrubber_redraws_in_the_browser_with_no_websocket_message(server, page):
    frames: list[str] = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda payload: frames.append("sent")))
    page.goto(f"{server}/?{link_query(CONFIG)}&tab={next(iter(View(section='Sweep & scrub').to_query().values()))}")
    settle(page)
    page.get_by_role("button", name="Scrub").click()
    settle(page)
    page.wait_for_function(f"() => {SCRUB_PLOT} !== undefined", timeout=60_000)
    page.wait_for_timeout(500)
    before = _bright(page)
    grip = page.locator(".js-plotly-plot .slider-grip-rect").first
    rail = page.locator(".js-plotly-plot .slider-rail-rect").first
    grip.scroll_into_view_if_needed()
    box, line = grip.bounding_box(), rail.bounding_box()
    sent_before = len(frames)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    for fraction in (0.2, 0.4, 0.6, 0.8, 1.0):
        x = box["x"] + (line["x"] + line["width"] - box["x"]) * fraction
        page.mouse.move(x, box["y"] + box["height"] / 2, steps=3)
        page.wait_for_timeout(50)
    page.mouse.up()
    page.wait_for_timeout(1500)  # a rerun, had one been asked for, would have sent its message by now
    after = _bright(page)
    assert len(frames) == sent_before, "dragging the scrubber sent a message to the server"
    assert after["active"] == before["steps"] - 1 != before["active"]
    assert after["y"] != before["y"] and after["y"] == pytest.approx(_step_curve(page, before["steps"] - 1))
    assert page.locator(".js-plotly-plot .slider-group text").filter(has_text="gamma = 1").count() == 1
    page.screenshot(path="/tmp/scrub_after.png", full_page=True)
