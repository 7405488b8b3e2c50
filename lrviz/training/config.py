"""A page's whole configuration (experiment + schedules) as JSON or URL query parameters.

Loading is for untrusted input: a shared link or a file may hold anything. Whatever is
valid is kept; everything else is dropped with a message saying what and why.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lrviz.schedules.markup import shorten, shown
from lrviz.schedules.params import RunContext, SpecError
from lrviz.schedules.schedule import parse, resolve
from lrviz.training.experiment import EXPERIMENT_PARAMS, MAX_SCHEDULES, Experiment

FORMAT_VERSION = 1
MAX_JSON_BYTES = 100_000
SCHEDULE_KEY = "s"  # query parameter holding one schedule; repeated for several
_PARAMS = {param.name: param for param in EXPERIMENT_PARAMS}
_CTX = RunContext(horizon=1)


@dataclass
class Config:
    experiment: dict[str, Any] = field(default_factory=dict)  # options that differ from the defaults
    schedules: list[str] = field(default_factory=list)

    def to_experiment(self) -> Experiment:
        return Experiment.create(**self.experiment)


def _non_default(options: Mapping[str, Any]) -> dict[str, Any]:
    defaults = Experiment().options()
    return {key: value for key, value in options.items() if defaults.get(key) != value}


def to_json(config: Config) -> str:
    body = {"lrviz": FORMAT_VERSION, "experiment": _non_default(config.experiment), "schedules": config.schedules}
    return json.dumps(body, indent=2)


def to_query(config: Config) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {key: _text(value) for key, value in _non_default(config.experiment).items()}
    query[SCHEDULE_KEY] = list(config.schedules)
    return query


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _load(options: Mapping[str, Any], schedules: Any) -> tuple[Config, list[str]]:
    dropped: list[str] = []
    experiment: dict[str, Any] = {}
    for name, value in options.items():
        if name not in _PARAMS:
            dropped.append(f"unknown setting {shown(name, 40)}")
            continue
        try:
            experiment[name] = _PARAMS[name].check(value, _CTX)
        except SpecError as error:
            dropped.append(f"setting {error}")
    while True:  # cross-setting rules: drop the setting named, keep the rest
        try:
            context = Experiment.create(**experiment).context()
            break
        except SpecError as error:
            dropped.append(f"setting {error}")
            experiment.pop(error.param or next(iter(experiment)), None)
    if not isinstance(schedules, list):
        dropped.append("schedules must be a list of schedule strings")
        schedules = []
    kept: list[str] = []
    for item in schedules:
        if len(kept) >= MAX_SCHEDULES:
            dropped.append(f"schedules past the first {MAX_SCHEDULES}")
            break
        if not isinstance(item, str):
            dropped.append(f"schedule {shown(item)} is not text")
            continue
        try:
            canonical = str(parse(item))
            resolve(parse(canonical), context)  # the canonical text is what the page reloads: it must parse too
            kept.append(canonical)
        except SpecError as error:
            dropped.append(f"schedule '{shorten(item, 60)}': {error}")
        except (ValueError, TypeError, RecursionError, MemoryError):  # no input may reach the page as a traceback
            dropped.append(f"schedule '{shorten(item, 60)}' could not be read")
    return Config(experiment, kept), dropped


def from_query(query: Mapping[str, list[str]]) -> tuple[Config, list[str]]:
    """Load from query parameters (each key maps to all its values, as `st.query_params.get_all`).

    A setting given twice is refused (which one was meant?): it keeps its default, with a message.
    """
    options, dropped = {}, []
    for name, values in query.items():
        if name == SCHEDULE_KEY or not values:
            continue
        if len(values) > 1:
            dropped.append(f"setting {shown(name, 40)} given {len(values)} times: kept its default")
            continue
        try:
            options[name] = _PARAMS[name].from_text(values[0]) if name in _PARAMS else values[0]
        except SpecError as error:
            dropped.append(f"setting {error}")
    config, more = _load(options, list(query.get(SCHEDULE_KEY, [])))
    return config, dropped + more


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json's object_pairs_hook: a key given twice in one object is refused, not silently the last."""
    body: dict[str, Any] = {}
    for key, value in pairs:
        if key in body:
            raise _DuplicateKey(key)
        body[key] = value
    return body


def from_json(text: str | bytes) -> tuple[Config, list[str]]:
    """Load a configuration file; a file that is not a configuration at all raises SpecError."""
    if len(text) > MAX_JSON_BYTES:
        raise SpecError(f"configuration file is larger than {MAX_JSON_BYTES // 1000} kB")
    try:
        body = json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as error:
        raise SpecError(f"the configuration file gives the key {shown(str(error), 40)} twice") from None
    except (ValueError, RecursionError, MemoryError, TypeError):  # also a 5,000-digit number, invalid UTF-8
        raise SpecError("not a JSON configuration file") from None
    if not isinstance(body, dict):
        raise SpecError("a configuration file holds a JSON object with 'experiment' and 'schedules'")
    dropped = [f"unknown key {shown(key, 40)}" for key in body if key not in ("lrviz", "experiment", "schedules")]
    options = body.get("experiment", {})
    if not isinstance(options, dict):
        dropped.append("experiment must be an object of settings")
        options = {}
    config, more = _load(options, body.get("schedules", []))
    return config, dropped + more
