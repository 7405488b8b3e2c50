"""The learning-rate range test (Leslie Smith 2015; fastai's `lr_find`).

Train the experiment's model from its initial weights for a few mini-batches while the
lr grows exponentially from `start_lr` to `end_lr`, and watch the loss: it falls once
the lr is large enough to make progress and blows up once the lr is too large. The lr
comes from a real torch ExponentialLR stepped after each `optimizer.step()`. The loss is
smoothed with a bias-corrected exponential moving average, as fastai does, but of its
logarithm and over about five batches (beta 0.8, not fastai's 0.98 of the loss itself):
this model's loss falls by five orders of magnitude within a dozen batches, and fastai's
average, made for noisy deep nets, smears that drop into a flat line on the log axis.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn
from torch.optim import lr_scheduler

from lrviz.schedules.params import SpecError
from lrviz.training.experiment import Data, Experiment, make_data
from lrviz.training.limits import check_range_test

MAX_SWEEP_STEPS = 10_000  # mini-batches in one sweep (experiment.MAX_STEPS bounds a training run)


@dataclass(frozen=True)
class RangeTest:
    """One sweep. `lrs[t]` trained step t; `losses[t]` is the smoothed loss after it (raw: that batch's loss)."""

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    steepest: float  # lr where the smoothed log loss falls fastest against log lr (see _suggestions)
    min_over_ten: float  # lr of the lowest smoothed loss / 10, never below start_lr (inside the sweep)
    stopped_early: bool  # the loss passed diverge_factor × its best and the sweep stopped


def _check(start_lr: float, end_lr: float, num_steps: int, beta: float, diverge_factor: float) -> None:
    if not 0 < start_lr < end_lr:
        raise SpecError(f"need 0 < start_lr < end_lr (got {start_lr:g} and {end_lr:g})", "start_lr")
    if not 2 <= num_steps <= MAX_SWEEP_STEPS:
        raise SpecError(f"num_steps must be between 2 and {MAX_SWEEP_STEPS} (got {num_steps})", "num_steps")
    if not 0 <= beta < 1:
        raise SpecError(f"beta must be ≥ 0 and < 1 (got {beta:g})", "beta")
    if not diverge_factor > 1:
        raise SpecError(f"diverge_factor must be above 1 (got {diverge_factor:g})", "diverge_factor")


def _batch_indices(experiment: Experiment, data: Data) -> Iterator[torch.Tensor]:
    """The run's mini-batches in its own order, epoch after epoch, starting over if the sweep is longer."""
    size = experiment.batch_size
    for order in itertools.cycle(data.batch_order):
        for start in range(0, len(order), size):
            yield torch.from_numpy(order[start:start + size].copy())


def range_test(experiment: Experiment, start_lr: float = 1e-7, end_lr: float = 10.0, num_steps: int = 100,
               beta: float = 0.8, diverge_factor: float = 4.0) -> RangeTest:  # fmt: skip
    """Sweep the lr exponentially over `num_steps` mini-batches of the experiment (as fastai, but for beta)."""
    _check(start_lr, end_lr, num_steps, beta, diverge_factor)
    check_range_test(experiment, num_steps)  # before any of the work: a sweep of full batches of 100,000 is long
    data = make_data(experiment)
    net = data.model()  # the experiment's initial weights, float64
    inputs, targets = data.tensors(data.x_train, data.y_train)
    criterion = nn.CrossEntropyLoss() if data.classification else nn.MSELoss()
    optimizer = replace(experiment, lr=start_lr).torch_optimizer(net.parameters())
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=(end_lr / start_lr) ** (1 / (num_steps - 1)))
    lrs, raw, smoothed = [], [], []
    average, best, stopped = 0.0, np.inf, False
    for step, index in zip(range(num_steps), _batch_indices(experiment, data), strict=False):
        lr = optimizer.param_groups[0]["lr"]
        optimizer.zero_grad()
        loss = criterion(net(inputs[index]), targets[index])
        value = loss.item()
        if not np.isfinite(value):
            stopped = True
            break
        loss.backward()
        optimizer.step()
        scheduler.step()
        average = beta * average + (1 - beta) * np.log(max(value, 1e-300))
        smooth = np.exp(average / (1 - beta ** (step + 1)))  # undo the pull towards the 0 the average starts from
        lrs.append(lr)
        raw.append(value)
        smoothed.append(smooth)
        best = min(best, smooth)
        if smooth > diverge_factor * best:
            stopped = True
            break
    if len(lrs) < 2:
        raise SpecError(f"the loss overflowed at the first step; lower start_lr (got {start_lr:g})", "start_lr")
    lrs_array, losses = np.array(lrs), np.array(smoothed)
    steepest, lowest = _suggestions(lrs_array, losses, num_steps)
    return RangeTest(lrs=lrs_array, losses=losses, raw_losses=np.array(raw), steepest=steepest,
                     min_over_ten=max(lowest / 10, start_lr), stopped_early=stopped)


def _suggestions(lrs: np.ndarray, losses: np.ndarray, num_steps: int) -> tuple[float, float]:
    """lr of the steepest descent (of the log loss: what the chart's log axis shows) and lr of the lowest loss.

    As fastai's lr_find, the first tenth of the sweep (the average is still settling) and
    the last five points (the blow-up) are left out when enough points remain. Unlike it,
    the slope is taken across a tenth of the sweep, not between neighbours, and credited to
    the middle of that span: on an easy problem the batch-to-batch wobble of the still-flat
    start is otherwise steeper than the real descent (one-step slopes pick lr ≈ 1e-5 here).
    """
    keep = slice(num_steps // 10, len(lrs) - 5)
    if len(lrs[keep]) >= 2:
        lrs, losses = lrs[keep], losses[keep]
    span = max(1, min(num_steps // 10, len(lrs) - 1))
    logs = np.log(losses)
    slopes = (logs[span:] - logs[:-span]) / np.log(lrs[span:] / lrs[:-span])
    return float(lrs[slopes.argmin() + span // 2]), float(lrs[losses.argmin()])
