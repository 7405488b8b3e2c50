"""The registry is one table, built in `lrviz/registry.py` from the tuples of declarations.

Declaring a scheduler registers nothing: importing or re-running a declaration module
leaves `REGISTRY` as it was. (Every entry's names row: tests/test_names.py.)
"""

import subprocess
import sys
from pathlib import Path

import pytest

from lrviz.declaration import SchedulerSpec
from lrviz.recipes import RECIPES
from lrviz.registry import DECLARATIONS, REGISTRY
from lrviz.schedulers import TORCH_SCHEDULERS


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
from lrviz.registry import REGISTRY
before = dict(REGISTRY)
for module in pkgutil.iter_modules(lrviz.__path__):
    if module.name != "__main__":  # that one runs the CLI
        importlib.import_module(f"lrviz.{module.name}")
import lrviz.recipes, lrviz.schedulers
importlib.reload(lrviz.schedulers)  # new SchedulerSpec objects: registering them would replace the old
importlib.reload(lrviz.recipes)
assert list(REGISTRY) == list(before), "the table's names changed"
changed = [name for name in REGISTRY if REGISTRY[name] is not before[name]]
assert not changed, f"re-running the declarations replaced {changed}"
"""


def test_importing_and_rerunning_declarations_leaves_the_registry_alone():
    done = subprocess.run([sys.executable, "-c", NO_SIDE_EFFECTS], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).parents[1])
    assert done.returncode == 0, done.stderr
