"""lrviz: compare learning-rate schedules by really training a model with each one.

`streamlit run app.py`. This file is the page's outline, top to bottom; each part lives in `lrviz.page`.
"""

from __future__ import annotations

import streamlit as st

from lrviz.page import lesson
from lrviz.page import widgets as ui
from lrviz.page.charts import charts, train
from lrviz.page.header import header
from lrviz.page.link import current_config, load_first_visit, sync_url
from lrviz.page.projector import sidebar_state
from lrviz.page.real_run import real_run_section
from lrviz.page.scrub import sweep_section
from lrviz.page.sections import (
    config_loader,
    export,
    landscape_section,
    range_test_section,
    section_switcher,
    teaching,
)
from lrviz.page.sidebar import experiment_section, paste_code_box, preset_picker, schedules_section
from lrviz.page.story import story
from lrviz.page.view import SECTIONS

st.set_page_config(page_title="lrviz · learning-rate schedules", page_icon="📉", layout="wide",
                   initial_sidebar_state=sidebar_state())
load_first_visit()
ui.keep_view()
header()

with lesson.sidebar():  # a lesson's link may hide parts of the page: those are not built at all
    if lesson.shown("presets"):
        preset_picker()
    experiment = experiment_section() if lesson.shown("experiment") else lesson.experiment()
    resolved = schedules_section(experiment) if lesson.shown("schedules") else lesson.schedules(experiment)
    if lesson.shown("paste"):
        paste_code_box(experiment)

result = train(resolved, experiment) if experiment else None
lesson.lesson_bar()
# the scenario's title and what to look at, above the charts; a lesson that holds the loss back holds it back too
scenario = story() if lesson.revealed() else None
if result is None:
    st.info("Add a valid schedule in the sidebar to see its curves.", icon=":material/info:")
else:
    charts(result, scenario)
    lesson.prediction(result)
real_run_section(resolved, experiment)
config = current_config(experiment, resolved)

shown_sections = lesson.sections()
section = section_switcher(shown_sections) if shown_sections else None
# only the open section is computed: the landscape and the range test cost more than a slider move should
with st.container(key="section_body"):
    if section == SECTIONS["how"] and result is not None:
        teaching(result)
    elif section == SECTIONS["landscape"] and result is not None and lesson.loss_shown_in(section):
        landscape_section(result)
    elif section == SECTIONS["range"] and experiment is not None:
        range_test_section(experiment)
    elif section == SECTIONS["sweep"] and result is not None and lesson.loss_shown_in(section):
        sweep_section(resolved, experiment)
    elif section == SECTIONS["export"]:
        if result is not None:
            export(result, config)
        config_loader()
        lesson.builder(config, ui.current_view())

if experiment is not None:
    sync_url(config, ui.current_view())
