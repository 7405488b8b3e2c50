"""Lesson links on the page, driven with AppTest: every combination of note, reveal, hide and lesson comes back
from the address bar, a hidden part is not built, the loss waits for the reveal, steps keep the link shareable,
the builder's link opens what it says, and the lesson in docs/teaching.md opens without a notice."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from apptest_helpers import APP, charts
from streamlit.testing.v1 import AppTest

from lrviz.page.lesson_plan import HIDEABLE, LessonLink, from_query, pack
from lrviz.training.presets import find

DOCS = Path(__file__).resolve().parent.parent / "docs" / "teaching.md"
SMALL = {"epochs": "6", "s": ["StepLR(step_size=2)", "ExponentialLR(gamma=0.8)"]}
HOSTILE_NOTE = ("![x](http://127.0.0.1:9/x.png) [click](javascript:alert(1)) <img src=x onerror=alert(1)> "
                "<script>alert(1)</script> **bold** :red[red] $x^2$ www.example.com a@b.co #1 `code` ~~s~~")


def open_link(query: dict) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def address(app: AppTest) -> dict[str, list[str]]:
    """The address bar, as the page wrote it."""
    return {key: list(value) if isinstance(value, list) else [value] for key, value in app.query_params.items()}


def lesson_of(app: AppTest) -> LessonLink:
    return from_query(address(app))[0]


def shown_text(markdown: str) -> str:
    """What a reader sees of escaped Markdown: the backslashes and the invisible word joiners gone."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def note_texts(app: AppTest, key: str = "lesson_note") -> list[str]:
    """The Markdown of the note in the container `key` (none if the page has no such note)."""
    blocks = [block for block in app.container if block.key == key]
    return [element.value for block in blocks for element in block.markdown]


def results_tables(app: AppTest) -> list:
    return [frame for frame in app.dataframe if "final loss" in frame.value.columns]


COMBINATIONS = list(itertools.product([False, True], repeat=4))


@pytest.mark.parametrize(("note", "reveal", "hide", "lesson"), COMBINATIONS,
                         ids=["".join("NRHL"[i] if flag else "-" for i, flag in enumerate(c)) for c in COMBINATIONS])
def test_every_combination_comes_back_from_the_address_bar(note, reveal, hide, lesson):
    wanted = LessonLink(note="Which one ends lowest?\nWhy?" if note else "", reveal=not reveal,
                        hide=("experiment", "paste") if hide else (), lesson="valley,noise" if lesson else "",
                        step=1 if lesson else 0)
    app = open_link({**({} if lesson else SMALL), **wanted.to_query()})
    assert not app.exception and not app.warning
    assert lesson_of(app) == wanted
    again = open_link({key: values if len(values) > 1 else values[0] for key, values in address(app).items()})
    assert not again.exception and not again.warning
    assert address(again) == address(app) and lesson_of(again) == wanted
    if lesson:  # the step's configuration came from the lesson
        assert again.session_state["lrviz"]["experiment"] == find("noise").config.experiment


def _present(app: AppTest, part: str) -> bool:
    """Whether `part` of the page was built."""
    keys = {element.key for element in app.get("selectbox") + app.get("text_area") if element.key}
    if part == "sidebar":
        return len(app.sidebar.children) > 0
    if part == "presets":
        return "preset" in keys
    if part == "experiment":
        return any(box.label.startswith("Experiment") for box in app.expander)
    if part == "schedules":
        return any(key.endswith(".name") for key in keys)
    if part == "add":
        return "add_schedule" in keys
    if part == "paste":
        return "paste_code" in keys
    if part == "intro":
        return any(element.value.startswith("Pick schedules") for element in app.markdown)
    sections = [control for control in app.segmented_control if control.key == "section"]
    if part == "sections":
        return bool(sections)
    label = {"how": "How it works", "landscape": "Landscape & replay", "range": "LR range test",
             "sweep": "Sweep & scrub", "export": "Export & share"}[part]  # fmt: skip
    return bool(sections) and label in sections[0].options


@pytest.mark.parametrize("part", list(HIDEABLE))
def test_a_hidden_part_is_not_built(part):
    tab = {"how": "how", "landscape": "landscape", "range": "range", "sweep": "sweep",
           "export": "export"}.get(part, "export")
    shown = open_link({**SMALL, "tab": tab})
    assert _present(shown, part)  # the probe sees the part when it is there
    hidden = open_link({**SMALL, "tab": tab, "hide": part})
    assert not hidden.exception and not hidden.warning
    assert not _present(hidden, part)
    assert charts(hidden)  # the charts are still drawn
    if part == "export":
        assert not [element for element in hidden.text_area if element.key == "lb_note"]  # no builder either


def test_an_invalid_part_to_hide_is_a_notice_and_the_rest_is_hidden():
    app = open_link({**SMALL, "hide": "paste,wings"})
    assert not app.exception and not _present(app, "paste")
    assert [w.value for w in app.warning if "wings" in w.value and "not a part that can be hidden" in w.value]


def test_a_hostile_note_is_shown_as_the_text_it_is():
    app = open_link({**SMALL, "note": HOSTILE_NOTE + "\nsecond line", "present": "1"})
    assert not app.exception and not app.warning
    (markdown,) = note_texts(app)
    assert shown_text(markdown) == HOSTILE_NOTE + "  \nsecond line"  # a hard line break, nothing else
    assert re.search(r"(?<!\\)[<>\[\]()!:*$`~#]", markdown) is None  # every mark escaped
    assert "http://" not in markdown and "www." not in markdown  # no bare address for an autolink
    assert any("2rem" in element.proto.body for element in app.get("html"))  # large type when presenting


