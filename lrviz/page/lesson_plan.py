"""A lesson in a link: the teacher's note, the loss held back until the class has predicted it, the parts of the
page a teacher hides, and several pages in order (built-in scenarios, or a lesson file's own steps).

Pure: no Streamlit here (`lesson.py` draws it). Reading a link or a lesson file is for untrusted input, as in
`view.py` and `config.py`: whatever is valid is kept, the rest is dropped with a one-line reason. A note is
kept as text (bounded, control characters removed); it reaches the page only through `lrviz.schedules.markup`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import unicodedata
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from lrviz.page.view import VIEW_KEYS, View
from lrviz.page.view import from_query as view_from_query
from lrviz.schedules.markup import shorten, shown
from lrviz.schedules.params import SpecError
from lrviz.training.config import Config, from_json
from lrviz.training.presets import SCENARIOS, find

MAX_NOTE = 1000  # characters of a note: a few questions for the class, not a chapter
MAX_TITLE = 120
MAX_STEPS = 12
MAX_LESSON_BYTES = 60_000  # a lesson file (and a lesson in a link, once unpacked)
MAX_PACKED = 40_000  # characters of a packed lesson in a link (Streamlit accepts 512 KiB of query)
PACKED = "json:"  # a lesson packed into the link starts so (a scenario's slug never holds a colon)
LESSON_KEYS = ("note", "reveal", "hide", "lesson", "step")  # the link's parameters for a lesson
FILE_VERSION = 1

# the parts of the page a teacher can hide: the link's name -> what it is (hidden parts are not built at all)
HIDEABLE = {
    "sidebar": "the whole sidebar",
    "presets": "the scenario and preset picker",
    "experiment": "the experiment box (data, model, optimizer)",
    "schedules": "the schedule editors (the schedules stay as the link sets them)",
    "add": "the 'Add a schedule' box",
    "paste": "the paste box",
    "intro": "the introduction and 'How to read the charts'",
    "sections": "every section under the charts",
    "how": "the 'How it works' section",
    "landscape": "the 'Landscape & replay' section",
    "range": "the 'LR range test' section",
    "sweep": "the 'Sweep & scrub' section",
    "export": "the 'Export & share' section, with the lesson builder",
}
SIDEBAR_PARTS = ("presets", "experiment", "schedules", "add", "paste")
SECTION_PARTS = ("how", "landscape", "range", "sweep", "export")  # the keys of view.SECTIONS
_SWITCH = {"1": True, "true": True, "0": False, "false": False}


def clean_note(text: str, limit: int = MAX_NOTE) -> tuple[str, bool]:
    """A note as the page keeps it: lines kept, control and bidirectional-override characters removed, blank
    runs collapsed, at most `limit` characters; and whether it was cut."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = "".join(char for char in text if char == "\n" or unicodedata.category(char) not in ("Cc", "Cf", "Cs"))
    lines = [" ".join(line.split()) for line in kept.split("\n")]
    paragraphs, blank = [], False
    for line in lines:
        if line or not blank:
            paragraphs.append(line)
        blank = not line
    note = "\n".join(paragraphs).strip("\n")
    return (note, False) if len(note) <= limit else (note[:limit].rstrip(), True)


@dataclass(frozen=True)
class Step:
    """One page of a lesson: what it trains, how it is seen, what the teacher says, and what to look at."""

    title: str
    note: str = ""
    config: Config = field(default_factory=Config)
    view: dict[str, str] = field(default_factory=dict)  # the step's view as link parameters (View.to_query)
    after: str = ""  # what to look at, shown once the loss is revealed (a scenario's note tells the answer)


@functools.lru_cache(maxsize=64)
def read_lesson(text: str) -> tuple[str, tuple[Step, ...], tuple[str, ...]]:
    """A link's `lesson=`: scenario slugs with commas, or a packed lesson file. (canonical text, steps, dropped)."""
    if text.startswith(PACKED):
        try:
            body = unpack(text)
        except SpecError as error:
            return "", (), (str(error),)
        steps, dropped, canonical_body = _read_file_body(body)
        return (pack(canonical_body) if steps else ""), steps, tuple(dropped)
    slugs, steps, dropped = [], [], []
    for name in filter(None, (part.strip() for part in text.split(","))):
        if len(steps) >= MAX_STEPS:
            dropped.append(f"lesson steps past the first {MAX_STEPS}")
            break
        try:
            preset = find(name)
        except SpecError:
            dropped.append(f"lesson step '{shorten(name, 40)}' is not a scenario or preset (such as "
                           f"{', '.join(p.slug for p in SCENARIOS)})")
            continue
        slugs.append(preset.slug)
        steps.append(_preset_step(preset.slug))
    return ",".join(slugs), tuple(steps), tuple(dropped)


