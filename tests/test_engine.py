"""The training engine: real, fair, and equal to the plain torch loop."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from by_hand import lrs_by_hand
from torch.optim import lr_scheduler

import lrviz

ALL_DEFAULTS = [f"{name}()" for name in lrviz.REGISTRY]
# one comparison holds at most MAX_SCHEDULES: the registry (35) is compared in two halves
GROUPS = {"first half": ALL_DEFAULTS[: len(ALL_DEFAULTS) // 2], "second half": ALL_DEFAULTS[len(ALL_DEFAULTS) // 2:]}
OPTIMIZERS = [
    dict(),
    dict(momentum=0.9),
    dict(momentum=0.5, nesterov=True, weight_decay=0.01),
    dict(optimizer="adam", lr=0.05),
    dict(optimizer="adam", lr=0.05, weight_decay=0.01),
    dict(optimizer="adamw", lr=0.05, weight_decay=0.1),
]
SMALL = dict(samples=200, batch_size=20, epochs=6)


def _numbers(frame):
    return frame.select_dtypes("number").to_numpy()


@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("options", OPTIMIZERS, ids=lambda o: "-".join(f"{k}={v}" for k, v in o.items()) or "sgd")
def test_fast_path_equals_reference_loop_for_every_schedule(options, group):
    experiment = lrviz.Experiment.create(**SMALL, **options)
    fast = lrviz.simulate(GROUPS[group], experiment, record_steps=True).frame("step")
    reference = lrviz.reference_simulate(GROUPS[group], experiment, record_steps=True).frame("step")
    assert list(fast.columns) == list(reference.columns)
    assert (fast["schedule"] == reference["schedule"]).all()
    np.testing.assert_allclose(_numbers(fast), _numbers(reference), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("options", [dict(step_per="batch"), dict(val_fraction=0.25),
                                     dict(dataset="classification", noise=0.5)])
@pytest.mark.parametrize("group", GROUPS)
def test_fast_path_equals_reference_loop_in_other_setups(options, group):
    experiment = lrviz.Experiment.create(**SMALL, **options)
    fast = lrviz.simulate(GROUPS[group], experiment).frame("epoch")
    reference = lrviz.reference_simulate(GROUPS[group], experiment).frame("epoch")
    np.testing.assert_allclose(_numbers(fast), _numbers(reference), rtol=1e-5, atol=1e-5)


def test_tutorial_run_reaches_the_noise_floor_and_the_true_weights():
    frame = lrviz.run(["ExponentialLR(gamma=0.9)"], epochs=10)
    last = frame.iloc[-1]
    assert 5e-5 < last["loss"] < 2e-4  # noise variance 0.01² = 1e-4
    assert last[["w1", "w2", "bias"]].tolist() == pytest.approx([2.0, -3.4, 4.2], abs=0.01)
    reference = lrviz.run(["ExponentialLR(gamma=0.9)"], epochs=10, engine="reference")
    np.testing.assert_allclose(_numbers(frame), _numbers(reference), rtol=1e-5, atol=1e-5)


def test_only_the_schedule_differs_between_runs():
    experiment = lrviz.Experiment.create(**SMALL)
    result = lrviz.simulate(["StepLR()", "CosineAnnealingLR()"], experiment, record_steps=True)
    np.testing.assert_array_equal(result.step_weights[0, 0], result.step_weights[0, 1])
    assert not np.allclose(result.loss[:, 0], result.loss[:, 1])
    alone = lrviz.simulate(["CosineAnnealingLR()"], experiment)
    np.testing.assert_allclose(alone.loss[:, 0], result.loss[:, 1], rtol=1e-12)


def test_divergence_is_a_result_and_leaves_the_others_alone():
    frame = lrviz.run(["Constant()", "LinearLR(start_factor=0.01, end_factor=0.01)"], lr=1.5, epochs=8)
    diverged = frame[frame["schedule"] == "Constant()"]
    calm = frame[frame["schedule"] != "Constant()"]
    first = diverged.loc[diverged["diverged"], "epoch"].min()
    assert first >= 1
    assert diverged.loc[diverged["epoch"] >= first, ["loss", "w1", "bias"]].isna().all().all()
    assert not calm["diverged"].any() and calm["loss"].notna().all()


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_a_diverged_run_keeps_its_schedule(engine):
    """lr and momentum do not depend on the loss: they stay after divergence; losses and weights do not."""
    specs = ["StepLR(step_size=2, gamma=0.5)", "OneCycleLR()"]
    frame = lrviz.run(specs, lr=10.0, epochs=6, engine=engine)
    planned = lrviz.run(specs, lr=1e-3, epochs=6)  # the same schedules, trained without diverging
    for spec in specs:
        mine = frame[frame["schedule"] == spec]
        assert mine["diverged"].any()
        first = mine.loc[mine["diverged"], "epoch"].min()
        assert mine.loc[mine["epoch"] >= first, ["loss", "w1", "bias"]].isna().all().all()
        np.testing.assert_allclose(mine["lr"], 1e4 * planned.loc[planned["schedule"] == spec, "lr"], rtol=1e-9)
        assert mine["momentum"].notna().all()


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_reduce_lr_on_plateau_holds_its_lr_after_divergence(engine):
    frame = lrviz.run(["ReduceLROnPlateau(patience=0)"], lr=10.0, epochs=6, engine=engine)
    first = frame.loc[frame["diverged"], "epoch"].min()
    after = frame.loc[frame["epoch"] >= first, "lr"]
    assert after.notna().all() and after.nunique() == 1


def test_epoch_frame_columns_and_lr_is_the_first_step_of_the_epoch():
    frame = lrviz.run(["StepLR(step_size=2)"], epochs=4, val_fraction=0.2, momentum=0.9)
    assert list(frame.columns) == ["schedule", "epoch", "step", "lr", "momentum", "loss", "val_loss", "diverged",
                                   "w1", "w2", "bias"]
    steps = lrviz.run(["StepLR(step_size=2)"], epochs=4, val_fraction=0.2, momentum=0.9, per="step")
    assert len(steps) == 4 * 80 and steps["step"].iloc[-1] == 320
    first_steps = steps.groupby("epoch")["lr"].first().to_numpy()
    np.testing.assert_array_equal(frame["lr"].to_numpy(), first_steps)
    assert frame["momentum"].eq(0.9).all()


def test_cyclic_lr_cycles_momentum_even_when_sgd_has_none():
    frame = lrviz.run(["CyclicLR()"], epochs=10)
    assert frame["momentum"].max() == pytest.approx(0.9) and frame["momentum"].min() < 0.9
    off = lrviz.run(["CyclicLR(cycle_momentum=False)"], epochs=10)
    assert off["momentum"].eq(0).all()


def test_plateau_reduces_the_lr_when_the_loss_stalls():
    frame = lrviz.run(["ReduceLROnPlateau(patience=1, threshold=0.1)"], epochs=10)
    assert frame["lr"].iloc[-1] < frame["lr"].iloc[0]


@pytest.mark.parametrize("options", [dict(), dict(momentum=0.5, nesterov=True)], ids=["sgd", "nesterov"])
def test_momentum_that_drops_to_zero_mid_run_matches_torch(options):
    """CyclicLR with base_momentum=0 sets momentum to 0 at its peaks: torch then freezes the buffer."""
    specs = ["CyclicLR(base_momentum=0.0)", "OneCycleLR(base_momentum=0.0, max_momentum=0.5)", "StepLR()"]
    experiment = lrviz.Experiment.create(**SMALL, step_per="batch", **options)
    fast = lrviz.simulate(specs, experiment, record_steps=True).frame("step")
    reference = lrviz.reference_simulate(specs, experiment, record_steps=True).frame("step")
    assert (fast["momentum"] == 0).any()
    np.testing.assert_allclose(_numbers(fast), _numbers(reference), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("options", [dict(), dict(optimizer="adam", lr=0.05), dict(momentum=0.9),
                                     dict(dataset="classification", val_fraction=0.2)])
@pytest.mark.parametrize("group", GROUPS)
def test_a_schedule_trains_bit_identically_alone_or_with_others(options, group):
    """What a schedule gives does not depend on its companions: the app caches schedules one by one."""
    experiment = lrviz.Experiment.create(**SMALL, **options)
    together = lrviz.simulate(GROUPS[group], experiment, record_steps=True).frame("step")
    for name in GROUPS[group][::3]:
        alone = lrviz.simulate([name], experiment, record_steps=True).frame("step")
        mine = together[together["schedule"] == name].reset_index(drop=True)
        assert mine.to_csv(index=False) == alone.to_csv(index=False), name


def _lrs_by_hand(make, epochs: int = 8) -> list[float]:
    """The lr of each epoch of torch's own loop: optimizer.step(), then scheduler.step()."""
    return lrs_by_hand(make, epochs)


