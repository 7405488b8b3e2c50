"""The fast path: every schedule of a comparison trained together, in stacked arrays.

Learning rates come from stepping the real torch schedulers on a real torch optimizer
(`optimizer.step()` before `scheduler.step()`). A schedule's lr sequence does not
depend on the loss, so it is stepped ahead of training and cached per configuration;
only ReduceLROnPlateau is stepped during training, with the epoch's loss.
The K models then train in one loop over the shared batches, with the gradient of the
linear model written out. `lrviz.reference` is the plain loop this is checked against.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache

import numpy as np
import torch

from lrviz.experiment import MAX_SCHEDULES, Data, Experiment, make_data
from lrviz.limits import check_request
from lrviz.optimizers import batched_optimizer, momentum_of
from lrviz.params import RunContext, SpecError
from lrviz.registry import Scheduler
from lrviz.results import DIVERGED_LOSS, Result, full_loss
from lrviz.spec import Resolved, Schedule, resolve

# errors torch (or a user's formula) may raise while building or stepping a scheduler
SCHEDULER_ERRORS = (ValueError, ArithmeticError, TypeError, IndexError, KeyError, RuntimeError)
ROUNDING = 1e-12  # relative to the largest lr of a trace


def live_scheduler(resolved: Resolved, experiment: Experiment) -> tuple[torch.optim.Optimizer, Scheduler]:
    """A real optimizer (on a one-element parameter: no training happens on it) and its scheduler."""
    optimizer = experiment.torch_optimizer([torch.zeros(1, requires_grad=True)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. SequentialLR's deprecation chatter
        scheduler = resolved.build(optimizer)
    optimizer.step()  # the order torch expects: optimizer.step(), then scheduler.step()
    return optimizer, scheduler


@lru_cache(maxsize=256)
def _trace(text: str, ctx: RunContext, optimizer_settings: Experiment) -> tuple[np.ndarray, np.ndarray]:
    resolved = resolve(text, ctx)
    try:
        optimizer, scheduler = live_scheduler(resolved, optimizer_settings)
        group = optimizer.param_groups[0]
        lrs, momenta = np.empty(ctx.horizon + 1), np.empty(ctx.horizon + 1)
        for t in range(ctx.horizon):
            lrs[t], momenta[t] = group["lr"], momentum_of(group)
            scheduler.step()
        lrs[-1], momenta[-1] = group["lr"], momentum_of(group)
    except SpecError:
        raise
    except SCHEDULER_ERRORS as error:  # a formula's error names its parameter and the epoch
        name = resolved.schedule.name
        raise SpecError(f"{name}: {error}", getattr(error, "param", None), name) from None
    lrs = _without_rounding_noise(lrs)
    _check_rates(resolved, lrs)
    lrs.setflags(write=False)
    momenta.setflags(write=False)
    return lrs, momenta


def _formula_param(resolved: Resolved) -> str | None:
    """The name of a formula parameter in the schedule or its parts: the likely cause of a runaway lr."""
    own = next((param.name for param in resolved.spec.params if param.kind == "formula"), None)
    return own or next((name for child in resolved.children if (name := _formula_param(child))), None)


def _without_rounding_noise(lrs: np.ndarray) -> np.ndarray:
    """0 for an lr a rounding error below zero: LinearLR decaying to end_factor=0 lands on -1.9e-20."""
    finite = np.abs(lrs[np.isfinite(lrs)])
    noise = ROUNDING * (finite.max() if len(finite) else 0.0)
    return np.where((lrs < 0) & (lrs >= -noise), 0.0, lrs)


def _check_rates(resolved: Resolved, lrs: np.ndarray) -> None:
    """Every lr the run trains with must be a finite number ≥ 0: a MultiplicativeLR factor above 1 can overflow it.

    The value after the last step is torch's own and left as is: OneCycleLR's linear anneal, stepped
    total_steps times as its docs say, extrapolates it just below zero.
    """
    bad = np.flatnonzero(~(np.isfinite(lrs[:-1]) & (lrs[:-1] >= 0)))
    if len(bad):
        name, param, t = resolved.schedule.name, _formula_param(resolved), int(bad[0])
        cause = f"{param} drives the lr" if param else "the lr goes"
        raise SpecError(f"{name}: {cause} to {lrs[t]:g} after {t} scheduler steps", param, name)


def lr_trace(resolved: Resolved, experiment: Experiment) -> tuple[np.ndarray, np.ndarray]:
    """lr and momentum before each of the run's scheduler steps, plus the value after the last.

    Entry t is what `optimizer.param_groups[0]` holds after t calls to `scheduler.step()`;
    printing `get_last_lr()` after each step (as the tutorials do) shows entries 1..horizon.
    """
    settings = replace(Experiment(), **{k: getattr(experiment, k) for k in
                                        ("optimizer", "lr", "momentum", "nesterov", "weight_decay")})
    return _trace(str(resolved.schedule), resolved.ctx, settings)


def resolve_all(schedules: Sequence[Schedule | str], experiment: Experiment,
                record_steps: bool = False) -> list[Resolved]:  # fmt: skip
    """Every schedule checked for the run, and the whole request checked against the limits."""
    if not schedules:
        raise SpecError("give at least one schedule")
    if len(schedules) > MAX_SCHEDULES:
        raise SpecError(f"at most {MAX_SCHEDULES} schedules per comparison (got {len(schedules)})")
    ctx = experiment.context()
    resolved = [resolve(item, ctx) for item in schedules]
    check_request(resolved, experiment, record_steps)
    return resolved


def labels_for(resolved: list[Resolved]) -> list[str]:
    """Each schedule named by its parameters; repeats get #2, #3 so legends stay unambiguous."""
    labels, seen = [], {}
    for item in resolved:
        label = str(item.schedule)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return labels


