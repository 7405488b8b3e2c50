"""The fast path: every schedule of a comparison trained together, in stacked arrays.

Learning rates come from stepping the real torch schedulers (`lrviz.training.traces`): planned
ahead and cached, except ReduceLROnPlateau, stepped during training with the epoch's loss.
The K models then train in one loop over the shared batches, with the gradient of the
linear model written out (for MSE, from each batch's Gram matrix). `lrviz.training.reference` is
the plain loop this is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from lrviz.schedules.declaration import Scheduler
from lrviz.schedules.schedule import Resolved, Schedule
from lrviz.training.experiment import Data, Experiment, make_data
from lrviz.training.optimizers import BatchedOptimizer, batched_optimizer, momentum_of
from lrviz.training.results import DIVERGED_LOSS, Result, optimal_loss
from lrviz.training.traces import labels_for, live_scheduler, planned_rates, resolve_all

# float64 elements of one vectorised temporary (16 MB): products over many samples and K models are done in
# blocks of rows of this size, so memory stays bounded whatever the samples, batch size and schedules
BLOCK_ELEMENTS = 2_000_000
CACHE_ELEMENTS = 32_768  # 256 kB: a block of outputs that stays in the CPU's cache while features are added in
MAX_STEP_POINTS = 2_000  # per-step weights the app keeps per run (landscape, replay), evenly spaced


def _row_blocks(rows: int, width: int, elements: int | None = None) -> list[slice]:
    """Slices of at most (elements or BLOCK_ELEMENTS) // width rows covering `rows` rows."""
    size = max(1, (elements or BLOCK_ELEMENTS) // max(1, width))
    return [slice(start, min(start + size, rows)) for start in range(0, rows, size)] or [slice(0, 0)]


def _along_outputs(ufunc: np.ufunc, array: np.ndarray) -> np.ndarray:
    """`ufunc.reduce(array, axis=-1)` for a short last axis, as elementwise operations (numpy's reduce over an
    axis of 2 costs per element, not per array); the same order of operations for any number of models."""
    result = array[..., 0].copy()
    for i in range(1, array.shape[-1]):
        ufunc(result, array[..., i], out=result)
    return result


def _sample_losses(out: np.ndarray, y: np.ndarray, classification: bool, outputs: int) -> np.ndarray:
    """(n, K) loss of each sample under each model; out is (n, K · outputs), model-major, y (n, outputs) or as out."""
    out3 = out.reshape(len(out), -1, outputs)
    y3 = y.reshape(len(y), -1, outputs)  # one target row for every model broadcasts
    if classification:
        top = _along_outputs(np.maximum, out3)
        log_norm = np.log(_along_outputs(np.add, np.exp(out3 - top[..., None]))) + top
        return log_norm - _along_outputs(np.add, out3 * y3)
    residual = out3 - y3
    return _along_outputs(np.add, residual * residual) / outputs


def _output_error(out: np.ndarray, y: np.ndarray, classification: bool, outputs: int) -> np.ndarray:
    """d loss / d output, up to the per-sample factor folded into the inputs (see `simulate`)."""
    out3 = out.reshape(len(out), -1, outputs)
    y3 = y.reshape(len(y), -1, outputs)
    if not classification:
        return (out3 - y3).reshape(out.shape)  # MSE: 2 (out - y) / (batch · outputs)
    exp = np.exp(out3 - _along_outputs(np.maximum, out3)[..., None])  # softmax cross-entropy: (softmax - y) / batch
    exp /= _along_outputs(np.add, exp)[..., None]
    return (exp - y3).reshape(out.shape)


FEW_ROWS = 64  # up to this many samples, one broadcast product is cheaper than a loop over the features


def _linear(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """x @ matrix, summed over the features in order by numpy's elementwise operations, not BLAS.

    BLAS picks its kernel by the matrix's width and memory layout, so `x @ matrix` rounds a
    model's outputs differently depending on how many models share the matrix. This sum
    keeps each model's result bit-identical whatever else is trained (tests/test_engine.py).
    Many samples are summed feature by feature, in blocks of rows that stay in the CPU's cache.
    """
    if len(x) <= FEW_ROWS:
        return np.add.reduce(x[:, :, None] * matrix[None], axis=1)
    return _feature_sums(x, lambda rows, feature: matrix[feature], matrix.shape[1])


def _batch_outputs(x: np.ndarray, history: np.ndarray, batch_of_sample: np.ndarray) -> np.ndarray:
    """(n, K · outputs) output of each sample under the weights its batch was trained from, as `_linear` sums."""
    if len(x) <= FEW_ROWS:
        return np.add.reduce(x[:, :, None] * history[batch_of_sample], axis=1)
    return _feature_sums(x, lambda rows, feature: history[batch_of_sample[rows], feature], history.shape[2])


def _feature_sums(x: np.ndarray, weights: Callable[[slice, int], np.ndarray], width: int) -> np.ndarray:
    """Σ_f x[:, f] · weights(rows, f), added feature by feature in order, one cache-sized block of rows at a time."""
    out = np.empty((len(x), width))
    for rows in _row_blocks(len(x), width, CACHE_ELEMENTS):
        block, part = out[rows], x[rows]
        np.multiply(part[:, :1], weights(rows, 0), out=block)
        for feature in range(1, x.shape[1]):
            block += part[:, feature:feature + 1] * weights(rows, feature)
    return out


def _mean_loss(x: np.ndarray, y: np.ndarray, matrix: np.ndarray, classification: bool,
               outputs: int) -> np.ndarray | float:  # fmt: skip
    """(K,) mean loss over the samples; each model's sum runs along a contiguous row, the same way for any K."""
    if not len(x):  # no validation split
        return np.nan
    losses = np.concatenate([_sample_losses(_linear(x[rows], matrix), y[rows], classification, outputs)
                             for rows in _row_blocks(len(x), matrix.shape[1])])  # fmt: skip
    return np.ascontiguousarray(losses.T).sum(axis=1) / len(x)


def _batches(experiment: Experiment) -> tuple[list[tuple[int, int]], np.ndarray]:
    """(start, stop) of each mini-batch in an epoch's order (the last one may be short), and their sizes."""
    n, size = experiment.train_samples, experiment.batch_size
    bounds = [(start, min(start + size, n)) for start in range(0, n, size)]
    return bounds, np.array([stop - start for start, stop in bounds])


def _wide(columns: np.ndarray, outputs: int) -> np.ndarray:
    """(rows, K) per-model values repeated for each of a model's output columns."""
    return columns if outputs == 1 else np.repeat(columns, outputs, axis=1)


def _regression_epoch(x: np.ndarray, y: np.ndarray, scaled: np.ndarray, starts: np.ndarray,
                      augmented: np.ndarray, optimizer: BatchedOptimizer, lr: np.ndarray, momentum: np.ndarray,
                      history: np.ndarray) -> None:  # fmt: skip
    """Some batches of MSE: each batch's gradient from its Gram matrix, one product and one short sum per step.

    Σ_i s_i x_iᵀ (x_i w - y_i) = [Σ_i s_i x_iᵀ x_i | -Σ_i s_i x_iᵀ y_i] · [w; 1], and those
    (features + 1, features + 2) matrices depend on the data only: all of them are summed
    up front. `augmented` is the weights with a row of ones below; the features + 2
    ≤ 8 terms of each sum are added in order, the same way for any K (numpy sums longer
    rows pairwise). history[b + 1] gets the weights after step b.
    """
    rows = np.concatenate([x, -y[:, :1]], axis=1)  # a regression target is the same for every model
    grams = np.add.reduceat(scaled[:, :, None] * rows[:, None, :], starts, axis=0)[..., None]
    matrix, stacked = augmented[:-1], augmented[None]
    products = np.empty((len(matrix), *augmented.shape))
    gradient = np.empty(matrix.shape)
    for batch, gram in enumerate(grams):
        np.add.reduce(np.multiply(gram, stacked, out=products), axis=1, out=gradient)
        optimizer.step(matrix, gradient, lr[batch], momentum[batch])
        history[batch + 1] = matrix


def _general_epoch(x: np.ndarray, y: np.ndarray, scaled: np.ndarray, bounds: list[tuple[int, int]],
                   matrix: np.ndarray, classification: bool, outputs: int, optimizer: BatchedOptimizer,
                   lr: np.ndarray, momentum: np.ndarray, history: np.ndarray) -> None:  # fmt: skip
    """Some batches of any loss: forward pass, output error and gradient per batch (classification's path)."""
    for batch, (start, stop) in enumerate(bounds):
        error = _output_error(_linear(x[start:stop], matrix), y[start:stop], classification, outputs)
        gradient = np.einsum("bd,bk->dk", scaled[start:stop], error)  # like _linear, K-invariant
        optimizer.step(matrix, gradient, lr[batch], momentum[batch])
        history[batch + 1] = matrix


def kept_steps(total_steps: int, max_points: int | None) -> np.ndarray:
    """The optimizer steps whose weights are kept: all of 0..total_steps, or at most max_points evenly spaced
    (the first and the last always among them)."""
    if max_points is None or total_steps + 1 <= max_points:
        return np.arange(total_steps + 1)
    return np.unique(np.linspace(0, total_steps, max(2, max_points)).round().astype(int))


@dataclass
class _Run:
    """The state of one batched run: K models as the columns of one (features + 1, K · outputs) matrix."""

    experiment: Experiment
    data: Data
    resolved: list[Resolved]
    live: dict[int, tuple[torch.optim.Optimizer, Scheduler]]  # ReduceLROnPlateau, stepped with the loss
    lr: np.ndarray  # (steps, K)
    momentum: np.ndarray
    augmented: np.ndarray  # the weight matrix with a row of ones below (for _regression_epoch)
    optimizer: BatchedOptimizer
    kept: np.ndarray | None  # step numbers whose weights are recorded
    step_weights: np.ndarray | None
    batch_loss: np.ndarray
    epoch_loss: np.ndarray
    val_loss: np.ndarray
    epoch_weights: np.ndarray
    diverged: list[int | None]

    @property
    def matrix(self) -> np.ndarray:
        return self.augmented[:-1]

    def by_model(self, rows: np.ndarray) -> np.ndarray:
        """(n, features + 1, K · outputs) weight matrices as (n, K, features + 1, outputs), Result's layout."""
        count, outputs = len(self.resolved), self.data.outputs
        return rows.reshape(len(rows), rows.shape[1], count, outputs).transpose(0, 2, 1, 3)


def _start(resolved: list[Resolved], experiment: Experiment, record_steps: bool, max_step_points: int | None,
           optimizers: Sequence[Experiment] | None = None) -> _Run:  # fmt: skip
    """Data, planned rates, initial weights, optimizer and result arrays for a run."""
    data: Data = make_data(experiment)
    lr, momentum = planned_rates(resolved, experiment, optimizers)
    live = {k: live_scheduler(item, optimizers[k] if optimizers else experiment)
            for k, item in enumerate(resolved) if item.needs_metric}  # fmt: skip
    for k, (torch_optimizer, _) in live.items():  # ReduceLROnPlateau changes the lr only
        momentum[:, k] = momentum_of(torch_optimizer.param_groups[0])
    count, epochs, steps = len(resolved), experiment.epochs, experiment.total_steps
    augmented = np.ones((len(data.initial_weights) + 1, count * data.outputs))
    augmented[:-1] = np.tile(data.initial_weights, count)
    kept = kept_steps(steps, max_step_points) if record_steps else None
    shape = data.initial_weights.shape
    run = _Run(experiment=experiment, data=data, resolved=resolved, live=live, lr=lr, momentum=momentum,
               augmented=augmented, optimizer=batched_optimizer(augmented[:-1].shape, experiment, momentum),
               kept=kept, step_weights=None if kept is None else np.empty((len(kept), count, *shape)),
               batch_loss=np.empty((steps, count)), epoch_loss=np.empty((epochs, count)),
               val_loss=np.empty((epochs, count)), epoch_weights=np.empty((epochs, count, *shape)),
               diverged=[None] * count)  # fmt: skip
    if kept is not None:
        run.step_weights[0] = run.by_model(run.matrix[None])[0]
    return run


def _train_epoch(run: _Run, epoch: int, bounds: list[tuple[int, int]], sizes: np.ndarray) -> None:
    """One epoch's optimizer steps, in chunks of batches whose weight history stays within BLOCK_ELEMENTS.

    Each sample's share of the mean-loss gradient is folded into its inputs, and mini-batch
    losses are computed once per chunk from the weights kept during it.
    """
    data, experiment, matrix = run.data, run.experiment, run.matrix
    per_epoch, outputs, classification = experiment.steps_per_epoch, data.outputs, data.classification
    first = epoch * per_epoch
    for k, (torch_optimizer, _) in run.live.items():
        run.lr[first:first + per_epoch, k] = torch_optimizer.param_groups[0]["lr"]
    # d mean loss / d w = Σ_i x_iᵀ · factor / batch size · error_i: that factor goes into the inputs
    factor = 1.0 if classification else 2.0 / outputs
    order = data.batch_order[epoch]
    for chunk in _row_blocks(per_epoch, matrix.size):
        chunk_bounds = bounds[chunk]
        low, high = chunk_bounds[0][0], chunk_bounds[-1][1]
        local = [(start - low, stop - low) for start, stop in chunk_bounds]
        starts, chunk_sizes = np.array([start for start, _ in local]), sizes[chunk]
        x, y = data.x_train[order[low:high]], data.y_train[order[low:high]]
        scaled = x * np.repeat(factor / chunk_sizes, chunk_sizes)[:, None]
        steps = slice(first + chunk.start, first + chunk.stop)
        lr, momentum = _wide(run.lr[steps], outputs), _wide(run.momentum[steps], outputs)
        history = np.empty((len(local) + 1, *matrix.shape))  # the weights before each step, and after
        history[0] = matrix
        if classification:
            _general_epoch(x, y, scaled, local, matrix, classification, outputs, run.optimizer, lr, momentum, history)
        else:
            _regression_epoch(x, y, scaled, starts, run.augmented, run.optimizer, lr, momentum, history)
        _record_chunk(run, history, steps.start, x, y, starts, chunk_sizes)


def _record_chunk(run: _Run, history: np.ndarray, first_step: int, x: np.ndarray, y: np.ndarray,
                  starts: np.ndarray, sizes: np.ndarray) -> None:  # fmt: skip
    """Mini-batch losses of a chunk's steps and the weights of its kept steps."""
    batch_of_sample = np.repeat(np.arange(len(sizes)), sizes)
    losses = np.concatenate([
        _sample_losses(_batch_outputs(x[rows], history, batch_of_sample[rows]), y[rows], run.data.classification,
                       run.data.outputs)
        for rows in _row_blocks(len(x), history.shape[2])
    ])
    run.batch_loss[first_step:first_step + len(sizes)] = np.add.reduceat(losses, starts) / sizes[:, None]
    if run.kept is not None:  # history[j] holds the weights after step first_step + j
        low, high = np.searchsorted(run.kept, [first_step + 1, first_step + len(sizes) + 1])
        run.step_weights[low:high] = run.by_model(history[run.kept[low:high] - first_step])


def _finish_epoch(run: _Run, epoch: int) -> None:
    """An epoch's losses and weights, divergence, and ReduceLROnPlateau's step on the loss it watches."""
    data, matrix, outputs = run.data, run.matrix, run.data.outputs
    run.epoch_loss[epoch] = _mean_loss(data.x_train, data.y_train, matrix, data.classification, outputs)
    run.val_loss[epoch] = _mean_loss(data.x_val, data.y_val, matrix, data.classification, outputs)
    run.epoch_weights[epoch] = run.by_model(matrix[None])[0]
    for k in np.flatnonzero(~(run.epoch_loss[epoch] <= DIVERGED_LOSS)):
        if run.diverged[k] is None:
            run.diverged[k] = epoch + 1
            matrix[:, k * outputs:(k + 1) * outputs] = np.nan  # keeps every later value NaN, the others untouched
    metric = run.val_loss[epoch] if len(data.x_val) else run.epoch_loss[epoch]
    for k, (_, scheduler) in run.live.items():
        if run.diverged[k] is None:
            scheduler.step(float(metric[k]))


def simulate(schedules: Sequence[Schedule | str], experiment: Experiment, record_steps: bool = False,
             progress: Callable[[float], None] | None = None, max_step_points: int | None = None) -> Result:
    """Train every schedule on the experiment, together, and return all curves.

    The K models live side by side as the columns of one (features + 1, K · outputs) matrix,
    so a step is a few small 2-D array operations whatever K is. `record_steps` keeps the
    weights after every optimizer step, or after at most `max_step_points` evenly spaced ones
    (`Result.step_indices` says which). `progress`, if given, is called with the fraction done
    after each epoch.
    """
    return train_resolved(resolve_all(schedules, experiment), experiment, record_steps, progress, max_step_points)


def train_resolved(resolved: list[Resolved], experiment: Experiment, record_steps: bool = False,
                   progress: Callable[[float], None] | None = None, max_step_points: int | None = None,
                   optimizers: Sequence[Experiment] | None = None) -> Result:  # fmt: skip
    """`simulate` for schedules already resolved and checked against the limits by the caller.

    `optimizers`, if given, holds one experiment per column whose optimizer settings (its lr) that
    column's schedule steps with: a family of base lrs trains as one run (`lrviz.training.sweep`).
    Each column's update is elementwise, so it is bit-identical to training that lr alone.
    """
    run = _start(resolved, experiment, record_steps, max_step_points, optimizers)
    bounds, sizes = _batches(experiment)
    with np.errstate(all="ignore"):  # an overflowing run is a result, handled in _finish_epoch
        for epoch in range(experiment.epochs):
            _train_epoch(run, epoch, bounds, sizes)
            _finish_epoch(run, epoch)
            if progress:
                progress((epoch + 1) / experiment.epochs)
    data = run.data
    return Result(labels=labels_for(resolved), resolved=resolved, experiment=experiment, lr=run.lr,
                  momentum=run.momentum, batch_loss=run.batch_loss, loss=run.epoch_loss,
                  val_loss=run.val_loss if len(data.x_val) else None, weights=run.epoch_weights,
                  step_weights=run.step_weights, diverged_at=run.diverged,
                  optimal_loss=optimal_loss(data.x_train, data.y_train, data.classification),
                  step_indices=run.kept, retrain=None if optimizers else simulate)
