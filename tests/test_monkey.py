"""Seeded monkey: random sequences of a person's actions, each followed by a check of the whole page.

After every action: no exception, the sidebar holds exactly the model's schedules in order, the
charts name exactly the ones that are valid, and the link in the address bar says the same.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from apptest_helpers import APP, lr_curves
from monkey import PageModel, next_action, unescape
from streamlit.testing.v1 import AppTest

from lrviz.page.sidebar import short_label
from lrviz.page.view import from_query as view_from_query
from lrviz.page.view import without_view
from lrviz.training.config import Config, from_query

START = Config({"epochs": 8}, ["ExponentialLR(gamma=0.9)", "SequentialLR()"])
ACTIONS_PER_RUN = 50


def link(app: AppTest) -> dict[str, list[str]]:
    return {key: _as_list(app.query_params[key]) for key in app.query_params}


def _as_list(value: str | list[str]) -> list[str]:
    return list(value) if isinstance(value, list | tuple) else [value]


def reopen(query: dict[str, list[str]]) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)
    for key, values in query.items():
        app.query_params[key] = values if len(values) > 1 else values[0]
    return app.run()


def slot_id(app: AppTest, index: int) -> int:
    return app.session_state["lrviz"]["slots"][index]["id"]


def sidebar(app: AppTest) -> list[str]:
    return [unescape(box.label) for box in app.sidebar.expander if not box.label.startswith("Experiment")]


def act(app: AppTest, model: PageModel, action: str, arg) -> AppTest:
    """Do `action` on the page as a person would, and the same to the model; returns the page."""
    version = app.session_state["lrviz"]["version"]
    if action == "preset":
        app.selectbox(key="preset").select(arg).run()
        model.preset(arg)
    elif action == "add":
        app.selectbox(key="add_schedule").select(arg).run()
        model.add(arg)
    elif action in ("duplicate", "remove", "compose"):
        prefix = {"duplicate": "dup", "remove": "del", "compose": "add"}[action]
        app.button(key=f"{prefix}{slot_id(app, arg)}").click().run()
        {"duplicate": model.duplicate, "remove": model.remove, "compose": model.add_part}[action](arg)
    elif action == "rename":
        index, name = arg
        if model.slots[index].name != name:  # choosing the name it has already is no change
            app.selectbox(key=f"v{version}.{slot_id(app, index)}.name").select(name).run()
            model.rename(index, name)
    elif action == "slider":
        pattern = re.compile(rf"^v\d+\.{slot_id(app, arg)}\.(\w+)\.")
        sliders = [s for s in app.sidebar.slider if s.key and pattern.match(s.key)]
        if sliders:
            slider = sliders[0]
            value = slider.proto.min if slider.value != slider.proto.min else slider.proto.max
            value = int(value) if isinstance(slider.value, int) else float(value)
            slider.set_value(value).run()
            model.set_param(arg, pattern.match(slider.key).group(1), value)
    elif action == "toggle":
        if any(switch.key == "log_lr" for switch in app.toggle):  # drawn when a schedule is
            app.toggle(key="log_lr").set_value(not model.view.log_lr).run()
            model.view = replace(model.view, log_lr=not model.view.log_lr)
    elif action == "section":
        app.segmented_control(key="section").set_value(arg).run()
        model.view = replace(model.view, section=arg)
    elif action == "reopen":
        app = reopen(link(app))
        model.reopen()
    return app


def check(app: AppTest, model: PageModel, step: str) -> None:
    assert not app.exception, (step, [e.value for e in app.exception])
    assert sidebar(app) == [short_label(text) for text in model.sidebar()], step  # long labels are cut
    drawn = list(lr_curves(app)) if model.drawn() else []
    assert drawn == model.legend(), step
    query = link(app)
    config, _ = from_query(without_view(query))
    assert config.schedules == model.drawn(), step
    assert view_from_query(query) == (model.link_view(), []), step


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_sequences_of_actions_leave_the_page_the_model_expects(seed):
    rng = random.Random(seed)
    app, model = reopen({"epochs": ["8"], "s": START.schedules}), PageModel.of(START)
    check(app, model, "start")
    done = []
    for _ in range(ACTIONS_PER_RUN):
        action, arg = next_action(rng, model)
        done.append(f"{action} {arg}")
        app = act(app, model, action, arg)
        check(app, model, " / ".join(done))
