"""The comparison itself: every schedule trained (once per set-up, for every session), its chart options, the
lr and loss charts side by side (stacked when presenting) and the summary table."""

from __future__ import annotations

import numpy as np
import streamlit as st

from lrviz.page import editors, figures, lesson
from lrviz.page import widgets as ui
from lrviz.page.legend import legend_html
from lrviz.page.plain_figure import frozen
from lrviz.page.story import written_as
from lrviz.page.style import PRESENT_STYLE
from lrviz.page.view import AXES, LOSS_VIEWS, View
from lrviz.schedules import markup
from lrviz.schedules.params import SpecError
from lrviz.schedules.schedule import Resolved
from lrviz.training.cache import TrainingCache
from lrviz.training.experiment import Experiment
from lrviz.training.presets import Preset
from lrviz.training.results import Result

PROGRESS_WORK = 400_000  # optimizer steps × schedules above which a progress bar is shown


@st.cache_resource
def training_cache() -> TrainingCache:
    """One cache for every session; the first run also pays torch's one-time start-up cost."""
    cache = TrainingCache()
    cache.run(["StepLR()"], Experiment.create(samples=20, epochs=1))
    return cache


def train(resolved: list[Resolved], experiment: Experiment) -> Result | None:
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
    # their values start from the view (a link's, or the last one): see widgets.keep_view
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


def _claim(result: Result, scenario: Preset | None, chart: str) -> tuple[str, str, str] | None:
    """The scenario's claim, for the chart that carries it (figures draw it as an arrow on the curve)."""
    if scenario is None or scenario.claim is None or scenario.claim.chart != chart:
        return None
    label = written_as(scenario.claim.schedule, result.labels)
    return (label, scenario.claim.at, scenario.claim.text) if label else None


def optimizer_notices(result: Result, labels: list[str]) -> list[str]:
    """What a schedule changes besides the lr (OneCycleLR's and CyclicLR's cycle_momentum), named: the page
    says the schedule is the only difference, and a run that also cycles momentum differs by more."""
    if not any(item.cycles_momentum for item in result.resolved):
        return []
    sgd = result.experiment.optimizer == "sgd"
    name, others = ("momentum", result.experiment.momentum) if sgd else ("beta1", 0.9)
    notices = []
    for k, item in enumerate(result.resolved):
        if item.cycles_momentum:
            low, high = float(np.nanmin(result.momentum[:, k])), float(np.nanmax(result.momentum[:, k]))
            notices.append(f"**{markup.markdown_text(labels[k])}** also cycles the optimizer's {name} between "
                           f"{low:.3g} and {high:.3g} (its `cycle_momentum=True`), while the other runs keep "
                           f"{name} {others:g}: it differs by more than its lr. Set `cycle_momentum=False` to "
                           f"compare the schedule alone.")
    return notices


def charts(result: Result, scenario: Preset | None = None) -> None:
    """The charts of `result`; with the scenario on the page (unchanged), its claim marked on its curve."""
    per, view, log_lr, log_loss, present = chart_options(result)
    colors = editors.chart_colors(len(result.labels))  # each schedule's own, whatever its place in the list
    focus = ui.state().get("view", View()).explained % len(result.labels)  # whose milestones show, when many
    legend = legend_html(figures.legend_labels(result), list(colors), present)
    st.html((PRESENT_STYLE if present else "") + legend)
    for notice in optimizer_notices(result, figures.legend_labels(result)):
        st.warning(notice, icon=":material/tune:")
    # presenting, each chart takes the page's width, one under the other (so does a phone, in this order)
    left, right = (st.container(), st.container()) if present else st.columns(2)
    left.plotly_chart(frozen(figures.lr_figure, result, per, log_lr, present, colors=colors,
                             claim=_claim(result, scenario, "lr"), focus=focus), key="lr_chart",
                      config=figures.PLOTLY_CONFIG)
    if lesson.reveal_gate(right, result):  # a lesson may hold the loss back while the class predicts it
        right.plotly_chart(frozen(figures.loss_figure, result, per, log_loss, excess=view == "above optimum",
                                  present=present, colors=colors, claim=_claim(result, scenario, "loss"),
                                  focus=focus),
                           key="loss_chart", config=figures.PLOTLY_CONFIG)
    if momentum := frozen(figures.momentum_figure, result, per, present, colors=colors):
        (st.container() if present else st.columns(2)[0]).plotly_chart(momentum, key="momentum_chart",
                                                                        config=figures.PLOTLY_CONFIG)
    if not lesson.revealed():  # the results table tells the answer too
        return
    if present:  # a table of text scales with the page; the data grid's small print does not
        summary = figures.summary_table(result)
        st.table(summary.assign(schedule=summary["schedule"].map(markup.markdown_text)), hide_index=True)
    else:
        st.dataframe(frozen(figures.summary_table, result), hide_index=True, width="stretch")