def _run_without_warnings(text: str) -> list[float]:
    """lrviz's lrs, computed in a fresh Python as the server runs it (pytest replaces the warning filters),
    whose stderr must not hold torch's "scheduler.step() before optimizer.step()" about SequentialLR's build."""
    program = f"import json, lrviz; print(json.dumps(lrviz.run([{text!r}], epochs=8)['lr'].tolist()))"
    done = subprocess.run([sys.executable, "-W", "default", "-c", program], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).parent.parent)
    assert "optimizer.step()" not in done.stderr
    return json.loads(done.stdout)


def _warmup(optimizer):
    return lr_scheduler.SequentialLR(optimizer, [lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=2),
                                                 lr_scheduler.ExponentialLR(optimizer, gamma=0.9)], [2])


def _linear_times_constant(optimizer):  # torch's own test_sequentiallr5
    return lr_scheduler.ChainedScheduler([lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=5),
                                          lr_scheduler.ConstantLR(optimizer, factor=0.1, total_iters=5)], optimizer)


def test_a_sequential_lr_first_part_of_sequential_lr_skips_a_value_as_torch_does():
    def outer(optimizer):
        return lr_scheduler.SequentialLR(optimizer, [_warmup(optimizer), lr_scheduler.ConstantLR(optimizer, 1.0)], [6])

    shown = _run_without_warnings("SequentialLR(SequentialLR(LinearLR(start_factor=0.1, total_iters=2), "
                                  "ExponentialLR(gamma=0.9), milestones=[2]), ConstantLR(factor=1.0), milestones=[6])")
    expected = _lrs_by_hand(outer)
    np.testing.assert_allclose(shown, expected, rtol=1e-12)
    alone = _lrs_by_hand(_warmup)
    np.testing.assert_allclose(expected[1:6], alone[2:7], rtol=1e-12)  # the value at epoch 1 is skipped
    assert expected[1] != alone[1]


