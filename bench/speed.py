"""Speed benchmark: lrviz against the tutorial's own training loop, on the same work.

    python bench/speed.py [--tutorial-epochs N] [--repeats N]

Target A: every registry schedule with its defaults, the default experiment, 100 epochs,
the scheduler stepped per epoch: lrviz.run at least 100x faster than the tutorial loop
and under 0.3 s. Target B: the same, stepped per batch (10,000 scheduler steps per
schedule): under 1.5 s. Memory: peak RSS of one target-A run in a fresh process under
400 MB. Prints PASS/FAIL per target; cold = lr-trace and data caches cleared first.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script from a checkout, like `make bench`
import lrviz  # noqa: E402
import lrviz.training.experiment  # noqa: E402
import lrviz.training.traces  # noqa: E402

EPOCHS = 100
SCHEDULES = [f"{name}()" for name in lrviz.REGISTRY]
TARGETS = {"A": ("epoch", 0.3, 100.0), "B": ("batch", 1.5, None)}  # step_per, seconds, min speed-up
MEMORY_LIMIT_MB = 400
# VmHWM (peak RSS of this process image) rather than ru_maxrss, which survives execve and
# so would report this (bigger) parent process's peak in the child
MEMORY_CHILD = (
    "import re\n"
    "def peak():\n"
    "    return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
    "import lrviz\n"
    "before = peak()\n"
    f"lrviz.run({SCHEDULES!r}, epochs={EPOCHS})\n"
    "print(before, peak())\n"
)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    return (f"{os.cpu_count()} cores (nproc {len(os.sched_getaffinity(0))}), {cpu}; Python "
            f"{platform.python_version()}, torch {torch.__version__}, numpy {np.__version__}")


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def pace() -> str:
    """How fast this (shared, virtual) machine runs Python right now: runs on other days compare by it."""
    start, total = time.perf_counter(), 0
    for i in range(2_000_000):
        total += i
    return f"{(time.perf_counter() - start) / 2e6 * 1e9:.0f} ns per iteration of a plain Python loop"


def tutorial_data() -> tuple[torch.Tensor, torch.Tensor]:
    """The tutorial's synthetic set, float32 as in the text."""
    torch.manual_seed(0)
    features = torch.normal(0, 1, (1000, 2))
    labels = features @ torch.tensor([2, -3.4]) + 4.2
    labels += torch.normal(0, 0.01, labels.shape)
    return features, labels.reshape(-1, 1)


def tutorial_loop(spec: str, experiment: lrviz.Experiment, epochs: int,
                  data: tuple[torch.Tensor, torch.Tensor]) -> list[float]:  # fmt: skip
    """One schedule trained the tutorial's way; returns the lr used in each epoch."""
    features, labels = data
    loader = DataLoader(TensorDataset(features, labels), batch_size=experiment.batch_size, shuffle=True)
    net = nn.Linear(2, 1)
    net.weight.data.normal_(0, 0.01)
    net.bias.data.fill_(0)
    loss = nn.MSELoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=experiment.lr)
    resolved = lrviz.resolve(spec, experiment.context())  # the same scheduler, same parameters
    scheduler = resolved.build(optimizer)
    per_batch = experiment.per_batch and not resolved.needs_metric
    used = []
    for _ in range(epochs):
        used.append(optimizer.param_groups[0]["lr"])
        for x, y in loader:
            optimizer.zero_grad()
            batch_loss = loss(net(x), y)
            batch_loss.backward()
            optimizer.step()
            if per_batch:
                scheduler.step()
        with torch.no_grad():  # the epoch's training loss, as lrviz reports (and ReduceLROnPlateau needs)
            epoch_loss = loss(net(features), labels).item()
        if resolved.needs_metric:
            scheduler.step(epoch_loss)
        elif not experiment.per_batch:
            scheduler.step()
    return used


