"""The reference: the tutorial's training loop, done right, one schedule at a time.

A fresh nn.Linear and torch optimizer per schedule, the same initial weights and batch
order as the fast path, `optimizer.step()` then `scheduler.step()`, and the loss taken
on the mini-batch. Slow, and deliberately plain: the fast path is tested against it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from lrviz.schedules.schedule import Resolved, Schedule
from lrviz.training.experiment import Data, Experiment, make_data
from lrviz.training.limits import check_reference
from lrviz.training.optimizers import momentum_of
from lrviz.training.results import DIVERGED_LOSS, Result, optimal_loss
from lrviz.training.traces import labels_for, lr_trace, resolve_all


def _weights(net: nn.Linear) -> np.ndarray:
    return torch.cat([net.weight.T, net.bias[None]]).detach().numpy()


def _train_one(item: Resolved, experiment: Experiment, data: Data, k: int, result: Result,
               record_steps: bool) -> None:  # fmt: skip
    net = data.model()
    optimizer = experiment.torch_optimizer(net.parameters())
    scheduler = item.build(optimizer)
    criterion = nn.CrossEntropyLoss() if data.classification else nn.MSELoss()
    x_train, y_train = data.tensors(data.x_train, data.y_train)
    x_val, y_val = data.tensors(data.x_val, data.y_val)
    group, size, per_epoch = optimizer.param_groups[0], experiment.batch_size, experiment.steps_per_epoch
    step_scheduler_per_batch = experiment.per_batch and not item.needs_metric
    if record_steps:
        result.step_weights[0, k] = _weights(net)
    for epoch in range(experiment.epochs):
        order = torch.tensor(data.batch_order[epoch])
        for batch in range(per_epoch):
            step = epoch * per_epoch + batch
            index = order[batch * size:(batch + 1) * size]
            result.lr[step, k], result.momentum[step, k] = group["lr"], momentum_of(group)
            optimizer.zero_grad()
            loss = criterion(net(x_train[index]), y_train[index])  # the mini-batch, not the whole set
            loss.backward()
            optimizer.step()
            if step_scheduler_per_batch:
                scheduler.step()
            result.batch_loss[step, k] = loss.item()
            if record_steps:
                result.step_weights[step + 1, k] = _weights(net)
        with torch.no_grad():
            train_loss = criterion(net(x_train), y_train).item()
            val_loss = criterion(net(x_val), y_val).item() if len(x_val) else float("nan")
        result.loss[epoch, k], result.weights[epoch, k] = train_loss, _weights(net)
        if result.val_loss is not None:
            result.val_loss[epoch, k] = val_loss
        if not train_loss <= DIVERGED_LOSS and result.diverged_at[k] is None:
            result.diverged_at[k] = epoch + 1  # the schedule goes on: Result blanks only what training computed
        if item.needs_metric:
            if result.diverged_at[k] is None:  # no loss left to follow: its lr stays where it was
                scheduler.step(val_loss if len(x_val) else train_loss)
        elif not experiment.per_batch:
            scheduler.step()


def reference_simulate(schedules: Sequence[Schedule | str], experiment: Experiment,
                       record_steps: bool = False) -> Result:  # fmt: skip
    """Train each schedule with its own nn.Linear, torch optimizer and scheduler."""
    resolved = resolve_all(schedules, experiment)
    check_reference(resolved, experiment)
    for item in resolved:  # the same validation as the fast path: errors while stepping become SpecError
        if not item.needs_metric:
            lr_trace(item, experiment)
    data = make_data(experiment)
    count, steps, epochs = len(resolved), experiment.total_steps, experiment.epochs
    shape = data.initial_weights.shape
    result = Result(
        labels=labels_for(resolved), resolved=resolved, experiment=experiment,
        lr=np.full((steps, count), np.nan), momentum=np.full((steps, count), np.nan),
        batch_loss=np.full((steps, count), np.nan), loss=np.full((epochs, count), np.nan),
        val_loss=np.full((epochs, count), np.nan) if len(data.x_val) else None,
        weights=np.full((epochs, count, *shape), np.nan),
        step_weights=np.full((steps + 1, count, *shape), np.nan) if record_steps else None,
        diverged_at=[None] * count,
        optimal_loss=optimal_loss(data.x_train, data.y_train, data.classification),
    )
    for k, item in enumerate(resolved):
        _train_one(item, experiment, data, k, result, record_steps)
    result.blank_after_divergence()  # apply the NaN-after-divergence rule to what was filled in
    return result
