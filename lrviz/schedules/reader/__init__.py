"""Scheduler code pasted from a training script, read and never run (`ast` only: never `eval`, `exec` or
`compile`): `statements` decides which lines count, `values` what an expression stands for, and each library's
dialect (`torch_calls`) how its scheduler calls read.
"""

from lrviz.schedules.reader.statements import read_code
from lrviz.schedules.reader.values import Built

__all__ = ["Built", "read_code"]
