"""A schedule's lr and momentum at every scheduler step, from stepping the real torch scheduler.

A real torch optimizer (on a one-element parameter) and the real scheduler are stepped
(`optimizer.step()` before `scheduler.step()`). A schedule's lr sequence does not depend
on the loss, so it is stepped ahead of training and cached per configuration; only
ReduceLROnPlateau is stepped during training, with the epoch's loss (`live_scheduler`).
Used by both trainers (`lrviz.training.engine`, `lrviz.training.reference`), the cache and the UI.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import torch

from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.registry import Scheduler
from lrviz.schedules.schedule import Resolved, Schedule, resolve
from lrviz.training.experiment import MAX_SCHEDULES, Experiment
from lrviz.training.limits import check_request

# errors torch (or a user's formula) may raise while building or stepping a scheduler
SCHEDULER_ERRORS = (ValueError, ArithmeticError, TypeError, IndexError, KeyError, RuntimeError)
ROUNDING = 1e-12  # relative to the largest lr of a trace


def live_scheduler(resolved: Resolved, experiment: Experiment) -> tuple[torch.optim.Optimizer, Scheduler]:
    """A real optimizer (on a one-element parameter: no training happens on it) and its scheduler."""
    optimizer = experiment.torch_optimizer([torch.zeros(1, requires_grad=True)])
    scheduler = resolved.build(optimizer)
    optimizer.step()  # the order torch expects: optimizer.step(), then scheduler.step()
    return optimizer, scheduler


@lru_cache(maxsize=64)  # up to 2 × 200,001 floats each: bounded to ~200 MB
def _trace(text: str, ctx: RunContext, optimizer_settings: Experiment) -> tuple[np.ndarray, np.ndarray]:
    resolved = resolve(text, ctx)
    try:
        optimizer, scheduler = live_scheduler(resolved, optimizer_settings)
        group = optimizer.param_groups[0]
        # plain lists and local names: this loop runs once per scheduler step (10,000s per batch-stepped run)
        lrs, momenta, step = [], [], scheduler.step
        key = "betas" if "betas" in group else "momentum"
        for _ in range(ctx.horizon):
            lrs.append(group["lr"])
            momenta.append(group[key])
            step()
        lrs.append(group["lr"])
        momenta.append(group[key])
    except SpecError:
        raise
    except SCHEDULER_ERRORS as error:  # a formula's error names its parameter and the epoch
        name = resolved.schedule.name
        raise SpecError(f"{name}: {error}", getattr(error, "param", None), name) from None
    lrs, momenta = np.array(lrs, dtype=float), np.array(momenta, dtype=float)
    if momenta.ndim == 2:  # Adam's (beta1, beta2)
        momenta = momenta[:, 0].copy()
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
    return _trace(str(resolved.schedule), resolved.ctx, experiment.optimizer_settings())


def resolve_all(schedules: Sequence[Schedule | str], experiment: Experiment) -> list[Resolved]:
    """Every schedule checked for the run, and the whole request checked against the limits."""
    if not schedules:
        raise SpecError("give at least one schedule")
    if len(schedules) > MAX_SCHEDULES:
        raise SpecError(f"at most {MAX_SCHEDULES} schedules per comparison (got {len(schedules)})")
    ctx = experiment.context()
    resolved = [resolve(item, ctx) for item in schedules]
    check_request(resolved, experiment)
    return resolved


def labels_for(resolved: list[Resolved]) -> list[str]:
    """Each schedule named by its parameters; repeats get #2, #3 so legends stay unambiguous."""
    labels, seen = [], {}
    for item in resolved:
        label = str(item.schedule)
        seen[label] = seen.get(label, 0) + 1
        labels.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return labels


def planned_rates(resolved: list[Resolved], experiment: Experiment,
                  optimizers: Sequence[Experiment] | None = None) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(steps, K) lr and momentum per optimizer step; ReduceLROnPlateau columns are filled while training.
    `optimizers`: per column, the experiment whose optimizer (its lr) the schedule steps (a sweep of the lr)."""
    steps, per_epoch = experiment.total_steps, experiment.steps_per_epoch
    lr, momentum = np.zeros((steps, len(resolved))), np.zeros((steps, len(resolved)))
    for k, item in enumerate(resolved):
        if item.needs_metric:
            continue
        lrs, momenta = lr_trace(item, optimizers[k] if optimizers else experiment)
        if experiment.per_batch:
            lr[:, k], momentum[:, k] = lrs[:steps], momenta[:steps]
        else:
            lr[:, k] = np.repeat(lrs[: experiment.epochs], per_epoch)
            momentum[:, k] = np.repeat(momenta[: experiment.epochs], per_epoch)
    return lr, momentum
