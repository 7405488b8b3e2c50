"""Every configuration of PyTorch's own test_lrscheduler.py that one param group can express (see
tests/torch_configs.py) is accepted by lrviz and reproduces torch's expected values; what torch refuses,
lrviz refuses. Some are also pasted as the test file writes them (`self.opt` → `optimizer`)."""

import numpy as np
import pytest
from torch_configs import CONFIGS, REFUSED, TorchConfig

import lrviz
from lrviz import SpecError

ONE_STEP_PER_EPOCH = dict(samples=20, batch_size=20)  # the scheduler is stepped once per epoch either way
BY_TEST = {config.test: config for config in CONFIGS}

# lines as torch's test file writes them
AS_WRITTEN = {
    "test_get_last_lr_step_lr": "scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 3, gamma=0.1)",
    "test_sequentiallr1": """
        schedulers = [None] * 2
        milestones = [3]
        schedulers0 = ExponentialLR(optimizer, gamma=0.8)
        schedulers1 = StepLR(optimizer, gamma=0.1, step_size=4)
        scheduler = SequentialLR(optimizer, schedulers=[schedulers0, schedulers1], milestones=milestones)""",
    "test_sequentiallr4": """
        schedulers = [
            torch.optim.lr_scheduler.ConstantLR(optimizer, factor=1),
            torch.optim.lr_scheduler.ConstantLR(optimizer, factor=0.1),
        ]
        scheduler = torch.optim.lr_scheduler.SequentialLR(
            optimizer, schedulers, milestones=[10]
        )""",
    "test_sequentiallr5": """
        const_sched = ConstantLR(optimizer=optimizer, factor=0.1, total_iters=5)
        lin_sched = LinearLR(optimizer=optimizer, start_factor=0.1, total_iters=5)
        chained = ChainedScheduler([lin_sched, const_sched])
        const_sched2 = ConstantLR(optimizer=optimizer, factor=0.5, total_iters=5)
        scheduler = SequentialLR(optimizer, schedulers=[chained, const_sched2], milestones=[5])""",
    "test_sequentiallr_does_not_alias_lr_and_initial_lr": """
        milestone = 4
        epochs = 8
        start, end = 0.1, 0.8
        schedulers = [
            LinearLR(optimizer, start, end, total_iters=milestone),
            LinearLR(optimizer, end, start, total_iters=epochs - milestone),
        ]
        scheduler = SequentialLR(optimizer, schedulers, milestones=[milestone])""",
    "test_chained_lr4": """
        schedulers0 = ExponentialLR(optimizer, gamma=0.9)
        schedulers1 = ConstantLR(optimizer, factor=0.2, total_iters=4)
        schedulers2 = StepLR(optimizer, gamma=0.1, step_size=3)
        scheduler = ChainedScheduler([schedulers0, schedulers1, schedulers2])""",
    "test_chained_lr5": """
        power = 0.9
        total_iters = 5
        const_factor = 0.1
        schedulers0 = PolynomialLR(optimizer, power=power, total_iters=total_iters)
        schedulers1 = ConstantLR(optimizer, factor=const_factor)
        scheduler = ChainedScheduler([schedulers0, schedulers1])""",
    "test_cos_anneal_lr": """
        epochs = 10
        eta_min = 1e-10
        scheduler = CosineAnnealingLR(optimizer, T_max=epochs, eta_min=eta_min)""",
    "test_closed_form_linearlr": "LinearLR(optimizer, start_factor=1.0 / 3, end_factor=0.7, total_iters=4)",
    "test_lambda_lr": "scheduler = LambdaLR(optimizer, lr_lambda=[lambda x1: 0.9**x1])",
    "test_multiplicative_lr": "scheduler = MultiplicativeLR(optimizer, lr_lambda=[lambda x1: 0.9])",
    "test_cycle_lr_exp_range_mode_one_lr": """
        base_lr, max_lr = 1, 5
        gamma = 0.9
        scheduler = CyclicLR(
            optimizer,
            base_lr=base_lr,
            max_lr=max_lr,
            step_size_up=4,
            cycle_momentum=True,
            base_momentum=base_lr,
            max_momentum=max_lr,
            mode="exp_range",
            gamma=gamma,
        )""",
    "test_onecycle_lr_linear_annealing_three_phases": """
        scheduler = OneCycleLR(
            optimizer,
            max_lr=25,
            div_factor=25,
            base_momentum=1,
            max_momentum=22,
            total_steps=10,
            anneal_strategy="linear",
            pct_start=0.4,
            final_div_factor=4,
            three_phase=True,
        )""",
    "test_CosineAnnealingWarmRestarts_lr1[T_mult=2]": """
        T_i = 10
        scheduler = CosineAnnealingWarmRestarts(optimizer, T_0=T_i, T_mult=2, eta_min=1e-10)""",
}


def _check(config: TorchConfig, schedule: str) -> None:
    """torch's test allows 1e-5 absolute; here 1e-5 relative. The closed forms it expects differ from torch's
    stepwise updates by rounding, and by ~1e-10 where a chained cosine adds its eta_min=1e-10 at every step."""
    frame = lrviz.run([schedule], epochs=config.epochs, lr=config.lr, **ONE_STEP_PER_EPOCH, **config.options)
    np.testing.assert_allclose(frame["lr"], config.lrs, rtol=1e-5, atol=1e-10)
    if config.momenta is not None:
        np.testing.assert_allclose(frame["momentum"], config.momenta, rtol=1e-5, atol=1e-10)


@pytest.mark.parametrize("config", CONFIGS, ids=[config.test for config in CONFIGS])
def test_torch_configuration_gives_torchs_expected_values(config):
    _check(config, config.schedule)


@pytest.mark.parametrize("test", list(AS_WRITTEN))
def test_torch_configuration_pasted_as_torchs_test_writes_it(test):
    _check(BY_TEST[test], AS_WRITTEN[test])


@pytest.mark.parametrize("test, schedule", REFUSED, ids=[test for test, _ in REFUSED])
def test_what_torch_refuses_lrviz_refuses(test, schedule):
    with pytest.raises(SpecError):
        lrviz.run([schedule], epochs=10, **ONE_STEP_PER_EPOCH)


def test_the_transcription_covers_the_families_of_torchs_tests():
    names = {lrviz.parse(config.schedule).name for config in CONFIGS}
    assert names == {"StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR", "PolynomialLR",
                     "CosineAnnealingLR", "SequentialLR", "ChainedScheduler", "CyclicLR", "OneCycleLR", "LambdaLR",
                     "MultiplicativeLR", "CosineAnnealingWarmRestarts"}
    assert len(CONFIGS) == 64
