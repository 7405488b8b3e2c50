"""Sliders that fit the run: where their stops go (pure), and a number box beside each (AppTest)."""

from __future__ import annotations

import itertools
import math

import pytest
from apptest_helpers import charts, lr_curves, messages, open_app, slot_ids, widget

from lrviz.page.scales import linear_step, log_stops, near_one_stops, slider_bounds, stops
from lrviz.schedules.registry import REGISTRY
from lrviz.training.config import Config
from lrviz.training.experiment import EXPERIMENT_PARAMS, Experiment


def _param(scheduler: str, name: str):
    return next(p for p in REGISTRY[scheduler].params if p.name == name)


def _presses(options: list[float], start: float, end: float) -> int:
    return abs(options.index(end) - options.index(start))


def test_gamma_is_fine_near_one_and_still_reaches_a_tenth():
    options = stops(_param("StepLR", "gamma"), Experiment.create(epochs=20).context())
    assert 0 not in options and options[-1] == 1.0  # gamma is in (0, 1]
    assert {0.1, 0.5, 0.9, 0.95, 0.99, 0.995, 0.999} <= set(options)
    assert 5 <= _presses(options, 0.9, 0.99) <= 12  # a decade of 1 - gamma in about ten key presses
    assert 5 <= _presses(options, 0.99, 0.999) <= 12
    assert _presses(options, 0.9, 0.99) < (0.99 - 0.9) / 0.001 / 5  # the old slider needed 90


def test_learning_rates_move_about_ten_stops_per_decade():
    options = log_stops(1e-6, 10.0, low_open=False)
    for low in (1e-4, 1e-3, 1e-2, 0.1, 1.0):
        assert _presses(options, low, low * 10) == 10
    ratios = [b / a for a, b in itertools.pairwise(options)]
    assert max(ratios) < 1.35 and min(ratios) > 1.15  # every press moves the lr by about a quarter
    assert log_stops(0.0, 10.0)[0] == 0.0 and 0.0 not in log_stops(0.0, 10.0, low_open=True)
    assert 1.0 not in near_one_stops(0.0, 1.0, high_open=True)  # momentum < 1


@pytest.mark.parametrize("scheduler, name", [("CosineAnnealingLR", "T_max"), ("StepLR", "step_size"),
                                             ("LinearLR", "total_iters"), ("PolynomialLR", "total_iters"),
                                             ("CosineAnnealingWarmRestarts", "T_0")])
def test_lengths_in_steps_end_at_the_run_s_end(scheduler, name):
    for epochs in (5, 20, 300):
        ctx = Experiment.create(epochs=epochs).context()
        assert slider_bounds(_param(scheduler, name), ctx)[1] == ctx.horizon


def test_epochs_slide_over_the_range_people_use_and_linear_sliders_move_a_percent():
    epochs = next(p for p in EXPERIMENT_PARAMS if p.name == "epochs")
    low, high = slider_bounds(epochs, Experiment().context())
    assert (low, high) == (1, 200) and epochs.high == 1000  # the box beside it takes the rest
    assert linear_step(0.0, 1.0) == 0.01 and linear_step(0.0, 10.0) == 0.1


def _pair(app, kind: str, owner, name: str):
    return widget(app.sidebar, kind, owner, name), next(
        box for box in app.sidebar.number_input if box.key.startswith(widget(app.sidebar, kind, owner, name).key)
        and box.key.endswith(".exact"))


def test_a_typed_value_beyond_the_slider_wins_and_the_slider_stands_at_its_end():
    app = open_app(Config({"epochs": 10}, ["CosineAnnealingLR(T_max=10)"]))
    slot = slot_ids(app)[0]
    slider, box = _pair(app, "slider", slot, "T_max")
    assert slider.max == 10 and box.value == 10
    box.set_value(40).run()  # beyond the run (valid: the cosine does not reach eta_min)
    assert not app.exception and not messages(app)
    slider, box = _pair(app, "slider", slot, "T_max")
    assert box.value == 40 and slider.value == 10
    (label,) = lr_curves(app)
    assert label == "CosineAnnealingLR(T_max=40)"
    lr = lr_curves(app)[label]
    assert lr[-1] == pytest.approx(0.05 * (1 + math.cos(math.pi * 9 / 40)))  # the run's last epoch is t = 9


def test_moving_the_slider_updates_the_box_and_typing_an_off_stop_value_keeps_it_exact():
    app = open_app(Config({"epochs": 10}, ["ExponentialLR(gamma=0.9)"]))
    slot = slot_ids(app)[0]
    slider, box = _pair(app, "select_slider", slot, "gamma")
    slider.set_value(0.95).run()
    slider, box = _pair(app, "select_slider", slot, "gamma")
    assert box.value == 0.95 and "ExponentialLR(gamma=0.95)" in lr_curves(app)
    box.set_value(0.9123).run()
    slider, box = _pair(app, "select_slider", slot, "gamma")
    assert slider.value == 0.9123 and box.value == 0.9123
    assert lr_curves(app)["ExponentialLR(gamma=0.9123)"][1] == pytest.approx(0.1 * 0.9123)


def test_presentation_mode_stacks_large_charts():
    app = open_app(Config({"epochs": 10}, ["StepLR(step_size=3)", "StepLR(step_size=5)"]))
    normal = charts(app)["Learning rate"]["layout"]
    app.toggle(key="present").set_value(True).run()
    assert not app.exception
    present = charts(app)["Learning rate"]["layout"]
    assert present["font"]["size"] >= 16 and present["font"]["size"] > normal["font"]["size"]
    assert present.get("width") is None  # full width, one chart under the other, both on one 1080-px screen
    assert 2 * present["height"] <= 1080 - 300 and present["height"] >= 0.9 * normal["height"]
    legend = [block.proto.body for block in app.get("html") if "lrviz-legend" in block.proto.body]
    assert len(legend) == 1 and "StepLR step_size=3" in legend[0] and "StepLR step_size=5" in legend[0]


def test_a_one_epoch_run_shows_its_lengths_as_number_boxes():
    app = open_app(Config({"epochs": 1}, ["StepLR()", "CosineAnnealingLR()"]))
    assert not app.exception and not messages(app)
    boxes = [box for box in app.sidebar.number_input if ".step_size." in box.key or ".T_max." in box.key]
    assert sorted(box.label for box in boxes) == ["T_max", "step_size"]
    assert all(box.value == 1 and box.proto.label_visibility.value == 0 for box in boxes)  # labelled: no slider
