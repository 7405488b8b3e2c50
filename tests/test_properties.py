"""Property tests over the registry: every value a declaration allows trains, every value it refuses
is refused with a SpecError naming the parameter. Hypothesis draws the values from the declarations."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import bad_values, experiments, schedules, values

import lrviz
from lrviz import EXPERIMENT_PARAMS, REGISTRY, RunContext, SpecError

TRAINING = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
CHECKING = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARAMS = [(name, param.name) for name, spec in REGISTRY.items() for param in spec.params]


def _refusal_is_explained(error: SpecError) -> None:
    """A refused schedule names its parameter, or says which part cannot go where."""
    message = str(error)
    if error.param is None:
        assert "cannot" in message, message
    else:
        assert error.param in message, message


@pytest.mark.parametrize("name", list(REGISTRY))
@TRAINING
@given(data=st.data())
def test_values_in_range_train_or_break_a_named_rule(name, data):
    experiment = data.draw(experiments(), label="experiment")
    ctx = experiment.context()
    text = str(data.draw(schedules(name, ctx), label="schedule"))
    assert str(lrviz.parse(text)) == text
    try:
        lrviz.resolve(text, ctx)
    except SpecError as error:  # a cross-parameter rule
        _refusal_is_explained(error)
        return
    per = data.draw(st.sampled_from(["epoch", "step"]), label="per")
    try:
        frame = lrviz.run([text], per=per, **experiment.options())
    except SpecError as error:  # a formula failing (negative, overflow, log(0), ...), or an lr torch lets leave
        # the finite non-negative numbers (gamma 1e6 overflows; a chained cosine with eta_min > 0 goes below 0)
        assert (error.param == "lr_lambda" and "lr_lambda" in str(error)) or "the lr goes to" in str(error), str(error)
        return
    assert frame.to_csv(index=False)
    lr = frame.loc[~frame["diverged"], "lr"].to_numpy()
    assert np.isfinite(lr).all() and (lr >= 0).all()


SMALL_RUN = {"samples": st.integers(20, 200), "epochs": st.integers(1, 20), "batch_size": st.integers(1, 200)}


@settings(TRAINING, max_examples=40)
@given(data=st.data())
def test_experiment_options_in_range_train_or_break_a_named_rule(data):
    options = {param.name: data.draw(SMALL_RUN.get(param.name, values(param, RunContext(horizon=1))), label=param.name)
               for param in EXPERIMENT_PARAMS if data.draw(st.booleans())}
    try:
        lrviz.Experiment.create(**options)
    except SpecError as error:  # nesterov without momentum, a batch larger than the training set
        assert error.param in options and error.param in str(error), str(error)
        return
    frame = lrviz.run(["StepLR()", "ReduceLROnPlateau()", "CyclicLR()"], **options)
    assert frame.to_csv(index=False)
    lr = frame.loc[~frame["diverged"], "lr"].to_numpy()
    assert np.isfinite(lr).all() and (lr >= 0).all()


@CHECKING
@given(experiments(), st.integers(1, 4))
def test_defaults_and_slider_ranges_lie_inside_the_bounds(experiment, parts):
    """What the app shows first (the default, the slider's ends) must be a value the check accepts."""
    ctx = experiment.context().with_parts(parts)
    for param in (param for spec in REGISTRY.values() for param in spec.params):
        low, high = param.bounds(ctx)
        slider_low, slider_high = param.slider_range(ctx)
        assert low is None or high is None or low <= slider_low <= slider_high <= high, param.name
        param.check(param.default_for(ctx), ctx)


@pytest.mark.parametrize("name, param_name", PARAMS, ids=[f"{n}.{p}" for n, p in PARAMS])
@CHECKING
@given(data=st.data())
def test_values_out_of_range_are_refused_naming_the_parameter(name, param_name, data):
    ctx = data.draw(experiments(), label="experiment").context()
    spec = REGISTRY[name]
    param = spec.param(param_name)
    bad = data.draw(bad_values(param, ctx.with_parts(2) if spec.composite else ctx), label=param_name)
    with pytest.raises(SpecError) as caught:
        lrviz.resolve(lrviz.schedule(name, **{param_name: bad}), ctx)
    assert caught.value.param == param_name and param_name in str(caught.value)


@pytest.mark.parametrize("param", EXPERIMENT_PARAMS, ids=lambda param: param.name)
@CHECKING
@given(data=st.data())
def test_experiment_options_out_of_range_are_refused_naming_the_option(param, data):
    bad = data.draw(bad_values(param, RunContext(horizon=1)), label=param.name)
    with pytest.raises(SpecError) as caught:
        lrviz.Experiment.create(**{param.name: bad})
    assert caught.value.param == param.name and param.name in str(caught.value)


# What hypothesis found, kept as examples: (schedule, run, None if it trains or the start of the refusal)
PER_BATCH = dict(epochs=1, samples=20, batch_size=2, step_per="batch")
FOUND = [
    # OneCycleLR's linear anneal extrapolates the lr after the last step below 0; the run never uses it
    ("OneCycleLR(anneal_strategy='linear')", PER_BATCH, None),
    # LinearLR's stepwise update decays to -1.9e-20 instead of 0
    ("LinearLR(end_factor=0.0, total_iters=4)", PER_BATCH, None),
    # torch divides by the factor when the warm-up ends: ZeroDivisionError, or NaN once lr × factor underflows
    ("ConstantLR(factor=0.0, total_iters=3)", {}, "ConstantLR: factor must be ≥ 1e-06 and ≤ 1"),
    ("ConstantLR(factor=5e-324, total_iters=3)", {}, "ConstantLR: factor must be ≥ 1e-06"),
    ("LinearLR(start_factor=5e-324)", {}, "LinearLR: start_factor must be ≥ 1e-06"),
    # SequentialLR restarts a later part with _update_lr(0): torch's composites raise NotImplementedError
    ("SequentialLR(ExponentialLR(), WarmupCosine(), milestones=[5])", {},
     "WarmupCosine cannot be a later part of SequentialLR"),
    ("SequentialLR(StepLR(), ChainedScheduler(), milestones=[5])", {},
     "ChainedScheduler cannot be a later part of SequentialLR"),
    # with eta_min > 0 the chained cosine update adds to an lr another part has scaled: torch takes it below 0
    ("ChainedScheduler(StepLR(), CosineAnnealingLR(T_max=1, eta_min=1.0))", PER_BATCH,
     "ChainedScheduler: the lr goes to -"),
    # an integer literal too large for a float: OverflowError
    (f"StepLR(gamma={10**400})", {}, "StepLR: gamma must be a number a float can hold (got 100000…(401 digits))"),
]


@pytest.mark.parametrize("spec, options, refusal", FOUND)
def test_what_hypothesis_found(spec, options, refusal):
    if refusal is None:
        frame = lrviz.run([spec], **options)
        assert (frame["lr"] >= 0).all() and np.isfinite(frame["lr"]).all()
    else:
        with pytest.raises(SpecError) as caught:
            lrviz.run([spec], **options)
        assert str(caught.value).startswith(refusal)
