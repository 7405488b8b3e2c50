"""A sweep: a family of values of one parameter, every value really trained, as few batched runs as possible.

The parameter is a schedule's (varied in every schedule that has it; the others are trained once and
their curves repeated for every value) or the experiment's. A schedule parameter and the base lr are
columns of one stacked run per seed (`engine.train_resolved`: the lr of each column comes from stepping
its scheduler on an optimizer with that column's lr); another experiment option (the noise, the weight
decay, ...) changes the data or the update itself, so each of its values is a run of its own. Every
column's update is elementwise, so a value's curves are bit-identical to training that value alone
(tests/test_sweep.py compares with `lrviz.run`). Seeds: each seed is a run of the whole family.

A sweep is bounded like every request: the cost model of `limits` counts every column of every run,
and a sweep estimated above `MAX_TRAINING_SECONDS` is refused with the estimate before any training.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from lrviz.schedules.markup import shown
from lrviz.schedules.params import Param, SpecError
from lrviz.schedules.schedule import Resolved, Schedule, resolve
from lrviz.training.engine import train_resolved
from lrviz.training.experiment import EXPERIMENT_PARAMS, MAX_SCHEDULES, MAX_STEPS, Experiment
from lrviz.training.limits import MAX_TRAINING_SECONDS, estimated_seconds, updates_per_step
from lrviz.training.results import Result
from lrviz.training.traces import labels_for, resolve_all

MAX_VALUES = 64
MAX_SEEDS = 10
MAX_CELLS = MAX_SCHEDULES * MAX_STEPS  # columns × optimizer steps of one run: the (steps, K) arrays of the largest
# comparison (3 × 6.4M floats, 154 MB); a sweep's run may have more columns, over fewer steps
NOT_VARIED = {"batch_size": "it sets the run's steps", "epochs": "it sets the run's length",
              "momentum": "it is part of what a schedule sets (cycle_momentum)",
              "seed": "seeds are the seeds option"}  # fmt: skip
LAST_SHARE = 0.2  # "mean of the last epochs": the last fifth of the run, at least one epoch
EXPERIMENT = {param.name: param for param in EXPERIMENT_PARAMS}


@dataclass(frozen=True)
class Column:
    """One model of a run: schedule `index` at value `value` (None: a schedule without the parameter)."""

    index: int
    value: float | int | None
    resolved: Resolved
    optimizer: Experiment  # whose lr its scheduler steps with


@dataclass(frozen=True)
class Run:
    experiment: Experiment
    columns: tuple[Column, ...]

    @property
    def seconds(self) -> float:
        updates = sum(updates_per_step(c.resolved) * (self.experiment.epochs if c.resolved.needs_metric
                                                      else c.resolved.ctx.horizon) for c in self.columns)
        return estimated_seconds(len(self.columns), self.experiment, updates)


@dataclass(frozen=True)
class Sweep:
    """What a sweep trains: checked, and within the limits (`plan` builds it)."""

    name: str
    values: tuple[float | int, ...]
    labels: tuple[str, ...]  # the schedules as given, one line each on a sweep chart
    varied: tuple[bool, ...]  # which schedules have the parameter
    seeds: tuple[int, ...]
    runs: tuple[Run, ...]
    log: bool = False  # the parameter spans orders of magnitude (the lr): its values read on a log axis

    @property
    def column(self) -> str:
        """The frame's column of the varied value: its name, or base_lr (lr is the scheduled lr of each epoch)."""
        return value_column(self.name)

    @property
    def seconds(self) -> float:
        return sum(run.seconds for run in self.runs)


def value_column(name: str) -> str:
    return "base_lr" if name == "lr" else name


def values_between(start: float, stop: float, count: int, log: bool = False) -> list[float]:
    """`count` values from start to stop, evenly spaced (or evenly in log space): the CLI's START:STOP:N."""
    if not isinstance(count, numbers.Integral) or not 1 <= count <= MAX_VALUES:
        raise SpecError(f"a sweep has 1 to {MAX_VALUES} values (got {count})", "vary")
    if log and not (start > 0 and stop > 0):
        raise SpecError(f"a log range needs values above 0 (got {start:g}:{stop:g})", "vary")
    spaced = np.geomspace(start, stop, count) if log else np.linspace(start, stop, count)
    return [float(f"{value:.12g}") for value in spaced]  # 0.6, not linspace's 0.6000000000000001


