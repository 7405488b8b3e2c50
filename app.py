"""lrviz: compare learning-rate schedules by really training a model with each one."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st
import streamlit.components.v1 as components

from lrviz import figures, landscape, markup, replay, ui
from lrviz.cache import TrainingCache
from lrviz.config import Config, from_json, from_query, to_json, to_query
from lrviz.experiment import (
    EXPERIMENT_PARAMS,
    MAX_EPOCHS,
    MAX_SAMPLES,
    MAX_SCHEDULES,
    MAX_STEPS,
    TRUE_WEIGHTS,
    Experiment,
)
from lrviz.legend import legend_html
from lrviz.limits import check_rows
from lrviz.names import EQUIVALENTS
from lrviz.page_style import DROPPED_LINK_CHECK, PRESENT_STYLE, STYLE
from lrviz.params import SpecError
from lrviz.plain_figure import frozen, table
from lrviz.presets import LANDING, LANDING_PRESET, PRESETS
from lrviz.range_test import RangeTest, range_test
from lrviz.registry import REGISTRY
from lrviz.results import Result
from lrviz.schedule import MAX_SPEC_LENGTH, parse, resolve
from lrviz.script import script
from lrviz.view import AXES, LOSS_VIEWS, SECTIONS, View, without_view
from lrviz.view import from_query as view_from_query

DEFAULT = LANDING  # a scenario where the schedules differ in the raw loss; the tutorial is a preset
PROGRESS_WORK = 400_000  # optimizer steps × schedules above which a progress bar is shown


@st.cache_resource
def training_cache() -> TrainingCache:
    """One cache for every session; the first run also pays torch's one-time start-up cost."""
    cache = TrainingCache()
    cache.run(["StepLR()"], Experiment.create(samples=20, epochs=1))
    return cache


@st.cache_data(max_entries=32)
def lr_range_test(experiment: Experiment, start_lr: float, end_lr: float, num_steps: int) -> RangeTest:
    return range_test(experiment, start_lr=start_lr, end_lr=end_lr, num_steps=num_steps)


@st.cache_data(max_entries=64)
def runnable_script(schedule_text: str, experiment: Experiment) -> str:
    return script(schedule_text, experiment)


def load_first_visit() -> None:
    """A shared link opens the exact page it was made from; anything invalid in it is reported."""
    s = ui.state()
    if s.get("loaded"):
        return
    s["loaded"] = True
    link = {key: st.query_params.get_all(key) for key in st.query_params}
    view, view_dropped = view_from_query(link)
    query = without_view(link)
    config, dropped = from_query(query) if query else (DEFAULT, [])
    if query and not config.schedules and not dropped:
        config.schedules = DEFAULT.schedules
    ui.apply_config(config)
    ui.apply_view(view)
    s["notices"] = dropped + view_dropped
    s["check_dropped_link"] = not link  # an oversized link reaches the script empty: the browser can tell
    if not query:
        s["preset_note"] = f"**{LANDING_PRESET.name}.** {LANDING_PRESET.note}"


def header() -> None:
    st.html(STYLE)
    if ui.state().pop("check_dropped_link", False):
        components.html(DROPPED_LINK_CHECK, height=0)
    st.title("lrviz · learning-rate schedules, really trained")
    st.markdown(
        "Pick schedules in the sidebar and tune them. Each one trains the same model on the same data "
        "with the same initial weights and batch order (the PyTorch tutorial's linear model; the scenarios in the "
        "sidebar stretch its features or add label noise so that schedules differ), using the real "
        "`torch.optim.lr_scheduler` class, so the only difference between the curves below is "
        "the schedule. Hover to compare values; export everything as CSV, JSON or a link."
    )
    with st.expander("How to read the charts"):
        st.markdown(
            "- **Learning rate** at epoch *n* is the lr the optimizer *used* during epoch *n*. Tutorials that "
            "print `scheduler.get_last_lr()` after `scheduler.step()` show the lr of the *next* epoch.\n"
            "- **Vertical lines** mark where a schedule jumps or restarts: milestones, step decays, warm restarts, "
            "the end of a warm-up or of OneCycleLR's rise. Each schedule's lines have their own dash and a mark "
            "in their own row above the plot, so two schedules' lines at the same step both show.\n"
            "- **Loss above the optimum**: the linear model's best possible training loss (least squares) is "
            "subtracted, so the log axis shows what each schedule still has to learn. Early on a large lr "
            "makes fast progress; at the end, a decayed lr settles closer to the optimum than a constant one.\n"
            "- **x axis per step** shows every optimizer step: the lr of schedules stepped per batch, and each "
            "mini-batch's loss (faint) beside the loss on the whole training set."
        )
    for notice in ui.state().pop("notices", []):
        st.warning(f"Not loaded: {markup.markdown_text(notice, 400)}", icon=":material/warning:")


