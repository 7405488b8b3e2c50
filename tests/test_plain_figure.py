"""Charts and tables frozen once: the browser receives the same JSON, and a repeat builds nothing."""

from __future__ import annotations

import json

import plotly.io
import pytest
from plotly.tools import return_figure_from_figure_or_data

from lrviz.page import figures
from lrviz.page.plain_figure import _LRU, PlainFigure, frozen, table
from lrviz.training.cache import TrainingCache
from lrviz.training.experiment import Experiment


@pytest.fixture(scope="module")
def result():
    return TrainingCache().run(["StepLR(step_size=2, gamma=0.5)", "OneCycleLR()"], Experiment.create(epochs=6))


def as_sent(figure) -> dict:
    """What Streamlit's st.plotly_chart puts in the page for this figure (its own conversion)."""
    return json.loads(plotly.io.to_json(return_figure_from_figure_or_data(figure, validate_figure=True),
                                        validate=False))


@pytest.mark.parametrize("build, view", [(figures.lr_figure, ("step", True)), (figures.loss_figure, ("epoch", True)),
                                         (figures.momentum_figure, ("epoch",))])
def test_a_frozen_figure_reaches_the_page_as_the_figure_itself(result, build, view):
    figure = build(result, *view)
    assert as_sent(PlainFigure(figure)) == as_sent(figure)
    assert as_sent(frozen(build, result, *view)) == as_sent(figure)


def test_a_chart_is_built_once_per_run_and_view(result):
    calls = []

    def counted_lr_figure(run, per, log):
        calls.append((per, log))
        return figures.lr_figure(run, per, log)

    first = frozen(counted_lr_figure, result, "epoch", False)
    assert frozen(counted_lr_figure, result, "epoch", False) is first
    other = frozen(counted_lr_figure, result, "epoch", True)
    assert other is not first and calls == [("epoch", False), ("epoch", True)]
    longer = TrainingCache().run(["StepLR(step_size=2, gamma=0.5)", "OneCycleLR()"], Experiment.create(epochs=7))
    assert frozen(counted_lr_figure, longer, "epoch", False) is not first and len(calls) == 3


def test_tables_keep_their_rows(result):
    frame = figures.summary(result)
    assert frozen(figures.summary, result).to_pandas().equals(frame)
    rows = [{"parameter": "gamma", "value used": "0.5"}, {"parameter": "step_size", "value used": "2"}]
    assert table(rows).to_pylist() == rows
    assert table([dict(row) for row in rows]) is table(rows)


def test_the_least_recently_used_value_goes_first():
    cache = _LRU(2)
    cache.get("a", lambda: 1)
    cache.get("b", lambda: 2)
    cache.get("a", lambda: "rebuilt")  # a is now the most recent
    cache.get("c", lambda: 3)  # drops b
    assert cache.get("a", lambda: "rebuilt") == 1 and cache.get("b", lambda: "rebuilt") == "rebuilt"
