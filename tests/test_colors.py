"""Each schedule keeps its colour through adds and removes: in the charts, the legend and its editor."""

from __future__ import annotations

import json

from apptest_helpers import open_app

from lrviz.training.config import Config

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
