"""The scenario's story above the charts: shown from the set-up itself (links too), marked changed once the
set-up differs, its claim drawn on the curve, and a preset's own view."""

from __future__ import annotations

import html

import pytest
from apptest_helpers import charts, open_app

from lrviz.page import story
from lrviz.training.config import Config
from lrviz.training.presets import ALL_PRESETS, SCENARIOS, find


def story_text(app) -> str:
    return html.unescape(" ".join(e.proto.body for e in app.main.get("html") if "lrviz-story" in e.proto.body))


def claims(app) -> dict[str, list[str]]:
    """The claim notes on each chart, by chart title."""
    return {title: [note["text"] for note in figure["layout"].get("annotations", []) if note.get("name") == "claim"]
            for title, figure in charts(app).items()}


def preset_box(app):
    return next(box for box in app.sidebar.selectbox if box.key == "preset")


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.slug for s in SCENARIOS])
def test_a_link_to_a_scenario_shows_its_story_and_marks_its_claim(scenario):
    app = open_app(scenario.config)  # a link holds only the set-up: the story is read from it
    assert not app.exception
    text = story_text(app)
    assert scenario.title in text and scenario.line.split(":")[0] in text
    assert preset_box(app).placeholder == f"Loaded: {scenario.title}"
    chart = "Learning rate" if scenario.claim.chart == "lr" else "Training loss"
    drawn = [note for title, notes in claims(app).items() if title.startswith(chart) for note in notes]
    assert drawn == [scenario.claim.text]
    assert sum(len(notes) for notes in claims(app).values()) == 1  # on that chart only


def test_a_changed_set_up_says_so_drops_the_claim_and_loads_the_scenario_again():
    app = open_app()  # the landing page: the valley
    assert "narrow valley" in story_text(app)
    next(button for button in app.sidebar.button if button.label == "Remove").click()
    app.run()
    assert "Changed since it was loaded" in story_text(app)
    assert preset_box(app).placeholder.endswith("(changed)")
    assert not any(claims(app).values())
    next(button for button in app.main.button if button.key == "story_reload").click()
    app.run()
    assert "Changed" not in story_text(app) and "narrow valley" in story_text(app)
    assert any(claims(app).values())


def test_an_unrelated_link_shows_no_story():
    app = open_app(Config({"epochs": 7}, ["StepLR(step_size=2)"]))
    assert story_text(app) == ""
    assert preset_box(app).placeholder == "Load a preset…"


def test_a_preset_sets_the_view_it_was_written_for():
    app = open_app()
    preset_box(app).select(find("tutorial").name)
    app.run()
    assert app.session_state["loss_view"] == "above optimum"
    assert any(title.startswith("Training loss above optimum") for title in charts(app))
    preset_box(app).select(find("valley").name)
    app.run()
    assert app.session_state["loss_view"] == "raw"  # the valley's note describes the raw loss


def test_every_preset_is_recognised_from_its_own_set_up():
    for preset in ALL_PRESETS:
        assert story.matching(preset.config) is preset


def test_a_schedule_that_cycles_momentum_says_so_and_names_it():
    app = open_app(Config({"epochs": 10}, ["OneCycleLR()", "StepLR()"]))
    notices = [element.value for element in app.main.warning if "also cycles" in element.value]
    assert len(notices) == 1
    assert "OneCycleLR" in notices[0] and "momentum between 0.85 and 0.95" in notices[0]
    quiet = open_app(Config({"epochs": 10}, ["OneCycleLR(cycle_momentum=False)", "StepLR()"]))
    assert not [element for element in quiet.main.warning if "also cycles" in element.value]
