"""The sections under the charts, one open at a time: how the schedule works (with a runnable script), the loss
landscape with its replay, the learning-rate range test, and export & share."""

from __future__ import annotations

import re

import streamlit as st

from lrviz.page import editors, figures
from lrviz.page import widgets as ui
from lrviz.page.link import share_link
from lrviz.page.plain_figure import table
from lrviz.page.replay import replay_figure
from lrviz.page.view import SECTIONS
from lrviz.schedules import markup
from lrviz.schedules.names import EQUIVALENTS
from lrviz.schedules.params import SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.training import landscape
from lrviz.training.config import Config, from_json, to_json
from lrviz.training.experiment import TRUE_WEIGHTS, Experiment
from lrviz.training.limits import check_range_test, check_rows
from lrviz.training.range_test import RangeTest, range_test
from lrviz.training.results import Result
from lrviz.training.script import script

LIBRARIES = (("Keras", "keras"), ("Hugging Face transformers", "transformers"), ("timm", "timm"), ("optax", "optax"))


@st.cache_data(max_entries=32)
def lr_range_test(experiment: Experiment, start_lr: float, end_lr: float, num_steps: int) -> RangeTest:
    return range_test(experiment, start_lr=start_lr, end_lr=end_lr, num_steps=num_steps)


@st.cache_data(max_entries=64)
def runnable_script(schedule_text: str, experiment: Experiment) -> str:
    return script(schedule_text, experiment)


def section_switcher(labels: list[str] | None = None) -> str:
    """Buttons, not tabs: a section opens when the button is released, and the section's body keeps
    a minimum height, so the page does not move under the pointer while a person clicks. `labels`: the
    sections shown (a lesson may hide some)."""
    labels = labels or list(SECTIONS.values())
    return st.segmented_control("Section", labels, key="section", label_visibility="collapsed",
                                width="stretch") or labels[0]


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
        rows = [{"library": library, "equivalent": getattr(names, key) or "—"} for library, key in LIBRARIES]
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
    figure = replay_figure(result, window, landscape.trajectories(result), TRUE_WEIGHTS,
                           colors=editors.chart_colors(len(result.labels)), present=ui.current_view().present)
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
    try:
        check_range_test(experiment, steps)  # the estimate, before the cached sweep does any work
    except SpecError as error:
        st.error(f"Not run: {error}. The batches slider sets how many.", icon=":material/timer_off:")
        return
    test = lr_range_test(experiment, start, end, steps)
    suggestions = {"steepest descent": test.steepest, "minimum / 10": test.min_over_ten}
    st.plotly_chart(figures.range_test_figure(test, suggestions, st.session_state.get("present", False)),
                    key="range_chart", config=figures.PLOTLY_CONFIG)
    if test.stopped_early:
        st.caption(f"The sweep stopped at lr {test.lrs[-1]:.3g}, after {len(test.lrs)} of {steps} batches: the "
                   "loss blew up, far above its best: larger lrs would only diverge.")
    use_suggestion(suggestions)


def use_suggestion(suggestions: dict[str, float]) -> None:
    """Apply the range test's suggestion as a schedule's max_lr, or add a OneCycleLR with it."""
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


def file_stem(names: list[str], limit: int = 60) -> str:
    """A download's file name without its suffix: "lrviz-" and the schedules' names, each once, cut at a
    whole name with "-and-N-more" (a name cut in the middle reads as another), safe on every file system."""
    safe = list(dict.fromkeys(re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_") or "schedule" for name in names))
    for count in range(len(safe), 0, -1):
        rest = len(safe) - count
        stem = "-".join(["lrviz", *safe[:count]]) + (f"-and-{rest}-more" if rest else "")
        if len(stem) <= limit:
            return stem
    more = f"-and-{len(safe) - 1}-more" if len(safe) > 1 else ""  # one name longer than the limit
    return f"lrviz-{safe[0]}"[:max(limit - len(more), 6)] + more if safe else "lrviz"


def export(result: Result, config: Config) -> None:
    stem = file_stem([item.schedule.name for item in result.resolved])
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
