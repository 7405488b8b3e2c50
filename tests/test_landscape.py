"""The loss landscape of the linear set-up and the runs' paths across it."""

import numpy as np
import pytest

import lrviz
from lrviz.training.experiment import make_data
from lrviz.training.landscape import default_window, loss_grid, trajectories

EXPERIMENT = lrviz.Experiment.create(samples=200, batch_size=10, epochs=4)


def test_grid_minimum_is_at_the_true_weights_within_a_cell():
    w1s, w2s, z = loss_grid(EXPERIMENT, (0.0, 4.0), (-6.0, -1.0), 81)
    assert z.shape == (len(w2s), len(w1s))
    row, column = np.unravel_index(z.argmin(), z.shape)
    assert abs(w1s[column] - 2.0) <= w1s[1] - w1s[0]
    assert abs(w2s[row] + 3.4) <= w2s[1] - w2s[0]
    assert z.min() >= 0


def test_grid_is_the_training_mse_with_the_least_squares_bias():
    data = make_data(EXPERIMENT)
    best, *_ = np.linalg.lstsq(data.x_train, data.y_train[:, 0], rcond=None)
    assert best[2] == pytest.approx(4.2, abs=0.01)
    w1s, w2s, z = loss_grid(EXPERIMENT, (-1.0, 3.0), (-4.0, 0.5), 7)
    for row, column in [(0, 0), (3, 5), (6, 2)]:
        residual = data.x_train @ np.array([w1s[column], w2s[row], best[2]]) - data.y_train[:, 0]
        assert z[row, column] == pytest.approx(np.mean(residual**2), rel=1e-12)


def test_trajectories_start_at_the_shared_initial_weights_and_respect_max_points():
    result = lrviz.simulate(["StepLR()", "CosineAnnealingLR()"], EXPERIMENT, record_steps=True)
    paths = trajectories(result, max_points=25)
    initial = make_data(EXPERIMENT).initial_weights[:2, 0]
    assert len(paths) == 2
    for k, path in enumerate(paths):
        assert path.shape == (25, 2)
        np.testing.assert_array_equal(path[0], initial)
        np.testing.assert_array_equal(path[-1], result.step_weights[-1, k, :2, 0])
    everything = trajectories(result, max_points=10_000)
    assert len(everything[0]) == EXPERIMENT.total_steps + 1


def test_trajectories_without_recorded_steps_use_the_epochs():
    result = lrviz.simulate(["StepLR()"], EXPERIMENT)
    (path,) = trajectories(result)
    assert len(path) == EXPERIMENT.epochs + 1
    np.testing.assert_array_equal(path[1:], result.weights[:, 0, :2, 0])


def test_diverged_run_keeps_its_finite_prefix_and_stays_out_of_the_window():
    experiment = lrviz.Experiment.create(samples=200, batch_size=10, epochs=4, lr=1.5)
    result = lrviz.simulate(["Constant()", "LinearLR(start_factor=0.01, end_factor=0.01)"], experiment,
                            record_steps=True)  # fmt: skip
    assert result.diverged_at[0] is not None and result.diverged_at[1] is None
    diverged, calm = trajectories(result, max_points=50)
    assert np.isfinite(diverged).all() and len(diverged) >= 1
    (w1_low, w1_high), (w2_low, w2_high) = default_window(result)
    for w1, w2 in [(2.0, -3.4), tuple(calm[0]), *calm]:
        assert w1_low <= w1 <= w1_high and w2_low <= w2 <= w2_high


def test_window_covers_true_and_initial_weights_and_every_path():
    result = lrviz.simulate(["StepLR()", "ExponentialLR(gamma=0.5)"], EXPERIMENT, record_steps=True)
    (w1_low, w1_high), (w2_low, w2_high) = default_window(result)
    points = np.concatenate([[[2.0, -3.4]], *trajectories(result, max_points=10_000)])
    assert (points[:, 0] >= w1_low).all() and (points[:, 0] <= w1_high).all()
    assert (points[:, 1] >= w2_low).all() and (points[:, 1] <= w2_high).all()


def test_classification_has_no_two_weight_landscape():
    with pytest.raises(lrviz.SpecError, match="linear dataset"):
        loss_grid(lrviz.Experiment.create(dataset="classification"), (0, 1), (0, 1), 5)
