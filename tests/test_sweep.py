"""Sweeps: every value of the family trains bit-identically to that value alone, and heavy sweeps are refused."""

import math

import numpy as np
import pandas as pd
import pytest

import lrviz
from lrviz.training.experiment import Experiment
from lrviz.training.limits import estimated_seconds
from lrviz.training.sweep import plan, run_sweep, summary, values_between

SMALL = dict(samples=200, batch_size=20, epochs=6)


def _alone(frame: pd.DataFrame, column: str, value, seed: int, label: str) -> pd.DataFrame:
    """The sweep's rows of one schedule, value and seed, without the sweep's own columns."""
    rows = frame[(frame["schedule"] == label) & (frame[column] == value) & (frame["seed"] == seed)]
    return rows.drop(columns=[column, "seed"]).reset_index(drop=True)


def _same(part: pd.DataFrame, alone: pd.DataFrame) -> None:
    part = part.assign(schedule=alone["schedule"])  # the sweep names the schedule as given
    pd.testing.assert_frame_equal(part, alone, check_exact=True)


@pytest.mark.parametrize("options", [dict(), dict(step_per="batch", optimizer="adam", lr=0.05),
                                     dict(dataset="classification", noise=0.5, val_fraction=0.25)])
def test_each_schedule_value_equals_training_it_alone(options):
    specs = ["StepLR(step_size=2, gamma=0.5)", "ExponentialLR()", "CosineAnnealingLR()"]
    values = [0.3, 0.7, 0.95]
    sweep, frame = run_sweep(specs, {"gamma": values}, **SMALL, **options)
    assert sweep.varied == (True, True, False)
    for value in values:
        alone = lrviz.run([f"StepLR(step_size=2, gamma={value})", f"ExponentialLR(gamma={value})"],
                          **SMALL, **options)
        for k, label in enumerate(specs[:2]):
            _same(_alone(frame, "gamma", value, 0, label), alone[alone["schedule"] == alone["schedule"].unique()[k]]
                  .reset_index(drop=True))
    # a schedule without gamma is trained once, and its curves repeated for every value
    cosine = [_alone(frame, "gamma", value, 0, specs[2]) for value in values]
    _same(cosine[0], lrviz.run(["CosineAnnealingLR()"], **SMALL, **options))
    assert all(part.equals(cosine[0]) for part in cosine[1:])


@pytest.mark.parametrize("options", [dict(), dict(momentum=0.9, weight_decay=0.01), dict(optimizer="adamw")])
def test_each_base_lr_equals_training_it_alone_and_a_diverged_one_says_so(options):
    specs = ["OneCycleLR()", "ReduceLROnPlateau(patience=0, factor=0.5)", "LinearLR()"]
    values = [0.001, 0.03, 0.3, 8.0]
    sweep, frame = run_sweep(specs, {"lr": values}, **SMALL, **options)
    assert sweep.column == "base_lr" and sweep.log
    for value in values:
        alone = lrviz.run(specs, lr=value, **SMALL, **options)
        for label in specs:
            _same(_alone(frame, "base_lr", value, 0, label), alone[alone["schedule"] == label].reset_index(drop=True))
    if options.get("optimizer") is None:  # SGD at lr 8 overflows: marked, not dropped
        diverged = summary(frame, "base_lr").set_index(["schedule", "base_lr"])["diverged"]
        assert diverged[("LinearLR()", 8.0)] and not diverged[("LinearLR()", 0.001)]


def test_seeds_are_runs_of_their_own_seed_and_the_summary_averages_them():
    sweep, frame = run_sweep(["ExponentialLR()"], {"gamma": [0.5, 0.9]}, seeds=3, seed=7, **SMALL)
    assert sweep.seeds == (7, 8, 9) and sorted(frame["seed"].unique()) == [7, 8, 9]
    finals = []
    for seed in (7, 8, 9):
        alone = lrviz.run(["ExponentialLR(gamma=0.9)"], seed=seed, **SMALL)
        _same(_alone(frame, "gamma", 0.9, seed, "ExponentialLR()"), alone)
        finals.append(alone["loss"].iloc[-1])
    row = summary(frame, "gamma").set_index("gamma").loc[0.9]
    assert row["seeds"] == 3
    assert row["final_loss"] == pytest.approx(np.mean(finals))
    assert row["final_loss_std"] == pytest.approx(np.std(finals))


