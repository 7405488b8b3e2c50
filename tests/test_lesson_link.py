"""A lesson in a link (note, reveal, hide, lesson, step) and in a lesson file: every combination round-trips with
the view and the configuration, and hostile text is bounded, cleaned and reported, never raised."""

from __future__ import annotations

import base64
import json
import re
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_view import views

from lrviz.page.lesson_plan import (
    HIDEABLE,
    MAX_NOTE,
    MAX_STEPS,
    PACKED,
    LessonLink,
    clean_note,
    from_query,
    pack,
    read_file,
    read_lesson,
    step_view,
    unpack,
    without_lesson,
)
from lrviz.page.view import from_query as view_from_query
from lrviz.page.view import without_view
from lrviz.schedules.params import SpecError
from lrviz.training.config import Config, to_query
from lrviz.training.config import from_query as config_from_query
from lrviz.training.presets import SCENARIOS, find

_any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=300)  # surrogates included
notes = _any_text.map(lambda text: clean_note(text)[0])
SLUGS = [preset.slug for preset in SCENARIOS]
FILE = {"lrviz_lesson": 1, "steps": [
    {"title": "Decay early", "note": "Which one stalls?\n\nSketch it.", "preset": "valley", "view": {"x": "step"}},
    {"title": "Own page", "note": "", "experiment": {"epochs": 12}, "schedules": ["StepLR(step_size=3)"],
     "view": {"log_lr": "1"}}]}  # fmt: skip


@st.composite
def lesson_links(draw: st.DrawFn) -> LessonLink:
    lesson = draw(st.one_of(st.just(""), st.lists(st.sampled_from(SLUGS), min_size=1, max_size=5).map(",".join),
                            st.just(pack(FILE))))  # fmt: skip
    steps = len(read_lesson(lesson)[1]) if lesson else 1
    return LessonLink(note=draw(notes), reveal=draw(st.booleans()),
                      hide=tuple(name for name in HIDEABLE if draw(st.booleans())), lesson=lesson,
                      step=draw(st.integers(0, steps - 1)) if lesson else 0)


def as_query(query: dict) -> dict[str, list[str]]:
    return {key: value if isinstance(value, list) else [value] for key, value in query.items()}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lesson_links(), views)
def test_every_lesson_and_view_reopen_from_their_link(lesson, view):
    config = Config({"epochs": 7}, ["StepLR(step_size=2)", "CosineAnnealingLR()"])
    link = as_query({**to_query(config), **view.to_query(), **lesson.to_query()})
    assert from_query(link) == (lesson, [])
    assert view_from_query(link) == (view, [])
    assert config_from_query(without_lesson(without_view(link))) == (config, [])


def test_the_default_lesson_adds_nothing_and_a_link_names_it_in_words():
    assert LessonLink().to_query() == {}
    assert LessonLink(note="Guess", reveal=False, hide=("experiment", "paste"), lesson="valley,noise",
                      step=1).to_query() == {"note": "Guess", "reveal": "0", "hide": "experiment,paste",
                                             "lesson": "valley,noise", "step": "2"}  # fmt: skip


@given(_any_text)
def test_a_note_is_clean_bounded_and_stable(text):
    note, cut = clean_note(text)
    assert len(note) <= MAX_NOTE and clean_note(note) == (note, False)
    whole = clean_note(text, 10**9)[0]
    assert (whole.startswith(note) and len(whole) > MAX_NOTE) if cut else whole == note  # a cut is said
    assert not any(ord(char) < 32 and char != "\n" for char in note)
    assert "\u202e" not in note and "\n\n\n" not in note
    note.encode("utf-8")  # no lone surrogate reaches the page


def test_a_long_note_is_cut_with_a_notice_and_lines_are_kept():
    lesson, dropped = from_query({"note": ["word " * 400]})
    assert len(lesson.note) <= MAX_NOTE and lesson.note.startswith("word word")
    assert dropped == [f"the note was cut to its first {MAX_NOTE:,} characters"]
    assert from_query({"note": ["Predict:\r\n\r\n\r\n  1. which  wins?\n2. why?"]})[0].note == (
        "Predict:\n\n1. which wins?\n2. why?")


def test_invalid_hide_names_get_a_notice_and_the_valid_ones_are_kept_in_order():
    lesson, dropped = from_query({"hide": ["paste, Experiment,,<img src=x>,paste"]})
    assert lesson.hide == ("experiment", "paste")
    assert len(dropped) == 1 and "'<img src=x>' is not a part that can be hidden" in dropped[0]


def test_a_hidden_sidebar_or_sections_hide_what_is_in_them():
    lesson = LessonLink(hide=("sidebar", "sections"))
    assert lesson.hidden("experiment") and lesson.hidden("add") and lesson.hidden("export")
    assert not lesson.hidden("intro") and not LessonLink(hide=("paste",)).hidden("add")


def test_a_lesson_of_scenarios_keeps_the_known_ones_and_says_which_were_not():
    lesson, dropped = from_query({"lesson": ["Valley, nope ,diverge,tutorial"], "step": ["3"]})
    assert lesson.lesson == "valley,diverge,tutorial" and lesson.step == 2
    assert len(dropped) == 1 and "'nope' is not a scenario" in dropped[0]
    steps = lesson.steps()
    assert [step.config for step in steps] == [find(slug).config for slug in ("valley", "diverge", "tutorial")]
    assert steps[0].after == find("valley").note  # what to look at: the scenario's own note
    too_many = from_query({"lesson": [",".join(["noise"] * (MAX_STEPS + 3))]})
    assert len(too_many[0].steps()) == MAX_STEPS and too_many[1]


