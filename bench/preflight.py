"""How long the pre-flight check of a real run takes, and how many points it draws: `python bench/preflight.py`.

Prints, for real runs up to a million scheduler steps and beyond, the seconds to step the real torch
schedulers (first call, then cached), how far each was stepped one by one or evaluated at samples within
the budget (real_run.PREFLIGHT_SECONDS by the limits model), and the points kept for the chart.
Numbers, not asserts: they depend on the machine's load.
"""

from __future__ import annotations

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from lrviz.training.limits import UPDATE_US
from lrviz.training.preflight import check
from lrviz.training.real_run import RealRun

CASES = [
    (["CosineAnnealingLR()"], {"dataset_size": 1_000_000, "batch_size": 10, "epochs": 1}),  # 100,000 steps
    (["CosineAnnealingLR()"], {"dataset_size": 1_000_000, "batch_size": 1, "epochs": 1}),  # 1,000,000 steps
    (["OneCycleLR(max_lr=0.1, total_steps=1000000)", "CosineAnnealingLR(T_max=1000)",
      "get_cosine_schedule_with_warmup(num_warmup_steps=10000, num_training_steps=1000000)",
      "SequentialLR(LinearLR(start_factor=0.1, total_iters=10000), CosineAnnealingLR(), milestones=[10000])"],
     {"dataset_size": 1_000_000, "batch_size": 1, "epochs": 1}),
    (["CosineAnnealingLR()"], {"dataset_size": 10**8, "batch_size": 1, "epochs": 10}),  # a billion steps
]


def main() -> None:
    check("StepLR()", RealRun.create(dataset_size=10, batch_size=1))  # torch's one-time start-up
    print(f"limits model: {UPDATE_US:g} µs per scheduler update")
    for schedules, options in CASES:
        run = RealRun.create(**options)
        for attempt in ("first", "cached"):
            start = time.perf_counter()
            results = [check(text, run, schedules=len(schedules)) for text in schedules]
            seconds = time.perf_counter() - start
            how = ", ".join(f"{'sampled to' if trace.sampled else 'stepped to'} {trace.stepped:,}"
                            for _, trace in results if trace)
            points = max(len(trace.steps) for _, trace in results if trace)
            warnings = sum(len(found) for found, _ in results)
            print(f"{len(schedules)} schedule(s), {run.horizon:>13,} scheduler steps, {attempt:>6}: {seconds:6.2f} s, "
                  f"{how}; at most {points:,} points per curve, {warnings} warnings")


if __name__ == "__main__":
    main()
