"""The sidebar: scenarios and presets, the experiment, one editor per schedule, and the paste box."""

from __future__ import annotations

import streamlit as st

from lrviz.page import editors, lesson, story
from lrviz.page import widgets as ui
from lrviz.page.defines import define_boxes, read_pasted
from lrviz.page.real_run import editor_warnings
from lrviz.schedules import markup
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.schedules.schedule import MAX_SPEC_LENGTH, Resolved, reading_notes
from lrviz.training.experiment import EXPERIMENT_PARAMS, MAX_EPOCHS, MAX_SAMPLES, MAX_SCHEDULES, MAX_STEPS, Experiment
from lrviz.training.presets import ALL_PRESETS, PRESETS


def preset_picker() -> None:
    by_name = {preset.name: preset for preset in ALL_PRESETS}
    shown, changed = story.loaded()  # the box says what is loaded; its story stands above the charts
    placeholder = f"Loaded: {shown.title}{' (changed)' if changed else ''}" if shown else "Load a preset…"
    st.selectbox("Scenarios and presets", list(PRESETS), index=None, key="preset",
                 on_change=ui.consume, args=("preset", lambda name: story.load(by_name[name])),
                 placeholder=placeholder)


def experiment_section() -> Experiment | None:
    experiment, errors = ui.experiment_of()
    box = st.expander("Experiment: data, model, optimizer", expanded=bool(errors), key="experiment_open",
                      on_change="rerun")
    if box.open:  # closed, its two dozen widgets would still cost every rerun: they are built when it opens
        with box:
            ui.params_editor(EXPERIMENT_PARAMS, ui.state()["experiment"], Experiment().context(), None, errors)
    return experiment


def schedule_editor(slot: ui.Slot, experiment: Experiment, color: str) -> Resolved | None:
    ctx = experiment.context()
    resolved, errors = ui.schedule_of(slot, experiment)
    # two lines of the sidebar at most, cut at a word: a pasted lambda made a five-line label cut mid-word
    label = markup.markdown_text(short_label(str(ui.written_schedule(slot))))
    if not resolved:
        editors.keep_open(slot["id"])
    # keyed and not tracked by the server, the expander is one block whatever its label: Streamlit names a
    # tracked one by its label too, and a new name redraws it, which took the focus from the slider under the hand
    with st.expander(label, key=f"editor{slot['id']}", expanded=editors.is_open(slot["id"]),
                     icon=":material/show_chart:" if resolved else ":material/error:"):
        if resolved:
            st.html(f"<div style='height:4px;border-radius:2px;background:{color}'></div>")
        editor_warnings(resolved, experiment)  # at the top, where the hand is: what does not fit the run
        ui.name_picker(slot, list(REGISTRY))
        spec = REGISTRY[slot["name"]]
        own_ctx = ctx.with_parts(len(slot["children"])) if spec.composite else ctx
        ui.params_editor(spec.params, slot["params"], own_ctx, slot["id"], errors)
        if spec.composite:
            parts_editor(slot, ui.part_contexts(slot, ctx))
        if "" in errors:
            st.error(markup.markdown_text(errors[""], 400), icon=":material/error:")  # a part's error quotes user text
        left, right = st.columns(2)
        left.button("Duplicate", key=f"dup{slot['id']}", on_click=ui.duplicate_slot, args=(slot["id"],),
                    icon=":material/content_copy:", width="stretch")
        right.button("Remove", key=f"del{slot['id']}", on_click=ui.remove_slot, args=(slot["id"],),
                     icon=":material/delete:", width="stretch")
    return resolved


LABEL_CHARS = 64


def short_label(text: str) -> str:
    """A schedule as its editor is labelled: at most LABEL_CHARS characters, cut at a word."""
    if len(text) <= LABEL_CHARS:
        return text
    cut = text[:LABEL_CHARS - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut[LABEL_CHARS // 2:] else cut) + "…"


def parts_editor(slot: ui.Slot, contexts: list[RunContext]) -> None:
    """The schedules a SequentialLR or ChainedScheduler is made of, built in the page."""
    simple = [name for name, spec in REGISTRY.items() if not spec.composite and not spec.needs_metric]
    for number, (child, ctx) in enumerate(zip(slot["children"], contexts, strict=True), start=1):
        st.markdown(f"**Part {number}**")
        ui.name_picker(child, simple, label=f"part {number}")
        child_spec = REGISTRY[child["name"]]
        _, errors = ui.checked(child_spec.params, child["params"], ctx)
        ui.params_editor(child_spec.params, child["params"], ctx, child["id"], errors)
        st.button("Remove part", key=f"del{child['id']}", on_click=ui.remove_slot, args=(child["id"],),
                  disabled=len(slot["children"]) <= 1, icon=":material/remove:")
    st.button("Add part", key=f"add{slot['id']}", icon=":material/add:", on_click=ui.add_part, args=(slot["id"],))


def schedules_section(experiment: Experiment | None) -> list[Resolved]:
    st.subheader("Schedules")
    slots = ui.state()["slots"]
    if experiment is None:
        st.info("Fix the experiment settings above to edit the schedules.")
        return []
    resolved, drawn = [], []
    for slot in list(slots):
        if (item := schedule_editor(slot, experiment, editors.color(slot["id"]))) is not None:
            resolved.append(item)
            drawn.append(slot["id"])
    editors.remember_drawn(drawn)
    if lesson.shown("add"):
        st.selectbox("Add a schedule", list(REGISTRY), index=None, placeholder="Add a schedule…",
                     format_func=lambda name: f"{name} — {REGISTRY[name].summary}", key="add_schedule",
                     on_change=ui.consume, args=("add_schedule", lambda name: ui.add_schedule(f"{name}()")),
                     disabled=len(slots) >= MAX_SCHEDULES)
    st.caption(f"Limits: {MAX_SCHEDULES} schedules, {MAX_EPOCHS:,} epochs, {MAX_SAMPLES:,} samples, "
               f"{MAX_STEPS:,} steps per run.")
    return resolved


def paste_code_box(experiment: Experiment | None) -> None:
    """The scheduler lines of a training script, read (never run) and added as their canonical spec."""
    with st.form("paste", border=False):  # the pasted text stays in the box, whatever happens
        code = st.text_area("Paste code", key="paste_code", height=110, max_chars=MAX_SPEC_LENGTH,
                            placeholder="scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, "
                                        "gamma=0.1)",
                            help="Scheduler lines from a training script: lambdas, module paths, several "
                                 "schedulers by name. lrviz reads them and never runs them; the last one is added.")
        pasted = st.form_submit_button("Add pasted schedule", disabled=experiment is None
                                       or len(ui.state()["slots"]) >= MAX_SCHEDULES)
    if pasted:
        try:
            pasted_schedule = read_pasted(code, experiment)
        except SpecError as error:
            st.error(markup.markdown_text(error), icon=":material/error:")
            define_boxes()
            return
        ui.add_schedule(str(pasted_schedule))  # the canonical text: the numbers filled in stay in the link
        ui.state()["pasted"] = str(pasted_schedule)
        ui.state()["pasted_notes"] = reading_notes(pasted_schedule, experiment.context())
        st.rerun()
    define_boxes()
    if ui.state().get("pasted"):
        with st.container(key="pasted_code"):  # its copy button gets a margin of its own (style.py)
            st.code(ui.state()["pasted"], language="python", wrap_lines=True)
        for note in ui.state().get("pasted_notes", []):  # how the code was read: a branch, the lambda's counter
            st.caption(markup.markdown_text(note, 300))
