"""The scheduler registry: every declared schedule, by name, in one table.

Sliders, validation, the CLI, code snippets and the parametrized tests all read
`REGISTRY`. It is built here, once, from the tuples of declarations, as transformers'
`TYPE_TO_SCHEDULER_FUNCTION` maps names to builders; importing a declaration module
registers nothing. A new module of declarations is one more tuple in `DECLARATIONS`.
The order of the tuples is the order of the app's scheduler menus.
"""

from __future__ import annotations

from lrviz.declaration import Scheduler, SchedulerSpec
from lrviz.recipes import RECIPES
from lrviz.schedulers import TORCH_SCHEDULERS

__all__ = ["DECLARATIONS", "REGISTRY", "Scheduler", "SchedulerSpec"]

DECLARATIONS: tuple[SchedulerSpec, ...] = (*TORCH_SCHEDULERS, *RECIPES)
REGISTRY: dict[str, SchedulerSpec] = {spec.name: spec for spec in DECLARATIONS}