@pytest.mark.parametrize("step", ["0", "4", "-1", "two", "9" * 50, "1.5"])
def test_a_step_outside_the_lesson_opens_the_first_with_a_notice(step):
    lesson, dropped = from_query({"lesson": ["valley,noise,diverge"], "step": [step]})
    assert lesson.step == 0 and len(dropped) == 1 and "1 to 3" in dropped[0]


@given(st.dictionaries(st.sampled_from(["note", "reveal", "hide", "lesson", "step", "other"]),
                       st.lists(st.one_of(_any_text, st.just(PACKED + "eJzLSM3JyVcozy_KSQEAGgQEXQ")), max_size=3)))
def test_hostile_lesson_links_never_raise_and_messages_stay_short(query):
    lesson, dropped = from_query(query)
    assert isinstance(lesson, LessonLink) and len(lesson.note) <= MAX_NOTE
    assert all(len(text) < 300 and "\n" not in text for text in dropped)
    assert from_query(as_query(lesson.to_query())) == (lesson, [])  # what the page writes back reads again


def test_a_packed_lesson_holds_its_own_pages():
    lesson, dropped = from_query({"lesson": [pack(FILE)]})
    assert dropped == []
    first, second = lesson.steps()
    assert (first.title, first.note, first.config, first.view) == ("Decay early", "Which one stalls?\n\nSketch it.",
                                                                   find("valley").config, {"x": "step"})
    assert second.config == Config({"epochs": 12}, ["StepLR(step_size=3)"])
    assert step_view(second).log_lr and step_view(second, {"log_lr": ["0"]}, present=True).present
    assert not step_view(second, {"log_lr": ["0"]}).log_lr  # the link's view wins over the step's


@pytest.mark.parametrize("packed", [
    PACKED + "not base64 at all!", PACKED + base64.urlsafe_b64encode(b"plain").decode(),
    PACKED + base64.urlsafe_b64encode(zlib.compress(b"[1, 2]")).decode(),
    PACKED + base64.urlsafe_b64encode(zlib.compress(b"{" * 50_000)).decode(),
    PACKED + base64.urlsafe_b64encode(zlib.compress(b" " * 10_000_000, 9)).decode(),  # a zip bomb, 10 MB of air
    PACKED + "A" * 50_000,
])  # fmt: skip
def test_a_broken_packed_lesson_is_one_notice_and_no_lesson(packed):
    lesson, dropped = from_query({"lesson": [packed], "step": ["2"]})
    assert lesson.lesson == "" and lesson.step == 0
    assert len(dropped) == 1 and len(dropped[0]) < 120


def test_a_hostile_packed_lesson_keeps_its_valid_steps_only():
    body = {"steps": [{"preset": "valley", "title": "<b>x</b>" * 100, "note": "\u202e" + "n" * 5000, "bad": 1},
                      {"schedules": ["__import__('os')"]}, "text", {"preset": "nope"},
                      {"experiment": {"epochs": -3, "lr": 0.5}, "schedules": ["StepLR()"], "view": {"x": "week"}}]}
    lesson, dropped = from_query({"lesson": [pack(body)]})
    first, last = lesson.steps()
    assert len(first.title) <= 120 and len(first.note) == MAX_NOTE and "\u202e" not in first.note
    assert last.config == Config({"lr": 0.5}, ["StepLR()"]) and last.view == {}
    assert len(dropped) >= 6 and all(text.startswith("lesson step ") for text in dropped)
    assert read_lesson(lesson.lesson)[1] == lesson.steps() and read_lesson(lesson.lesson)[2] == ()  # canonical


def test_a_lesson_file_brings_its_settings_and_refuses_what_is_no_lesson():
    settings_, steps, dropped = read_file(json.dumps({**FILE, "hide": ["experiment", "bogus"], "reveal": False,
                                                      "note": "Tonight", "extra": 1}))
    link, more = from_query(as_query(settings_))
    assert (link.note, link.reveal, link.hide, len(link.steps())) == ("Tonight", False, ("experiment",), 2)
    assert link.steps() == steps and any("extra" in text for text in dropped) and any("bogus" in t for t in more)
    for text in ("[]", "{", '{"steps": 3}', '{"steps": [{"preset": "nope"}]}', "x" * 70_000, b"\xff\xfe"):
        with pytest.raises(SpecError):
            read_file(text)


def test_unpack_reads_what_pack_wrote():
    assert unpack(pack(FILE)) == json.loads(json.dumps(FILE, sort_keys=True))


def test_the_lesson_file_in_the_teaching_guide_loads_whole():
    text = (Path(__file__).resolve().parent.parent / "docs" / "teaching.md").read_text()
    (body,) = re.findall(r"^```json\n(.*?)^```", text, re.M | re.S)
    settings_, steps, dropped = read_file(body)
    link, more = from_query(as_query(settings_))
    assert dropped == [] and more == []
    assert [step.title for step in steps] == ["Decay too early", "Two step decays"]
    assert (link.hide, link.reveal, link.note) == (("experiment", "paste"), False, "Predict first, then reveal.")
    assert steps[1].config == Config({"epochs": 12}, ["StepLR(step_size=3)", "StepLR(step_size=6)"])
