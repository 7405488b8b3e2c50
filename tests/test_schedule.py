"""Schedules written like PyTorch code."""

import pytest

import lrviz
from lrviz import SpecError

CTX = lrviz.Experiment.create(epochs=50).context()


@pytest.mark.parametrize("text", [
    "StepLR(step_size=4, gamma=0.9)",
    "SequentialLR(LinearLR(start_factor=0.1, total_iters=5), CosineAnnealingLR(T_max=45), milestones=[5])",
    "LambdaLR(lr_lambda='1 / (1 + 0.05 * epoch)')",
    "CyclicLR(base_lr=0.01, max_lr=0.1, step_size_down=None, cycle_momentum=False)",
])
def test_spec_strings_round_trip(text):
    assert str(lrviz.parse(text)) == text
    assert str(lrviz.parse(str(lrviz.parse(text)))) == text


def test_bare_name_means_defaults():
    assert lrviz.parse("StepLR") == lrviz.parse("StepLR()")


@pytest.mark.parametrize("text, message", [
    ("StepLRR(step_size=4)", "did you mean StepLR"),
    ("StepLR(stepsize=4)", "valid: step_size, gamma"),
    ("StepLR(step_size=__import__('os'))", r"step_size needs a number: __import__\('os'\) has no value here"),
    ("StepLR(step_size=4.5)", "whole number"),
    ("StepLR(gamma=-0.5)", "gamma must be ≥ 0"),
    ("MultiStepLR(milestones=[-1, 20])", "each value of milestones must be ≥ 0"),
    ("CyclicLR(base_lr=0.1, max_lr=0.01)", "max_lr must be above base_lr"),
    ("SequentialLR(StepLR(), ExponentialLR(), milestones=[5, 10])", "one value fewer"),
    ("SequentialLR(ReduceLROnPlateau(), StepLR(), milestones=[5])", "cannot go inside"),
    ("ChainedScheduler(StepLR(), ReduceLROnPlateau())", "cannot go inside"),
    ("OneCycleLR(total_steps=10)", "total_steps must be ≥ 50"),
    ("StepLR(optimizer, 4, 0.5, -1, 7)", "StepLR takes at most 4 positional arguments"),
    ("LambdaLR(lr_lambda='os.system(1)')", "lr_lambda"),
    ("import os", "no scheduler in the code"),
    ("StepLR(step_size=4", "cannot read"),
    ("", "empty"),
])
def test_bad_specs_say_what_is_wrong(text, message):
    with pytest.raises(SpecError, match=message):
        lrviz.resolve(text, CTX)


def test_sequential_children_get_their_own_run_length():
    resolved = lrviz.resolve("SequentialLR(LinearLR(start_factor=0.1), CosineAnnealingLR(), milestones=[5])", CTX)
    warmup, decay = resolved.children
    assert warmup.params["total_iters"] == 5 and decay.params["T_max"] == 45
    assert resolved.markers() == [5]


def test_defaults_follow_the_run_length():
    short, long = (lrviz.Experiment.create(epochs=e).context() for e in (10, 100))
    assert lrviz.resolve("CosineAnnealingLR()", long).params["T_max"] == 100
    assert lrviz.resolve("OneCycleLR()", short).params["total_steps"] == 10
    per_batch = lrviz.Experiment.create(epochs=10, step_per="batch").context()
    assert lrviz.resolve("CyclicLR()", per_batch).params["step_size_up"] == 250
