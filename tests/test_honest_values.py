"""Accepted means torch's lr (issue 19, item 4): pasted code that lrviz accepts trains the lr Python and torch
would give it, or it is refused in one line naming the construct.

The property test writes programs with the constructs that used to be read wrongly (augmented assignment, a
name rebound after a lambda reads it, values set inside `if` and `try`, a lambda whose argument is named
`step`, whole-number arithmetic, a second scheduler on the optimizer, `return`), and compares what lrviz
accepts with the same program run by Python here in the test, with torch stepped by hand.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pytest
import torch
from apptest_helpers import open_app
from by_hand import lrs_by_hand
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch.optim import lr_scheduler as L

import lrviz
from lrviz import SpecError
from lrviz.schedules.params import MAX_MESSAGE
from lrviz.schedules.schedule import reading_notes
from lrviz.training.config import Config

RUN = dict(samples=40, batch_size=10)  # four optimizer steps per epoch: the two counters differ
EPOCHS = 6
TORCH = {name: getattr(L, name) for name in ("StepLR", "ExponentialLR", "LambdaLR", "LinearLR", "SequentialLR",
                                             "MultiplicativeLR", "CosineAnnealingLR")}

_names = st.sampled_from(["a", "b", "k"])
_numbers = st.sampled_from(["1", "2", "3", "0.5", "0.9", "4"])


@st.composite
def _statement(draw: st.DrawFn) -> str:
    name, value, other = draw(_names), draw(_numbers), draw(_numbers)
    return draw(st.sampled_from([
        f"{name} = {value}",
        f"{name} {draw(st.sampled_from(['+=', '*=', '-=']))} {value}",
        f"if {draw(st.sampled_from(['True', 'False', f'{name} > 2', '0']))}:\n    {name} = {value}\n"
        f"else:\n    {name} = {other}",
        f"try:\n    {name} = {value}\nexcept Exception:\n    {name} = {other}",
        f"with torch.no_grad():\n    {name} = {value}",
        f"f = lambda {draw(st.sampled_from(['epoch', 'step', 'it']))}: "
        f"{draw(st.sampled_from(['k ** ', '0.9 ** ', '1 / (1 + k * ', '(2**40 + 1) % 3 * 0.5 ** ']))}",
        "warmup = LinearLR(optimizer, start_factor=0.5, total_iters=2)",
    ]))


def _finish_lambda(line: str) -> str:
    """`f = lambda step: k ** ` → `f = lambda step: k ** step` (the argument closes the body)."""
    if not line.startswith("f = lambda "):
        return line
    argument = line[len("f = lambda "):line.index(":")]
    return line + argument + (")" if line.endswith("* ") and "(1 +" in line else "")


@st.composite
def programs(draw: st.DrawFn) -> str:
    head = "\n".join(_finish_lambda(draw(_statement())) for _ in range(draw(st.integers(1, 6))))
    last = draw(st.sampled_from([
        "scheduler = StepLR(optimizer, step_size=a, gamma=0.5)",
        "scheduler = ExponentialLR(optimizer, gamma=b / 5)",
        "scheduler = LambdaLR(optimizer, f)",
        "scheduler = MultiplicativeLR(optimizer, lr_lambda=f)",
        "return StepLR(optimizer, a)",
        "scheduler = SequentialLR(optimizer, [warmup, ExponentialLR(optimizer, 0.9)], milestones=[2])",
    ]))
    return head + "\n" + last


def _torch_of(code: str, per_batch: bool) -> list[float] | None:
    """The program as Python runs it (here, in the test only: code the test wrote), stepped by hand."""
    def make(optimizer: torch.optim.Optimizer) -> object:
        namespace = {**TORCH, "torch": torch, "optimizer": optimizer}
        exec("def _build():\n" + textwrap.indent(code, "    ") + "\n    return scheduler", namespace)
        return namespace["_build"]()

    steps = EPOCHS * (4 if per_batch else 1)
    try:
        return lrs_by_hand(make, steps)
    except NameError:  # a name from elsewhere in the script: a fragment lrviz may read, and Python cannot run here
        return "fragment"
    except (ValueError, ZeroDivisionError, TypeError, OverflowError):
        return None  # Python or torch refuses it too


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs(), st.booleans())
def test_accepted_code_trains_torchs_lr_or_is_refused_in_one_line(code, per_batch):
    expected = _torch_of(code, per_batch)
    options = dict(RUN, epochs=EPOCHS, step_per="batch" if per_batch else "epoch")
    try:
        frame = lrviz.run([code], per="step" if per_batch else "epoch", **options)
    except SpecError as error:
        assert "\n" not in str(error) and len(str(error)) <= MAX_MESSAGE
        return
    if expected == "fragment":
        return
    assert expected is not None, f"lrviz accepted what Python refuses: {code!r}"
    np.testing.assert_allclose(frame["lr"].to_numpy()[: len(expected)], expected, rtol=1e-9, atol=1e-15,
                               err_msg=code)


@pytest.mark.parametrize("code, construct", [
    ("k = 0.5\nf = lambda epoch: k ** epoch\nk = 0.9\nscheduler = LambdaLR(optimizer, f)",
     "k is set again after the lambda on line 2 uses it"),
    ("warmup = LinearLR(optimizer, 0.1)\nscheduler = CosineAnnealingLR(optimizer, 10)",
     "line 1's LinearLR and line 2's CosineAnnealingLR are both built on optimizer"),
    ("scheduler = LambdaLR(optimizer, lambda epoch: (10**17 + epoch) % 2)", "10 ** 17 is a whole number beyond 2**53"),
    ("scheduler = LambdaLR(optimizer, lambda epoch: epoch ** 30 % 7)", "% and // of a power"),
    ("g = 0.5\nfor i in range(3):\n    g = g * 0.5\nscheduler = StepLR(optimizer, 4, g)", "set in a loop, line 3"),
])
def test_constructs_python_would_run_differently_are_refused_naming_them(code, construct):
    with pytest.raises(SpecError, match=construct.replace("*", r"\*").replace("(", r"\(")):
        lrviz.parse(code)


def test_the_issues_examples_now_read_as_python_runs_them():
    assert lrviz.parse("step_size = 2\nstep_size *= 2\nscheduler = StepLR(optimizer, step_size)").given[
        "step_size"] == 4
    assert lrviz.parse("g = 0.1\nif True:\n    g = 0.5\ntry:\n    s = 3\nexcept ValueError:\n    s = 9\n"
                       "scheduler = StepLR(optimizer, s, g)").given == {"step_size": 3, "gamma": 0.5}
    returned = lrviz.parse("warm = LinearLR(optimizer, 0.1, total_iters=3)\ncos = CosineAnnealingLR(optimizer, 10)\n"
                           "return SequentialLR(optimizer, [warm, cos], milestones=[3])")
    assert [child.name for child in returned.children] == ["LinearLR", "CosineAnnealingLR"]


def test_a_lambdas_argument_is_torchs_counter_whatever_its_name_and_the_page_says_which():
    code = "scheduler = LambdaLR(optimizer, lambda step: 0.9 ** step)"
    for per_batch in (False, True):
        expected = lrs_by_hand(lambda o: L.LambdaLR(o, lambda step: 0.9 ** step), EPOCHS * (4 if per_batch else 1))
        frame = lrviz.run([code], per="step" if per_batch else "epoch", epochs=EPOCHS,
                          step_per="batch" if per_batch else "epoch", **RUN)
        np.testing.assert_allclose(frame["lr"], expected, rtol=1e-12)
    notes = reading_notes(lrviz.parse(code), lrviz.Experiment.create(**RUN).context())
    assert notes == ["t, the lambda's argument, is torch's counter: the number of scheduler.step() calls, here the "
                     "epoch (this run steps per epoch)"]


def test_an_if_whose_condition_has_no_value_reads_the_first_branch_and_says_so():
    sched = lrviz.parse("if args.warmup:\n    scheduler = StepLR(optimizer, 4)\n"
                        "else:\n    scheduler = StepLR(optimizer, 7)")
    assert sched.given["step_size"] == 4
    assert sched.notes == ("line 1: read the first branch of `if args.warmup`, whose condition has no value here",)


def test_lightnings_dict_and_method_body_are_read():
    code = textwrap.dedent("""\
        class Model(pl.LightningModule):
            def configure_optimizers(self):
                optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
                scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3)
                return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}
        model = nn.Linear(32, 64)
        """)
    sched = lrviz.parse(code)
    assert str(sched) == "StepLR(step_size=3, gamma=0.1)"
    assert any("interval='step'" in note for note in sched.notes)


def test_a_link_with_many_bad_schedules_shows_five_notices_and_a_count():
    app = open_app(Config({}, [f"StepLR(step_size={n}, gamma=-1)" for n in range(1, 9)]
                          + ["ExponentialLR(gamma=0.9)", "StepLR(**x**)\u202e"]))
    warnings = [warning.value for warning in app.warning]
    assert len(warnings) == 6 and warnings[-1].startswith("Not loaded either: 4 more")
    assert not app.exception


def test_code_as_it_sits_in_a_script_dedent_and_doctest_output():
    copied_from_an_else = ("def lr_lambda(epoch):\n            return 0.9 ** epoch\n"
                           "        scheduler = LambdaLR(optimizer, lr_lambda)")
    assert str(lrviz.parse(copied_from_an_else)) == "LambdaLR(lr_lambda='0.9 ** t')"
    doctest = (">>> scheduler = StepLR(optimizer, 3)\n>>> scheduler.get_last_lr()\n[0.1]\n"
               ">>> scheduler = StepLR(optimizer, 4)\nTraceback (most recent call last):")
    with pytest.raises(SpecError, match="line 1's StepLR and line 4's StepLR"):  # line numbers kept
        lrviz.parse(doctest)


def test_the_pasted_optimizers_lr_is_named_beside_the_run_lr():
    code = "opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)\nscheduler = StepLR(opt, 3)"
    sched = lrviz.parse(code)
    assert sched.lr == 0.01
    ctx = lrviz.Experiment.create(lr=0.1).context()
    assert reading_notes(sched, ctx) == ["the pasted optimizer has lr=0.01; this schedule trains with the "
                                         "experiment's lr, 0.1: set lr to 0.01 there to see the code's own"]
    assert reading_notes(sched, lrviz.Experiment.create(lr=0.01).context()) == [
        "the pasted optimizer's lr, 0.01, is the run's lr"]


def _paste(app, code: str):
    app.text_area(key="paste_code").set_value(code)
    next(button for button in app.button if button.label == "Add pasted schedule").click()
    return app.run()


def test_the_paste_box_says_how_the_code_was_read_and_refuses_in_one_line_keeping_the_text():
    app = _paste(open_app(), "if args.cosine:\n    scheduler = LambdaLR(optimizer, lambda step: 0.9 ** step)\n"
                             "else:\n    scheduler = StepLR(optimizer, 3)")
    assert not app.exception and not app.error
    captions = [caption.value.replace("\\", "") for caption in app.caption]
    assert any("read the first branch of `if args.cosine`" in caption for caption in captions)
    assert any("t, the lambda's argument, is torch's counter" in caption for caption in captions)
    late = "k = 0.5\nf = lambda epoch: k ** epoch\nk = 0.9\nscheduler = LambdaLR(optimizer, f)"
    app = _paste(app, late)
    refusals = [error.value.replace("\\", "") for error in app.error]
    assert len(refusals) == 1 and refusals[0].startswith("line 3: k is set again after the lambda on line 2")
    assert app.text_area(key="paste_code").value == late


@pytest.mark.parametrize("invisible", ["\u202e", "\u2066", "\u200b", "\ufeff", "\u00ad"])
def test_bidi_and_zero_width_characters_are_echoed_as_escapes(invisible):
    from lrviz.schedules.markup import markdown_text, shorten
    from lrviz.training.config import from_query

    assert shorten(f"a{invisible}b") == f"a\\u{ord(invisible):04x}b"
    _, notices = from_query({"s": [f"StepLR(gamma={invisible}2)"], f"x{invisible}": ["1"]})
    assert notices and all(invisible not in markdown_text(notice) for notice in notices)