def test_an_experiment_option_is_a_run_per_value():
    sweep, frame = run_sweep(["StepLR(step_size=2)"], {"noise": [0.01, 0.5]}, **SMALL)
    assert len(sweep.runs) == 2
    for value in (0.01, 0.5):
        _same(_alone(frame, "noise", value, 0, "StepLR(step_size=2)"), lrviz.run(["StepLR(step_size=2)"],
                                                                                  noise=value, **SMALL))


def test_frame_columns_are_exports_plus_the_value_and_the_seed():
    _, frame = run_sweep(["StepLR(step_size=2)"], {"gamma": [0.5]}, **SMALL)
    export = lrviz.run(["StepLR(step_size=2)"], **SMALL)
    assert list(frame.columns) == ["schedule", "gamma", "seed", *list(export.columns)[1:]]


def test_summary_metrics_are_read_from_the_curves():
    _, frame = run_sweep(["ExponentialLR()"], {"gamma": [0.5, 0.9]}, epochs=10, samples=200, batch_size=20)
    row = summary(frame, "gamma").iloc[1]
    loss = frame[frame["gamma"] == 0.9]["loss"].to_numpy()
    assert row["final_loss"] == loss[-1] and row["best_loss"] == loss.min()
    assert row["last_loss_mean"] == pytest.approx(loss[-2:].mean())  # the last fifth of 10 epochs


def test_an_int_parameter_is_rounded_and_each_value_trained_once():
    sweep = plan(["StepLR()"], "step_size", [1, 1.4, 2.2, 3])
    assert sweep.values == (1, 2, 3)
    assert [column.resolved.params["step_size"] for column in sweep.runs[0].columns] == [1, 2, 3]


def test_a_composite_varies_the_parameter_in_its_parts():
    sweep = plan(["SequentialLR(LinearLR(total_iters=2), ExponentialLR(gamma=0.9), milestones=[2])"], "gamma",
                 [0.5, 0.8])
    parts = [column.resolved.children[1].params["gamma"] for column in sweep.runs[0].columns]
    assert parts == [0.5, 0.8]


@pytest.mark.parametrize(("name", "values", "message"), [
    ("gamm", [0.5], "no schedule has a parameter 'gamm'"),
    ("gamm", [0.5], "did you mean gamma?"),
    ("batch_size", [10, 20], "cannot sweep batch_size"),
    ("momentum", [0.5], "cannot sweep momentum"),
    ("optimizer", ["sgd"], "not a number"),
    ("gamma", [], "1 to 64 values"),
    ("gamma", [0.5, float("nan")], "finite number"),
    ("gamma", [0.5, -1.0], "gamma must be ≥ 0"),
    ("lr", [0.1, 100.0], "lr must be ≥ 1e-06 and ≤ 10"),
])
def test_bad_sweeps_are_refused_with_a_message(name, values, message):
    with pytest.raises(lrviz.SpecError, match=message.replace("?", r"\?").replace("(", r"\(")):
        plan(["StepLR()", "CosineAnnealingLR()"], name, values)


def test_a_heavy_sweep_is_refused_with_the_estimate_before_training():
    options = dict(epochs=200)
    values = values_between(0.5, 0.99, 64)
    experiment = Experiment.create(**options)
    models = 64 * 3
    # every model steps its scheduler once per epoch; two seeds are two runs of all of them
    expected = 2 * estimated_seconds(models, experiment, models * 200)
    assert expected > 6
    with pytest.raises(lrviz.SpecError, match="would take about") as error:
        plan(["StepLR()", "ExponentialLR()", "MultiStepLR()"], "gamma", values, seeds=2, **options)
    assert f"about {expected:.1f} s" in str(error.value) and "= 384 models" in str(error.value)
    plan(["StepLR()", "ExponentialLR()", "MultiStepLR()"], "gamma", values, seeds=1, epochs=20)  # within bounds


def test_values_between_spaces_evenly_or_in_log_space():
    assert values_between(0.1, 0.9, 5) == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert values_between(1e-3, 1.0, 4, log=True) == pytest.approx([1e-3, 1e-2, 1e-1, 1.0])
    with pytest.raises(lrviz.SpecError, match="above 0"):
        values_between(0.0, 1.0, 3, log=True)
    with pytest.raises(lrviz.SpecError, match="1 to 64"):
        values_between(0.1, 1.0, 65)
    assert math.isclose(values_between(2.0, 2.0, 1)[0], 2.0)