def preset_picker() -> None:
    def load(name: str) -> None:
        ui.apply_config(PRESETS[name][1])
        description = markup.markdown_text(PRESETS[name][0], limit=2000)
        ui.state()["preset_note"] = f"**{markup.markdown_text(name)}.** {description}"

    st.selectbox("Scenarios and presets", list(PRESETS), index=None, key="preset",
                 on_change=ui.consume, args=("preset", load), placeholder="Load a preset…")
    if note := ui.state().get("preset_note"):
        st.caption(note)


def experiment_section() -> Experiment | None:
    experiment, errors = ui.experiment_of()
    box = st.expander("Experiment: data, model, optimizer", expanded=bool(errors), key="experiment_open",
                      on_change="rerun")
    if box.open:  # closed, its two dozen widgets would still cost every rerun: they are built when it opens
        with box:
            ui.params_editor(EXPERIMENT_PARAMS, ui.state()["experiment"], Experiment().context(), None, errors)
    return experiment


def schedule_editor(slot: ui.Slot, experiment: Experiment, color: str | None) -> ui.Resolved | None:
    ctx = experiment.context()
    resolved, errors = ui.schedule_of(slot, experiment)
    label = markup.markdown_text(ui.written_schedule(slot))
    first = ui.state()["slots"][0]["id"] == slot["id"]
    with st.expander(label, expanded=first or not resolved,
                     icon=":material/show_chart:" if resolved else ":material/error:"):
        if color:
            st.html(f"<div style='height:4px;border-radius:2px;background:{color}'></div>")
        ui.name_picker(slot, list(REGISTRY))
        spec = REGISTRY[slot["name"]]
        own_ctx = ctx.with_parts(len(slot["children"])) if spec.composite else ctx
        ui.params_editor(spec.params, slot["params"], own_ctx, slot["id"], errors)
        if spec.composite:
            parts_editor(slot, ui.part_contexts(slot, ctx))
        if "" in errors:
            st.error(errors[""], icon=":material/error:")
        left, right = st.columns(2)
        left.button("Duplicate", key=f"dup{slot['id']}", on_click=ui.duplicate_slot, args=(slot["id"],),
                    icon=":material/content_copy:", width="stretch")
        right.button("Remove", key=f"del{slot['id']}", on_click=ui.remove_slot, args=(slot["id"],),
                     icon=":material/delete:", width="stretch")
    return resolved


def parts_editor(slot: ui.Slot, contexts: list) -> None:
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


def schedules_section(experiment: Experiment | None) -> list[ui.Resolved]:
    st.subheader("Schedules")
    slots = ui.state()["slots"]
    if experiment is None:
        st.info("Fix the experiment settings above to edit the schedules.")
        return []
    resolved, colors = [], figures.palette(len(slots))
    for slot in list(slots):
        item = schedule_editor(slot, experiment, colors[len(resolved)] if len(resolved) < len(colors) else None)
        if item is not None:
            resolved.append(item)
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
            pasted_schedule = parse(code)
            resolve(pasted_schedule, experiment.context())
        except SpecError as error:
            st.error(markup.markdown_text(error), icon=":material/error:")
            return
        ui.add_schedule(code)
        ui.state()["pasted"] = str(pasted_schedule)
        st.rerun()
    if ui.state().get("pasted"):
        st.code(ui.state()["pasted"], language="python", wrap_lines=True)


