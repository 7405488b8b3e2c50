"""A Ctrl-C while the `lrviz` command is still importing torch is one line on stderr, not a traceback.

`python -m lrviz` and the `lrviz` script import this package (and torch, for seconds on a busy machine)
before `lrviz.cli.main` can catch anything, so the package imports this module first. It changes
nothing when lrviz is imported as a library: only the command's own process gets the hook.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path


def _is_the_command() -> bool:
    argv = getattr(sys, "orig_argv", [])
    as_module = any(a == "-m" and b in ("lrviz", "lrviz.cli") for a, b in itertools.pairwise(argv))
    return as_module or Path(sys.argv[0] if sys.argv else "").name == "lrviz"


def _hook(kind, value, traceback) -> None:
    if issubclass(kind, KeyboardInterrupt):
        print("lrviz: interrupted", file=sys.stderr)  # Python then exits as killed by SIGINT
    else:
        sys.__excepthook__(kind, value, traceback)


if _is_the_command():
    sys.excepthook = _hook