def _preset_step(slug: str, title: str = "", note: str = "") -> Step:
    preset = find(slug)
    name = preset.name.removeprefix("Scenario: ")
    return Step(title or name[:1].upper() + name[1:], note, preset.config, {}, preset.note)


def pack(body: dict[str, Any]) -> str:
    """A lesson file's body, packed to travel in a link: compressed JSON in URL-safe base64."""
    data = zlib.compress(json.dumps(body, separators=(",", ":"), sort_keys=True).encode(), 9)
    return PACKED + base64.urlsafe_b64encode(data).decode().rstrip("=")


def unpack(text: str) -> Any:
    """The JSON a packed lesson holds; SpecError (one line) for anything that is not one, or too large."""
    if len(text) > MAX_PACKED:
        raise SpecError(f"lesson: the packed lesson is longer than {MAX_PACKED:,} characters")
    packed = text.removeprefix(PACKED).strip()
    try:
        data = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        inflate = zlib.decompressobj()
        raw = inflate.decompress(data, MAX_LESSON_BYTES + 1)  # bounded: a tiny zip bomb stops here
        if len(raw) > MAX_LESSON_BYTES or inflate.unconsumed_tail:
            raise SpecError(f"lesson: the packed lesson unpacks to more than {MAX_LESSON_BYTES // 1000} kB")
        return json.loads(raw)
    except (binascii.Error, zlib.error, ValueError, RecursionError):
        raise SpecError("lesson: the packed lesson could not be read") from None


def read_file(text: str | bytes) -> tuple[dict[str, Any], tuple[Step, ...], list[str]]:
    """A lesson file: its lesson-wide settings (note, hide, reveal as link text), its steps, and what was dropped.
    A file that is not a lesson at all raises SpecError."""
    if len(text) > MAX_LESSON_BYTES:
        raise SpecError(f"a lesson file is at most {MAX_LESSON_BYTES // 1000} kB")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError, TypeError):
        raise SpecError("not a JSON lesson file") from None
    if not isinstance(body, dict) or not isinstance(body.get("steps"), list):
        raise SpecError("a lesson file holds a JSON object with a list of 'steps'")
    steps, dropped, canonical = _read_file_body(body)
    if not steps:
        raise SpecError("the lesson file has no step that could be loaded" + (f" ({dropped[0]})" if dropped else ""))
    settings = {"lesson": pack(canonical)}
    for key in ("note", "hide", "reveal"):
        if key in body:
            value = body[key]
            settings[key] = ",".join(map(str, value)) if isinstance(value, list) else _text(value)
    dropped += [f"lesson file: unknown key {shown(key, 40)}" for key in body
                if key not in ("lrviz_lesson", "title", "steps", "note", "hide", "reveal")]  # fmt: skip
    return settings, steps, dropped


def _text(value: Any) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def _read_file_body(body: Any) -> tuple[tuple[Step, ...], list[str], dict[str, Any]]:
    """The steps of a lesson file's body, what was dropped, and the body as it is kept (the canonical one)."""
    if not isinstance(body, dict) or not isinstance(body.get("steps"), list):
        return (), ["lesson: a lesson holds a list of 'steps'"], {}
    steps, kept, dropped = [], [], []
    for number, item in enumerate(body["steps"], start=1):
        if len(steps) >= MAX_STEPS:
            dropped.append(f"lesson steps past the first {MAX_STEPS}")
            break
        try:
            step, canonical, notices = _read_step(item)
        except SpecError as error:
            dropped.append(f"lesson step {number}: {error}")
            continue
        steps.append(step)
        kept.append(canonical)
        dropped += [f"lesson step {number}: {notice}" for notice in notices]
    return tuple(steps), dropped, {"lrviz_lesson": FILE_VERSION, "steps": kept}


