"""Presentation mode as a projector layout: what a `present=1` link opens with, before anything is drawn."""

from __future__ import annotations

import streamlit as st

from lrviz.page import widgets as ui

PRESENT_ON = ("1", "true")


def sidebar_state() -> str:
    """A `present=1` link opens with the sidebar closed (the room sees the charts, not the controls);
    decided once per visit, so that a sidebar the lecturer opened stays open."""
    s = ui.state()
    if "sidebar" not in s:
        s["sidebar"] = "collapsed" if st.query_params.get("present", "").lower() in PRESENT_ON else "auto"
    return s["sidebar"]
