"""A lesson on the page: the teacher's note above the charts, the steps with Previous and Next, the loss held back
behind "Reveal the loss" while the class predicts, the parts a teacher hid left unbuilt, and the builder that
makes such a link in Export & share. What a link may ask for, and how it is checked, is in `lesson_plan.py`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import replace
from typing import Any

import streamlit as st

from lrviz.page import figures
from lrviz.page import lesson_plan as plan
from lrviz.page import widgets as ui
from lrviz.page.lesson_plan import HIDEABLE, MAX_NOTE, MAX_TITLE, LessonLink, Step, clean_note, step_view
from lrviz.page.link import lesson_link, link_to
from lrviz.page.view import SECTIONS, View
from lrviz.schedules import markup
from lrviz.schedules.params import SpecError
from lrviz.schedules.schedule import Resolved
from lrviz.training.config import Config, to_json, to_query
from lrviz.training.experiment import Experiment
from lrviz.training.presets import ALL_PRESETS
from lrviz.training.results import Result

# as specific as presentation mode's floor for every text (style.PRESENT_STYLE), which would otherwise shrink it
NOTE_STYLE = """<style>
[data-testid="stMain"] :is(.st-key-lesson_note, .st-key-step_note) p { font-size: %s !important; line-height: 1.45; }
[data-testid="stMain"] .st-key-lesson_steps p { font-size: %s !important; margin: 0; }
</style>"""


def shown(part: str) -> bool:
    """Whether the lesson lets `part` (a name of lesson_plan.HIDEABLE) be built."""
    return not lesson_link().hidden(part)


def sidebar() -> Any:
    """Where the sidebar's parts go: the sidebar, or nowhere at all (none of them is built) when it is hidden."""
    return st.sidebar if shown("sidebar") else contextlib.nullcontext()


def experiment() -> Experiment | None:
    """The experiment, its box hidden: the settings the link set, without a widget."""
    return ui.experiment_of()[0]


def schedules(experiment: Experiment | None) -> list[Resolved]:
    """The schedules, their editors hidden: those of the link that are valid, without a widget."""
    if experiment is None:
        return []
    return [item for slot in ui.state()["slots"] if (item := ui.schedule_of(slot, experiment)[0]) is not None]


def sections() -> list[str]:
    """The labels of the sections the lesson shows; the open one is moved to a shown one if it was hidden."""
    labels = [label for key, label in SECTIONS.items() if key in plan.SECTION_PARTS and shown(key)]
    if labels and st.session_state.get("section") not in labels:
        st.session_state["section"] = labels[0]
    if not labels:  # the sections' room (kept so that switching never moves the page) is not needed
        st.html("<style>.st-key-section_body { min-height: 0; }</style>")
    return labels


def note_markdown(note: str) -> str:
    """A note as Markdown that shows it literally: each line escaped, its lines and paragraphs kept."""
    paragraphs = note.split("\n\n")
    return "\n\n".join("  \n".join(markup.markdown_text(line, MAX_NOTE) for line in paragraph.split("\n"))
                       for paragraph in paragraphs)  # fmt: skip


def open_step(index: int) -> None:
    """A callback: open step `index` of the lesson (its configuration and view; presentation mode stays)."""
    link = lesson_link()
    steps = link.steps()
    if not 0 <= index < len(steps):
        return
    ui.state()["lesson_link"] = replace(link, step=index)
    ui.apply_config(steps[index].config)
    ui.apply_view(step_view(steps[index], present=bool(st.session_state.get("present", False))))


def lesson_bar() -> None:
    """Above the charts: the step (number, title, Previous and Next) and the notes, large when presenting."""
    link = lesson_link()
    steps = link.steps()
    if not (link.note or steps):
        return
    present = bool(st.session_state.get("present"))
    st.html(NOTE_STYLE % (("2rem", "1.5rem") if present else ("1.2rem", "1.1rem")))
    step = steps[link.step] if steps else Step("")
    if steps:
        with st.container(key="lesson_steps", horizontal=True, vertical_alignment="center"):
            st.button("Previous", disabled=link.step == 0, on_click=open_step, args=(link.step - 1,),
                      icon=":material/arrow_back:", key="lesson_previous")
            st.markdown(f"**Step {link.step + 1} of {len(steps)}**: {markup.markdown_text(step.title, MAX_TITLE)}",
                        width="content")
            st.button("Next", disabled=link.step + 1 >= len(steps), on_click=open_step, args=(link.step + 1,),
                      icon=":material/arrow_forward:", key="lesson_next", type="primary")
    for key, note in (("lesson_note", link.note), ("step_note", step.note)):
        if note:
            st.container(key=key).markdown(note_markdown(note))
    if step.after and revealed():
        with st.expander("What to look at"):
            st.markdown(markup.markdown_text(step.after, 2000))


