"""The replay figure: per-step frames that move only the markers, on the real landscape."""

from __future__ import annotations

import json

import numpy as np
import pytest

import lrviz
from lrviz.page.replay import SPEEDS, frame_steps, replay_figure
from lrviz.training.experiment import TRUE_WEIGHTS, Experiment, make_data
from lrviz.training.landscape import default_window, kept_steps, level_curves, loss_grid, trajectories
from lrviz.training.presets import find

VALLEY = find("valley").config
EXPERIMENT = Experiment.create(**{**VALLEY.experiment, "epochs": 6})


@pytest.fixture(scope="module")
def result():
    return lrviz.simulate(VALLEY.schedules[:3], EXPERIMENT, record_steps=True)


@pytest.fixture(scope="module")
def figure(result):
    return replay_figure(result, default_window(result), trajectories(result), TRUE_WEIGHTS)


@pytest.mark.parametrize("total", [1, 50, 119, 120, 2000, 200_000])
def test_frames_cover_the_run_bounded_and_dense_in_the_first_epoch(total):
    steps = frame_steps(total)
    assert steps[0] == 0 and steps[-1] == total
    assert len(steps) <= 120 and np.all(np.diff(steps) > 0)
    if total >= 2000:  # 20 epochs of 100 steps: the first epoch's motion shows in many frames
        assert (steps <= total // 20).sum() >= 20


def test_frames_move_only_the_markers_and_never_redraw_the_contour(figure):
    contours = [i for i, trace in enumerate(figure.data) if trace.fill == "toself"]
    markers = list(range(len(figure.data) - 3, len(figure.data)))
    assert len(contours) >= 10 and 10 <= len(figure.frames) <= 120
    for frame in figure.frames:
        assert list(frame.traces) == markers and not set(contours) & set(frame.traces)
    animations = [button.args[1] for button in figure.layout.updatemenus[0].buttons]
    animations += [step.args[1] for step in figure.layout.sliders[0].steps]
    assert all(args["frame"]["redraw"] is False for args in animations)


def test_three_play_speeds(figure):
    buttons = {button.label: button.args[1]["frame"]["duration"] for button in figure.layout.updatemenus[0].buttons}
    assert {label: buttons[label] for label in SPEEDS} == SPEEDS
    assert len(set(SPEEDS.values())) == 3


def test_markers_sit_on_each_runs_weights_at_the_frames_step(result, figure):
    steps, weights = kept_steps(result)
    data = make_data(EXPERIMENT)
    spe = EXPERIMENT.steps_per_epoch
    for frame in figure.frames[::17]:
        step = int(frame.name)
        where, lr, loss = frame.data
        np.testing.assert_allclose(np.c_[where.x, where.y], result.step_weights[step, :, :2, 0])
        np.testing.assert_allclose(lr.y, result.lr[min(step, len(result.lr) - 1)])
        expected = np.mean((data.x_train @ weights[step].T - data.y_train) ** 2, axis=0)
        np.testing.assert_allclose(loss.y, expected, rtol=1e-9)
        assert loss.x[0] == pytest.approx(step / spe)
    assert steps[-1] == EXPERIMENT.total_steps


def test_landscape_on_equal_scales_shows_the_narrow_valley(figure):
    assert figure.layout.yaxis.scaleanchor == "x" and figure.layout.yaxis.scaleratio == 1
    data = make_data(EXPERIMENT)
    x = data.x_train[:, :2]
    curvature = np.linalg.eigvalsh(x.T @ x / len(x))
    assert np.sqrt(curvature[-1] / curvature[0]) > 5  # contours' axis ratio √κ: a valley, not a bowl


def test_overlapping_paths_differ_in_width_and_dash_and_markers_have_outlines(figure):
    paths = [trace for trace in figure.data if trace.mode == "lines" and trace.fill is None and
             trace.xaxis in (None, "x")]
    assert len(paths) == 3
    assert len({trace.line.dash for trace in paths}) == 3
    widths = [trace.line.width for trace in paths]
    assert widths == sorted(widths, reverse=True) and widths[0] > widths[-1]  # the first drawn is widest
    assert figure.frames[0].data[0].marker.line.width > 0
    assert len(set(figure.frames[0].data[0].marker.symbol)) == 3


def test_a_diverged_run_vanishes_from_the_replay_without_breaking_it():
    config = find("diverge").config
    experiment = Experiment.create(**{**config.experiment, "epochs": 6})
    result = lrviz.simulate(config.schedules, experiment, record_steps=True)
    figure = replay_figure(result, default_window(result), trajectories(result), TRUE_WEIGHTS)
    json.dumps(figure.to_plotly_json(), default=str)  # serialisable with NaN markers
    last = figure.frames[-1].data[0]
    diverged = [k for k, epoch in enumerate(result.diverged_at) if epoch is not None]
    assert diverged and all(np.isnan(last.x[k]) for k in diverged)
    assert any(np.isfinite(last.x[k]) for k in range(len(result.labels)) if k not in diverged)


def test_level_curves_are_the_exact_contours_of_the_training_loss():
    window = ((0.0, 3.0), (-4.0, 0.5))
    curves = level_curves(EXPERIMENT, window, count=5, points=9)
    data = make_data(EXPERIMENT)
    best = np.linalg.lstsq(data.x_train, data.y_train[:, 0], rcond=None)[0]
    floor = np.mean((data.x_train @ best - data.y_train[:, 0]) ** 2)
    levels = [level for level, _ in curves]
    assert levels == sorted(levels, reverse=True)
    for level, curve in curves:
        for w1, w2 in curve:
            mse = np.mean((data.x_train @ np.array([w1, w2, best[2]]) - data.y_train[:, 0]) ** 2)
            assert mse == pytest.approx(floor + level, rel=1e-9)
    outer = curves[0][1]  # the largest ellipse covers the whole window
    assert outer[:, 0].min() < 0 and outer[:, 0].max() > 3 and outer[:, 1].min() < -4 and outer[:, 1].max() > 0.5
    *_, z = loss_grid(EXPERIMENT, *window, 5)
    assert z.min() >= floor  # the grid and the curves agree on the floor


def test_every_runs_whole_path_and_its_end_show_before_play(result, figure):
    """Gradient descent on one valley floor follows one line: the paths, drawn whole and faint from the
    first frame, differ where they stop, and each stop is marked in its run's colour and symbol."""
    paths = trajectories(result)
    lines = [trace for trace in figure.data if trace.mode == "lines" and trace.fill is None and
             trace.xaxis in (None, "x")]
    ends = [trace for trace in figure.data if trace.mode == "markers" and trace.legendgroup
            and trace.legendgroup.startswith("path")]
    assert len(lines) == len(ends) == len(paths) == 3
    for line, end, path in zip(lines, ends, paths, strict=True):
        np.testing.assert_allclose(np.c_[line.x, line.y], path)  # the whole path, not the part played
        assert (end.x[0], end.y[0]) == (path[-1, 0], path[-1, 1]) and end.marker.color == line.line.color
        assert line.opacity < 1 and end.legendgroup == line.legendgroup
    assert len({(end.x[0], end.y[0]) for end in ends}) == 3 and len({end.marker.symbol for end in ends}) == 3
    assert len({line.line.color for line in lines}) == 3
    moving = {len(figure.data) - 3 + k for k in range(3)}
    assert all(set(frame.traces) == moving for frame in figure.frames)  # Play moves the markers only
