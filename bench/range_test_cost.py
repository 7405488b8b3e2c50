"""The LR range test's cost model against the clock: `.venv/bin/python bench/range_test_cost.py`.

Each request is timed in this one process after a first small sweep (which imports the rest of torch's
optimizer machinery once); prints the estimate of lrviz/training/limits.py, the seconds measured, and
whether the request is allowed.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lrviz.schedules.params import SpecError
from lrviz.training.experiment import Experiment, make_data
from lrviz.training.limits import range_test_seconds
from lrviz.training.range_test import range_test

REQUESTS = [  # (options, batches): the default page's, then towards the edges
    ({}, 400),
    ({"samples": 100_000, "batch_size": 1_000}, 400),
    ({"samples": 100_000, "batch_size": 10_000}, 100),
    ({"samples": 100_000, "batch_size": 100_000}, 80),
    ({"samples": 100_000, "batch_size": 100_000, "dataset": "classification"}, 20),
    ({"samples": 20_000, "batch_size": 1, "optimizer": "adam", "dataset": "classification"}, 400),
    ({"samples": 100_000, "batch_size": 100_000}, 400),  # the link: refused
]


def main() -> None:
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    range_test(Experiment.create(), num_steps=5)
    print(f"{'options':72} {'batches':>7} {'estimate s':>10} {'seconds':>8}  outcome")
    for options, batches in REQUESTS:
        experiment = Experiment.create(**options)
        make_data(experiment)  # cached and shared with training: not the sweep's cost
        estimate = range_test_seconds(experiment, batches)
        began = time.perf_counter()
        try:
            done = range_test(experiment, start_lr=1e-7, end_lr=1e-4, num_steps=batches)  # no early stop
            outcome = f"swept {len(done.lrs)} batches"
        except SpecError as error:
            outcome = f"refused: {str(error)[:60]}…"
        print(f"{options!s:72} {batches:>7} {estimate:>10.2f} {time.perf_counter() - began:>8.2f}  {outcome}")


if __name__ == "__main__":
    main()