def train(resolved: list[ui.Resolved], experiment: Experiment) -> Result | None:
    if not resolved:
        return None
    texts = [str(item.schedule) for item in resolved]
    bar = st.progress(0.0, "Training…") if experiment.total_steps * len(texts) > PROGRESS_WORK else None
    try:
        return training_cache().run(texts, experiment, progress=bar.progress if bar else None)
    except SpecError as error:  # e.g. a formula that fails at some epoch: shown, not raised
        st.error(markup.markdown_text(error, 400), icon=":material/error:")
        return None
    finally:
        if bar:
            bar.empty()


def chart_options(result: Result) -> tuple[str, str, bool, bool, bool]:
    options = st.columns([1, 1, 0.8, 0.8, 1.2])
    # their values start from the view (a link's, or the last one): see ui.keep_view
    per = options[0].segmented_control("x axis", list(AXES), key="x")
    if result.optimal_loss is not None:
        view = options[1].segmented_control("loss", list(LOSS_VIEWS.values()), key="loss_view")
    else:  # no optimum to subtract (classification): the choice is kept for when there is one again
        view = "raw"
        options[1].caption("loss: raw (this data set has no known optimum)")
    log_lr = options[2].toggle("log lr", key="log_lr")
    log_loss = options[3].toggle("log loss", key="log_loss")
    present = options[4].toggle("Presentation mode", key="present", help="For a projector: full-width charts "
                                "one under the other, with text large enough to read from the back of the room.")
    return per, view, log_lr, log_loss, present


def charts(result: Result) -> None:
    per, view, log_lr, log_loss, present = chart_options(result)
    legend = legend_html(figures.legend_labels(result), figures.palette(len(result.labels)), present)
    st.html((PRESENT_STYLE if present else "") + legend)
    # presenting, each chart takes the page's width, one under the other (so does a phone, in this order)
    left, right = (st.container(), st.container()) if present else st.columns(2)
    left.plotly_chart(frozen(figures.lr_figure, result, per, log_lr, present), key="lr_chart",
                      config=figures.PLOTLY_CONFIG)
    right.plotly_chart(frozen(figures.loss_figure, result, per, log_loss, excess=view == "above optimum",
                              present=present),
                       key="loss_chart", config=figures.PLOTLY_CONFIG)
    if momentum := frozen(figures.momentum_figure, result, per, present):
        (st.container() if present else st.columns(2)[0]).plotly_chart(momentum, key="momentum_chart",
                                                                        config=figures.PLOTLY_CONFIG)
    if present:  # a table of text scales with the page; the data grid's small print does not
        summary = figures.summary_table(result)
        st.table(summary.assign(schedule=summary["schedule"].map(markup.markdown_text)), hide_index=True)
    else:
        st.dataframe(frozen(figures.summary_table, result), hide_index=True, width="stretch")


def teaching(result: Result) -> None:
    positions = list(range(len(result.labels)))
    position = ui.schedule_picker("Explain", positions, [markup.shorten(label) for label in result.labels],
                                  ui.current_view().explained, key="explain")
    ui.set_view(explained=position)
    item = result.resolved[position]
    spec = item.spec
    st.markdown(f"**{spec.name}**: {spec.explain}")
    st.latex(spec.formula)
    if spec.note:
        st.warning(spec.note, icon=":material/lightbulb:")
    rows = [{"parameter": p.name, "value used": repr(item.params[p.name]), "range": p.describe_range(item.ctx),
             "what it does": p.help} for p in spec.params]
    if rows:
        st.dataframe(table(rows), hide_index=True, width="stretch")
    names = EQUIVALENTS.get(spec.name)
    if names:
        st.markdown("**The same schedule in other libraries**")
        rows = [{"library": library, "equivalent": getattr(names, key) or "—"} for library, key in
                (("Keras", "keras"), ("Hugging Face transformers", "transformers"), ("timm", "timm"),
                 ("optax", "optax"))]
        st.dataframe(table(rows), hide_index=True, width="stretch")
        if names.note:
            st.caption(names.note)
    st.markdown("**A complete PyTorch script** that trains this run and prints the lr of every epoch, "
                "the same numbers as the charts:")
    code = runnable_script(str(item.schedule), result.experiment)
    st.code(code, language="python", line_numbers=True, height=420)
    st.download_button("Download the script", code, file_name=f"train_{spec.name.lower()}.py",
                       mime="text/x-python", on_click="ignore", icon=":material/code:", key="script_py")


