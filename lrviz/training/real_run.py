"""A real training run's step axis, and a schedule's lr over the whole of it from the real torch scheduler.

`RealRun` is a practitioner's run as the script's data loader and loop make it (dataset size, batch size,
gradient accumulation, devices, epochs, how the scheduler is stepped). `trace` steps the real torch scheduler
over it (as `lrviz.training.traces` does, nothing trained) within the limits model's budget of scheduler
updates, and thins it for a chart. `lrviz.training.preflight` checks schedules against such a run.
"""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from torch.optim import lr_scheduler

from lrviz.schedules.params import Param, RunContext, SpecError, check_all
from lrviz.schedules.schedule import Resolved, resolve
from lrviz.training.experiment import Experiment
from lrviz.training.limits import MAX_SCHEDULER_UPDATES, UPDATE_US, updates_per_step
from lrviz.training.traces import SCHEDULER_ERRORS, live_scheduler, lr_trace

PREFLIGHT_SECONDS = 2.0  # of scheduler updates by the limits model, for all the schedules of one real run
FADED = 1e-4  # an lr below this share of its peak trains next to nothing
MAX_REAL_STEPS = 10**9  # optimizer steps of a real run: the axis may be long, stepping it is bounded below
CHART_BUCKETS = 1000  # a real run's trace is drawn as the min and max of this many stretches of steps
ROUNDING = ("steps per epoch = ⌈⌈dataset / devices⌉ / batch⌉ batches per device (PyTorch's DataLoader without "
            "drop_last; DistributedSampler pads every device to ⌈dataset / devices⌉ samples; ⌊ ⌋ both with "
            "drop_last), then ⌈batches / accumulation⌉ optimizer steps (Lightning also steps on a last, shorter "
            "accumulation, as its estimated_stepping_batches counts; Hugging Face's Trainer rounds down)")

REAL_RUN_PARAMS: tuple[Param, ...] = (
    Param("dataset_size", "int", 50_000, "training samples (len(dataset))", low=1, high=10**12),
    Param("batch_size", "int", 32, "batch size per device (the DataLoader's)", low=1, high=10**9),
    Param("accumulation", "int", 1, "gradient accumulation: batches per optimizer step", low=1, high=10**6),
    Param("devices", "int", 1, "devices (data-parallel processes), each with its share of the data", low=1,
          high=10**6),
    Param("epochs", "int", 10, "passes over the training set", low=1, high=10**6),
    Param("per", "choice", "step", "the script calls scheduler.step() after every optimizer step or once per "
          "epoch", choices=("step", "epoch")),
    Param("drop_last", "bool", False, "the DataLoader drops a last, shorter batch"),
)


