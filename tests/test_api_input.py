"""What a Python caller may pass: numpy's numbers work like Python's, anything else is a SpecError."""

import numpy as np
import pytest

import lrviz
from lrviz import SpecError, schedule


@pytest.mark.parametrize("schedules, options, message", [
    ([42], {}, "a schedule is text like StepLR(step_size=4) or lrviz.schedule(...) (got 42)"),
    (None, {}, "schedules must be a list of schedules"),
    ([schedule("Nope")], {}, "unknown scheduler 'Nope'"),
    ([schedule("StepLR", schedule("ExponentialLR"))], {}, "StepLR takes keyword arguments only"),
    ([schedule("SequentialLR", 42, "StepLR()")], {}, "a schedule is text like"),
    ([schedule("StepLR", step_size=np.float64(3.5))], {}, "StepLR: step_size must be a whole number"),
    ([schedule("StepLR", gamma=np.float64("nan"))], {}, "StepLR: gamma must be a finite number ≥ 0 (got nan)"),
    (["StepLR()"], {"epochs": np.int64(0)}, "epochs must be ≥ 1 and ≤ 1,000 (got 0)"),
    (["StepLR()"], {"epochs": None}, "epochs needs a value"),
    (["StepLR()"], {"epoch": 3}, "unknown parameter 'epoch'"),
])
def test_python_values_the_api_refuses(schedules, options, message):
    with pytest.raises(SpecError) as caught:
        lrviz.run(schedules, **options)
    assert str(caught.value).startswith(message)


def test_numpy_numbers_are_numbers():
    built = [schedule("MultiStepLR", milestones=[np.int64(2), np.int64(4)], gamma=np.float64(0.5)),
             schedule("SequentialLR", "StepLR(step_size=2)", schedule("ExponentialLR"), milestones=[np.int32(3)])]
    frame = lrviz.run(built, epochs=np.int64(6), lr=np.float64(0.1), samples=100)
    assert list(frame["schedule"].unique()) == ["MultiStepLR(milestones=[2, 4], gamma=0.5)",
                                                "SequentialLR(StepLR(step_size=2), ExponentialLR(), milestones=[3])"]
    assert frame.loc[frame["epoch"] == 6, "lr"].iloc[0] == pytest.approx(0.025)
