"""Every number the source texts print, reproduced by lrviz (see ../shared/seeds/README.md)."""

import math

import pytest

import lrviz

# The tutorial (000) and the StepLR reference page (001) print `get_last_lr()` after
# `scheduler.step()` at the end of each epoch: the lr of the *next* epoch.
TUTORIAL_TABLES = {
    "ExponentialLR(gamma=0.9)": "0.0900 0.0810 0.0729 0.0656 0.0590 0.0531 0.0478 0.0430 0.0387 0.0349",
    "StepLR(step_size=4, gamma=0.9)": "0.1000 0.1000 0.1000 0.0900 0.0900 0.0900 0.0900 0.0810 0.0810 0.0810",
    "LinearLR(start_factor=0.5, total_iters=4)":
        "0.0625 0.0750 0.0875 0.1000 0.1000 0.1000 0.1000 0.1000 0.1000 0.1000",
}
STEPLR_PAGE = " ".join(["0.10000"] * 9 + ["0.09000"] * 10 + ["0.08100"] * 10 + ["0.07290"])


@pytest.mark.parametrize("spec, printed", TUTORIAL_TABLES.items())
def test_tutorial_tables_from_the_scheduler_trace(spec, printed):
    experiment = lrviz.Experiment.create(epochs=10)
    lrs, _ = lrviz.lr_trace(lrviz.resolve(spec, experiment.context()), experiment)
    assert " ".join(f"{lr:.4f}" for lr in lrs[1:11]) == printed


@pytest.mark.parametrize("spec, printed", TUTORIAL_TABLES.items())
def test_tutorial_tables_from_training(spec, printed):
    """The lr *used* in epochs 2..11 of a real training run is what the text prints after epochs 1..10."""
    frame = lrviz.run([spec], epochs=11)
    assert " ".join(f"{lr:.4f}" for lr in frame["lr"].iloc[1:11]) == printed


def test_steplr_reference_page_thirty_epochs():
    experiment = lrviz.Experiment.create(epochs=30)
    lrs, _ = lrviz.lr_trace(lrviz.resolve("StepLR(step_size=10, gamma=0.9)", experiment.context()), experiment)
    assert " ".join(f"{lr:.5f}" for lr in lrs[1:31]) == STEPLR_PAGE


def test_linear_lr_trains_its_first_epoch_at_start_factor():
    """Building LinearLR applies step 0 already (GUIDE trap 2): epoch 1 trains at 0.05."""
    frame = lrviz.run(["LinearLR(start_factor=0.5, total_iters=4)"], epochs=5)
    assert frame["lr"].round(6).tolist() == [0.05, 0.0625, 0.075, 0.0875, 0.1]


KERAS_FORMULAS = [
    # time-based decay of the Keras text: lr 0.05, decay_rate = lr / num_epochs = 0.05 / 500
    ("TimeBasedDecay(k=0.0001)", 0.05, lambda epoch: 0.05 / (1 + 0.0001 * epoch)),
    # step decay: initial 0.1, drop 0.5 every 10 epochs, floor((1 + epoch) / epochs_drop)
    ("StepDecay(drop=0.5, epochs_drop=10)", 0.1, lambda epoch: 0.1 * 0.5 ** math.floor((1 + epoch) / 10)),
    # exponential: initial 0.1, constant 0.09
    ("ExponentialDecay(k=0.09)", 0.1, lambda epoch: 0.1 * math.exp(-0.09 * epoch)),
]


@pytest.mark.parametrize("spec, lr, formula", KERAS_FORMULAS)
def test_keras_formulas(spec, lr, formula):
    frame = lrviz.run([spec], epochs=40, lr=lr, samples=100)
    expected = [formula(epoch) for epoch in range(40)]
    assert frame["lr"].tolist() == pytest.approx(expected, rel=1e-12)


def test_keras_constant_schedule():
    frame = lrviz.run(["Constant()"], epochs=5, lr=0.05)
    assert frame["lr"].tolist() == [0.05] * 5
