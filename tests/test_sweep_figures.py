"""The sweep's figures: the scrubber's steps hold every value's curves, diverged values are marked, not dropped."""

import math

import numpy as np
import pytest

from lrviz.page.sweep_figures import heatmap_figure, scrub_figure, sparkline, sweep_figure
from lrviz.training.sweep import run_grid, run_sweep, summary

SPECS = ["StepLR(step_size=2)", "ExponentialLR()"]


@pytest.fixture(scope="module")
def gamma_sweep():
    return run_sweep(SPECS, {"gamma": [0.3, 0.6, 0.9]}, seeds=2, epochs=5, samples=200)


@pytest.fixture(scope="module")
def lr_sweep():
    return run_sweep(["ConstantLR(factor=1.0)"], {"lr": [0.01, 0.1, 3.0]}, epochs=5, samples=200)


def _mean_loss(frame, label, value):
    rows = frame[(frame["schedule"] == label) & (frame["gamma"] == value)]
    return rows.groupby("epoch")["loss"].mean().to_numpy()


def test_each_scrubber_step_swaps_in_that_values_curves(gamma_sweep):
    sweep, frame = gamma_sweep
    figure = scrub_figure(frame, sweep.column, sweep.values, sweep.labels, current=1)
    slider = figure.layout.sliders[0]
    assert slider.active == 1 and [step.label for step in slider.steps] == ["0.3", "0.6", "0.9"]  # 3 digits
    assert slider.currentvalue.prefix == "gamma = "
    for j, step in enumerate(slider.steps):
        assert step.method == "restyle"  # restyled in the browser, no server round trip
        traces, indices = step.args
        loss_traces = [i for i in indices if figure.data[i].legendgroup == SPECS[0] and figure.data[i].yaxis == "y"
                       and figure.data[i].fill != "toself"]
        y = traces["y"][indices.index(loss_traces[0])]
        np.testing.assert_allclose(y, _mean_loss(frame, SPECS[0], sweep.values[j]))
    # the trace shown at first is the current value's
    shown = next(trace for trace in figure.data if trace.legendgroup == SPECS[0] and trace.showlegend)
    np.testing.assert_allclose(shown.y, _mean_loss(frame, SPECS[0], 0.6))


def test_the_family_is_drawn_faintly_behind_one_trace_per_schedule_and_panel(gamma_sweep):
    sweep, frame = gamma_sweep
    figure = scrub_figure(frame, sweep.column, sweep.values, sweep.labels, current=0)
    faint = [trace for trace in figure.data if trace.hoverinfo == "skip" and trace.fill != "toself"]
    assert len(faint) == 2 * len(SPECS) and all(trace.opacity < 0.5 for trace in faint)
    finite = [y for y in faint[0].y if y is not None]
    assert len(finite) == len(sweep.values) * 5  # every value's curve, separated by gaps


def test_a_band_over_the_seeds_spans_the_lowest_to_the_highest_seed(gamma_sweep):
    sweep, frame = gamma_sweep
    figure = scrub_figure(frame, sweep.column, sweep.values, sweep.labels, current=2)
    band = next(trace for trace in figure.data if trace.fill == "toself" and trace.legendgroup == SPECS[1])
    rows = frame[(frame["schedule"] == SPECS[1]) & (frame["gamma"] == 0.9)].pivot(index="epoch", columns="seed",
                                                                                  values="loss")
    np.testing.assert_allclose(band.y[:5], rows.min(axis=1))
    np.testing.assert_allclose(band.y[5:], rows.max(axis=1)[::-1])


def test_the_sweep_chart_marks_diverged_values_and_the_current_one(lr_sweep):
    sweep, frame = lr_sweep
    figure = sweep_figure(frame, sweep.column, sweep.labels, current=0.1, log_x=sweep.log)
    assert figure.layout.xaxis.type == "log"
    line = next(trace for trace in figure.data if trace.mode == "lines+markers")
    table = summary(frame, "base_lr")
    assert table["diverged"].tolist() == [False, False, True]
    assert math.isnan(line.y[2]) and line.y[1] == pytest.approx(table["final_loss"].iloc[1])
    crosses = next(trace for trace in figure.data if trace.name == "✕ diverged")
    assert list(crosses.x) == [3.0] and crosses.y[0] > np.nanmax(line.y)
    assert figure.layout.shapes[0].x0 == 0.1


@pytest.mark.parametrize(("metric", "column"), [("best", "best_loss"), ("last", "last_loss_mean")])
def test_the_sweep_chart_draws_the_chosen_metric(gamma_sweep, metric, column):
    sweep, frame = gamma_sweep
    figure = sweep_figure(frame, sweep.column, sweep.labels, metric=metric)
    line = next(trace for trace in figure.data if trace.mode == "lines+markers" and trace.legendgroup == SPECS[0])
    expected = summary(frame, "gamma").query("schedule == @SPECS[0]")[column]
    np.testing.assert_allclose(line.y, expected)


def test_the_heat_map_has_a_cell_per_pair_and_a_curve_in_each_hover():
    frame = run_grid("StepLR(step_size=2)", "gamma", [0.5, 0.9], [0.01, 0.1, 5.0], epochs=5, samples=200)
    figure = heatmap_figure(frame, "gamma", "base_lr", "StepLR(step_size=2)")
    heat = figure.data[0]
    assert np.asarray(heat.z).shape == (2, 3)
    assert np.isnan(np.asarray(heat.z, dtype=float)[:, 2]).all()  # lr 5 diverged, drawn as ✕
    assert figure.data[1].name == "diverged" and len(figure.data[1].x) == 2
    run = frame[(frame["gamma"] == 0.9) & (frame["base_lr"] == 0.1)]["loss"].to_numpy()
    assert heat.customdata[1][1].endswith(sparkline(run))
    assert heat.customdata[1][1].startswith(f"{run[-1]:.4g}")


def test_a_sparkline_falls_with_the_loss_and_marks_divergence():
    assert sparkline(np.array([1.0, 0.1, 0.01])) == "█▄▁"
    assert sparkline(np.array([1.0, np.nan])) == "▁✕"
    assert len(sparkline(np.linspace(1, 2, 100))) == 24