def read_vary(text: str, log: bool = False) -> tuple[str, list[float]]:
    """The CLI's --vary: NAME=START:STOP:N (N values, evenly or, with log, evenly in log space) or NAME=V1,V2,..."""
    name, equals, spec = text.partition("=")
    if not equals or not name.strip():
        raise SpecError(f"--vary takes NAME=START:STOP:N or NAME=V1,V2,... (got {shown(text)})", "vary")
    try:
        if spec.count(":") == 2:
            start, stop, count = spec.split(":")
            return name.strip(), values_between(float(start), float(stop), int(count), log)
        return name.strip(), [float(item) for item in spec.split(",")]
    except ValueError as error:
        if isinstance(error, SpecError):
            raise
        raise SpecError(f"--vary {shown(name.strip())}: {shown(spec)} is not START:STOP:N or a list of numbers",
                        "vary") from None


def _schedule_param(schedule: Schedule, name: str) -> Param | None:
    """The parameter `name` of the schedule or of one of its parts."""
    own = next((param for param in schedule.spec.params if param.name == name), None)
    return own or next((found for child in schedule.children if (found := _schedule_param(child, name))), None)


def with_value(schedule: Schedule, name: str, value: Any) -> Schedule:
    """The schedule with `name` written in as `value`, in itself and in every part that has it."""
    children = tuple(with_value(child, name, value) for child in schedule.children)
    params = schedule.params
    if any(param.name == name for param in schedule.spec.params):
        params = (*((key, item) for key, item in params if key != name), (name, value))
    return replace(schedule, params=params, children=children)


def _kind(name: str, schedules: Sequence[Schedule]) -> str:
    """Whether `name` is the lr, another experiment option, or a schedule parameter; SpecError if none."""
    if not isinstance(name, str):
        raise SpecError(f"vary names one parameter, like {{'gamma': [0.5, 0.9]}} (got {name!r:.40})", "vary")
    if name in NOT_VARIED:
        raise SpecError(f"cannot sweep {name}: {NOT_VARIED[name]}", "vary")
    param = EXPERIMENT.get(name) or next((p for s in schedules if (p := _schedule_param(s, name))), None)
    if param is None:
        names = sorted({p.name for s in schedules for p in _numeric(s)} | _experiment_numbers())
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean {close[0]}? " if close else ""
        raise SpecError(f"no schedule has a parameter '{name:.40}' and it is not an experiment option: {hint}"
                        f"numbers that can be swept here: {', '.join(names)}", "vary")
    if param.kind not in ("int", "float"):
        raise SpecError(f"cannot sweep {name}: it is a {param.kind}, not a number", "vary")
    return "lr" if name == "lr" else "experiment" if name in EXPERIMENT else "schedule"


def _numeric(schedule: Schedule) -> list[Param]:
    own = [param for param in schedule.spec.params if param.kind in ("int", "float")]
    return own + [param for child in schedule.children for param in _numeric(child)]


def _experiment_numbers() -> set[str]:
    return {p.name for p in EXPERIMENT_PARAMS if p.kind in ("int", "float") and p.name not in NOT_VARIED}


def _values(name: str, values: Any, integer: bool) -> tuple[float | int, ...]:
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        raise SpecError(f"{name}: give the values as a list of numbers (got {values!r:.40})", "vary")
    if not 1 <= len(values) <= MAX_VALUES:
        raise SpecError(f"a sweep has 1 to {MAX_VALUES} values (got {len(values)})", "vary")
    checked = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise SpecError(f"{name}: every value must be a finite number (got {value!r:.40})", "vary")
        checked.append(round(value) if integer else float(value))
    return tuple(dict.fromkeys(checked))  # an int range rounds neighbours together: each value once


def plan(schedules: Sequence[Schedule | str], name: str, values: Any, seeds: int = 1,
         **options: Any) -> Sweep:  # fmt: skip
    """Check a sweep and lay out its runs; SpecError (with the estimate, if too heavy) before any training."""
    if not isinstance(seeds, numbers.Integral) or isinstance(seeds, bool) or not 1 <= seeds <= MAX_SEEDS:
        raise SpecError(f"seeds must be a whole number from 1 to {MAX_SEEDS} (got {seeds!r:.40})", "seeds")
    base = Experiment.create(**options)
    given = resolve_all(schedules, base)  # each schedule valid as given, and at most MAX_SCHEDULES
    parsed = [item.schedule for item in given]
    kind = _kind(name, parsed)
    param = EXPERIMENT.get(name) or next(p for s in parsed if (p := _schedule_param(s, name)))
    values = _values(name, values, param.kind == "int")
    varied = tuple(kind != "schedule" or _schedule_param(s, name) is not None for s in parsed)
    first = base.seed
    runs = []
    for seed in range(first, first + seeds):
        if kind == "experiment":
            for value in values:
                experiment = Experiment.create(**{**options, "seed": seed, name: value})
                runs.append(Run(experiment, tuple(_columns(parsed, varied, "", [value], experiment))))
        else:
            experiment = Experiment.create(**{**options, "seed": seed})
            runs.append(Run(experiment, tuple(_columns(parsed, varied, name if kind == "schedule" else "lr",
                                                       values, experiment, options))))
    sweep = Sweep(name, values, tuple(labels_for(given)), varied, tuple(range(first, first + seeds)), tuple(runs),
                  log=param.log or name.endswith("lr"))
    check(sweep)
    return sweep


