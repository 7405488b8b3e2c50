"""How the page is looked at, as opposed to what it computes: axes, log switches, the open section.

A shared link holds the view beside the configuration, so it reopens the page as it was seen.
Reading a link is for untrusted input: every value is checked, and one that is not valid is
dropped (the default is kept) with a message saying what and why, as `config.py` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lrviz.schedules.markup import shorten

MAX_EXPLAINED = 1000  # more than any page holds (MAX_SCHEDULES): bounds what a link can ask for
MAX_COLOR = 1000  # a palette index; the palette wraps round (editors.py), this only bounds a link

# the page's sections: the short name a link uses -> the label the page shows
SECTIONS = {"how": "How it works", "landscape": "Landscape & replay", "range": "LR range test",
            "sweep": "Sweep & scrub", "export": "Export & share"}  # fmt: skip
AXES = ("epoch", "step")
LOSS_VIEWS = {"raw": "raw", "excess": "above optimum"}
_SWITCH = {"1": True, "true": True, "0": False, "false": False}


@dataclass(frozen=True)
class View:
    """Everything about the page that is not the configuration; the defaults are the page's own."""

    per: str = "epoch"  # the x axis: one point per epoch or per optimizer step
    loss_view: str = "raw"  # "raw" or "above optimum" (the landing scenario differs in the raw loss)
    log_lr: bool = False
    log_loss: bool = True
    explained: int = 0  # which schedule "How it works" explains (its position in the list)
    section: str = SECTIONS["how"]  # the open section's label
    present: bool = False  # presentation mode: charts sized to be read from the back of a room
    colors: tuple[int, ...] = ()  # each drawn schedule's palette index, in list order; () is 0, 1, 2…

    def __post_init__(self) -> None:
        if self.colors == tuple(range(len(self.colors))):  # the default order is spelled one way only
            object.__setattr__(self, "colors", ())

    def to_query(self) -> dict[str, str]:
        """The link's parameters for what differs from the default view (a default view adds nothing)."""
        default, query = View(), {}
        if self.per != default.per:
            query["x"] = self.per
        if self.loss_view != default.loss_view:
            query["loss"] = _key_of(LOSS_VIEWS, self.loss_view)
        for name in ("log_lr", "log_loss", "present"):
            if getattr(self, name) != getattr(default, name):
                query[name] = "1" if getattr(self, name) else "0"
        if self.explained != default.explained:
            query["explain"] = str(self.explained + 1)  # people count from 1
        if self.section != default.section:
            query["tab"] = _key_of(SECTIONS, self.section)
        if self.colors:
            query["colors"] = ",".join(map(str, self.colors))
        return query


def valid(field: str, value: object) -> bool:
    """Whether `value` can be the View's `field` (a widget's value is checked before it is kept)."""
    default = getattr(View(), field)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and 0 <= value < MAX_EXPLAINED
    if isinstance(default, tuple):
        return (isinstance(value, tuple) and len(value) <= MAX_EXPLAINED and len(set(value)) == len(value)
                and all(isinstance(k, int) and not isinstance(k, bool) and 0 <= k < MAX_COLOR for k in value))
    allowed = {"per": AXES, "loss_view": tuple(LOSS_VIEWS.values()), "section": tuple(SECTIONS.values())}[field]
    return value in allowed


# the link's parameters for a View
VIEW_KEYS = ("x", "loss", "log_lr", "log_loss", "present", "explain", "tab", "colors")


def _key_of(table: dict[str, str], label: str) -> str:
    return next(key for key, value in table.items() if value == label)


def _choice(name: str, text: str, table: Mapping[str, str]) -> str:
    if text not in table:
        raise ValueError(f"{name} '{shorten(text, 40)}' is not one of {', '.join(table)}")
    return table[text]


def _switch(name: str, text: str) -> bool:
    if text.lower() not in _SWITCH:
        raise ValueError(f"{name} '{shorten(text, 40)}' is not 1 or 0")
    return _SWITCH[text.lower()]


def _position(name: str, text: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 6) or not 1 <= int(digits) <= MAX_EXPLAINED:
        raise ValueError(f"{name} '{shorten(text, 40)}' is not a schedule's number (1, 2, …)")
    return int(digits) - 1


def _colors(text: str) -> tuple[int, ...]:
    """Palette indices, comma-separated, each schedule its own ("0,2,3")."""
    parts = text.split(",")
    if (len(parts) > MAX_EXPLAINED or not all(part.isascii() and part.isdigit() and len(part) <= 6 for part in parts)
            or not valid("colors", colors := tuple(int(part) for part in parts))):
        raise ValueError(f"colors '{shorten(text, 40)}' are not distinct palette numbers (0,2,3…)")
    return colors


def _read(name: str, text: str) -> tuple[str, object]:
    """One link parameter as (View field, value); ValueError with the reason if it is not valid."""
    if name == "x":
        return "per", _choice("x axis", text, {axis: axis for axis in AXES})
    if name == "loss":
        return "loss_view", _choice("loss view", text, LOSS_VIEWS)
    if name == "explain":
        return "explained", _position("explained schedule", text)
    if name == "tab":
        return "section", _choice("section", text, SECTIONS)
    if name == "colors":
        return "colors", _colors(text)
    return name, _switch(name, text)


def from_query(query: Mapping[str, list[str]]) -> tuple[View, list[str]]:
    """The view a link asks for (each key maps to all its values); parameters not of the view are ignored."""
    values, dropped = {}, []
    for name in VIEW_KEYS:
        texts = query.get(name)
        if not texts:
            continue
        text = texts[-1] if isinstance(texts[-1], str) else ""
        try:
            field, value = _read(name, text)
            values[field] = value
        except ValueError as error:
            dropped.append(str(error))
    return View(**values), dropped


def without_view(query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The rest of a link: its configuration."""
    return {name: values for name, values in query.items() if name not in VIEW_KEYS}


