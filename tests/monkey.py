"""A plain model of what the page should hold, for the monkey tests (AppTest and Chromium).

The model knows the schedules a person asked for, in order, as text, and the view they chose.
It is updated from the person's actions alone, never from the page: the page is then compared
with it (the sidebar, the charts' legends and the link in the address bar).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field, replace

from lrviz.page.view import SECTIONS, View
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.registry import REGISTRY
from lrviz.schedules.schedule import Schedule, parse, resolve
from lrviz.training.config import Config
from lrviz.training.presets import ALL_PRESETS, PRESETS

ADDABLE = [name for name, spec in REGISTRY.items()]
MAX_SLOTS = 6  # past this the monkey removes instead of adding: runs stay quick


def _ordered(name: str, params: dict, children: tuple[Schedule, ...]) -> Schedule:
    """A schedule with its parameters in the declaration's order, as the page writes them."""
    order = [param.name for param in REGISTRY[name].params]
    given = tuple((key, tuple(params[key]) if isinstance(params[key], list) else params[key])
                  for key in order if key in params)  # fmt: skip
    return Schedule(name, given, children)


def _in_order(schedule: Schedule) -> Schedule:
    """A loaded text (a preset's, a link's) as the page writes it back: parameters in declaration order."""
    return _ordered(schedule.name, schedule.given, tuple(_in_order(child) for child in schedule.children))


@dataclass
class PageModel:
    config: Config
    slots: list[Schedule] = field(default_factory=list)
    view: View = field(default_factory=View)
    colors: list[int] = field(default_factory=list)  # each slot's palette index: it keeps it (editors.py)

    @classmethod
    def of(cls, config: Config) -> PageModel:
        model = cls(config)
        model.slots = [model._complete(parse(text)) for text in config.schedules]
        model.colors = list(range(len(model.slots)))
        return model

    def _free_color(self) -> int:
        return next(k for k in range(len(self.colors) + 1) if k not in self.colors)

    @property
    def ctx(self) -> RunContext:
        return self.config.to_experiment().context()

    def _complete(self, schedule: Schedule) -> Schedule:
        """A composite added empty gets its declared default parts when the page first draws it."""
        spec = REGISTRY[schedule.name]
        children = schedule.children
        if spec.composite and not children:
            children = tuple(parse(text) for text in spec.default_children(self.ctx))
        return _in_order(replace(schedule, children=children))

    # ---- what a person does
    def preset(self, name: str) -> None:
        self.config = PRESETS[name][1]
        self.slots = [self._complete(parse(text)) for text in self.config.schedules]
        self.colors = list(range(len(self.slots)))
        # a preset sets the view it was written for (its loss view and log switches)
        self.view = replace(self.view, **dict(next(p for p in ALL_PRESETS if p.name == name).view))

    def add(self, name: str) -> None:
        self.slots.append(self._complete(parse(f"{name}()")))
        self.colors.append(self._free_color())

    def duplicate(self, index: int) -> None:
        self.slots.insert(index + 1, self.slots[index])
        self.colors.insert(index + 1, self._free_color())

    def remove(self, index: int) -> None:
        del self.slots[index]
        del self.colors[index]

    def add_part(self, index: int) -> None:
        slot = self.slots[index]
        part = parse(REGISTRY[slot.name].default_part)
        self.slots[index] = replace(slot, children=(*slot.children, part))

    def rename(self, index: int, name: str) -> None:
        self.slots[index] = self._complete(parse(f"{name}()"))

    def set_param(self, index: int, name: str, value: object) -> None:
        slot = self.slots[index]
        self.slots[index] = _ordered(slot.name, {**slot.given, name: value}, slot.children)

    def reopen(self) -> None:
        """A link holds the schedules that are drawn, with their colours: one being corrected is not in it."""
        self.slots, self.colors = [self._complete(parse(text)) for text in self.drawn()], self.drawn_colors()

    # ---- what the page should show
    def sidebar(self) -> list[str]:
        return [str(slot) for slot in self.slots]

    def _drawn(self) -> list[tuple[str, int]]:
        kept = []
        for slot, color in zip(self.slots, self.colors, strict=True):
            try:
                resolve(slot, self.ctx)
                kept.append((str(slot), color))
            except SpecError:
                continue
        return kept

    def drawn(self) -> list[str]:
        return [text for text, _ in self._drawn()]

    def drawn_colors(self) -> list[int]:
        return [color for _, color in self._drawn()]

    def link_view(self) -> View:
        """The view the link holds: the one chosen, with the drawn schedules' colours."""
        return replace(self.view, colors=tuple(self.drawn_colors()))

    def legend(self) -> list[str]:
        """Repeated schedules are told apart by #2, #3 in the legends."""
        seen: dict[str, int] = {}
        names = []
        for text in self.drawn():
            seen[text] = seen.get(text, 0) + 1
            names.append(text if seen[text] == 1 else f"{text} #{seen[text]}")
        return names


def unescape(markdown: str) -> str:
    """Text escaped for Markdown (lrviz.schedules.markup.markdown_text) back to what the page shows."""
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", markdown)


ACTIONS = ("preset", "add", "duplicate", "remove", "compose", "rename", "slider", "toggle", "section", "reopen")


def next_action(rng: random.Random, model: PageModel) -> tuple[str, object]:
    """A person's next action on this page, and what it needs (a preset, a schedule, a position)."""
    count = len(model.slots)
    while True:
        action = rng.choice(ACTIONS)
        if action == "preset":
            return action, rng.choice(list(PRESETS))
        if action == "add" and count < MAX_SLOTS:
            return action, rng.choice(ADDABLE)
        if action == "duplicate" and 0 < count < MAX_SLOTS:
            return action, rng.randrange(count)
        if action in ("remove", "slider") and count:
            return action, rng.randrange(count)
        if action == "compose":
            composites = [i for i, slot in enumerate(model.slots) if REGISTRY[slot.name].composite
                          and len(slot.children) < 4]  # fmt: skip
            if composites:
                return action, rng.choice(composites)
        if action == "rename" and count:
            return action, (rng.randrange(count), rng.choice(ADDABLE))
        if action == "toggle":
            return action, "log_lr"
        if action == "section":
            return action, rng.choice(list(SECTIONS.values()))
        if action == "reopen":
            return action, None
