"""Bounded work per request: each limit refuses a request at once, with a message saying which limit."""

import time

import pytest

import lrviz
from lrviz import REGISTRY, SpecError
from lrviz.schedules.formula import MAX_LENGTH
from lrviz.schedules.schedule import MAX_NESTING, MAX_SPEC_LENGTH
from lrviz.training.experiment import MAX_EPOCHS, MAX_SAMPLE_PASSES, MAX_SAMPLES, MAX_SCHEDULES, MAX_STEPS
from lrviz.training.limits import MAX_REFERENCE_STEPS, MAX_ROWS, MAX_SCHEDULER_UPDATES, MAX_TRAINING_SECONDS

QUICK = 2.0  # seconds: a refusal does no training, so anything near this means work was done first
LONG_PER_BATCH = dict(samples=2000, batch_size=1, epochs=100, step_per="batch")  # 200,000 scheduler steps
BIG_FORMULA = "+".join(["e**-epoch*cos(step)**2"] * 6)  # close to the most a formula may contain


@pytest.fixture(scope="module", autouse=True)
def _warm_torch():
    """torch's first optimizer and scheduler steps in a process take a second or two; not the code under test."""
    lrviz.run(["StepLR()"], epochs=2, samples=20)


def _refused_quickly(call, match: str) -> SpecError:
    start = time.perf_counter()
    with pytest.raises(SpecError, match=match) as caught:
        call()
    assert time.perf_counter() - start < QUICK
    return caught.value


def _nested(depth: int) -> str:
    return "ChainedScheduler(" * (depth - 1) + "StepLR()" + ", ExponentialLR())" * (depth - 1)


LIMITS = {
    "epochs": (lambda: lrviz.run(["StepLR()"], epochs=MAX_EPOCHS + 1), "epochs must be ≥ 1 and ≤ 1,000 "),
    "samples": (lambda: lrviz.run(["StepLR()"], samples=MAX_SAMPLES + 1), "samples must be ≥ 20 and ≤ 100,000 "),
    "batch size": (lambda: lrviz.run(["StepLR()"], batch_size=MAX_SAMPLES + 1), "batch_size must be"),
    "optimizer steps": (lambda: lrviz.run(["StepLR()"], samples=2000, batch_size=1, epochs=MAX_STEPS // 2000 + 1),
                        f"epochs × batches per epoch must be at most {MAX_STEPS:,}"),
    "samples × epochs": (lambda: lrviz.run(["StepLR()"], samples=MAX_SAMPLES, batch_size=MAX_SAMPLES,
                                           epochs=MAX_SAMPLE_PASSES // MAX_SAMPLES + 1),
                         f"samples × epochs must be at most {MAX_SAMPLE_PASSES:,}"),
    "schedules": (lambda: lrviz.run(["StepLR()"] * (MAX_SCHEDULES + 1)), f"at most {MAX_SCHEDULES} schedules"),
    "estimated training time": (lambda: lrviz.run(["StepLR()"] * MAX_SCHEDULES, dataset="classification", samples=200,
                                                  batch_size=1, epochs=MAX_EPOCHS),
                                f"would take about .* s, more than one request may \\({MAX_TRAINING_SECONDS:g} s"),
    "schedules × samples × epochs": (lambda: lrviz.run(["StepLR()"] * MAX_SCHEDULES, epochs=MAX_EPOCHS),
                                     f"schedules × samples × epochs must be at most {MAX_SAMPLE_PASSES:,}"),
    "scheduler updates, many schedules": (lambda: lrviz.run(["StepLR()"] * 6, **LONG_PER_BATCH),
                                          f"scheduler updates must be at most {MAX_SCHEDULER_UPDATES:,}"),
    "scheduler updates, many parts": (lambda: lrviz.run(["ChainedScheduler(" + ", ".join(["StepLR"] * 6) + ")"],
                                                        **LONG_PER_BATCH), "scheduler updates must be at most"),
    "scheduler updates, a formula every step": (
        lambda: lrviz.run([f"MultiplicativeLR(lr_lambda='{BIG_FORMULA}')"], **LONG_PER_BATCH),
        "scheduler updates must be at most"),
    "rows per step": (lambda: lrviz.run(["StepLR()"] * 2, per="step", **LONG_PER_BATCH),
                      f"a table per step must have at most {MAX_ROWS:,} rows"),
    "reference engine": (lambda: lrviz.run(["StepLR()"] * 2, engine="reference", samples=2000, batch_size=1,
                                           epochs=100),
                         f"schedules × optimizer steps must be at most {MAX_REFERENCE_STEPS:,}"),
    "schedule text": (lambda: lrviz.run(["StepLR(" + " " * MAX_SPEC_LENGTH + ")"]),
                      f"longer than {MAX_SPEC_LENGTH} characters"),
    "nesting": (lambda: lrviz.run([_nested(MAX_NESTING + 1)]), f"nest deeper than {MAX_NESTING} levels"),
    "formula text": (lambda: lrviz.run([f"LambdaLR(lr_lambda='{'1' * (MAX_LENGTH + 1)}')"]),
                     f"lr_lambda: formula is longer than {MAX_LENGTH} characters"),
}


@pytest.mark.parametrize("call, match", LIMITS.values(), ids=LIMITS.keys())
def test_a_request_past_a_limit_is_refused_quickly(call, match):
    error = _refused_quickly(call, match)
    assert isinstance(error, ValueError)


def test_the_same_request_within_the_limits_runs():
    assert len(lrviz.run([_nested(MAX_NESTING)], epochs=3)) == 3
    frame = lrviz.run(["StepLR()"] * MAX_SCHEDULES, epochs=MAX_SAMPLE_PASSES // (MAX_SCHEDULES * 1000), samples=1000,
                      batch_size=1000)
    assert frame["schedule"].nunique() == MAX_SCHEDULES


def _top_of_range(param, ctx):
    high = param.bounds(ctx)[1]
    return (int(high) - param.high_open) if param.kind == "int" else [int(high)]


@pytest.mark.parametrize("name", list(REGISTRY))
def test_lengths_at_the_top_of_their_range_cost_no_more_than_the_run(name):
    """Parameters up to 10**6 steps or 10 × the run: nothing may loop over them, only over the run."""
    experiment = lrviz.Experiment.create(epochs=MAX_EPOCHS, samples=100, batch_size=100)
    ctx = experiment.context().with_parts(2)
    spec = REGISTRY[name]
    for param in spec.params:
        if param.kind not in ("int", "ints") or param.bounds(ctx)[1] is None:
            continue
        try:
            resolved = lrviz.resolve(lrviz.schedule(name, **{param.name: _top_of_range(param, ctx)}),
                                     experiment.context())
        except SpecError:  # a rule (e.g. milestones of the wrong length): nothing to run
            continue
        start = time.perf_counter()
        resolved.markers(), resolved.code()
        if not resolved.needs_metric:
            lrviz.lr_trace(resolved, experiment)
        assert time.perf_counter() - start < QUICK, param.name
