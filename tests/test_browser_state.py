"""The page's state in real Chromium, driven as a person does: select, press keys, click.

AppTest re-sends what the server rendered; a browser keeps a selection and sends it again
on every later rerun, which is where callbacks that fire twice show up.
"""

from __future__ import annotations

import random
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from apptest_helpers import link_query
from browser_helpers import (
    chart_names,
    errors_on_page,
    hidden_traces,
    pick,
    press_and_release,
    settle,
    sidebar_schedules,
)
from monkey import MAX_SLOTS, PageModel

from lrviz.page.view import SECTIONS, View, without_view
from lrviz.page.view import from_query as view_from_query
from lrviz.schedules.registry import REGISTRY
from lrviz.training.config import Config, from_query
from lrviz.training.presets import PRESETS

pytestmark = pytest.mark.browser
TUTORIAL = "Tutorial: ExponentialLR, StepLR and LinearLR"


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
    pick(page, "Scenarios and presets", TUTORIAL)
    assert sidebar_schedules(page) == PRESETS[TUTORIAL][1].schedules
    nudge(page, "gamma")
    assert errors_on_page(page) == 0
    assert len(sidebar_schedules(page)) == 3
    assert sidebar_schedules(page)[0].startswith("ExponentialLR(gamma=0.8")


def test_add_and_remove_after_a_preset_stay_done(server, page):
    open_page(page, server)
    pick(page, "Scenarios and presets", TUTORIAL)
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


@pytest.mark.parametrize("start, section, bottom", [("how", "LR range test", False),
                                                     ("export", "Landscape & replay", True)])
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


BROWSER_ADDS = ["CosineAnnealingLR", "OneCycleLR", "SequentialLR", "ExponentialLR"]  # unambiguous when typed
BROWSER_ACTIONS = ("preset", "add", "duplicate", "remove", "compose", "slider", "toggle", "section", "reopen")


def schedule_box(page, index: int):
    """The expander of the index-th schedule in the sidebar, opened (as a person clicks it open)."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').nth(index + 1)  # after Experiment
    if box.locator("details[open]").count() == 0:
        box.locator("summary").click()
    return box


def browser_act(page, model: PageModel, action: str, rng: random.Random) -> None:
    count = len(model.slots)
    if action == "preset":
        name = rng.choice(list(PRESETS)[:3])
        pick(page, "Scenarios and presets", name)
        model.preset(name)
    elif action == "add" and count < MAX_SLOTS:
        name = rng.choice(BROWSER_ADDS)
        pick(page, "Add a schedule", name)
        model.add(name)
    elif action in ("duplicate", "remove") and count and (action == "remove" or count < MAX_SLOTS):
        index = rng.randrange(count)
        schedule_box(page, index).get_by_role("button", name=action.capitalize()).click()
        settle(page)
        (model.duplicate if action == "duplicate" else model.remove)(index)
    elif action == "compose" and (found := [i for i, s in enumerate(model.slots) if s.name == "SequentialLR"]):
        schedule_box(page, found[0]).get_by_role("button", name="Add part").click()
        settle(page)
        model.add_part(found[0])
    elif action == "slider" and count:
        index = rng.randrange(count)
        thumbs = schedule_box(page, index).locator('[data-testid="stSlider"] input[type="range"]:visible')
        if thumbs.count() and not REGISTRY[model.slots[index].name].composite:
            thumb = thumbs.first
            thumb.focus()
            for _ in range(rng.randint(1, 4)):
                page.keyboard.press(rng.choice(["ArrowLeft", "ArrowRight"]))
            settle(page)
            text = thumb.input_value()
            value = float(text) if "." in text else int(text)
            if value != model.slots[index].given.get(thumb.get_attribute("aria-label")):
                model.set_param(index, thumb.get_attribute("aria-label"), value)
    elif action == "toggle" and model.drawn():
        toggle_log_lr(page)
        model.view = replace(model.view, log_lr=not model.view.log_lr)
    elif action == "section":
        section = rng.choice(list(SECTIONS.values()))
        page.get_by_text(section, exact=True).first.click()
        settle(page)
        model.view = replace(model.view, section=section)
    elif action == "reopen":
        open_page(page, page.url)
        model.reopen()


def test_a_person_clicking_at_random_sees_what_they_asked_for(server, page):
    rng, start = random.Random(7), Config({"epochs": 10}, ["StepLR(step_size=3)", "SequentialLR()"])
    model = PageModel.of(start)
    open_page(page, f"{server}/?{link_query(start)}")
    done = []
    for _ in range(14):
        action = rng.choice(BROWSER_ACTIONS)
        browser_act(page, model, action, rng)
        done.append(action)
        step = " / ".join(done)
        assert errors_on_page(page) == 0, (step, page.locator('[data-testid="stException"]').all_inner_texts())
        assert sidebar_schedules(page) == model.sidebar(), step
        assert (chart_names(page) if model.drawn() else []) == model.legend(), step
        query = parse_qs(urlsplit(page.url).query)
        assert from_query(without_view(query))[0].schedules == model.drawn(), step
        assert view_from_query(query) == (model.link_view(), []), step


def test_the_range_test_applies_to_the_schedule_picked_every_time(server, page):
    config = Config({"epochs": 10}, ["OneCycleLR()", "CyclicLR(cycle_momentum=False)"])
    open_page(page, f"{server}/?{link_query(config)}&tab=range")
    pick(page, "schedule", "CyclicLR")
    for suggestion in ("minimum / 10", "steepest descent"):
        page.locator('[data-testid="stRadio"]').get_by_text(suggestion).click()
        settle(page)
        page.get_by_role("button", name="as max_lr").click()
        settle(page)
        schedules = sidebar_schedules(page)
        assert schedules[0] == "OneCycleLR()" and "max_lr=" in schedules[1], suggestion
        confirmation = page.locator('[data-testid="stAlertContentSuccess"]').inner_text().splitlines()[-1]
        assert confirmation.startswith(schedules[1]) and "now uses max_lr" in confirmation
        # the picker still names the schedule just changed, with its new text
        assert page.locator('[data-testid="stMain"] [data-testid="stSelectbox"] input').input_value() == schedules[1]


def _dropped_link_notices(page) -> list[str]:
    return [text for frame in page.frames if frame != page.main_frame
            for text in frame.locator('[role="alert"]').all_inner_texts()]


def test_a_link_streamlit_drops_for_its_size_is_announced_and_an_ordinary_one_is_not(server, page):
    """Streamlit throws away a query of more than 1,000 parameters before the script sees it."""
    page.goto(f"{server}/?" + "&".join(f"s{i}=StepLR()" for i in range(1001)))
    settle(page)
    page.wait_for_timeout(500)  # the check runs in its frame once the frame has loaded
    (notice,) = _dropped_link_notices(page)
    assert "longer than the server accepts" in notice
    banner = page.locator('iframe[title="st.iframe"]').bounding_box()
    title = page.locator("h1").first.bounding_box()
    assert banner["height"] >= 40 and banner["y"] + banner["height"] <= title["y"]  # shown, above the title
    for ordinary in ("/", f"/?{link_query(Config({'epochs': 5}, ['StepLR()']))}", "/?embed=true"):
        page.goto(f"{server}{ordinary}")
        settle(page)
        page.wait_for_timeout(500)
        assert _dropped_link_notices(page) == []
