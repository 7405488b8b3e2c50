"""The registry is one table, built in `lrviz/schedules/registry.py` from the tuples of declarations.

Declaring a scheduler registers nothing: importing or re-running a declaration module
leaves `REGISTRY` as it was. (Every entry's names row: tests/test_names.py.)
"""

import subprocess
import sys
from pathlib import Path

import pytest

from lrviz.schedules.declaration import SchedulerSpec
from lrviz.schedules.recipes import RECIPES
from lrviz.schedules.registry import DECLARATIONS, REGISTRY
from lrviz.schedules.torch_schedulers import TORCH_SCHEDULERS


def test_every_declaration_is_in_the_table_under_its_own_unique_name():
    names = [spec.name for spec in DECLARATIONS]
    assert len(set(names)) == len(names), sorted({name for name in names if names.count(name) > 1})
    assert list(REGISTRY) == names  # the declarations' order is the menus' order
    assert all(REGISTRY[spec.name] is spec for spec in (*TORCH_SCHEDULERS, *RECIPES))


def test_declarations_label_every_field():
    spec = REGISTRY["StepLR"]
    with pytest.raises(TypeError):
        SchedulerSpec(spec.name, spec.summary, spec.explain, spec.formula, spec.params, spec.build, spec.code)


# In a fresh interpreter: re-running a module of declarations must not touch the table.
NO_SIDE_EFFECTS = """
import importlib, pkgutil
import lrviz
from lrviz.schedules.registry import REGISTRY
before = dict(REGISTRY)
for module in pkgutil.walk_packages(lrviz.__path__, "lrviz."):
    if module.name != "lrviz.__main__":  # that one runs the CLI
        importlib.import_module(module.name)
import lrviz.schedules.recipes, lrviz.schedules.torch_schedulers
importlib.reload(lrviz.schedules.torch_schedulers)  # new SchedulerSpec objects: registering them would replace the old
importlib.reload(lrviz.schedules.recipes)
assert list(REGISTRY) == list(before), "the table's names changed"
changed = [name for name in REGISTRY if REGISTRY[name] is not before[name]]
assert not changed, f"re-running the declarations replaced {changed}"
"""


def test_importing_and_rerunning_declarations_leaves_the_registry_alone():
    done = subprocess.run([sys.executable, "-c", NO_SIDE_EFFECTS], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
