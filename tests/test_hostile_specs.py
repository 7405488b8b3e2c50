"""Hostile schedule texts and formulas: a SpecError (or FormulaError) with a bounded message, nothing else.

And what a request may cost: the trainer in small blocks equals the trainer in one piece, the app's
cache keeps its byte budget without training anything twice, and per-step weights are thinned.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import python_expressions

import lrviz
from lrviz.schedules.formula import FormulaError, parse
from lrviz.schedules.params import MAX_MESSAGE
from lrviz.schedules.schedule import parse as parse_schedule
from lrviz.training import engine
from lrviz.training.cache import TrainingCache

_names = st.sampled_from(["StepLR", "LambdaLR", "SequentialLR", "ChainedScheduler", "Nope", "__import__", ""])
_values = st.one_of(python_expressions, st.text(max_size=30).map(repr), st.integers().map(str))


@st.composite
def schedule_texts(draw: st.DrawFn) -> str:
    keys = draw(st.lists(st.sampled_from(["step_size", "gamma", "lr_lambda", "milestones", "x", "step_size"]),
                         max_size=4))
    arguments = [f"{key}={draw(_values)}" for key in keys]
    tail = draw(st.sampled_from(["", " # x", ")", "\n"]))
    return f"{draw(_names)}({', '.join(arguments)}){tail}"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(schedule_texts(), st.text(max_size=80)))
def test_any_schedule_text_parses_or_gives_a_bounded_spec_error(text):
    try:
        schedule = lrviz.resolve(text, lrviz.Experiment().context())
    except lrviz.SpecError as error:
        assert len(str(error)) <= MAX_MESSAGE and "\n" not in str(error)
        str(error).encode("utf-8")
        return
    assert str(parse_schedule(str(schedule.schedule))) == str(schedule.schedule)  # canonical text re-parses


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(python_expressions, st.text(max_size=60), python_expressions.map(lambda t: t + " # x")))
def test_any_formula_text_parses_or_gives_a_formula_error(text):
    try:
        parse(text)
    except FormulaError:
        return
    assert "#" not in text  # comments never pass


def test_a_keyword_given_twice_is_refused():
    with pytest.raises(lrviz.SpecError, match="step_size is given twice"):
        parse_schedule("StepLR(step_size=4, step_size=5)")


def test_the_trainer_in_small_blocks_equals_the_trainer_in_one_piece(monkeypatch):
    schedules = ["StepLR(step_size=2)", "ExponentialLR(gamma=0.8)", "ReduceLROnPlateau(patience=0)"]
    for options in ({"dataset": "classification", "samples": 200, "batch_size": 7, "epochs": 4, "val_fraction": 0.2},
                    {"samples": 300, "batch_size": 1, "epochs": 2, "optimizer": "adam"}):
        experiment = lrviz.Experiment.create(**options)
        whole = lrviz.simulate(schedules, experiment, record_steps=True)
        monkeypatch.setattr(engine, "BLOCK_ELEMENTS", 50)  # a chunk of a few batches, a block of a few samples
        pieces = lrviz.simulate(schedules, experiment, record_steps=True)
        monkeypatch.undo()
        for name in ("lr", "batch_loss", "loss", "weights", "step_weights"):
            np.testing.assert_array_equal(getattr(whole, name), getattr(pieces, name))


def test_thinned_step_weights_are_the_full_ones_at_the_kept_steps():
    experiment = lrviz.Experiment.create(samples=200, batch_size=2, epochs=30)  # 3,000 steps
    full = lrviz.simulate(["StepLR()", "ExponentialLR()"], experiment, record_steps=True)
    thin = lrviz.simulate(["StepLR()", "ExponentialLR()"], experiment, record_steps=True, max_step_points=100)
    assert len(thin.step_indices) <= 100 and thin.step_indices[0] == 0 and thin.step_indices[-1] == 3000
    assert thin.thinned and not full.thinned
    np.testing.assert_array_equal(thin.step_weights, full.step_weights[thin.step_indices])
    np.testing.assert_array_equal(thin.frame("step").to_numpy(), full.frame("step").to_numpy())  # trained again


def test_the_cache_keeps_its_budget_and_never_trains_twice():
    experiment = lrviz.Experiment.create(samples=200, batch_size=2, epochs=20)
    one = lrviz.simulate(["StepLR()"], experiment, record_steps=True, max_step_points=engine.MAX_STEP_POINTS)
    cache = TrainingCache(max_bytes=int(one.nbytes * 2.5))  # room for two schedules, not three
    schedules = ["StepLR()", "ExponentialLR()", "CosineAnnealingLR()"]
    result = cache.run(schedules, experiment)
    assert cache.trained == schedules  # each once, although they do not all fit
    assert cache.nbytes <= cache.max_bytes
    assert result.labels == schedules and np.isfinite(result.loss).all()
    cache.run(schedules[:1], experiment)
    assert cache.nbytes <= cache.max_bytes
    assert len(cache.trained) <= 4
