"""Reading is part of the bounded request (issue 19, items 1 to 3): whatever the text, reading it computes only
small values, and a refusal is one line.

The property is a bound, not a benchmark: each hostile read must stay under generous ceilings of CPU time and
memory (bench/hostile_reading.py prints the real figures).
"""

from __future__ import annotations

import itertools
import time
import tracemalloc

import pytest
from apptest_helpers import open_app
from hypothesis import HealthCheck, given, settings
from strategies_hostile import hostile_programs

import lrviz
from lrviz import REGISTRY, RunContext, SpecError
from lrviz.schedules.params import MAX_MESSAGE, MAX_WHOLE_PARAM
from lrviz.schedules.schedule import MAX_SPEC_LENGTH, parse
from lrviz.training.config import Config

CPU_CEILING = 2.0  # seconds of CPU per read: a read takes milliseconds; this only catches unbounded work
MEMORY_CEILING = 50e6  # bytes allocated at the peak of one read

names = "abcdefghijklm"
ISSUE_CASES = [
    "StepLR(step_size=round(5, -10**8))",
    "a=[1,2,3,4]\n" + "".join(f"{n}=[{p},{p},{p},{p}]\n" for p, n in itertools.pairwise(names))
    + "StepLR(optimizer, 4, 0.5, m)",
    "a = 3**40\n" + "a = a*a\n" * 21 + "StepLR(optimizer, a)",
    "StepLR(step_size=10**10**8)",
    "StepLR(step_size=0x" + "f" * 4000 + ")",
    "MultiStepLR(milestones=[0x" + "f" * 4000 + "])",
    "LambdaLR(lr_lambda=0x" + "f" * 4000 + ")",
    "StepLR(step_size=" + "9" * 4400 + ")",
    "OneCycleLR(optimizer, 0.1, epochs=2**70, steps_per_epoch=2**70)",
    "StepLR(step_size=int(1e308))",
    "StepLR(step_size=(-8) ** 0.5)",
]


def _read(text: str) -> tuple[str, float, int]:
    """What reading `text` gives (the canonical text or the refusal, which is one line), its CPU seconds and
    peak bytes."""
    tracemalloc.start()
    start = time.process_time()
    try:
        outcome = str(parse(text))
        assert len(outcome) <= MAX_SPEC_LENGTH  # what is accepted can be shared and read again
    except SpecError as error:
        outcome = str(error)
        assert "\n" not in outcome and len(outcome) <= MAX_MESSAGE
    seconds = time.process_time() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return outcome, seconds, peak


@pytest.mark.parametrize("text", ISSUE_CASES, ids=range(len(ISSUE_CASES)))
def test_the_issues_hostile_texts_are_refused_in_one_line_within_bounds(text):
    outcome, seconds, peak = _read(text)
    with pytest.raises(SpecError) as caught:
        parse(text)
    assert outcome == str(caught.value) and "\n" not in outcome and len(outcome) <= MAX_MESSAGE
    assert seconds < CPU_CEILING and peak < MEMORY_CEILING, (seconds, peak)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(hostile_programs)
def test_any_hostile_program_reads_within_time_and_memory_bounds(text):
    _, seconds, peak = _read(text)
    assert seconds < CPU_CEILING, f"{seconds:.2f} s CPU for {text!r:.200}"
    assert peak < MEMORY_CEILING, f"{peak / 1e6:.1f} MB for {text!r:.200}"


def test_exact_whole_numbers_are_read_as_python_computes_them():
    # 3 ** 40 in floats is 12157665459056929024, one off Python's 12157665459056928801
    assert parse("a = 3 ** 20\nStepLR(optimizer, a % 1000 + 1)").given["step_size"] == 3**20 % 1000 + 1
    assert parse("StepLR(step_size=(10**17 + 1) % 7)").given["step_size"] == (10**17 + 1) % 7


def test_a_huge_number_from_the_api_is_a_spec_error_not_a_value_error():
    with pytest.raises(SpecError, match="larger than any schedule"):
        lrviz.run(["StepLR(step_size=0x" + "f" * 4000 + ")"], epochs=2)


INT_PARAMS = [(name, param.name) for name, spec in REGISTRY.items() for param in spec.params
              if param.kind == "int" and not spec.composite]


@pytest.mark.parametrize(("name", "param"), INT_PARAMS)
def test_every_whole_number_parameter_has_an_upper_bound_a_number_box_holds(name, param):
    ctx = RunContext(horizon=100)
    declared = next(p for p in REGISTRY[name].params if p.name == param)
    assert declared.bounds(ctx)[1] <= MAX_WHOLE_PARAM < 2**53
    with pytest.raises(SpecError, match=param):
        lrviz.resolve(lrviz.schedule(name, **{param: 2**53}), ctx)


@pytest.mark.parametrize("text", ["StepLR(step_size=9007199254740992)",
                                  "CosineAnnealingWarmRestarts(T_0=9007199254740992)",
                                  "ReduceLROnPlateau(patience=9007199254740992)"])
def test_a_link_beyond_the_bound_opens_with_a_notice(text):
    app = open_app(Config({}, [text, "ExponentialLR(gamma=0.9)"]))
    assert not app.exception
    notices = [warning.value for warning in app.warning if warning.value.startswith("Not loaded")]
    assert len(notices) == 1 and "1\\,000\\,000\\,000\\,000" in notices[0]
    assert [slot["name"] for slot in app.session_state["lrviz"]["slots"]] == ["ExponentialLR"]
