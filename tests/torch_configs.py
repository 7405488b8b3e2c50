"""The configurations of PyTorch's own `test/optim/test_lrscheduler.py` that one param group can express,
with the expected values that file computes for them (its formulas and literals, transcribed).

Each is an lrviz schedule, the run it needs (epochs, lr, optimizer) and the lr (and, for the cyclic
schedulers, momentum) of each epoch. Left out: ReduceLROnPlateau fed made-up metrics, SWALR (not an
lr_scheduler class), resuming (`last_epoch`), `step(epoch)` with repeated or fractional epochs, and
tests that assert no values. Where a test gives several param groups different settings, the first
group's configuration is the one kept. `bench/torch_configs.py` counts how many lrviz accepts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch.optim import lr_scheduler


@dataclass(frozen=True)
class TorchConfig:
    test: str  # the torch test it comes from
    schedule: str  # lrviz's form
    lrs: list[float]
    lr: float = 0.05  # the test's optimizer lr for the first param group
    momenta: list[float] | None = None
    options: dict = field(default_factory=dict)

    @property
    def epochs(self) -> int:
        return len(self.lrs)


def _cos(epochs: int, eta_min: float = 1e-10, lr: float = 0.05) -> list[float]:
    return [eta_min + (lr - eta_min) * (1 + math.cos(math.pi * x / epochs)) / 2 for x in range(epochs)]


def _linear(start: float, end: float, iters: int, epochs: int, lr: float = 0.05) -> list[float]:
    return [lr * (start + i * (end - start) / iters) for i in range(iters)] + [lr * end] * (epochs - iters)


def _closed_form(cls: type, epochs: int, **kwargs) -> list[float]:
    """torch's `_test_against_closed_form`: the same scheduler stepped with step(epoch) gives the targets."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.05)
    scheduler = cls(optimizer, **kwargs)
    lrs = []
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch) is deprecated; the test swallows the same warning
        for epoch in range(epochs):
            optimizer.step()
            scheduler.step(epoch)
            lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def _warm_restarts(t_mult: int, iters: int = 100, eta_min: float = 1e-10) -> list[float]:
    t_i, t_cur, lrs = 10, 0, [0.05]
    for _ in range(1, iters):
        t_cur += 1
        if t_cur >= t_i:
            t_cur, t_i = t_cur - t_i, t_mult * t_i
        lrs.append(eta_min + (0.05 - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2)
    return lrs


def _exp_range(xs: list[float], base: float = 1, top: float = 5, gamma: float = 0.9) -> tuple[list, list]:
    return ([base + x * (top - base) * gamma**i for i, x in enumerate(xs)],
            [top - x * (top - base) * gamma**i for i, x in enumerate(xs)])


def _annealing_cos(start: float, end: float, pct: float) -> float:
    return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)


STEP = [0.05] * 3 + [0.005] * 3 + [0.0005] * 3 + [0.00005]
MULTI = [0.05] * 2 + [0.005] * 3 + [0.0005] * 4 + [0.00005]
CONSTANT = [0.025] * 5 + [0.05] * 5
TRIANGULAR = [1, 2, 3, 4, 5, 4, 3, 2, 1, 2, 3]
TRIANGULAR2 = [1, 2, 3, 4, 5, 4, 3, 2, 1, 1.5, 2.0, 2.5, 3.0, 2.5, 2.0, 1.5, 1, 1.25, 1.50, 1.75, 2.00, 1.75]
UP_DOWN = [1.0, 2.0, 3.0, 4.0, 5.0, 13 / 3, 11 / 3, 9 / 3, 7 / 3, 5 / 3, 1.0]
UP_DOWN2 = [1.0, 3.0, 5.0, 13 / 3, 11 / 3, 9 / 3, 7 / 3, 5 / 3, 1.0, 2.0, 3.0, 8 / 3, 7 / 3, 6 / 3, 5 / 3, 4 / 3, 1.0,
            3 / 2, 2.0, 11 / 6, 10 / 6, 9 / 6, 8 / 6, 7 / 6]
UP_DOWN2_MOMENTUM = [5.0, 3.0, 1.0, 5 / 3, 7 / 3, 3.0, 11 / 3, 13 / 3, 5.0, 4.0, 3.0, 10 / 3, 11 / 3, 4.0, 13 / 3,
                     14 / 3, 5.0, 4.5, 4.0, 25 / 6, 13 / 3, 4.5, 14 / 3, 29 / 6]
