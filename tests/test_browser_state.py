"""The page's state in real Chromium, driven as a person does: select, press keys, click.

AppTest re-sends what the server rendered; a browser keeps a selection and sends it again
on every later rerun, which is where callbacks that fire twice show up.
"""

from __future__ import annotations

import os

import pytest
from apptest_helpers import link_query
from browser_helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    app_server,
    chart_names,
    errors_on_page,
    hidden_traces,
    pick,
    press_and_release,
    settle,
    sidebar_schedules,
)

from lrviz.config import Config
from lrviz.presets import PRESETS
from lrviz.view import View

pytestmark = pytest.mark.browser
TUTORIAL = "Tutorial: ExponentialLR, StepLR and LinearLR"


@pytest.fixture(scope="module")
def server():
    with app_server() as (url, _):
        yield url


@pytest.fixture(scope="module")
def browser():
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with playwright_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


def open_page(page, url: str) -> None:
    page.goto(url)
    settle(page)


def nudge(page, name: str, key: str = "ArrowLeft", times: int = 3) -> None:
    """Focus the first visible slider `name` in the sidebar and press an arrow key, as a person does."""
    thumb = page.locator(f'[data-testid="stSidebar"] input[type="range"][aria-label="{name}"]:visible').first
    thumb.focus()
    for _ in range(times):
        page.keyboard.press(key)
    settle(page)


def toggle_log_lr(page) -> None:
    page.get_by_text("log lr", exact=True).click()
    settle(page)


def test_a_preset_then_a_slider_keeps_the_page(server, page):
    open_page(page, server)
    pick(page, "Presets from the source texts", TUTORIAL)
    assert sidebar_schedules(page) == PRESETS[TUTORIAL][1].schedules
    nudge(page, "gamma")
    assert errors_on_page(page) == 0
    assert len(sidebar_schedules(page)) == 3
    assert sidebar_schedules(page)[0].startswith("ExponentialLR(gamma=0.8")


def test_add_and_remove_after_a_preset_stay_done(server, page):
    open_page(page, server)
    pick(page, "Presets from the source texts", TUTORIAL)
    page.locator('[data-testid="stSidebar"] button:has-text("Remove")').first.click()
    settle(page)
    assert sidebar_schedules(page) == PRESETS[TUTORIAL][1].schedules[1:]
    toggle_log_lr(page)
    assert sidebar_schedules(page) == PRESETS[TUTORIAL][1].schedules[1:]
    assert chart_names(page) == PRESETS[TUTORIAL][1].schedules[1:]


def test_an_add_happens_once_and_the_same_choice_adds_again(server, page):
    open_page(page, f"{server}/?{link_query(Config({'epochs': 10}, ['StepLR()']))}")
    pick(page, "Add a schedule", "CosineAnnealingLR")
    assert sidebar_schedules(page) == ["StepLR()", "CosineAnnealingLR()"]
    toggle_log_lr(page)
    nudge(page, "gamma")
    toggle_log_lr(page)
    assert [name.split("(")[0] for name in sidebar_schedules(page)] == ["StepLR", "CosineAnnealingLR"]
    pick(page, "Add a schedule", "CosineAnnealingLR")
    assert [name.split("(")[0] for name in sidebar_schedules(page)] == ["StepLR", "CosineAnnealingLR",
                                                                         "CosineAnnealingLR"]
    assert errors_on_page(page) == 0


@pytest.mark.parametrize("start, section, bottom", [
    ("how", "LR range test", False), ("how", "Export & share", False),
    ("export", "Landscape & replay", True), ("export", "LR range test", True)])
def test_opening_a_section_does_not_move_the_page_under_the_pointer(server, page, start, section, bottom):
    """On the tabs this replaces, a press opened the tab and the page jumped ~290 px before the release."""
    config = Config({"epochs": 10}, ["ExponentialLR(gamma=0.9)", "StepLR(step_size=3)", "OneCycleLR()"])
    open_page(page, f"{server}/?{link_query(config)}&tab={start}")
    switcher = page.get_by_text(section, exact=True).first
    page.mouse.move(900, 500)  # over the page, where a person's wheel scrolls it
    if bottom:  # read the open section to its end, then come back up to the buttons
        page.mouse.wheel(0, 20_000)
        page.wait_for_timeout(300)
    page.mouse.wheel(0, switcher.bounding_box()["y"] - 500)
    page.wait_for_timeout(300)
    before = switcher.bounding_box()["y"]
    press_and_release(page, switcher)
    settle(page)
    assert abs(switcher.bounding_box()["y"] - before) < 5  # the buttons stayed where they were pressed
    assert hidden_traces(page) == []  # so the release did not land on a legend
    assert errors_on_page(page) == 0
    assert f"tab={View(section=section).to_query()['tab']}" in page.url  # and the section opened
