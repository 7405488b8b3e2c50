"""The scenario's story above the charts: its title and the one line of what to look at, in large type.

Which scenario is on the page is read from the set-up itself, so a link, a phone and presentation
mode all show it without a parameter of their own: the page holds a scenario while its experiment
and schedules are exactly the scenario's. Once the set-up has changed, the story says so instead
of making claims that may no longer hold, and offers to load the scenario again.
"""

from __future__ import annotations

import html
from dataclasses import replace

import streamlit as st

from lrviz.page import widgets as ui
from lrviz.page.view import View
from lrviz.schedules.params import SpecError
from lrviz.schedules.schedule import Schedule, parse
from lrviz.training.config import Config, to_query
from lrviz.training.presets import ALL_PRESETS, Preset

STORY_STYLE = ("<style>.lrviz-story h2{font-size:1.7rem;margin:0;padding:0;line-height:1.25}"
               ".lrviz-story p{font-size:1.3rem;margin:0.2rem 0 0 0;line-height:1.35}"
               ".lrviz-story .changed{font-size:1.05rem;color:#8a5300}</style>")


def _identity(schedule: Schedule) -> tuple:
    """A schedule whatever the order its arguments were written in (the sidebar writes them in the
    declaration's order, a preset as its author did)."""
    return schedule.name, tuple(sorted(schedule.params, key=repr)), tuple(_identity(c) for c in schedule.children)


def written_as(text: str, labels: list[str]) -> str | None:
    """The label among `labels` that is the schedule `text`, however its arguments are ordered."""
    wanted = _identity(parse(text))
    return next((label for label in labels if _identity(parse(label)) == wanted), None)


def _canonical(config: Config) -> tuple:
    schedules = []
    for text in config.schedules:
        try:
            schedules.append(_identity(parse(text)))
        except SpecError:
            schedules.append(text)
    query = to_query(Config(dict(config.experiment), []))
    return tuple(sorted((key, str(value)) for key, value in query.items())), tuple(schedules)


_KNOWN = [(preset, _canonical(preset.config)) for preset in ALL_PRESETS]


def matching(config: Config) -> Preset | None:
    """The preset whose set-up is exactly `config`, if any."""
    query = _canonical(config)
    return next((preset for preset, known in _KNOWN if known == query), None)


def page_config() -> Config | None:
    """The page's set-up as the sidebar holds it now (None while the experiment is invalid)."""
    experiment, errors = ui.experiment_of()
    if errors or experiment is None:
        return None
    return Config(experiment.options(), [str(ui.written_schedule(slot)) for slot in ui.state()["slots"]])


def loaded() -> tuple[Preset | None, bool]:
    """The preset the page shows, and whether its set-up has changed since (the last one loaded)."""
    config = page_config()
    if config is not None and (preset := matching(config)):
        ui.state()["story"] = preset.slug
        return preset, False
    slug = ui.state().get("story")
    return next((preset for preset in ALL_PRESETS if preset.slug == slug), None), slug is not None


def load(preset: Preset) -> None:
    """Load a preset with the view it was written for (its loss view and log switches), in a callback."""
    ui.apply_config(preset.config)
    ui.apply_view(replace(ui.state().get("view", View()), **dict(preset.view)))
    ui.state()["story"] = preset.slug


def reload(slug: str) -> None:
    load(next(preset for preset in ALL_PRESETS if preset.slug == slug))


def story() -> Preset | None:
    """Draw the story of the scenario on the page; it is returned while its claims hold (set-up unchanged)."""
    preset, changed = loaded()
    if preset is None:
        return None
    with st.container(key="story"):
        title = f"<h2>{html.escape(preset.title)}</h2>"
        if changed:
            st.html(f"{STORY_STYLE}<div class='lrviz-story'>{title}<p class='changed'>Changed since it was "
                    "loaded: the set-up is no longer the scenario's, so its lesson may not hold.</p></div>")
            st.button("Load the scenario again", key="story_reload", on_click=reload, args=(preset.slug,),
                      icon=":material/restart_alt:")
            return None
        st.html(f"{STORY_STYLE}<div class='lrviz-story'>{title}<p>{html.escape(preset.line)}</p></div>")
    return preset