XS = [0, 0.25, 0.5, 0.75, 1, 0.75, 0.50, 0.25, 0, 0.25, 0.5, 0.75, 1]
XS_UP_DOWN = [0.0, 0.5, 1.0, 5 / 6, 4 / 6, 3 / 6, 2 / 6, 1 / 6, 0.0, 0.5, 1.0, 5 / 6, 4 / 6]
CYCLIC = "base_lr=1, max_lr=5, step_size_up={up}, cycle_momentum=True, base_momentum=1, max_momentum=5, mode='{mode}'"
ONE_CYCLE_LINEAR = [1, 13, 25, 21.5, 18, 14.5, 11, 7.5, 4, 0.5]
ONE_CYCLE_LINEAR_MOMENTUM = [22, 11.5, 1, 4, 7, 10, 13, 16, 19, 22]
ONE_CYCLE_COS = [1, 13, 25, *(_annealing_cos(25, 0.5, i / 7) for i in range(1, 7)), 0.5]
ONE_CYCLE_COS_MOMENTUM = [22, 11.5, 1, *(_annealing_cos(1, 22, i / 7) for i in range(1, 7)), 22]
ONE_CYCLE = "max_lr=25, final_div_factor=2, base_momentum=1, max_momentum=22, total_steps=10"


def _cyclic(test: str, mode: str, lrs: list, momenta: list | None, up: int = 4, more: str = "",
            momentum: bool = True) -> TorchConfig:  # fmt: skip
    arguments = CYCLIC.format(up=up, mode=mode) + more
    if not momentum:
        arguments = f"base_lr=1, max_lr=5, step_size_up={up}, cycle_momentum=False, mode='{mode}'"
    return TorchConfig(test, f"CyclicLR({arguments})", lrs, momenta=momenta)


def _compound(test: str, parts: str, lrs: list[float]) -> TorchConfig:
    """torch's `_test` over a list of schedulers stepped together: ChainedScheduler does the same."""
    return TorchConfig(test, f"ChainedScheduler({parts})", lrs)


