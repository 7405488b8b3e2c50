"""Schedule editors in real Chromium, used as a person does: every editor stays open and keeps the keyboard.

A Streamlit expander that is given a new identity (its label changes with the schedule's text) is drawn
afresh, closed, and the slider under the hand loses focus; these tests press keys one at a time, letting
each rerun finish, as a lecturer nudging a parameter does.
"""

from __future__ import annotations

import pytest
from browser_helpers import pick, settle

pytestmark = pytest.mark.browser


def editor(page, index: int):
    """The index-th schedule's expander in the sidebar (after the experiment's)."""
    return page.locator('[data-testid="stSidebar"] [data-testid="stExpander"]').nth(index + 1)


def is_open(box) -> bool:
    return box.locator("details[open]").count() == 1


def open_editor(page, index: int):
    box = editor(page, index)
    if not is_open(box):
        box.locator("summary").click()
        settle(page)
    return box


def slider(box, name: str):
    return box.locator(f'[data-testid="stSlider"] input[type="range"][aria-label="{name}"]').first


def focused_label(page) -> str | None:
    return page.evaluate("() => document.activeElement && document.activeElement.getAttribute('aria-label')")


@pytest.mark.parametrize("index, name", [(2, "gamma"), (3, "gamma"), (2, "step_size")])
def test_three_arrow_presses_move_three_stops_and_the_editor_stays_open(server, page, index, name):
    page.goto(server)  # the landing scenario: Constant, ExponentialLR 0.9, StepLR(4, 0.5), ExponentialLR 0.7, cosine
    settle(page)
    box = open_editor(page, index)
    thumb = slider(box, name)
    thumb.focus()
    stops = [thumb.input_value()]
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # no click between presses: the focus has to stay on the thumb
        settle(page)
        assert is_open(editor(page, index)), stops
        assert focused_label(page) == name, stops
        stops.append(slider(editor(page, index), name).input_value())
    assert len(set(stops)) == 4, stops  # each press moved the value one stop further


def test_typing_a_value_and_changing_the_class_keep_the_editor_open(server, page):
    page.goto(server)
    settle(page)
    box = open_editor(page, 3)
    number = box.locator('[data-testid="stNumberInput"] input').first
    number.fill("0.55")
    number.press("Enter")
    settle(page)
    assert is_open(editor(page, 3))
    assert "0.55" in editor(page, 3).locator("summary").inner_text()
    picker = editor(page, 3).get_by_label("scheduler", exact=True)
    picker.click()
    page.keyboard.type("CosineAnnealingLR")
    page.keyboard.press("Enter")
    settle(page)
    assert is_open(editor(page, 3))
    assert "CosineAnnealingLR" in editor(page, 3).locator("summary").inner_text()


def test_a_new_schedule_opens_its_editor_and_its_untouched_sliders_keep_the_keyboard(server, page):
    page.goto(server)
    settle(page)
    pick(page, "Add a schedule", "StepLR")
    box = editor(page, 5)
    assert is_open(box)
    assert "StepLR" in box.locator("summary").inner_text()
    thumb = slider(box, "gamma")  # not given yet: its first press makes it part of the schedule's text
    thumb.focus()
    stops = [thumb.input_value()]
    for _ in range(3):
        page.keyboard.press("ArrowLeft")
        settle(page)
        assert focused_label(page) == "gamma", stops
        stops.append(slider(editor(page, 5), "gamma").input_value())
    assert len(set(stops)) == 4, stops
    assert "gamma=" in editor(page, 5).locator("summary").inner_text()
