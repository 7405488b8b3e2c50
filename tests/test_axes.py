"""Value axes that do not mislead: bounded, never stretched over noise, log ticks labelled in full."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_figures import _result

from lrviz.page import axes
from lrviz.page.figures import loss_figure, lr_figure


@pytest.mark.parametrize("low, high", [(0.009, 0.095), (3e-5, 3.3e-4), (1e-8, 10.0), (0.2, 0.5)])
def test_log_ticks_are_one_two_five_each_labelled_in_full(low, high):
    values, labels = axes.log_ticks(low, high)
    assert values and len(values) <= 10
    assert all(low * 0.999 <= v <= high * 1.001 for v in values)
    assert {round(v / 10 ** math.floor(math.log10(v))) for v in values} <= {1, 2, 5}
    for value, label in zip(values, labels, strict=True):  # a label reads as its value, not a lone digit
        assert read(label) == pytest.approx(value, rel=1e-9), (label, value)


SUPER = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def read(label: str) -> float:
    """A tick label's value: 0.02, 5×10⁻⁵ or 10⁻⁴."""
    plain = label.translate(SUPER)
    if "×10" in plain:
        mantissa, exponent = plain.split("×10")
        return float(mantissa) * 10 ** int(exponent)
    if plain != label:  # a bare power of ten
        return 10.0 ** int(plain[2:])
    return float(plain)


def test_a_few_percent_of_noise_spans_no_more_than_a_tenth_of_a_log_axis():
    low, high = axes.value_range(np.array([1.01e-4, 1.04e-4, 1.07e-4]), log=True)
    assert high / low >= axes.MIN_LOG_SPAN
    share = math.log10(1.07 / 1.01) / math.log10(high / low)
    assert share < 0.1


def test_two_runs_diverging_in_the_same_epoch_both_show_in_their_colours():
    result = _result("Constant()", "ExponentialLR(gamma=0.99)", "ConstantLR(factor=0.01, total_iters=12)", lr=3.0)
    assert result.diverged_at[0] == result.diverged_at[1] is not None
    figure = loss_figure(result)
    notes = [note for note in figure.layout.annotations if note.name == "diverged"]
    colors = [trace.line.color for trace in figure.data]
    assert [note.font.color for note in notes] == colors[:2]
    assert len({note.y for note in notes}) == 2  # one row each: neither hides the other


def test_many_milestones_are_drawn_only_for_the_schedule_looked_at():
    result = _result("StepLR(step_size=2)", "MultiStepLR(milestones=[3, 5, 7])", epochs=30)
    counts = [len(result.markers(k)) for k in range(2)]
    assert sum(counts) > 12
    for focus in (0, 1):
        shapes = lr_figure(result, focus=focus).layout.shapes
        drawn = {shape.name for shape in shapes if shape.name.startswith("marker")}
        assert drawn == ({f"marker {focus}"} if counts[focus] <= 20 else set())
    few = _result("StepLR(step_size=10)", "MultiStepLR(milestones=[3, 5])", epochs=30)
    assert {s.name for s in lr_figure(few, focus=0).layout.shapes} >= {"marker 0", "marker 1"}
