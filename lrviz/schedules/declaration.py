"""What one scheduler's declaration holds: `SchedulerSpec`, and the helpers declarations share.

Declarations live in tuples (`schedulers.TORCH_SCHEDULERS`, `recipes.RECIPES`); `registry.py`
gathers them into the one table, `REGISTRY`. This module imports no declaration, so the
modules that declare schedulers import from here without a cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler, ReduceLROnPlateau

from lrviz.schedules.params import Param, RunContext

Scheduler = LRScheduler | ReduceLROnPlateau
Builder = Callable[[Optimizer, dict[str, Any], RunContext, list[Scheduler]], Scheduler]
Coder = Callable[[dict[str, Any], RunContext, list[str]], str]


def _no_rules(params: dict[str, Any], ctx: RunContext) -> None:
    return None


def _no_markers(params: dict[str, Any], ctx: RunContext) -> list[int]:
    return []


def _never(params: dict[str, Any]) -> bool:
    return False


@dataclass(frozen=True, kw_only=True)
class SchedulerSpec:
    """Everything lrviz knows about one schedule; every field is passed by name.

    build: makes the real torch scheduler on `optimizer` from checked params
           (composites also get their already-built child schedulers).
    code: the PyTorch expression that builds the same scheduler, for snippets.
    rules: cross-parameter checks; raise SpecError naming the parameter.
    markers: scheduler steps worth a vertical line on a chart (milestones, restarts).
    """

    name: str
    summary: str
    explain: str
    formula: str  # LaTeX
    params: tuple[Param, ...]
    build: Builder
    code: Coder
    family: str = "torch"  # "torch", "keras" (the Keras text's formulas) or "recipe"
    rules: Callable[[dict[str, Any], RunContext], None] = _no_rules
    markers: Callable[[dict[str, Any], RunContext], list[int]] = _no_markers
    cycles_momentum: Callable[[dict[str, Any]], bool] = _never
    composite: bool = False  # takes child schedules as positional arguments
    default_children: Callable[[RunContext], tuple[str, ...]] | None = None
    needs_metric: bool = False  # stepped with the validation loss (ReduceLROnPlateau)
    restarts_parts: bool = False  # restarts each later part at a milestone (SequentialLR)
    restartable: bool = True  # torch can restart it (`_update_lr(0)`); its own composites cannot
    note: str = ""  # what torch does that surprises people
    default_part: str = "ExponentialLR()"  # a composite's "Add part" adds this schedule

    def param(self, name: str) -> Param:
        return next(param for param in self.params if param.name == name)


def call_code(function: str, params: dict[str, Any], leading: list[str] | None = None) -> str:
    """`function(leading..., key=value, ...)`, the form every snippet uses."""
    arguments = list(leading or []) + [f"{key}={value!r}" for key, value in params.items()]
    return f"{function}({', '.join(arguments)})"
