"""lrviz: compare learning-rate schedules by really training a model with each one."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from lrviz import figures, landscape, ui
from lrviz.cache import TrainingCache
from lrviz.config import Config, from_json, from_query, to_json, to_query
from lrviz.experiment import EXPERIMENT_PARAMS, MAX_SCHEDULES, TRUE_WEIGHTS, Experiment
from lrviz.limits import check_rows
from lrviz.names import EQUIVALENTS
from lrviz.params import SpecError
from lrviz.plain_figure import frozen, table
from lrviz.presets import PRESETS
from lrviz.range_test import RangeTest, range_test
from lrviz.registry import REGISTRY
from lrviz.results import Result
from lrviz.script import script

DEFAULT = Config({"epochs": 20}, ["ExponentialLR(gamma=0.9)", "StepLR(step_size=4, gamma=0.9)",
                                  "LinearLR(start_factor=0.5, total_iters=4)", "OneCycleLR()"])
SECTIONS = ["How it works", "Landscape & replay", "LR range test", "Export & share"]
PROGRESS_WORK = 400_000  # optimizer steps × schedules above which a progress bar is shown


@st.cache_resource
def training_cache() -> TrainingCache:
    """One cache for every session; the first run also pays torch's one-time start-up cost."""
    cache = TrainingCache()
    cache.run(["StepLR()"], Experiment.create(samples=20, epochs=1))
    return cache


@st.cache_data(max_entries=32)
def loss_landscape(experiment: Experiment, window: tuple) -> tuple:
    return landscape.loss_grid(experiment, *window, resolution=90)


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
    query = {key: st.query_params.get_all(key) for key in st.query_params}
    config, dropped = from_query(query) if query else (DEFAULT, [])
    if query and not config.schedules and not dropped:
        config.schedules = DEFAULT.schedules
    ui.apply_config(config)
    s["notices"] = dropped


STYLE = """<style>
@media (min-width: 900px) { section[data-testid="stSidebar"] { width: 400px !important; } }
.block-container { padding-top: 2.5rem; }
</style>"""


def header() -> None:
    st.html(STYLE)
    st.title("lrviz · learning-rate schedules, really trained")
    st.markdown(
        "Pick schedules in the sidebar and tune them. Each one trains the same model on the same data "
        "with the same initial weights and batch order (the PyTorch tutorial's linear regression by default), "
        "using the real `torch.optim.lr_scheduler` class, so the only difference between the curves below is "
        "the schedule. Hover to compare values; export everything as CSV, JSON or a link."
    )
    with st.expander("How to read the charts"):
        st.markdown(
            "- **Learning rate** at epoch *n* is the lr the optimizer *used* during epoch *n*. Tutorials that "
            "print `scheduler.get_last_lr()` after `scheduler.step()` show the lr of the *next* epoch.\n"
            "- **Dotted lines** mark where a schedule jumps or restarts: milestones, step decays, warm restarts, "
            "the end of a warm-up or of OneCycleLR's rise.\n"
            "- **Loss above the optimum**: the linear model's best possible training loss (least squares) is "
            "subtracted, so the log axis shows what each schedule still has to learn. Early on a large lr "
            "makes fast progress; at the end, a decayed lr settles closer to the optimum than a constant one.\n"
            "- **x axis per step** shows every optimizer step: the lr of schedules stepped per batch, and each "
            "mini-batch's loss (faint) beside the loss on the whole training set."
        )
    for notice in ui.state().pop("notices", []):
        st.warning(f"Not loaded: {notice}", icon=":material/warning:")


def preset_picker() -> None:
    def load() -> None:
        name = st.session_state.pop("preset")
        ui.apply_config(PRESETS[name][1])
        ui.state()["preset_note"] = f"**{name}.** {PRESETS[name][0]}"

    st.selectbox("Presets from the source texts", list(PRESETS), index=None, key="preset", on_change=load,
                 placeholder="Load a preset…")
    if note := ui.state().get("preset_note"):
        st.caption(note)


def experiment_section() -> Experiment | None:
    experiment, errors = ui.experiment_of()
    with st.expander("Experiment: data, model, optimizer", expanded=bool(errors)):
        ui.params_editor(EXPERIMENT_PARAMS, ui.state()["experiment"], Experiment().context(), None, errors)
    return experiment


def schedule_editor(slot: ui.Slot, experiment: Experiment, color: str | None) -> ui.Resolved | None:
    ctx = experiment.context()
    resolved, errors = ui.schedule_of(slot, experiment)
    label = str(ui.schedule_text(slot))
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
    choice = st.selectbox("Add a schedule", list(REGISTRY), index=None, placeholder="Add a schedule…",
                          format_func=lambda name: f"{name} — {REGISTRY[name].summary}",
                          key=f"v{ui.state()['version']}.add", disabled=len(slots) >= MAX_SCHEDULES)
    if choice:
        ui.add_schedule(f"{choice}()")
        st.session_state.pop(f"v{ui.state()['version']}.add")
        st.rerun()
    st.caption(f"Limits: {MAX_SCHEDULES} schedules, 1000 epochs, 100,000 samples, 200,000 steps per run.")
    return resolved