def planned_rates(resolved: list[Resolved], experiment: Experiment) -> tuple[np.ndarray, np.ndarray]:
    """(steps, K) lr and momentum per optimizer step; ReduceLROnPlateau columns are filled while training."""
    steps, per_epoch = experiment.total_steps, experiment.steps_per_epoch
    lr, momentum = np.zeros((steps, len(resolved))), np.zeros((steps, len(resolved)))
    for k, item in enumerate(resolved):
        if item.needs_metric:
            continue
        lrs, momenta = lr_trace(item, experiment)
        if experiment.per_batch:
            lr[:, k], momentum[:, k] = lrs[:steps], momenta[:steps]
        else:
            lr[:, k] = np.repeat(lrs[: experiment.epochs], per_epoch)
            momentum[:, k] = np.repeat(momenta[: experiment.epochs], per_epoch)
    return lr, momentum


def _gradient(out: np.ndarray, y: np.ndarray, classification: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per-model batch loss and d loss / d output for MSE or softmax cross-entropy (mean over the batch)."""
    if classification:
        top = out.max(axis=-1, keepdims=True)
        exp = np.exp(out - top)
        total = exp.sum(axis=-1, keepdims=True)
        loss = (np.log(total[..., 0]) + top[..., 0] - (out * y).sum(axis=-1)).mean(axis=1)
        return loss, (exp / total - y) / out.shape[1]
    residual = out - y
    size = residual.shape[1] * residual.shape[2]
    return np.einsum("kbo,kbo->k", residual, residual) / size, residual * (2.0 / size)


def simulate(schedules: Sequence[Schedule | str], experiment: Experiment, record_steps: bool = False) -> Result:
    """Train every schedule on the experiment, together, and return all curves."""
    resolved = resolve_all(schedules, experiment, record_steps)
    data: Data = make_data(experiment)
    lr, momentum = planned_rates(resolved, experiment)
    live = {k: live_scheduler(item, experiment) for k, item in enumerate(resolved) if item.needs_metric}
    count, epochs, per_epoch, size = len(resolved), experiment.epochs, experiment.steps_per_epoch, experiment.batch_size
    weights = np.repeat(data.initial_weights[None], count, axis=0)
    optimizer = batched_optimizer(weights.shape, experiment)
    batch_loss = np.empty((experiment.total_steps, count))
    epoch_loss, val_loss = np.empty((epochs, count)), np.empty((epochs, count))
    epoch_weights = np.empty((epochs, *weights.shape))
    step_weights = np.empty((experiment.total_steps + 1, *weights.shape)) if record_steps else None
    if record_steps:
        step_weights[0] = weights
    diverged: list[int | None] = [None] * count
    lr_columns, momentum_columns = lr[:, :, None, None], momentum[:, :, None, None]
    with np.errstate(all="ignore"):  # an overflowing run is a result, handled below
        for epoch in range(epochs):
            first = epoch * per_epoch
            for k, (torch_optimizer, _) in live.items():
                group = torch_optimizer.param_groups[0]
                lr[first:first + per_epoch, k], momentum[first:first + per_epoch, k] = group["lr"], momentum_of(group)
            order = data.batch_order[epoch]
            x_epoch, y_epoch = data.x_train[order], data.y_train[order]
            for batch in range(per_epoch):
                step = first + batch
                x = x_epoch[batch * size:(batch + 1) * size]
                batch_loss[step], d_out = _gradient(x @ weights, y_epoch[batch * size:(batch + 1) * size],
                                                    data.classification)
                optimizer.step(weights, x.T @ d_out, lr_columns[step], momentum_columns[step])
                if record_steps:
                    step_weights[step + 1] = weights
            epoch_loss[epoch] = full_loss(weights, data.x_train, data.y_train, data.classification)
            val_loss[epoch] = full_loss(weights, data.x_val, data.y_val, data.classification)
            epoch_weights[epoch] = weights
            for k in np.flatnonzero(~(epoch_loss[epoch] <= DIVERGED_LOSS)):
                if diverged[k] is None:
                    diverged[k] = epoch + 1
                    weights[k] = np.nan  # keeps every later value of this run NaN, the others untouched
            metric = val_loss[epoch] if len(data.x_val) else epoch_loss[epoch]
            for k, (_, scheduler) in live.items():
                if diverged[k] is None:
                    scheduler.step(float(metric[k]))
    return Result(labels_for(resolved), resolved, experiment, lr, momentum, batch_loss, epoch_loss,
                  val_loss if len(data.x_val) else None, epoch_weights, step_weights, diverged)
