"""Helpers to drive app.py with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
from streamlit.testing.v1 import AppTest

from lrviz.page.view import View
from lrviz.training.config import Config, to_query

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_app(config: Config | None = None, section: str | None = None) -> AppTest:
    """The app as a visitor of a shared link for `config` (or the default page) sees it,
    with the tab `section` open (only the open tab is computed)."""
    app = AppTest.from_file(APP, default_timeout=120)
    query = {**(to_query(config) if config is not None else {}),
             **(View(section=section).to_query() if section else {})}
    for key, value in query.items():
        app.query_params[key] = value
    return app.run()


def open_experiment(app: AppTest) -> AppTest:
    """Open the sidebar's experiment box, as a person clicks it: its widgets are built only while it is open."""
    app.session_state["experiment_open"] = True
    return app.run()


def link_query(config: Config) -> str:
    return urlencode(to_query(config), doseq=True)


def charts(app: AppTest) -> dict[str, dict]:
    """The page's titled Plotly figures by title."""
    figures = [json.loads(chart.proto.spec) for chart in app.get("plotly_chart")]
    return {figure["layout"]["title"]["text"]: figure for figure in figures if "title" in figure["layout"]}


def trace_values(trace: dict) -> list:
    """y values of a trace; Plotly's JSON holds numpy arrays as base64 {'dtype', 'bdata'}."""
    y = trace["y"]
    if isinstance(y, dict):
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"]).tolist()
    return list(y)


def curves(app: AppTest, title_start: str) -> dict[str, list[float]]:
    figure = next(f for title, f in charts(app).items() if title.startswith(title_start))
    # a trace's legend group is the schedule's full label (its name is the legend's short one)
    return {trace.get("legendgroup") or trace["name"]: trace_values(trace) for trace in figure["data"]
            if trace.get("showlegend", True)}


def lr_curves(app: AppTest) -> dict[str, list[float]]:
    return curves(app, "Learning rate")


def slot_ids(app: AppTest) -> list[int]:
    return [slot["id"] for slot in app.session_state["lrviz"]["slots"]]


def widget(app: AppTest, kind: str, owner: int | str, name: str):
    """The widget of parameter `name` of schedule slot `owner` (an id), or of the experiment ("exp")."""
    pattern = re.compile(rf"^v\d+\.{owner}\.{re.escape(name)}\.")
    found = [element for element in getattr(app, kind) if element.key and pattern.match(element.key)]
    assert len(found) == 1, f"{kind} {name} of {owner}: found {[e.key for e in getattr(app, kind)]}"
    return found[0]


def messages(app: AppTest) -> list[str]:
    """The error notices as a person reads them (user text in them is backslash-escaped Markdown)."""
    return [re.sub(r"\\(.)", r"\1", element.value) for element in app.error]


def picker(app: AppTest, key: str):
    """A schedule picker (ui.schedule_picker): its key is `key` and a digest of the texts it shows."""
    (found,) = [box for box in app.selectbox if box.key and box.key.startswith(f"{key}.")]
    return found