# ---- predict, then reveal ---------------------------------------------------------------------------

def revealed() -> bool:
    """Whether the loss shows: the lesson does not hold it back, or this step's loss was revealed."""
    link = lesson_link()
    return link.reveal or link.step in ui.state().get("revealed", set())


def loss_shown_in(part: str) -> bool:
    """Whether a section that shows the loss may be built; if not, it says why."""
    if not revealed():
        st.info(f"{part} shows the loss: reveal it first, above.", icon=":material/visibility_off:")
    return revealed()


def _reveal(key: str, labels: tuple[str, ...]) -> None:
    chosen = st.session_state.get(key) or []
    ui.state().setdefault("predictions", {})[lesson_link().step] = (labels, [labels[i] for i in chosen])
    ui.state().setdefault("revealed", set()).add(lesson_link().step)


def reveal_gate(place: Any, result: Result) -> bool:
    """True if the loss may be drawn; otherwise `place` gets the Predict helper and the "Reveal the loss" button."""
    if revealed():
        return True
    labels = figures.legend_labels(result)
    digest = hashlib.sha1("\n".join(result.labels).encode()).hexdigest()[:10]  # other schedules: a new ranking
    key = f"predict.{lesson_link().step}.{digest}"
    if st.session_state.get("present"):  # read from the back of the room, like the charts
        st.html("<style>.st-key-reveal_gate p, .st-key-reveal_gate input { font-size: 1.3rem !important; }</style>")
    with place.container(key="reveal_gate", border=True):
        st.markdown("**The loss is hidden until you reveal it.** Which schedule will end with the lowest "
                    "training loss, and which the highest?")
        st.multiselect("Predict: pick the schedules in the order you expect them to end, lowest loss first",
                       list(range(len(labels))), format_func=lambda k: markup.shorten(labels[k]), key=key,
                       placeholder="Your ranking, best first…")
        st.button("Reveal the loss", type="primary", icon=":material/visibility:", key="reveal",
                  on_click=_reveal, args=(key, tuple(result.labels)))
    return False


def prediction(result: Result) -> None:
    """Once revealed: the ranking predicted for this step beside the real one (the results table's order)."""
    labels, predicted = ui.state().get("predictions", {}).get(lesson_link().step, ((), []))
    if not predicted or tuple(result.labels) != labels or not revealed():
        return
    short = dict(zip(result.labels, figures.legend_labels(result), strict=True))
    real = list(figures.summary(result)["schedule"])
    rows = [{"rank": rank, "predicted": markup.markdown_text(short[predicted[rank - 1]]) if rank <= len(predicted)
             else "—", "real": markup.markdown_text(short[name]),
             "match": "✓" if rank <= len(predicted) and predicted[rank - 1] == name else ""}
            for rank, name in enumerate(real, start=1)]  # fmt: skip
    right = sum(row["match"] == "✓" for row in rows)
    st.markdown(f"**Your prediction beside the real ranking** (lowest final loss first): {right} of {len(real)} "
                "in the right place.")
    with st.container(key="prediction"):
        st.table(rows, hide_index=True, width="content")


# ---- the builder, in Export & share ----------------------------------------------------------------

def _scenario_name(slug: str) -> str:
    return next(preset.name for preset in ALL_PRESETS if preset.slug == slug)