def landscape_section(result: Result) -> None:
    if result.experiment.dataset != "linear":
        st.info("The loss landscape is drawn for the linear-regression dataset (two weights and a bias).")
        return
    window = landscape.default_window(result)
    figure = replay.replay_figure(result, window, landscape.trajectories(result), TRUE_WEIGHTS)
    st.plotly_chart(figure, key="replay_chart")
    st.caption("Each line is a run's path through the two weights, step by step, from the shared starting "
               "point; the ellipses are the loss's contours, on equal scales, so a narrow valley looks narrow. "
               "Press ▶ Play (or Slow, or Fast) or drag the slider to walk through training step by step: the "
               "markers move along the path, the lr and the loss together. A large lr zig-zags across the "
               "valley; a decayed one settles into it.")


def range_test_section(experiment: Experiment) -> None:
    st.markdown("The learning-rate finder (Smith 2015, fastai's `lr_find`): train the same model for a few "
                "batches while the lr grows exponentially, and watch where the loss falls fastest and where "
                "it blows up. Use it to pick `max_lr` for OneCycleLR or CyclicLR.")
    options = st.columns(3)
    grid = [10.0**e for e in range(-8, 2)]
    start = options[0].select_slider("start lr", grid, value=1e-7, format_func=lambda v: f"{v:g}", key="rt_start")
    end = options[1].select_slider("end lr", grid, value=10.0, format_func=lambda v: f"{v:g}", key="rt_end")
    steps = options[2].slider("batches", 20, 400, 100, key="rt_steps")
    if end <= start:
        st.error("end lr must be above start lr", icon=":material/error:")
        return
    test = lr_range_test(experiment, start, end, steps)
    suggestions = {"steepest descent": test.steepest, "minimum / 10": test.min_over_ten}
    st.plotly_chart(figures.range_test_figure(test, suggestions, st.session_state.get("present", False)),
                    key="range_chart", config=figures.PLOTLY_CONFIG)
    if test.stopped_early:
        st.caption(f"The sweep stopped at lr {test.lrs[-1]:.3g}, after {len(test.lrs)} of {steps} batches: the "
                   "loss blew up, far above its best: larger lrs would only diverge.")
    use = st.columns([2, 3, 2], vertical_alignment="bottom")
    which = use[0].radio("suggestion", list(suggestions), key="rt_which",
                         format_func=lambda name: f"{name}: {suggestions[name]:.3g}")
    value = float(f"{suggestions[which]:.2g}")
    # options are slot ids, not slots: a slot's text changes when max_lr is applied, and options that
    # change give the picker a new identity, so it used to fall back to the first schedule one apply late
    targets = {slot["id"]: slot for slot in ui.state()["slots"]
               if "max_lr" in {p.name for p in REGISTRY[slot["name"]].params}}  # fmt: skip
    if targets:
        with use[1]:
            target = ui.schedule_picker("schedule", list(targets),
                                        [markup.shorten(ui.written_schedule(slot)) for slot in targets.values()],
                                        ui.state().get("rt_target"), key="rt_target")
        ui.state()["rt_target"] = target
        use[2].button(f"Use {value:g} as max_lr", on_click=ui.apply_max_lr, args=(target, value),
                      icon=":material/arrow_forward:", key="rt_use")
        if (applied := ui.state().get("applied")) and applied[0] in targets:
            st.success(f"{markup.markdown_text(ui.written_schedule(targets[applied[0]]))} now uses max_lr = "
                       f"{applied[1]:g}", icon=":material/check:")
    else:
        use[1].caption("No schedule with a max_lr yet.")
        use[2].button(f"Add OneCycleLR(max_lr={value:g})", on_click=ui.add_schedule,
                      args=(f"OneCycleLR(max_lr={value!r})",), icon=":material/add:", key="rt_add")


