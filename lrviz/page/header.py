"""The top of the page: its style, what the page is, how to read the charts, and what a link could not load."""

from __future__ import annotations

import streamlit as st

from lrviz.page import lesson
from lrviz.page import widgets as ui
from lrviz.page.style import DROPPED_LINK_CHECK, STYLE
from lrviz.schedules import markup

INTRO = (
    "Pick schedules in the sidebar and tune them. Each one trains the same model on the same data "
    "with the same initial weights and batch order (the PyTorch tutorial's linear model; the scenarios in the "
    "sidebar stretch its features or add label noise so that schedules differ), using the real "
    "`torch.optim.lr_scheduler` class, so the only difference between the curves below is "
    "the schedule. Hover to compare values; export everything as CSV, JSON or a link."
)
HOW_TO_READ = (
    "- **Learning rate** at epoch *n* is the lr the optimizer *used* during epoch *n*. Tutorials that "
    "print `scheduler.get_last_lr()` after `scheduler.step()` show the lr of the *next* epoch.\n"
    "- **Vertical lines** mark where a schedule jumps or restarts: milestones, step decays, warm restarts, "
    "the end of a warm-up or of OneCycleLR's rise. Each schedule's lines have their own dash and a mark "
    "in their own row above the plot, so two schedules' lines at the same step both show.\n"
    "- **Loss above the optimum**: the linear model's best possible training loss (least squares) is "
    "subtracted, so the log axis shows what each schedule still has to learn. Early on a large lr "
    "makes fast progress; at the end, a decayed lr settles closer to the optimum than a constant one.\n"
    "- **x axis per step** shows every optimizer step: the lr of schedules stepped per batch, and each "
    "mini-batch's loss (faint) beside the loss on the whole training set."
)

MAX_NOTICES = 5  # notices a link raises that the page shows one by one


def header() -> None:
    st.html(STYLE)
    if ui.state().pop("check_dropped_link", False):
        # a frame of its own: only a script can compare the address the browser opened with what the server saw
        st.iframe(DROPPED_LINK_CHECK, height=1)
    with st.container(key="page_intro"):  # presentation mode hides it: the room needs the scenario, not the app
        st.title("lrviz · learning-rate schedules, really trained")
        if lesson.shown("intro"):
            st.markdown(INTRO)
            with st.expander("How to read the charts"):
                st.markdown(HOW_TO_READ)
    notices = ui.state().pop("notices", [])
    for notice in notices[:MAX_NOTICES]:
        st.warning(f"Not loaded: {markup.markdown_text(notice, 400)}", icon=":material/warning:")
    if len(notices) > MAX_NOTICES:  # one link could raise hundreds
        st.warning(f"Not loaded either: {len(notices) - MAX_NOTICES:,} more settings or schedules of this link",
                   icon=":material/warning:")
