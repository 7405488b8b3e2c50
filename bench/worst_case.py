"""The worst requests the limits allow, each in a fresh process: seconds and peak memory (not a test).

    python bench/worst_case.py            # every request below
    python bench/worst_case.py NAME ...   # some of them

Each request is what one page load of the app does for it: the shared training cache trains the
comparison (per-step weights thinned for the landscape) and the per-epoch table is built. The
process starts fresh, so the peak RSS includes Python, torch, numpy and pandas (printed as
"baseline", measured after the imports). The machine is shared: the load average is printed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GAMMAS = [f"ExponentialLR(gamma={0.9 + i / 1000:.3f})" for i in range(32)]

# name: (experiment options, schedules); each at or near a limit of lrviz/training/limits.py and experiment.py
REQUESTS: dict[str, tuple[dict, list[str]]] = {
    # the link: now refused at once by the cost model (about 14 s of training estimated)
    "issue-link": ({"dataset": "classification", "samples": 200, "batch_size": 1, "epochs": 1000}, GAMMAS),
    # the same link at the most epochs the cost model allows for 32 schedules, with SGD and with Adam
    "issue-link-allowed": ({"dataset": "classification", "samples": 200, "batch_size": 1, "epochs": "most"}, GAMMAS),
    "issue-link-allowed-adam": ({"dataset": "classification", "samples": 200, "batch_size": 1, "epochs": "most",
                                 "optimizer": "adam"}, GAMMAS),
    # the most samples, in batches of 2: 50,000 steps per epoch, weights 22 per model
    "most-samples-batch-2": ({"dataset": "classification", "samples": 100_000, "batch_size": 2, "epochs": 1},
                             GAMMAS),
    # one batch of 100,000 samples × 32 models × 22 weights: the largest vectorised products
    "one-huge-batch": ({"dataset": "classification", "samples": 100_000, "batch_size": 100_000, "epochs": 3},
                       GAMMAS),
    # the regression with the most optimizer steps the model allows for 32 schedules with Adam
    "linear-most-steps-adam": ({"samples": 200, "batch_size": 1, "epochs": "most", "optimizer": "adam"}, GAMMAS),
    # stepped per batch: the torch schedulers are stepped at every optimizer step before training
    "per-batch-schedulers": ({"dataset": "classification", "samples": 200, "batch_size": 1, "epochs": "most",
                              "step_per": "batch"},
                             ["LambdaLR(lr_lambda='1 / (1 + 0.001 * step)')", "OneCycleLR()", "CyclicLR()",
                              "CosineAnnealingWarmRestarts()"]),
}


def _experiment(options: dict, schedules: list[str]):
    """The experiment of `options`; epochs="most": the most epochs every limit allows for `schedules`."""
    from lrviz.schedules.params import SpecError
    from lrviz.training.engine import resolve_all
    from lrviz.training.experiment import MAX_EPOCHS, Experiment

    def allowed(epochs: int) -> bool:
        try:
            resolve_all(schedules, Experiment.create(**{**options, "epochs": epochs}))
        except SpecError:
            return False
        return True

    if options.get("epochs") != "most":
        return Experiment.create(**options)
    low, high = 1, MAX_EPOCHS  # the limits grow with epochs: the most allowed is found by bisection
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if allowed(middle) else (low, middle - 1)
    return Experiment.create(**{**options, "epochs": low})


def _estimate(schedules: list[str], experiment) -> float:
    from lrviz.schedules.schedule import resolve
    from lrviz.training.limits import estimated_seconds, updates_per_step

    ctx, steps = experiment.context(), experiment.context().horizon
    updates = sum(updates_per_step(item) * (experiment.epochs if item.needs_metric else steps)
                  for item in (resolve(text, ctx) for text in schedules))  # fmt: skip
    return estimated_seconds(len(schedules), experiment, updates)


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def one(name: str) -> dict:
    """Run one request in this process (a fresh one: see main)."""
    sys.path.insert(0, str(ROOT))
    from lrviz.schedules.params import SpecError
    from lrviz.training.cache import TrainingCache
    from lrviz.training.experiment import Experiment

    options, schedules = REQUESTS[name]
    experiment = _experiment(options, schedules)
    cache = TrainingCache()
    cache.run(["StepLR()"], Experiment.create(samples=20, epochs=1))  # torch's one-time start-up, as the app does
    baseline = _rss_mb()
    start = time.perf_counter()
    try:
        result = cache.run(schedules, experiment)
        result.frame("epoch")
        outcome, result_mb = "trained", round(result.nbytes / 1e6, 1)
    except SpecError as error:
        outcome, result_mb = f"refused: {str(error)[:60]}…", 0.0
    seconds = time.perf_counter() - start
    return {"name": name, "seconds": round(seconds, 2), "peak_rss_mb": round(_rss_mb()),
            "baseline_rss_mb": round(baseline), "result_mb": result_mb, "cache_mb": round(cache.nbytes / 1e6, 1),
            "steps": experiment.total_steps, "schedules": len(schedules), "outcome": outcome,
            "estimate": round(_estimate(schedules, experiment), 1)}


def main(names: list[str]) -> None:
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())} "
          f"(2 shared cores: other work makes every time noisy)")
    print(f"{'request':24} {'steps':>8} {'K':>3} {'estimate s':>10} {'seconds':>8} {'peak RSS MB':>12} "
          f"{'after imports':>14} {'result MB':>10} {'cache MB':>9}  outcome")
    for name in names or list(REQUESTS):
        output = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True, text=True,
                                check=True).stdout
        row = json.loads(output.strip().splitlines()[-1])
        print(f"{name:24} {row['steps']:>8,} {row['schedules']:>3} {row['estimate']:>10} {row['seconds']:>8.2f} "
              f"{row['peak_rss_mb']:>12,} {row['baseline_rss_mb']:>14,} {row['result_mb']:>10} {row['cache_mb']:>9}  "
              f"{row['outcome']}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2])))
    else:
        main(sys.argv[1:])
