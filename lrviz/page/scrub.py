"""The page's "Sweep & scrub" section: a numeric parameter's whole slider range trained at once, then scrubbed
in the browser.

"Scrub" trains a family of values (`lrviz.training.sweep`: one stacked run per seed) and sends every curve to
the browser; the chart's own slider swaps them there, with no rerun. Beside it: the sweep chart (a metric
against the value), an lr × parameter heat map, and a button that sets the schedules' parameter to a value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import streamlit as st

from lrviz.page import sweep_figures
from lrviz.page import widgets as ui
from lrviz.schedules import markup
from lrviz.schedules.params import Param, RunContext, SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.schedules.schedule import Resolved
from lrviz.training.experiment import Experiment
from lrviz.training.sweep import EXPERIMENT, METRICS, NOT_VARIED, run_grid, run_sweep, values_between, with_value
from lrviz.training.traces import labels_for

COUNTS = (4, 32, 24)  # values in a family: least, most, default
HEAT_VALUES = 8  # per axis of the heat map
HEAT_LR_SPAN = 30.0  # the heat map's lrs run from lr / span to lr × span
_EXPERIMENT_CTX = RunContext(horizon=1)


def _numbers(resolved: list[Resolved]) -> dict[str, tuple[Param, RunContext, Any]]:
    """Every numeric parameter that can be scrubbed: (declaration, its run context, current value), by name,
    the schedules' first (from the first schedule or part that has it), then the experiment's."""
    found: dict[str, tuple[Param, RunContext, Any]] = {}

    def visit(item: Resolved) -> None:
        for param in item.spec.params:
            if param.kind in ("int", "float") and param.name not in found and item.params[param.name] is not None:
                found[param.name] = (param, item.ctx, item.params[param.name])
        for child in item.children:
            visit(child)

    for item in resolved:
        visit(item)
    return found


def family_values(param: Param, ctx: RunContext, current: float, count: int) -> list[float]:
    """`count` values across the parameter's slider range (in log space for a log parameter), open ends left out,
    rounded for an int; a missing end is a decade from the current value."""
    low, high = param.slider_range(ctx)
    scale = abs(current) or 1.0
    low = current - 10 * scale if low is None else low
    high = current + 10 * scale if high is None else high
    log = param.log and low > 0
    values = values_between(low, high, count + param.low_open + param.high_open, log)
    values = values[param.low_open:len(values) - param.high_open]
    return sorted({round(v) for v in values}) if param.kind == "int" else values


@st.cache_data(max_entries=8, show_spinner=False)
def _family(specs: tuple[str, ...], options: tuple[tuple[str, Any], ...], name: str, values: tuple[float, ...],
            seeds: int) -> tuple[dict, Any]:  # fmt: skip
    sweep, frame = run_sweep(list(specs), {name: list(values)}, seeds, **dict(options))
    return {"column": sweep.column, "values": sweep.values, "labels": sweep.labels, "log": sweep.log}, frame


@st.cache_data(max_entries=4, show_spinner=False)
def _grid(spec: str, options: tuple[tuple[str, Any], ...], name: str, values: tuple[float, ...],
          lrs: tuple[float, ...]) -> Any:  # fmt: skip
    return run_grid(spec, name, list(values), list(lrs), **dict(options))


def _set_everywhere(name: str, value: float) -> None:
    """The scrubbed value into the experiment, or into every schedule (and part) that has the parameter."""
    if name in EXPERIMENT:
        ui.set_param(None, name, value)
        return

    def visit(slots: list[dict]) -> None:
        for slot in slots:
            if any(param.name == name for param in REGISTRY[slot["name"]].params):
                ui.set_param(slot["id"], name, value)
            visit(slot["children"])

    visit(ui.state()["slots"])
    ui.state()["scrub_set"] = (name, value)


def _scrub() -> None:
    # read from the widgets, not bound when the button was drawn: a parameter picked just before is the one
    ui.state()["scrub"] = {"name": st.session_state["scrub_name"], "count": st.session_state["scrub_count"],
                           "seeds": st.session_state["scrub_seeds"]}  # fmt: skip


def sweep_section(resolved: list[Resolved], experiment: Experiment) -> None:
    st.markdown("**Scrub a parameter**: train a family of its values across the slider's range, every one really "
                "trained, then drag the chart's own slider: the curves change in your browser, with no wait. "
                "Each value's curves are exactly those of a run with that value set; the current value is one "
                "of them.")
    numbers = _numbers(resolved)
    for name, param in EXPERIMENT.items():
        if param.kind in ("int", "float") and name not in NOT_VARIED and name not in ("samples", "seed"):
            numbers.setdefault(name, (param, _EXPERIMENT_CTX, getattr(experiment, name)))
    controls = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
    controls[0].selectbox("parameter", list(numbers), key="scrub_name",
                                 format_func=lambda n: f"{n} (experiment)" if n in EXPERIMENT else n)
    controls[1].slider("values", *COUNTS, key="scrub_count")
    controls[2].slider("seeds", 1, 5, 1, key="scrub_seeds", help="several seeds: their mean, with a band")
    controls[3].button("Scrub", on_click=_scrub, icon=":material/animation:", key="scrub_go",
                       type="primary")
    request = ui.state().get("scrub")
    if not request or request["name"] not in numbers:
        st.caption("Pick a parameter and press Scrub.")
        return
    name = request["name"]
    param, ctx, current = numbers[name]
    # the current value is one of the family: the scrubber starts on exactly the curves drawn above
    values = tuple(sorted({*family_values(param, ctx, float(current), request["count"]), current}))
    options = tuple(sorted((key, value) for key, value in experiment.options().items() if key != name))
    try:
        with st.spinner(f"Training {len(values)} values of {name}…"):
            # the varied value written in as the family's first: setting the parameter keeps the family cached
            specs = tuple(str(with_value(item.schedule, name, values[0])) for item in resolved)
            meta, frame = _family(specs, options, name, values, request["seeds"])
        # named as on the page, not with the family's first value written in
        labels = tuple(labels_for(resolved))
        frame = frame.assign(schedule=frame["schedule"].map(dict(zip(meta["labels"], labels, strict=True))))
        meta = {**meta, "labels": labels}
    except SpecError as error:
        st.error(markup.markdown_text(error, 400), icon=":material/error:")
        return
    _draw(meta, frame, name, float(current), resolved, options)


def _nearest(values: tuple, current: float, log: bool) -> int:
    scale = (lambda v: math.log(v)) if log and current > 0 and min(values) > 0 else (lambda v: v)
    return int(np.argmin([abs(scale(v) - scale(current)) for v in values]))


def _draw(meta: dict, frame: Any, name: str, current: float, resolved: list[Resolved],
          options: tuple[tuple[str, Any], ...]) -> None:  # fmt: skip
    values, present = meta["values"], st.session_state.get("present", False)
    index = _nearest(values, current, meta["log"])
    st.plotly_chart(sweep_figures.scrub_figure(frame, meta["column"], values, meta["labels"], index, present),
                    key="scrub_chart", config=sweep_figures.SCRUB_CONFIG)
    st.caption(f"Drag the slider under the chart: each step is a trained value of {name}; the faint lines are "
               "all the others. It starts at the current value.")
    use = st.columns([3, 2], vertical_alignment="bottom")
    chosen = use[0].select_slider(f"value of {name} to use", values, value=values[index],
                                  key=f"scrub_pick.{name}.{len(values)}", format_func=sweep_figures.value_text)
    use[1].button(f"Set {name} = {sweep_figures.value_text(chosen)}", on_click=_set_everywhere, args=(name, chosen),
                  icon=":material/check:", key="scrub_set_button")
    metric = st.radio("sweep chart", list(METRICS), format_func=METRICS.get, horizontal=True, key="scrub_metric")
    st.plotly_chart(sweep_figures.sweep_figure(frame, meta["column"], meta["labels"], metric, current, meta["log"],
                                               present), key="sweep_chart", config=sweep_figures.SCRUB_CONFIG)
    if name not in EXPERIMENT and st.toggle(f"Heat map: {name} × the lr", key="scrub_heat"):
        _heat(name, values, resolved, options, metric)


def _heat(name: str, values: tuple, resolved: list[Resolved], options: tuple[tuple[str, Any], ...],
          metric: str) -> None:  # fmt: skip
    having = [item for item in resolved if name in _numbers([item])]
    labels = [str(item.schedule) for item in having]
    spec = st.selectbox("schedule", labels, key="scrub_heat_schedule", format_func=markup.shorten)
    lr = dict(options).get("lr", EXPERIMENT["lr"].default)
    lrs = tuple(values_between(lr / HEAT_LR_SPAN, min(lr * HEAT_LR_SPAN, EXPERIMENT["lr"].high), HEAT_VALUES, True))
    picks = tuple(values[round(i)] for i in np.linspace(0, len(values) - 1, min(HEAT_VALUES, len(values))))
    try:
        with st.spinner("Training the heat map…"):
            frame = _grid(spec, options, name, tuple(dict.fromkeys(picks)), lrs)
    except SpecError as error:
        st.error(markup.markdown_text(error, 400), icon=":material/error:")
        return
    st.plotly_chart(sweep_figures.heatmap_figure(frame, name, "base_lr", spec, metric), key="heat_chart",
                    config=sweep_figures.SCRUB_CONFIG)
    st.caption("Hover a cell: its run's loss, epoch by epoch, drawn in characters (▁ low, █ high, ✕ diverged).")