def train(resolved: list[ui.Resolved], experiment: Experiment) -> Result | None:
    if not resolved:
        return None
    texts = [str(item.schedule) for item in resolved]
    bar = st.progress(0.0, "Training…") if experiment.total_steps * len(texts) > PROGRESS_WORK else None
    try:
        return training_cache().run(texts, experiment, progress=bar.progress if bar else None)
    except SpecError as error:  # e.g. a formula that fails at some epoch: shown, not raised
        st.error(str(error), icon=":material/error:")
        return None
    finally:
        if bar:
            bar.empty()


def charts(result: Result) -> None:
    options = st.columns([1, 1, 1, 1])
    per = options[0].segmented_control("x axis", ["epoch", "step"], key="x", default="epoch") or "epoch"
    views = ["above optimum", "raw"] if result.optimal_loss is not None else ["raw"]
    view = options[1].segmented_control("loss", views, key="loss_view", default=views[0]) or views[0]
    log_lr = options[2].toggle("log lr", key="log_lr")
    log_loss = options[3].toggle("log loss", value=True, key="log_loss")
    left, right = st.columns(2)
    left.plotly_chart(frozen(figures.lr_figure, result, per, log_lr), key="lr_chart")
    right.plotly_chart(frozen(figures.loss_figure, result, per, log_loss, excess=view == "above optimum"),
                       key="loss_chart")
    if momentum := frozen(figures.momentum_figure, result, per):
        left.plotly_chart(momentum, key="momentum_chart")
    number = st.column_config.NumberColumn(format="%.4g")
    st.dataframe(frozen(figures.summary, result), hide_index=True, width="stretch",
                 column_config={"final loss": number, "best loss": number, "final val loss": number})


def teaching(result: Result) -> None:
    label = st.selectbox("Explain", result.labels, key="explain")
    item = result.resolved[result.labels.index(label)]
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
    grid = loss_landscape(result.experiment, landscape.default_window(result))
    figure = figures.replay_figure(result, grid, landscape.trajectories(result), TRUE_WEIGHTS)
    st.plotly_chart(figure, key="replay_chart")
    st.caption("Each line is a run's path through the two weights, step by step, from the shared starting "
               "point. Press ▶ Play or drag the slider to walk through training: the markers move along the "
               "path, the lr and the loss together. A large lr overshoots and wanders around the optimum; a "
               "decayed one settles into it.")


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
    st.plotly_chart(figures.range_test_figure(test, suggestions), key="range_chart")
    use = st.columns([2, 3, 2], vertical_alignment="bottom")
    which = use[0].radio("suggestion", list(suggestions), key="rt_which",
                         format_func=lambda name: f"{name}: {suggestions[name]:.3g}")
    value = float(f"{suggestions[which]:.2g}")
    targets = [slot for slot in ui.state()["slots"] if "max_lr" in {p.name for p in REGISTRY[slot["name"]].params}]
    if targets:
        target = use[1].selectbox("schedule", targets, key="rt_target", format_func=lambda s: str(ui.schedule_text(s)))
        use[2].button(f"Use {value:g} as max_lr", on_click=ui.set_param, args=(target["id"], "max_lr", value),
                      icon=":material/arrow_forward:", key="rt_use")
    else:
        use[1].caption("No schedule with a max_lr yet.")
        use[2].button(f"Add OneCycleLR(max_lr={value:g})", on_click=ui.add_schedule,
                      args=(f"OneCycleLR(max_lr={value!r})",), icon=":material/add:", key="rt_add")


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
    st.code(share_link(config), language=None, wrap_lines=True)


def config_loader() -> None:
    upload = st.file_uploader("Load a configuration (JSON)", type=["json"], key="upload")
    if upload is not None and ui.state().get("upload_id") != upload.file_id:
        ui.state()["upload_id"] = upload.file_id
        try:
            config, dropped = from_json(upload.getvalue())
        except SpecError as error:
            st.error(str(error), icon=":material/error:")
            return
        ui.apply_config(config)
        ui.state()["notices"] = dropped
        st.rerun()


def current_config(experiment: Experiment | None, resolved: list[ui.Resolved]) -> Config:
    options = experiment.options() if experiment else dict(ui.state()["experiment"])
    return Config(options, [str(item.schedule) for item in resolved])


def share_link(config: Config) -> str:
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return f"{base}?{urlencode(to_query(config), doseq=True)}"


def sync_url(config: Config) -> None:
    """Keep the address bar equal to the page, so copying it shares the page."""
    query = to_query(config)
    if json.dumps(query, sort_keys=True) != ui.state().get("synced"):
        st.query_params.from_dict(query)
        ui.state()["synced"] = json.dumps(query, sort_keys=True)


st.set_page_config(page_title="lrviz · learning-rate schedules", page_icon="📉", layout="wide")
load_first_visit()
header()
with st.sidebar:
    preset_picker()
    experiment = experiment_section()
    resolved = schedules_section(experiment)
result = train(resolved, experiment) if experiment else None
if result is None:
    st.info("Add a valid schedule in the sidebar to see its curves.", icon=":material/info:")
else:
    charts(result)
config = current_config(experiment, resolved)
# only the open tab is computed: the landscape and the range test cost more than a slider move should
teach, landscape_tab, finder, share = st.tabs(SECTIONS, key="section", on_change="rerun")
with teach:
    if teach.open and result is not None:
        teaching(result)
with landscape_tab:
    if landscape_tab.open and result is not None:
        landscape_section(result)
with finder:
    if finder.open and experiment is not None:
        range_test_section(experiment)
with share:
    if share.open:
        if result is not None:
            export(result, config)
        config_loader()
if experiment is not None:
    sync_url(config)
