"""transformers' warm-up helpers in lrviz give the lrs of transformers' own functions, stepped by hand.

transformers is a dev-only dependency (requirements-dev.txt), installed beside the pinned torch.
"""


import numpy as np
import pytest
from by_hand import lrs_by_hand

import lrviz

optimization = pytest.importorskip("transformers.optimization")

CASES = [
    ("get_constant_schedule_with_warmup", dict(num_warmup_steps=4)),
    ("get_constant_schedule_with_warmup", dict(num_warmup_steps=0)),
    ("get_linear_schedule_with_warmup", dict(num_warmup_steps=3, num_training_steps=10)),
    ("get_linear_schedule_with_warmup", dict(num_warmup_steps=0, num_training_steps=20)),
    ("get_cosine_schedule_with_warmup", dict(num_warmup_steps=2, num_training_steps=12)),
    ("get_cosine_schedule_with_warmup", dict(num_warmup_steps=2, num_training_steps=9, num_cycles=1.5)),
    ("get_cosine_with_hard_restarts_schedule_with_warmup", dict(num_warmup_steps=1, num_training_steps=10,
                                                                num_cycles=3)),
    ("get_polynomial_decay_schedule_with_warmup", dict(num_warmup_steps=2, num_training_steps=8, lr_end=0.01,
                                                       power=2.0)),
    ("get_polynomial_decay_schedule_with_warmup", dict(num_warmup_steps=3, num_training_steps=10)),
    ("get_inverse_sqrt_schedule", dict(num_warmup_steps=3)),
    ("get_inverse_sqrt_schedule", dict(num_warmup_steps=2, timescale=7)),
    ("get_wsd_schedule", dict(num_warmup_steps=2, num_decay_steps=4, num_training_steps=10)),
    ("get_wsd_schedule", dict(num_warmup_steps=3, num_decay_steps=5, num_stable_steps=2, warmup_type="cosine",
                              decay_type="1-sqrt", min_lr_ratio=0.1)),
    ("get_wsd_schedule", dict(num_warmup_steps=2, num_decay_steps=6, num_training_steps=12, warmup_type="1-sqrt",
                              decay_type="linear", min_lr_ratio=0.2, num_cycles=1.0)),
]
EPOCHS, LR = 14, 0.1


def _by_hand(name: str, kwargs: dict, epochs: int = EPOCHS, lr: float = LR) -> list[float]:
    """transformers' own helper on a torch SGD, stepped as the tutorials do."""
    return lrs_by_hand(lambda optimizer: getattr(optimization, name)(optimizer, **kwargs), epochs, lr)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{name} {kwargs}" for name, kwargs in CASES])
def test_each_helper_gives_transformers_lrs(name, kwargs):
    frame = lrviz.run([lrviz.schedule(name, **kwargs)], epochs=EPOCHS, lr=LR)
    np.testing.assert_allclose(frame["lr"], _by_hand(name, kwargs), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("code, name, kwargs", [
    ("scheduler = transformers.get_linear_schedule_with_warmup(optimizer, num_warmup_steps=3, "
     "num_training_steps=12)", "get_linear_schedule_with_warmup", dict(num_warmup_steps=3, num_training_steps=12)),
    ("get_linear_schedule_with_warmup(optimizer, 3, 12)", "get_linear_schedule_with_warmup",
     dict(num_warmup_steps=3, num_training_steps=12)),
    ("get_cosine_schedule_with_warmup(optimizer, 2, 10, 0.75, -1)", "get_cosine_schedule_with_warmup",
     dict(num_warmup_steps=2, num_training_steps=10, num_cycles=0.75)),
    ("from transformers import get_wsd_schedule\nscheduler = get_wsd_schedule(optimizer, 2, 4, 12)",
     "get_wsd_schedule", dict(num_warmup_steps=2, num_decay_steps=4, num_training_steps=12)),
])
def test_pasted_calls_read_as_transformers_runs_them(code, name, kwargs):
    schedule = lrviz.parse(code)
    assert schedule == lrviz.schedule(name, **kwargs)
    frame = lrviz.run([code], epochs=EPOCHS, lr=LR)
    np.testing.assert_allclose(frame["lr"], _by_hand(name, kwargs), rtol=1e-12, atol=1e-15)


def test_the_issue_line_runs_per_optimizer_step():
    code = "get_linear_schedule_with_warmup(optimizer, num_warmup_steps=100, num_training_steps=1000)"
    assert str(lrviz.parse(code)) == "get_linear_schedule_with_warmup(num_warmup_steps=100, num_training_steps=1000)"
    options = dict(samples=1000, batch_size=10, epochs=10, step_per="batch")  # 1,000 optimizer steps
    frame = lrviz.run([code], per="step", **options)
    kwargs = dict(num_warmup_steps=100, num_training_steps=1000)
    np.testing.assert_allclose(frame["lr"], _by_hand("get_linear_schedule_with_warmup", kwargs, epochs=1000),
                               rtol=1e-12, atol=1e-15)


def test_polynomial_decay_refuses_an_end_above_the_lr_as_transformers_does():
    with pytest.raises(ValueError):
        _by_hand("get_polynomial_decay_schedule_with_warmup", dict(num_warmup_steps=1, num_training_steps=5,
                                                                    lr_end=0.5))
    with pytest.raises(lrviz.SpecError, match=r"lr_end must be below the optimizer's lr 0\.1"):
        lrviz.run(["get_polynomial_decay_schedule_with_warmup(lr_end=0.5)"], epochs=5)