def test_a_chained_scheduler_first_part_of_sequential_lr_skips_no_value():
    def outer(optimizer):
        second = lr_scheduler.ConstantLR(optimizer, factor=0.5, total_iters=5)
        return lr_scheduler.SequentialLR(optimizer, [_linear_times_constant(optimizer), second], [5])

    shown = _run_without_warnings("SequentialLR(ChainedScheduler(LinearLR(start_factor=0.1, total_iters=5), "
                                  "ConstantLR(factor=0.1, total_iters=5)), ConstantLR(factor=0.5, total_iters=5), "
                                  "milestones=[5])")
    expected = _lrs_by_hand(outer)
    np.testing.assert_allclose(shown, expected, rtol=1e-12)
    np.testing.assert_allclose(expected[:5], _lrs_by_hand(_linear_times_constant)[:5], rtol=1e-12)


def test_the_sequential_lr_note_names_only_sequential_lr_as_skipping_a_value():
    note = lrviz.REGISTRY["SequentialLR"].note
    skipping = note[note.index("A first part"):note.index("its first value is skipped")]
    assert "SequentialLR" in skipping and "ChainedScheduler" not in skipping



@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_the_gram_matrix_step_equals_the_plain_gradient_step(optimizer):
    """MSE trains through each batch's Gram matrix; the plain forward-error-gradient step must agree with it."""
    from lrviz.training.engine import _batches, _general_epoch, _regression_epoch
    from lrviz.training.optimizers import batched_optimizer

    experiment = lrviz.Experiment.create(samples=120, batch_size=16, epochs=1, optimizer=optimizer)
    data = lrviz.training.engine.make_data(experiment)
    bounds, sizes = _batches(experiment)
    rng = np.random.default_rng(0)
    count, steps = 3, len(bounds)
    lr, momentum = rng.uniform(0.01, 0.2, (steps, count)), np.full((steps, count), 0.9)
    x, y = data.x_train, np.tile(data.y_train, count)
    scaled = x * np.repeat(2.0 / sizes, sizes)[:, None]
    start = rng.normal(size=(len(data.initial_weights), count))
    histories = []
    for gram in (True, False):
        augmented = np.vstack([start, np.ones((1, count))])
        history = np.zeros((steps + 1, *start.shape))
        stepper = batched_optimizer(start.shape, experiment, momentum)
        if gram:
            starts = np.array([first for first, _ in bounds])
            _regression_epoch(x, y, scaled, starts, augmented, stepper, lr, momentum, history)
        else:
            _general_epoch(x, y, scaled, bounds, augmented[:-1], False, 1, stepper, lr, momentum, history)
        histories.append(history[1:])
    assert not np.allclose(histories[0][-1], start)  # it trained
    np.testing.assert_allclose(histories[0], histories[1], rtol=1e-10, atol=1e-12)
