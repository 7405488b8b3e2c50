"""The "My real run" box under the charts, and the pre-flight warnings beside each schedule's editor.

The box takes a practitioner's real run (dataset size, batch size, accumulation, devices, epochs, how the script
steps the scheduler), shows its step axis, and draws every schedule's lr (and momentum) over the whole real run:
the real torch scheduler stepped (`lrviz.training.preflight`), nothing trained, thinned for the chart.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from plotly.subplots import make_subplots

from lrviz.page import widgets as ui
from lrviz.page.figures import PLOTLY_CONFIG, palette
from lrviz.schedules import markup
from lrviz.schedules.params import SpecError
from lrviz.schedules.schedule import Resolved
from lrviz.training.experiment import Experiment
from lrviz.training.preflight import Finding, check
from lrviz.training.real_run import REAL_RUN_PARAMS, ROUNDING, RealRun, Trace, own_trace
from lrviz.training.real_run import trace as stepped_trace

ON = "real_run_on"
KEYS = {param.name: f"real_{param.name}" for param in REAL_RUN_PARAMS}


def _run_of_state() -> tuple[RealRun | None, str]:
    """The real run the box holds (None while it is off), or the reason it is refused."""
    values = st.session_state
    if not values.get(ON):
        return None, ""
    options = {name: values[key] for name, key in KEYS.items() if values.get(key) is not None}
    try:
        return RealRun.create(**options), ""
    except SpecError as error:
        return None, str(error)


def _checked(resolved: Resolved, run: RealRun, experiment: Experiment,
             own: bool = False) -> tuple[list[Finding], Trace | None]:  # fmt: skip
    # the traces are cached (lrviz's own run's by its training); the warnings are quick to derive
    return check(resolved.schedule, run, experiment, max(1, len(ui.state()["slots"])), str(resolved.schedule),
                 own_trace if own else stepped_trace)


def editor_warnings(resolved: Resolved | None, experiment: Experiment) -> None:
    """Beside a schedule's editor: where it does not fit this page's run, and the real run when one is set."""
    if resolved is None:
        return
    runs = [("this run", RealRun.of(experiment))]
    if (real := _run_of_state()[0]) is not None:
        runs.append(("your real run", real))
    for name, run in runs:
        found, _ = _checked(resolved, run, experiment, own=name == "this run")
        for finding in found:
            if finding.kind != "refused" or name != "this run":  # this run's refusals show as the editor's error
                st.warning(markup.markdown_text(f"{name}: {finding.message}", 600), icon=":material/warning:")


def _inputs() -> None:
    """One input per declared option of the real run, defaults from the declaration."""
    columns = st.columns(len(REAL_RUN_PARAMS))
    for column, param in zip(columns, REAL_RUN_PARAMS, strict=True):
        key, label = KEYS[param.name], param.name.replace("_", " ")
        if key not in st.session_state:
            st.session_state[key] = param.default
        if param.kind == "int":
            column.number_input(label, min_value=int(param.low), max_value=int(param.high), step=1, key=key,
                                help=param.help)
        elif param.kind == "choice":
            # a radio, not a select box: the page's other tests find its one select box in the main area
            column.radio(label, param.choices, key=key, help=param.help, format_func=lambda per: f"per {per}")
        else:
            column.checkbox(label, key=key, help=param.help)


def real_run_section(resolved: list[Resolved], experiment: Experiment | None) -> None:
    """The optional box: off by default, so a page without it computes nothing for it."""
    if experiment is None:
        return
    with st.expander("My real run: check the schedules against it", icon=":material/flight_takeoff:",
                     key="real_run_box"):
        st.toggle("Check my real run", key=ON, help="Draw every schedule over your own training run, without "
                  "training, and warn where a schedule does not fit it.")
        _inputs()
        run, error = _run_of_state()
        if error:
            st.error(markup.markdown_text(error), icon=":material/error:")
        if run is None:
            return
        st.caption(markup.markdown_text(f"{run.describe()}. {ROUNDING}.", 1000))
        traces, labels, found = [], [], []
        for item in resolved:
            findings, trace = _checked(item, run, experiment)
            found += findings
            if trace is not None:
                traces.append(trace)
                labels.append(str(item.schedule))
        if traces:
            st.plotly_chart(real_run_figure(traces, labels, palette(len(traces)), run, found),
                            key="real_run_chart", config=PLOTLY_CONFIG)
        if partial := [f"{markup.shorten(label, 60)} to step {trace.stepped:,}" for trace, label
                       in zip(traces, labels, strict=True) if not trace.complete and not trace.error]:
            st.caption(markup.markdown_text(f"Drawn as far as one request may step them (the limits' budget of "
                       f"scheduler updates): {'; '.join(partial)} of {run.horizon:,}. The warnings still cover "
                       "the whole run.", 1000))
        for finding in found:
            st.warning(markup.markdown_text(str(finding), 800), icon=":material/warning:")
        if not found:
            st.success("Every schedule fits this run.", icon=":material/check:")


def _x(steps: np.ndarray, run: RealRun) -> np.ndarray:
    """Epochs elapsed at a scheduler step."""
    return steps / run.steps_per_epoch if run.per_step else steps.astype(float)


def real_run_figure(traces: list[Trace], labels: list[str], colors: list[str], run: RealRun,
                    found: list[Finding]) -> go.Figure:  # fmt: skip
    """Each schedule's lr (and momentum, when one changes it) over the real run, its warnings marked."""
    moving = [trace for trace in traces if np.ptp(trace.momentum) > 0]
    figure = make_subplots(rows=2 if moving else 1, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           subplot_titles=["Learning rate over your real run", *(["Momentum"] if moving else [])])
    shape = "linear" if run.per_step else "hv"
    for trace, label, color in zip(traces, labels, colors, strict=True):
        trained = trace.steps < trace.horizon  # the value after the last step trains nothing
        x, name = _x(trace.steps[trained], run), markup.plotly_text(markup.shorten(label, 60))
        hover = "step %{customdata:,}: %{y:.4g}<extra>" + name + "</extra>"
        figure.add_trace(go.Scatter(x=x, y=trace.lr[trained], name=name, line={"color": color, "shape": shape},
                                    customdata=trace.steps[trained], hovertemplate=hover), row=1, col=1)
        if moving:
            figure.add_trace(go.Scatter(x=x, y=trace.momentum[trained], name=name, showlegend=False,
                                        line={"color": color, "shape": shape, "dash": "dot"},
                                        customdata=trace.steps[trained], hovertemplate=hover), row=2, col=1)
        marks = [f for f in found if f.schedule == label and f.step is not None and f.step <= trace.horizon]
        if marks:
            steps = np.array([min(f.step, trace.horizon - 1) for f in marks])
            y = np.interp(steps, trace.steps, trace.lr)
            texts = [markup.plotly_text(markup.shorten(f.message, 90)) for f in marks]
            figure.add_trace(go.Scatter(x=_x(steps, run), y=y, mode="markers", showlegend=False, text=texts,
                                        marker={"color": color, "size": 13, "line": {"width": 2, "color": color},
                                                "symbol": ["x" if f.kind == "raises" else "circle-open"
                                                           for f in marks]},
                                        hovertemplate="%{text}<extra>warning</extra>"), row=1, col=1)
    figure.update_xaxes(range=[0, run.epochs], title_text=None)
    figure.update_xaxes(title_text=f"epoch of your run ({run.steps_per_epoch:,} optimizer steps each)",
                        row=2 if moving else 1, col=1)
    figure.update_layout(height=480 if moving else 380, margin={"l": 10, "r": 10, "t": 40, "b": 10},
                         legend={"orientation": "h", "y": -0.25}, hovermode="closest")
    return figure
