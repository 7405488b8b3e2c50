"""Pasted training code: lines copied from PyTorch's documentation (torch 2.13's lr_scheduler docstrings,
with their `>>>` prompts) and tutorials give the lrs of torch stepping the same code by hand; bad code
gets one line naming the line and the argument. The code is read, never run."""


import numpy as np
import pytest
from by_hand import lrs_by_hand
from torch.optim import lr_scheduler as L  # short, so the by-hand lines stay as short as the docs'

import lrviz
from lrviz import SpecError
from lrviz.cli import main

RUN = dict(samples=20, batch_size=20)  # one optimizer step per epoch


def _by_hand(make, epochs: int, lr: float = 0.1) -> list[float]:
    return lrs_by_hand(make, epochs, lr)


SEQUENTIAL_DOC = """
        >>> # xdoctest: +SKIP
        >>> # Assuming optimizer uses lr = 0.05 for all groups
        >>> scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=20)
        >>> scheduler2 = ExponentialLR(optimizer, gamma=0.9)
        >>> scheduler = SequentialLR(
        ...     optimizer,
        ...     schedulers=[scheduler1, scheduler2],
        ...     milestones=[20],
        ... )
        >>> for epoch in range(100):
        >>>     train(...)
        >>>     validate(...)
        >>>     scheduler.step()
"""
CYCLIC_DOC = """
        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> scheduler = torch.optim.lr_scheduler.CyclicLR(
        ...     optimizer,
        ...     base_lr=0.01,
        ...     max_lr=0.1,
        ...     step_size_up=10,
        ... )
        >>> data_loader = torch.utils.data.DataLoader(...)
        >>> for epoch in range(10):
        >>>     for batch in data_loader:
        >>>         train_batch(...)
        >>>         scheduler.step()
"""
# (pasted code, epochs, torch by hand)
DOCS = {
    "LambdaLR": ("scheduler = LambdaLR(opt, lr_lambda=lambda epoch: epoch // 30)", 70,
                 lambda o: L.LambdaLR(o, lr_lambda=lambda epoch: epoch // 30)),
    "MultiplicativeLR": (">>> lmbda = lambda epoch: 0.95\n>>> scheduler = MultiplicativeLR(optimizer, lr_lambda=lmbda)",
                         30, lambda o: L.MultiplicativeLR(o, lr_lambda=lambda epoch: 0.95)),
    "StepLR": (">>> scheduler = StepLR(optimizer, step_size=30, gamma=0.1)\n>>> for epoch in range(100):\n"
               ">>>     train(...)\n>>>     validate(...)\n>>>     scheduler.step()", 100,
               lambda o: L.StepLR(o, step_size=30, gamma=0.1)),
    "MultiStepLR": ("scheduler = MultiStepLR(optimizer, milestones=[30, 80], gamma=0.1)", 100,
                    lambda o: L.MultiStepLR(o, milestones=[30, 80], gamma=0.1)),
    "ConstantLR": ("scheduler = ConstantLR(optimizer, factor=0.5, total_iters=40)", 60,
                   lambda o: L.ConstantLR(o, factor=0.5, total_iters=40)),
    "LinearLR": ("scheduler = LinearLR(optimizer, start_factor=0.05, total_iters=40)", 60,
                 lambda o: L.LinearLR(o, start_factor=0.05, total_iters=40)),
    "ExponentialLR": ("scheduler = ExponentialLR(optimizer, gamma=0.95)", 30, lambda o: L.ExponentialLR(o, gamma=0.95)),
    "SequentialLR": (SEQUENTIAL_DOC, 100, lambda o: L.SequentialLR(
        o, schedulers=[L.ConstantLR(o, factor=0.1, total_iters=20), L.ExponentialLR(o, gamma=0.9)], milestones=[20])),
    "PolynomialLR": ("scheduler = PolynomialLR(optimizer, total_iters=50, power=0.9)", 60,
                     lambda o: L.PolynomialLR(o, total_iters=50, power=0.9)),
    "CosineAnnealingLR": (">>> num_epochs = 100\n>>> scheduler = CosineAnnealingLR(optimizer, T_max=num_epochs)", 100,
                          lambda o: L.CosineAnnealingLR(o, T_max=100)),
    "ChainedScheduler": ("scheduler1 = ConstantLR(optimizer, factor=0.1, total_iters=20)\n"
                         "scheduler2 = ExponentialLR(optimizer, gamma=0.9)\n"
                         "scheduler = ChainedScheduler([scheduler1, scheduler2], optimizer=optimizer)", 40,
                         lambda o: L.ChainedScheduler([L.ConstantLR(o, factor=0.1, total_iters=20),
                                                       L.ExponentialLR(o, gamma=0.9)], optimizer=o)),
    "CyclicLR": (CYCLIC_DOC, 50, lambda o: L.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=10)),
    "CosineAnnealingWarmRestarts": (">>> scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(\n"
                                    "...     optimizer, T_0=20\n... )", 70,
                                    lambda o: L.CosineAnnealingWarmRestarts(o, T_0=20)),
    "OneCycleLR, with numbers": ("scheduler = torch.optim.lr_scheduler.OneCycleLR(\n"
                                 "    optimizer, max_lr=0.01, steps_per_epoch=10, epochs=10\n)", 100,
                                 lambda o: L.OneCycleLR(o, max_lr=0.01, steps_per_epoch=10, epochs=10)),
    # the tutorials' lines (the ones tests/test_seeds.py reproduces as tables)
    "tutorial ExponentialLR": ("scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.9)", 10,
                               lambda o: L.ExponentialLR(o, gamma=0.9)),
    "tutorial StepLR": ("scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=4, gamma=0.9)", 10,
                        lambda o: L.StepLR(o, step_size=4, gamma=0.9)),
    "tutorial LinearLR": ("scheduler = LinearLR(optimizer, start_factor=0.5, total_iters=4)", 10,
                          lambda o: L.LinearLR(o, start_factor=0.5, total_iters=4)),
    "a warm-up written as a function": ("def warmup(current_step: int):\n    return min(1.0, (current_step + 1) / 5)\n"
                                        "scheduler = LambdaLR(optimizer, lr_lambda=warmup)", 10,
                                        lambda o: L.LambdaLR(o, lambda step: min(1.0, (step + 1) / 5))),
    "indented, inside a method": ("        self.scheduler = lr_scheduler.StepLR(self.optimizer, 5, 0.5)\n", 12,
                                  lambda o: L.StepLR(o, 5, 0.5)),
}


@pytest.mark.parametrize("name", list(DOCS))
def test_documentation_lines_give_torchs_lrs(name):
    code, epochs, make = DOCS[name]
    frame = lrviz.run([code], epochs=epochs, **RUN)
    np.testing.assert_allclose(frame["lr"], _by_hand(make, epochs), rtol=1e-12, atol=1e-15)


def test_the_canonical_spec_shows_the_schedulers_real_parameters():
    code = "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)"
    assert str(lrviz.parse(code)) == "StepLR(step_size=30, gamma=0.1)"
    assert str(lrviz.parse("StepLR(optimizer, 30)")) == "StepLR(step_size=30, gamma=0.1)"  # torch's default gamma
    assert str(lrviz.parse("StepLR(3, 0.5)")) == "StepLR(step_size=3, gamma=0.5)"  # no optimizer: lrviz's form
    no_ops = "StepLR(optimizer=opt, step_size=30, gamma=0.1, last_epoch=-1, verbose='deprecated')"
    assert str(lrviz.parse(no_ops)) == "StepLR(step_size=30, gamma=0.1)"
    assert str(lrviz.parse("ReduceLROnPlateau(optimizer, 'min')")) == (
        "ReduceLROnPlateau(factor=0.1, patience=10, threshold=0.0001, threshold_mode='rel', cooldown=0, min_lr=0, "
        "eps=1e-08)")
    assert str(lrviz.parse(SEQUENTIAL_DOC)) == (
        "SequentialLR(ConstantLR(factor=0.1, total_iters=20), ExponentialLR(gamma=0.9), milestones=[20])")


def test_bare_names_are_schedules_with_their_defaults_in_lrvizs_own_form():
    assert lrviz.parse("ChainedScheduler(StepLR, ExponentialLR)") == lrviz.parse(
        "ChainedScheduler(StepLR(), ExponentialLR())")


def test_the_last_scheduler_assigned_is_the_schedule():
    code = "a = StepLR(optimizer_d, step_size=3)\nb = ExponentialLR(optimizer_g, gamma=0.5)\nc = 5"
    assert lrviz.parse(code) == lrviz.parse("ExponentialLR(gamma=0.5)")


def test_a_second_scheduler_on_the_same_optimizer_is_refused_as_torch_applies_both():
    code = "a = StepLR(optimizer, step_size=3)\nb = ExponentialLR(optimizer, gamma=0.5)"
    with pytest.raises(SpecError, match="line 1's StepLR and line 2's ExponentialLR are both built on optimizer"):
        lrviz.parse(code)


@pytest.mark.parametrize("code, message", [
    ("scheduler = OneCycleLR(optimizer, max_lr=0.01, steps_per_epoch=len(dataset), epochs=10)",
     "OneCycleLR: steps_per_epoch needs a number: len(dataset) has no value here"),
    ("opt = SGD(model.parameters(), lr=0.1)\nsched = StepLR(opt, step_size=args.step, gamma=0.1)",
     "line 2: StepLR: step_size needs a number: args.step has no value here"),
    ("StepLR(optimizer, 30, step_size=3)", "StepLR: step_size is given twice, by position and by keyword"),
    ("opt = SGD(params, lr=0.1)\nb = StepLR(optimizer, step_size=3, gamma=-2)",
     "line 2: StepLR: gamma must be ≥ 0 (got -2)"),
    ("warmup = LinearLR(optimizer, start_factor=0.1)\nSequentialLR(optimizer, [warmup, decay], milestones=[5])",
     "line 2: SequentialLR: schedulers holds decay, which is not a scheduler built above"),
    ("LambdaLR(optimizer, lambda epoch: __import__('os').system('ls'))", "LambdaLR: lr_lambda: "),
    ("LambdaLR(optimizer, lambda epoch, step: 1)", "LambdaLR: lr_lambda: a multiplier takes one argument"),
    ("LambdaLR(optimizer, lr_lambda=[lambda e: 0.9 ** e, lambda e: 0.8 ** e])",
     "LambdaLR: lr_lambda holds 2 multipliers"),
    ("StepLR(optimizer, step_size=30, last_epoch=10)", "StepLR: last_epoch=10 resumes a run"),
    ("x = StepLR(optimizer,\n  step_size=3,,\n)", "line 2: cannot read"),
    ("StepLR(optimizer, **kwargs)", "StepLR: * and ** arguments cannot be read"),
    ("scheduler = StepLRR(optimizer, 30)", "unknown scheduler 'StepLRR': did you mean StepLR?"),
    ("optimizer = SGD(params, lr=0.1)", "no scheduler in the code"),
    ("OneCycleLR(optimizer, max_lr=0.1, epochs=5, steps_per_epoch=2)",
     "total_steps must be ≥ 20, at least the run's length in scheduler steps (got 10) (from epochs × "
     "steps_per_epoch = 5 × 2 in the code)"),
    ("scheduler = CyclicLR(optimizer, 0.01, 0.1, scale_fn=my_scale)", "CyclicLR: scale_fn needs a number"),
    ("ReduceLROnPlateau(optimizer, mode='max')", "ReduceLROnPlateau: mode='max' is not modelled by lrviz"),
    ("StepLR(optimizer, step_size=" + "+".join(["1"] * 1200) + ")", "the code nests too deeply to be read"),
])
def test_bad_code_gets_one_line_naming_the_line_and_argument(code, message):
    with pytest.raises(SpecError) as caught:
        lrviz.run([code], epochs=20, **RUN)
    text = str(caught.value)
    assert message in text and "\n" not in text and "Traceback" not in text


def test_the_cli_reads_pasted_code(capsys, tmp_path):
    code = "warmup = LinearLR(optimizer, start_factor=0.1, total_iters=2)\ndecay = ExponentialLR(optimizer, 0.9)\n" \
           "scheduler = SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[2])"
    out = tmp_path / "curves.csv"
    assert main(["export", "-s", code, "--epochs", "5", "-o", str(out)]) == 0
    text = out.read_text()
    assert "SequentialLR(LinearLR(start_factor=0.1, end_factor=1.0, total_iters=2), ExponentialLR(gamma=0.9), " \
           "milestones=[2])" in text
    assert main(["export", "-s", "StepLR(optimizer, step_size=len(dataset))", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "step_size needs a number" in err


def test_links_and_files_store_the_canonical_spec():
    from lrviz.training.config import from_json, from_query

    code = "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=30, gamma=0.1)"
    assert from_query({"s": [code]})[0].schedules == ["StepLR(step_size=30, gamma=0.1)"]
    assert from_json('{"schedules": ["ExponentialLR(optimizer, 0.9)"]}')[0].schedules == ["ExponentialLR(gamma=0.9)"]


def test_floor_division_and_remainder_are_formulas():
    frame = lrviz.run(["LambdaLR(optimizer, lambda epoch: 0.5 ** (epoch // 3) * (1 + epoch % 2))"], epochs=8, **RUN)
    np.testing.assert_allclose(frame["lr"], [0.1 * 0.5 ** (e // 3) * (1 + e % 2) for e in range(8)], rtol=1e-12)
