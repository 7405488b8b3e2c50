"""Server-side time from a slider move to updated charts, at the app's defaults (AppTest).

Run: `.venv/bin/python bench/app_latency.py`. Prints median and p95 of the script's rerun
after moving a schedule's slider and after moving an experiment slider, and how many
schedules each move retrained (a schedule move must retrain only that schedule).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
from apptest_helpers import open_app, open_experiment, slot_ids, widget  # noqa: E402

MOVES = 30


def _time_moves(app, kind: str, owner, name: str, values: list) -> list[float]:
    times = []
    for value in values:
        control = widget(app.sidebar, kind, owner, name).set_value(value)
        start = time.perf_counter()
        control.run()
        times.append(time.perf_counter() - start)
        assert not app.exception
    return times


def _report(what: str, times: list[float]) -> None:
    p95 = sorted(times)[int(0.95 * (len(times) - 1))]
    print(f"{what:<44} median {statistics.median(times) * 1000:6.1f} ms   p95 {p95 * 1000:6.1f} ms   "
          f"(n={len(times)}) {'PASS' if p95 < 0.3 else 'FAIL'} (< 300 ms)")


def main() -> None:
    app = open_app()
    app.run()  # warm: the first run pays torch's start-up
    gamma = [round(0.5 + 0.01 * i, 2) for i in range(MOVES)]  # new values: no cache hits
    first = slot_ids(app)[0]
    _report("schedule box (ExponentialLR gamma, typed)", _time_moves(app, "number_input", first, "gamma", gamma))
    epochs = [21 + i for i in range(MOVES // 3)]
    open_experiment(app)
    _report("experiment slider (epochs: retrains all)", _time_moves(app, "slider", "exp", "epochs", epochs))


if __name__ == "__main__":
    main()