def test_a_long_note_is_cut_with_a_notice():
    app = open_link({**SMALL, "note": "Why? " * 500})
    (markdown,) = note_texts(app)
    assert len(shown_text(markdown)) <= 1000
    assert any("note was cut" in warning.value for warning in app.warning)


def test_the_loss_waits_for_the_reveal_and_the_prediction_stands_beside_the_ranking():
    app = open_link({**SMALL, "reveal": "0"})
    assert [title for title in charts(app) if title.startswith("Learning rate")]
    assert not [title for title in charts(app) if "loss" in title.lower()]
    assert not results_tables(app) and not app.table  # no results table either
    (predict,) = app.multiselect
    predict.select(1).select(0).run()  # ExponentialLR first, then StepLR
    app.button(key="reveal").click().run()
    assert not app.exception
    assert [title for title in charts(app) if "loss" in title.lower()] and results_tables(app)
    (comparison,) = app.table
    table = comparison.value
    real = list(results_tables(app)[0].value["schedule"])
    assert list(table["real"].map(shown_text)) == [name.split("(")[0] for name in real]
    assert list(table["predicted"].map(shown_text)) == ["ExponentialLR", "StepLR"]
    app.run()  # revealed stays revealed
    assert [title for title in charts(app) if "loss" in title.lower()]
    assert address(app)["reveal"] == ["0"]  # the link still asks the next visitor to predict


def test_steps_go_forward_and_back_and_the_address_bar_follows():
    app = open_link({"lesson": "valley,noise,diverge", "reveal": "0", "present": "1"})
    assert app.button(key="lesson_previous").disabled and not app.button(key="lesson_next").disabled
    app.button(key="reveal").click().run()
    app.button(key="lesson_next").click().run()
    assert not app.exception and address(app)["step"] == ["2"]
    assert app.session_state["lrviz"]["experiment"] == find("noise").config.experiment
    assert app.session_state["present"] is True  # presentation mode stays on
    assert not [title for title in charts(app) if "loss" in title.lower()]  # each step asks again
    assert any("Step 2 of 3" in element.value for element in app.markdown)
    app.button(key="lesson_next").click().run()
    assert app.button(key="lesson_next").disabled and address(app)["step"] == ["3"]
    app.button(key="lesson_previous").click().run()
    assert address(app)["step"] == ["2"]
    reopened = open_link({key: v if len(v) > 1 else v[0] for key, v in address(app).items()})
    assert address(reopened) == address(app) and any("Step 2 of 3" in e.value for e in reopened.markdown)


def test_a_step_changed_by_the_teacher_is_shared_as_changed():
    app = open_link({"lesson": "valley,noise", "step": "2", "epochs": "9", "s": "StepLR()"})
    assert app.session_state["lrviz"]["experiment"] == {"epochs": 9} and lesson_of(app).step == 1


def test_the_builder_makes_the_link_it_shows():
    app = open_link({**SMALL, "tab": "export"})
    app.text_area(key="lb_note").input("Sketch the lr first.").run()
    app.multiselect(key="lb_hide").select("experiment").select("paste").run()
    app.toggle(key="lb_predict").set_value(True).run()
    app.multiselect(key="lb_steps").select("noise").select("valley").run()
    link = app.code[-1].value
    assert link.startswith("http") and not app.exception
    query = parse_qs(urlsplit(link).query)
    opened = open_link({key: values if len(values) > 1 else values[0] for key, values in query.items()})
    assert not opened.exception and not opened.warning
    assert lesson_of(opened) == LessonLink("Sketch the lr first.", False, ("experiment", "paste"), "noise,valley")
    assert opened.session_state["lrviz"]["experiment"] == find("noise").config.experiment


def test_the_builder_collects_this_page_as_steps_of_its_own():
    app = open_link({**SMALL, "tab": "export", "log_lr": "1"})
    app.text_input(key="lb_title").input("Two decays").run()
    app.text_input(key="lb_step_note").input("Which decays faster?").run()
    app.button(key="lb_add").click().run()
    app.multiselect(key="lb_steps").select("diverge").run()
    link = app.code[-1].value
    query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
    assert query["lesson"].startswith("json:") and "tab" not in query  # the lesson opens on its charts
    opened = open_link(query)
    assert not opened.exception and not opened.warning
    step, scenario = lesson_of(opened).steps()
    assert (step.title, step.note) == ("Two decays", "Which decays faster?")
    assert scenario.config == find("diverge").config
    assert opened.session_state["lrviz"]["experiment"] == {"epochs": 6} and opened.session_state["log_lr"] is True
    assert shown_text(note_texts(opened, "step_note")[0]) == "Which decays faster?"


def test_a_packed_lesson_in_a_link_opens_its_first_page():
    body = {"steps": [{"title": "Own", "note": "Look", "schedules": ["StepLR(step_size=2)"], "experiment":
                       {"epochs": 5}, "view": {"x": "step"}}, {"preset": "diverge"}]}  # fmt: skip
    app = open_link({"lesson": pack(body)})
    assert not app.exception and not app.warning
    assert app.session_state["lrviz"]["experiment"] == {"epochs": 5} and app.session_state["x"] == "step"
    app.button(key="lesson_next").click().run()
    assert app.session_state["lrviz"]["experiment"] == find("diverge").config.experiment


def test_the_lesson_in_the_teaching_guide_opens_as_it_says():
    links = re.findall(r"http://HOST:8501/\?[^\s`]*lesson=[^\s`]+", DOCS.read_text())
    assert links, "docs/teaching.md shows a lesson link"
    for link in links:
        query = {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}
        app = open_link(query)
        assert not app.exception and not app.warning, link
        lesson = lesson_of(app)
        assert lesson.steps() and lesson.note and not lesson.reveal and lesson.hide
