"""The Streamlit page, driven with AppTest: defaults, presets, every kind of control, errors, export."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from apptest_helpers import (
    APP,
    charts,
    curves,
    lr_curves,
    messages,
    open_app,
    open_experiment,
    picker,
    slot_ids,
    widget,
)
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import lrviz
from lrviz.training.config import Config
from lrviz.training.presets import PRESETS

MIXED = Config({"epochs": 12}, [
    "ExponentialLR(gamma=0.9)", "StepLR(step_size=4)", "OneCycleLR()", "LambdaLR()", "MultiStepLR()",
    "CyclicLR(cycle_momentum=False)",
])


def test_default_page_runs_and_draws_each_schedule():
    app = open_app()
    assert not app.exception and not messages(app)
    assert len(lr_curves(app)) == len(app.session_state["lrviz"]["slots"]) >= 3
    assert set(curves(app, "Training loss")) == set(lr_curves(app))
    assert app.title[0].value.startswith("lrviz")


@pytest.mark.parametrize("name", list(PRESETS))
def test_every_preset_loads_and_runs(name):
    app = open_app()
    app.selectbox(key="preset").select(name).run()
    assert not app.exception and not messages(app)
    config = PRESETS[name][1]
    expected = lrviz.run(config.schedules, **config.experiment)
    drawn = list(lr_curves(app).values())
    assert len(drawn) == len(config.schedules)
    for curve, (_, rows) in zip(drawn, expected.groupby("schedule", sort=False), strict=True):
        # nan_ok: a diverged run's lr is NaN after it diverged
        assert curve == pytest.approx(rows["lr"].tolist()[:len(curve)], rel=1e-12, nan_ok=True)


@pytest.mark.parametrize("slot, kind, name, value", [
    (0, "select_slider", "gamma", 0.5),  # a factor, fine near 1
    (1, "slider", "step_size", 2),  # int slider
    (2, "select_slider", "max_lr", 0.5),  # log slider
    (2, "toggle", "three_phase", True),
    (2, "selectbox", "anneal_strategy", "linear"),
    (3, "text_input", "lr_lambda", "0.5 ** epoch"),  # formula
    (4, "text_input", "milestones", "2, 5, 9"),  # list of steps
    (5, "selectbox", "mode", "triangular2"),
])
def test_each_kind_of_control_changes_only_its_curve(slot, kind, name, value):
    app = open_app(MIXED)
    before = lr_curves(app)
    control = widget(app.sidebar, kind, slot_ids(app)[slot], name)
    (control.select(value) if kind == "selectbox" else control.set_value(value)).run()
    assert not app.exception and not messages(app)
    after = lr_curves(app)
    changed = [label for label in after if label not in before or after[label] != before[label]]
    assert len(changed) == 1 and f"{name}=" in changed[0]
    assert len(after) == len(before)


@pytest.mark.parametrize("kind, name, value", [
    ("slider", "epochs", 25), ("selectbox", "optimizer", "adam"), ("select_slider", "lr", 0.05),
    ("selectbox", "step_per", "batch"),
])
def test_experiment_controls_retrain_every_schedule(kind, name, value):
    app = open_experiment(open_app(MIXED))
    before = curves(app, "Training loss")
    control = widget(app.sidebar, kind, "exp", name)
    (control.select(value) if kind == "selectbox" else control.set_value(value)).run()
    assert not app.exception and not messages(app)
    after = curves(app, "Training loss")
    # LambdaLR's default formula is in epochs and MultiStepLR's default milestones fall on epoch
    # boundaries (half and three quarters of the run): stepped per batch, their lrs are the same
    same = {"LambdaLR()", "MultiStepLR()"} if name == "step_per" else set()
    assert {label for label in after if after[label] == before[label]} == same


@pytest.mark.parametrize("slot, kind, name, value, message", [
    (5, "select_slider", "max_lr", 0.001, "max_lr must be above base_lr"),
    (3, "text_input", "lr_lambda", "1 / (1 + epoch", "does not parse"),
    (3, "text_input", "lr_lambda", "__import__('os').getcwd()", "only these functions can be called"),
    (4, "text_input", "milestones", "8, -3", "must be ≥ 0"),
    (4, "text_input", "milestones", "3, x", "whole numbers"),
    (3, "text_input", "lr_lambda", "1 - 0.2 * epoch", "negative"),
])
def test_invalid_settings_show_a_message_and_keep_the_other_curves(slot, kind, name, value, message):
    app = open_app(MIXED)
    before = lr_curves(app)
    widget(app.sidebar, kind, slot_ids(app)[slot], name).set_value(value).run()
    assert not app.exception
    assert any(message in text for text in messages(app)), messages(app)
    after = lr_curves(app)
    assert set(after) < set(before) and len(after) == len(before) - 1
    assert all(after[label] == before[label] for label in after)
    # the user's text is kept, to be corrected
    assert widget(app.sidebar, kind, slot_ids(app)[slot], name).value == value


def test_invalid_experiment_setting_is_shown_next_to_it():
    app = open_experiment(open_app(MIXED))
    widget(app.sidebar, "toggle", "exp", "nesterov").set_value(True).run()
    assert not app.exception
    assert any("nesterov needs momentum" in text for text in messages(app))


def test_add_duplicate_and_remove_schedules():
    app = open_app(Config({}, ["StepLR()"]))
    app.sidebar.selectbox(key="add_schedule").select("CosineAnnealingLR").run()
    assert app.sidebar.selectbox(key="add_schedule").value is None  # consumed: a browser cannot send it again
    assert list(lr_curves(app)) == ["StepLR()", "CosineAnnealingLR()"]
    app.sidebar.button(key=f"dup{slot_ids(app)[1]}").click().run()
    assert list(lr_curves(app)) == ["StepLR()", "CosineAnnealingLR()", "CosineAnnealingLR() #2"]
    app.sidebar.button(key=f"del{slot_ids(app)[0]}").click().run()
    assert list(lr_curves(app)) == ["CosineAnnealingLR()", "CosineAnnealingLR() #2"]


def test_composed_schedule_is_built_in_the_page():
    app = open_app(Config({"epochs": 20}, ["SequentialLR()"]))
    sequential = app.session_state["lrviz"]["slots"][0]
    assert [child["name"] for child in sequential["children"]] == ["LinearLR", "CosineAnnealingLR"]
    warmup, cosine = (child["id"] for child in sequential["children"])
    # each part's sliders show what that part gets: the warm-up lasts until the milestone
    assert widget(app.sidebar, "slider", warmup, "total_iters").value == 2
    assert widget(app.sidebar, "slider", cosine, "T_max").value == 18
    widget(app.sidebar, "select_slider", cosine, "eta_min").set_value(0.05).run()
    assert not app.exception and not messages(app)
    (label,) = lr_curves(app)
    assert "CosineAnnealingLR(eta_min=0.05)" in label
    assert min(lr_curves(app)[label][2:]) == pytest.approx(0.05, rel=0.05)  # after the warm-up


def test_shared_link_opens_the_same_page_and_reports_what_it_dropped():
    config = Config({"epochs": 15, "lr": 0.05}, ["StepLR(step_size=3)", "CosineAnnealingLR(eta_min=0.001)"])
    app = open_app(config)
    assert list(lr_curves(app)) == config.schedules
    assert len(next(iter(lr_curves(app).values()))) == 15
    hostile = open_app(Config({"epochs": 15}, ["StepLR(step_size=3)"]))
    hostile.query_params["s"] = ["StepLR(step_size=3)", "Nope()", "StepLR(gamma=7)"]
    hostile.query_params["samples"] = "lots"
    hostile.run()
    assert not hostile.exception


def test_csv_offered_equals_lrviz_run(monkeypatch):
    offered = {}
    original = MediaFileManager.add_deferred

    def remember(self, data, *args, **kwargs):
        file_id = original(self, data, *args, **kwargs)
        offered[file_id] = data
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", remember)
    config = Config({"epochs": 8, "optimizer": "adam", "lr": 0.05}, ["StepLR(step_size=3)", "OneCycleLR()"])
    app = open_app(config, section="Export & share")
    for key, per in (("csv_epoch", "epoch"), ("csv_step", "step")):
        button = app.get("download_button")
        file_id = next(b.proto.deferred_file_id for b in button if b.proto.id.endswith(key))
        frame = pd.read_csv(io.StringIO(offered[file_id]()))
        expected = lrviz.run(config.schedules, per=per, **config.experiment)
        pd.testing.assert_frame_equal(frame, expected, check_exact=False, rtol=1e-12)


def test_range_test_suggestion_goes_into_max_lr():
    app = open_app(Config({"epochs": 10}, ["StepLR()", "OneCycleLR()"]), section="LR range test")
    assert app.session_state["section"] == "LR range test"
    app.button(key="rt_use").click().run()
    assert not app.exception and not messages(app)
    (label,) = [name for name in lr_curves(app) if name.startswith("OneCycleLR")]
    max_lr = float(label.split("max_lr=")[1].rstrip(")"))
    assert 1e-7 < max_lr < 10  # inside the sweep
    assert max(lr_curves(app)[label]) == pytest.approx(max_lr, rel=0.05)


def test_range_test_offers_a_one_cycle_schedule_when_none_has_max_lr():
    app = open_app(Config({"epochs": 10}, ["StepLR()"]), section="LR range test")
    app.button(key="rt_add").click().run()
    assert not app.exception
    assert [name.split("(")[0] for name in lr_curves(app)] == ["StepLR", "OneCycleLR"]


def test_landscape_replay_and_teaching_panels():
    config = Config({"epochs": 6}, ["ExponentialLR(gamma=0.9)", "ReduceLROnPlateau()"])
    app = open_app(config, section="Landscape & replay")
    replay = next(c for c in app.get("plotly_chart") if "frames" in c.proto.spec and '"toself"' in c.proto.spec)
    assert replay is not None
    app = open_app(config)  # "How it works" is the first tab
    code = next(block.value for block in app.code if "import torch" in block.value)
    assert "lr_scheduler.ExponentialLR(optimizer, gamma=0.9)" in code
    assert any("Keras" in str(frame.value) for frame in app.dataframe)
    picker(app, "explain").select(1).run()
    code = next(block.value for block in app.code if "import torch" in block.value)
    assert "scheduler.step(train_loss)" in code
    classification = open_app(Config({"dataset": "classification", "epochs": 3}, ["StepLR()"]),
                              section="Landscape & replay")
    assert not classification.exception
    assert any("linear-regression dataset" in info.value for info in classification.info)


def test_the_link_holds_the_view_and_reopens_it():
    config = Config({"epochs": 8}, ["StepLR(step_size=3)", "ExponentialLR(gamma=0.8)"])
    app = open_app(config)
    app.segmented_control(key="x").set_value("step").run()
    app.toggle(key="log_lr").set_value(True).run()
    app.toggle(key="log_loss").set_value(False).run()
    app.segmented_control(key="loss_view").set_value("above optimum").run()
    picker(app, "explain").select(1).run()
    app.segmented_control(key="section").set_value("Export & share").run()
    assert not app.exception
    link = {key: app.query_params[key] for key in app.query_params}
    assert link["x"] == "step" and link["log_lr"] == "1" and link["log_loss"] == "0" and link["loss"] == "excess"
    assert link["explain"] == "2" and link["tab"] == "export"
    reopened = AppTest.from_file(APP, default_timeout=120)
    for key, value in link.items():
        reopened.query_params[key] = value
    reopened.run()
    assert not reopened.exception and not reopened.warning
    assert {key: reopened.query_params[key] for key in reopened.query_params} == link
    for key in ("x", "log_lr", "log_loss", "loss_view", "section"):
        assert reopened.session_state[key] == app.session_state[key], key
    reopened.segmented_control(key="section").set_value("How it works").run()
    assert picker(reopened, "explain").value == 1
    x_axis = next(iter(charts(reopened).values()))["layout"]["xaxis"]["title"]["text"]
    assert "step" in x_axis


def test_a_closed_section_keeps_its_view_in_the_link():
    app = open_app(Config({"epochs": 8}, ["StepLR()", "OneCycleLR()"]))
    picker(app, "explain").select(1).run()
    app.segmented_control(key="section").set_value("LR range test").run()  # "Explain" is no longer drawn
    app.toggle(key="log_lr").set_value(True).run()
    assert app.query_params["explain"] == "2" and app.query_params["tab"] == "range"


def test_a_hostile_view_in_a_link_is_reported_not_raised():
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in {"x": "<b>week</b>", "tab": "](javascript:alert(1))", "explain": "99", "present": "1"}.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    notices = [warning.value for warning in app.warning]
    assert any("x axis" in text for text in notices) and any("section" in text for text in notices)
    assert all("<b>" not in text and "](" not in text for text in notices)  # escaped for Markdown
    assert app.session_state["present"] is True and app.session_state["x"] == "epoch"


def test_range_test_applies_to_the_schedule_picked_and_says_so():
    app = open_app(Config({"epochs": 10}, ["OneCycleLR()", "CyclicLR(cycle_momentum=False)"]), section="LR range test")
    first, second = slot_ids(app)
    picker(app, "rt_target").select(second).run()
    app.button(key="rt_use").click().run()
    assert not app.exception and not messages(app)
    slots = {slot["id"]: slot["params"] for slot in app.session_state["lrviz"]["slots"]}
    value = slots[second]["max_lr"]
    assert "max_lr" not in slots[first]
    assert picker(app, "rt_target").value == second  # the picker stays on the schedule just changed
    (confirmation,) = [box.value for box in app.success]
    assert confirmation.startswith("CyclicLR") and f"{value:g}" in confirmation
    assert widget(app.sidebar, "select_slider", second, "max_lr").value == value  # its slider shows it
    picker(app, "rt_target").select(first).run()
    app.button(key="rt_use").click().run()
    (confirmation,) = [box.value for box in app.success]
    assert confirmation.startswith("OneCycleLR")


def test_an_empty_optional_value_says_what_empty_means_from_its_declaration():
    app = open_app(Config({"epochs": 12}, ["CyclicLR(cycle_momentum=False)", "ExponentialLR()"]))
    box = widget(app.sidebar, "number_input", slot_ids(app)[0], "step_size_down")
    assert box.proto.placeholder == "empty: same as step_size_up"
