"""lrviz: see what a learning-rate schedule does, by really training a model with it.

    >>> import lrviz
    >>> frame = lrviz.run(["StepLR(step_size=4, gamma=0.9)", "ExponentialLR(gamma=0.9)"], epochs=10)

The folders are the layers, each importing only those below it (`tests/test_architecture.py` checks):

- `lrviz.schedules`: what a schedule is and how it is written: one declaration per scheduler (`torch_schedulers`,
  `recipes`, `transformers_schedules`) drives the registry, validation (`params`), the code reader (`reader`), safe
  formulas (`formula`) and the names in other libraries (`names`);
- `lrviz.training`: the experiment, the stacked engine and the plain torch reference it is tested against, lr traces
  from the real schedulers, results, the cache, limits, the range test, the landscape, configurations, scenarios
  and the standalone script; it knows nothing of Streamlit;
- `lrviz.page`: the Streamlit page, its sections (`header`, `sidebar`, `charts`, `sections`, `link`), widgets,
  and pure figure functions; `app.py` at the top of the source tree is its outline;
- at the top: this public API, the command line (`cli`; `interrupt` keeps its Ctrl-C to one line) and `serve`
  (`serve_workers` starts, warms, watches and restarts its workers).
"""

from __future__ import annotations

import lrviz.interrupt  # noqa: F401  first: a Ctrl-C while torch loads is one line for the command

# isort: split
from collections.abc import Sequence
from typing import Any

import pandas as pd

from lrviz.schedules.formula import FormulaError
from lrviz.schedules.markup import shown
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.registry import REGISTRY, SchedulerSpec
from lrviz.schedules.schedule import Resolved, Schedule, parse, resolve, schedule
from lrviz.training.engine import simulate
from lrviz.training.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.training.limits import check_rows
from lrviz.training.preflight import Finding, check_all_schedules
from lrviz.training.real_run import RealRun
from lrviz.training.reference import reference_simulate
from lrviz.training.results import Result
from lrviz.training.sweep import run_sweep
from lrviz.training.traces import lr_trace

__all__ = [
    "EXPERIMENT_PARAMS", "REGISTRY", "Experiment", "FormulaError", "Resolved", "Result", "RunContext",
    "Schedule", "SchedulerSpec", "SpecError", "lr_trace", "parse", "reference_simulate", "resolve", "run",
    "schedule", "simulate", "sweep",
]
__all__ += ["Finding", "RealRun", "preflight"]  # the pre-flight check of a real run


def run(schedules: Sequence[str | Schedule] | str, per: str = "epoch", engine: str = "fast",
        define: dict[str, Any] | None = None, **options: Any) -> pd.DataFrame:  # fmt: skip
    """Train each schedule on the experiment and return a tidy frame.

    `schedules`: spec strings such as "StepLR(step_size=4, gamma=0.9)".
    `per`: "epoch" (one row per schedule per epoch) or "step" (per optimizer step).
    `engine`: "fast" (all schedules at once) or "reference" (the plain torch loop).
    `define`: values of names pasted code computes at run time, as written: {"cfg.SOLVER.GAMMA": 0.1}; names
    that mean the run's length (`args.epochs`, `len(train_loader)`, `num_training_steps`) take the run's.
    `options`: the experiment (see `lrviz.EXPERIMENT_PARAMS`): epochs, lr, batch_size, ...
    Raises SpecError (a ValueError) naming the bad schedule or option.
    """
    if isinstance(schedules, str | Schedule):
        schedules = [schedules]
    if not isinstance(schedules, Sequence):
        raise SpecError(f"schedules must be a list of schedules, like ['StepLR()'] (got {shown(schedules)})")
    if per not in ("epoch", "step"):
        raise SpecError(f"per must be 'epoch' or 'step' (got {shown(per)})", "per")
    if engine not in ("fast", "reference"):
        raise SpecError(f"engine must be 'fast' or 'reference' (got {shown(engine)})", "engine")
    experiment = Experiment.create(**options)
    schedules = [parse(item, define, experiment.context()) if isinstance(item, str) else item for item in schedules]
    if per == "step":
        check_rows(len(schedules), experiment)
    simulator = simulate if engine == "fast" else reference_simulate
    return simulator(list(schedules), experiment, record_steps=per == "step").frame(per)


def sweep(schedules: Sequence[str | Schedule] | str, vary: dict[str, Sequence[float]], seeds: int = 1,
          **options: Any) -> pd.DataFrame:  # fmt: skip
    """Train a family of values of one parameter and return `run`'s frame with two more columns: the value
    (named after the parameter; `base_lr` for the lr) and `seed`.

    `vary`: {name: values}, a schedule parameter (set in every schedule that has it; the others are trained
    once and repeated) or an experiment option such as "lr". `seeds`: train each value with seeds
    seed, seed + 1, ... Each value's curves are bit-identical to `run` with the value written in.
    Raises SpecError naming the bad parameter, or with the estimate if the sweep is too heavy.
    """
    return run_sweep(schedules, vary, seeds, **options)[1]


def preflight(schedules: Sequence[str | Schedule] | str, lr: float = 0.1, **run: Any) -> list[Finding]:
    """What each schedule does wrong on a real run, without training: `lrviz.preflight("CosineAnnealingLR(T_max=10)",
    dataset_size=50_000, batch_size=32, epochs=10, per="step")` (see `lrviz.training.real_run.REAL_RUN_PARAMS`:
    dataset_size, batch_size, accumulation, devices, epochs, per "step" or "epoch", drop_last).
    Returns the warnings (empty when every schedule fits); raises SpecError for a bad run or option.
    """
    if isinstance(schedules, str | Schedule):
        schedules = [schedules]
    if not isinstance(schedules, Sequence) or not schedules:
        raise SpecError(f"schedules must be a list of schedules, like ['StepLR()'] (got {shown(schedules)})")
    return check_all_schedules(list(schedules), RealRun.create(**run), Experiment.create(lr=lr))
