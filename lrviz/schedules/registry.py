"""The scheduler registry: every declared schedule, by name, in one table.

Sliders, validation, the CLI, code snippets and the parametrized tests all read
`REGISTRY`. It is built here, once, from the tuples of declarations, as transformers'
`TYPE_TO_SCHEDULER_FUNCTION` maps names to builders; importing a declaration module
registers nothing. The order of `DECLARATIONS` is the order of the app's scheduler menus.

A new module of declarations exports its tuple, imports `SchedulerSpec` from
`lrviz.schedules.declaration` (importing this module from there would be a cycle), and is added
below: its import, and its tuple in `DECLARATIONS`.
"""

from __future__ import annotations

from lrviz.schedules.declaration import Scheduler, SchedulerSpec
from lrviz.schedules.library_schedules import LIBRARY_SCHEDULES
from lrviz.schedules.recipes import RECIPES
from lrviz.schedules.torch_schedulers import TORCH_SCHEDULERS
from lrviz.schedules.transformers_schedules import TRANSFORMERS_SCHEDULES

__all__ = ["DECLARATIONS", "REGISTRY", "Scheduler", "SchedulerSpec"]

DECLARATIONS: tuple[SchedulerSpec, ...] = (*TORCH_SCHEDULERS, *RECIPES, *TRANSFORMERS_SCHEDULES,
                                            *LIBRARY_SCHEDULES)
REGISTRY: dict[str, SchedulerSpec] = {spec.name: spec for spec in DECLARATIONS}
