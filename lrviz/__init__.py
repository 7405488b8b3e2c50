"""lrviz: see what a learning-rate schedule does, by really training a model with it.

    >>> import lrviz
    >>> frame = lrviz.run(["StepLR(step_size=4, gamma=0.9)", "ExponentialLR(gamma=0.9)"], epochs=10)

The engine knows nothing of Streamlit; `app.py` and `lrviz.ui` are the only UI code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from lrviz.engine import simulate
from lrviz.experiment import EXPERIMENT_PARAMS, Experiment
from lrviz.formula import FormulaError
from lrviz.limits import check_rows
from lrviz.markup import shown
from lrviz.params import RunContext, SpecError
from lrviz.reference import reference_simulate
from lrviz.registry import REGISTRY, SchedulerSpec
from lrviz.results import Result
from lrviz.schedule import Resolved, Schedule, parse, resolve, schedule
from lrviz.traces import lr_trace

__all__ = [
    "EXPERIMENT_PARAMS", "REGISTRY", "Experiment", "FormulaError", "Resolved", "Result", "RunContext",
    "Schedule", "SchedulerSpec", "SpecError", "lr_trace", "parse", "reference_simulate", "resolve", "run",
    "schedule", "simulate",
]


def run(schedules: Sequence[str | Schedule] | str, per: str = "epoch", engine: str = "fast",
        **options: Any) -> pd.DataFrame:  # fmt: skip
    """Train each schedule on the experiment and return a tidy frame.

    `schedules`: spec strings such as "StepLR(step_size=4, gamma=0.9)".
    `per`: "epoch" (one row per schedule per epoch) or "step" (per optimizer step).
    `engine`: "fast" (all schedules at once) or "reference" (the plain torch loop).
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
    if per == "step":
        check_rows(len(schedules), experiment)
    simulator = simulate if engine == "fast" else reference_simulate
    return simulator(list(schedules), experiment, record_steps=per == "step").frame(per)
