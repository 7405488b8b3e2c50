"""The page's "Sweep & scrub" section, driven with AppTest: the family it sends is what lrviz.sweep trains."""

import json

import numpy as np
from apptest_helpers import curves, open_app

import lrviz
from lrviz.page.scrub import family_values
from lrviz.training.config import Config
from lrviz.training.experiment import EXPERIMENT_PARAMS

CONFIG = Config({"epochs": 6}, ["StepLR(step_size=2, gamma=0.5)", "CosineAnnealingLR()"])
SECTION = "Sweep & scrub"


def _figure(app, key: str) -> dict:
    return next(json.loads(chart.proto.spec) for chart in app.get("plotly_chart") if chart.proto.id.endswith(key))


def _scrubbed(app, name: str, count: int = 6, seeds: int = 1):
    app.selectbox(key="scrub_name").set_value(name)
    app.slider(key="scrub_count").set_value(count)
    app.slider(key="scrub_seeds").set_value(seeds)
    return app.button(key="scrub_go").click().run()


def test_scrub_sends_every_values_curves_as_trained_alone():
    app = _scrubbed(open_app(CONFIG, section=SECTION), "gamma")
    assert not app.exception and not app.error
    figure = _figure(app, "scrub_chart")
    steps = figure["layout"]["sliders"][0]["steps"]
    step_param = lrviz.REGISTRY["StepLR"].param("gamma")
    values = sorted({*family_values(step_param, lrviz.Experiment.create(epochs=6).context(), 0.5, 6), 0.5})
    assert [step["label"] for step in steps] == [f"{v:.3g}" for v in values]
    assert steps[figure["layout"]["sliders"][0]["active"]]["label"] == "0.5"  # it starts at the current value
    # the bright StepLR loss curve of every step is the run with that gamma written in
    bright = [i for i, trace in enumerate(figure["data"]) if trace.get("showlegend", True)
              and trace["legendgroup"].startswith("StepLR")]
    for step, value in zip(steps, values, strict=True):
        traces, indices = step["args"]
        alone = lrviz.run([f"StepLR(step_size=2, gamma={value})"], epochs=6)
        y = traces["y"][indices.index(bright[0])]
        np.testing.assert_array_equal(np.array(y, dtype=float), alone["loss"].to_numpy())
    sweep = _figure(app, "sweep_chart")
    assert sweep["layout"]["title"]["text"] == "Final loss against gamma"


def test_set_puts_the_chosen_value_into_every_schedule_that_has_it():
    config = Config({"epochs": 6}, ["StepLR(step_size=2, gamma=0.5)", "ExponentialLR(gamma=0.9)",
                                    "CosineAnnealingLR()"])
    app = _scrubbed(open_app(config, section=SECTION), "gamma")
    picker = next(widget for widget in app.get("select_slider") if widget.key.startswith("scrub_pick"))
    value = picker.options[1]
    picker.set_value(float(value)).run()
    app.button(key="scrub_set_button").click().run()
    assert not app.exception
    labels = list(curves(app, "Training loss"))
    gamma = float(value)
    assert f"StepLR(step_size=2, gamma={gamma!r})" in labels and f"ExponentialLR(gamma={gamma!r})" in labels
    assert "CosineAnnealingLR()" in labels


def test_the_lr_is_scrubbed_on_a_log_axis_and_set_in_the_experiment():
    app = _scrubbed(open_app(CONFIG, section=SECTION), "lr", count=5, seeds=2)
    assert not app.exception
    sweep = _figure(app, "sweep_chart")
    assert sweep["layout"]["xaxis"]["type"] == "log"
    low, high = next(p for p in EXPERIMENT_PARAMS if p.name == "lr").slider_range(None)
    labels = [step["label"] for step in _figure(app, "scrub_chart")["layout"]["sliders"][0]["steps"]]
    assert float(labels[0]) == float(f"{low:.3g}") and float(labels[-1]) == float(f"{high:.3g}")
    assert "0.1" in labels  # the current lr
    assert "mean of 2 seeds" in _figure(app, "scrub_chart")["layout"]["title"]["text"]


def test_the_heat_map_shows_one_schedule_over_the_lr():
    app = _scrubbed(open_app(CONFIG, section=SECTION), "gamma", count=4)
    app.toggle(key="scrub_heat").set_value(True).run()
    assert not app.exception
    heat = _figure(app, "heat_chart")
    assert heat["data"][0]["type"] == "heatmap" and len(heat["data"][0]["x"]) == 8
    assert "StepLR" in heat["layout"]["title"]["text"]


def test_a_sweep_too_heavy_is_refused_with_its_estimate():
    app = _scrubbed(open_app(Config({"epochs": 200, "samples": 5000}, ["StepLR()", "ExponentialLR()"]),
                             section=SECTION), "gamma", count=32, seeds=5)
    assert not app.exception
    assert any("would take about" in error.value for error in app.error)
    assert not [chart for chart in app.get("plotly_chart") if chart.proto.id.endswith("scrub_chart")]


def test_values_follow_the_bar_of_int_parameters():
    app = _scrubbed(open_app(CONFIG, section=SECTION), "step_size", count=8)
    labels = [step["label"] for step in _figure(app, "scrub_chart")["layout"]["sliders"][0]["steps"]]
    assert all(float(label).is_integer() for label in labels) and len(set(labels)) == len(labels) >= 4
