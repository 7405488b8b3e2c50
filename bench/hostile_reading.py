"""What reading hostile pasted code costs: CPU time and peak allocation of `lrviz.parse` (not a test).

    python bench/hostile_reading.py          # the issue's cases, then 300 generated hostile programs

The issue's cases used to take minutes and gigabytes (round(5, -10**8), shared nested lists formatted whole,
`a = a*a` repeated); tests/test_bounded_reading.py checks each read stays under generous ceilings. Memory is
what tracemalloc sees allocated at the peak of one read (Python objects, not the process's RSS).
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from hypothesis import HealthCheck, given, settings  # noqa: E402
from strategies_hostile import hostile_programs  # noqa: E402
from test_bounded_reading import ISSUE_CASES  # noqa: E402

from lrviz import SpecError  # noqa: E402
from lrviz.schedules.schedule import parse  # noqa: E402

# texts at the length limit (5,000 characters): the longest chain, the most lines, the deepest brackets
AT_THE_LIMIT = {
    "chain of +": "StepLR(step_size=" + "+".join(["1"] * 2490) + ")",
    "500 lines": "a = 1\n" + "a = a + 1\n" * 490 + "StepLR(optimizer, a)",
    "a lambda over 400 names": "".join(f"v{i} = {i}\n" for i in range(400)) + "f = lambda e: v1 ** e\n"
                               "LambdaLR(optimizer, f)",
    "brackets": "StepLR(step_size=" + "(" * 180 + "1" + ")" * 180 + ")",
}


def measure(text: str) -> tuple[float, float, str]:
    tracemalloc.start()
    start = time.process_time()
    try:
        outcome = "accepted"
        parse(text)
    except SpecError:
        outcome = "refused"
    seconds = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return seconds, peak, outcome


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} (2 shared cores)")
    print(f"{'case':>4}  {'chars':>6}  {'CPU ms':>7}  {'peak MB':>7}  outcome")
    for index, text in enumerate(ISSUE_CASES):
        seconds, peak, outcome = measure(text)
        print(f"{index:>4}  {len(text):>6}  {seconds * 1000:>7.2f}  {peak:>7.3f}  {outcome}")
    for name, text in AT_THE_LIMIT.items():
        seconds, peak, outcome = measure(text)
        print(f"{name:>24}  {len(text):>6}  {seconds * 1000:>7.2f}  {peak:>7.3f}  {outcome}")
    samples: list[tuple[float, float, int]] = []

    @settings(max_examples=300, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(hostile_programs)
    def generated(text: str) -> None:
        seconds, peak, _ = measure(text)
        samples.append((seconds, peak, len(text)))

    generated()
    times = sorted(sample[0] for sample in samples)
    peaks = sorted(sample[1] for sample in samples)
    print(f"{len(samples)} generated programs (up to {max(sample[2] for sample in samples):,} characters): "
          f"CPU median {times[len(times) // 2] * 1000:.2f} ms, max {times[-1] * 1000:.2f} ms; "
          f"peak allocation median {peaks[len(peaks) // 2]:.3f} MB, max {peaks[-1]:.3f} MB")


if __name__ == "__main__":
    main()
