"""Pre-flight check of a real training run: its step axis, and what each schedule does over the whole of it.

A practitioner's run is described by `RealRun` (dataset size, batch size, gradient accumulation, devices, epochs,
how the script steps the scheduler). `check` returns `Finding`s, each naming the numbers: a `T_max` shorter than
the run (the lr climbs back), OneCycleLR's `total_steps` shorter (torch raises) or longer (never anneals), a
length counted in epochs but stepped per batch or the reverse, a schedule that never decays, a SequentialLR
milestone at 0 or past the end, a warm-up or a decay that does not finish. Nothing is trained: the real torch
scheduler is stepped (as `lrviz.training.traces` does), within the limits model's budget of scheduler updates.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from lrviz.schedules.params import Param, RunContext, SpecError, check_all
from lrviz.schedules.schedule import Resolved, Schedule, parse, resolve
from lrviz.training.experiment import Experiment
from lrviz.training.limits import MAX_SCHEDULER_UPDATES, UPDATE_US, updates_per_step
from lrviz.training.traces import SCHEDULER_ERRORS, live_scheduler

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
    Param("epochs", "int", 1, "passes over the training set", low=1, high=10**6),
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
    epochs: int = 1
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
class Finding:
    """One warning about a schedule on a run: `kind` for code, `message` for people, `step` where it happens."""

    schedule: str
    kind: str  # restarts, raises, never_anneals, units, no_decay, milestone, unfinished, refused
    message: str
    step: int | None = None

    def __str__(self) -> str:
        return f"{self.schedule}: {self.message}"


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

    @property
    def complete(self) -> bool:
        return self.stepped >= self.horizon and not self.error


def budget_steps(resolved: Resolved, schedules: int = 1) -> int:
    """Scheduler steps one schedule may take within the limits' budget of updates for one request."""
    return MAX_SCHEDULER_UPDATES // max(1, schedules) // updates_per_step(resolved)


def estimated_seconds(resolved: Resolved, steps: int) -> float:
    return steps * updates_per_step(resolved) * UPDATE_US * 1e-6


@lru_cache(maxsize=32)  # each entry is a few thousand floats
def _trace(text: str, ctx: RunContext, settings: Experiment, limit: int) -> Trace:
    resolved = resolve(text, ctx)
    optimizer, scheduler = live_scheduler(resolved, settings)
    group, step, count = optimizer.param_groups[0], scheduler.step, min(ctx.horizon, limit)
    key = "betas" if "betas" in group else "momentum"
    lrs, momenta, error = [group["lr"]], [group[key]], ""
    try:
        for _ in range(count):
            step()
            lrs.append(group["lr"])
            momenta.append(group[key])
    except SCHEDULER_ERRORS as raised:  # OneCycleLR stepped past total_steps
        error = str(raised)
    lr, momentum = np.asarray(lrs, dtype=float), np.asarray(momenta, dtype=float)
    if momentum.ndim == 2:
        momentum = momentum[:, 0].copy()
    stepped = len(lr) - 1
    last = float(lr[ctx.horizon - 1]) if stepped >= ctx.horizon - 1 and not error else None
    steps, lr_thin, momentum_thin = thin(np.arange(len(lr)), lr, momentum)
    return Trace(steps, lr_thin, momentum_thin, stepped, ctx.horizon, last, float(np.nanmax(lr[:ctx.horizon])), error)


def thin(steps: np.ndarray, *series: np.ndarray) -> tuple[np.ndarray, ...]:
    """At most 2 × CHART_BUCKETS points: the first, lowest and highest value of each stretch of the first
    series (the others follow its points), so a short spike or cycle still shows."""
    if len(steps) <= 2 * CHART_BUCKETS:
        return (steps, *series)
    edges = np.linspace(0, len(steps), CHART_BUCKETS + 1).astype(int)
    keep = [edges[:-1], [len(steps) - 1]]
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


def _at(trace_: Trace | None, step: int) -> float | None:
    if trace_ is None or step > trace_.stepped:
        return None
    found = np.flatnonzero(trace_.steps == step)
    return float(trace_.lr[found[0]]) if len(found) else None


def _ends(trace_: Trace | None, instead: str) -> str:
    """"; it ends at lr X instead of Y", when the run was stepped to its end."""
    last = trace_.last_lr if trace_ is not None else None
    return "" if last is None else f"; it ends at lr {last:.3g} instead of {instead}"


def _epoch_of(step: int, ctx: RunContext) -> str:
    if not ctx.per_batch:
        return f"epoch {step}"
    return f"epoch {math.ceil(step / ctx.steps_per_epoch)}"


