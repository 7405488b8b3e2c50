"""Where a slider's stops go: ranges that fit the run, and fine stops where people's values are.

A learning rate moves about 25% per key press (ten stops per decade: 1, 1.25, 1.6, 2, 2.5, 3, 4, 5, 6,
8 × 10^k); a decay factor such as gamma is as fine near 1 (0.9, 0.92, ... 0.99, 0.992, ... 0.999) as an
lr is near 0. A number box beside each slider takes an exact value, which may lie beyond the slider.
"""

from __future__ import annotations

import math

from lrviz.schedules.params import Param, RunContext

MANTISSAS = (1, 1.25, 1.6, 2, 2.5, 3, 4, 5, 6, 8)  # each stop about 25% above the last
LOWEST_DECADE = -8  # where a log slider whose range starts at 0 starts its decades
FINEST_NEAR_ONE = 1e-4  # the near-one scale ends at 0.9999
NEAR_ONE_FROM = 0.5  # below this a near-one scale is logarithmic in the factor itself
LINEAR_STOPS = 100  # a linear slider moves about 1% of its range per key press


def _decades(low: float, high: float) -> list[float]:
    """Ten stops per decade covering [low, high] (low > 0)."""
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    return [round(m * 10.0**d, 12) for d in range(first, last + 1) for m in MANTISSAS]


def _inside(stops: list[float], low: float, high: float, low_open: bool, high_open: bool) -> list[float]:
    return sorted({s for s in stops if (s > low if low_open else s >= low) and (s < high if high_open else s <= high)})


def log_stops(low: float, high: float, low_open: bool = False, high_open: bool = False) -> list[float]:
    """Ten stops per decade from low to high; 0 first when the range starts at 0 and allows it."""
    stops = _decades(max(low, 10.0**LOWEST_DECADE), high)
    if low <= 0 <= high and not low_open:
        stops.append(0.0)
    return _inside(stops, low, high, low_open, high_open)


def near_one_stops(low: float, high: float, low_open: bool = False, high_open: bool = False) -> list[float]:
    """Factors that matter near 1: ten stops per decade of 1 − x from 0.5 to 0.9999, of x below 0.5."""
    small = [s for s in _decades(0.01, NEAR_ONE_FROM) if s < NEAR_ONE_FROM]
    gaps = [d for d in _decades(FINEST_NEAR_ONE, NEAR_ONE_FROM) if FINEST_NEAR_ONE <= d <= NEAR_ONE_FROM]
    large = [round(1 - d, 12) for d in gaps]
    return _inside([0.0, *small, *large, 1.0], low, high, low_open, high_open)


def linear_step(low: float, high: float) -> float:
    """A round step giving at most LINEAR_STOPS stops between low and high."""
    return 10.0 ** math.ceil(math.log10((high - low) / LINEAR_STOPS))


def stops(param: Param, ctx: RunContext) -> list[float] | None:
    """The stops of a float parameter's select-slider, or None for a plain linear slider."""
    low, high = slider_bounds(param, ctx)
    if param.near_one:
        return near_one_stops(low, high, param.low_open, param.high_open)
    if param.log:
        return log_stops(low, high, param.low_open, param.high_open)
    return None


def slider_bounds(param: Param, ctx: RunContext) -> tuple[float, float]:
    """The slider's ends: the valid range cut at the run's end (lengths) or at what people use."""
    low, high = param.slider_range(ctx)
    if param.slider_max is not None:
        high = min(high, param.slider_max)
    return low, high


def nearest(options: list[float], value: float) -> float:
    """The stop a slider shows for a value: itself if it is a stop, else the closest (an end, beyond them)."""
    return min(options, key=lambda option: abs(option - value))