def _read_step(item: Any) -> tuple[Step, dict[str, Any], list[str]]:
    if not isinstance(item, dict):
        raise SpecError("a step is an object with a 'preset', or 'experiment' and 'schedules'")
    notices = [f"unknown key {shown(key, 40)}" for key in item
               if key not in ("title", "note", "preset", "experiment", "schedules", "view")]  # fmt: skip
    title, cut = clean_note(item.get("title") if isinstance(item.get("title"), str) else "", MAX_TITLE)
    title = " ".join(title.split())
    note, note_cut = clean_note(item.get("note") if isinstance(item.get("note"), str) else "")
    notices += ["its title was cut"] * cut + [f"its note was cut to {MAX_NOTE:,} characters"] * note_cut
    view_query = item.get("view", {})
    if not isinstance(view_query, dict):
        notices.append("its view must be an object of link parameters")
        view_query = {}
    view, view_dropped = view_from_query({str(key): [str(value)] for key, value in view_query.items()
                                          if key in VIEW_KEYS})  # fmt: skip
    notices += view_dropped
    canonical: dict[str, Any] = {"title": title, "note": note, "view": view.to_query()}
    if "preset" in item:
        canonical["preset"] = find(str(item["preset"])[:60]).slug
        return replace(_preset_step(canonical["preset"], title, note), view=view.to_query()), canonical, notices
    config, config_dropped = from_json(json.dumps({"experiment": item.get("experiment", {}),
                                                   "schedules": item.get("schedules", [])}))
    notices += config_dropped
    if not config.schedules:
        raise SpecError("no schedule in it could be loaded")
    canonical.update(experiment=config.experiment, schedules=config.schedules)
    return Step(title or "A step", note, config, view.to_query()), canonical, notices


@dataclass(frozen=True)
class LessonLink:
    """What a lesson adds to a link; the defaults are the page without a lesson."""

    note: str = ""  # the teacher's text above the charts (clean_note's form)
    reveal: bool = True  # False: the loss and the results wait behind "Reveal the loss"
    hide: tuple[str, ...] = ()  # names of HIDEABLE, in its order
    lesson: str = ""  # read_lesson's canonical text: scenario slugs, or a packed lesson
    step: int = 0  # the open step, from 0

    def to_query(self) -> dict[str, str]:
        query = {}
        if self.note:
            query["note"] = self.note
        if not self.reveal:
            query["reveal"] = "0"
        if self.hide:
            query["hide"] = ",".join(self.hide)
        if self.lesson:
            query["lesson"] = self.lesson
            if self.step:
                query["step"] = str(self.step + 1)  # people count from 1
        return query

    def steps(self) -> tuple[Step, ...]:
        return read_lesson(self.lesson)[1] if self.lesson else ()

    def hidden(self, part: str) -> bool:
        """Whether `part` is not to be built: hidden itself, or inside a hidden part (the sidebar, the sections)."""
        return (part in self.hide or ("sidebar" in self.hide and part in SIDEBAR_PARTS)
                or ("sections" in self.hide and part in SECTION_PARTS))  # fmt: skip


def read_hide(text: str) -> tuple[tuple[str, ...], list[str]]:
    names = {name.strip().lower() for name in text.split(",") if name.strip()}
    dropped = [f"hide: '{shorten(name, 40)}' is not a part that can be hidden (one of {', '.join(HIDEABLE)})"
               for name in sorted(names - set(HIDEABLE))]  # fmt: skip
    return tuple(name for name in HIDEABLE if name in names), dropped[:5]


def from_query(query: Mapping[str, list[str]]) -> tuple[LessonLink, list[str]]:
    """The lesson a link asks for (each key maps to all its values); other parameters are ignored."""
    texts = {name: values[-1] for name in LESSON_KEYS
             if (values := query.get(name)) and isinstance(values[-1], str)}  # fmt: skip
    values: dict[str, Any] = {}
    dropped: list[str] = []
    if "note" in texts:
        values["note"], cut = clean_note(texts["note"])
        if cut:
            dropped.append(f"the note was cut to its first {MAX_NOTE:,} characters")
    if "reveal" in texts:
        if texts["reveal"].strip().lower() in _SWITCH:
            values["reveal"] = _SWITCH[texts["reveal"].strip().lower()]
        else:
            dropped.append(f"reveal '{shorten(texts['reveal'], 40)}' is not 1 or 0")
    if "hide" in texts:
        values["hide"], more = read_hide(texts["hide"])
        dropped += more
    if "lesson" in texts:
        values["lesson"], steps, more = read_lesson(texts["lesson"].strip())
        dropped += list(more)
        if "step" in texts and steps:
            number = texts["step"].strip()
            if number.isascii() and number.isdigit() and len(number) <= 3 and 1 <= int(number) <= len(steps):
                values["step"] = int(number) - 1
            else:
                dropped.append(f"step '{shorten(texts['step'], 40)}' is not one of the lesson's 1 to {len(steps)}")
    return LessonLink(**values), dropped


def without_lesson(query: Mapping[str, list[str]]) -> dict[str, list[str]]:
    return {name: values for name, values in query.items() if name not in LESSON_KEYS}


def step_view(step: Step, link_view: Mapping[str, list[str]] | None = None, present: bool | None = None) -> View:
    """The view a step opens with: its own, the link's parameters over it, and presentation mode kept."""
    view, _ = view_from_query({**{key: [value] for key, value in step.view.items()}, **(link_view or {})})
    return view if present is None else replace(view, present=present)
