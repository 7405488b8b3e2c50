"""Every claim a scenario's note makes, checked over several seeds with lrviz.run.

Nothing here is a number copied from a run: each test computes the quantities the note talks
about (final losses, divergence, lr steps, 2/λ_max from the data) and compares them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import lrviz
from lrviz.training.experiment import Experiment, make_data
from lrviz.training.presets import LANDING, find
from lrviz.training.results import optimal_loss

SEEDS = range(4)


def run(slug: str, seed: int, **more) -> pd.DataFrame:
    config = find(slug).config
    return lrviz.run(config.schedules, **{**config.experiment, "seed": seed, **more})


def losses(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Each schedule's raw training loss per epoch."""
    return {name: group["loss"].to_numpy() for name, group in frame.groupby("schedule", sort=False)}


def final(frame: pd.DataFrame) -> pd.Series:
    return frame.groupby("schedule", sort=False)["loss"].last()


def tail(frame: pd.DataFrame, epochs: int = 3) -> pd.Series:
    """Mean loss over the last epochs: where a run bounces, one epoch's value is a lottery ticket."""
    return frame.groupby("schedule", sort=False)["loss"].apply(lambda loss: loss.iloc[-epochs:].mean())


def landing_numbers(seed: int) -> tuple[float, str, str, int, int]:
    """Best-to-worst ratio, best and worst schedule, and how many schedules still progress after epoch 3."""
    frame = lrviz.run(LANDING.schedules, **{**LANDING.experiment, "seed": seed})
    last = final(frame)
    at_three = frame[frame["epoch"] == 3].set_index("schedule")["loss"]
    progressing = int((at_three / tail(frame) >= 2).sum())
    return float(last.max() / last.min()), str(last.idxmin()), str(last.idxmax()), progressing, len(last)


def test_landing_page_schedules_differ_twofold_in_raw_loss_with_the_same_ranking_on_every_seed():
    numbers = [landing_numbers(seed) for seed in SEEDS]
    assert all(ratio >= 2 for ratio, *_ in numbers), numbers
    assert len({(best, worst) for _, best, worst, _, _ in numbers}) == 1, numbers
    # training still progresses after epoch 3 for at least half of the schedules
    assert all(2 * progressing >= count for *_, progressing, count in numbers), numbers


def test_landing_page_is_not_the_tutorials_round_bowl():
    experiment = LANDING.to_experiment()
    data = make_data(experiment)
    curvature = np.linalg.eigvalsh(2 / len(data.x_train) * data.x_train.T @ data.x_train)
    assert curvature[-1] / curvature[0] > 50  # the narrow valley the note and the landscape show