def _lengths(resolved: Resolved) -> list[tuple[str, str, int, float | None]]:
    """(role, parameter, length in scheduler steps, the lr at its end) of a schedule's warm-ups and decays."""
    p, lr, name = resolved.params, resolved.ctx.lr, resolved.schedule.name
    if name == "LinearLR":
        role = "warm-up" if p["end_factor"] > p["start_factor"] else "decay"
        return [(role, "total_iters", p["total_iters"], p["end_factor"] * lr)]
    if name == "ConstantLR":
        return [("warm-up", "total_iters", p["total_iters"], lr)] if p["total_iters"] else []
    if name == "PolynomialLR":
        return [("decay", "total_iters", p["total_iters"], 0.0)]
    if name in ("InverseSqrt", "WarmupCosine", "WarmupStableDecay"):
        return [("warm-up", "warmup", p["warmup"], lr)]
    found = []
    if p.get("num_warmup_steps"):
        found.append(("warm-up", "num_warmup_steps", p["num_warmup_steps"], lr))
    if p.get("num_training_steps") is not None:
        found.append(("decay", "num_training_steps", p["num_training_steps"], p.get("lr_end", 0.0)))
    return found


def _own_findings(resolved: Resolved, label: str, trace_: Trace | None) -> list[Finding]:
    """Warnings from one schedule's own parameters against the run it runs for (`resolved.ctx`)."""
    ctx, p, name, found = resolved.ctx, resolved.params, resolved.schedule.name, []
    horizon, unit = ctx.horizon, "scheduler steps" if ctx.per_batch else "epochs (stepped per epoch)"

    def add(kind: str, message: str, step: int | None = None) -> None:
        found.append(Finding(label, kind, message, step))

    if name == "CosineAnnealingLR" and p["T_max"] < horizon:
        t = p["T_max"]
        add("restarts", f"T_max={t} is shorter than the run's {horizon:,} {unit}: the lr reaches eta_min="
            f"{p['eta_min']:g} at step {t} ({_epoch_of(t, ctx)}), then climbs back up from step {t + 1}, to the "
            f"base lr at step {2 * t}", t + 1)
    if name == "CosineAnnealingLR" and p["T_max"] > horizon:
        eta_min = f"eta_min={p['eta_min']:g}"
        add("unfinished", f"the decay does not finish: T_max={p['T_max']:,} but the run has {horizon:,} "
            f"{unit}{_ends(trace_, eta_min)}", horizon)
    if name == "OneCycleLR":
        total, peak = p["total_steps"], max(0, round(p["pct_start"] * p["total_steps"]) - 1)
        final = p["max_lr"] / p["div_factor"] / p["final_div_factor"]
        if total < horizon:
            add("raises", f"total_steps={total:,} is shorter than the run's {horizon:,} {unit}: torch raises "
                f"\"Tried to step {total + 1} times\" at scheduler step {total + 1:,} ({_epoch_of(total + 1, ctx)})",
                total + 1)
        elif total > horizon:
            where = "it never anneals: the run ends while it still warms up" if horizon <= peak else "it never " \
                "finishes annealing"
            add("never_anneals", f"total_steps={total:,} is longer than the run's {horizon:,} {unit}: {where} "
                f"(peak at step {peak:,}){_ends(trace_, f'the final lr {final:.3g}')}", horizon)
    for role, param, length, end_lr in _lengths(resolved):
        if length > horizon:
            add("unfinished", f"the {role} does not finish: {param}={length:,} but the run has {horizon:,} "
                f"{unit}{_ends(trace_, f'{end_lr:.3g}')}", horizon)
    if name == "SequentialLR":
        for index, milestone in enumerate(p["milestones"]):
            if milestone >= horizon:
                part = resolved.children[index + 1].schedule.name
                add("milestone", f"milestone {milestone:,} is at or past the run's end ({horizon:,} {unit}): part "
                    f"{index + 2} ({part}) never runs", milestone)
    found += _unit_findings(resolved, label)
    return found


def _unit_findings(resolved: Resolved, label: str) -> list[Finding]:
    """A length that looks counted in the other unit: epochs stepped per batch, or batches stepped per epoch."""
    ctx, found = resolved.ctx, []
    lengths = [(role, param, length) for role, param, length, _ in _lengths(resolved)]
    if resolved.schedule.name == "CosineAnnealingLR":
        lengths.append(("decay", "T_max", resolved.params["T_max"]))
    if resolved.schedule.name == "OneCycleLR":
        lengths.append(("cycle", "total_steps", resolved.params["total_steps"]))
    spe, epochs = ctx.steps_per_epoch, ctx.epochs
    for role, param, length in lengths:
        if ctx.per_batch and spe > 1 and 0 < length <= epochs and length < spe:
            found.append(Finding(label, "units", f"the {role} looks counted in epochs but the scheduler is stepped "
                                 f"per optimizer step: {param}={length} ends within the first epoch ({spe:,} steps "
                                 f"per epoch); {length} epochs are {length * spe:,} steps", length))
        elif not ctx.per_batch and spe > 1 and length > epochs and length <= spe * epochs:
            found.append(Finding(label, "units", f"the {role} looks counted in optimizer steps but the scheduler is "
                                 f"stepped per epoch: {param}={length:,} epochs, past the run's {epochs:,}; per "
                                 f"optimizer step it would end in epoch {math.ceil(length / spe)}", epochs))
    return found


