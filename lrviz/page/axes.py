"""Value axes that tell the truth at a glance: bounded to the runs that trained, never stretched so that
noise looks dramatic, and log ticks a reader can read (1, 2, 5 × 10ⁿ, each labelled in full)."""

from __future__ import annotations

import math

import numpy as np

MIN_LOG_SPAN = 10.0  # a log axis spans at least one decade: a 6% spread then looks like one
MIN_LINEAR_SPAN = 0.2  # a linear axis spans at least a fifth of its largest value
SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _label(value: float, power: bool) -> str:
    """0.02 or 5×10⁻⁶: in full, never a lone leading digit."""
    if not power:
        return f"{value:g}"
    exponent = math.floor(math.log10(value))
    mantissa = round(value / 10**exponent)
    power = f"10{str(exponent).translate(SUPERSCRIPT)}"
    return power if mantissa == 1 else f"{mantissa}×{power}"


def value_range(values: np.ndarray, log: bool) -> tuple[float, float] | None:
    """The range of the finite (on a log axis, positive) values, widened to the minimum span; None if none."""
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    if finite.size == 0:
        return None
    low, high = float(finite.min()), float(finite.max())
    if log:
        if high / low < MIN_LOG_SPAN:
            middle = math.sqrt(low * high)
            low, high = middle / math.sqrt(MIN_LOG_SPAN), middle * math.sqrt(MIN_LOG_SPAN)
        return low, high
    span = max(high - low, MIN_LINEAR_SPAN * max(abs(high), abs(low)), 1e-12)
    middle = (low + high) / 2 if high - low < span else None
    return (middle - span / 2, middle + span / 2) if middle is not None else (low, high)


def log_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """1, 2 and 5 × 10ⁿ between low and high (1 × 10ⁿ only when that makes more than eight)."""
    values = []
    for exponent in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1):
        values += [m * 10.0**exponent for m in (1, 2, 5)]
    inside = [v for v in values if low * 0.999 <= v <= high * 1.001]
    if len(inside) > 8:
        inside = [v for v in inside if f"{v:e}".startswith("1")]
    power = bool(inside) and (min(inside) < 1e-3 or max(inside) >= 1e5)  # one form for the whole axis
    return inside, [_label(v, power) for v in inside]


def y_axis(values: np.ndarray, log: bool) -> dict:
    """Plotly y-axis settings (range, ticks) for these values."""
    bounds = value_range(values, log)
    if bounds is None:
        return {}
    low, high = bounds
    if not log:
        pad = (high - low) * 0.05
        return {"range": [low - pad, high + pad]}
    pad = (math.log10(high) - math.log10(low)) * 0.05
    ticks, text = log_ticks(low, high)
    return {"range": [math.log10(low) - pad, math.log10(high) + pad], "tickvals": ticks, "ticktext": text,
            "tickmode": "array", "minor": {"showgrid": False}}