@pytest.mark.parametrize("seed", SEEDS)
def test_valley_early_decay_stalls_fourfold_above_a_constant_lr(seed):
    last = final(run("valley", seed))
    assert last["ExponentialLR(gamma=0.7)"] >= 3.5 * last["Constant()"]
    assert last.idxmin() == "Constant()"  # "decaying buys nothing here"
    early = losses(run("valley", seed))["ExponentialLR(gamma=0.7)"]
    others = losses(run("valley", seed))["Constant()"]
    # its loss is flat while the others still fall: over the last 10 epochs
    assert early[-10] / early[-1] < 1.1 < others[-10] / others[-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_noise_constant_lr_bounces_twice_the_noise_floor_and_decays_end_on_it(seed):
    frame = run("noise", seed)
    ends, noise_floor = tail(frame), find("noise").config.experiment["noise"] ** 2
    assert ends["Constant()"] >= 2 * noise_floor
    for decayed in ("ExponentialLR(gamma=0.7)", "CosineAnnealingLR()"):
        assert ends[decayed] <= 1.25 * noise_floor
        assert ends["Constant()"] >= 2 * ends[decayed]


def test_noise_a_larger_batch_shrinks_the_bounce():
    for seed in SEEDS:
        experiment = Experiment.create(**{**find("noise").config.experiment, "seed": seed})
        data = make_data(experiment)
        floor = optimal_loss(data.x_train, data.y_train, classification=False)
        small, large = tail(run("noise", seed)), tail(run("noise", seed, batch_size=10))
        assert large["Constant()"] - floor < (small["Constant()"] - floor) / 2  # the excess above the optimum


def _stability_limit(slug: str, seed: int) -> float:
    experiment = Experiment.create(**{**find(slug).config.experiment, "seed": seed})
    x = make_data(experiment).x_train
    return 2 / np.linalg.eigvalsh(2 / len(x) * x.T @ x)[-1]  # 2 / λ_max of H = (2/n)·XᵀX


@pytest.mark.parametrize("seed", SEEDS)
def test_diverge_every_run_above_two_over_lambda_max_diverges_the_warm_up_too(seed):
    frame, limit = run("diverge", seed), _stability_limit("diverge", seed)
    assert 0.9 < limit < 1.1  # the note's "2/λ_max ≈ 1"
    for name, group in frame.groupby("schedule", sort=False):
        lrs, diverged = group["lr"].to_numpy(), group["diverged"].to_numpy()
        if np.nanmax(lrs) < limit:
            assert not diverged.any(), name
        else:
            above = int(np.argmax(lrs > limit)) + 1  # first epoch whose lr passes the limit
            first = int(group["epoch"][group["diverged"]].min())
            assert above <= first <= above + 1, (name, above, first)
    warm_up = frame[frame["schedule"] == "LinearLR(start_factor=0.1, total_iters=5)"]
    assert int(warm_up["epoch"][warm_up["diverged"]].min()) >= 5  # it did warm up first
    for fast in ("Constant()", "ExponentialLR(gamma=0.5)"):
        assert frame[(frame["schedule"] == fast) & (frame["epoch"] == 1)]["diverged"].all()


@pytest.mark.parametrize("seed", SEEDS)
def test_restarts_jump_the_loss_and_end_no_lower_than_one_cosine(seed):
    frame = run("restarts", seed)
    restarts = losses(frame)["CosineAnnealingWarmRestarts(T_0=5)"]
    lrs = frame[frame["schedule"] == "CosineAnnealingWarmRestarts(T_0=5)"]["lr"].to_numpy()
    restart_epochs = np.flatnonzero(np.diff(lrs) > 0) + 1  # 0-based index of each epoch after a restart
    assert len(restart_epochs) == 2
    for epoch in restart_epochs:
        assert restarts[epoch] >= 1.5 * restarts[epoch - 1]
    last = final(frame)
    assert last["CosineAnnealingWarmRestarts(T_0=5)"] >= last["CosineAnnealingLR()"]


@pytest.mark.parametrize("seed", SEEDS)
def test_plateau_halves_the_lr_after_the_loss_stalls_and_ends_twice_below_constant(seed):
    frame = run("plateau", seed)
    plateau = frame[frame["schedule"] == "ReduceLROnPlateau(patience=1, factor=0.5)"]
    lrs, loss = plateau["lr"].to_numpy(), plateau["loss"].to_numpy()
    cuts = np.flatnonzero(lrs[1:] < lrs[:-1]) + 1
    assert len(cuts) >= 2
    np.testing.assert_allclose(lrs[cuts] / lrs[cuts - 1], 0.5)
    for cut in cuts:  # a cut follows two epochs without a new best loss
        assert loss[cut - 2:cut].min() >= loss[:cut - 2].min() * (1 - 1e-4)
    ends = tail(frame)
    assert ends["Constant()"] >= 2 * ends["ReduceLROnPlateau(patience=1, factor=0.5)"]


def test_every_scenario_note_is_two_or_three_sentences_on_the_linear_model():
    from lrviz.training.presets import SCENARIOS

    for preset in SCENARIOS:
        sentences = [s for s in preset.note.replace("e.g.", "eg").split(". ") if s]
        assert 2 <= len(sentences) <= 3, (preset.slug, sentences)
        assert preset.config.to_experiment().dataset == "linear"


def test_default_features_are_the_tutorials_draw_untouched():
    import torch

    data = make_data(Experiment.create(seed=5, samples=300))
    expected = torch.normal(0.0, 1.0, (300, 2), generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    split = torch.randperm(300, generator=torch.Generator().manual_seed(5).set_state(
        _state_after_draws(5, 300)))
    np.testing.assert_array_equal(data.x_train[:, :2], expected[split].numpy())


def _state_after_draws(seed: int, samples: int):
    """The generator's state after make_data's x and noise draws (the split comes next)."""
    import torch

    generator = torch.Generator().manual_seed(seed)
    torch.normal(0.0, 1.0, (samples, 2), generator=generator, dtype=torch.float64)
    torch.normal(0.0, 0.01, (samples,), generator=generator, dtype=torch.float64)
    return generator.get_state()


@pytest.mark.parametrize("scale, correlation", [(0.1, 0.0), (3.0, 0.8), (1.0, -0.95)])
def test_feature_scale_and_correlation_shape_the_second_feature(scale, correlation):
    experiment = Experiment.create(samples=20_000, feature_scale=scale, correlation=correlation)
    x = make_data(experiment).x_train[:, :2]
    assert np.std(x[:, 0]) == pytest.approx(1.0, rel=0.03)
    assert np.std(x[:, 1]) == pytest.approx(scale, rel=0.03)
    assert np.corrcoef(x.T)[0, 1] == pytest.approx(correlation, abs=0.02)
    best = np.linalg.lstsq(make_data(experiment).x_train, make_data(experiment).y_train[:, 0], rcond=None)[0]
    np.testing.assert_allclose(best, [2.0, -3.4, 4.2], atol=0.01 / min(scale, 1) / (1 - abs(correlation)))


def test_feature_options_are_refused_for_classification_and_out_of_range():
    with pytest.raises(lrviz.SpecError, match="feature_scale applies to the linear dataset"):
        Experiment.create(dataset="classification", feature_scale=0.1)
    with pytest.raises(lrviz.SpecError, match="correlation applies to the linear dataset"):
        Experiment.create(dataset="classification", correlation=0.5)
    with pytest.raises(lrviz.SpecError, match="correlation"):
        Experiment.create(correlation=1.0)
    with pytest.raises(lrviz.SpecError, match="feature_scale"):
        Experiment.create(feature_scale=0.0)