def builder(config: Config, view: View) -> None:
    """"Make a lesson link": a note, the parts to hide, predict first, and steps (scenarios, and this page's
    own pages added one by one); shows the link to copy, and the lesson file when it has pages of its own."""
    st.markdown("**Make a lesson link**: a note for the class, the parts of the page to hide, the loss held "
                "back until the class has predicted it, and several steps.")
    link = lesson_link()
    with st.container(border=True, key="lesson_builder"):
        note = st.text_area("Note for the class, above the charts on every step (plain text: no links, no images)",
                            value=link.note, max_chars=MAX_NOTE, key="lb_note", height=100)
        hide = st.multiselect("Hide these parts of the page", list(HIDEABLE), default=list(link.hide),
                              format_func=lambda name: f"{name}: {HIDEABLE[name]}", key="lb_hide")
        columns = st.columns(2)
        predict = columns[0].toggle("Predict first: the loss waits behind 'Reveal the loss'",
                                    value=not link.reveal, key="lb_predict")
        present = columns[1].toggle("Presentation mode", value=view.present, key="lb_present")
        pages = _own_pages(config, view)
        slugs = st.multiselect("Steps: scenarios in the order to show them, after the pages added above "
                               "(none, and no page added: the lesson is this page)",
                               [preset.slug for preset in ALL_PRESETS], format_func=_scenario_name, key="lb_steps")
    steps = pages + [{"preset": slug} for slug in slugs]
    lesson = plan.pack({"lrviz_lesson": 1, "steps": steps}) if pages else plan.read_lesson(",".join(slugs))[0]
    built = LessonLink(note=clean_note(note)[0], reveal=not predict,
                       hide=tuple(name for name in HIDEABLE if name in hide), lesson=lesson)
    if lesson:  # each step brings its own page
        own = {"present": "1"} if present else {}
    else:  # the lesson opens on the charts, not on this builder
        own = {**to_query(config), **replace(view, present=present, section=View().section).to_query()}
    url = link_to({**own, **built.to_query()})
    st.markdown("The lesson's link, to copy:")
    st.code(url, language=None, wrap_lines=True)
    columns = st.columns(2)
    columns[0].link_button("Open the lesson in a new tab", url, icon=":material/open_in_new:")
    if pages:
        body = {"lrviz_lesson": 1, "steps": steps, "note": built.note, "hide": list(built.hide),
                "reveal": built.reveal}
        columns[1].download_button("Lesson file (JSON)", json.dumps(body, indent=2, ensure_ascii=False),
                                   file_name="lrviz-lesson.json", mime="application/json", on_click="ignore",
                                   icon=":material/school:", key="lesson_json")
    lesson_loader()


def _own_pages(config: Config, view: View) -> list[dict]:
    """The pages a teacher collects: this page as it is now, with a title and a note of its own."""
    pages = ui.state().setdefault("lesson_pages", [])
    columns = st.columns([1, 2])
    title = columns[0].text_input("Title of this page as a step", max_chars=MAX_TITLE, key="lb_title")
    note = columns[1].text_input("Its own note", max_chars=MAX_NOTE, key="lb_step_note")
    page = {"title": title or f"Step {len(pages) + 1}", "note": clean_note(note)[0],
            "experiment": json.loads(to_json(config))["experiment"], "schedules": list(config.schedules),
            "view": replace(view, present=False, section=View().section).to_query()}
    columns = st.columns(2)
    columns[0].button("Add this page as a step", on_click=pages.append, args=(page,), icon=":material/add:",
                      key="lb_add")
    columns[1].button("Clear the pages", on_click=pages.clear, disabled=not pages, icon=":material/delete:",
                      key="lb_clear")
    if pages:
        st.caption("Pages added: " + "; ".join(f"{number}. {markup.markdown_text(page['title'], MAX_TITLE)}"
                                               for number, page in enumerate(pages, 1)))
    return list(pages)


def lesson_loader() -> None:
    """Open a lesson file (the builder's download, or one written by hand): its first step, its settings."""
    st.file_uploader("Open a lesson file (JSON)", type=["json"], key="lesson_upload", on_change=_open_lesson_file)
    if error := ui.state().pop("lesson_error", None):
        st.error(markup.markdown_text(error, 400), icon=":material/error:")


def _open_lesson_file() -> None:
    # a callback: the step's view sets widgets, which only a callback (before they are drawn) may do
    upload = st.session_state.get("lesson_upload")
    if upload is None:
        return
    try:
        settings, _, dropped = plan.read_file(upload.getvalue())
    except SpecError as error:
        ui.state()["lesson_error"] = str(error)
        return
    link, more = plan.from_query({key: [value] for key, value in settings.items()})
    ui.state()["lesson_link"] = link
    for done in ("revealed", "predictions"):  # another lesson: its steps have not been revealed yet
        ui.state().pop(done, None)
    open_step(0)
    ui.state()["notices"] = dropped + more
