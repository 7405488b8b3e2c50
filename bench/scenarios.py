"""Print the numbers behind each scenario's note, seeds 0-3: `.venv/bin/python bench/scenarios.py`.

Not a test (tests/test_scenarios.py asserts the claims); this shows the measured margins.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import lrviz
from lrviz.training.experiment import Experiment, make_data
from lrviz.training.presets import LANDING_PRESET, SCENARIOS

SEEDS = range(4)


def frame(preset, seed):
    return lrviz.run(preset.config.schedules, **{**preset.config.experiment, "seed": seed})


def by_schedule(data, column="loss"):
    return {name: group[column].to_numpy() for name, group in data.groupby("schedule", sort=False)}


def main() -> None:
    print(f"landing page ({LANDING_PRESET.slug}): raw final loss, best/worst, "
          "schedules still progressing after epoch 3")
    for seed in SEEDS:
        losses = by_schedule(frame(LANDING_PRESET, seed))
        last = {name: loss[-1] for name, loss in losses.items()}
        best, worst = min(last, key=last.get), max(last, key=last.get)
        progressing = sum(loss[2] >= 2 * loss[-3:].mean() for loss in losses.values())
        print(f"  seed {seed}: best {best} {last[best]:.4g}, worst {worst} {last[worst]:.4g}, "
              f"ratio {last[worst] / last[best]:.2f}x, progressing {progressing}/{len(losses)}")
    for preset in SCENARIOS:
        print(f"\n{preset.slug}: final loss (mean of the last 3 epochs) per schedule; first diverged epoch")
        for seed in SEEDS:
            data = frame(preset, seed)
            experiment = Experiment.create(**{**preset.config.experiment, "seed": seed})
            x = make_data(experiment).x_train
            limit = 2 / np.linalg.eigvalsh(2 / len(x) * x.T @ x)[-1]
            parts = []
            for name, group in data.groupby("schedule", sort=False):
                diverged = group["epoch"][group["diverged"]]
                state = f"diverged at {int(diverged.min())}" if len(diverged) else (
                    f"{group['loss'].iloc[-1]:.4g} ({group['loss'].iloc[-3:].mean():.4g})")
                parts.append(f"{name}: {state}")
            print(f"  seed {seed} (2/λ_max {limit:.3f}): " + "; ".join(parts))


if __name__ == "__main__":
    main()