def section_switcher() -> str:
    """Buttons, not tabs: a section opens when the button is released, and the section's body keeps
    a minimum height, so the page does not move under the pointer while a person clicks."""
    return st.segmented_control("Section", list(SECTIONS.values()), key="section", label_visibility="collapsed",
                                width="stretch") or SECTIONS["how"]


def export(result: Result, config: Config) -> None:
    stem = "lrviz-" + "-".join(item.schedule.name for item in result.resolved)[:60]
    columns = st.columns(3)
    columns[0].download_button("CSV, per epoch", lambda: result.frame("epoch").to_csv(index=False),
                               file_name=f"{stem}-epochs.csv", mime="text/csv", on_click="ignore",
                               icon=":material/download:", key="csv_epoch")
    try:
        check_rows(len(result.labels), result.experiment)
        too_long = None
    except SpecError as error:
        too_long = str(error)
    columns[1].download_button("CSV, per step", lambda: result.frame("step").to_csv(index=False),
                               file_name=f"{stem}-steps.csv", mime="text/csv", on_click="ignore",
                               icon=":material/download:", key="csv_step", disabled=too_long is not None,
                               help=too_long)
    columns[2].download_button("Configuration (JSON)", to_json(config), file_name="lrviz-config.json",
                               mime="application/json", on_click="ignore", icon=":material/settings:",
                               key="config_json")
    st.markdown("**Share this page**: the link holds the whole configuration.")
    st.code(share_link(config, ui.current_view()), language=None, wrap_lines=True)


def config_loader() -> None:
    upload = st.file_uploader("Load a configuration (JSON)", type=["json"], key="upload")
    if upload is not None and ui.state().get("upload_id") != upload.file_id:
        ui.state()["upload_id"] = upload.file_id
        try:
            config, dropped = from_json(upload.getvalue())
        except SpecError as error:
            st.error(markup.markdown_text(error, 400), icon=":material/error:")
            return
        ui.apply_config(config)
        ui.state()["notices"] = dropped
        st.rerun()


def current_config(experiment: Experiment | None, resolved: list[ui.Resolved]) -> Config:
    options = experiment.options() if experiment else dict(ui.state()["experiment"])
    return Config(options, [str(item.schedule) for item in resolved])


def share_link(config: Config, view: View) -> str:
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return f"{base}?{urlencode({**to_query(config), **view.to_query()}, doseq=True)}"


def sync_url(config: Config, view: View) -> None:
    """Keep the address bar equal to the page, so copying it shares the page as it is seen."""
    query = {**to_query(config), **view.to_query()}
    if json.dumps(query, sort_keys=True) != ui.state().get("synced"):
        st.query_params.from_dict(query)
        ui.state()["synced"] = json.dumps(query, sort_keys=True)


st.set_page_config(page_title="lrviz · learning-rate schedules", page_icon="📉", layout="wide")
load_first_visit()
ui.keep_view()
header()
with st.sidebar:
    preset_picker()
    experiment = experiment_section()
    resolved = schedules_section(experiment)
    paste_code_box(experiment)
result = train(resolved, experiment) if experiment else None
if result is None:
    st.info("Add a valid schedule in the sidebar to see its curves.", icon=":material/info:")
else:
    charts(result)
config = current_config(experiment, resolved)
section = section_switcher()
# only the open section is computed: the landscape and the range test cost more than a slider move should
with st.container(key="section_body"):
    if section == SECTIONS["how"] and result is not None:
        teaching(result)
    elif section == SECTIONS["landscape"] and result is not None:
        landscape_section(result)
    elif section == SECTIONS["range"] and experiment is not None:
        range_test_section(experiment)
    elif section == SECTIONS["export"]:
        if result is not None:
            export(result, config)
        config_loader()
if experiment is not None:
    sync_url(config, ui.current_view())
