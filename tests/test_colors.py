"""Each schedule keeps its colour through adds and removes: in the charts, the legend and its editor."""

from __future__ import annotations

import json

from apptest_helpers import APP, messages, open_app
from streamlit.testing.v1 import AppTest

from lrviz.page.figures import palette
from lrviz.training.config import Config, to_query

START = Config({"epochs": 5}, ["StepLR(step_size=2)", "ExponentialLR(gamma=0.9)", "CosineAnnealingLR()",
                               "LinearLR()"])


def chart_colors(app) -> dict[str, str]:
    """Each schedule's colour in the lr chart, by its full label."""
    figure = next(json.loads(c.proto.spec) for c in app.get("plotly_chart")
                  if "Learning rate" in json.loads(c.proto.spec)["layout"].get("title", {}).get("text", ""))
    return {trace["legendgroup"]: trace["line"]["color"] for trace in figure["data"]}


def click(app, label: str, index: int):
    [button for button in app.sidebar.button if button.label == label][index].click()
    return app.run()


def test_removing_a_schedule_recolours_no_other_and_an_added_one_takes_a_free_colour():
    app = open_app(START)
    before = chart_colors(app)
    assert len(set(before.values())) == 4
    app = click(app, "Remove", 1)  # the exponential decay
    after = chart_colors(app)
    assert "ExponentialLR(gamma=0.9)" not in after
    assert after == {label: color for label, color in before.items() if label != "ExponentialLR(gamma=0.9)"}
    app = click(app, "Duplicate", 0)  # a new schedule: the colour no one has, the one just freed
    again = chart_colors(app)
    assert set(again.values()) == set(before.values())
    assert {label: again[label] for label in after} == after
    legend = app.get("html")
    assert any(before["ExponentialLR(gamma=0.9)"] in element.proto.body for element in legend)


def reopen(link: dict) -> AppTest:
    """The page as a visitor of a link with these parameters sees it."""
    app = AppTest.from_file(APP, default_timeout=120)
    for key, value in link.items():
        app.query_params[key] = value
    return app.run()


def test_a_link_reopens_with_each_schedules_colour():
    app = click(open_app(START), "Remove", 1)  # the rest keep colours 0, 2, 3: not the default order
    before = chart_colors(app)
    link = dict(app.query_params)
    assert link["colors"] in ("0,2,3", ["0,2,3"])
    again = reopen(link)
    assert not again.exception and not messages(again)
    assert chart_colors(again) == before
    assert len(set(before.values())) == 3


def test_a_default_order_adds_nothing_to_the_link():
    app = open_app(START)
    assert "colors" not in app.query_params


def test_a_link_whose_colours_do_not_fit_its_schedules_keeps_the_default_with_a_notice():
    app = reopen({**to_query(START), "colors": "5,1"})
    assert not app.exception
    assert any("2 colours for 4 schedules" in warning.value for warning in app.warning)
    assert list(chart_colors(app).values()) == list(palette(4))
