"""Declared parameters: type, default, valid range and help, checked in one place.

The same declaration gives the slider's range and default in the app, the CLI's help,
and the message a user sees when a value is out of range.
"""

from __future__ import annotations

import difflib
import math
import numbers
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from lrviz.schedules.formula import FormulaError, parse
from lrviz.schedules.markup import shorten, shown

MAX_MESSAGE = 400  # characters of an error message: whatever a user typed, a message stays one short line
# every whole-number parameter ends here: far beyond any run's steps, and below 2**53, the largest whole number a
# browser's number box (a JavaScript double) holds exactly
MAX_WHOLE_PARAM = 10**12


@dataclass(frozen=True)
class RunContext:
    """What a schedule's defaults and bounds may depend on: the length of the run."""

    horizon: int  # how many times the scheduler is stepped in the run
    steps_per_epoch: int = 1
    per_batch: bool = False
    lr: float = 0.1
    epochs: int = 0
    parts: int = 1  # child schedules of a composite (SequentialLR's milestones depend on it)
    chained: bool = False  # inside ChainedScheduler: other schedules change the lr this one updates

    def __post_init__(self) -> None:
        if not self.epochs:
            object.__setattr__(self, "epochs", self.horizon // self.steps_per_epoch if self.per_batch else self.horizon)

    def part(self, horizon: int, chained: bool = False) -> RunContext:
        """The context of a sub-schedule that runs for `horizon` of this run's steps."""
        return replace(self, horizon=max(1, horizon), parts=1, chained=self.chained or chained)

    def with_parts(self, parts: int) -> RunContext:
        return replace(self, parts=parts)


class SpecError(ValueError):
    """An invalid schedule or setting. `param` names the offending parameter, if one does."""

    def __init__(self, message: str, param: str | None = None, schedule: str | None = None) -> None:
        super().__init__(shorten(message, MAX_MESSAGE))
        self.param = param
        self.schedule = schedule


Derived = Callable[[RunContext], Any]


@dataclass(frozen=True)
class Param:
    """One parameter of a scheduler or of the experiment.

    kind: "float", "int", "bool", "choice", "ints" (a list of ints), "formula" or "str".
    default, low and high may be functions of the RunContext (run-length-aware defaults).
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | Derived | None = None
    high: float | Derived | None = None
    low_open: bool = False  # True: the bound itself is not allowed
    high_open: bool = False
    choices: tuple[str, ...] = ()
    optional: bool = False  # None is a valid value ("same as ...", "not set")
    log: bool = False  # spans orders of magnitude: sliders should be logarithmic
    spans_run: bool = False  # a length in scheduler steps: a slider needs to reach the run's end only
    why: str = ""  # what run-dependent bounds mean, added to the message for a value outside them
    # low/high are what torch accepts (validation); a slider's range is only a teaching default within them
    slider_low: float | Derived | None = None  # None: low
    slider_high: float | Derived | None = None  # None: high (or the run's length for a length in steps)
    placeholder: str = ""  # what an empty box means, for an optional value
    near_one: bool = False  # a factor whose useful values crowd towards 1 (gamma, momentum): fine stops there
    slider_max: float | None = None  # a slider's end below `high`, where people's values end (a box takes the rest)

    def default_for(self, ctx: RunContext) -> Any:
        return self.default(ctx) if callable(self.default) else self.default

    def bounds(self, ctx: RunContext) -> tuple[float | None, float | None]:
        low = self.low(ctx) if callable(self.low) else self.low
        high = self.high(ctx) if callable(self.high) else self.high
        if self.kind in ("int", "ints"):
            low = -MAX_WHOLE_PARAM if low is None else max(low, -MAX_WHOLE_PARAM)
            high = MAX_WHOLE_PARAM if high is None else min(high, MAX_WHOLE_PARAM)
        return low, high

    def slider_range(self, ctx: RunContext) -> tuple[float | None, float | None]:
        """A slider's teaching range: the declared one, else the valid range cut at the run's end for lengths
        in steps. A value outside it that is typed or pasted is still valid if it is within `bounds`."""
        low, high = self.bounds(ctx)
        if self.slider_low is not None:
            low = self.slider_low(ctx) if callable(self.slider_low) else self.slider_low
        if self.slider_high is not None:
            high = self.slider_high(ctx) if callable(self.slider_high) else self.slider_high
        elif self.spans_run:
            reach = max(ctx.horizon, low or 0)
            high = reach if high is None else min(high, reach)
        return low, high

    def describe_range(self, ctx: RunContext) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "bool":
            return "True or False"
        if self.kind == "formula":
            return "a formula in epoch, step and t (the scheduler's own counter)"
        what = "each value " if self.kind == "ints" else ""
        return what + self._bounds_text(ctx)

    def _bounds_text(self, ctx: RunContext, value: float | None = None) -> str:
        low, high = self.bounds(ctx)
        if self.kind in ("int", "ints") and (value is None or abs(value) <= MAX_WHOLE_PARAM):
            # the whole-number cap is named only to a value beyond it: any other message keeps torch's range
            low = None if low == -MAX_WHOLE_PARAM else low
            high = None if high == MAX_WHOLE_PARAM else high
        parts = []
        if low is not None:
            parts.append(f"{'>' if self.low_open else '≥'} {_number(low)}")
        if high is not None:
            parts.append(f"{'<' if self.high_open else '≤'} {_number(high)}")
        return " and ".join(parts) if parts else "any number"

    def _range_error(self, value: float, ctx: RunContext) -> SpecError:
        subject = f"each value of {self.name}" if self.kind == "ints" else self.name
        why = f", {self.why}" if self.why else ""
        return SpecError(f"{subject} must be {self._bounds_text(ctx, value)}{why} (got {_number(value)})", self.name)

    def _check_number(self, value: float, ctx: RunContext) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise SpecError(f"{self.name} must be a finite number {self._bounds_text(ctx)} (got {value})", self.name)
        low, high = self.bounds(ctx)
        too_low = low is not None and (value <= low if self.low_open else value < low)
        too_high = high is not None and (value >= high if self.high_open else value > high)
        if too_low or too_high:
            raise self._range_error(value, ctx)

    def from_text(self, text: str) -> Any:
        """Typed text (a link, the command line, a text box) as the value it spells, for `check` to judge.

        Text that spells no value of this kind stays text, so that `check` refuses it with the same message
        as any other wrong value: "inf", "-inf" and "nan" are numbers (and refused as not finite).
        """
        if not isinstance(text, str):
            return text
        if self.kind == "bool":
            return _BOOLEANS.get(text.strip().lower(), text)
        if self.kind in ("int", "float"):
            return _number_from_text(self.name, text)
        if self.kind == "ints":
            parts = [part for part in text.strip().strip("[]").replace(";", ",").replace(",", " ").split()]
            numbers = [_number_from_text(self.name, part) for part in parts]
            return numbers if all(isinstance(n, int) for n in numbers) else text
        return text

    def check(self, value: Any, ctx: RunContext) -> Any:
        """Return `value` converted to this parameter's type, or raise SpecError saying why not."""
        if value is None:
            if self.optional:
                return None
            raise SpecError(f"{self.name} needs a value", self.name)
        kind = self.kind
        wrong_type = SpecError(f"{self.name} must be {_KIND_NAMES[kind]} (got {shown(value)})", self.name)
        if kind == "bool":
            if not isinstance(value, bool):
                raise wrong_type
            return value
        # numbers.Real and Integral: numpy's numbers too, converted to Python's
        if kind in ("float", "int"):
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise wrong_type
            if kind == "int":
                if not isinstance(value, numbers.Integral) and not float(value).is_integer():
                    raise wrong_type
                value = int(value)
            elif isinstance(value, numbers.Integral) and abs(int(value)) > _LARGEST_FLOAT:  # float() would overflow
                raise SpecError(f"{self.name} must be a number a float can hold (got {_number(int(value))})",
                                self.name)
            else:
                value = float(value)
            self._check_number(value, ctx)
            return value
        if kind == "ints":
            if not isinstance(value, list | tuple) or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value
            ):
                raise wrong_type
            value = [int(v) for v in value]
            for item in value:
                self._check_number(item, ctx)
            return value
        if kind == "choice":
            if value not in self.choices:
                raise SpecError(f"{self.name} must be {self.describe_range(ctx)} (got {shown(value)})", self.name)
            return value
        if kind == "formula":
            if not isinstance(value, str):
                raise wrong_type
            try:
                parse(value)
            except FormulaError as error:
                raise SpecError(f"{self.name}: {error}", self.name) from None
            return value
        if kind == "str":
            if not isinstance(value, str):
                raise wrong_type
            return value
        raise AssertionError(f"unknown parameter kind {kind}")


