"""The paste box's names computed at run time: the run's lengths said beside the box, a box for every other.

A pasted block is read with the run (so `args.epochs` and `len(train_loader)` take the experiment's numbers,
said in a caption) and with the values typed into a box named exactly as the code writes each other name
(`cfg.SOLVER.GAMMA`); a name without a value gets its box and the schedule is added once all have values. The
schedule is added as its canonical text, with those numbers in it, so the link and the JSON keep them.
"""

from __future__ import annotations

import streamlit as st

from lrviz.page import widgets as ui
from lrviz.schedules.params import SpecError
from lrviz.schedules.reader.dialects import MAX_DEFINES, parse_define, said
from lrviz.schedules.schedule import Schedule, parse, resolve
from lrviz.training.experiment import Experiment

KEY = "define:"  # session-state key of a name's box


def read_pasted(code: str, experiment: Experiment) -> Schedule:
    """The pasted schedule, read with the run and the boxes' values; SpecError names what is still missing
    (and opens a box for each such name)."""
    names = ui.state().setdefault("define_names", [])
    define = {}
    for name in names:
        typed = str(st.session_state.get(KEY + name) or "").strip()
        if typed:
            define.update([parse_define(f"{name}={typed}")])
    try:
        schedule = parse(code, define, experiment.context())
        resolve(schedule, experiment.context())
    except SpecError as error:
        for name in getattr(error, "missing", []):
            if name not in names and len(names) < MAX_DEFINES:
                names.append(name)
        raise
    ui.state()["define_said"] = said(schedule.origin)
    ui.state()["define_names"] = []  # their values are in the schedule's canonical text now
    return schedule


def define_boxes() -> None:
    """A box per name the pasted code computes at run time, and what was filled in from the run."""
    for note in ui.state().get("define_said", []):
        st.caption(note)
    names = ui.state().get("define_names", [])
    if names:
        st.caption("Values for names the pasted code computes at run time; then add the pasted schedule again.")
    for name in names:
        st.text_input(name, key=KEY + name, placeholder="a number, or a list like [30, 60]",
                      help=f"{name} as the pasted code writes it; lrviz reads the value, never runs it")