def _columns(parsed: list[Schedule], varied: tuple[bool, ...], name: str, values: Sequence[Any],
             experiment: Experiment, options: dict[str, Any] | None = None) -> list[Column]:  # fmt: skip
    """The models of one run. name: a schedule parameter, "lr" (one optimizer per value) or "" (none varies)."""
    columns = []
    for index, schedule in enumerate(parsed):
        for value in values if varied[index] and name else [None]:
            optimizer, written = experiment, schedule
            if name == "lr":
                optimizer = Experiment.create(**{**(options or {}), "seed": experiment.seed, "lr": value})
            elif name:
                written = with_value(schedule, name, value)
            columns.append(Column(index, value if name else values[0], resolve(written, optimizer.context()),
                                  optimizer))
    return columns


def check(sweep: Sweep, shape: str = "") -> None:
    """Refuse a sweep whose training would take longer than a request may, saying how long and why.
    `shape`: how the models multiply up, if not values × schedules × seeds."""
    seconds = sweep.seconds
    if seconds > MAX_TRAINING_SECONDS:
        models = sum(len(run.columns) for run in sweep.runs)
        shape = shape or f"{len(sweep.values)} values × {len(sweep.labels)} schedules × {len(sweep.seeds)} seeds"
        raise SpecError(f"training this sweep would take about {seconds:.1f} s, more than one request may "
                        f"({MAX_TRAINING_SECONDS:g} s: {shape} = {models} models over "
                        f"{sweep.runs[0].experiment.total_steps:,} optimizer steps): sweep fewer values or seeds, "
                        "use larger batches or fewer epochs", "vary")
    widest = max(sweep.runs, key=lambda run: len(run.columns) * run.experiment.total_steps)
    cells = len(widest.columns) * widest.experiment.total_steps
    if cells > MAX_CELLS:
        raise SpecError(f"a sweep run must have at most {MAX_CELLS:,} models × optimizer steps (got "
                        f"{len(widest.columns)} × {widest.experiment.total_steps:,}): sweep fewer values or "
                        "schedules, or shorten the run", "vary")


def train(sweep: Sweep, progress: Callable[[float], None] | None = None) -> pd.DataFrame:
    """Every run of the sweep; a tidy frame with export's columns, the varied value's column and `seed`, ordered
    by schedule, value, seed and epoch."""
    frames, blocks, offset = [], [], 0  # blocks: (schedule, value index, seed, first row in the runs' frames)
    for number, run in enumerate(sweep.runs):
        columns = list(run.columns)
        lrs_vary = any(column.optimizer is not run.experiment for column in columns)
        result = train_resolved([column.resolved for column in columns], run.experiment,
                                optimizers=[column.optimizer for column in columns] if lrs_vary else None)
        frames.append(_epoch_frame(result))
        epochs = run.experiment.epochs
        for k, column in enumerate(columns):  # a schedule without the parameter: one model, every value's rows
            for value in sweep.values if column.value is None else [column.value]:
                blocks.append((column.index, sweep.values.index(value), run.experiment.seed, offset + k * epochs))
        offset += len(frames[-1])
        if progress:
            progress((number + 1) / len(sweep.runs))
    blocks.sort()
    epochs = sweep.runs[0].experiment.epochs  # the same for every run: epochs cannot be swept
    rows = (np.array([block[3] for block in blocks])[:, None] + np.arange(epochs)).ravel()
    frame = pd.concat(frames, ignore_index=True).take(rows).reset_index(drop=True)
    frame.insert(0, "schedule", np.repeat([sweep.labels[block[0]] for block in blocks], epochs))
    frame.insert(1, sweep.column, np.repeat([sweep.values[block[1]] for block in blocks], epochs))
    frame.insert(2, "seed", np.repeat([block[2] for block in blocks], epochs))
    return frame