NOT_DECAYING = {"Constant", "ConstantLR", "CyclicLR", "ReduceLROnPlateau", "get_constant_schedule_with_warmup"}


def _no_decay(resolved: Resolved, label: str, trace_: Trace, found: list[Finding]) -> list[Finding]:
    name = resolved.schedule.name
    if name in NOT_DECAYING or not trace_.complete or trace_.last_lr is None or trace_.horizon < 2:
        return []
    if name == "LinearLR" and resolved.params["end_factor"] >= resolved.params["start_factor"]:
        return []  # a warm-up alone: it is meant to rise
    if any(f.kind in ("unfinished", "never_anneals", "milestone") for f in found):
        return []  # already said why
    if trace_.last_lr < trace_.peak_lr * (1 - 1e-9):
        return []
    first = {"StepLR": "step_size", "ExponentialLR": "gamma"}.get(name)
    why = f" ({first}={resolved.params[first]})" if first else ""
    if name == "MultiStepLR":
        why = f" (milestones={resolved.params['milestones']})"
    unit = "scheduler steps" if resolved.ctx.per_batch else "epochs"
    return [Finding(label, "no_decay", f"never decays within the run's {trace_.horizon:,} {unit}{why}: its lr at "
                    f"the last step, {trace_.last_lr:.3g}, is its highest", trace_.horizon)]


def _milestone_zero(item: Schedule, label: str) -> list[Finding]:
    """SequentialLR with a milestone 0 is refused by lrviz; say what torch would do with it."""
    found = []
    if item.name == "SequentialLR":
        for index, milestone in enumerate(item.given.get("milestones", [])):
            if milestone == 0:
                part = item.children[index].name if index < len(item.children) else "the part before it"
                found.append(Finding(label, "milestone", f"milestone 0: part {index + 1} ({part}) never runs, torch "
                                     f"hands over to part {index + 2} before the first step", 0))
    for child in item.children:
        found += _milestone_zero(child, label)
    return found


def _resolve_for(item: Schedule, ctx: RunContext) -> tuple[Resolved, RunContext]:
    """The schedule on the run; a OneCycleLR shorter than the run on a run as long as its cycle (torch raises
    after it, `_own_findings` says where)."""
    total = item.given.get("total_steps")
    if item.name == "OneCycleLR" and isinstance(total, int) and 2 <= total < ctx.horizon:
        short = RunContext(total, ctx.steps_per_epoch, ctx.per_batch, ctx.lr, ctx.epochs)
        resolved = resolve(item, short)
        return Resolved(resolved.schedule, resolved.params, ctx, resolved.children), short
    return resolve(item, ctx), ctx


def _running_parts(resolved: Resolved) -> list[Resolved]:
    """The parts of a composite that run at all: a SequentialLR part after a milestone past the end does not."""
    if not resolved.spec.restarts_parts:
        return list(resolved.children)
    starts = [0, *resolved.params["milestones"]]
    return [child for child, start in zip(resolved.children, starts, strict=True) if start < resolved.ctx.horizon]


def check(item: Schedule | str, run: RealRun, experiment: Experiment | None = None, schedules: int = 1,
          label: str | None = None) -> tuple[list[Finding], Trace | None]:  # fmt: skip
    """The warnings for one schedule on a real run, and its lr over that run (None if it cannot be built).

    `experiment` gives the optimizer (its lr, momentum); `schedules` shares the budget of scheduler updates.
    """
    experiment = experiment or Experiment()
    written = parse(item) if isinstance(item, str) else item
    label = label or str(written)
    ctx = run.context(experiment.lr)
    found = _milestone_zero(written, label)
    try:
        resolved, traced_ctx = _resolve_for(written, ctx)
    except SpecError as error:
        return found or [Finding(label, "refused", str(error))], None
    traced = Resolved(resolved.schedule, resolved.params, traced_ctx, resolved.children)
    try:
        trace_ = trace(traced, experiment, schedules)
    except (SpecError, *SCHEDULER_ERRORS) as error:
        return [*found, Finding(label, "refused", str(error))], None
    if traced_ctx is not ctx:  # the shortened OneCycleLR: the axis is still the run's
        trace_ = Trace(trace_.steps, trace_.lr, trace_.momentum, trace_.stepped, ctx.horizon, None, trace_.peak_lr,
                       f"torch raises at scheduler step {traced_ctx.horizon + 1:,}")
    found += _own_findings(resolved, label, trace_)
    for number, child in enumerate(_running_parts(resolved), start=1):
        found += [Finding(f.schedule, f.kind, f"part {number} ({child.schedule.name}): {f.message}", f.step)
                  for f in _own_findings(child, label, None)]
    found += _no_decay(resolved, label, trace_, found)
    return found, trace_


def check_all_schedules(items: list[Schedule | str], run: RealRun,
                        experiment: Experiment | None = None) -> list[Finding]:  # fmt: skip
    """Every schedule's warnings on the run, in order."""
    return [finding for item in items for finding in check(item, run, experiment, len(items))[0]]
