"""What the sidebar's schedule editors remember between reruns: which are open, and each schedule's colour.

Both belong to a schedule (its slot id), not to its place in the list: removing the second schedule
neither recolours the third nor closes its editor. A load (a preset, a link, a file: the state's version
changes) starts afresh, in list order, with the first editor open; a schedule added later (added,
duplicated, pasted) opens its editor and takes the first colour no other schedule has.
"""

from __future__ import annotations

from typing import Any

from plotly.colors import qualitative

from lrviz.page import widgets as ui
from lrviz.page.figures import COLORS, palette

ALL_COLORS = COLORS + tuple(qualitative.Dark24 + qualitative.Light24)  # Category 10 first, then more for many


def _book() -> dict[str, Any]:
    """The editors' memory, started again when a load replaced the schedules."""
    s = ui.state()
    book = s.get("editors")
    if book is None or book["version"] != s["version"]:
        slots = s["slots"]
        book = {"version": s["version"], "open": {slots[0]["id"]} if slots else set(),
                "colors": {slot["id"]: k for k, slot in enumerate(slots)}}
        s["editors"] = book
    for slot in s["slots"]:
        if slot["id"] not in book["colors"]:  # added since: open it, give it the first free colour
            taken = {book["colors"][other["id"]] for other in s["slots"] if other["id"] in book["colors"]}
            book["colors"][slot["id"]] = next(k for k in range(len(ALL_COLORS) + 1) if k not in taken)
            book["open"].add(slot["id"])
    return book


def color(slot_id: int) -> str:
    return ALL_COLORS[_book()["colors"][slot_id] % len(ALL_COLORS)]


def is_open(slot_id: int) -> bool:
    return slot_id in _book()["open"]


def keep_open(slot_id: int) -> None:
    """An editor showing an error opens, and stays open once the error is fixed (the browser would close
    an expander whose `expanded` went from True back to False under the hand)."""
    _book()["open"].add(slot_id)


def remember_colors(colors: list[str]) -> None:
    """The colours of the schedules the charts will draw, in their order (the sidebar knows which drew)."""
    ui.state()["chart_colors"] = list(colors)


def chart_colors(count: int) -> tuple[str, ...]:
    """The charts' colours for `count` schedules: the sidebar's, or the palette's if they do not match."""
    colors = ui.state().get("chart_colors") or []
    return tuple(colors) if len(colors) == count else tuple(palette(count))