_LARGEST_FLOAT = int(sys.float_info.max)
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}
_MAX_DIGITS = 400  # longer numbers are far outside any range (and Python refuses int() of 4,300 digits)


def _number_from_text(name: str, text: str) -> int | float | str:
    """An int if the text spells one, else a float if it spells one, else the text itself."""
    text = text.strip()
    if len(text.lstrip("+-")) > _MAX_DIGITS and text.lstrip("+-").isdigit():
        raise SpecError(f"{name} must be a number in its range (got a {len(text.lstrip('+-')):,}-digit number)", name)
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _number(value: float) -> str:
    """1,000 for whole numbers, 0.001 or 1e-06 otherwise; a huge integer is shortened."""
    if isinstance(value, int) and abs(value) <= 10**30:  # 9,007,199,254,740,993: every digit matters
        return f"{value:,}"
    if isinstance(value, int):
        if abs(value).bit_length() > 14_000:  # str() of over 4,300 digits raises: count them from the bits
            sign = "a negative" if value < 0 else "a"
            return f"{sign} number of about {round(abs(value).bit_length() * math.log10(2)):,} digits"
        text = str(value)
        return f"{text[:6]}…({len(text.lstrip('-'))} digits)"
    if math.isfinite(value) and float(value).is_integer() and abs(value) < 10**15:
        return f"{int(value):,}"
    return f"{value:g}"


_KIND_NAMES = {
    "bool": "True or False",
    "float": "a number",
    "int": "a whole number",
    "ints": "a list of whole numbers, like [30, 80]",
    "choice": "one of the listed choices",
    "formula": "a formula in quotes",
    "str": "text in quotes",
}


def check_all(params: tuple[Param, ...], given: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Every declared parameter with its checked value (given, or the default)."""
    known = {param.name: param for param in params}
    for name in given:
        if name not in known:
            valid = ", ".join(known) or "none"
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"did you mean {close[0]}? " if close else ""
            raise SpecError(f"unknown parameter {shown(name, 40)}: {hint}(valid: {valid})", name)
    return {
        name: param.check(given[name], ctx) if name in given else param.default_for(ctx)
        for name, param in known.items()
    }