@dataclass(frozen=True)
class RealRun:
    """A real training run's length, as the script's data loader and loop make it."""

    dataset_size: int = 50_000
    batch_size: int = 32
    accumulation: int = 1
    devices: int = 1
    epochs: int = 10
    per: str = "step"
    drop_last: bool = False

    @classmethod
    def create(cls, **options: Any) -> RealRun:
        run = cls(**check_all(REAL_RUN_PARAMS, options, RunContext(horizon=1)))
        if run.batches_per_epoch < 1:
            raise SpecError(f"drop_last leaves no batch: {run.dataset_size:,} samples over {run.devices} devices "
                            f"is less than one batch of {run.batch_size}", "batch_size")
        if run.total_steps > MAX_REAL_STEPS:
            raise SpecError(f"a real run of at most {MAX_REAL_STEPS:,} optimizer steps (got {run.total_steps:,})",
                            "epochs")
        return run

    @classmethod
    def of(cls, experiment: Experiment) -> RealRun:
        """lrviz's own run, described as a real one."""
        return cls(experiment.train_samples, experiment.batch_size, 1, 1, experiment.epochs,
                   "step" if experiment.per_batch else "epoch")

    @property
    def batches_per_epoch(self) -> int:
        if self.drop_last:
            return (self.dataset_size // self.devices) // self.batch_size
        return math.ceil(math.ceil(self.dataset_size / self.devices) / self.batch_size)

    @property
    def steps_per_epoch(self) -> int:
        return math.ceil(self.batches_per_epoch / self.accumulation)

    @property
    def total_steps(self) -> int:
        return self.steps_per_epoch * self.epochs

    @property
    def per_step(self) -> bool:
        return self.per == "step"

    @property
    def horizon(self) -> int:
        """How many times the script calls scheduler.step()."""
        return self.total_steps if self.per_step else self.epochs

    def context(self, lr: float) -> RunContext:
        return RunContext(self.horizon, self.steps_per_epoch, self.per_step, lr, self.epochs)

    def describe(self) -> str:
        stepped = (f"{self.total_steps:,} scheduler steps (per optimizer step)" if self.per_step
                   else f"{self.epochs:,} scheduler steps (per epoch)")
        return (f"{self.batches_per_epoch:,} batches per epoch per device, {self.steps_per_epoch:,} optimizer steps "
                f"per epoch, {self.total_steps:,} over {self.epochs:,} epochs; {stepped}")


@dataclass(frozen=True)
class Trace:
    """A schedule's lr and momentum over a run, thinned: `steps` are scheduler steps (0 = before any)."""

    steps: np.ndarray
    lr: np.ndarray
    momentum: np.ndarray
    stepped: int  # scheduler steps actually taken (below the run's horizon when over budget)
    horizon: int
    last_lr: float | None  # the lr the last step of the run trains with, if stepped that far
    peak_lr: float
    error: str = ""  # torch's own error, if it raised while being stepped
    faded: int | None = None  # the step from which the lr stays below FADED × its peak
    sampled: bool = False  # the run evaluated at SAMPLES steps, not every one: `faded` is a sample's step

    @property
    def complete(self) -> bool:
        return self.stepped >= self.horizon and not self.error


def budget_steps(resolved: Resolved, schedules: int = 1) -> int:
    """Scheduler steps one schedule may take one by one: its share of what the limits model says
    PREFLIGHT_SECONDS of updates are (a longer run is evaluated at samples, or drawn as far as this)."""
    updates = min(MAX_SCHEDULER_UPDATES, int(PREFLIGHT_SECONDS / (UPDATE_US * 1e-6)))
    return max(1, updates // max(1, schedules) // updates_per_step(resolved))


# torch computes these from the step count alone (`last_epoch` and the base values), so a step far into the
# run is reached by setting the count and stepping once: exactly the lr a sequence of steps gives
FROM_COUNT = (lr_scheduler.LambdaLR, lr_scheduler.OneCycleLR, lr_scheduler.CyclicLR)
# these have torch's closed form, taken by `step(epoch)` (equal to the stepped values up to rounding)
CLOSED_FORM = (lr_scheduler.StepLR, lr_scheduler.MultiStepLR, lr_scheduler.ConstantLR, lr_scheduler.LinearLR,
               lr_scheduler.ExponentialLR, lr_scheduler.PolynomialLR, lr_scheduler.CosineAnnealingLR,
               lr_scheduler.CosineAnnealingWarmRestarts)
SAMPLES = 4 * CHART_BUCKETS  # steps evaluated over a run longer than the budget, for the schedulers above


@lru_cache(maxsize=32)  # each entry is a few thousand floats
def _trace(text: str, ctx: RunContext, settings: Experiment, limit: int) -> Trace:
    resolved = resolve(text, ctx)
    optimizer, scheduler = live_scheduler(resolved, settings)
    group = optimizer.param_groups[0]
    key = "betas" if "betas" in group else "momentum"
    jump = ctx.horizon > limit and type(scheduler) in FROM_COUNT + CLOSED_FORM
    if jump:  # the whole run at SAMPLES steps, and its last two
        targets = np.unique(np.r_[np.linspace(0, ctx.horizon, SAMPLES + 1).astype(int), ctx.horizon - 1])
    else:  # every step, up to the budget
        targets = np.arange(min(ctx.horizon, limit) + 1)
    steps, lrs, momenta, error = [0], [group["lr"]], [group[key]], ""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # step(epoch)'s deprecation, said once per step
            for target in targets[1:]:
                if not jump:
                    scheduler.step()
                elif isinstance(scheduler, FROM_COUNT):
                    scheduler.last_epoch = int(target) - 1
                    scheduler.step()
                else:
                    scheduler.step(int(target))
                steps.append(int(target))
                lrs.append(group["lr"])
                momenta.append(group[key])
    except SCHEDULER_ERRORS as raised:  # OneCycleLR stepped past total_steps
        error = str(raised)
    momentum = np.asarray(momenta, dtype=float)
    return summary(np.asarray(steps), np.asarray(lrs, dtype=float),
                   momentum[:, 0] if momentum.ndim == 2 else momentum, ctx.horizon, error)


def summary(steps: np.ndarray, lr: np.ndarray, momentum: np.ndarray, horizon: int, error: str = "") -> Trace:
    """A trace from the lr and momentum at scheduler steps `steps` (every one from 0, or samples of the run)."""
    stepped, trained = int(steps[-1]), steps < horizon
    at_end = np.flatnonzero(steps == horizon - 1)
    last = float(lr[at_end[0]]) if len(at_end) and not error else None
    # faded: from the first step after which every lr stays below FADED × the peak (a restart climbs back)
    kept = np.flatnonzero(~(lr[trained] < FADED * np.maximum.accumulate(lr[trained])))
    faded = int(steps[kept[-1] + 1]) if len(kept) and kept[-1] + 1 < trained.sum() else None
    faded = int(steps[0]) if not len(kept) else faded
    thinned = thin(steps, lr, momentum)
    return Trace(*thinned, stepped, horizon, last, float(np.nanmax(lr[trained])), error, faded,
                 sampled=len(steps) < stepped + 1)


def thin(steps: np.ndarray, *series: np.ndarray) -> tuple[np.ndarray, ...]:
    """At most 2 × CHART_BUCKETS + 2 points: the ends, and the lowest and highest value of each stretch of the
    first series (the others follow its points), so a short spike or cycle still shows."""
    if len(steps) <= 2 * CHART_BUCKETS:
        return (steps, *series)
    edges = np.linspace(0, len(steps), CHART_BUCKETS + 1).astype(int)
    keep = [[0, len(steps) - 1]]
    main = series[0]
    for start, end in itertools.pairwise(edges):
        part = main[start:end]
        keep.append([start + int(np.argmin(part)), start + int(np.argmax(part))])
    index = np.unique(np.concatenate([np.asarray(k, dtype=int) for k in keep]))
    return (steps[index], *(values[index] for values in series))


def trace(resolved: Resolved, settings: Experiment, schedules: int = 1) -> Trace:
    """The schedule's lr over its run, stepping the real torch scheduler up to the budget of updates."""
    return _trace(str(resolved.schedule), resolved.ctx, settings.optimizer_settings(),
                  budget_steps(resolved, schedules))


def own_trace(resolved: Resolved, experiment: Experiment, schedules: int = 1) -> Trace:
    """lrviz's own run: the trace its training stepped and cached already (`traces.lr_trace`), not a second one."""
    if resolved.needs_metric:
        return trace(resolved, experiment, schedules)
    lrs, momenta = lr_trace(resolved, experiment)
    return summary(np.arange(len(lrs)), lrs, momenta, resolved.ctx.horizon)
