"""Cross-parameter rules: each refuses with a message naming the parameter and the bound,
and accepts the values right at the boundary."""

import pytest

import lrviz
from lrviz import SpecError

CTX = lrviz.Experiment.create(epochs=50).context()  # 50 scheduler steps

RULES = {
    "CyclicLR max_lr above base_lr": (
        "CyclicLR(base_lr=0.1, max_lr=0.1)", "max_lr",
        "CyclicLR: max_lr must be above base_lr (got max_lr=0.1, base_lr=0.1)",
        "CyclicLR(base_lr=0.1, max_lr=0.100001)"),
    "CyclicLR exp_range's gamma ** step stays a float": (
        "CyclicLR(mode='exp_range', gamma=2e6)", "gamma",
        "CyclicLR: gamma must be below 1.462e+06 with mode='exp_range' over 50 steps: torch's gamma ** step overflows",
        "CyclicLR(mode='exp_range', gamma=1.4e6)"),
    "SequentialLR milestones increasing": (
        "SequentialLR(StepLR(), ExponentialLR(), LinearLR(), milestones=[30, 10])", "milestones",
        "SequentialLR: milestones must be strictly increasing (got [30, 10])",
        "SequentialLR(StepLR(), ExponentialLR(), LinearLR(), milestones=[10, 11])"),
    "SequentialLR one milestone fewer than schedulers": (
        "SequentialLR(StepLR(), ExponentialLR(), milestones=[5, 10])", "milestones",
        "SequentialLR: milestones must have one value fewer than there are schedules: 2 schedules need 1 "
        "(got [5, 10])",
        "SequentialLR(StepLR(), ExponentialLR(), milestones=[5])"),
    "OneCycleLR total_steps at least the run": (
        "OneCycleLR(total_steps=49)", "total_steps",
        "OneCycleLR: total_steps must be ≥ 50, at least the run's length in scheduler steps (got 49)",
        "OneCycleLR(total_steps=50)"),
    "OneCycleLR every phase gets a step": (
        "OneCycleLR(total_steps=50, pct_start=0.02)", "pct_start",
        "OneCycleLR: pct_start must be > 0.02 and < 1 for total_steps=50 (got 0.02)",
        "OneCycleLR(total_steps=50, pct_start=0.021)"),
    "WarmupStableDecay phases in order": (
        "WarmupStableDecay(warmup=30, decay=20)", "warmup",
        "WarmupStableDecay: warmup must end before the decay starts at step 30 (got 30)",
        "WarmupStableDecay(warmup=29, decay=20)"),
    "WarmupStableDecay decay leaves room": (
        "WarmupStableDecay(decay=49)", "decay",
        "WarmupStableDecay: decay must leave steps for the warm-up: at most 48 of the 50 scheduler steps",
        "WarmupStableDecay(warmup=1, decay=48)"),
    "WarmupCosine warm-up shorter than the run": (
        "WarmupCosine(warmup=50)", "warmup",
        "WarmupCosine: warmup must be less than the 50 scheduler steps it runs for (got 50)",
        "WarmupCosine(warmup=49)"),
}
# rules about which schedule may go where: they name the schedules (there is no parameter to name)
PLACEMENT = {
    "ReduceLROnPlateau not inside SequentialLR": (
        "SequentialLR(ReduceLROnPlateau(), StepLR(), milestones=[5])",
        "ReduceLROnPlateau cannot go inside SequentialLR: it needs the loss to step"),
    "ReduceLROnPlateau not inside ChainedScheduler": (
        "ChainedScheduler(StepLR(), ReduceLROnPlateau())",
        "ReduceLROnPlateau cannot go inside ChainedScheduler: it needs the loss to step"),
    "no composite after a milestone": (
        "SequentialLR(StepLR(), ChainedScheduler(), milestones=[5])",
        "ChainedScheduler cannot be a later part of SequentialLR: torch cannot restart it at a milestone"),
}


@pytest.mark.parametrize("bad, param, message, good", RULES.values(), ids=RULES.keys())
def test_rule_refuses_naming_the_parameter_and_accepts_the_boundary(bad, param, message, good):
    with pytest.raises(SpecError) as caught:
        lrviz.resolve(bad, CTX)
    assert isinstance(caught.value, ValueError)
    assert caught.value.param == param and str(caught.value).startswith(message)
    lrviz.resolve(good, CTX)


@pytest.mark.parametrize("bad, message", PLACEMENT.values(), ids=PLACEMENT.keys())
def test_placement_rules_name_both_schedules(bad, message):
    with pytest.raises(SpecError) as caught:
        lrviz.resolve(bad, CTX)
    assert str(caught.value).startswith(message)


def test_a_valid_composite_with_every_rule_at_its_boundary_trains():
    text = ("SequentialLR(OneCycleLR(total_steps=10, pct_start=0.15), CyclicLR(base_lr=0.01, max_lr=0.011), "
            "MultiStepLR(milestones=[1, 30]), milestones=[10, 20])")
    frame = lrviz.run([text], epochs=50, samples=100)
    assert frame["lr"].notna().all() and (frame["lr"] > 0).all()
