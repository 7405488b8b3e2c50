"""Sweep benchmark: a family of 24 values trained together against one value, in one process.

    python bench/sweep.py [--repeats N] [--epochs N]

Target (issue 22): a sweep of 24 values of one schedule parameter costs at most 3× one run of that schedule,
and a sweep of 24 base lrs likewise. Each measurement is the median of --repeats, cold (lr-trace and data
caches cleared first, as a new value is) and warm. Prints the times, the ratios and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout
import lrviz  # noqa: E402
import lrviz.training.experiment  # noqa: E402
import lrviz.training.traces  # noqa: E402
from lrviz.training.sweep import values_between  # noqa: E402

TARGET_RATIO = 3.0
VALUES = 24
CASES = {  # what is swept: (schedule, parameter, values, the one value's run: its schedule and options)
    "gamma of ExponentialLR": ("ExponentialLR()", "gamma", values_between(0.5, 0.99, VALUES),
                               "ExponentialLR(gamma=0.9)", {}),
    "gamma of StepLR, per batch": ("StepLR(step_size=200)", "gamma", values_between(0.5, 0.99, VALUES),
                                   "StepLR(step_size=200, gamma=0.9)", {"step_per": "batch"}),
    "base lr of CosineAnnealingLR": ("CosineAnnealingLR()", "lr", values_between(1e-3, 1.0, VALUES, log=True),
                                     "CosineAnnealingLR()", {"lr": 0.1}),
}


def clear_caches() -> None:
    lrviz.training.traces._trace.cache_clear()  # a benchmark may look inside
    lrviz.training.experiment.make_data.cache_clear()


def median_seconds(work: Callable[[], object], repeats: int, cold: bool) -> float:
    times = []
    for _ in range(repeats):
        if cold:
            clear_caches()
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--epochs", type=int, default=10)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, load average {load:.1f}, "
          f"{args.epochs} epochs, default experiment, {VALUES} values, median of {args.repeats}")
    lrviz.run(["StepLR()"], epochs=1)  # torch's one-time start-up is no part of either
    failed = False
    for name, (spec, param, values, one_spec, single) in CASES.items():
        options = {"epochs": args.epochs, **single}
        sweep_options = {key: value for key, value in options.items() if key != param}
        one = functools.partial(lrviz.run, [one_spec], **options)
        family = functools.partial(lrviz.sweep, [spec], vary={param: values}, **sweep_options)

        for cold in (True, False):
            t_one, t_family = median_seconds(one, args.repeats, cold), median_seconds(family, args.repeats, cold)
            ratio = t_family / t_one
            verdict = "PASS" if ratio <= TARGET_RATIO else "FAIL"
            failed |= ratio > TARGET_RATIO
            print(f"{name:32} {'cold' if cold else 'warm'}: one value {t_one * 1e3:7.1f} ms, {VALUES} values "
                  f"{t_family * 1e3:7.1f} ms, ratio {ratio:4.2f} (target ≤ {TARGET_RATIO:g}) {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
