"""The page and its address: a shared link opens the page it was made from, and the address bar follows the page."""

from __future__ import annotations

import json
from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from lrviz.page import editors
from lrviz.page import widgets as ui
from lrviz.page.lesson_plan import LessonLink, step_view, without_lesson
from lrviz.page.lesson_plan import from_query as lesson_from_query
from lrviz.page.view import VIEW_KEYS, View, without_view
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
    lesson, lesson_dropped = lesson_from_query(link)
    s["lesson_link"] = lesson
    query = without_lesson(without_view(link))
    steps = lesson.steps()
    if steps and not query:  # a lesson's link without a configuration opens its step as the lesson wrote it
        query_view = {key: values for key, values in link.items() if key in VIEW_KEYS}
        config, dropped, view = steps[lesson.step].config, [], step_view(steps[lesson.step], query_view)
    else:
        config, dropped = from_query(query) if query else (DEFAULT, [])
    if query and not config.schedules and not dropped:
        config.schedules = DEFAULT.schedules
    ui.apply_config(config)
    ui.apply_view(view)
    color_dropped = editors.load_colors(view.colors)
    s["notices"] = dropped + view_dropped + color_dropped + lesson_dropped
    s["check_dropped_link"] = not link  # an oversized link reaches the script empty: the browser can tell
    if not query and not steps:
        s["preset_note"] = f"**{LANDING_PRESET.name}.** {LANDING_PRESET.note}"


def current_config(experiment: Experiment | None, resolved: list[Resolved]) -> Config:
    options = experiment.options() if experiment else dict(ui.state()["experiment"])
    return Config(options, [str(item.schedule) for item in resolved])


def lesson_link() -> LessonLink:
    """The lesson the page is in (its note, reveal, hidden parts and step): none by default."""
    return ui.state().get("lesson_link", LessonLink())


def link_to(query: dict[str, str | list[str]]) -> str:
    """This page's address with `query`."""
    base = (st.context.url or "http://localhost:8501/").split("?")[0]
    return f"{base}?{urlencode(query, doseq=True)}"


def page_query(config: Config, view: View) -> dict[str, str | list[str]]:
    """The link's parameters for the page as it is seen: configuration, view and lesson."""
    view = replace(view, colors=editors.link_colors(len(config.schedules)))  # each schedule keeps its colour
    return {**to_query(config), **view.to_query(), **lesson_link().to_query()}


def share_link(config: Config, view: View) -> str:
    return link_to(page_query(config, view))


def sync_url(config: Config, view: View) -> None:
    """Keep the address bar equal to the page, so copying it shares the page as it is seen."""
    query = page_query(config, view)
    if json.dumps(query, sort_keys=True) != ui.state().get("synced"):
        st.query_params.from_dict(query)
        ui.state()["synced"] = json.dumps(query, sort_keys=True)