_COMPOUND_COS = _cos(10)
CONFIGS: list[TorchConfig] = [
    TorchConfig("test_step_lr", "StepLR(step_size=3, gamma=0.1)", STEP),
    TorchConfig("test_get_last_lr_step_lr", "StepLR(step_size=3, gamma=0.1)",
                [0.1] * 3 + [0.01] * 3 + [0.001] * 3 + [0.0001], lr=0.1),
    TorchConfig("test_get_last_lr_multi_step_lr", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)", MULTI),
    TorchConfig("test_multi_step_lr", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)", MULTI),
    TorchConfig("test_multi_step_lr_with_epoch", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)", MULTI),
    TorchConfig("test_get_last_lr_constantlr", "ConstantLR(factor=0.5, total_iters=5)", CONSTANT),
    TorchConfig("test_get_last_lr_linearlr", "LinearLR(start_factor=0.25, end_factor=0.6, total_iters=4)",
                _linear(0.25, 0.6, 4, 10)),
    TorchConfig("test_constantlr", "ConstantLR(factor=0.5, total_iters=5)", CONSTANT),
    TorchConfig("test_linearlr", "LinearLR(start_factor=0.5, total_iters=4)", _linear(0.5, 1.0, 4, 10)),
    TorchConfig("test_constantlr_with_epoch", "ConstantLR(factor=0.5, total_iters=5)", CONSTANT),
    TorchConfig("test_linearlr_with_epoch", "LinearLR(start_factor=0.5, end_factor=1.0, total_iters=4)",
                _linear(0.5, 1.0, 4, 10)),
    TorchConfig("test_exp_lr", "ExponentialLR(gamma=0.9)", [0.05 * 0.9**x for x in range(10)]),
    TorchConfig("test_poly_lr", "PolynomialLR(total_iters=5, power=0.9)",
                [(1.0 - x / 5) ** 0.9 * 0.05 for x in range(5)] + [0.0] * 5),
    TorchConfig("test_cos_anneal_lr", "CosineAnnealingLR(T_max=10, eta_min=1e-10)", _cos(10)),
    TorchConfig("test_closed_form_step_lr", "StepLR(step_size=3, gamma=0.1)",
                _closed_form(lr_scheduler.StepLR, 20, gamma=0.1, step_size=3)),
    TorchConfig("test_closed_form_linearlr", "LinearLR(start_factor=0.3333333333333333, end_factor=0.7, total_iters=4)",
                _closed_form(lr_scheduler.LinearLR, 20, start_factor=1.0 / 3, end_factor=0.7, total_iters=4)),
    TorchConfig("test_closed_form_constantlr", "ConstantLR(factor=0.3333333333333333, total_iters=4)",
                _closed_form(lr_scheduler.ConstantLR, 20, factor=1.0 / 3, total_iters=4)),
    TorchConfig("test_closed_form_multi_step_lr", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)",
                _closed_form(lr_scheduler.MultiStepLR, 20, gamma=0.1, milestones=[2, 5, 9])),
    TorchConfig("test_closed_form_exp_lr", "ExponentialLR(gamma=0.9)",
                _closed_form(lr_scheduler.ExponentialLR, 20, gamma=0.9)),
    TorchConfig("test_closed_form_poly_lr", "PolynomialLR(total_iters=5, power=0.9)",
                _closed_form(lr_scheduler.PolynomialLR, 20, power=0.9)),
    TorchConfig("test_closed_form_cos_anneal_lr", "CosineAnnealingLR(T_max=5, eta_min=1e-10)",
                _closed_form(lr_scheduler.CosineAnnealingLR, 20, T_max=5, eta_min=1e-10)),
    TorchConfig("test_sequentiallr1", "SequentialLR(ExponentialLR(gamma=0.8), StepLR(step_size=4, gamma=0.1), "
                "milestones=[3])",
                [0.05, 0.04, 0.032] + [0.05] * 4 + [0.005] * 4 + [0.0005] * 4 + [0.00005] * 4),
    TorchConfig("test_sequentiallr2", "SequentialLR(ConstantLR(factor=0.1, total_iters=3), ExponentialLR(gamma=0.9), "
                "milestones=[3])", [0.005] * 3 + [0.05 * 0.9**x for x in range(10)]),
    TorchConfig("test_sequentiallr3", "SequentialLR(ConstantLR(factor=0.1, total_iters=3), ExponentialLR(gamma=0.8), "
                "StepLR(step_size=2, gamma=0.1), milestones=[3, 6])",
                [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]),
    TorchConfig("test_sequentiallr4", "SequentialLR(ConstantLR(factor=1), ConstantLR(factor=0.1), milestones=[10])",
                [0.1], lr=0.1),
    TorchConfig("test_sequentiallr5", "SequentialLR(ChainedScheduler(LinearLR(start_factor=0.1, total_iters=5), "
                "ConstantLR(factor=0.1, total_iters=5)), ConstantLR(factor=0.5, total_iters=5), milestones=[5])",
                [0.0005, 0.0014, 0.0023, 0.0032, 0.0041] + [0.025] * 5),
    TorchConfig("test_get_last_lr_sequentiallr", "SequentialLR(ConstantLR(factor=0.1, total_iters=3), "
                "ExponentialLR(gamma=0.8), StepLR(step_size=2, gamma=0.1), milestones=[3, 6])",
                [0.005] * 3 + [0.05, 0.04, 0.032] + [0.05, 0.05, 0.005, 0.005, 0.0005, 0.0005]),
    TorchConfig("test_sequentiallr_does_not_alias_lr_and_initial_lr",
                "SequentialLR(LinearLR(start_factor=0.1, end_factor=0.8, total_iters=4), "
                "LinearLR(start_factor=0.8, end_factor=0.1, total_iters=4), milestones=[4])",
                [0.2, 0.55, 0.9, 1.25, 1.6, 1.25, 0.9, 0.55], lr=2.0),
    TorchConfig("test_chained_lr1", "ChainedScheduler(StepLR(step_size=3, gamma=0.1))", STEP),
    TorchConfig("test_chained_lr2", "ChainedScheduler(LinearLR(start_factor=0.4, total_iters=3))",
                [0.02, 0.03, 0.04] + [0.05] * 7),
    TorchConfig("test_chained_lr3", "ChainedScheduler(LinearLR(start_factor=0.4, total_iters=3), "
                "MultiStepLR(milestones=[4, 8, 10], gamma=0.1))",
                [0.02, 0.03, 0.04, 0.05] + [0.005] * 4 + [0.0005] * 2),
    TorchConfig("test_chained_lr4", "ChainedScheduler(ExponentialLR(gamma=0.9), ConstantLR(factor=0.2, total_iters=4), "
                "StepLR(step_size=3, gamma=0.1))",
                [0.05 * 0.2 * 0.9**x for x in range(3)] + [0.05 * 0.2 * 0.9**3 * 0.1]
                + [0.05 * 0.9**x * 0.1 for x in range(4, 6)] + [0.05 * 0.9**x * 0.01 for x in range(6, 9)]),
    TorchConfig("test_chained_lr5", "ChainedScheduler(PolynomialLR(total_iters=5, power=0.9), "
                "ConstantLR(factor=0.1, total_iters=5))",
                [0.1 * 0.05 * (1.0 - x / 5) ** 0.9 for x in range(5)] + [0.0] * 5),
    _compound("test_compound_step_and_multistep_lr", "StepLR(step_size=3, gamma=0.1), "
              "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)",
              [0.05] * 2 + [0.005] + [5e-4] * 2 + [5e-5] + [5e-6] * 3 + [5e-8]),
    _compound("test_compound_step_and_exp_lr", "StepLR(step_size=3, gamma=0.1), ExponentialLR(gamma=0.9)",
              [0.05 * 0.1 ** (x // 3) * 0.9**x for x in range(10)]),
    _compound("test_compound_exp_and_multistep_lr", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1), "
              "ExponentialLR(gamma=0.9)", [MULTI[x] * 0.9**x for x in range(10)]),
    _compound("test_compound_exp_and_linearlr", "LinearLR(start_factor=0.4, end_factor=0.9, total_iters=4), "
              "ExponentialLR(gamma=0.9)",
              [0.05 * 0.9**x * (0.4 + min(x, 4) / 4 * 0.5) for x in range(10)]),
    _compound("test_compound_step_and_constantlr", "StepLR(step_size=3, gamma=0.1), "
              "ConstantLR(factor=0.4, total_iters=4)",
              [0.05 * 0.4] * 3 + [0.005 * 0.4] + [0.005] * 2 + [0.0005] * 3 + [0.00005]),
    _compound("test_compound_linearlr_and_multistep_lr", "MultiStepLR(milestones=[2, 5, 9], gamma=0.1), "
              "LinearLR(start_factor=0.4, total_iters=4)",
              [MULTI[x] * (0.4 + min(x, 4) / 4 * 0.6) for x in range(10)]),
    _compound("test_compound_cosanneal_and_step_lr", "CosineAnnealingLR(T_max=10, eta_min=1e-10), "
              "StepLR(step_size=3, gamma=0.1)", [x * 0.1 ** (i // 3) for i, x in enumerate(_COMPOUND_COS)]),
    _compound("test_compound_cosanneal_and_multistep_lr", "CosineAnnealingLR(T_max=10, eta_min=1e-10), "
              "MultiStepLR(milestones=[2, 5, 9], gamma=0.1)",
              [x * y for x, y in zip(_COMPOUND_COS, [1] * 2 + [0.1] * 3 + [0.01] * 4 + [0.001], strict=True)]),
    _compound("test_compound_cosanneal_and_linearlr", "LinearLR(start_factor=0.4, total_iters=4), "
              "CosineAnnealingLR(T_max=10, eta_min=1e-10)",
              [x * (0.4 + min(i, 4) / 4 * 0.6) for i, x in enumerate(_COMPOUND_COS)]),
    _compound("test_compound_cosanneal_and_exp_lr", "CosineAnnealingLR(T_max=10, eta_min=1e-10), "
              "ExponentialLR(gamma=0.1)", [x * 0.1**i for i, x in enumerate(_COMPOUND_COS)]),
    _cyclic("test_cycle_lr_triangular_mode_one_lr", "triangular", TRIANGULAR, [6 - x for x in TRIANGULAR]),
    _cyclic("test_cycle_lr_triangular_mode_one_lr_no_momentum", "triangular", TRIANGULAR, [0.0] * 11,
            momentum=False),
    _cyclic("test_cycle_lr_triangular2_mode_one_lr", "triangular2", TRIANGULAR2, [6 - x for x in TRIANGULAR2]),
    _cyclic("test_cycle_lr_exp_range_mode_one_lr", "exp_range", *_exp_range(XS), more=", gamma=0.9"),
    _cyclic("test_cycle_lr_triangular_mode", "triangular", TRIANGULAR, [6 - x for x in TRIANGULAR]),
    _cyclic("test_cycle_lr_triangular2_mode", "triangular2", TRIANGULAR2, [6 - x for x in TRIANGULAR2]),
    _cyclic("test_cycle_lr_exp_range_mode", "exp_range", *_exp_range(XS), more=", gamma=0.9"),
    _cyclic("test_cycle_lr_triangular_mode_step_size_up_down", "triangular", UP_DOWN, [6 - x for x in UP_DOWN],
            more=", step_size_down=6"),
    _cyclic("test_cycle_lr_triangular2_mode_step_size_up_down", "triangular2", UP_DOWN2, UP_DOWN2_MOMENTUM, up=2,
            more=", step_size_down=6"),
    _cyclic("test_cycle_lr_exp_range_mode_step_size_up_down", "exp_range", *_exp_range(XS_UP_DOWN), up=2,
            more=", step_size_down=6, gamma=0.9"),
    TorchConfig("test_cycle_lr_with_momentumless_optimizer", "CyclicLR(base_lr=1, max_lr=5, step_size_up=4, "
                "cycle_momentum=False, mode='triangular')", TRIANGULAR, options={"optimizer": "adam"}),
    TorchConfig("test_onecycle_lr_linear_annealing", f"OneCycleLR({ONE_CYCLE}, anneal_strategy='linear')",
                ONE_CYCLE_LINEAR, momenta=ONE_CYCLE_LINEAR_MOMENTUM),
    TorchConfig("test_onecycle_lr_linear_annealing_three_phases",
                "OneCycleLR(max_lr=25, total_steps=10, pct_start=0.4, anneal_strategy='linear', base_momentum=1, "
                "max_momentum=22, div_factor=25, final_div_factor=4, three_phase=True)",
                [1, 9, 17, 25, 17, 9, 1, 0.75, 0.5, 0.25], momenta=[22, 15, 8, 1, 8, 15, 22, 22, 22, 22]),
    TorchConfig("test_onecycle_lr_cosine_annealing", f"OneCycleLR({ONE_CYCLE})", ONE_CYCLE_COS,
                momenta=ONE_CYCLE_COS_MOMENTUM),
    TorchConfig("test_onecycle_lr_legacy_state_dict", f"OneCycleLR({ONE_CYCLE}, anneal_strategy='cos')",
                ONE_CYCLE_COS, momenta=ONE_CYCLE_COS_MOMENTUM),
    TorchConfig("test_cycle_lr_with_adam", f"OneCycleLR({ONE_CYCLE}, anneal_strategy='linear')", ONE_CYCLE_LINEAR,
                momenta=ONE_CYCLE_LINEAR_MOMENTUM, options={"optimizer": "adam"}),
    TorchConfig("test_lambda_lr", "LambdaLR(lr_lambda='0.9 ** epoch')", [0.05 * 0.9**x for x in range(10)]),
    TorchConfig("test_multiplicative_lr", "MultiplicativeLR(lr_lambda='0.9')", [0.05 * 0.9**x for x in range(10)]),
    *(TorchConfig(f"test_CosineAnnealingWarmRestarts_lr1[T_mult={t_mult}]",
                  f"CosineAnnealingWarmRestarts(T_0=10, T_mult={t_mult}, eta_min=1e-10)", _warm_restarts(t_mult))
      for t_mult in (1, 2, 4)),
]

# configurations torch refuses: lrviz refuses them too (test name, schedule)
REFUSED = [
    ("test_linearlr_start_factor_limits1", "LinearLR(start_factor=0.0, total_iters=4)"),
    ("test_linearlr_start_factor_limits2", "LinearLR(start_factor=1.1, total_iters=4)"),
    ("test_cycle_lr_invalid_mode", "CyclicLR(base_lr=0, max_lr=0, mode='CATS')"),
    ("test_onecycle_lr_invalid_anneal_strategy", "OneCycleLR(max_lr=1e-3, total_steps=10, anneal_strategy='CATS')"),
    ("test_onecycle_lr_invalid_pct_start", "OneCycleLR(max_lr=1e-3, total_steps=10, pct_start=1.1)"),
]
