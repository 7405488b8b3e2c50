"""The loss landscape of the linear-regression set-up, and the paths the schedules take across it.

The tutorial's model has two weights and a bias; a 2-D picture needs the bias held
somewhere. Here it is held at its least-squares optimum (the bias of the best fit of
all three parameters), so the surface is the slice of the 3-D loss through the
global minimum: its lowest point is the least-squares solution, next to the true
weights [2, -3.4]. The trajectories are the runs' (w1, w2), whose bias still moves:
they are projections onto that slice, not paths on it.
"""

from __future__ import annotations

import numpy as np

from lrviz.schedules.params import SpecError
from lrviz.training.experiment import TRUE_WEIGHTS, Experiment, make_data
from lrviz.training.results import Result

Range = tuple[float, float]
MARGIN = 0.1  # share of the window's span added on each side


def _require_linear(experiment: Experiment) -> None:
    if experiment.dataset != "linear":
        raise SpecError("the loss landscape is drawn for the linear dataset (two weights and a bias)", "dataset")


def _least_squares(experiment: Experiment) -> tuple[np.ndarray, float, np.ndarray]:
    """Best (w1, w2, bias) on the training set, the loss there, and the weights' curvature (Hessian / 2)."""
    _require_linear(experiment)
    data = make_data(experiment)
    x, y = data.x_train, data.y_train[:, 0]
    best, *_ = np.linalg.lstsq(x, y, rcond=None)
    residual = x @ best - y
    inputs = x[:, :2]
    return best, float(residual @ residual) / len(x), inputs.T @ inputs / len(x)


def loss_grid(experiment: Experiment, w1_range: Range, w2_range: Range,
              resolution: int = 101) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Training MSE over a grid of (w1, w2), the bias held at its least-squares optimum.

    Returns (w1s, w2s, Z) with Z[i, j] the loss at (w1s[j], w2s[i]): rows follow w2,
    the layout of a plotly contour's z. The MSE is quadratic in the weights, so it is
    evaluated exactly as min + dᵀ·(XᵀX / n)·d around the least-squares weights (d the
    offset from them): no (grid × samples) array and no cancellation near the minimum.
    """
    if resolution < 2:
        raise SpecError(f"resolution must be at least 2 (got {resolution})", "resolution")
    best, floor, curvature = _least_squares(experiment)
    w1s = np.linspace(*w1_range, resolution)
    w2s = np.linspace(*w2_range, resolution)
    d1, d2 = np.meshgrid(w1s - best[0], w2s - best[1])  # (len(w2s), len(w1s))
    z = floor + curvature[0, 0] * d1 * d1 + 2 * curvature[0, 1] * d1 * d2 + curvature[1, 1] * d2 * d2
    return w1s, w2s, z


def level_curves(experiment: Experiment, window: tuple[Range, Range], count: int = 14,
                 points: int = 121) -> list[tuple[float, np.ndarray]]:  # fmt: skip
    """The landscape's contours, exactly: the loss is floor + dᵀCd (d the offset from the least-squares
    weights), so each level set is an ellipse with axes along C's eigenvectors and axis ratio √κ.

    Returns (loss above the floor, (points, 2) closed curve) pairs, largest first, log-spaced from
    beyond the window's corners (equal axis scales widen the window) down to 1/10,000 of that.
    """
    best, _, curvature = _least_squares(experiment)
    eigenvalues, vectors = np.linalg.eigh(curvature)
    corners = np.array([[w1, w2] for w1 in window[0] for w2 in window[1]]) - best[:2]
    top = 4 * max(float(corner @ curvature @ corner) for corner in corners)
    angle = np.linspace(0.0, 2 * np.pi, points)
    unit = vectors @ (np.stack([np.cos(angle), np.sin(angle)]) / np.sqrt(eigenvalues)[:, None])  # dᵀCd = 1
    return [(float(level), best[:2] + np.sqrt(level) * unit.T) for level in np.geomspace(top, top * 1e-4, count)]


def kept_steps(result: Result) -> tuple[np.ndarray, np.ndarray]:
    """The optimizer steps whose weights the result kept, ascending from 0 (the initial weights), and
    those weights, (len(steps), K, features + 1): every step if recorded, else each epoch's end.

    The one place that reads `Result.step_weights`: if results come to keep only some steps, with
    their indices, this is what changes.
    """
    _require_linear(result.experiment)
    if result.step_weights is not None:
        return np.arange(len(result.step_weights)), result.step_weights[:, :, :, 0]
    initial = make_data(result.experiment).initial_weights[:, 0]
    start = np.broadcast_to(initial, (1, result.weights.shape[1], len(initial)))
    ends = np.arange(result.experiment.epochs + 1) * result.experiment.steps_per_epoch
    return ends, np.concatenate([start, result.weights[:, :, :, 0]])


def _paths(result: Result) -> np.ndarray:
    """(points, K, 2) weights (w1, w2) of every run at each kept step."""
    return kept_steps(result)[1][:, :, :2]


def _finite_paths(result: Result) -> list[np.ndarray]:
    """Each run's path up to its first non-finite point (a diverged run is NaN from then on)."""
    paths = _paths(result)
    finite = np.isfinite(paths).all(axis=2)  # (points, K)
    ends = np.where(finite.all(axis=0), len(paths), finite.argmin(axis=0))
    return [paths[:end, k] for k, end in enumerate(ends)]


def trajectories(result: Result, max_points: int = 400) -> list[np.ndarray]:
    """Each run's (w1, w2) path as an (m, 2) array, m ≤ max_points, sampled evenly over its steps.

    The first point (the shared initial weights) and the last finite one are always kept;
    a diverged run keeps its NaN-free prefix. Uses the per-step weights when the run was
    simulated with `record_steps=True`, else the initial and end-of-epoch weights.
    """
    if max_points < 2:
        raise SpecError(f"max_points must be at least 2 (got {max_points})", "max_points")
    sampled = []
    for path in _finite_paths(result):
        if len(path) > max_points:
            path = path[np.unique(np.linspace(0, len(path) - 1, max_points).round().astype(int))]
        sampled.append(np.ascontiguousarray(path))
    return sampled


def default_window(result: Result) -> tuple[Range, Range]:
    """(w1_range, w2_range) covering the true weights, the initial weights and the runs' paths.

    Diverged runs are left out: their last finite weights can be astronomically far away,
    and a window around them would shrink every other path to a dot.
    """
    paths = [path for k, path in enumerate(_finite_paths(result)) if result.diverged_at[k] is None]
    initial = _paths(result)[0, 0]
    points = np.concatenate([np.array([TRUE_WEIGHTS, initial]), *paths])
    low, high = points.min(axis=0), points.max(axis=0)
    pad = np.maximum((high - low) * MARGIN, 0.1)  # keep some landscape around a single point
    return (float(low[0] - pad[0]), float(high[0] + pad[0])), (float(low[1] - pad[1]), float(high[1] + pad[1]))
