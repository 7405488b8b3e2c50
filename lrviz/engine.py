"""The fast path: every schedule of a comparison trained together, in stacked arrays.

Learning rates come from stepping the real torch schedulers (`lrviz.traces`): planned
ahead and cached, except ReduceLROnPlateau, stepped during training with the epoch's loss.
The K models then train in one loop over the shared batches, with the gradient of the
linear model written out (for MSE, from each batch's Gram matrix). `lrviz.reference` is
the plain loop this is checked against.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from lrviz.experiment import Data, Experiment, make_data
from lrviz.optimizers import BatchedOptimizer, batched_optimizer, momentum_of
from lrviz.results import DIVERGED_LOSS, Result, optimal_loss
from lrviz.schedule import Schedule
from lrviz.traces import labels_for, live_scheduler, planned_rates, resolve_all


def _sample_losses(out: np.ndarray, y: np.ndarray, classification: bool, outputs: int) -> np.ndarray:
    """(n, K) loss of each sample under each model; out and y are (n, K · outputs), model-major."""
    out3 = out.reshape(len(out), -1, outputs)
    if classification:
        top = out3.max(axis=-1, keepdims=True)
        log_norm = np.log(np.exp(out3 - top).sum(axis=-1)) + top[..., 0]
        return log_norm - (out3 * y.reshape(out3.shape)).sum(axis=-1)
    residual = out3 - y.reshape(out3.shape)
    return (residual * residual).mean(axis=-1)


def _output_error(out: np.ndarray, y: np.ndarray, classification: bool, outputs: int) -> np.ndarray:
    """d loss / d output, up to the per-sample factor folded into the inputs (see `simulate`)."""
    if not classification:
        return out - y  # MSE: 2 (out - y) / (batch · outputs)
    out3 = out.reshape(len(out), -1, outputs)  # softmax cross-entropy: (softmax - y) / batch
    exp = np.exp(out3 - out3.max(axis=-1, keepdims=True))
    exp /= exp.sum(axis=-1, keepdims=True)
    return exp.reshape(out.shape) - y


def _linear(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """x @ matrix, summed over the features with numpy's own reduction, not BLAS.

    BLAS picks its kernel by the matrix's width and memory layout, so `x @ matrix` rounds a
    model's outputs differently depending on how many models share the matrix. This sum
    keeps each model's result bit-identical whatever else is trained (tests/test_engine.py).
    """
    return np.sum(x[:, :, None] * matrix[None], axis=1)


def _mean_loss(x: np.ndarray, y: np.ndarray, matrix: np.ndarray, classification: bool,
               outputs: int) -> np.ndarray | float:  # fmt: skip
    """(K,) mean loss over the samples; each model's sum runs along a contiguous row, the same way for any K."""
    if not len(x):  # no validation split
        return np.nan
    losses = _sample_losses(_linear(x, matrix), y, classification, outputs)
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
    """One epoch of MSE: each batch's gradient from its Gram matrix, one product and one short sum per step.

    Σ_i s_i x_iᵀ (x_i w - y_i) = [Σ_i s_i x_iᵀ x_i | -Σ_i s_i x_iᵀ y_i] · [w; 1], and those
    (features + 1, features + 2) matrices depend on the data only: all of an epoch's are
    summed up front. `augmented` is the weights with a row of ones below; the features + 2
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
    """One epoch of any loss: forward pass, output error and gradient per batch (classification's path)."""
    for batch, (start, stop) in enumerate(bounds):
        error = _output_error(_linear(x[start:stop], matrix), y[start:stop], classification, outputs)
        gradient = np.einsum("bd,bk->dk", scaled[start:stop], error)  # like _linear, K-invariant
        optimizer.step(matrix, gradient, lr[batch], momentum[batch])
        history[batch + 1] = matrix


def simulate(schedules: Sequence[Schedule | str], experiment: Experiment, record_steps: bool = False,
             progress: Callable[[float], None] | None = None) -> Result:  # fmt: skip
    """Train every schedule on the experiment, together, and return all curves.

    The K models live side by side as the columns of one (features + 1, K · outputs)
    matrix, so a step is a few small 2-D array operations whatever K is. Each sample's
    share of the mean-loss gradient is folded into its inputs once per epoch, and
    mini-batch losses are computed once per epoch from the weights kept during it.
    `progress`, if given, is called with the fraction done after each epoch.
    """
    resolved = resolve_all(schedules, experiment)
    data: Data = make_data(experiment)
    lr, momentum = planned_rates(resolved, experiment)
    live = {k: live_scheduler(item, experiment) for k, item in enumerate(resolved) if item.needs_metric}
    for k, (torch_optimizer, _) in live.items():  # ReduceLROnPlateau changes the lr only
        momentum[:, k] = momentum_of(torch_optimizer.param_groups[0])
    count, epochs, per_epoch, outputs = len(resolved), experiment.epochs, experiment.steps_per_epoch, data.outputs
    classification = data.classification
    # matrix[:, k · outputs:(k + 1) · outputs] is model k's (features + 1, outputs) weights; weights and
    # by_model are the same memory, and the row of ones below is for _regression_epoch
    augmented = np.ones((len(data.initial_weights) + 1, count * outputs))
    matrix = augmented[:-1]
    matrix[:] = np.tile(data.initial_weights, count)
    weights = matrix.reshape(len(matrix), count, outputs)
    by_model = weights.transpose(1, 0, 2)  # the (K, features + 1, outputs) layout of Result
    optimizer = batched_optimizer(matrix.shape, experiment, momentum)
    bounds, sizes = _batches(experiment)
    starts = np.array([start for start, _ in bounds])
    batch_of_sample = np.repeat(np.arange(per_epoch), sizes)
    # d mean loss / d w = Σ_i x_iᵀ · factor / batch size · error_i: that factor goes into the inputs
    factor = 1.0 if classification else 2.0 / outputs
    sample_scale = np.repeat(factor / sizes, sizes)[:, None]
    y_train = np.tile(data.y_train, count)
    y_val = np.tile(data.y_val, count)
    history = np.empty((per_epoch + 1, *matrix.shape))  # the weights before each step of an epoch, and after
    batch_loss = np.empty((experiment.total_steps, count))
    epoch_loss, val_loss = np.empty((epochs, count)), np.empty((epochs, count))
    epoch_weights = np.empty((epochs, *by_model.shape))
    step_weights = np.empty((experiment.total_steps + 1, *by_model.shape)) if record_steps else None
    if record_steps:
        step_weights[0] = by_model
    diverged: list[int | None] = [None] * count
    with np.errstate(all="ignore"):  # an overflowing run is a result, handled below
        for epoch in range(epochs):
            first = epoch * per_epoch
            for k, (torch_optimizer, _) in live.items():
                lr[first:first + per_epoch, k] = torch_optimizer.param_groups[0]["lr"]
            epoch_lr = _wide(lr[first:first + per_epoch], outputs)
            epoch_momentum = _wide(momentum[first:first + per_epoch], outputs)
            order = data.batch_order[epoch]
            x_epoch, y_epoch = data.x_train[order], y_train[order]
            scaled = x_epoch * sample_scale
            history[0] = matrix
            if classification:
                _general_epoch(x_epoch, y_epoch, scaled, bounds, matrix, classification, outputs, optimizer,
                               epoch_lr, epoch_momentum, history)
            else:
                _regression_epoch(x_epoch, y_epoch, scaled, starts, augmented, optimizer, epoch_lr,
                                  epoch_momentum, history)
            if record_steps:
                step_weights[first + 1:first + per_epoch + 1] = \
                    history[1:].reshape(per_epoch, len(matrix), count, outputs).transpose(0, 2, 1, 3)
            batch_outputs = np.add.reduce(x_epoch[:, :, None] * history[batch_of_sample], axis=1)  # as _linear
            losses = _sample_losses(batch_outputs, y_epoch, classification, outputs)
            batch_loss[first:first + per_epoch] = np.add.reduceat(losses, starts) / sizes[:, None]
            epoch_loss[epoch] = _mean_loss(data.x_train, y_train, matrix, classification, outputs)
            val_loss[epoch] = _mean_loss(data.x_val, y_val, matrix, classification, outputs)
            epoch_weights[epoch] = by_model
            for k in np.flatnonzero(~(epoch_loss[epoch] <= DIVERGED_LOSS)):
                if diverged[k] is None:
                    diverged[k] = epoch + 1
                    weights[:, k] = np.nan  # keeps every later value of this run NaN, the others untouched
            metric = val_loss[epoch] if len(data.x_val) else epoch_loss[epoch]
            for k, (_, scheduler) in live.items():
                if diverged[k] is None:
                    scheduler.step(float(metric[k]))
            if progress:
                progress((epoch + 1) / epochs)
    return Result(labels_for(resolved), resolved, experiment, lr, momentum, batch_loss, epoch_loss,
                  val_loss if len(data.x_val) else None, epoch_weights, step_weights, diverged,
                  optimal_loss(data.x_train, data.y_train, data.classification))
