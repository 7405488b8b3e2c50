"""What the sidebar's schedule editors remember between reruns: which are open, and each schedule's colour.

Both belong to a schedule (its slot id), not to its place in the list: removing the second schedule
neither recolours the third nor closes its editor. A load (a preset, a link, a file: the state's version
changes) starts afresh, in list order (or in the colours its link names: `load_colors`), with the first
editor open; a schedule added later (added, duplicated, pasted) opens its editor and takes the first
colour no other schedule has.
"""

from __future__ import annotations

from typing import Any

from plotly.colors import qualitative

from lrviz.page import widgets as ui
from lrviz.page.figures import COLORS, palette

ALL_COLORS = COLORS + tuple(qualitative.Dark24 + qualitative.Light24)  # Category 10 first, then more for many


def _start(colors: tuple[int, ...] = ()) -> dict[str, Any]:
    s = ui.state()
    slots = s["slots"]
    book = {"version": s["version"], "open": {slots[0]["id"]} if slots else set(),
            "colors": {slot["id"]: colors[k] if colors else k for k, slot in enumerate(slots)}}
    s["editors"] = book
    return book


def _book() -> dict[str, Any]:
    """The editors' memory, started again when a load replaced the schedules."""
    s = ui.state()
    book = s.get("editors")
    if book is None or book["version"] != s["version"]:
        book = _start()
    for slot in s["slots"]:
        if slot["id"] not in book["colors"]:  # added since: open it, give it the first free colour
            taken = {book["colors"][other["id"]] for other in s["slots"] if other["id"] in book["colors"]}
            book["colors"][slot["id"]] = next(k for k in range(len(ALL_COLORS) + 1) if k not in taken)
            book["open"].add(slot["id"])
    return book


def load_colors(colors: tuple[int, ...]) -> list[str]:
    """After a link's load: its schedules take the colours it names (a View's `colors`, one per
    schedule); the notice why not if they do not fit the schedules loaded."""
    count = len(ui.state()["slots"])
    if colors and len(colors) != count:
        _start()
        return [f"colors: the link names {len(colors)} colours for {count} schedules, so they were not kept"]
    _start(colors)
    return []


def _index(slot_id: int) -> int:
    return _book()["colors"][slot_id] % len(ALL_COLORS)


def color(slot_id: int) -> str:
    return ALL_COLORS[_index(slot_id)]


def is_open(slot_id: int) -> bool:
    return slot_id in _book()["open"]


def keep_open(slot_id: int) -> None:
    """An editor showing an error opens, and stays open once the error is fixed (the browser would close
    an expander whose `expanded` went from True back to False under the hand)."""
    _book()["open"].add(slot_id)


def remember_drawn(slot_ids: list[int]) -> None:
    """The schedules the charts will draw, in their order (the sidebar knows which drew): their colours."""
    ui.state()["chart_colors"] = [_index(slot_id) for slot_id in slot_ids]


def chart_colors(count: int) -> tuple[str, ...]:
    """The charts' colours for `count` schedules: the sidebar's, or the palette's if they do not match."""
    colors = ui.state().get("chart_colors") or []
    return tuple(ALL_COLORS[k] for k in colors) if len(colors) == count else tuple(palette(count))


def link_colors(count: int) -> tuple[int, ...]:
    """The `count` drawn schedules' palette indices, for the link (a View's `colors`); none if the
    sidebar drew other schedules (the experiment's settings were invalid: nothing drew)."""
    colors = tuple(ui.state().get("chart_colors") or ())
    return colors if len(colors) == count else ()
