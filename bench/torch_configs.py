"""How many configurations of torch's own test_lrscheduler.py (tests/torch_configs.py) lrviz accepts, and how
many of those reproduce torch's expected values. Prints numbers; asserts nothing (tests/test_torch_configs.py does).

    python bench/torch_configs.py
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the transcription
sys.path.append(str(ROOT))  # this lrviz, unless PYTHONPATH names another (to compare with an older one)

from torch_configs import CONFIGS  # noqa: E402

import lrviz  # noqa: E402


def main() -> None:
    accepted, exact = 0, 0
    for config in CONFIGS:
        try:
            frame = lrviz.run([config.schedule], epochs=config.epochs, lr=config.lr, samples=20, batch_size=20,
                              **config.options)
        except ValueError as error:
            print(f"refused  {config.test}: {error}")
            continue
        accepted += 1
        same = np.allclose(frame["lr"], config.lrs, rtol=1e-5, atol=1e-10, equal_nan=False)
        if config.momenta is not None:
            same = same and np.allclose(frame["momentum"], config.momenta, rtol=1e-5, atol=1e-10)
        exact += bool(same)
        if not same:
            print(f"differs  {config.test}")
    print(f"accepted {accepted} of {len(CONFIGS)}; torch's expected values reproduced by {exact} of {accepted}")


if __name__ == "__main__":
    main()