def _epoch_frame(result: Result) -> pd.DataFrame:
    """`Result.frame("epoch")` without the schedule column, built at once for all K models (blocks of epochs
    rows, model by model): the same numbers, without a DataFrame per model."""
    experiment = result.experiment
    epochs, count, spe = experiment.epochs, len(result.labels), experiment.steps_per_epoch
    epoch = np.tile(np.arange(1, epochs + 1), count)
    first = np.arange(epochs) * spe
    diverged = np.array([d if d is not None else epochs + 1 for d in result.diverged_at])
    columns = {"epoch": epoch, "step": epoch * spe, "lr": result.lr[first].T.ravel(),
               "momentum": result.momentum[first].T.ravel(), "loss": result.loss.T.ravel()}  # fmt: skip
    if result.val_loss is not None:
        columns["val_loss"] = result.val_loss.T.ravel()
    columns["diverged"] = epoch >= np.repeat(diverged, epochs)
    weights = result.weights.transpose(1, 0, 2, 3)  # (K, epochs, features + 1, outputs)
    features = weights.shape[2] - 1
    flat = np.concatenate([weights[:, :, :features].reshape(count * epochs, -1),
                           weights[:, :, features].reshape(count * epochs, -1)], axis=1)  # fmt: skip
    columns.update(zip(result.weight_names(), flat.T, strict=True))
    return pd.DataFrame(columns)


def run_sweep(schedules: Sequence[Schedule | str] | Schedule | str, vary: dict[str, Any], seeds: int = 1,
              progress: Callable[[float], None] | None = None, **options: Any) -> tuple[Sweep, pd.DataFrame]:
    """`lrviz.sweep`'s work: vary = {name: values}, one parameter."""
    if isinstance(schedules, str | Schedule):
        schedules = [schedules]
    if not isinstance(schedules, Sequence):
        raise SpecError(f"schedules must be a list of schedules, like ['StepLR()'] (got {shown(schedules)})")
    if not isinstance(vary, dict) or len(vary) != 1:
        raise SpecError("vary names one parameter and its values, like vary={'gamma': [0.5, 0.7, 0.9]}", "vary")
    [(name, values)] = vary.items()
    sweep = plan(schedules, name, values, seeds, **options)
    return sweep, train(sweep, progress)


def run_grid(schedule: Schedule | str, name: str, values: Any, lrs: Any, seeds: int = 1,
             progress: Callable[[float], None] | None = None, **options: Any) -> pd.DataFrame:
    """A heat map's runs: the base lr swept (one stacked run per seed) for each value of a schedule parameter.
    The frame is `run_sweep`'s with both columns, the parameter's and base_lr."""
    given = resolve_all([schedule], Experiment.create(**options))[0]
    if _kind(name, [given.schedule]) != "schedule" or _schedule_param(given.schedule, name) is None:
        raise SpecError(f"a heat map varies the lr and a parameter of the schedule ({name:.40} is not one)", "vary")
    values = _values(name, values, _schedule_param(given.schedule, name).kind == "int")
    sweeps = [plan([with_value(given.schedule, name, value)], "lr", lrs, seeds, **options) for value in values]
    every = replace(sweeps[0], runs=tuple(run for each in sweeps for run in each.runs))
    check(every, f"{len(values)} values of {name} × {len(every.values)} lrs × {len(every.seeds)} seeds")
    frames = []
    for number, (value, each) in enumerate(zip(values, sweeps, strict=True)):
        frame = train(each).assign(schedule=str(given.schedule))
        frame.insert(1, name, value)
        frames.append(frame)
        if progress:
            progress((number + 1) / len(sweeps))
    return pd.concat(frames, ignore_index=True)


METRICS = {"final": "final loss", "best": "best loss", "last": "mean of the last epochs"}


def per_seed(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per schedule, value and seed: final loss, best loss, mean of the last epochs, diverged."""
    epochs = int(frame["epoch"].max())
    last = max(1, math.ceil(epochs * LAST_SHARE))
    runs = frame.groupby(["schedule", column, "seed"], sort=False)
    return pd.DataFrame({
        "final_loss": runs["loss"].agg(lambda loss: loss.iloc[-1]),  # not .last(): it skips a diverged run's NaN
        "best_loss": runs["loss"].min(),
        "last_loss_mean": runs["loss"].agg(lambda loss: loss.iloc[-last:].mean(skipna=False)),
        "diverged": runs["diverged"].any(),
    }).reset_index()


def summary(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """One row per schedule and value: final loss, best loss and mean of the last epochs, averaged over the seeds
    (each with the seeds' standard deviation), whether any seed diverged, and how many did."""
    grouped = per_seed(frame, column).groupby(["schedule", column], sort=False)
    columns = {"seeds": grouped["seed"].count()}
    for name in ("final_loss", "best_loss", "last_loss_mean"):
        # a seed that diverged has no final loss: neither has the mean (the seeds' best losses all exist)
        columns |= {name: grouped[name].agg(lambda values: values.mean(skipna=False)),
                    f"{name}_std": grouped[name].agg(lambda values: values.std(ddof=0, skipna=False))}
    columns |= {"diverged": grouped["diverged"].any(), "diverged_seeds": grouped["diverged"].sum()}
    return pd.DataFrame(columns).reset_index()