def timed(function: Callable[[], object], repeats: int, before: Callable[[], None] = lambda: None) -> list[float]:
    times = []
    for _ in range(repeats):
        before()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def clear_caches() -> None:
    lrviz.training.traces._trace.cache_clear()
    lrviz.training.experiment.make_data.cache_clear()


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def run_target(name: str, tutorial_epochs: int, repeats: int, data: tuple[torch.Tensor, torch.Tensor]) -> bool:
    step_per, limit, speedup = TARGETS[name]
    experiment = lrviz.Experiment.create(epochs=EPOCHS, step_per=step_per)
    steps = experiment.total_steps if experiment.per_batch else EPOCHS
    print(f"\nTarget {name}: {len(SCHEDULES)} schedules x {EPOCHS} epochs x {experiment.steps_per_epoch} batches, "
          f"scheduler stepped per {step_per} ({steps:,} scheduler steps per schedule)")
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tutorial_lrs = [tutorial_loop(spec, experiment, tutorial_epochs, data) for spec in SCHEDULES]
    tutorial = (time.perf_counter() - start) * EPOCHS / tutorial_epochs
    scaled = f"measured on {tutorial_epochs} epochs, x{EPOCHS / tutorial_epochs:g}" if tutorial_epochs < EPOCHS \
        else "measured on all epochs"
    print(f"  tutorial loop, timed once:       {tutorial:8.2f} s   ({scaled})")

    def work() -> object:
        return lrviz.run(SCHEDULES, epochs=EPOCHS, step_per=step_per)

    frame = work()
    same = sum(np.allclose(frame.loc[frame["schedule"] == spec, "lr"].to_numpy()[:tutorial_epochs], lrs, rtol=1e-6)
               for spec, lrs in zip(SCHEDULES, tutorial_lrs, strict=True))
    ok = True
    for label, before in (("cold", clear_caches), ("warm", lambda: None)):
        times = timed(work, repeats, before)
        median = statistics.median(times)
        ratio = tutorial / median
        passed = median < limit and (speedup is None or ratio >= speedup)
        ok &= passed
        goal = f"< {limit} s" + (f", >= {speedup:g}x" if speedup else "")
        print(f"  lrviz.run {label}, median of {repeats}: {median:8.3f} s   (best {min(times):.3f} s)  "
              f"{ratio:6.0f}x faster   {verdict(passed)} ({goal})")
    print(f"  lr used per epoch equal to the tutorial loop's for {same} of {len(SCHEDULES)} schedules "
          "(ReduceLROnPlateau follows the loss, and the two loops train on different draws)")
    return ok


def memory() -> bool:
    done = subprocess.run([sys.executable, "-c", MEMORY_CHILD], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True)
    before, peak = (int(value) / 1024 for value in done.stdout.split())  # VmHWM is in KiB
    passed = peak < MEMORY_LIMIT_MB
    print(f"\nMemory: peak RSS of one target-A lrviz.run in a fresh process: {peak:.0f} MB "
          f"({before:.0f} MB of it after `import lrviz`, i.e. torch, numpy and pandas)   "
          f"{verdict(passed)} (< {MEMORY_LIMIT_MB} MB)")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tutorial-epochs", type=int, default=20,
                        help=f"epochs the tutorial loop is timed on, scaled linearly to {EPOCHS} (default 20)")
    parser.add_argument("--repeats", type=int, default=5, help="timed lrviz runs per condition (default 5)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load average at start: {load()} (other work on the machine makes every time noisy)")
    print(f"pace at start: {pace()}")
    data = tutorial_data()
    with warnings.catch_warnings():  # warm the process: the first optimizer.step() costs about 1 s
        warnings.simplefilter("ignore", UserWarning)
        tutorial_loop("StepLR()", lrviz.Experiment.create(epochs=1), 1, data)
    lrviz.run(["StepLR()"], epochs=2)
    results = [run_target(name, args.tutorial_epochs, args.repeats, data) for name in TARGETS]
    results.append(memory())
    print(f"\nload average at end: {load()}; pace at end: {pace()}")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
