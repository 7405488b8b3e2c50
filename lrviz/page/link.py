"""The page and its address: a shared link opens the page it was made from, and the address bar follows the page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import streamlit as st

from lrviz.page import widgets as ui
from lrviz.page.view import View, without_view
from lrviz.page.view import from_query as view_from_query
from lrviz.schedules.schedule import Resolved
from lrviz.training.config import Config, from_query, to_query
from lrviz.training.experiment import Experiment
from lrviz.training.presets import LANDING, LANDING_PRESET

DEFAULT = LANDING  # a scenario where the schedules differ in the raw loss; the tutorial is a preset


def load_first_visit() -> None:
    """A shared link opens the exact page it was made from; anything invalid in it is reported."""
    s = ui.state()
    if s.get("loaded"):
        return
    s["loaded"] = True
    link = {key: st.query_params.get_all(key) for key in st.query_params}
    view, view_dropped = view_from_query(link)
    query = without_view(link)
    config, dropped = from_query(query) if query else (DEFAULT, [])
    if query and not config.schedules and not dropped:
        config.schedules = DEFAULT.schedules
    ui.apply_config(config)
    ui.apply_view(view)
    s["notices"] = dropped + view_dropped
    s["check_dropped_link"] = not link  # an oversized link reaches the script empty: the browser can tell
    if not query:
        s["preset_note"] = f"**{LANDING_PRESET.name}.** {LANDING_PRESET.note}"


def current_config(experiment: Experiment | None, resolved: list[Resolved]) -> Config:
    options = experiment.options() if experiment else dict(ui.state()["experiment"])
    return Config(options, [str(item.schedule) for item in resolved])


def share_link(config: Config, view: View) -> str:
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return f"{base}?{urlencode({**to_query(config), **view.to_query()}, doseq=True)}"


def sync_url(config: Config, view: View) -> None:
    """Keep the address bar equal to the page, so copying it shares the page as it is seen."""
    query = {**to_query(config), **view.to_query()}
    if json.dumps(query, sort_keys=True) != ui.state().get("synced"):
        st.query_params.from_dict(query)
        ui.state()["synced"] = json.dumps(query, sort_keys=True)
