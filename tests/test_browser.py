"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright)."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
from apptest_helpers import link_query, trace_values
from browser_helpers import settle

import lrviz
from lrviz.training.config import Config, to_json

pytestmark = pytest.mark.browser


def lr_traces(page) -> dict[str, list[float]]:
    """name -> y of the learning-rate chart's traces, read from Plotly's own data in the page."""
    traces = page.evaluate("""() => {
        const plot = [...document.querySelectorAll('.js-plotly-plot')]
            .find(p => p.layout && p.layout.title && p.layout.title.text.includes('Learning rate'));
        return plot.data.map(t => ({name: t.legendgroup || t.name, y: t.y}));
    }""")
    return {trace["name"]: trace_values(trace) for trace in traces}


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)


def test_page_loads_with_charts_and_no_errors(server, page):
    open_page(page, server)
    assert page.locator("h1").first.inner_text().startswith("lrviz")
    assert len(lr_traces(page)) >= 3
    assert page.locator('[data-testid="stException"]').count() == 0


def test_moving_a_slider_redraws_the_chart(server, page):
    open_page(page, f"{server}/?{link_query(Config({'epochs': 10}, ['ExponentialLR(gamma=0.9)', 'StepLR()']))}")
    before = lr_traces(page)
    thumb = page.locator('[data-testid="stSidebar"] input[type="range"][aria-label="gamma"]:visible').first
    thumb.focus()
    for _ in range(3):  # 3 keyboard steps, as a user would: gamma 0.9 -> 0.875 -> 0.84 -> 0.8
        thumb.press("ArrowLeft")
    settle(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .some(p => p.data && p.data.some(t => t.legendgroup === 'ExponentialLR(gamma=0.8)'))""", timeout=60_000)
    after = lr_traces(page)
    assert after["ExponentialLR(gamma=0.8)"][1] == pytest.approx(0.08)
    assert after["StepLR()"] == before["StepLR()"]


def test_csv_download_holds_the_curves(server, page):
    config = Config({"epochs": 6}, ["StepLR(step_size=2, gamma=0.5)", "CosineAnnealingLR()"])
    open_page(page, f"{server}/?{link_query(config)}")
    page.get_by_role("radio", name="Export & share").click()
    with page.expect_download() as download:
        page.get_by_role("button", name="CSV, per epoch").click()
    frame = pd.read_csv(io.StringIO(Path(download.value.path()).read_text()))
    expected = lrviz.run(config.schedules, **config.experiment)
    pd.testing.assert_frame_equal(frame, expected, check_exact=False, rtol=1e-12)


def test_shared_link_shows_the_same_schedules(server, page):
    config = Config({"epochs": 12, "lr": 0.05}, ["OneCycleLR(max_lr=0.2)", "MultiStepLR(milestones=[3, 8])"])
    open_page(page, f"{server}/?{link_query(config)}")
    traces = lr_traces(page)
    assert list(traces) == config.schedules
    expected = lrviz.run(config.schedules, **config.experiment)
    assert traces["MultiStepLR(milestones=[3, 8])"] == pytest.approx(
        expected[expected["schedule"] == "MultiStepLR(milestones=[3, 8])"]["lr"].tolist())
    # the address bar keeps the configuration, so copying it shares the page
    assert "epochs=12" in page.url and "OneCycleLR" in page.url


def test_configuration_file_loads_back(server, page, tmp_path):
    config = Config({"epochs": 7}, ["PolynomialLR(power=2.0)", "ConstantLR(factor=0.5)"])
    saved = tmp_path / "lrviz-config.json"
    saved.write_text(to_json(config))
    open_page(page, server)
    page.get_by_role("radio", name="Export & share").click()
    page.locator('[data-testid="stFileUploader"]').filter(has_text="Load a configuration").locator(
        'input[type="file"]').set_input_files(str(saved))
    settle(page)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')]
        .some(p => p.data && p.data.some(t => t.legendgroup === 'ConstantLR(factor=0.5)'))""", timeout=60_000)
    assert list(lr_traces(page)) == config.schedules


def test_replay_moves_the_markers_over_the_rendered_landscape(server, page):
    config = Config({"epochs": 8}, ["ExponentialLR(gamma=0.9)", "StepLR(step_size=2)"])
    open_page(page, f"{server}/?{link_query(config)}")
    page.get_by_role("radio", name="Landscape & replay").click()
    replay = page.locator(".js-plotly-plot").filter(has=page.locator(".updatemenu-button"))
    replay.wait_for(timeout=60_000)
    contours = ".scatterlayer .js-fill"  # the landscape's filled level ellipses
    assert replay.locator(contours).count() > 5  # the landscape is drawn
    markers = """el => { const data = el._fullData; const last = data.length - 3;
        return [data[last].x[0], data[last].y[0], data[last + 2].x[0]]; }"""
    before = replay.evaluate(markers)
    replay.locator(".updatemenu-button", has_text="Fast").click()  # the fastest of the three speeds
    drawn = []  # the contour's paths while the replay plays: a full redraw would empty them (a white flash)
    for _ in range(10):
        drawn.append(replay.locator(contours).count())
        page.wait_for_timeout(100)
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].some(el =>
        el.querySelector('.updatemenu-button') && el._fullData[el._fullData.length - 1].x[0] === 8)""",
                           timeout=60_000)
    after = replay.evaluate(markers)
    assert after != before  # the weight marker and the loss marker moved
    assert after[2] == 8  # the replay reached the last optimizer step, at the end of epoch 8
    assert min(drawn) > 5  # the landscape stayed on screen in every frame
    assert replay.locator(contours).count() > 5  # and the landscape is still there
